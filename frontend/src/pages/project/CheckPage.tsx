// /projects/:projectId/checks/:checkId — one check: who or what started it,
// its scope, progress while it runs, duration, counts, requests made, its
// error, and the incidents it opened and resolved.
import { useQuery } from '@tanstack/react-query';
import { ArrowLeft } from 'lucide-react';
import { Link, useParams } from 'react-router';
import { api, errorMessage, isApiError } from '../../api';
import {
  CheckProgressBar,
  CheckStatusText,
  countColumns,
  formatCount,
  formatDuration,
  scopeLabel,
  summaryOf,
  triggerLabel,
  useWatchedCheck,
} from '../../components/check';
import { kindLabel, SeverityPill } from '../../components/incident';
import { incidentsKey } from '../incidents/IncidentsPage';
import { QueryGate } from '../../components/QueryGate';
import { Card, EmptyState, ErrorAlert, ErrorState, LoadingState, Mono } from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Check } from '../../types';
import { actorName, usePeople } from '../incidents/ledger';
import { useProject } from './ProjectLayout';

export function CheckPage() {
  const project = useProject();
  const { checkId = '' } = useParams();
  const check = useWatchedCheck(project.id, checkId);
  if (check.isPending) return <LoadingState label="Loading the check…" />;
  if (check.isError) {
    const missing = isApiError(check.error, 404);
    return <ErrorState title={missing ? 'Check not found' : 'Could not load the check'} message={errorMessage(check.error)} onRetry={missing ? undefined : () => check.refetch()} />;
  }
  const c = check.data;
  return (
    <div className="space-y-6">
      <Link to={`/projects/${project.id}/checks`} className="inline-flex items-center gap-1 text-sm text-gray-600 hover:text-gray-900">
        <ArrowLeft aria-hidden className="size-4" /> Checks
      </Link>
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h2 className="text-xl font-semibold text-gray-900">
          {c.dry_run ? 'Dry run' : `${scopeLabel[c.scope] ?? c.scope} check`} #{c.number} of {formatDateTime(c.started_at)}
        </h2>
        <CheckStatusText check={c} />
        <Mono value={c.id} what="Check id" />
      </div>
      <CheckFacts check={c} />
      {c.status === 'running' && <CheckProgressBar check={c} label="Check progress" />}
      {c.error && <ErrorAlert message={c.error} />}
      {!c.dry_run && (
        <div className="grid gap-6 lg:grid-cols-2">
          <CheckIncidents projectId={project.id} checkId={c.id} event="opened" title="Opened by this check" />
          <CheckIncidents projectId={project.id} checkId={c.id} event="resolved" title="Resolved by this check" />
        </div>
      )}
    </div>
  );
}

function CheckFacts({ check: c }: { check: Check }) {
  const people = usePeople();
  const who = c.started_by ? actorName(c.started_by, people) : (triggerLabel[c.trigger] ?? c.trigger);
  const s = summaryOf(c);
  const facts: [string, string][] = [
    ['Started by', who],
    ['Trigger', triggerLabel[c.trigger] ?? c.trigger],
    ['Scope', (scopeLabel[c.scope] ?? c.scope) + (c.customer_ids.length ? ` (${c.customer_ids.join(', ')})` : '')],
    ['Duration', formatDuration(c.duration_ms)],
    ...countColumns.map(({ key, label }): [string, string] => [label, formatCount(c.counts[key])]),
    ['Stripe requests', formatCount(s?.stripe_requests)],
  ];
  if (s?.access_requests) facts.push(['App requests', formatCount(s.access_requests)]);
  return (
    <Card className="p-5">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-4">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt className="text-xs uppercase tracking-wide text-gray-500">{k}</dt>
            <dd className="mt-0.5 break-words text-gray-900">{v}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function CheckIncidents({ projectId, checkId, event, title }: { projectId: string; checkId: string; event: 'opened' | 'resolved'; title: string }) {
  const list = useQuery({
    queryKey: [...incidentsKey(projectId), { check_id: checkId, check_event: event }],
    queryFn: () => api.listIncidents(projectId, { check_id: checkId, check_event: event, limit: 100 }),
  });
  return (
    <section aria-label={title}>
      <h3 className="mb-2 text-base font-semibold text-gray-900">{title}</h3>
      <QueryGate query={list} loading="Loading incidents…" failed="Could not load incidents">
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState title="None" />
          ) : (
            <Card>
              <ul className="divide-y divide-gray-100">
                {page.items.map((i) => (
                  <li key={i.id} className="flex flex-wrap items-center gap-2 px-4 py-2.5 text-sm">
                    <SeverityPill severity={i.severity} />
                    <Link to={`/projects/${projectId}/incidents/${i.id}`} className="font-medium text-indigo-700 hover:underline">
                      {kindLabel[i.kind] ?? i.kind}
                    </Link>
                    <span className="min-w-0 truncate text-gray-600">{i.customer_id || i.subject?.email || i.subject?.id}</span>
                  </li>
                ))}
              </ul>
              {page.next_cursor && <p className="px-4 py-2 text-xs text-gray-500">The first 100 are listed.</p>}
            </Card>
          )
        }
      </QueryGate>
    </section>
  );
}
