// The signed-in frame: top bar with the product name, navigation, the user
// and "Sign out"; the page renders below.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LogOut, Rows3 } from 'lucide-react';
import type { ReactNode } from 'react';
import { Link, NavLink, useNavigate } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage } from '../api';
import { hasRole, meKey, setupKey } from '../session';
import type { User } from '../types';
import { Button, cx, RoleBadge } from './ui';

function TopNavLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <NavLink
      to={to}
      className={({ isActive }) =>
        cx(
          'whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium transition-colors max-sm:px-2',
          isActive ? 'bg-gray-100 text-gray-900' : 'text-gray-600 hover:bg-gray-50 hover:text-gray-900',
        )
      }
    >
      {children}
    </NavLink>
  );
}

export function Brand({ to = '/projects' }: { to?: string }) {
  return (
    <Link to={to} className="flex items-center gap-2 rounded-md text-gray-900">
      <span aria-hidden className="flex size-7 items-center justify-center rounded-md bg-indigo-600 text-white">
        <Rows3 className="size-4" />
      </span>
      <span className="text-base font-semibold tracking-tight">ParityRail</span>
    </Link>
  );
}

/**
 * Ends this session or every one (request), forgets everything cached,
 * says done and goes to the sign-in page.
 */
export function useSignOut(request: () => Promise<unknown>, done: string) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: request,
    onSuccess: () => {
      queryClient.clear();
      queryClient.setQueryData(meKey, null);
      queryClient.setQueryData(setupKey, { required: false });
      toast.success(done);
      navigate('/login', { replace: true });
    },
    onError: (err) => toast.error(errorMessage(err)),
  });
}

export function AppShell({ user, children }: { user: User; children: ReactNode }) {
  const signOut = useSignOut(api.logout, 'Signed out');

  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <header className="border-b border-gray-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
          <Brand />
          {/* On a phone the links scroll sideways rather than widen the page. */}
          <nav aria-label="Main" className="flex min-w-0 max-w-full items-center gap-1 overflow-x-auto">
            <TopNavLink to="/projects">Projects</TopNavLink>
            <TopNavLink to="/settings/team">Team</TopNavLink>
            {hasRole(user, 'admin') && <TopNavLink to="/settings/email">Email</TopNavLink>}
            {hasRole(user, 'admin') && <TopNavLink to="/settings/api-keys">API keys</TopNavLink>}
            <TopNavLink to="/settings/account">Account</TopNavLink>
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <div className="min-w-0 text-right leading-tight">
              <div className="truncate text-sm font-medium text-gray-900">{user.name || user.email}</div>
              <div className="hidden truncate text-xs text-gray-500 sm:block">{user.email}</div>
            </div>
            <RoleBadge role={user.role} />
            <Button
              variant="ghost"
              size="sm"
              busy={signOut.isPending}
              onClick={() => signOut.mutate()}
            >
              {!signOut.isPending && <LogOut aria-hidden className="size-4" />}
              Sign out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
        {children}
      </main>
    </div>
  );
}

/** Centered card frame for setup, sign-in and invites. */
export function AuthFrame({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center px-4 py-12 sm:py-20">
      <div className="w-full max-w-md">
        <div className="mb-8 flex justify-center">
          <Brand to="/" />
        </div>
        <main className="rounded-xl border border-gray-200 bg-white p-6 shadow-sm sm:p-8">
          <h1 className="text-xl font-semibold tracking-tight text-gray-900">{title}</h1>
          {subtitle && <div className="mt-1.5 text-sm text-gray-500">{subtitle}</div>}
          <div className="mt-6">{children}</div>
        </main>
      </div>
    </div>
  );
}
