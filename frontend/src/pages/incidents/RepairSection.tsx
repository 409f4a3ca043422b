// The repair part of an incident page.
//
// Postgres: the proposed before → after diff, approved or rejected by an
// admin; approving runs one guarded single-row UPDATE, then ParityRail
// re-checks the customer until the promise holds (polled here).
// Clerk: the exact change to make in Clerk, with copy-paste snippets and a
// "Re-run check" that verifies it (ParityRail never writes to Clerk).
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ExternalLink, Loader2, RefreshCw } from 'lucide-react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { Modal, ModalActions } from '../../components/Modal';
import { Button, Card, CopyButton, ErrorAlert, FieldLabel, Mono, Notice, cx } from '../../components/ui';
import { formatDateTime, isDemo } from '../../format';
import { useOptionalProject } from '../project/ProjectLayout';
import { hasRole, useMe } from '../../session';
import type { GuidedFix, IncidentDetail, RecheckResult, RepairProposal } from '../../types';

/** A value as read or to be written, for people: NULL, true/false, text. */
export function formatRepairValue(v: unknown, missing = 'NULL'): string {
  if (v === null || v === undefined) return missing;
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Field by field, the value there now (red) beside the value it should have (green). */
function ChangeTable({
  label,
  headings,
  rows,
}: {
  label: string;
  headings: [field: string, now: string, wanted: string];
  rows: { path: string; note?: ReactNode; now: string; wanted: string }[];
}) {
  return (
    <div className="overflow-x-auto">
      <table aria-label={label} className="min-w-full text-sm">
        <thead>
          <tr className="border-b border-gray-200 text-left text-xs uppercase tracking-wide text-gray-500">
            {headings.map((h) => (
              <th key={h} scope="col" className="py-2 pr-4 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.path} className="border-b border-gray-100 last:border-0">
              <th scope="row" className="py-2 pr-4 text-left font-normal">
                <code className="font-mono text-xs text-gray-900">{r.path}</code>
                {r.note}
              </th>
              <td className="py-2 pr-4">
                <code className="rounded bg-red-50 px-1.5 py-0.5 font-mono text-xs text-red-800">{r.now}</code>
              </td>
              <td className="py-2 pr-4">
                <code className="rounded bg-emerald-50 px-1.5 py-0.5 font-mono text-xs text-emerald-800">{r.wanted}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function inFlight(inc: IncidentDetail): boolean {
  const p = inc.proposal;
  return (
    inc.status === 'repairing' ||
    inc.status === 'verifying' ||
    (!!p && (p.status === 'approved' || (p.status === 'applied' && p.verification === 'pending')))
  );
}

export function RepairSection({ incident }: { incident: IncidentDetail }) {
  const queryClient = useQueryClient();
  // The section keeps its own copy of the incident fresh while a repair is
  // applied and verified, and tells the page when it changed.
  const live = useQuery({
    queryKey: ['incident', incident.id, 'repair'],
    queryFn: () => api.getIncident(incident.id),
    initialData: incident,
    staleTime: 5_000,
    refetchInterval: (q) => (q.state.data && inFlight(q.state.data) ? 1_500 : false),
  });
  const inc = live.data ?? incident;

  // Report the end of a verification once, with a toast.
  const wasInFlight = useRef(inFlight(inc));
  useEffect(() => {
    const now = inFlight(inc);
    if (wasInFlight.current && !now) {
      if (inc.status === 'resolved') toast.success(`Verified after repair: the promise holds and the incident is resolved.`);
      else if (inc.proposal?.verification === 'still_wrong')
        toast.error('The repair was written, but the promise still does not hold. The incident stays open.');
      void queryClient.invalidateQueries({
        predicate: (q) => JSON.stringify(q.queryKey).includes(incident.id) && q.queryKey[2] !== 'repair',
      });
    }
    wasInFlight.current = now;
  }, [inc, incident.id, queryClient]);

  if (inc.guided_fix && inc.status === 'resolved') {
    return (
      <Card className="p-5">
        <h2 className="text-base font-semibold text-emerald-800">{inc.resolution ? `Held — ${inc.resolution}` : 'Resolved'}</h2>
        <p className="mt-2 text-sm text-gray-600">
          Resolved {formatDateTime(inc.resolved_at)}: Clerk now holds what billing promises, so there is nothing left to
          change. The timeline has each step.
        </p>
      </Card>
    );
  }
  if (inc.guided_fix) return <GuidedFixPanel incident={inc} fix={inc.guided_fix} />;
  if (inc.proposal) return <PostgresRepair incident={inc} proposal={inc.proposal} />;
  if (inc.subject?.kind === 'row' && inc.repair && inc.status !== 'resolved' && inc.status !== 'ignored') {
    return (
      <Card className="p-5">
        <h2 className="text-base font-semibold text-gray-900">Repair</h2>
        <p className="mt-2 text-sm text-gray-600">Re-run the check to file a repair proposal for this incident.</p>
      </Card>
    );
  }
  return null;
}

/** Refreshes every query that shows this incident after an action. */
function useRefreshIncident(incidentId: string) {
  const queryClient = useQueryClient();
  return () =>
    queryClient.invalidateQueries({ predicate: (q) => JSON.stringify(q.queryKey).includes(incidentId) });
}

const fieldLabel: Record<string, string> = {
  plan: 'plan',
  premium: 'premium flag',
  trial_end: 'trial end',
  entitlements: 'entitlements',
};

const statusWords: Record<RepairProposal['status'], string> = {
  proposed: 'Waiting for approval',
  approved: 'Applying',
  applied: 'Applied',
  failed: 'Not applied',
  rejected: 'Rejected',
  superseded: 'Superseded',
};

function PostgresRepair({ incident, proposal }: { incident: IncidentDetail; proposal: RepairProposal }) {
  const { data: me } = useMe();
  const isAdmin = hasRole(me, 'admin');
  const refresh = useRefreshIncident(incident.id);
  const [rejecting, setRejecting] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const approve = useMutation({
    mutationFn: () => api.approveRepair(proposal.id),
    onSuccess: () => {
      setConfirming(false);
      setFailure(null);
      toast.success('Repair applied: one row written. Verifying…');
    },
    onError: (err) => {
      setConfirming(false);
      setFailure(errorMessage(err));
      toast.error(errorMessage(err));
    },
    onSettled: () => void refresh(),
  });
  const recheck = useMutation({
    mutationFn: () => api.recheckIncident(incident.id),
    onSuccess: (r) => toast.success(r.held ? 'The promise holds now: incident resolved.' : 'Re-checked: a new repair is proposed from the row as it is now.'),
    onError: (err) => toast.error(errorMessage(err)),
    onSettled: () => void refresh(),
  });

  const closed = incident.status === 'resolved' || incident.status === 'ignored';
  const waiting = proposal.status === 'proposed' && !closed;
  const blocked = proposal.blocked;
  const verifying = proposal.status === 'applied' && proposal.verification === 'pending';
  const rowChanged = proposal.error_code === 'pg_row_changed' || failure?.startsWith('This row changed since the check');

  return (
    <Card className="p-5">
      <section aria-labelledby="repair-heading" className="space-y-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 id="repair-heading" className="text-base font-semibold text-gray-900">
              Suggested repair
            </h2>
            <p className="mt-1 text-sm text-gray-600">{proposal.reason}</p>
          </div>
          <p className="text-sm text-gray-600">
            <span className="sr-only">Repair status: </span>
            {statusWords[proposal.status]}
          </p>
        </div>
        <p className="text-sm text-gray-600">
          One row of <code className="font-mono text-xs text-gray-700">{proposal.table}</code> with primary key{' '}
          <Mono value={proposal.subject_id} what="Primary key" />
        </p>

        <ChangeTable
          label="Repair before and after"
          headings={['Column', 'Before', 'After']}
          rows={proposal.fields.map((f) => ({
            path: f.path,
            note: f.path !== f.field && <span className="ml-2 text-xs text-gray-500">{fieldLabel[f.field] ?? f.field}</span>,
            now: formatRepairValue(f.before),
            wanted: formatRepairValue(f.after),
          }))}
        />

        {waiting && (
          <div className="space-y-3">
            {blocked && (
              <Notice tone="warning" title="Approving is unavailable">
                <p>{blocked}</p>
                {isAdmin && blockedStep[proposal.blocked_code ?? ''] && (
                  <Link
                    to={`/projects/${incident.project_id}/onboarding/${blockedStep[proposal.blocked_code ?? ''].step}`}
                    className="font-medium text-indigo-700 underline hover:text-indigo-600"
                  >
                    {blockedStep[proposal.blocked_code ?? ''].label}
                  </Link>
                )}
              </Notice>
            )}
            {isAdmin ? (
              <div className="flex flex-wrap items-center gap-2">
                <Button
                  onClick={() => setConfirming(true)}
                  disabled={!!blocked}
                  busy={approve.isPending}
                  busyLabel="Applying the repair…"
                  aria-describedby={blocked ? 'repair-blocked' : undefined}
                >
                  Approve repair
                </Button>
                <Button variant="secondary" onClick={() => setRejecting(true)} disabled={approve.isPending}>
                  Reject
                </Button>
                {blocked && (
                  <span id="repair-blocked" className="sr-only">
                    {blocked}
                  </span>
                )}
                <p className="w-full text-xs text-gray-500">
                  Runs one UPDATE of this row only if every column still holds its “before” value, inside a transaction.
                </p>
              </div>
            ) : (
              <Approvers />
            )}
          </div>
        )}

        <Modal
          open={confirming}
          onOpenChange={(o) => !approve.isPending && setConfirming(o)}
          role="alertdialog"
          title="Write this change to your database?"
          description={`One row of ${proposal.table}, only if it still holds the values the check read; in one transaction.`}
        >
          <pre className="overflow-x-auto rounded-md bg-gray-900 p-3 font-mono text-xs leading-relaxed text-gray-100">
            {proposal.preview}
          </pre>
          <div className="mt-4 flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setConfirming(false)} disabled={approve.isPending}>
              Cancel
            </Button>
            <Button onClick={() => approve.mutate()} busy={approve.isPending} busyLabel="Applying the repair…">
              Approve and write
            </Button>
          </div>
        </Modal>

        {failure && !rowChanged && <ErrorAlert message={failure} />}
        {rowChanged && (
          <Notice tone="warning" title="This row changed since the check — re-run the check">
            <p>Nothing was written. Re-run the check to see the row as it is now and get a fresh proposal.</p>
            <Button size="sm" variant="secondary" className="mt-2" onClick={() => recheck.mutate()} busy={recheck.isPending} busyLabel="Re-checking…">
              <RefreshCw aria-hidden className="size-4" />
              Re-run check
            </Button>
          </Notice>
        )}
        {proposal.status === 'failed' && !rowChanged && !failure && (
          <Notice tone="warning" title="The repair was not applied">
            {proposal.error}
          </Notice>
        )}

        {(proposal.status === 'approved' || incident.status === 'repairing') && (
          <Progress label="Applying the repair: one guarded UPDATE in a transaction…" />
        )}
        {verifying && (
          <Progress
            label={`Verifying: re-checking the customer from fresh reads${
              proposal.verify_attempts > 0 ? ` (try ${proposal.verify_attempts + 1})` : ''
            }…`}
          />
        )}
        {proposal.status === 'applied' && proposal.verification === 'held' && (
          <Notice tone="success" title="Verified after repair">
            The promise holds: a fresh re-check read the repaired values and resolved the incident.
          </Notice>
        )}
        {proposal.status === 'applied' && proposal.verification === 'still_wrong' && (
          <Notice tone="warning" title="The repair was written, but the promise still does not hold">
            <p>{proposal.verify_message}</p>
            {proposal.values_now && <ValuesNow values={proposal.values_now} />}
          </Notice>
        )}
        {proposal.status === 'rejected' && (
          <Notice title={`Rejected by ${proposal.decided_by_name || 'an admin'}`}>“{proposal.decision_reason}”</Notice>
        )}
        {proposal.status === 'superseded' && (
          <Notice>This proposal was replaced: the incident changed or closed before anyone decided.</Notice>
        )}
        {proposal.decided_at && proposal.status !== 'rejected' && (
          <p className="text-xs text-gray-500">
            Approved by {proposal.decided_by_name || 'an admin'} on {formatDateTime(proposal.decided_at)}
          </p>
        )}
        {proposal.result && (
          <details className="text-sm">
            <summary className="cursor-pointer text-gray-600">The statement that ran</summary>
            <pre className="mt-2 overflow-x-auto rounded-md bg-gray-50 p-3 font-mono text-xs text-gray-800">{proposal.result.sql}</pre>
          </details>
        )}
      </section>
      <RejectDialog open={rejecting} onOpenChange={setRejecting} proposal={proposal} onDone={() => void refresh()} />
    </Card>
  );
}

const blockedStep: Record<string, { step: number; label: string }> = {
  repairs_off: { step: 8, label: 'Open step 8 (Go live)' },
  no_repair_connection: { step: 3, label: 'Open step 3 (Database)' },
};

/** Tells a member who can approve: the workspace's admins and owner. */
function Approvers() {
  const members = useQuery({ queryKey: ['team', 'members'], queryFn: api.listMembers, staleTime: 60_000 });
  const names = (members.data?.items ?? []).filter((u) => u.role !== 'member').map((u) => u.name || u.email);
  return (
    <Notice>
      Only an admin or the owner can approve or reject repairs.
      {names.length > 0 && <> Ask {names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`} to review this change.</>}
    </Notice>
  );
}

function Progress({ label }: { label: string }) {
  return (
    <div role="status" className="flex items-center gap-2 rounded-md border border-indigo-100 bg-indigo-50 px-3.5 py-3 text-sm text-indigo-900">
      <Loader2 aria-hidden className="size-4 animate-spin" />
      {label}
    </div>
  );
}

function ValuesNow({ values }: { values: Record<string, unknown> }) {
  return (
    <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
      {Object.entries(values).map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-gray-600">{k.replace('_', ' ')} now</dt>
          <dd>
            <code className="font-mono">{formatRepairValue(v)}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}

function RejectDialog({
  open,
  onOpenChange,
  proposal,
  onDone,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  proposal: RepairProposal;
  onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  const id = useId();
  const reject = useMutation({
    mutationFn: () => api.rejectRepair(proposal.id, reason.trim()),
    onSuccess: () => {
      toast.success('Repair rejected; the reason is in the ledger.');
      onOpenChange(false);
      setReason('');
      onDone();
    },
  });
  return (
    <Modal open={open} onOpenChange={onOpenChange} title="Reject this repair" description="Say why; the reason is kept in the Access Ledger.">
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          reject.mutate();
        }}
      >
        <div>
          <FieldLabel htmlFor={id}>Reason</FieldLabel>
          <textarea
            id={id}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={3}
            maxLength={1000}
            className="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm text-gray-900 shadow-sm ring-1 ring-inset ring-gray-300 focus:ring-2 focus:ring-inset focus:ring-indigo-600"
          />
        </div>
        <ModalActions mutation={reject} confirmLabel="Reject repair" busyLabel="Rejecting…" danger disabled={!reason.trim()} />
      </form>
    </Modal>
  );
}

function GuidedFixPanel({ incident, fix }: { incident: IncidentDetail; fix: GuidedFix }) {
  const refresh = useRefreshIncident(incident.id);
  const [result, setResult] = useState<RecheckResult | null>(null);
  const recheck = useMutation({
    mutationFn: () => api.recheckIncident(incident.id),
    onSuccess: (r) => {
      setResult(r);
      if (r.held) toast.success('Held: verified after guided fix. The incident is resolved.');
      else toast.error('Still wrong: Clerk does not show the expected value yet.');
    },
    onError: (err) => toast.error(errorMessage(err)),
    onSettled: () => void refresh(),
  });
  const who = fix.subject_kind === 'organization' ? 'Organization' : 'User';
  const label = fix.email || fix.name;
  const project = useOptionalProject();
  const demo = !!project && isDemo(project);
  const [applied, setApplied] = useState(false);
  const apply = useMutation({
    mutationFn: () => api.applyDemoFix(incident.id),
    onSuccess: () => {
      setApplied(true);
      toast.success('Applied in the demo’s Clerk — now re-run the check');
    },
    onError: (err) => toast.error(errorMessage(err)),
  });
  return (
    <Card className="p-5">
      <section aria-labelledby="guided-heading" className="space-y-4">
        <div>
          <h2 id="guided-heading" className="text-base font-semibold text-gray-900">
            Apply this change in Clerk
          </h2>
          <p className="mt-1 text-sm text-gray-600">
            {fix.reason} ParityRail reads Clerk read-only: make this change in Clerk (or your own admin tooling), then re-run the
            check to verify it took effect.
          </p>
        </div>

        <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
          <span className="text-gray-600">{who}</span>
          <Mono value={fix.subject_id} what={`${who} id`} />
          {label && <span className="text-gray-900">{label}</span>}
          <a
            href={fix.dashboard_url}
            target="_blank"
            rel="noopener noreferrer"
            className="inline-flex items-center gap-1 font-medium text-indigo-600 hover:text-indigo-500"
          >
            Open in Clerk dashboard
            <ExternalLink aria-hidden className="size-3.5" />
          </a>
        </div>
        {fix.environment && (
          <p className="text-xs text-gray-600">
            Make it in your app&apos;s <strong>{fix.environment}</strong> instance (the key ParityRail reads is a{' '}
            {fix.environment === 'production' ? 'production, sk_live_' : 'development, sk_test_'} key); the dashboard opens the
            instance you used last, so switch there first if it shows the other one.
          </p>
        )}

        <ChangeTable
          label="Clerk metadata change"
          headings={['Field path', 'Current', 'Expected']}
          rows={fix.fields.map((f) => ({
            path: f.path,
            now: formatRepairValue(f.current, '(not set)'),
            wanted: formatRepairValue(f.expected, '(remove the key)'),
          }))}
        />

        <Snippet title="Metadata to merge" hint="Merge these keys into the metadata in the Clerk dashboard." value={fix.metadata_json} copyLabel="Copy metadata JSON" what="Metadata JSON" />
        <Snippet
          title="Backend API request"
          hint={`${fix.api_method} ${fix.api_url} merges the same keys (a null removes one).`}
          value={fix.api_request}
          copyLabel="Copy API request"
          what="API request"
        />

        {demo && incident.status !== 'resolved' && (
          <Notice tone="info" title="This is demo data">
            <p>The demo's Clerk lives inside ParityRail, so you can play the person's edit here and watch the check verify it.</p>
            <Button
              variant="secondary"
              className="mt-2"
              onClick={() => apply.mutate()}
              busy={apply.isPending}
              busyLabel="Applying…"
              disabled={applied}
            >
              {applied ? 'Applied in the demo' : 'Apply this change in the demo'}
            </Button>
          </Notice>
        )}

        <div className="flex flex-wrap items-center gap-3">
          <Button onClick={() => recheck.mutate()} busy={recheck.isPending} busyLabel="Re-checking…" disabled={incident.status === 'resolved'}>
            <RefreshCw aria-hidden className="size-4" />
            Re-run check
          </Button>
          <span className="text-xs text-gray-500">Re-reads this {who.toLowerCase()} from Clerk now; members can run it too.</span>
        </div>
        {recheck.error && <ErrorAlert message={errorMessage(recheck.error)} />}
        {result && <RecheckOutcome result={result} fix={fix} />}
        {!result && incident.status === 'resolved' && incident.resolution && (
          <Notice tone="success" title="Held">Resolved: {incident.resolution}.</Notice>
        )}

        <p className="text-xs text-gray-500">{fix.roadmap}</p>
      </section>
    </Card>
  );
}

function RecheckOutcome({ result, fix }: { result: RecheckResult; fix: GuidedFix }) {
  const read = (path: string) => {
    const s = result.subject;
    if (!s) return undefined;
    return Object.values(s.fields).find((f) => f?.path === path)?.raw;
  };
  return (
    <Notice tone={result.held ? 'success' : 'warning'} title={result.held ? 'Held — verified after guided fix' : 'Still wrong'}>
      <p>{result.message}</p>
      <ul className="mt-1 space-y-0.5 text-xs">
        {fix.fields.map((f) => (
          <li key={f.path}>
            <code className="font-mono">{f.path}</code> now reads{' '}
            <code className={cx('font-mono', result.held ? 'text-emerald-800' : 'text-amber-900')}>
              {formatRepairValue(read(f.path), '(not set)')}
            </code>
          </li>
        ))}
      </ul>
    </Notice>
  );
}

function Snippet({ title, hint, value, copyLabel, what }: { title: string; hint: string; value: string; copyLabel: string; what: string }) {
  return (
    <div>
      <div className="flex items-center justify-between gap-2">
        <h3 className="text-sm font-medium text-gray-900">{title}</h3>
        <CopyButton value={value} label={copyLabel} what={what} />
      </div>
      <p className="mt-0.5 text-xs text-gray-500 [overflow-wrap:anywhere]">{hint}</p>
      <pre className="mt-2 overflow-x-auto rounded-md bg-gray-50 p-3 font-mono text-xs text-gray-800">{value}</pre>
    </div>
  );
}
