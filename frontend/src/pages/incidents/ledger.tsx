// The Access Ledger as people read it: one sentence per entry, who did it,
// and the timeline of an incident, a customer or a check.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api';
import { kindName } from '../../components/incident';
import { cx } from '../../components/ui';
import { formatDate, formatDateTime } from '../../format';
import type { LedgerEntry } from '../../types';
import { fieldLabel, incidentPath } from './display';

/** Team members by id, to name the actor of a ledger entry. */
export function usePeople() {
  const q = useQuery({ queryKey: ['team', 'members'], queryFn: api.listMembers, staleTime: 60_000 });
  const byId = new Map<string, string>();
  for (const u of q.data?.items ?? []) byId.set(u.id, u.name || u.email);
  return byId;
}

const systemActors: Record<string, string> = {
  webhook: 'Stripe webhook',
  schedule: 'Schedule',
  cli: 'Command line',
  system: 'ParityRail',
};

export function actorName(actor: string | undefined, people: Map<string, string>): string {
  if (!actor) return 'ParityRail';
  return people.get(actor) ?? systemActors[actor] ?? actor;
}

type Detail = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

function promiseWords(p: unknown): string {
  if (!p || typeof p !== 'object') return 'nothing';
  const o = p as Detail;
  if (o.deleted) return 'customer deleted';
  if (!o.grants) return o.pending ? 'pending payment' : 'no paid access';
  let s = o.plan_known === false ? 'a plan with an unmapped price' : `the ${str(o.plan) || 'paid'} plan`;
  if (o.trial) s += ` (trial until ${formatDate(str(o.trial_end))})`;
  return s;
}

const scopeWords: Record<string, string> = { full: 'full', recent: 'recent', customer: 'one-customer' };
const triggerWords: Record<string, string> = {
  person: 'started by a person',
  schedule: 'on schedule',
  webhook: 'after a Stripe event',
  api: 'through the API',
  dry_run: 'dry run',
};

const sourceWords: Record<string, string> = { stripe: 'Stripe', clerk: 'Clerk', postgres: 'The database' };

/**
 * A check line in a customer's ledger: which check covered the customer
 * (by its number in the project), never the counts about other customers.
 */
function customerCheckSentence(e: LedgerEntry, d: Detail): string | undefined {
  if (!e.check_number) return undefined;
  if (e.kind === 'check_finished') {
    return `Checked in check #${e.check_number} (${scopeWords[str(d.scope)] ?? str(d.scope)} check).`;
  }
  if (e.kind === 'check_failed') {
    return `Check #${e.check_number} could not finish: ${str(d.error) || 'a source could not be read'}.`;
  }
  return undefined;
}

/** One readable sentence per entry kind. */
export function ledgerSentence(e: LedgerEntry, forCustomer = false): string {
  const d = (e.detail && typeof e.detail === 'object' ? e.detail : {}) as Detail;
  const line = forCustomer ? customerCheckSentence(e, d) : undefined;
  if (line) return line;
  const kind = kindName(str(d.kind));
  switch (e.kind) {
    case 'billing_event':
      return `Stripe sent ${str(d.type) || 'an event'}${d.event_id ? ` (${str(d.event_id)})` : ''}.`;
    case 'promise_changed':
      return d.from
        ? `The billing promise changed from ${promiseWords(d.from)} to ${promiseWords(d.to)}.`
        : `Billing now promises ${promiseWords(d.to)}.`;
    case 'check_started':
      return `A ${scopeWords[str(d.scope)] ?? str(d.scope)} check started (${triggerWords[str(d.trigger)] ?? str(d.trigger)}).`;
    case 'check_finished': {
      const c = (d.counts ?? {}) as Record<string, number>;
      return `The ${scopeWords[str(d.scope)] ?? str(d.scope)} check finished: ${c.checked ?? 0} checked, ${c.opened ?? 0} opened, ${c.resolved ?? 0} resolved.`;
    }
    case 'check_failed':
      return `The check failed: ${str(d.error) || 'a source could not be read'}.`;
    case 'incident_opened':
      return `${kind || 'Incident'} opened: ${str(d.summary)}`;
    case 'incident_updated':
      return d.reopened
        ? `${kind || 'Incident'} opened again: ${str(d.reopened)}.`
        : `${kind || 'Incident'} found again with different values: ${str(d.summary)}`;
    case 'incident_acknowledged':
      return `${kind || 'Incident'} acknowledged${d.bulk ? ' (with others, from the list)' : ''}.`;
    case 'incident_ignored':
      return `${kind || 'Incident'} ignored as intentional: “${str(d.reason)}”`;
    case 'incident_resolved':
      return `${kind || 'Incident'} resolved: ${str(d.resolution) || 'the promise holds'}.`;
    case 'repair_proposed':
      return 'A repair was proposed.';
    case 'repair_approved': {
      const changes = Array.isArray(d.changes) ? (d.changes as Record<string, unknown>[]) : [];
      const parts = changes.map(
        (c) => `${str(c.column) || str(c.field)}: ${str(c.before) || 'not set'} → ${str(c.after) || 'not set'}`,
      );
      return parts.length ? `The repair was approved and applied (${parts.join(', ')}).` : 'The repair was approved.';
    }
    case 'repair_rejected':
      return `The repair was rejected${d.reason ? `: “${str(d.reason)}”` : ''}.`;
    case 'repair_failed':
      // The failure's reason is stored as message (older entries: error).
      return `The repair failed${d.message || d.error ? `: ${str(d.message ?? d.error).replace(/\.$/, '')}` : ''}.`;
    case 'connection_verified': {
      const what = sourceWords[str(d.source)] ?? str(d.source);
      return `${what} connected and tested (${str(d.label)}${d.livemode ? ', live mode' : ''}).`;
    }
    case 'policy_changed': {
      const changes = Object.entries((d.changes ?? {}) as Record<string, { from?: unknown; to?: unknown }>);
      const parts = changes.map(([k, c]) => `${k.replace(/_/g, ' ')} ${str(c.from)} → ${str(c.to)}`);
      return `The grant policy changed from v${str(d.from_version)} to v${str(d.to_version)}${parts.length ? ` (${parts.join(', ')})` : ''}.`;
    }
    case 'verification': {
      if (d.result === 'held') return 'Re-checked: the promise holds.';
      const now = (d.values_now ?? {}) as Record<string, unknown>;
      const parts = Object.entries(now).map(([k, v]) => `${(fieldLabel[k] ?? k).toLowerCase()} is ${str(v) || 'not set'}`);
      return `Re-checked: still wrong${parts.length ? ` (${parts.join(', ')})` : ''}.`;
    }
  }
  return e.kind.replace(/_/g, ' ');
}

const kindGroup: Record<string, string> = {
  billing_event: 'Billing',
  promise_changed: 'Promise',
  check_started: 'Check',
  check_finished: 'Check',
  check_failed: 'Check',
  incident_opened: 'Incident',
  incident_updated: 'Incident',
  incident_acknowledged: 'Incident',
  incident_ignored: 'Incident',
  incident_resolved: 'Incident',
  repair_proposed: 'Repair',
  repair_approved: 'Repair',
  repair_rejected: 'Repair',
  repair_failed: 'Repair',
  connection_verified: 'Setup',
  verification: 'Verification',
  policy_changed: 'Policy',
};

/** The ledger, newest last, one sentence per entry with its actor and time. */
export function LedgerTimeline({
  entries,
  projectId,
  label,
  linkIncidents = false,
  forCustomer = false,
}: {
  entries: LedgerEntry[];
  projectId: string;
  label: string;
  linkIncidents?: boolean;
  /** A customer's ledger: check lines read "Checked in check #N" and link to the check. */
  forCustomer?: boolean;
}) {
  const people = usePeople();
  if (entries.length === 0) {
    return <p className="text-sm text-gray-500">Nothing recorded yet.</p>;
  }
  return (
    <ol aria-label={label} className="relative space-y-0 border-l border-gray-200 pl-5">
      {entries.map((e) => (
        <li key={e.seq} className="relative pb-4 last:pb-0" data-kind={e.kind}>
          <span
            aria-hidden
            className={cx(
              'absolute -left-[25px] top-1.5 size-2.5 rounded-full ring-2 ring-white',
              e.chain !== 'intact' ? 'bg-red-600' : e.kind.startsWith('incident') ? 'bg-indigo-500' : 'bg-gray-400',
            )}
          />
          <div className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5 text-xs text-gray-500">
            <span className="font-medium uppercase tracking-wide text-gray-600">{kindGroup[e.kind] ?? 'Entry'}</span>
            <time dateTime={e.at}>{formatDateTime(e.at)}</time>
            <span>· {actorName(e.actor, people)}</span>
            <span className="font-mono">#{e.n}</span>
          </div>
          <p className="mt-0.5 text-sm text-gray-900 [overflow-wrap:anywhere]">{ledgerSentence(e, forCustomer)}</p>
          {forCustomer && e.check_number && e.check_id && e.kind.startsWith('check_') && (
            <Link
              to={`/projects/${encodeURIComponent(projectId)}/checks/${encodeURIComponent(e.check_id)}`}
              className="text-xs text-indigo-700 hover:underline"
            >
              Open check #{e.check_number}
            </Link>
          )}
          {linkIncidents && e.incident_id && (
            <Link to={incidentPath(projectId, e.incident_id)} className="text-xs text-indigo-700 hover:underline">
              Open incident <span className="font-mono">{e.incident_id}</span>
            </Link>
          )}
          {e.chain !== 'intact' && (
            <p className="mt-1 text-xs font-medium text-red-700">
              This entry does not match its hash ({e.chain}): the ledger was changed after it was written.
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}
