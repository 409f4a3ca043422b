// The API's types. Where the wire contract (server/openapi.yaml, generated
// into api.gen.ts by `npm run gen:api`) has the shape, the type is the
// generated one; the rest are the UI's own views of it.
import type { components } from './api.gen';

type Schemas = components['schemas'];

// Shapes of the JSON API (docs/api.md).

export type Role = Schemas['Role'];

export type User = Schemas['User'];

export type StepState = 'done' | 'current' | 'todo';

export type OnboardingStep = Schemas['OnboardingStep'];

export interface Onboarding {
  /** 0 when every step is done. */
  current_step: number;
  steps: OnboardingStep[];
}

export type BillingSource = 'stripe' | 'demo';
export type AccessSource = 'postgres' | 'clerk' | 'demo' | 'demo_sql';

export type Project = Schemas['Project'];

/** POST /api/projects/demo and …/demo/reset: the demo project and its running check. */
/** The demo's two apps: access kept in SQL tables (repairs run) or in Clerk (guided fixes). */
export type DemoApp = 'sql' | 'clerk';

export interface DemoStarted {
  project: Project;
  check: Check;
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

export type Invite = Schemas['Invite'];

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
export type Connection = Schemas['Connection'];

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

export type PlanMapping = Schemas['PlanMapping'];

/** Mapped access fields of one kind of subject: Clerk paths or Postgres columns. */
export type AccessFields = Schemas['AccessFields'];

export type AccessMapping = Schemas['AccessMapping'];

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

// --- Checks, incidents, customers (docs/checks-api.md) ---

export type CheckScope = 'full' | 'recent' | 'customer';
export type CheckStatus = 'running' | 'finished' | 'failed';

export interface CheckProgress {
  phase: string;
  done: number;
  total: number;
  percent: number;
  indeterminate: boolean;
}

export type CheckCounts = Schemas['CheckCounts'];

export type FieldDiff = Schemas['FieldDiff'];

/** A dry-run sample's field: expected and actual as text. */
export interface SampleField {
  field: string;
  path: string;
  expected: string;
  actual: string;
}

export interface SampleFinding {
  kind: string;
  severity: Severity;
  customer_id?: string;
  subject?: string;
  summary: string;
  fields: SampleField[];
  new: boolean;
}

export interface CheckSummary {
  customers: number;
  subjects: number;
  kinds: Record<string, number>;
  unmapped_prices: { price_id: string; customers: number }[];
  unmatched_customers: number;
  unmatched_sample: string[];
  unlinked_subjects: number;
  pending: number;
  promises_changed: number;
  promises_recorded: number;
  sample?: SampleFinding[];
  would_resolve?: number;
  stripe_requests: number;
  access_requests?: number;
  duration_ms: number;
  recent_as_full?: boolean;
  phases_ms?: Record<string, number>;
}

export interface Check {
  id: string;
  project_id: string;
  /** 1, 2, 3, … per project, in the order checks started. */
  number: number;
  scope: CheckScope;
  customer_ids: string[];
  subject_keys: string[];
  trigger: 'person' | 'schedule' | 'webhook' | 'api' | 'dry_run';
  dry_run: boolean;
  status: CheckStatus;
  started_by?: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number;
  progress: CheckProgress;
  counts: CheckCounts;
  error?: string;
  /** Filled when the check ends. */
  summary: CheckSummary | null;
}

export interface StartCheckRequest {
  scope?: CheckScope;
  customer_id?: string;
  dry_run?: boolean;
}

export type Severity = Schemas['Severity'];
export type IncidentStatus = Schemas['IncidentStatus'];
/** Every incident kind (Go's fulfillment.Kinds, through the contract). */
export type IncidentKind = Schemas['IncidentKind'];

export type SubjectRef = Schemas['SubjectRef'];

/** An incident's money at stake per month, in the currency's minor unit. */
export type AtStake = Schemas['AtStake'];

export interface StakeTotal {
  currency: string;
  kind: string;
  monthly_minor: number;
}

export type Incident = Schemas['Incident'];

export interface IncidentFilter {
  status?: string;
  /** The incidents this check opened or resolved (check_event narrows it). */
  check_id?: string;
  check_event?: 'opened' | 'resolved';
  kind?: string;
  severity?: string;
  customer_id?: string;
  q?: string;
  /** "severity" (default), "last_seen", "first_seen" or "at_stake" (needs currency). */
  sort?: string;
  /** Only incidents whose money at stake is in this currency (e.g. "usd"). */
  currency?: string;
  limit?: number;
  cursor?: string;
}

/** The answer to a bulk acknowledge. */
export interface BulkAcknowledgeResult {
  acknowledged: number;
  already: number;
  skipped: number;
  not_found: number;
  ids: string[];
}

/** A field value of an app subject as read (column or metadata path). */
export type FieldValue = Schemas['FieldValue'];

export interface AppSubject {
  kind: 'user' | 'organization' | 'row';
  id: string;
  table?: string;
  email?: string;
  name?: string;
  customer_id?: string;
  fields: {
    plan?: FieldValue;
    premium?: FieldValue;
    trial_end?: FieldValue;
    entitlements?: FieldValue;
  };
}

export interface PricePlan {
  price_id: string;
  lookup_key?: string;
  product_id?: string;
  plan?: string;
  mapped: boolean;
}

export interface SubscriptionVerdict {
  id: string;
  status: string;
  grants: boolean;
  pending?: boolean;
  reason: string;
  prices: PricePlan[];
  trial_end?: string;
  current_period_end?: string;
  cancel_at_period_end?: boolean;
  pause_collection?: boolean;
  latest_invoice_id?: string;
  latest_invoice_status?: string;
  stake?: AtStake;
  /** A refund or dispute ended the access it would grant (refund and dispute policy). */
  revoked?: {
    rule: string;
    charge_id: string;
    refund_id?: string;
    dispute_id?: string;
    amount: number;
    currency: string;
    status?: string;
  };
}

export interface BillingPromise {
  customer_id: string;
  customer: { id: string; email?: string; name?: string; deleted?: boolean; created: string };
  grants: boolean;
  pending?: boolean;
  plan: string;
  plan_known: boolean;
  candidate_plans?: string[];
  unmapped_prices?: string[];
  premium: boolean;
  trial: boolean;
  trial_end?: string;
  features_enabled: boolean;
  features?: string[];
  subscriptions: SubscriptionVerdict[];
  reason: string;
  policy: Record<string, unknown>;
  derived_at: string;
}

export type RepairPlan = Schemas['RepairPlan'];

export interface LedgerEntry {
  seq: number;
  n: number;
  at: string;
  kind: string;
  customer_id?: string;
  subject_key?: string;
  incident_id?: string;
  check_id?: string;
  actor?: string;
  detail: unknown;
  prev_hash: string;
  hash: string;
  /** "intact" or "broken" at this entry. */
  chain: string;
  /** In a customer's ledger: the number of the entry's check (#12). */
  check_number?: number;
}

export interface IncidentDetail extends Incident {
  fields: FieldDiff[];
  evidence: {
    promise: BillingPromise;
    subject: AppSubject | null;
    candidates: AppSubject[];
    /** Every Stripe customer pointing at the subject (several customers, one subject). */
    shared_with?: string[];
    /** The value of a subject linked to no customer Stripe holds (an unknown cus_ id, an email). */
    linked_value?: string;
  };
  policy: Record<string, unknown>;
  repair: RepairPlan | null;
  timeline: LedgerEntry[];
}

export interface RecheckResult {
  held: boolean;
  result: 'held' | 'still_wrong';
  message: string;
  fields: FieldDiff[];
  subject: AppSubject | null;
  check: Check;
  incident: Incident;
}

export interface CustomerView {
  customer_id: string;
  project_id: string;
  live: {
    known: boolean;
    held: boolean;
    promise: BillingPromise | null;
    subjects: AppSubject[];
    findings: { kind: string; severity: Severity; subject_key?: string; summary: string; fields: FieldDiff[] }[];
  } | null;
  live_error?: string;
  stored_promise: BillingPromise | null;
  stored_promise_at: string | null;
  incidents: Incident[];
  /** broken_at: the n of the first entry whose link does not hold (when broken). */
  ledger: { chain: 'intact' | 'broken'; broken_at?: number; entries: LedgerEntry[] };
}

export type Schedule = Schemas['Schedule'];

export interface SchedulesUpdate {
  full?: { spec?: string; enabled?: boolean };
  recent?: { spec?: string; enabled?: boolean };
  digest?: { spec?: string; enabled?: boolean };
}

export type WebhookHealth = Schemas['WebhookHealth'];

// --- Postgres / Supabase (step 3, 4, 6) ---

export interface DatabaseConnectRequest {
  connection_string: string;
  /** Optional: the column-scoped repair role; left out keeps the stored one. */
  repair_connection_string?: string;
  /** Confirms replacing a connected Clerk source. */
  replace?: boolean;
}

/** SQL an admin runs as the database owner; the password is fresh per request. */
export type RoleSQL = Schemas['RoleSQL'];

export interface SetupSQL {
  read_only: RoleSQL;
  repair: RoleSQL | null;
  /** Why there is no repair SQL yet. */
  repair_unavailable?: string;
}

/** A column's type family; it decides which fields it can map. */
export type ColumnCategory =
  | 'text'
  | 'enum'
  | 'boolean'
  | 'integer'
  | 'numeric'
  | 'timestamptz'
  | 'timestamp'
  | 'date'
  | 'jsonb'
  | 'json'
  | 'text[]'
  | 'uuid'
  | 'other';

export interface SchemaColumn {
  name: string;
  type: string;
  category: ColumnCategory;
  nullable: boolean;
  enum_values?: string[];
}

export interface SchemaTable {
  schema: string;
  name: string;
  kind: string;
  columns: SchemaColumn[];
  primary_key?: string[];
  row_security?: boolean;
}

/** A suggested table mapping, as access/postgres.TableMapping. */
export interface PgTableMapping {
  schema: string;
  table: string;
  billing_field?: string;
  identity: string;
  plan?: string;
  premium?: string;
  trial_end?: string;
  entitlements?: string;
  email?: string;
  name?: string;
}

export interface TableSuggestion {
  mapping: PgTableMapping;
  /** Why each field ("table", "identity", "plan", …) was picked. */
  reasons: Record<string, string>;
}

export interface SchemaSuggestion {
  users?: TableSuggestion;
  orgs?: TableSuggestion;
  members?: { schema: string; table: string; org_column: string; user_column: string; reason: string };
}

export interface DatabaseSchema {
  tables: SchemaTable[];
  suggestion: SchemaSuggestion;
}

/** The answer to PUT /mappings: the stored mapping and anything worth a look. */
export interface SavedMappings extends Mappings {
  warnings: string[];
}

// --- Go live (step 8) and the project dashboard ---

export interface GoLiveRequest {
  repairs_enabled?: boolean;
  schedules?: SchedulesUpdate;
}

export interface GoLiveResult {
  project: Project;
  /** The first real full check, running. */
  check: Check;
}

export interface Dashboard {
  open_total: number;
  /** Every severity, zeros included. "Open" = open, acknowledged, repairing, verifying. */
  open_by_severity: Record<Severity, number>;
  /** Every incident kind, zeros included. */
  open_by_kind: Record<string, number>;
  /** Money at stake per month of unresolved incidents, per currency and kind, largest first. */
  at_stake: StakeTotal[];
  /** The newest ended check that is not a dry run. */
  last_check: Check | null;
  running_check: Check | null;
  schedules: Schedule[];
  webhooks: WebhookHealth;
}

// --- Repairs ---

export type RepairStatus = 'proposed' | 'approved' | 'applied' | 'failed' | 'rejected' | 'superseded';

/** One field a repair changes: before (as the check read it) → after. */
export interface RepairField {
  field: string;
  path: string;
  before: unknown;
  after: unknown;
}

/** A Postgres repair proposal with its decision, result and verification. */
export interface RepairProposal {
  id: string;
  incident_id: string;
  project_id: string;
  status: RepairStatus;
  subject_kind: string;
  subject_id: string;
  table?: string;
  fields: RepairField[];
  reason: string;
  proposed_at: string;
  proposed_check_id?: string;
  decided_by?: string;
  decided_by_name?: string;
  decided_at: string | null;
  decision_reason?: string;
  applied_at: string | null;
  result: {
    table: string;
    key: string;
    changes: { field: string; column: string; before: unknown; after: unknown }[];
    sql: string;
  } | null;
  error_code?: string;
  error?: string;
  verification: '' | 'pending' | 'held' | 'still_wrong';
  verify_attempts: number;
  next_verify_at: string | null;
  verified_at: string | null;
  verify_message?: string;
  values_now?: Record<string, unknown>;
  /** Why approving is unavailable right now (repairs off, no repair connection). */
  blocked?: string;
  blocked_code?: string;
}

/** The exact Clerk change a person makes (ParityRail never writes to Clerk). */
export interface GuidedFix {
  subject_kind: 'user' | 'organization';
  subject_id: string;
  email?: string;
  name?: string;
  dashboard_url: string;
  fields: {
    field: string;
    path: string;
    current: unknown;
    expected: unknown;
    current_text: string;
    expected_text: string;
  }[];
  metadata: Record<string, Record<string, unknown>>;
  metadata_json: string;
  api_method: string;
  api_url: string;
  api_body: string;
  api_request: string;
  reason: string;
  roadmap: string;
}

// Declaration merging: the incident detail also carries the repair proposal
// and, on Clerk projects, the guided fix.
export interface IncidentDetail {
  proposal?: RepairProposal | null;
  guided_fix?: GuidedFix | null;
  /** The version of the policy it was last judged under (8 hex digits). */
  policy_version?: string;
}

export interface RepairAnswer {
  repair: RepairProposal;
  incident: Incident;
}

/** An API key as Settings → API keys lists it (never the key). */
export type ApiKey = Schemas['ApiKey'];

/** The create answer: the only time `key` is shown. */
export type CreatedApiKey = Schemas['CreatedApiKey'];

export type CreateApiKeyRequest = Schemas['CreateApiKeyRequest'];

export type ChannelKind = 'slack' | 'email' | 'webhook';

export type ChannelEvents = Schemas['ChannelEvents'];

/** A notification channel: its address only as a masked label. */
export type Channel = Schemas['Channel'];

export type ChannelRequest = Schemas['ChannelRequest'];

export type TestResult = Schemas['TestResult'];

export type Delivery = Schemas['Delivery'];

export type DigestPreview = Schemas['DigestPreview'];

export type SMTPSettings = Schemas['SMTPSettings'];

export type SMTPRequest = Schemas['SMTPRequest'];

/** A project's Stripe request budget (requests/s; 0 = no cap). */
export type StripeBudget = Schemas['StripeBudget'];

/** The grant policy: what each Stripe subscription state promises. */
export type Policy = Schemas['Policy'];

/** The policy with its version, the defaults and the numbers' ranges. */
export type PolicyView = Schemas['PolicyView'];

/** A policy to preview or save: fields left out keep their value. */
export type PolicyUpdate = Schemas['PolicyUpdate'];

/** What a candidate policy would change, judged from the last checks' reads. */
export type PolicyPreview = Schemas['PolicyPreview'];

export type PreviewExample = Schemas['PreviewExample'];
