// How incidents read everywhere: kind names, severity pills, status words.
// One place, so the dashboard, the lists and the incident page agree.
import type { IncidentKind, IncidentStatus, Severity } from '../types';
import { cx } from './ui';

/**
 * Each incident kind as people read it, in the order they read them. Keyed
 * by the contract's IncidentKind: a kind added in Go (fulfillment.Kinds)
 * reaches the generated types and fails the type check until it has a label
 * and a severity here.
 */
export const kindLabel: Record<IncidentKind, string> = {
  paid_without_access: 'Paid without access',
  access_without_payment: 'Access without payment',
  wrong_plan: 'Wrong plan',
  trial_mismatch: 'Trial mismatch',
  entitlement_mismatch: 'Entitlement mismatch',
  unmatched_customer: 'Unmatched customer',
  ambiguous_match: 'Ambiguous match',
};

/** A kind's name from text that may not be a known kind (ledger detail, live findings). */
export function kindName(kind: string): string {
  return kindLabel[kind as IncidentKind] ?? kind;
}

/** Incident kinds, in the order people read them. */
export const incidentKinds = Object.keys(kindLabel) as IncidentKind[];

/** The severity each kind is filed with. */
export const kindSeverity: Record<IncidentKind, Severity> = {
  paid_without_access: 'critical',
  access_without_payment: 'high',
  wrong_plan: 'high',
  trial_mismatch: 'medium',
  entitlement_mismatch: 'medium',
  unmatched_customer: 'medium',
  ambiguous_match: 'low',
};

export const severities: Severity[] = ['critical', 'high', 'medium', 'low'];

const severityClass: Record<Severity, string> = {
  critical: 'bg-red-50 text-red-700 ring-red-600/20',
  high: 'bg-orange-50 text-orange-700 ring-orange-600/20',
  medium: 'bg-amber-50 text-amber-800 ring-amber-600/30',
  low: 'bg-gray-100 text-gray-700 ring-gray-500/20',
};

export function SeverityPill({ severity, className }: { severity: Severity; className?: string }) {
  return (
    <span
      className={cx(
        'inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium capitalize ring-1 ring-inset',
        severityClass[severity] ?? severityClass.low,
        className,
      )}
    >
      {severity}
    </span>
  );
}

export const statusLabel: Record<IncidentStatus, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  repairing: 'Repairing',
  verifying: 'Verifying',
  resolved: 'Resolved',
  ignored: 'Ignored',
};

/** Status as plain words (DESIGN.md), resolved in green. */
export function IncidentStatusText({ status }: { status: IncidentStatus }) {
  return (
    <span className={cx('text-sm', status === 'resolved' ? 'text-emerald-700' : status === 'open' ? 'font-medium text-gray-900' : 'text-gray-600')}>
      {statusLabel[status] ?? status}
    </span>
  );
}
