// /projects/:projectId/customers/:customerId — one Stripe customer: what
// billing promises beside what every linked app account grants (read live),
// its incidents, a one-customer check, and its Access Ledger with the hash
// chain's status.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, RefreshCw, ShieldAlert, ShieldCheck } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage, isApiError } from '../../api';
import { IncidentStatusText, kindLabel, kindName, SeverityPill } from '../../components/incident';
import {
  Button,
  EmptyState,
  ErrorAlert,
  LoadingState,
  Mono,
  Notice,
  PageHeader,
  QueryError,
  cx,
} from '../../components/ui';
import { formatDateTime } from '../../format';
import type { AppSubject, Check, CustomerView } from '../../types';
import {
  FieldComparison,
  PromiseDetails,
  RawJson,
  Section,
  compareSubject,
  incidentPath,
  subjectKeyOf,
  subjectKindLabel,
  subjectText,
} from '../incidents/display';
import { LedgerTimeline } from '../incidents/ledger';
import { incidentsKey } from '../incidents/IncidentsPage';

export function customerKey(projectId: string, customerId: string) {
  return ['customer', projectId, customerId] as const;
}

const active = new Set(['open', 'acknowledged', 'repairing', 'verifying']);

function ChainStatus({ ledger }: { ledger: CustomerView['ledger'] }) {
  const intact = ledger.chain === 'intact';
  const Icon = intact ? ShieldCheck : ShieldAlert;
  return (
    <p
      data-testid="chain-status"
      className={cx(
        'inline-flex items-center gap-1.5 rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset',
        intact ? 'bg-emerald-50 text-emerald-800 ring-emerald-600/20' : 'bg-red-50 text-red-800 ring-red-600/30',
      )}
    >
      <Icon aria-hidden className="size-3.5" />
      {intact ? 'Hash chain intact' : `Hash chain broken at entry ${ledger.broken_at ?? '?'}`}
    </p>
  );
}

function CheckProgress({ check }: { check: Check }) {
  const pct = Math.round(check.progress.percent);
  return (
    <div className="w-full min-w-56 sm:w-64" role="status">
      <div className="flex justify-between text-xs text-gray-600">
        <span>Checking this customer…</span>
        <span>{check.progress.indeterminate ? '' : `${pct}%`}</span>
      </div>
      <div
        role="progressbar"
        aria-label="Customer check progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={check.progress.indeterminate ? undefined : pct}
        className="mt-1 h-1.5 overflow-hidden rounded-full bg-gray-200"
      >
        <div
          className={cx('h-full rounded-full bg-indigo-600 transition-all', check.progress.indeterminate && 'w-1/3 animate-pulse')}
          style={check.progress.indeterminate ? undefined : { width: `${Math.max(4, pct)}%` }}
        />
      </div>
    </div>
  );
}

/** "Run check" for this customer: start, poll to the end, toast, refresh. */
function useCustomerCheck(projectId: string, customerId: string) {
  const queryClient = useQueryClient();
  const [running, setRunning] = useState<Check | null>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const finish = (c: Check) => {
    setRunning(null);
    queryClient.invalidateQueries({ queryKey: customerKey(projectId, customerId) });
    queryClient.invalidateQueries({ queryKey: incidentsKey(projectId) });
    if (c.status === 'finished') {
      const n = c.counts;
      toast.success(
        n.opened || n.resolved || n.updated
          ? `Check finished: ${n.opened} opened, ${n.updated} updated, ${n.resolved} resolved`
          : 'Check finished: nothing changed',
      );
    } else {
      toast.error(`The check failed: ${c.error || 'a source could not be read'}. Check the connections, then run it again.`);
    }
  };
  const poll = (c: Check) => {
    timer.current = window.setTimeout(async () => {
      try {
        const next = await api.getCheck(projectId, c.id);
        if (next.status === 'running') {
          setRunning(next);
          poll(next);
        } else {
          finish(next);
        }
      } catch (err) {
        setRunning(null);
        toast.error(`Lost track of the check: ${errorMessage(err)}. Reload the page to see its result.`);
      }
    }, 600);
  };
  const start = useMutation({
    mutationFn: () => api.startCheck(projectId, { scope: 'customer', customer_id: customerId }),
    onSuccess: (c) => {
      if (c.status === 'running') {
        setRunning(c);
        poll(c);
      } else {
        finish(c);
      }
    },
    onError: (err) => toast.error(`Could not start the check: ${errorMessage(err)}`),
  });
  return { start, running };
}

function SubjectCard({ subject, view }: { subject: AppSubject; view: CustomerView }) {
  const key = subjectKeyOf(subject);
  const findings = (view.live?.findings ?? []).filter((f) => f.subject_key === key);
  const diffs = findings.flatMap((f) => f.fields);
  const fields = compareSubject(subject, view.live?.promise ?? null, diffs);
  return (
    <div className="rounded-md border border-gray-200">
      <div className="flex flex-wrap items-baseline justify-between gap-2 border-b border-gray-100 px-3 py-2">
        <h3 className="text-sm font-semibold text-gray-900">
          {subjectKindLabel[subject.kind] ?? subject.kind}: {subjectText(subject)}
        </h3>
        <span className={cx('text-xs font-medium', findings.length ? 'text-red-700' : 'text-emerald-700')}>
          {findings.length ? findings.map((f) => kindName(f.kind)).join(', ') : 'Keeps the promise'}
        </span>
      </div>
      <div className="px-3 py-2">
        <p className="mb-1 font-mono text-xs text-gray-500 [overflow-wrap:anywhere]">{subject.table ? `${subject.table}#${subject.id}` : subject.id}</p>
        <FieldComparison fields={fields} caption={`Promise vs ${subjectText(subject)}`} />
      </div>
    </div>
  );
}

function LiveComparison({ view }: { view: CustomerView }) {
  if (!view.live) {
    return (
      <ErrorAlert
        message={`Could not read the live state: ${(view.live_error || 'a source failed').replace(/\.+$/, '')}. Check the Stripe and app connections, then reload.`}
      />
    );
  }
  const live = view.live;
  const customerLevel = live.findings.filter((f) => !f.subject_key);
  return (
    <div className="space-y-4">
      {!live.known && <Notice tone="warning" title="Stripe does not know this customer">It may have been deleted, or the id is mistyped.</Notice>}
      {live.held ? (
        <Notice tone="success" title="The promise holds now">Every linked app account grants what billing promises.</Notice>
      ) : (
        <Notice tone="warning" title="The promise is not kept right now">
          <ul className="list-disc pl-4">
            {live.findings.map((f, i) => (
              <li key={i}>{f.summary}</li>
            ))}
          </ul>
        </Notice>
      )}
      {live.promise && (
        <div>
          <h3 className="mb-2 text-sm font-semibold text-gray-900">What Stripe promises</h3>
          <PromiseDetails promise={live.promise} />
        </div>
      )}
      <div>
        <h3 className="mb-2 text-sm font-semibold text-gray-900">What the app grants</h3>
        {live.subjects.length === 0 ? (
          <p className="text-sm text-gray-600">
            No app account names this customer.{customerLevel.length > 0 && ' ' + customerLevel.map((f) => f.summary).join(' ')}
          </p>
        ) : (
          <div className="space-y-3">
            {live.subjects.map((s) => (
              <SubjectCard key={subjectKeyOf(s)} subject={s} view={view} />
            ))}
          </div>
        )}
      </div>
      <RawJson value={live} label="Raw live state (JSON)" />
    </div>
  );
}

export function CustomerPage() {
  const { projectId = '', customerId = '' } = useParams();
  const q = useQuery({
    queryKey: customerKey(projectId, customerId),
    queryFn: () => api.getCustomer(projectId, customerId),
  });
  const { start, running } = useCustomerCheck(projectId, customerId);
  const busy = start.isPending || !!running;
  const back = (
    <Link to={`/projects/${encodeURIComponent(projectId)}/incidents`} className="mb-3 inline-flex items-center gap-1 text-sm text-gray-600 hover:text-gray-900">
      <ArrowLeft aria-hidden className="size-4" />
      Incidents
    </Link>
  );
  const email = q.data?.live?.promise?.customer?.email;
  const name = q.data?.live?.promise?.customer?.name;
  return (
    <div>
      {back}
      <PageHeader
        title={name || email || 'Customer'}
        description={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <Mono value={customerId} what="Customer id" />
            {name && email && <span>{email}</span>}
          </span>
        }
        actions={
          <div className="flex flex-wrap items-center gap-3">
            {running && <CheckProgress check={running} />}
            <Button busy={busy} busyLabel="Checking…" onClick={() => start.mutate()}>
              <RefreshCw aria-hidden className="size-4" />
              Run check
            </Button>
          </div>
        }
      />
      {q.isPending ? (
        <LoadingState label="Reading Stripe and the app for this customer…" />
      ) : q.isError ? (
        <QueryError title={isApiError(q.error, 404) ? 'No such project' : 'Could not load this customer'} query={q} />
      ) : (
        <div className="space-y-5">
          <Section title="Promise vs app, now" description="Read live from Stripe and the app; nothing is filed by looking.">
            <LiveComparison view={q.data} />
          </Section>
          <Section title="Incidents" description="Every incident filed for this customer.">
            {q.data.incidents.length === 0 ? (
              <EmptyState title="No incidents for this customer" />
            ) : (
              <ul aria-label="Customer incidents" className="divide-y divide-gray-100">
                {q.data.incidents.map((i) => (
                  <li key={i.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2">
                    <SeverityPill severity={i.severity} />
                    <Link to={incidentPath(projectId, i.id)} className={cx('font-medium hover:underline', active.has(i.status) ? 'text-indigo-700' : 'text-gray-700')}>
                      {kindLabel[i.kind] ?? i.kind}
                    </Link>
                    <IncidentStatusText status={i.status} />
                    <span className="text-xs text-gray-500">Last seen {formatDateTime(i.last_seen_at)}</span>
                    <span className="w-full text-sm text-gray-600 [overflow-wrap:anywhere]">{i.summary}</span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section
            title="Access Ledger"
            description="Billing events, promises, checks, incidents, repairs and verifications for this customer, oldest first. Each entry is hash-chained to the one before it."
            actions={<ChainStatus ledger={q.data.ledger} />}
          >
            <LedgerTimeline entries={q.data.ledger.entries} projectId={projectId} label="Access Ledger" linkIncidents forCustomer />
          </Section>
        </div>
      )}
    </div>
  );
}
