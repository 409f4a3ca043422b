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

export function project(overrides: Partial<Project> = {}, current = 1): Project {
  return {
    id: 'prj_abc',
    name: 'Acme',
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    billing_source: '',
    access_source: '',
    onboarded: false,
    onboarding: { current_step: current, steps: rail(current) },
    ...overrides,
  };
}

export const owner: User = {
  id: 'usr_owner',
  email: 'owner@example.com',
  name: 'Olivia Owner',
  role: 'owner',
  created_at: '2025-01-01T00:00:00Z',
};
export const admin: User = { ...owner, id: 'usr_admin', email: 'admin@example.com', name: 'Adam Admin', role: 'admin' };
export const member: User = { ...owner, id: 'usr_member', email: 'member@example.com', name: 'Mia Member', role: 'member' };
