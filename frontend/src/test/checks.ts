// Check and dashboard answers for page tests.
import type { Check, Dashboard } from '../types';

export function check(overrides: Partial<Check> = {}): Check {
  return {
    id: 'chk_1',
    number: 1,
    project_id: 'prj_abc',
    scope: 'full',
    customer_ids: [],
    subject_keys: [],
    trigger: 'person',
    dry_run: false,
    status: 'finished',
    started_at: '2025-03-01T10:00:00Z',
    finished_at: '2025-03-01T10:00:12Z',
    duration_ms: 12_000,
    progress: { phase: 'finished', done: 3, total: 3, percent: 100, indeterminate: false },
    counts: { checked: 3, held: 1, opened: 2, updated: 0, resolved: 0, errors: 0 },
    summary: {},
    ...overrides,
  };
}

export function runningCheck(overrides: Partial<Check> = {}): Check {
  return check({
    status: 'running',
    finished_at: null,
    duration_ms: 3_000,
    progress: { phase: 'reading_app', done: 40, total: 100, percent: 69, indeterminate: false },
    counts: { checked: 0, held: 0, opened: 0, updated: 0, resolved: 0, errors: 0 },
    ...overrides,
  });
}

export function dashboard(overrides: Partial<Dashboard> = {}): Dashboard {
  return {
    open_total: 3,
    open_by_severity: { critical: 1, high: 2, medium: 0, low: 0 },
    open_by_kind: {
      paid_without_access: 1,
      access_without_payment: 1,
      wrong_plan: 1,
      trial_mismatch: 0,
      entitlement_mismatch: 0,
      unmatched_customer: 0,
      ambiguous_match: 0,
    },
    at_stake: [],
    last_check: check(),
    running_check: null,
    schedules: [
      { kind: 'full', spec: '0 3 * * *', enabled: true, last_run_at: null, next_run_at: '2025-03-02T03:00:00Z' },
      { kind: 'recent', spec: '0 * * * *', enabled: false, last_run_at: null, next_run_at: null },
    ],
    webhooks: {
      received: 12,
      duplicates: 1,
      last_event_at: '2025-03-01T09:58:00Z',
      last_event_type: 'invoice.paid',
      days: [],
      signature_failures: 2,
      last_failure_at: '2025-03-01T09:00:00Z',
      last_failure_reason: 'The Stripe-Signature header is missing or does not match.',
      queued: 0,
    },
    ...overrides,
  };
}
