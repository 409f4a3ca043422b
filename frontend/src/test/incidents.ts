// Incident, customer and ledger fixtures for the incident pages' tests.
import type { AppSubject, BillingPromise, Check, CustomerView, Incident, IncidentDetail, LedgerEntry } from '../types';
import { runningCheck } from './checks';

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc_1',
    project_id: 'prj_abc',
    customer_id: 'cus_bea',
    subject: { key: 'user:user_bea', kind: 'user', id: 'user_bea', email: 'bea@example.com', name: 'Bea Tester' },
    kind: 'paid_without_access',
    severity: 'critical',
    status: 'open',
    summary: 'Stripe promises paid access (pro) but the app grants user_bea (bea@example.com) nothing',
    at_stake: { monthly_minor: 4900, currency: 'usd', basis: 'price' },
    first_seen_at: '2026-03-01T09:00:00Z',
    last_seen_at: '2026-03-02T10:30:00Z',
    first_check_id: 'chk_1',
    last_check_id: 'chk_1',
    acknowledged_at: null,
    ignored_at: null,
    resolved_at: null,
    ...overrides,
  };
}

export function entry(n: number, kind: string, detail: unknown, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    seq: n,
    project_id: 'prj_abc',
    n,
    at: '2026-03-01T09:00:00Z',
    kind,
    customer_id: 'cus_bea',
    actor: 'usr_owner',
    detail,
    prev_hash: 'p',
    hash: 'h',
    chain: 'intact',
    ...overrides,
  };
}

/** The policy a check judged by: the defaults, with past_due granting for 14 days. */
export const policy: IncidentDetail['policy'] = {
  past_due_grants: true,
  past_due_grace_days: 14,
  unpaid_grants: false,
  paused_grants: false,
  active_pause_collection_grants: true,
  incomplete_pending_hours: 23,
  trial_tolerance_hours: 24,
  refunded_invoice_revokes: false,
  open_dispute_revokes: false,
};

export const promise: BillingPromise = {
  customer_id: 'cus_bea',
  customer: { id: 'cus_bea', email: 'bea@billing.test', name: 'Bea', created: '2026-01-01T00:00:00Z' },
  grants: true,
  plan: 'pro',
  plan_known: true,
  premium: false,
  trial: false,
  features_enabled: false,
  subscriptions: [
    {
      id: 'sub_1',
      status: 'active',
      grants: true,
      reason: 'active',
      prices: [{ price_id: 'price_pro', lookup_key: 'pro_monthly', plan: 'pro', mapped: true }],
      current_period_end: '2026-04-01T00:00:00Z',
      latest_invoice_id: 'in_1',
      latest_invoice_status: 'paid',
    },
  ],
  reason: 'owed paid access by sub_1 (active); plan pro',
  policy,
  derived_at: '2026-03-02T10:30:00Z',
};

export const subject: AppSubject = {
  kind: 'user',
  id: 'user_bea',
  email: 'bea@example.com',
  name: 'Bea Tester',
  customer_id: 'cus_bea',
  fields: { plan: { path: 'public_metadata.plan', raw: 'free', text: 'free' } },
};

export function detail(overrides: Partial<IncidentDetail> = {}): IncidentDetail {
  return {
    ...incident(),
    fields: [
      { field: 'plan', path: 'public_metadata.plan', expected: 'pro', expected_text: 'pro', actual: 'free', actual_text: 'free', raw: 'free' },
    ],
    evidence: { promise, subject, candidates: [] },
    policy,
    policy_version: '5039dc6b',
    repair: {
      kind: 'paid_without_access',
      customer_id: 'cus_bea',
      subject_kind: 'user',
      subject_id: 'user_bea',
      fields: [{ field: 'plan', path: 'public_metadata.plan', before: 'free', after: 'pro' }],
      reason: 'Grant the plan Stripe bills for.',
    },
    timeline: [
      entry(3, 'incident_opened', { kind: 'paid_without_access', summary: 'Stripe promises paid access (pro) but the app grants nothing' }, { actor: 'schedule', incident_id: 'inc_1' }),
    ],
    proposal: null,
    guided_fix: null,
    ...overrides,
  };
}

/** A check of Bea's customer alone, just started ("Run check" on her customer or incident page). */
export function check(overrides: Partial<Check> = {}): Check {
  return runningCheck({
    id: 'chk_9',
    number: 9,
    scope: 'customer',
    customer_ids: ['cus_bea'],
    started_at: '2026-03-02T11:00:00Z',
    duration_ms: 0,
    progress: { phase: 'reading_billing', done: 0, total: 1, percent: 10, indeterminate: false },
    ...overrides,
  });
}

export function customer(overrides: Partial<CustomerView> = {}): CustomerView {
  return {
    customer_id: 'cus_bea',
    project_id: 'prj_abc',
    live: {
      known: true,
      held: false,
      promise,
      subjects: [subject],
      findings: [
        {
          kind: 'paid_without_access',
          severity: 'critical',
          subject_key: 'user:user_bea',
          summary: 'Stripe promises paid access (pro) but the app grants user_bea nothing',
          fields: detail().fields,
        },
      ],
    },
    stored_promise: null,
    stored_promise_at: null,
    incidents: [incident()],
    ledger: {
      chain: 'intact',
      entries: [
        entry(1, 'check_started', { scope: 'full', trigger: 'person' }, { customer_id: '', check_id: 'chk_1' }),
        entry(2, 'billing_event', { type: 'invoice.paid', event_id: 'evt_1' }, { actor: 'webhook' }),
        entry(3, 'incident_opened', { kind: 'paid_without_access', summary: 'Stripe promises paid access (pro) but the app grants nothing' }, { incident_id: 'inc_1' }),
        entry(4, 'check_finished', { scope: 'full', counts: { checked: 3, opened: 1, resolved: 0 } }, { customer_id: '', check_id: 'chk_1' }),
      ],
    },
    ...overrides,
  };
}
