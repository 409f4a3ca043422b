// /projects/:projectId/incidents/:incidentId — one incident: promised vs
// granted field by field, the evidence, the policy that judged it, the
// proposed repair, its ledger timeline, and the actions its status allows.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, CheckCircle2, RefreshCw, XCircle } from 'lucide-react';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage, isApiError } from '../../api';
import { IncidentStatusText, kindLabel, SeverityPill } from '../../components/incident';
import { Modal, ModalActions } from '../../components/Modal';
import { Button, ErrorState, FieldLabel, LoadingState, Mono, Notice, PageHeader, cx, inputClass } from '../../components/ui';
import { formatDateTime } from '../../format';
import { policyFields } from '../../policy';
import type { IncidentDetail, Policy, RecheckResult } from '../../types';
import {
  FieldComparison,
  PromiseDetails,
  RawJson,
  Section,
  SubjectAsRead,
  Term,
  TermList,
  customerPath,
  diffsToCompared,
  subjectKindLabel,
  subjectText,
} from './display';
import { LedgerTimeline, actorName, usePeople } from './ledger';
import { incidentsKey } from './IncidentsPage';
import { RepairSection } from './RepairSection';

export function incidentKey(incidentId: string) {
  return ['incident', incidentId] as const;
}

function IgnoreDialog({ incident, open, onOpenChange }: { incident: IncidentDetail; open: boolean; onOpenChange: (o: boolean) => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const ignore = useMutation({
    mutationFn: (r: string) => api.ignoreIncident(incident.id, r),
    onSuccess: () => {
      toast.success('Incident ignored; the reason is in the ledger');
      queryClient.invalidateQueries({ queryKey: incidentKey(incident.id) });
      queryClient.invalidateQueries({ queryKey: incidentsKey(incident.project_id) });
      setReason('');
      onOpenChange(false);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    ignore.mutate(reason.trim());
  };
  return (
    <Modal
      open={open}
      onOpenChange={(o) => {
        if (!o) {
          ignore.reset();
          setMissing(false);
        }
        onOpenChange(o);
      }}
      title="Ignore this incident?"
      description="Use this when the gap is intentional (a comped account, a test user). It stays ignored until what Stripe promises changes."
    >
      <form onSubmit={submit} noValidate className="space-y-4">
        <div>
          <FieldLabel htmlFor={id}>Reason</FieldLabel>
          <textarea
            id={id}
            autoFocus
            rows={3}
            maxLength={1000}
            required
            aria-invalid={missing || undefined}
            aria-describedby={id + '-hint'}
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
              setMissing(false);
            }}
            className={cx('mt-1.5', inputClass)}
            placeholder="Comped account for a partner"
          />
          <p id={id + '-hint'} className={cx('mt-1.5 text-xs', missing ? 'text-red-700' : 'text-gray-500')}>
            {missing ? 'Say why this gap is intentional; the reason is kept in the ledger.' : 'Required. Kept in the Access Ledger with your name.'}
          </p>
        </div>
        <ModalActions mutation={ignore} confirmLabel="Ignore incident" busyLabel="Ignoring…" />
      </form>
    </Modal>
  );
}

function RecheckOutcome({ result }: { result: RecheckResult }) {
  if (result.held) {
    return (
      <Notice tone="success" title="Re-checked just now: held" icon={<CheckCircle2 className="size-4" />}>
        <p>{result.message}</p>
      </Notice>
    );
  }
  return (
    <div role="status" className="rounded-md border border-red-200 bg-red-50 px-3.5 py-3 text-sm text-red-900">
      <p className="flex items-center gap-2 font-medium">
        <XCircle aria-hidden className="size-4 text-red-600" />
        Still wrong
      </p>
      <p className="mt-1">{result.message}</p>
      {result.fields.length > 0 && (
        <ul className="mt-2 space-y-0.5">
          {result.fields.map((f) => (
            <li key={f.field}>
              {f.field.replace('_', ' ')} is now <code className="font-mono text-xs">{f.actual_text || 'not set'}</code>; Stripe
              promises <code className="font-mono text-xs">{f.expected_text || 'not set'}</code>.
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Actions({ incident, onRecheck }: { incident: IncidentDetail; onRecheck: (r: RecheckResult) => void }) {
  const queryClient = useQueryClient();
  const [ignoring, setIgnoring] = useState(false);
  const refresh = () => {
    queryClient.invalidateQueries({ queryKey: incidentKey(incident.id) });
    queryClient.invalidateQueries({ queryKey: incidentsKey(incident.project_id) });
    if (incident.customer_id) queryClient.invalidateQueries({ queryKey: ['customer', incident.project_id, incident.customer_id] });
  };
  const acknowledge = useMutation({
    mutationFn: () => api.acknowledgeIncident(incident.id),
    onSuccess: () => {
      toast.success('Incident acknowledged');
      refresh();
    },
    onError: (err) => toast.error(`Could not acknowledge: ${errorMessage(err)}`),
  });
  const recheck = useMutation({
    mutationFn: () => api.recheckIncident(incident.id),
    onSuccess: (r) => {
      if (r.held) toast.success('Re-checked: the promise holds; the incident is resolved');
      else toast.warning('Re-checked: still wrong');
      onRecheck(r);
      refresh();
    },
    onError: (err) => {
      const next = isApiError(err, 409)
        ? ' Wait for the running check to finish, then try again.'
        : ' Check the Stripe and app connections, then try again.';
      toast.error(`Re-check failed: ${errorMessage(err)}${next}`);
    },
  });
  const canAct = incident.status === 'open' || incident.status === 'acknowledged';
  return (
    <>
      {incident.status === 'open' && (
        <Button variant="secondary" busy={acknowledge.isPending} busyLabel="Acknowledging…" onClick={() => acknowledge.mutate()}>
          Acknowledge
        </Button>
      )}
      {canAct && (
        <Button variant="secondary" onClick={() => setIgnoring(true)}>
          Ignore…
        </Button>
      )}
      <Button busy={recheck.isPending} busyLabel="Re-checking…" onClick={() => recheck.mutate()}>
        <RefreshCw aria-hidden className="size-4" />
        Re-run check
      </Button>
      <IgnoreDialog incident={incident} open={ignoring} onOpenChange={setIgnoring} />
    </>
  );
}

/** When a check first or last saw the incident, linked to that check. */
function SeenBy({ label, at, projectId, checkId }: { label: string; at: string; projectId: string; checkId: string }) {
  return (
    <Term label={label}>
      {formatDateTime(at)}{' '}
      <Link to={`/projects/${projectId}/checks/${checkId}`} className="text-xs text-indigo-700 hover:underline">
        by this check
      </Link>
    </Term>
  );
}

function StatusDetails({ incident }: { incident: IncidentDetail }) {
  const people = usePeople();
  return (
    <TermList>
      <Term label="Status">
        <IncidentStatusText status={incident.status} />
      </Term>
      <SeenBy label="First seen" at={incident.first_seen_at} projectId={incident.project_id} checkId={incident.first_check_id} />
      <SeenBy label="Last seen" at={incident.last_seen_at} projectId={incident.project_id} checkId={incident.last_check_id} />
      {incident.acknowledged_at && (
        <Term label="Acknowledged">
          {formatDateTime(incident.acknowledged_at)} by {actorName(incident.acknowledged_by, people)}
        </Term>
      )}
      {incident.ignored_at && (
        <Term label="Ignored">
          {formatDateTime(incident.ignored_at)} by {actorName(incident.ignored_by, people)}: “{incident.ignore_reason}”
        </Term>
      )}
      {incident.resolved_at && (
        <Term label="Resolved">
          {formatDateTime(incident.resolved_at)} — {incident.resolution || 'promise holds'}
        </Term>
      )}
    </TermList>
  );
}

function PolicyList({ policy }: { policy: Record<string, unknown> }) {
  const entries = Object.entries(policy ?? {});
  if (entries.length === 0) return <p className="text-sm text-gray-500">The default policy.</p>;
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
      {entries.map(([k, v]) => (
        <div key={k} className="flex justify-between gap-3 border-b border-gray-100 py-1">
          <dt className="text-gray-600">{policyFields[k as keyof Policy]?.label ?? k.replace(/_/g, ' ')}</dt>
          <dd className="font-mono text-xs text-gray-900">{typeof v === 'boolean' ? (v ? 'yes' : 'no') : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function IncidentPage() {
  const { projectId = '', incidentId = '' } = useParams();
  const [recheck, setRecheck] = useState<RecheckResult | null>(null);
  const q = useQuery({ queryKey: incidentKey(incidentId), queryFn: () => api.getIncident(incidentId) });
  const back = (
    <Link to={`/projects/${encodeURIComponent(projectId)}/incidents`} className="mb-3 inline-flex items-center gap-1 text-sm text-gray-600 hover:text-gray-900">
      <ArrowLeft aria-hidden className="size-4" />
      Incidents
    </Link>
  );
  if (q.isPending) return <LoadingState label="Loading the incident…" />;
  if (q.isError) {
    return (
      <div>
        {back}
        <ErrorState
          title={isApiError(q.error, 404) ? 'No such incident' : 'Could not load this incident'}
          message={isApiError(q.error, 404) ? 'It may belong to a deleted project, or the link is wrong. Go back to the incidents list.' : errorMessage(q.error)}
          onRetry={isApiError(q.error, 404) ? undefined : () => q.refetch()}
        />
      </div>
    );
  }
  const inc = q.data;
  const promise = inc.evidence?.promise;
  const subject = inc.evidence?.subject;
  return (
    <div>
      {back}
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            {kindLabel[inc.kind] ?? inc.kind}
            <SeverityPill severity={inc.severity} />
          </span>
        }
        description={
          <div className="space-y-1">
            <p className="text-gray-700 [overflow-wrap:anywhere]">{inc.summary}</p>
            <p className="flex flex-wrap items-center gap-x-3 gap-y-1">
              {inc.customer_id ? (
                <span className="inline-flex items-center gap-1">
                  Customer{' '}
                  <Link to={customerPath(projectId, inc.customer_id)} className="font-mono text-xs text-indigo-700 hover:underline">
                    {inc.customer_id}
                  </Link>
                </span>
              ) : (
                <span>No Stripe customer linked</span>
              )}
              {inc.subject && (
                <span>
                  {subjectKindLabel[inc.subject.kind] ?? inc.subject.kind}: {subjectText(inc.subject)}
                </span>
              )}
              <Mono value={inc.id} what="Incident id" />
            </p>
          </div>
        }
        actions={<Actions incident={inc} onRecheck={setRecheck} />}
      />
      <div className="space-y-5">
        {recheck && <RecheckOutcome result={recheck} />}
        <Section title="Status">
          <StatusDetails incident={inc} />
        </Section>
        <Section
          title="Promised vs granted"
          description="What Stripe billing promises beside what the app grants, for every field that differs."
        >
          {inc.status === 'resolved' && inc.fields.length > 0 && (
            <p className="mb-3 text-sm text-emerald-800">
              Resolved: these were the values when the incident was last seen. The app keeps the promise now.
            </p>
          )}
          {inc.fields.length > 0 ? (
            <FieldComparison fields={diffsToCompared(inc.fields)} caption="Promised vs granted" past={inc.status === 'resolved'} />
          ) : (
            <>
              <p className="text-sm text-gray-600">
                {inc.kind === 'unmatched_customer'
                  ? 'Stripe bills this customer, but no app account names it.'
                  : inc.kind === 'ambiguous_match'
                    ? 'More than one app account names this customer; see the candidates below.'
                    : 'No single field differs; the summary says what is wrong.'}
              </p>
              <NextSteps incident={inc} />
            </>
          )}
        </Section>
        <RepairSection incident={inc} />
        <Section title="Evidence" description="As the check that last saw it read it.">
          <div className="space-y-5">
            {promise && (
              <div>
                <h3 className="mb-2 text-sm font-semibold text-gray-900">Stripe</h3>
                <PromiseDetails promise={promise} />
              </div>
            )}
            {subject && (
              <div>
                <h3 className="mb-2 text-sm font-semibold text-gray-900">
                  {subject.kind === 'row' ? 'The app row as read' : 'Clerk metadata as read'}
                </h3>
                <SubjectAsRead subject={subject} />
              </div>
            )}
            {(inc.evidence?.shared_with?.length ?? 0) > 0 && (
              <div>
                <h3 className="mb-2 text-sm font-semibold text-gray-900">Stripe customers pointing at this subject</h3>
                <ul className="flex flex-wrap gap-2" aria-label="Stripe customers sharing the subject">
                  {inc.evidence.shared_with!.map((id) => (
                    <li key={id}>
                      <Link to={customerPath(projectId, id)} className="font-mono text-xs text-indigo-700 hover:underline">
                        {id}
                      </Link>
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {inc.evidence?.linked_value && (
              <p className="text-sm text-gray-700">
                The app links it to <code className="font-mono text-xs">{inc.evidence.linked_value}</code>, which no customer in this Stripe account matches.
              </p>
            )}
            {inc.evidence?.candidates?.length > 0 && (
              <div>
                <h3 className="mb-2 text-sm font-semibold text-gray-900">Candidate accounts</h3>
                <div className="space-y-3">
                  {inc.evidence.candidates.map((c) => (
                    <SubjectAsRead key={c.kind + c.id} subject={c} />
                  ))}
                </div>
              </div>
            )}
            <RawJson value={inc.evidence} label="Raw evidence (JSON)" />
          </div>
        </Section>
        <Section title="Policy" description="The access policy this incident was judged by.">
          {inc.policy_version && (
            <p className="mb-3 text-sm text-gray-700">
              Judged under policy <code className="font-mono text-xs text-gray-900">v{inc.policy_version}</code>
              {' · '}
              <Link to={`/projects/${encodeURIComponent(projectId)}/settings`} className="text-indigo-700 hover:underline">
                the project's policy now
              </Link>
            </p>
          )}
          <PolicyList policy={inc.policy} />
        </Section>
        <Section title="Timeline" description="From the Access Ledger.">
          <LedgerTimeline entries={inc.timeline} projectId={projectId} label="Incident timeline" />
        </Section>
      </div>
    </div>
  );
}

/** What to check for the kinds no field change fixes. */
function NextSteps({ incident: inc }: { incident: IncidentDetail }) {
  const customer = inc.customer_id || inc.evidence?.linked_value || 'this customer';
  const email = inc.evidence?.promise?.customer?.email;
  const identity = (
    <Link to={`/projects/${inc.project_id}/onboarding/4`} className="font-medium text-indigo-700 underline hover:text-indigo-600">
      step 4 (Identity mapping)
    </Link>
  );
  let steps: ReactNode[] = [];
  if (inc.kind === 'unmatched_customer') {
    steps = [
      <>Find the person's account in your app{email ? <> — Stripe's email is <code className="font-mono text-xs">{email}</code></> : null}.</>,
      <>
        Check that the field {identity} uses holds exactly <code className="font-mono text-xs">{customer}</code> (no spaces, the
        same Stripe account and mode).
      </>,
      <>If the account uses another email, correct it in Stripe or in the app; then re-run the check.</>,
    ];
  } else if (inc.kind === 'ambiguous_match') {
    const ids = [...(inc.evidence?.candidates ?? []).map((c) => c.id), ...(inc.evidence?.shared_with ?? [])];
    steps = [
      <>
        Decide which one account should have this customer's access
        {ids.length ? (
          <>
            {' '}(
            {ids.map((id, i) => (
              <span key={id}>
                {i > 0 && ', '}
                <code className="font-mono text-xs">{id}</code>
              </span>
            ))}
            )
          </>
        ) : null}
        .
      </>,
      <>Remove {customer} from the others, or merge the duplicate accounts.</>,
      <>Check that {identity} links on a field that is unique per account; then re-run the check.</>,
    ];
  }
  if (steps.length === 0) return null;
  return (
    <div className="mt-3 rounded-md bg-gray-50 p-3 text-sm text-gray-700">
      <p className="font-medium text-gray-900">What to check</p>
      <ol className="mt-1 list-decimal space-y-1 pl-5">
        {steps.map((st, i) => (
          <li key={i}>{st}</li>
        ))}
      </ol>
    </div>
  );
}
