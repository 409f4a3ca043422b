// Shapes of the JSON API (docs/api.md).

export type Role = 'owner' | 'admin' | 'member';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  created_at: string;
}

export type StepState = 'done' | 'current' | 'todo';

export interface OnboardingStep {
  number: number;
  key: string;
  title: string;
  hint: string;
  state: StepState;
}

export interface Onboarding {
  /** 0 when every step is done. */
  current_step: number;
  steps: OnboardingStep[];
}

export type BillingSource = 'stripe' | 'demo';
export type AccessSource = 'postgres' | 'clerk' | 'demo';

export interface Project {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
  billing_source: BillingSource | '';
  access_source: AccessSource | '';
  onboarded: boolean;
  onboarding: Onboarding;
}

export interface StackChoices {
  name: string;
  billing_source: BillingSource;
  access_source: AccessSource;
}

export interface PersonRef {
  id: string;
  name: string;
  email: string;
}

export interface Invite {
  id: string;
  email: string;
  role: Role;
  invited_by: PersonRef | null;
  created_at: string;
  expires_at: string;
  /** Only present on the answer to the create call: the one-time link. */
  url?: string;
}

export interface InvitePreview {
  email: string;
  role: Role;
  expires_at: string;
  invited_by: PersonRef | string | null;
}

export interface List<T> {
  items: T[];
  next_cursor?: string;
}

export interface Health {
  status: string;
  version: string;
}
