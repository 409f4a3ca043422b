// The grant policy's fields as people read them: one label and a one-line
// explanation each. The editor (project settings) and the incident page
// (the policy an incident was judged under) read them from here, so both
// name a rule the same way.
import type { Policy } from './types';

export type PolicyFlag = {
  [K in keyof Policy]: Policy[K] extends boolean ? K : never;
}[keyof Policy];
export type PolicyNumber = {
  [K in keyof Policy]: Policy[K] extends number ? K : never;
}[keyof Policy];

export interface PolicyField {
  label: string;
  help: string;
}

export const policyFields: Record<keyof Policy, PolicyField> = {
  past_due_grants: {
    label: 'Past due grants access',
    help: 'A subscription whose renewal payment failed keeps access while Stripe retries, for the grace below.',
  },
  past_due_grace_days: {
    label: 'Past-due grace (days)',
    help: 'Counted from the creation of the unpaid invoice; after it, past due grants nothing.',
  },
  unpaid_grants: {
    label: 'Unpaid grants access',
    help: 'Stripe marks a subscription unpaid when its retries ran out without a payment.',
  },
  paused_grants: {
    label: 'Paused subscriptions grant access',
    help: 'The paused status: a trial ended without a payment method.',
  },
  active_pause_collection_grants: {
    label: 'Paused collection keeps access',
    help: 'An active subscription whose invoices you paused (pause_collection).',
  },
  incomplete_pending_hours: {
    label: 'Incomplete payment window (hours)',
    help: 'A new subscription whose first payment is still in progress is not an incident for this long.',
  },
  trial_tolerance_hours: {
    label: 'Trial end tolerance (hours)',
    help: "How far the app's trial end may be from Stripe's before it is a trial mismatch.",
  },
  refunded_invoice_revokes: {
    label: 'A fully refunded latest invoice ends access',
    help: 'Needs Charges read on the Stripe key (checked when you turn it on).',
  },
  open_dispute_revokes: {
    label: 'An open dispute on the latest charge ends access',
    help: 'Needs Disputes read on the Stripe key (checked when you turn it on).',
  },
};

/** The editor's rows, in reading order: each status rule, then its number. */
export const policyRows: Array<{ flag?: PolicyFlag; number?: PolicyNumber; dependsOn?: PolicyFlag }> = [
  { flag: 'past_due_grants' },
  { number: 'past_due_grace_days', dependsOn: 'past_due_grants' },
  { flag: 'unpaid_grants' },
  { flag: 'paused_grants' },
  { flag: 'active_pause_collection_grants' },
  { number: 'incomplete_pending_hours' },
  { number: 'trial_tolerance_hours' },
  { flag: 'refunded_invoice_revokes' },
  { flag: 'open_dispute_revokes' },
];
