import type { OnboardingStep, Project, User } from '../types';

const railTitles: [string, string, string][] = [
  ['stack', 'Stack', 'Name it and pick your sources.'],
  ['stripe', 'Stripe', 'Connect a restricted API key.'],
  ['database', 'Database', 'Where your app keeps access.'],
  ['identity', 'Identity mapping', 'Match customers to app rows.'],
  ['plans', 'Plan mapping', 'Stripe prices to app plans.'],
  ['access', 'Access mapping', 'Fields that grant paid access.'],
  ['dry-run', 'Dry run', 'See what a check would find.'],
  ['go-live', 'Go live', 'Schedule checks and finish.'],
];

export function rail(current: number): OnboardingStep[] {
  return railTitles.map(([key, title, hint], i) => ({
    number: i + 1,
    key,
    title,
    hint,
    state: i + 1 < current ? 'done' : i + 1 === current ? 'current' : 'todo',
  }));
}

export const webhookEvents = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'entitlements.active_entitlement_summary.updated',
];

/** The rail as the server sends it for a Clerk project (step 4's hint changes). */
export function clerkRail(current: number, done: number[] = []): OnboardingStep[] {
  return rail(current).map((s) => ({
    ...s,
    hint: s.number === 4 ? 'Matched automatically.' : s.hint,
    state: done.includes(s.number) ? 'done' : s.state,
  }));
}

export function project(overrides: Partial<Project> = {}, current = 1): Project {
  return {
    id: 'prj_abc',
    name: 'Acme',
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    billing_source: '',
    access_source: '',
    onboarded: false,
    repairs_enabled: false,
    onboarding: { current_step: current, steps: rail(current) },
    webhook_url: 'http://127.0.0.1:8080/api/webhooks/stripe/prj_abc',
    webhook_events: webhookEvents,
    ...overrides,
  };
}

/** A Stripe + Clerk project past onboarding, as the project pages see it. */
export const liveProject = () =>
  project({ billing_source: 'stripe', access_source: 'clerk', onboarded: true, onboarding: { current_step: 0, steps: rail(9) } });

export const owner: User = {
  id: 'usr_owner',
  email: 'owner@example.com',
  name: 'Olivia Owner',
  role: 'owner',
  created_at: '2025-01-01T00:00:00Z',
};
export const admin: User = { ...owner, id: 'usr_admin', email: 'admin@example.com', name: 'Adam Admin', role: 'admin' };
export const member: User = { ...owner, id: 'usr_member', email: 'member@example.com', name: 'Mia Member', role: 'member' };
