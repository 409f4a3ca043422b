// Step 4 "Identity mapping": who a customer is in the app. With Clerk it is
// automatic (the Stripe customer id field of step 6 matches), so the step is
// a panel and "Continue". With Postgres: a Stripe billing field and the app
// table and column that hold it, pre-filled from the schema's suggestion.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ArrowRight, Wand2 } from 'lucide-react';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { QueryGate } from '../../components/QueryGate';
import { Button, cx, ErrorAlert, Notice, TextField } from '../../components/ui';
import type { DatabaseSchema, IdentityMapping, Mappings, TableSuggestion } from '../../types';
import { compatibleColumns, findTable, notRepairable, suggestionFor, tableKey } from './postgresSchema';
import {
  AdminOnlyNote,
  ColumnSelect,
  Expander,
  FormIntro,
  OrgsToggle,
  PerAccessSource,
  refreshProject,
  SaveAndContinue,
  SavedWarnings,
  Select,
  StepFooter,
  StepLink,
  SuggestedChip,
  useMappings,
  useSchema,
  type StepProps,
  DemoSQLMapped,
} from './shared';

export function IdentityStep(props: StepProps) {
  return (
    <PerAccessSource
      {...props}
      clerk={<ClerkIdentity {...props} />}
      postgres={<PostgresIdentity {...props} />}
      demoSQL={<DemoSQLMapped project={props.project} step={4} base={props.base} goTo={props.goTo} />}
    />
  );
}

function ClerkIdentity({ project, canEdit, goTo }: StepProps) {
  const queryClient = useQueryClient();
  const done = project.onboarding.steps.find((s) => s.number === 4)?.state === 'done';
  // The demo app is Clerk-style: its users and organizations carry the
  // Stripe customer id in their metadata.
  const demo = project.access_source === 'demo';
  const save = useMutation({
    mutationFn: () => api.saveMappings(project.id, { identity: {} }),
    onSuccess: async () => {
      if (!done) toast.success('Identity mapping done');
      await refreshProject(queryClient, project.id);
      goTo(5);
    },
  });

  return (
    <div className="space-y-8">
      <section
        aria-labelledby="auto-match-title"
        className="flex flex-col gap-4 rounded-lg border border-indigo-100 bg-indigo-50/60 p-5 sm:flex-row sm:p-6"
      >
        <span className="flex size-11 shrink-0 items-center justify-center rounded-full bg-white text-indigo-600 shadow-xs ring-1 ring-indigo-100">
          <Wand2 aria-hidden data-testid="wand-icon" className="size-5" />
        </span>
        <div className="min-w-0 space-y-2">
          <h3 id="auto-match-title" className="text-base font-semibold text-gray-900">
            Customer matching is automatic
          </h3>
          <p className="inline-flex items-center rounded-full bg-white px-2.5 py-0.5 text-xs font-medium text-indigo-700 ring-1 ring-inset ring-indigo-200">
            {demo ? 'Matched automatically for Demo data' : 'Matched automatically for Clerk'}
          </p>
          <p className="text-sm leading-6 text-gray-700">
            There are no tables or columns to pick. {demo ? 'The demo app (Clerk-style)' : 'Clerk'} matches each user to a Stripe customer by the metadata field
            you set next: the <strong className="font-medium">Stripe customer id</strong> field you map on step 6
            (for example <code className="font-mono text-xs">public_metadata.stripe_customer_id</code>).
          </p>
        </div>
      </section>

      {save.isError && <ErrorAlert message={errorMessage(save.error)} />}
      {canEdit ? (
        <StepFooter>
          <Button busy={save.isPending} busyLabel="Saving…" onClick={() => save.mutate()}>
            Continue
            <ArrowRight aria-hidden className="size-4" />
          </Button>
        </StepFooter>
      ) : (
        <AdminOnlyNote>Only an admin can confirm this step.</AdminOnlyNote>
      )}
    </div>
  );
}

// --- Postgres / Supabase ---

const BILLING_ID = 'stripe.customer.id';
const BILLING_METADATA = 'stripe.customer.metadata';
const BILLING_EMAIL = 'stripe.customer.email';

const billingOptions = [
  { value: BILLING_ID, label: 'stripe.customer.id', help: 'The Stripe customer id (cus_…), stored on the app row.' },
  {
    value: BILLING_METADATA,
    label: 'stripe.customer.metadata.<key>',
    help: 'A value your app sets in the Stripe customer’s metadata, e.g. its own user id.',
  },
  {
    value: BILLING_EMAIL,
    label: 'stripe.customer.email',
    help:
      'The customer’s email. Both sides are compared trimmed and case-folded (Ann@Example.com matches ann@example.com); a plus-address (ann+work@…) is a different address. Two customers with one email are reported as ambiguous, never guessed.',
  },
];

/** One subject's identity as edited; table is "schema.table". */
interface Draft {
  billing: string;
  metadataKey: string;
  table: string;
  column: string;
}

/** A suggestion's billing field may carry its metadata key ("stripe.customer.metadata.<key>"). */
function splitBilling(field: string | undefined): { billing: string; metadataKey: string } {
  if (field?.startsWith(BILLING_METADATA + '.')) {
    return { billing: BILLING_METADATA, metadataKey: field.slice(BILLING_METADATA.length + 1) };
  }
  return { billing: field || BILLING_ID, metadataKey: '' };
}

function fromSuggestion(s: TableSuggestion | undefined): Draft {
  if (!s) return { billing: BILLING_ID, metadataKey: '', table: '', column: '' };
  return {
    ...splitBilling(s.mapping.billing_field),
    table: tableKey({ schema: s.mapping.schema, name: s.mapping.table }),
    column: s.mapping.identity,
  };
}

/** The saved identity when its table is still readable, else the suggestion. */
function initialDraft(schema: DatabaseSchema, saved: IdentityMapping | undefined, s: TableSuggestion | undefined): Draft {
  const t = findTable(schema, saved?.table);
  if (!saved || !t) return fromSuggestion(s);
  return {
    billing: saved.billing_field || BILLING_ID,
    metadataKey: saved.metadata_key ?? '',
    table: tableKey(t),
    column: saved.column ?? '',
  };
}

function toIdentity(d: Draft): IdentityMapping {
  return {
    billing_field: d.billing,
    ...(d.billing === BILLING_METADATA ? { metadata_key: d.metadataKey.trim() } : {}),
    table: d.table,
    column: d.column,
  };
}

/** What is missing before a save, said as the server would. */
function draftProblem(d: Draft, what: string): string | null {
  if (d.billing === BILLING_METADATA && !d.metadataKey.trim()) {
    return `Enter the Stripe customer metadata key that holds the app's id (${what}).`;
  }
  if (!d.table || !d.column) return `Choose the app table and the column that holds the ${what}' billing identity.`;
  return null;
}

function PostgresIdentity({ project, canEdit, base, goTo }: StepProps) {
  const mappings = useMappings(project.id);
  const schema = useSchema(project.id);
  return (
    <QueryGate query={mappings} loading="Loading the identity mapping…">
      {(m) => (
        <QueryGate query={schema} loading="Reading your database schema…">
          {(sch) =>
            sch.tables.length === 0 ? (
              <Notice tone="warning" title="The read-only role cannot see any table">
                GRANT SELECT on your users table to the role (see “How to create a read-only role” on{' '}
                <StepLink base={base} step={3}>
                  step 3
                </StepLink>
                ), then reload this page.
              </Notice>
            ) : (
              <PostgresIdentityForm project={project} canEdit={canEdit} base={base} saved={m} schema={sch} goTo={goTo} />
            )
          }
        </QueryGate>
      )}
    </QueryGate>
  );
}

function PostgresIdentityForm({
  project,
  canEdit,
  saved,
  schema,
  goTo,
}: StepProps & { saved: Mappings; schema: DatabaseSchema }) {
  const queryClient = useQueryClient();
  const savedIdentity = saved.identity?.automatic ? undefined : (saved.identity ?? undefined);
  const [users, setUsers] = useState<Draft>(() => initialDraft(schema, savedIdentity, schema.suggestion.users));
  const [orgsOn, setOrgsOn] = useState(!!savedIdentity?.organizations?.table);
  const [orgs, setOrgs] = useState<Draft>(() =>
    initialDraft(schema, savedIdentity?.organizations, schema.suggestion.orgs),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [warnings, setWarnings] = useState<string[] | null>(null);

  const save = useMutation({
    mutationFn: () =>
      api.saveMappings(project.id, {
        identity: { ...toIdentity(users), ...(orgsOn ? { organizations: toIdentity(orgs) } : {}) },
      }),
    onSuccess: async (res) => {
      toast.success('Identity mapping saved');
      await refreshProject(queryClient, project.id);
      if (res.warnings?.length) setWarnings(res.warnings);
      else goTo(5);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!canEdit) return;
    let p = draftProblem(users, 'users');
    if (!p && orgsOn) {
      p = draftProblem(orgs, 'organizations');
      if (!p && orgs.table === users.table) p = `The organizations table must differ from the users table (${users.table}).`;
    }
    setProblem(p);
    if (!p) save.mutate();
  }

  if (warnings) return <SavedWarnings warnings={warnings} onContinue={() => goTo(5)} />;

  const members = schema.suggestion.members;
  return (
    <form onSubmit={onSubmit} className="space-y-8" aria-labelledby="pg-identity-title">
      <FormIntro
        id="pg-identity-title"
        title="Which row of your app is each Stripe customer?"
        what="identity mapping"
        canEdit={canEdit}
      >
        Pick the Stripe field and the app column that hold the same value. ParityRail reads the table once per check
        and matches each row to its customer by that value.
      </FormIntro>

      <IdentityFields
        legend="Users"
        schema={schema}
        draft={users}
        suggestion={schema.suggestion.users}
        disabled={!canEdit}
        onChange={setUsers}
      />

      <div className="max-w-2xl">
        <Expander title="Advanced: map organizations too (B2B billing)" defaultOpen={orgsOn}>
          <OrgsToggle checked={orgsOn} disabled={!canEdit} onChange={setOrgsOn} label="Map organizations">
            When the Stripe customer is an organization (team, workspace, account) rather than a user: pick the
            organizations table and its own Stripe customer column. Its access columns are mapped on step 6.
          </OrgsToggle>
          {members && (
            <p className="text-xs leading-5 text-gray-500">
              Members: {members.reason}
            </p>
          )}
          {orgsOn && (
            <IdentityFields
              legend="Organizations"
              schema={schema}
              draft={orgs}
              suggestion={schema.suggestion.orgs}
              disabled={!canEdit}
              onChange={setOrgs}
            />
          )}
        </Expander>
      </div>

      <SaveAndContinue canEdit={canEdit} save={save} problem={problem} note="ParityRail only reads this table." />
    </form>
  );
}

function IdentityFields({
  legend,
  schema,
  draft,
  suggestion,
  disabled,
  onChange,
}: {
  legend: string;
  schema: DatabaseSchema;
  draft: Draft;
  suggestion: TableSuggestion | undefined;
  disabled: boolean;
  onChange: (d: Draft) => void;
}) {
  const id = useId();
  const table = findTable(schema, draft.table);
  const columns = compatibleColumns(table, 'identity');
  const forTable = suggestionFor(suggestion, table);
  const suggestedBilling = suggestion ? splitBilling(suggestion.mapping.billing_field) : undefined;
  const repair = table ? notRepairable(table) : '';
  const chip = (on: boolean, reason?: string) => (on ? <SuggestedChip reason={reason} /> : null);

  return (
    <fieldset className="max-w-2xl space-y-5">
      <legend className="mb-1 text-sm font-semibold text-gray-900">{legend}</legend>
      <div className="space-y-1.5">
        <Label htmlFor={id + '-billing'} chip={chip(!!forTable && draft.billing === suggestedBilling?.billing)}>
          Billing field (Stripe)
        </Label>
        <Select
          id={id + '-billing'}
          value={draft.billing}
          disabled={disabled}
          aria-describedby={id + '-billing-help'}
          onChange={(e) => onChange({ ...draft, billing: e.target.value })}
          className="font-mono"
        >
          {billingOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </Select>
        <p id={id + '-billing-help'} className="text-xs leading-5 text-gray-500">
          {billingOptions.find((o) => o.value === draft.billing)?.help}
        </p>
      </div>
      {draft.billing === BILLING_METADATA && (
        <TextField
          label="Metadata key"
          value={draft.metadataKey}
          disabled={disabled}
          placeholder="app_user_id"
          autoComplete="off"
          spellCheck={false}
          className="[&_input]:font-mono"
          onChange={(e) => onChange({ ...draft, metadataKey: e.target.value })}
          description={
            <>
              The key on the Stripe customer’s metadata that holds the app’s value, e.g.{' '}
              <code className="font-mono">stripe.customer.metadata.app_user_id</code>.
            </>
          }
        />
      )}
      <div className="grid gap-5 sm:grid-cols-2">
        <div className="min-w-0 space-y-1.5">
          <Label htmlFor={id + '-table'} chip={chip(!!forTable, suggestion?.reasons.table)}>
            App table
          </Label>
          <Select
            id={id + '-table'}
            value={table ? draft.table : ''}
            disabled={disabled}
            onChange={(e) => {
              const t = findTable(schema, e.target.value);
              const s = suggestionFor(suggestion, t);
              // A new table: its suggested column, or the only one that fits.
              const fit = compatibleColumns(t, 'identity');
              const column = s ? s.mapping.identity : fit.length === 1 ? fit[0].name : '';
              onChange({ ...draft, table: e.target.value, column });
            }}
            className={cx(table && 'font-mono')}
          >
            <option value="">Choose a table…</option>
            {schema.tables.map((t) => (
              <option key={tableKey(t)} value={tableKey(t)}>
                {tableKey(t)}
                {t.kind !== 'table' ? ` (${t.kind})` : ''}
              </option>
            ))}
          </Select>
        </div>
        <div className="min-w-0 space-y-1.5">
          <Label
            htmlFor={id + '-column'}
            chip={chip(!!forTable && draft.column === forTable?.mapping.identity, suggestion?.reasons.identity)}
          >
            App column
          </Label>
          <ColumnSelect
            id={id + '-column'}
            columns={columns}
            empty={table ? 'Choose a column…' : 'Choose a table first'}
            value={columns.some((c) => c.name === draft.column) ? draft.column : ''}
            disabled={disabled || !table}
            onChange={(e) => onChange({ ...draft, column: e.target.value })}
          />
        </div>
      </div>
      {forTable?.reasons.identity && draft.column === forTable.mapping.identity && (
        <p className="text-xs leading-5 text-gray-500">{forTable.reasons.identity}</p>
      )}
      {repair && <Notice tone="warning">{repair}</Notice>}
    </fieldset>
  );
}

function Label({ htmlFor, chip, children }: { htmlFor: string; chip: ReactNode; children: ReactNode }) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      <label htmlFor={htmlFor} className="text-sm font-medium text-gray-900">
        {children}
      </label>
      {chip}
    </div>
  );
}
