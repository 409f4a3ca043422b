// /projects/:projectId/checks — every check of the project, newest first:
// trigger, scope, status, when, how long, counts. A running check shows its
// progress live (the list is re-read every second while one runs). Paging
// follows next_cursor ("Load older checks").
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { Play } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import {
  CheckProgressBar,
  CheckStatusText,
  checkEndedMessage,
  checksHistoryKey,
  countColumns,
  dashboardKey,
  formatCount,
  formatDuration,
  scopeLabel,
  triggerLabel,
} from '../../components/check';
import { Button, Card, EmptyState, ErrorAlert, LoadingState, Mono, QueryError, cx } from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Check } from '../../types';
import { useProject } from './ProjectLayout';
import { useRunCheck } from './useRunCheck';

/** The counts a phone shows (the others from md up). */
const phoneCounts = new Set(['opened', 'errors']);

export function ChecksPage() {
  const project = useProject();
  const queryClient = useQueryClient();
  const history = useInfiniteQuery({
    queryKey: checksHistoryKey(project.id),
    queryFn: ({ pageParam }) => api.listChecks(project.id, pageParam || undefined),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor || undefined,
    // Only the newest checks can be running: poll while one is.
    refetchInterval: (q) => (q.state.data?.pages[0]?.items.some((c) => c.status === 'running') ? 1000 : false),
  });
  const run = useRunCheck(project.id);

  const checks = history.data?.pages.flatMap((p) => p.items) ?? [];
  const runningIds = checks.filter((c) => c.status === 'running').map((c) => c.id);
  const anyRunning = runningIds.length > 0;

  // Toast once for a check this page saw running and then ending.
  const watching = useRef(new Set<string>());
  useEffect(() => {
    for (const c of checks) {
      if (c.status === 'running') watching.current.add(c.id);
      else if (watching.current.has(c.id)) {
        watching.current.delete(c.id);
        if (c.status === 'finished') toast.success(checkEndedMessage(c));
        else toast.error(`${checkEndedMessage(c)}. Fix the cause, then run the check again.`);
        queryClient.invalidateQueries({ queryKey: dashboardKey(project.id) });
      }
    }
  }, [checks, project.id, queryClient]);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold text-gray-900">Checks</h2>
          <p className="text-sm text-gray-500">
            Every check of this project, newest first: scheduled, started by a person, by a webhook, and dry runs.
          </p>
        </div>
        <Button onClick={() => run.mutate()} busy={run.isPending} busyLabel="Starting…" disabled={anyRunning}>
          <Play aria-hidden className="size-4" />
          Run check
        </Button>
      </div>

      {history.isPending ? (
        <LoadingState label="Loading checks…" />
      ) : history.isError && checks.length === 0 ? (
        <QueryError title="Could not load the checks" query={history} />
      ) : checks.length === 0 ? (
        <EmptyState title="No checks yet">
          <p>Run a check to compare what Stripe promises with what your app grants. Scheduled checks show here too.</p>
        </EmptyState>
      ) : (
        <Card className="overflow-hidden">
          <div className="overflow-x-auto">
            <table aria-label="Check history" className="min-w-full divide-y divide-gray-200 text-sm">
              <thead className="bg-gray-50 text-left text-xs font-medium uppercase tracking-wide text-gray-500">
                <tr>
                  <th scope="col" className="px-3 py-2.5">Started</th>
                  <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">Trigger</th>
                  <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">Scope</th>
                  <th scope="col" className="px-3 py-2.5">Status</th>
                  <th scope="col" className="hidden px-3 py-2.5 text-right sm:table-cell">Duration</th>
                  {countColumns.map((c) => (
                    <th key={c.key} scope="col" className={cx('px-3 py-2.5 text-right', !phoneCounts.has(c.key) && 'hidden md:table-cell')}>
                      {c.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-gray-100">
                {checks.map((c) => (
                  <CheckRow key={c.id} check={c} />
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}

      {history.isError && checks.length > 0 && (
        <ErrorAlert message={`Could not refresh the checks: ${errorMessage(history.error)}. The list may be out of date; reload the page.`} />
      )}
      {history.hasNextPage && (
        <div className="flex justify-center">
          <Button variant="secondary" onClick={() => history.fetchNextPage()} busy={history.isFetchingNextPage} busyLabel="Loading…">
            Load older checks
          </Button>
        </div>
      )}
    </div>
  );
}

function CheckRow({ check: c }: { check: Check }) {
  const running = c.status === 'running';
  return (
    <>
      <tr className={cx('align-top', running && 'bg-indigo-50/40')} data-check-id={c.id}>
        <td className="whitespace-nowrap px-3 py-2.5 text-gray-900">
          <Link to={c.id} className="font-medium text-indigo-700 hover:underline">
            <span className="text-gray-500">#{c.number}</span> {formatDateTime(c.started_at)}
          </Link>
          <div className="mt-0.5">
            <Mono value={c.id} what="Check id" />
          </div>
          {/* Phones: the columns hidden there, in one line. */}
          <div className="mt-0.5 text-xs text-gray-500 sm:hidden">
            {triggerLabel[c.trigger] ?? c.trigger} · {scopeLabel[c.scope] ?? c.scope} · {formatDuration(c.duration_ms)}
          </div>
        </td>
        <td className="hidden whitespace-nowrap px-3 py-2.5 text-gray-700 sm:table-cell">{triggerLabel[c.trigger] ?? c.trigger}</td>
        <td className="hidden whitespace-nowrap px-3 py-2.5 text-gray-700 sm:table-cell">
          {scopeLabel[c.scope] ?? c.scope}
          {c.scope === 'customer' && c.customer_ids.length > 0 && (
            <div className="mt-0.5">
              <Mono value={c.customer_ids[0]} what="Customer id" />
            </div>
          )}
        </td>
        <td className="px-3 py-2.5">
          <CheckStatusText check={c} />
          {c.status === 'failed' && c.error && <div className="mt-0.5 max-w-xs text-xs text-red-700">{c.error}</div>}
        </td>
        <td className="hidden whitespace-nowrap px-3 py-2.5 text-right tabular-nums text-gray-700 sm:table-cell">
          {formatDuration(c.duration_ms)}
        </td>
        {countColumns.map((k) => (
          <td
            key={k.key}
            className={cx(
              'px-3 py-2.5 text-right tabular-nums',
              !phoneCounts.has(k.key) && 'hidden md:table-cell',
              k.key === 'errors' && c.counts.errors > 0 ? 'font-medium text-red-700' : 'text-gray-700',
            )}
          >
            {formatCount(c.counts[k.key])}
          </td>
        ))}
      </tr>
      {running && (
        <tr className="bg-indigo-50/40">
          <td colSpan={5 + countColumns.length} className="px-3 pb-3">
            <div className="max-w-xl">
              <CheckProgressBar check={c} label={`Progress of check ${c.id}`} />
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
