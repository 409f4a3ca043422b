// The API's types. Where the wire contract (server/openapi.yaml, generated
// into api.gen.ts by `npm run gen:api`) has the shape, the type is the
// generated one; the rest are the UI's own views of it, each saying why.
import type { components, operations } from './api.gen';

type Schemas = components['schemas'];

/** An operation's 200 answer and JSON request body, for answers the contract writes inline. */
type Ok<Op extends keyof operations> = operations[Op]['responses'] extends { 200: { content: { 'application/json': infer T } } }
  ? T
  : never;
type Body<Op extends keyof operations> =
  NonNullable<operations[Op]['requestBody']> extends { content: { 'application/json': infer T } } ? T : never;

// Shapes of the JSON API (docs/api.md).

export type Role = Schemas['Role'];

export type User = Schemas['User'];

export type OnboardingStep = Schemas['OnboardingStep'];

export type StepState = OnboardingStep['state'];

/** The wizard's progress; current_step is 0 when every step is done. */
export type Onboarding = Schemas['Onboarding'];

/** Step 1: the project's name and where billing and access state come from. */
export type StackChoices = Schemas['StackRequest'];
export type BillingSource = StackChoices['billing_source'];
export type AccessSource = StackChoices['access_source'];

export type Project = Schemas['Project'];

/** POST /api/projects/demo, …/demo/reset and …/go-live: the project and its running check. */
export type DemoStarted = Schemas['ProjectAndCheck'];

/** The demo's two apps: access kept in SQL tables (repairs run) or in Clerk (guided fixes). */
export type DemoApp = 'sql' | 'clerk';

export type Invite = Schemas['Invite'];

/** GET /api/invites/{token}: the invite without its `url`. */
export type InvitePreview = Invite;

/**
 * The envelope every list answer shares. The UI's own generic: the contract
 * writes each list inline, with its item schema.
 */
export interface List<T> {
  items: T[];
  next_cursor?: string;
}

export type Health = Schemas['Health'];

/** A connected integration, as the API shows it: masked labels only. */
export type Connection = Schemas['Connection'];

export type ConnectionKind = Connection['kind'];

/** The answer to a "Test & connect". */
export type ConnectResult = Schemas['ConnectedConnection'];

export type StripeConnectRequest = Body<'connectStripe'>;

export type ClerkConnectRequest = Schemas['ClerkConnectRequest'];

/** A Stripe price found on the account's subscriptions (step 5). */
export type PriceUsage = Schemas['Price'];

/** GET …/stripe/prices: the prices, and notes on what a missing optional read left out. */
export type PriceList = Ok<'stripePrices'>;

/** The plan values the app really stores, with counts and where they were read (step 5). */
export type AppValues = Schemas['AppValues'];
export type AppValue = Schemas['AppValue'];

/** Metadata keys sampled from recent Clerk users and organizations (step 6). */
export type MetadataKeys = Ok<'clerkMetadataKeys'>;

/** How a Stripe customer is matched to an app user (and organization). */
export type IdentityMapping = Schemas['Identity'];

export type PlanRow = PlanMapping['rows'][number];

export type PlanMapping = Schemas['PlanMapping'];

/** Mapped access fields of one kind of subject: Clerk paths or Postgres columns. */
export type AccessFields = Schemas['AccessFields'];

export type AccessMapping = Schemas['AccessMapping'];

/** Steps 4–6 as saved; each part is null until saved. */
export type Mappings = Ok<'getMappings'>;

/** A save of steps 4–6: parts left out keep their saved value. */
export type MappingsUpdate = Body<'saveMappings'>;

// --- Checks, incidents, customers (docs/checks-api.md) ---

export type CheckScope = Check['scope'];
export type CheckStatus = Check['status'];

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

export type StartCheckRequest = Schemas['StartCheckRequest'];

export type Severity = Schemas['Severity'];
export type IncidentStatus = Schemas['IncidentStatus'];
/** Every incident kind (Go's fulfillment.Kinds, through the contract). */
export type IncidentKind = Schemas['IncidentKind'];

export type SubjectRef = Schemas['SubjectRef'];

/** An incident's money at stake per month, in the currency's minor unit. */
export type AtStake = Schemas['AtStake'];

/** Money at stake per month of the unresolved incidents of one kind in one currency. */
export type StakeTotal = Schemas['StakeTotal'];

export type Incident = Schemas['Incident'];

/**
 * GET …/incidents' query, as the incidents page builds it from its URL: the
 * UI's own, looser than the contract's parameters (the server validates them).
 */
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
export type BulkAcknowledgeResult = Schemas['BulkAcknowledged'];

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

/** "Re-run check": whether the promise holds now, with the values read now. */
export type RecheckResult = Schemas['RecheckResult'];

export type CustomerView = Schemas['CustomerView'];

export type Schedule = Schemas['Schedule'];

/** The schedules to change (full, recent, digest); each left out stays. */
export type SchedulesUpdate = Schemas['ScheduleUpdates'];

export type WebhookHealth = Schemas['WebhookHealth'];

// --- Postgres / Supabase (step 3, 4, 6) ---

export type DatabaseConnectRequest = Schemas['DatabaseConnectRequest'];

/** SQL an admin runs as the database owner; the password is fresh per request. */
export type RoleSQL = Schemas['RoleSQL'];

export type SetupSQL = Schemas['SetupSQL'];

/** A column's type family; it decides which fields it can map. */
export type ColumnCategory = Schemas['ColumnCategory'];

export type SchemaColumn = Schemas['Column'];

export type SchemaTable = Schemas['Table'];

/** A suggested table mapping, as access/postgres.TableMapping. */
export type PgTableMapping = Schemas['TableMapping'];

/** A suggested table mapping and why each field ("table", "identity", "plan", …) was picked. */
export type TableSuggestion = Schemas['TableSuggestion'];

export type SchemaSuggestion = Schemas['SchemaSuggestion'];

/** The tables the read-only role sees, and a mapping suggestion. */
export type DatabaseSchema = Schemas['DatabaseSchema'];

export type SavedMappings = Ok<'saveMappings'>;

// --- Go live (step 8) and the project dashboard ---

export type GoLiveRequest = Schemas['GoLiveRequest'];

/** The live project and its first real full check, running. */
export type GoLiveResult = Schemas['ProjectAndCheck'];

/** Open incidents by severity and kind (zeros included), money at stake, checks, schedules, webhooks. */
export type Dashboard = Schemas['Dashboard'];

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

export type ChannelKind = Channel['kind'];

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
