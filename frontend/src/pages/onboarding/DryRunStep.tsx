// Step 7 "Dry run": a full check that files nothing. Members may run it. It
// shows progress while it reads, then what a real check would find: counts
// per incident kind, sample rows with expected vs actual, unmapped prices
// (→ step 5) and customers matching nothing (→ steps 4 and 6). "Continue"
// records the finished dry run and marks the step done.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Play, RotateCcw } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import {
  CheckProgressBar,
  checkKey,
  checksKey,
  formatCount,
  formatDuration,
  summaryOf,
  useWatchedCheck,
} from '../../components/check';
import { incidentKinds, kindLabel, kindName, kindSeverity, SeverityPill } from '../../components/incident';
import { Button, ErrorAlert, LoadingState, Mono, Notice } from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Check, CheckSummary, SampleField, SampleFinding } from '../../types';
import {
  refreshProject,
  SectionHeading,
  StepFooter,
  StepLink,
  type StepProps,
} from './shared';

export function DryRunStep({
  project,
  base,
  goTo,
}: StepProps) {
  const queryClient = useQueryClient();
  // The latest dry run of the project, so coming back to step 7 shows it.
  const history = useQuery({
    queryKey: checksKey(project.id),
    queryFn: () => api.listChecks(project.id),
  });
  const [startedId, setStartedId] = useState<string | null>(null);
  const latestId = history.data?.items.find((c) => c.dry_run)?.id ?? null;
  const checkId = startedId ?? latestId;

  const watched = useWatchedCheck(project.id, checkId, (c) => {
    if (c.status === 'finished') {
      const found = Object.values(summaryOf(c)?.kinds ?? {}).reduce((a, b) => a + b, 0);
      toast.success(`Dry run finished — ${found === 1 ? '1 finding' : `${formatCount(found)} findings`}`);
    } else {
      toast.error('The dry run failed. See why below, fix it, and run it again.');
    }
    queryClient.invalidateQueries({ queryKey: checksKey(project.id) });
  });

  const run = useMutation({
    mutationFn: () => api.startCheck(project.id, { scope: 'full', dry_run: true }),
    onSuccess: (c) => {
      queryClient.setQueryData(checkKey(project.id, c.id), c);
      setStartedId(c.id);
    },
  });

  const accept = useMutation({
    mutationFn: (id: string) => api.completeDryRun(project.id, id),
    onSuccess: async () => {
      toast.success('Dry run reviewed');
      await refreshProject(queryClient, project.id);
      goTo(8);
    },
  });

  const check = watched.data;
  const running = check?.status === 'running' || run.isPending;

  return (
    <div className="space-y-8">
      <div className="max-w-2xl">
        <p className="text-sm leading-6 text-gray-600">
          The dry run reads every Stripe customer and every user of your app, compares them the way a real check
          does, and shows what it would file. It files nothing, writes nothing and leaves no ledger entries. Any
          member can run it.
        </p>
      </div>

      <div className="flex flex-wrap items-center gap-3">
        <Button onClick={() => run.mutate()} busy={run.isPending} busyLabel="Starting…" disabled={running}>
          {check ? <RotateCcw aria-hidden className="size-4" /> : <Play aria-hidden className="size-4" />}
          {check ? 'Run dry run again' : 'Run dry run'}
        </Button>
        {check && check.status !== 'running' && (
          <span className="text-sm text-gray-500">
            Last dry run {formatDateTime(check.finished_at ?? check.started_at)} · took {formatDuration(check.duration_ms)}
          </span>
        )}
      </div>

      {run.isError && <ErrorAlert message={errorMessage(run.error)} />}

      {history.isPending && !startedId ? (
        <LoadingState label="Looking for an earlier dry run…" />
      ) : history.isError && !startedId ? (
        <ErrorAlert message={`Could not load earlier checks: ${errorMessage(history.error)}`} />
      ) : watched.isError ? (
        <div className="space-y-3">
          <ErrorAlert message={`Could not read the dry run's progress: ${errorMessage(watched.error)}`} />
          <Button variant="secondary" onClick={() => watched.refetch()}>
            Try again
          </Button>
        </div>
      ) : !checkId ? (
        <Notice title="No dry run yet">
          Run it to see the counts per incident kind, a sample of rows with expected and actual values, prices
          without a plan mapping, and customers that matched nothing. It can take a few minutes on a large Stripe
          account.
        </Notice>
      ) : !check ? (
        <LoadingState label="Loading the dry run…" />
      ) : check.status === 'running' ? (
        <section aria-label="Dry run progress" className="rounded-lg border border-gray-200 bg-gray-50 px-4 py-4">
          <CheckProgressBar check={check} label="Dry run progress" />
          <p className="mt-2 text-xs text-gray-500">You can leave this page; the dry run keeps going.</p>
        </section>
      ) : check.status === 'failed' ? (
        <ErrorAlert message={`The dry run failed: ${check.error || 'no reason was recorded'}. Fix the cause (the message says where) and run it again.`} />
      ) : (
        <DryRunResult check={check} base={base} />
      )}

      {accept.isError && <ErrorAlert message={errorMessage(accept.error)} />}

      <StepFooter
        note={
          check?.status === 'finished'
            ? 'Continue when the numbers look right; fix the mappings first if they do not.'
            : 'Run the dry run to continue.'
        }
      >
        <Button
          onClick={() => check && accept.mutate(check.id)}
          disabled={check?.status !== 'finished'}
          busy={accept.isPending}
          busyLabel="Saving…"
        >
          Continue
        </Button>
      </StepFooter>
    </div>
  );
}

/** An interrupted dry run wrote no summary: it reads as zeros. */
const noSummary: CheckSummary = {
  customers: 0,
  subjects: 0,
  kinds: {},
  severities: {},
  unmapped_prices: [],
  unmatched_customers: 0,
  unmatched_sample: [],
  unlinked_subjects: 0,
  pending: 0,
  promises_changed: 0,
  promises_recorded: 0,
  stripe_requests: 0,
  duration_ms: 0,
  phases_ms: {},
};

function DryRunResult({ check, base }: { check: Check; base: string }) {
  const s = summaryOf(check) ?? noSummary;
  const total = incidentKinds.reduce((n, k) => n + (s.kinds[k] ?? 0), 0);
  return (
    <div className="space-y-8">
      <p className="text-sm text-gray-700" data-testid="dry-run-overview">
        Read <strong>{formatCount(s.customers)}</strong> Stripe customers and{' '}
        <strong>{formatCount(s.subjects)}</strong> app users; <strong>{formatCount(check.counts.held)}</strong> of{' '}
        {formatCount(check.counts.checked)} checked hold their promise. A real check would open{' '}
        <strong>{formatCount(check.counts.opened)}</strong> incidents
        {check.counts.updated > 0 && <> and update {formatCount(check.counts.updated)}</>}
        {(s.would_resolve ?? 0) > 0 && <> and resolve {formatCount(s.would_resolve)}</>}.
        {check.counts.errors > 0 && (
          <span className="text-red-700"> {formatCount(check.counts.errors)} customers could not be checked.</span>
        )}
      </p>

      <section aria-labelledby="dry-kinds" className="space-y-3">
        <SectionHeading id="dry-kinds">Findings by incident kind</SectionHeading>
        <div className="overflow-x-auto rounded-lg border border-gray-200">
          <table aria-label="Dry run findings by kind" className="min-w-full divide-y divide-gray-200 text-sm">
            <thead className="bg-gray-50 text-left text-xs font-medium uppercase tracking-wide text-gray-500">
              <tr>
                <th scope="col" className="px-3 py-2">Kind</th>
                <th scope="col" className="px-3 py-2">Severity</th>
                <th scope="col" className="px-3 py-2 text-right">Findings</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-100">
              {incidentKinds.map((k) => (
                <tr key={k} className={(s.kinds[k] ?? 0) === 0 ? 'text-gray-400' : 'text-gray-900'}>
                  <th scope="row" className="px-3 py-2 text-left font-medium">{kindLabel[k]}</th>
                  <td className="px-3 py-2">
                    <SeverityPill severity={kindSeverity[k]} />
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{formatCount(s.kinds[k] ?? 0)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot className="bg-gray-50">
              <tr>
                <th scope="row" colSpan={2} className="px-3 py-2 text-left font-medium text-gray-900">Total</th>
                <td className="px-3 py-2 text-right font-medium tabular-nums text-gray-900">{formatCount(total)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      </section>

      <section aria-labelledby="dry-sample" className="space-y-3">
        <SectionHeading id="dry-sample">Sample rows</SectionHeading>
        {(s.sample ?? []).length === 0 ? (
          <p className="text-sm text-gray-500">
            Nothing to show: every customer checked holds its promise.
          </p>
        ) : (
          <ul className="space-y-3">
            {(s.sample ?? []).map((f, i) => (
              <SampleRow key={`${f.kind}-${f.customer_id}-${f.subject}-${i}`} finding={f} />
            ))}
          </ul>
        )}
      </section>

      <div className="grid gap-6 md:grid-cols-2">
        <section aria-labelledby="dry-unmapped" className="space-y-2">
          <SectionHeading id="dry-unmapped">Unmapped prices</SectionHeading>
          {s.unmapped_prices.length === 0 ? (
            <p className="text-sm text-gray-500">Every price that grants access has a plan mapping.</p>
          ) : (
            <>
              <p className="text-sm text-gray-600">
                These prices grant access but have no plan mapping, so the plan their customers should have is
                unknown. Map them on{' '}
                <StepLink base={base} step={5}>
                  step 5 (Plan mapping)
                </StepLink>
                .
              </p>
              <ul className="divide-y divide-gray-100 rounded-md border border-gray-200 text-sm">
                {s.unmapped_prices.map((p) => (
                  <li key={p.price_id} className="flex items-center justify-between gap-3 px-3 py-2">
                    <Mono value={p.price_id} what="Price id" />
                    <span className="text-gray-600">
                      {formatCount(p.customers)} {p.customers === 1 ? 'customer' : 'customers'}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>

        <section aria-labelledby="dry-unmatched" className="space-y-2">
          <SectionHeading id="dry-unmatched">Customers matching nothing</SectionHeading>
          {s.unmatched_customers === 0 ? (
            <p className="text-sm text-gray-500">Every customer owed access matched someone in your app.</p>
          ) : (
            <>
              <p className="text-sm text-gray-600">
                <strong className="text-gray-900">{formatCount(s.unmatched_customers)}</strong>{' '}
                {s.unmatched_customers === 1 ? 'customer is' : 'customers are'} owed access but matched no user of
                your app. Check who a customer is on{' '}
                <StepLink base={base} step={4}>
                  step 4 (Identity mapping)
                </StepLink>{' '}
                and the customer id field on{' '}
                <StepLink base={base} step={6}>
                  step 6 (Access mapping)
                </StepLink>
                .
              </p>
              {s.unmatched_sample.length > 0 && (
                <ul aria-label="Unmatched customers (sample)" className="flex flex-wrap gap-x-4 gap-y-1">
                  {s.unmatched_sample.map((id) => (
                    <li key={id}>
                      <Mono value={id} what="Customer id" />
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
          {s.unlinked_subjects > 0 && (
            <p className="text-sm text-gray-600">
              {formatCount(s.unlinked_subjects)} app {s.unlinked_subjects === 1 ? 'user is' : 'users are'} linked to
              no Stripe customer Stripe knows.
            </p>
          )}
        </section>
      </div>
    </div>
  );
}

function SampleRow({ finding: f }: { finding: SampleFinding }) {
  return (
    <li className="rounded-lg border border-gray-200 p-4">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1.5">
        <SeverityPill severity={f.severity} />
        <span className="text-sm font-medium text-gray-900">{kindName(f.kind)}</span>
        {f.customer_id ? <Mono value={f.customer_id} what="Customer id" /> : <span className="text-xs text-gray-500">No Stripe customer</span>}
        {f.subject && <code className="break-all font-mono text-xs text-gray-600">{f.subject}</code>}
      </div>
      <p className="mt-1.5 text-sm text-gray-600">{f.summary}</p>
      {f.fields.length > 0 && <FieldTable fields={f.fields} />}
    </li>
  );
}

/** Expected vs actual side by side, the differing value highlighted. */
export function FieldTable({ fields }: { fields: SampleField[] }) {
  return (
    <div className="mt-3 overflow-x-auto">
      <table className="min-w-full text-sm">
        <thead className="text-left text-xs font-medium uppercase tracking-wide text-gray-500">
          <tr>
            <th scope="col" className="py-1 pr-4">Field</th>
            <th scope="col" className="py-1 pr-4">Expected</th>
            <th scope="col" className="py-1">Actual</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((d) => (
            <tr key={d.field + d.path} className="align-top">
              <th scope="row" className="py-1 pr-4 text-left font-normal text-gray-700">
                {d.field}
                {d.path && <span className="block font-mono text-xs text-gray-400">{d.path}</span>}
              </th>
              <td className="py-1 pr-4">
                <span className="rounded bg-emerald-50 px-1.5 py-0.5 font-mono text-xs text-emerald-800">
                  {d.expected || '(none)'}
                </span>
              </td>
              <td className="py-1">
                <span className="rounded bg-red-50 px-1.5 py-0.5 font-mono text-xs text-red-800">
                  {d.actual || '(none)'}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
