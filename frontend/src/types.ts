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
export type AccessSource = 'postgres' | 'clerk' | 'demo';

export type Project = Schemas['Project'];

/** POST /api/projects/demo and …/demo/reset: the demo project and its running check. */
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
  /** 0 for a tiered price. */
  unit_amount: number;
  /** Absent from older servers; per_unit when so. */
  billing_scheme?: 'per_unit' | 'tiered';
  currency: string;
  interval: string;
  subscriptions: number;
  active_subscriptions: number;
}

/**
 * GET …/stripe/prices: the prices found, and notes on what a missing optional
 * read left out (e.g. product names without Products read).
 */
export interface PriceList extends List<PriceUsage> {
  notes: string[];
}

/** The plan values the app really stores, with counts and where they were read (step 5). */
export type AppValues = Schemas['AppValues'];
export type AppValue = Schemas['AppValue'];

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

export type CheckProgress = Schemas['Progress'];

export type CheckCounts = Schemas['CheckCounts'];

export type FieldDiff = Schemas['FieldDiff'];

/** A dry-run sample's field: expected and actual as text. */
export type SampleField = SampleFinding['fields'][number];

export type SampleFinding = Schemas['SampleFinding'];

/** What a check found; see summaryOf for a check that has none yet. */
export type CheckSummary = Schemas['CheckSummary'];

/** A check; its summary is `{}` until it ends (summaryOf in components/check.tsx). */
export type Check = Schemas['Check'];

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

/** An app user, organization or row as read. */
export type AppSubject = Schemas['Subject'];

export type SubscriptionVerdict = Schemas['SubscriptionVerdict'];

/** One subscription price and the app plan it maps to. */
export type PricePlan = SubscriptionVerdict['prices'][number];

/** What Stripe billing promises a customer. */
export type BillingPromise = Schemas['Promise'];

export type RepairPlan = Schemas['RepairPlan'];

/** An Access Ledger entry with whether its link holds (chain). */
export type LedgerEntry = Schemas['LedgerEntry'];

/** An incident with its evidence, timeline, repair proposal and (Clerk) guided fix. */
export type IncidentDetail = Schemas['IncidentDetail'];

export interface RecheckResult {
  held: boolean;
  result: 'held' | 'still_wrong';
  message: string;
  fields: FieldDiff[];
  subject: AppSubject | null;
  check: Check;
  incident: Incident;
}

export type CustomerView = Schemas['CustomerView'];

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

/** A Postgres repair proposal with its decision, result and verification. */
export type RepairProposal = Schemas['Repair'];

export type RepairStatus = RepairProposal['status'];

/** One field a repair changes: before (as the check read it) → after. */
export type RepairField = Schemas['FieldChange'];

/** The exact Clerk change a person makes (ParityRail never writes to Clerk). */
export type GuidedFix = Schemas['GuidedFix'];

/** The answer to approve or reject. */
export type RepairAnswer = Schemas['RepairAndIncident'];
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
