// /projects/:projectId/* — the frame of an onboarded project's pages: the
// project's name (with a Demo badge on demo data), its id, and a nav
// (Dashboard, Incidents, Checks, Settings, Setup). A layout route: pages render in the
// <Outlet/> and read the project with useProject().
import { useQuery } from '@tanstack/react-query';
import { ChevronRight } from 'lucide-react';
import type { ReactNode } from 'react';
import { Link, NavLink, Outlet, useOutletContext, useParams } from 'react-router';
import { api, errorMessage, isApiError } from '../../api';
import { ResetDemoButton } from '../../components/DemoControls';
import { cx, DemoBadge, ErrorState, LoadingState, Mono } from '../../components/ui';
import { isDemo } from '../../format';
import type { Project } from '../../types';
import { hasRole, useMe } from '../../session';
import { projectKey } from '../ProjectsPage';

interface ProjectContext {
  project: Project;
}

/** The project of the layout around, if any (components used in and out of it). */
export function useOptionalProject(): Project | undefined {
  return useOutletContext<ProjectContext | undefined>()?.project;
}

/** The project the layout loaded, for pages nested under it. */
export function useProject(): Project {
  return useOutletContext<ProjectContext>().project;
}

function ProjectNavLink({ to, end, children }: { to: string; end?: boolean; children: ReactNode }) {
  return (
    <NavLink
      to={to}
      end={end}
      className={({ isActive }) =>
        cx(
          '-mb-px whitespace-nowrap border-b-2 px-1 pb-2.5 pt-1 text-sm font-medium transition-colors',
          isActive
            ? 'border-indigo-600 text-indigo-700'
            : 'border-transparent text-gray-600 hover:border-gray-300 hover:text-gray-900',
        )
      }
    >
      {children}
    </NavLink>
  );
}

/**
 * A project's breadcrumb and title line (name, Demo badge, id, and "Reset
 * demo data" for admins); the onboarding page adds its progress as children.
 */
export function ProjectHeading({
  project: p,
  canEdit,
  className,
  children,
}: {
  project: Project;
  canEdit: boolean;
  className?: string;
  children?: ReactNode;
}) {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-gray-500">
        <ol className="flex items-center gap-1">
          <li>
            <Link to="/projects" className="hover:text-gray-900 hover:underline">
              Projects
            </Link>
          </li>
          <li aria-hidden>
            <ChevronRight className="size-3.5" />
          </li>
          <li className="truncate text-gray-700">{p.name}</li>
        </ol>
      </nav>
      <div className={cx('flex flex-wrap items-center gap-x-3 gap-y-1.5', className)}>
        <h1 className="min-w-0 truncate text-2xl font-semibold tracking-tight text-gray-900">{p.name}</h1>
        {isDemo(p) && <DemoBadge />}
        <Mono value={p.id} what="Project id" />
        {children}
        {isDemo(p) && canEdit && <ResetDemoButton project={p} className="sm:ml-auto" />}
      </div>
    </>
  );
}

export function ProjectLayout() {
  const { projectId = '' } = useParams();
  const project = useQuery({ queryKey: projectKey(projectId), queryFn: () => api.getProject(projectId) });
  const me = useMe();

  if (project.isPending) return <LoadingState label="Loading project…" />;
  if (project.isError) {
    const missing = isApiError(project.error, 404);
    return (
      <ErrorState
        title={missing ? 'Project not found' : 'Could not load this project'}
        message={missing ? `${errorMessage(project.error)} Pick one from the projects list.` : errorMessage(project.error)}
        onRetry={missing ? undefined : () => project.refetch()}
      />
    );
  }
  const p = project.data;
  const base = `/projects/${p.id}`;
  return (
    <>
      <ProjectHeading project={p} canEdit={hasRole(me.data, 'admin')} className="mb-4" />
      <nav aria-label="Project" className="mb-6 overflow-x-auto border-b border-gray-200">
        <div className="flex gap-6">
          <ProjectNavLink to={base} end>
            Dashboard
          </ProjectNavLink>
          <ProjectNavLink to={`${base}/incidents`}>Incidents</ProjectNavLink>
          <ProjectNavLink to={`${base}/checks`}>Checks</ProjectNavLink>
          <ProjectNavLink to={`${base}/settings`}>Settings</ProjectNavLink>
          <ProjectNavLink to={`${base}/onboarding`}>Setup</ProjectNavLink>
        </div>
      </nav>
      <Outlet context={{ project: p } satisfies ProjectContext} />
    </>
  );
}
