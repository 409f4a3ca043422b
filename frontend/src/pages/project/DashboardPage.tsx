// /projects/:projectId — the project dashboard (onboarded projects; others go
// to the wizard): open incidents by severity and by kind, the last check,
// "Run check" with live progress, the schedules and webhook health.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Play } from 'lucide-react';
import type { ReactNode } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { toast } from 'sonner';
import { api } from '../../api';
import {
  CheckProgressBar,
  CheckStatusText,
  checkEndedMessage,
  checksKey,
  countColumns,
  dashboardKey,
  describeSchedule,
  formatCount,
  formatDuration,
  scopeLabel,
  triggerLabel,
  useWatchedCheck,
} from '../../components/check';
import { incidentKinds, kindLabel, severities, SeverityPill } from '../../components/incident';
import { Button, Card, LoadingState, Notice, QueryError, cx } from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Check, Dashboard, Project, Schedule, WebhookHealth } from '../../types';
import { useProject } from './ProjectLayout';
import { useRunCheck } from './useRunCheck';
import { stakeLine } from './stake';

export function DashboardPage() {
  const project = useProject();
  if (!project.onboarded) return <Navigate to={`/projects/${project.id}/onboarding`} replace />;
  return <ProjectDashboard project={project} />;
}

function ProjectDashboard({ project }: { project: Project }) {
  const queryClient = useQueryClient();
  const dash = useQuery({
    queryKey: dashboardKey(project.id),
    queryFn: () => api.dashboard(project.id),
    // Schedules and webhooks move on their own; a running check is watched
    // separately (every second), so this can be slow.
    refetchInterval: 30_000,
  });
  const run = useRunCheck(project.id);
  // Watch the running check; also one started a moment ago (here, or by
  // step 8's Finish) that may already have ended before the dashboard
  // loaded, so its end is still announced.
  const startedElsewhere = (useLocation().state as { watchCheck?: string } | null)?.watchCheck;
  const runningId = dash.data?.running_check?.id ?? run.data?.id ?? startedElsewhere;
  const watched = useWatchedCheck(project.id, runningId, (c) => {
    if (c.status === 'finished') toast.success(checkEndedMessage(c));
    else toast.error(`${checkEndedMessage(c)}. Fix the cause, then run the check again.`);
    queryClient.invalidateQueries({ queryKey: dashboardKey(project.id) });
    queryClient.invalidateQueries({ queryKey: checksKey(project.id) });
  });

  if (dash.isPending) return <LoadingState label="Loading the dashboard…" />;
  if (dash.isError) return <QueryError title="Could not load the dashboard" query={dash} />;
  const d = dash.data;
  // The watched copy is fresher than the dashboard's (polled every second);
  // once it ended, the dashboard is being re-read.
  const live = watched.data && watched.data.id === d.running_check?.id ? watched.data : d.running_check;
  const running = live?.status === 'running' ? live : null;
  const base = `/projects/${project.id}`;

  return (
    <div className="space-y-6">
      <Card className="p-4 sm:p-5">
        <div className="flex flex-wrap items-center gap-4">
          <div className="min-w-0 flex-1">
            <h2 className="text-base font-semibold text-gray-900">{running ? 'A check is running' : 'Run a check'}</h2>
            {!running && (
              <p className="mt-0.5 text-sm text-gray-500">
                A full check reads every customer and every user of your app and files what differs.
              </p>
            )}
          </div>
          <Button onClick={() => run.mutate()} busy={run.isPending} busyLabel="Starting…" disabled={!!running}>
            <Play aria-hidden className="size-4" />
            Run check
          </Button>
        </div>
        {running && (
          <div className="mt-4" aria-live="polite">
            <CheckProgressBar check={running} label="Running check progress" />
            <p className="mt-1.5 text-xs text-gray-500">
              {scopeLabel[running.scope]} check · started {formatDateTime(running.started_at)} by{' '}
              {triggerLabel[running.trigger].toLowerCase()} ·{' '}
              <Link to={`${base}/checks`} className="text-indigo-700 hover:underline">
                all checks
              </Link>
            </p>
          </div>
        )}
      </Card>

      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
        <OpenIncidents d={d} base={base} />
        <div className="space-y-6">
          <LastCheck check={d.last_check} base={base} />
          <Schedules schedules={d.schedules} base={base} />
          <Webhooks health={d.webhooks} />
        </div>
      </div>
    </div>
  );
}

/** A dashboard card; link, when given, goes to the page that shows or changes more. */
function Panel({
  title,
  id,
  link,
  children,
}: {
  title: string;
  id: string;
  link?: { to: string; label: string };
  children: ReactNode;
}) {
  return (
    <Card className="overflow-hidden">
      <section aria-labelledby={id}>
        <div className="flex items-center justify-between gap-3 border-b border-gray-100 px-4 py-3 sm:px-5">
          <h2 id={id} className="text-sm font-semibold text-gray-900">
            {title}
          </h2>
          {link && (
            <Link to={link.to} className="text-sm font-medium text-indigo-700 hover:underline">
              {link.label}
            </Link>
          )}
        </div>
        <div className="px-4 py-4 sm:px-5">{children}</div>
      </section>
    </Card>
  );
}

function OpenIncidents({ d, base }: { d: Dashboard; base: string }) {
  return (
    <Panel
      title="Open incidents"
      id="dash-open"
      link={{ to: `${base}/incidents`, label: 'View all' }}
    >
      <p className="text-3xl font-semibold tabular-nums text-gray-900" data-testid="open-total">
        {formatCount(d.open_total)}
      </p>
      <p className="text-xs text-gray-500">open, acknowledged, repairing or verifying</p>
      {stakeLine(d.at_stake ?? []) && (
        <p className="mt-2 text-sm font-medium text-gray-900" data-testid="at-stake">
          {stakeLine(d.at_stake ?? [])}
        </p>
      )}

      <h3 className="mt-4 text-xs font-medium uppercase tracking-wide text-gray-500">By severity</h3>
      <ul aria-label="Open incidents by severity" className="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-4">
        {severities.map((s) => (
          <li key={s}>
            <Link
              to={`${base}/incidents?severity=${s}`}
              className="flex items-center justify-between gap-2 rounded-md border border-gray-200 px-3 py-2 hover:bg-gray-50"
            >
              <SeverityPill severity={s} />
              <span className="font-semibold tabular-nums text-gray-900">{formatCount(d.open_by_severity[s] ?? 0)}</span>
            </Link>
          </li>
        ))}
      </ul>

      <h3 className="mt-5 text-xs font-medium uppercase tracking-wide text-gray-500">By kind</h3>
      <table aria-label="Open incidents by kind" className="mt-1 w-full text-sm">
        <thead className="sr-only">
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Open</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-100">
          {incidentKinds.map((k) => {
            const n = d.open_by_kind[k] ?? 0;
            return (
              <tr key={k}>
                <th scope="row" className="py-2 pr-3 text-left font-normal">
                  <Link
                    to={`${base}/incidents?kind=${k}`}
                    className={cx('hover:text-indigo-700 hover:underline', n > 0 ? 'text-gray-900' : 'text-gray-500')}
                  >
                    {kindLabel[k]}
                  </Link>
                </th>
                <td className={cx('py-2 text-right tabular-nums', n > 0 ? 'font-semibold text-gray-900' : 'text-gray-400')}>
                  {formatCount(n)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {d.open_total === 0 && (
        <p className="mt-3 text-sm text-emerald-700">No open incidents: every promise checked holds.</p>
      )}
    </Panel>
  );
}

function LastCheck({ check, base }: { check: Check | null; base: string }) {
  return (
    <Panel
      title="Last check"
      id="dash-last"
      link={{ to: `${base}/checks`, label: 'All checks' }}
    >
      {!check ? (
        <p className="text-sm text-gray-500">No check has ended yet. The first one runs after "Finish"; start one with "Run check".</p>
      ) : (
        <div className="space-y-3">
          <p className="text-sm text-gray-700">
            <CheckStatusText check={check} /> {formatDateTime(check.finished_at ?? check.started_at)} ·{' '}
            {scopeLabel[check.scope]} check by {triggerLabel[check.trigger].toLowerCase()} · took{' '}
            {formatDuration(check.duration_ms)}
          </p>
          {check.status === 'failed' && check.error && <p className="text-sm text-red-700">{check.error}</p>}
          <dl className="grid grid-cols-3 gap-2 sm:grid-cols-5">
            {countColumns.map((c) => (
              <div key={c.key} className="rounded-md bg-gray-50 px-2.5 py-2">
                <dt className="text-xs text-gray-500">{c.label}</dt>
                <dd
                  className={cx(
                    'text-base font-semibold tabular-nums',
                    c.key === 'errors' && check.counts.errors > 0 ? 'text-red-700' : 'text-gray-900',
                  )}
                >
                  {formatCount(check.counts[c.key])}
                </dd>
              </div>
            ))}
          </dl>
        </div>
      )}
    </Panel>
  );
}

const scheduleTitle: Record<string, string> = {
  full: 'Daily full check',
  recent: 'Hourly recent check',
  digest: 'Weekly digest',
};

function Schedules({ schedules, base }: { schedules: Schedule[]; base: string }) {
  return (
    <Panel
      title="Schedules"
      id="dash-schedules"
      link={{ to: `${base}/onboarding/8`, label: 'Change' }}
    >
      <ul className="space-y-2 text-sm">
        {schedules.map((s) => (
          <li key={s.kind} className="flex flex-wrap items-baseline justify-between gap-x-3">
            <span className="font-medium text-gray-900">{scheduleTitle[s.kind] ?? s.kind}</span>
            {s.enabled ? (
              <span className="text-gray-600">
                {describeSchedule(s.spec)} · next {formatDateTime(s.next_run_at)}
              </span>
            ) : (
              <span className="text-amber-700">Off</span>
            )}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Webhooks({ health: h }: { health: WebhookHealth }) {
  return (
    <Panel title="Stripe webhooks" id="dash-webhooks">
      <dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm sm:grid-cols-3">
        <div>
          <dt className="text-xs text-gray-500">Events received</dt>
          <dd className="font-semibold tabular-nums text-gray-900">{formatCount(h.received)}</dd>
        </div>
        <div>
          <dt className="text-xs text-gray-500">Signature failures</dt>
          <dd className={cx('font-semibold tabular-nums', h.signature_failures > 0 ? 'text-red-700' : 'text-gray-900')}>
            {formatCount(h.signature_failures)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-gray-500">Waiting for re-check</dt>
          <dd className="font-semibold tabular-nums text-gray-900">{formatCount(h.queued)}</dd>
        </div>
        <div className="col-span-2 sm:col-span-3">
          <dt className="text-xs text-gray-500">Last event</dt>
          <dd className="text-gray-700">
            {h.last_event_at ? (
              <>
                <code className="font-mono text-xs">{h.last_event_type}</code> · {formatDateTime(h.last_event_at)}
              </>
            ) : (
              'None yet. Add the webhook endpoint from step 2 in Stripe to re-check customers as their billing changes.'
            )}
          </dd>
        </div>
        {h.signature_failures > 0 && (
          <div className="col-span-2 sm:col-span-3">
            <dt className="text-xs text-gray-500">Last failure</dt>
            <dd className="text-red-700">
              {formatDateTime(h.last_failure_at)}: {h.last_failure_reason}
            </dd>
          </div>
        )}
      </dl>
      {h.silent && (
        <Notice tone="warning" title="Stripe may not be sending events here" className="mt-4">
          {h.silent}
        </Notice>
      )}
      {h.days.length > 0 && <WebhookDays days={h.days} />}
    </Panel>
  );
}

/** Events per day over the last 7 days, with each day's types on hover and for screen readers. */
function WebhookDays({ days }: { days: WebhookHealth['days'] }) {
  const most = Math.max(1, ...days.map((d) => d.received));
  return (
    <figure className="mt-4">
      <figcaption className="text-xs text-gray-500">Events per day, last 7 days (UTC)</figcaption>
      <ol className="mt-2 flex h-20 items-end gap-1.5" aria-label="Events per day">
        {days.map((d) => {
          const types = Object.entries(d.by_type)
            .sort((a, b) => b[1] - a[1])
            .map(([t, n]) => `${t} ${n}`)
            .join(', ');
          const label = `${d.date}: ${d.received} event${d.received === 1 ? '' : 's'}${types ? ` (${types})` : ''}${
            d.signature_failures ? `, ${d.signature_failures} refused for a bad signature` : ''
          }`;
          return (
            <li key={d.date} className="flex h-full flex-1 flex-col items-center justify-end" title={label} aria-label={label}>
              <span
                className={cx('w-full rounded-t', d.received ? 'bg-indigo-500' : 'bg-gray-200')}
                style={{ height: `${Math.max(4, (d.received / most) * 100)}%` }}
              />
              {d.signature_failures > 0 && <span className="mt-0.5 h-1 w-full rounded bg-red-500" />}
              <span className="mt-1 text-[10px] tabular-nums text-gray-500">{d.date.slice(5)}</span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
