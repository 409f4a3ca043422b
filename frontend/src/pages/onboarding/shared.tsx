// Pieces every wizard step shares: the project's connections, cache keys,
// the admin-only note, honest "later build" notes and the step footer.
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { ArrowRight, CircleCheck, Construction, Lock } from 'lucide-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { Button } from '../../components/ui';
import type { Connection, ConnectionKind, List } from '../../types';

export const connectionsKey = (projectId: string) => ['projects', projectId, 'connections'] as const;
export const mappingsKey = (projectId: string) => ['projects', projectId, 'mappings'] as const;

export function useConnections(projectId: string) {
  return useQuery({ queryKey: connectionsKey(projectId), queryFn: () => api.listConnections(projectId) });
}

export function findConnection(items: Connection[] | undefined, kind: ConnectionKind): Connection | undefined {
  return items?.find((c) => c.kind === kind);
}

export function useMappings(projectId: string) {
  return useQuery({ queryKey: mappingsKey(projectId), queryFn: () => api.getMappings(projectId) });
}

/**
 * After a connect or a save the rail (step states, hints), the connections
 * and the mappings may all have changed. Only these, exactly: a prefix
 * invalidation would also re-sample Clerk and re-read Stripe prices.
 */
export function refreshProject(queryClient: QueryClient, projectId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ['projects', projectId], exact: true }),
    queryClient.invalidateQueries({ queryKey: ['projects'], exact: true }),
    queryClient.invalidateQueries({ queryKey: connectionsKey(projectId) }),
    queryClient.invalidateQueries({ queryKey: mappingsKey(projectId) }),
  ]);
}

/**
 * Shows a fresh connection at once (the list is re-read right after). A new
 * access source replaces the other one, as the server does.
 */
export function rememberConnection(queryClient: QueryClient, projectId: string, conn: Connection) {
  const accessKinds: ConnectionKind[] = ['clerk', 'postgres'];
  queryClient.setQueryData<List<Connection>>(connectionsKey(projectId), (old) => {
    const replaced = accessKinds.includes(conn.kind) ? accessKinds : [conn.kind];
    const keep = (old?.items ?? []).filter((c) => !replaced.includes(c.kind));
    const { kind, label, extra_label, mode, connected_at } = conn;
    return { items: [...keep, { kind, label, extra_label, mode, connected_at }] };
  });
}

export function AdminOnlyNote({ children }: { children: ReactNode }) {
  return (
    <p className="flex items-start gap-2 rounded-md border border-gray-200 bg-gray-50 px-3 py-2.5 text-sm text-gray-600">
      <Lock aria-hidden className="mt-0.5 size-4 shrink-0 text-gray-400" />
      <span>{children}</span>
    </p>
  );
}

/** A part of the product this build does not have yet, said plainly. */
export function LaterBuildNote({ children }: { children: ReactNode }) {
  return (
    <div className="flex items-start gap-3 rounded-lg border border-dashed border-gray-300 bg-gray-50 px-4 py-4 text-sm leading-6 text-gray-600">
      <Construction aria-hidden className="mt-1 size-4 shrink-0 text-gray-400" />
      <div className="space-y-1">{children}</div>
    </div>
  );
}

export function StepLink({ base, step, children }: { base: string; step: number; children: ReactNode }) {
  return (
    <Link to={`${base}/${step}`} className="font-medium text-indigo-700 underline-offset-2 hover:underline">
      {children}
    </Link>
  );
}

/** The bottom row of a step: actions on the right, an optional note on the left. */
export function StepFooter({ children, note }: { children: ReactNode; note?: ReactNode }) {
  return (
    <div className="flex flex-col-reverse gap-3 border-t border-gray-100 pt-6 sm:flex-row sm:items-center sm:justify-between">
      <div className="text-xs text-gray-500">{note}</div>
      <div className="flex flex-wrap items-center justify-end gap-2">{children}</div>
    </div>
  );
}

export function SectionHeading({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <h3 id={id} className="text-base font-semibold text-gray-900">
      {children}
    </h3>
  );
}

/**
 * Steps 2 and 3 of a demo project: nothing to connect. The demo world is
 * served by ParityRail itself, with its own keys, which are never stored.
 */
export function DemoConnected({
  what,
  children,
  base,
  next,
  goTo,
}: {
  what: string;
  children: ReactNode;
  base: string;
  next: number;
  goTo: (step: number) => void;
}) {
  return (
    <div className="space-y-8">
      <div
        data-testid="demo-connected-card"
        className="flex items-start gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-4 sm:px-5"
      >
        <CircleCheck aria-hidden className="mt-0.5 size-5 shrink-0 text-emerald-600" />
        <div className="min-w-0 space-y-1">
          <h3 className="text-sm font-semibold text-emerald-900">Demo data connected</h3>
          <p className="text-sm leading-6 text-emerald-900/90">{children}</p>
          <p className="text-xs text-emerald-800">
            No key needed: ParityRail serves the {what} itself. To use your own, choose it on{' '}
            <StepLink base={base} step={1}>
              step 1 (Stack)
            </StepLink>
            .
          </p>
        </div>
      </div>
      <StepFooter>
        <Button onClick={() => goTo(next)}>
          Continue
          <ArrowRight aria-hidden className="size-4" />
        </Button>
      </StepFooter>
    </div>
  );
}
