import { Link } from 'react-router';

export function NotFoundPage({ bare = false }: { bare?: boolean }) {
  return (
    <div className={bare ? '' : 'mx-auto max-w-lg py-16 text-center'}>
      {!bare && <p className="text-sm font-semibold text-indigo-600">404</p>}
      {!bare && <h1 className="mt-2 text-2xl font-semibold tracking-tight text-gray-900">Page not found</h1>}
      <p className="mt-2 text-sm text-gray-500">There is nothing at this address. Check the link, or start from your projects.</p>
      <Link
        to="/projects"
        className="mt-6 inline-flex rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
      >
        Go to projects
      </Link>
    </div>
  );
}
