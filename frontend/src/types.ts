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
  /** Where Stripe sends this project's events (step 2's "Webhook endpoint"). */
  webhook_url?: string;
  /** The events to select on that Stripe endpoint. */
  webhook_events?: string[];
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

export type ConnectionKind = 'stripe' | 'clerk' | 'postgres';

/** A connected integration, as the API shows it: masked labels only. */
export interface Connection {
  kind: ConnectionKind;
  label: string;
  /** Stripe: the webhook signing secret's masked label, when one is stored. */
  extra_label?: string;
  mode: 'test' | 'live';
  connected_at: string;
}

/** The answer to a "Test & connect". */
export interface ConnectResult extends Connection {
  warnings: string[];
}

export interface StripeConnectRequest {
  api_key: string;
  webhook_secret?: string;
}

export interface ClerkConnectRequest {
  secret_key: string;
  /** Confirms replacing a connected Postgres source. */
  replace?: boolean;
}

/** A Stripe price found on the account's subscriptions (step 5). */
export interface PriceUsage {
  price_id: string;
  lookup_key: string;
  nickname: string;
  product_id: string;
  product_name: string;
  unit_amount: number;
  currency: string;
  interval: string;
  subscriptions: number;
  active_subscriptions: number;
}

/** Metadata keys sampled from recent Clerk users and organizations (step 6). */
export interface MetadataKeys {
  user_keys: string[];
  organization_keys: string[];
  users_sampled: number;
  organizations_sampled: number;
}

export interface IdentityMapping {
  automatic?: boolean;
  billing_field?: string;
  metadata_key?: string;
  table?: string;
  column?: string;
  organizations?: IdentityMapping;
}

export interface PlanRow {
  price_id: string;
  lookup_key?: string;
  app_value: string;
}

export interface PlanMapping {
  rows: PlanRow[] | null;
  no_plan_value: string;
}

/** Mapped access fields of one kind of subject: Clerk paths or Postgres columns. */
export interface AccessFields {
  stripe_customer_id?: string;
  plan?: string;
  premium?: string;
  trial_end?: string;
  entitlements?: string;
}

export interface AccessMapping {
  users: AccessFields;
  organizations?: AccessFields | null;
  stripe_entitlements?: boolean;
}

export interface Mappings {
  identity: IdentityMapping | null;
  plans: PlanMapping | null;
  access: AccessMapping | null;
  policy: Record<string, unknown> | null;
}

/** PUT /mappings takes any subset of sections; each one sent marks its step done. */
export interface MappingsUpdate {
  identity?: IdentityMapping;
  plans?: PlanMapping;
  access?: AccessMapping;
  policy?: Record<string, unknown>;
}
