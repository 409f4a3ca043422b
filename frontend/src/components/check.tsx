// How checks read everywhere: the progress bar, phase and trigger words,
// durations, and the hook that watches a running check (every second).
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api } from '../api';
import type { Check, CheckCounts, CheckProgress, CheckScope, CheckSummary } from '../types';
import { cx } from './ui';

export const checksKey = (projectId: string) => ['projects', projectId, 'checks'] as const;
/** The checks page's pages (an infinite query). */
export const checksHistoryKey = (projectId: string) => ['projects', projectId, 'checks', 'history'] as const;
export const checkKey = (projectId: string, checkId: string) => ['projects', projectId, 'checks', 'one', checkId] as const;
export const dashboardKey = (projectId: string) => ['projects', projectId, 'dashboard'] as const;
export const schedulesKey = (projectId: string) => ['projects', projectId, 'schedules'] as const;

/** Keyed by the contract's phases, so a new phase fails the type check until it has words. */
export const phaseLabel: Record<Exclude<CheckProgress['phase'], ''>, string> = {
  starting: 'Starting',
  reading_billing: 'Reading Stripe',
  reading_entitlements: 'Reading Stripe entitlements',
  recording_promises: 'Recording promises',
  reading_app: 'Reading your app',
  comparing: 'Comparing',
  saving: 'Saving',
  finished: 'Finished',
  failed: 'Failed',
};

/** What a check found, or null until it ends: the API sends `{}` while it runs. */
export function summaryOf(c: Check): CheckSummary | null {
  // The contract's other alternative is `{}`, which lacks every key a summary always has.
  return 'customers' in c.summary ? (c.summary as CheckSummary) : null;
}

export const triggerLabel: Record<Check['trigger'], string> = {
  person: 'Person',
  schedule: 'Schedule',
  webhook: 'Webhook',
  api: 'API',
  dry_run: 'Dry run',
};

export const scopeLabel: Record<CheckScope, string> = {
  full: 'Full',
  recent: 'Recent',
  customer: 'Customer',
};

export const statusWord: Record<Check['status'], string> = {
  running: 'Running',
  finished: 'Finished',
  failed: 'Failed',
};

/** 40 ms → "40 ms", 430 ms → "0.4 s", 12,300 ms → "12 s", 192,000 ms → "3 min 12 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return '—';
  if (ms < 100) return `${Math.round(ms)} ms`;
  if (ms < 1000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

const num = new Intl.NumberFormat('en-US');
export const formatCount = (n: number | undefined) => num.format(n ?? 0);

/**
 * A check's progress: the phase in words, done/total when known, and a bar
 * (indeterminate while the size is unknown). role=progressbar so assistive
 * tech and browser tests read the percent.
 */
export function CheckProgressBar({ check, label = 'Check progress' }: { check: Check; label?: string }) {
  const p = check.progress;
  const percent = Math.max(0, Math.min(100, Math.round(p.percent)));
  const phase = p.phase ? phaseLabel[p.phase] : 'Starting';
  const detail = p.total > 0 ? `${formatCount(p.done)} of ${formatCount(p.total)}` : p.done > 0 ? `${formatCount(p.done)} read` : '';
  return (
    <div className="w-full">
      <div className="mb-1.5 flex flex-wrap items-baseline justify-between gap-x-3 text-sm">
        <span className="font-medium text-gray-900">
          {phase}
          {detail && <span className="font-normal text-gray-500"> · {detail}</span>}
        </span>
        <span className="tabular-nums text-gray-600">{p.indeterminate ? 'Working…' : `${percent}%`}</span>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={p.indeterminate ? undefined : percent}
        aria-valuetext={p.indeterminate ? `${phase}…` : `${phase}, ${percent}%`}
        className="h-2 w-full overflow-hidden rounded-full bg-gray-200"
      >
        <div
          className={cx('h-full rounded-full bg-indigo-600 transition-[width] duration-500', p.indeterminate && 'animate-pulse')}
          style={{ width: p.indeterminate ? '100%' : `${Math.max(percent, 2)}%` }}
        />
      </div>
    </div>
  );
}

/**
 * Watches one check: polls every second while it runs, stops once it ended,
 * and calls onEnd once with the ended check (toasts, refreshes).
 */
export function useWatchedCheck(projectId: string, checkId: string | null | undefined, onEnd?: (c: Check) => void) {
  const query = useQuery({
    queryKey: checkKey(projectId, checkId ?? ''),
    queryFn: () => api.getCheck(projectId, checkId!),
    enabled: !!checkId,
    refetchInterval: (q) => (q.state.data?.status === 'running' || !q.state.data ? 1000 : false),
  });
  const seenRunning = useRef<string | null>(null);
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;
  const data = query.data;
  useEffect(() => {
    if (!data) return;
    if (data.status === 'running') {
      seenRunning.current = data.id;
    } else if (seenRunning.current === data.id) {
      // Only a check watched while running "ends" here; one loaded already
      // ended is just shown.
      seenRunning.current = null;
      onEndRef.current?.(data);
    }
  }, [data]);
  return query;
}

/** The counts people read in a check row: checked, held, opened, resolved, errors. */
export const countColumns: { key: keyof CheckCounts; label: string }[] = [
  { key: 'checked', label: 'Checked' },
  { key: 'held', label: 'Held' },
  { key: 'opened', label: 'Opened' },
  { key: 'resolved', label: 'Resolved' },
  { key: 'errors', label: 'Errors' },
];

/** Status in words: finished in green, failed in red, running in the accent. */
export function CheckStatusText({ check }: { check: Check }) {
  return (
    <span
      className={cx(
        'text-sm',
        check.status === 'finished' && 'text-emerald-700',
        check.status === 'failed' && 'font-medium text-red-700',
        check.status === 'running' && 'font-medium text-indigo-700',
      )}
    >
      {statusWord[check.status] ?? check.status}
    </span>
  );
}

/** "Every day at 03:00 UTC" for the simple cron specs people use, else the spec. */
export function describeSchedule(spec: string): string {
  const f = spec.trim().split(/\s+/);
  if (f.length !== 5) return spec;
  const [min, hour, dom, mon, dow] = f;
  const isNum = (v: string) => /^\d{1,2}$/.test(v);
  const pad = (v: string) => v.padStart(2, '0');
  if (dom === '*' && mon === '*' && dow === '*') {
    if (isNum(min) && isNum(hour)) return `Every day at ${pad(hour)}:${pad(min)} UTC`;
    if (isNum(min) && hour === '*') return min === '0' ? 'Every hour, on the hour' : `Every hour at :${pad(min)}`;
  }
  const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  if (dom === '*' && mon === '*' && /^[0-7]$/.test(dow) && isNum(min) && isNum(hour)) {
    return `Every ${weekdays[Number(dow)]} at ${pad(hour)}:${pad(min)} UTC`;
  }
  return `Custom: ${spec} (UTC)`;
}

/** What a toast says when a watched check ends. */
export function checkEndedMessage(c: Check): string {
  if (c.status === 'failed') return `The check failed: ${c.error || 'no reason was recorded'}`;
  const n = c.counts;
  return `Check finished — ${formatCount(n.checked)} checked, ${formatCount(n.opened)} opened, ${formatCount(n.resolved)} resolved`;
}
