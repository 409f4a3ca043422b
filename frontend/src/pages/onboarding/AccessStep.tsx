// Step 6 "Access mapping": which app fields say who has paid access. For
// Clerk: dropdowns of the metadata keys found by sampling recent users (and
// organizations when enabled), shown as <container>.<key>; a path can also be
// typed by hand (the server validates it).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RefreshCw } from 'lucide-react';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { Button, cx, ErrorAlert, inputClass, LoadingState, Notice } from '../../components/ui';
import type { AccessFields, AccessMapping, DatabaseSchema, Mappings, Project, SchemaTable, TableSuggestion } from '../../types';
import { columnLabel, compatibleColumns, findTable, notRepairable, suggestionFor, tableKey, type PgField } from './postgresSchema';
import {
  AdminOnlyNote,
  FieldRow,
  OrgsToggle,
  QueryGate,
  refreshProject,
  SavedWarnings,
  Select,
  StepFooter,
  StepLink,
  SuggestedChip,
  useMappings,
  useSchema,
  type StepProps,
  ChooseSourceFirst,
  DemoSQLMapped,
} from './shared';

export const CUSTOM = '__custom__';

type FieldKey = keyof AccessFields;

interface FieldSpec {
  key: FieldKey;
  label: string;
  required: boolean;
  example: string;
  why: string;
}

// The user's page, "Field paths, ready to paste": field, example path, required, why.
export const userFieldSpecs: FieldSpec[] = [
  {
    key: 'stripe_customer_id',
    label: 'Stripe customer id',
    required: true,
    example: 'public_metadata.stripe_customer_id',
    why: 'Matches a Clerk user or organization to its Stripe customer — required to reconcile.',
  },
  {
    key: 'plan',
    label: 'Plan',
    required: false,
    example: 'public_metadata.plan',
    why: "The plan value your app stores, compared against the Stripe subscription's plan.",
  },
  {
    key: 'premium',
    label: 'Premium flag',
    required: false,
    example: 'public_metadata.is_premium',
    why: 'A truthy flag marking paid access (true/1/yes/on/premium/active all read as true).',
  },
  {
    key: 'trial_end',
    label: 'Trial end',
    required: false,
    example: 'public_metadata.trial_ends_at',
    why: 'When the trial ends, as an ISO string or epoch, compared against the Stripe trial.',
  },
  {
    key: 'entitlements',
    label: 'Entitlements',
    required: false,
    example: 'public_metadata.entitlements',
    why: "An object of { featureKey: boolean }; its keys become the subject's entitlements.",
  },
];

const orgFieldSpecs: FieldSpec[] = [
  {
    key: 'stripe_customer_id',
    label: 'Stripe customer id',
    required: true,
    example: 'public_metadata.stripe_customer_id',
    why: 'The organization metadata field that holds its Stripe customer id — required to reconcile.',
  },
  {
    key: 'plan',
    label: 'Plan',
    required: false,
    example: 'public_metadata.plan',
    why: 'The plan value stored on the organization, compared against the Stripe subscription’s plan.',
  },
];

/** One mapped field as edited: a path, and whether it was typed by hand. */
interface FieldValue {
  path: string;
  custom: boolean;
}
type FieldValues = Partial<Record<FieldKey, FieldValue>>;

/** Saved paths show as picks: a path missing from the sample is still offered (see PathField). */
function fromSaved(f: AccessFields | null | undefined): FieldValues {
  const out: FieldValues = {};
  for (const [k, v] of Object.entries(f ?? {}) as [FieldKey, string | undefined][]) {
    if (v) out[k] = { path: v, custom: false };
  }
  return out;
}

function toFields(values: FieldValues, specs: FieldSpec[]): AccessFields {
  const out: AccessFields = {};
  for (const s of specs) {
    const path = values[s.key]?.path.trim();
    if (path) out[s.key] = path;
  }
  return out;
}

export const metadataKeysKey = (projectId: string, organizations: boolean) =>
  ['projects', projectId, 'clerk-metadata-keys', organizations ? 'with-organizations' : 'users'] as const;

export function AccessStep({
  project,
  canEdit,
  base,
  goTo,
}: StepProps) {
  if (project.access_source === 'clerk' || project.access_source === 'demo') {
    // The demo app is Clerk-style; its fields come pre-filled from the demo mapping.
    return <ClerkAccess project={project} canEdit={canEdit} goTo={goTo} />;
  }
  if (project.access_source === 'demo_sql') {
    return <DemoSQLMapped project={project} step={6} base={base} goTo={goTo} />;
  }
  if (project.access_source === 'postgres') {
    return <PostgresAccess project={project} canEdit={canEdit} base={base} goTo={goTo} />;
  }
  return <ChooseSourceFirst base={base} />;
}

function ClerkAccess({
  project,
  canEdit,
  goTo,
}: {
  project: Project;
  canEdit: boolean;
  goTo: (step: number) => void;
}) {
  const mappings = useMappings(project.id);
  return (
    <QueryGate query={mappings} loading="Loading the access mapping…">
      {(m) => <ClerkAccessForm project={project} canEdit={canEdit} saved={m.access} goTo={goTo} />}
    </QueryGate>
  );
}

function ClerkAccessForm({
  project,
  canEdit,
  saved,
  goTo,
}: {
  project: Project;
  canEdit: boolean;
  saved: AccessMapping | null;
  goTo: (step: number) => void;
}) {
  const queryClient = useQueryClient();
  const [users, setUsers] = useState<FieldValues>(() => fromSaved(saved?.users));
  const [orgsOn, setOrgsOn] = useState(!!saved?.organizations);
  const [orgs, setOrgs] = useState<FieldValues>(() => fromSaved(saved?.organizations));
  const orgsId = useId();

  // Every request re-samples; "Retry" is a refetch.
  const userKeys = useQuery({
    queryKey: metadataKeysKey(project.id, false),
    queryFn: () => api.clerkMetadataKeys(project.id, false),
    // The server already backs off on Clerk's 429s and 5xx; a failure here is final until Retry.
    retry: false,
  });
  const orgKeys = useQuery({
    queryKey: metadataKeysKey(project.id, true),
    queryFn: () => api.clerkMetadataKeys(project.id, true),
    enabled: orgsOn,
    retry: false,
  });

  const save = useMutation({
    mutationFn: () =>
      api.saveMappings(project.id, {
        access: {
          users: toFields(users, userFieldSpecs),
          ...(orgsOn ? { organizations: toFields(orgs, orgFieldSpecs) } : {}),
          ...(saved?.stripe_entitlements ? { stripe_entitlements: true } : {}),
        },
      }),
    onSuccess: async () => {
      toast.success('Access mapping saved');
      await refreshProject(queryClient, project.id);
      goTo(7);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (canEdit) save.mutate();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-8" aria-labelledby="clerk-access-title">
      <div className="max-w-2xl space-y-2">
        <h3 id="clerk-access-title" className="text-base font-semibold text-gray-900">
          Which Clerk fields say who has paid access?
        </h3>
        <p className="text-sm leading-6 text-gray-600">
          ParityRail samples your recent users and offers the metadata keys it finds. Map at minimum the Stripe
          customer id field and either a plan or premium field. Each path is shaped{' '}
          <code className="font-mono text-xs">&lt;container&gt;.&lt;key&gt;</code>, where the container is{' '}
          <code className="font-mono text-xs">public_metadata</code>,{' '}
          <code className="font-mono text-xs">private_metadata</code> or{' '}
          <code className="font-mono text-xs">unsafe_metadata</code>.
        </p>
      </div>

      {!canEdit && <AdminOnlyNote>You can view the access mapping. Only an admin can change it.</AdminOnlyNote>}

      <SampleStatus
        what="users"
        query={userKeys}
        keys={userKeys.data?.user_keys}
        sampled={userKeys.data?.users_sampled}
        emptyTitle="No metadata keys were found on your Clerk users."
        emptyFix={
          <>
            None of the sampled users have any metadata set yet. Store the Stripe customer id (and plan/premium) in a
            user’s <code className="font-mono text-xs">publicMetadata</code> or{' '}
            <code className="font-mono text-xs">privateMetadata</code> in Clerk, then click Retry — ParityRail
            re-samples your recent users.
          </>
        }
        retryLabel="Retry"
      />

      <fieldset className="space-y-1">
        <legend className="mb-2 text-sm font-semibold text-gray-900">Users</legend>
        <div className="divide-y divide-gray-100 rounded-lg border border-gray-200">
          {userFieldSpecs.map((spec) => (
            <PathField
              key={spec.key}
              spec={spec}
              value={users[spec.key]}
              options={userKeys.data?.user_keys ?? []}
              disabled={!canEdit}
              onChange={(v) => setUsers((f) => ({ ...f, [spec.key]: v }))}
            />
          ))}
        </div>
      </fieldset>

      <section aria-labelledby={orgsId + '-title'} className="space-y-4 border-t border-gray-100 pt-8">
        <h3 id={orgsId + '-title'} className="sr-only">
          Organizations
        </h3>
        <OrgsToggle checked={orgsOn} disabled={!canEdit} onChange={setOrgsOn}>
          For B2B billing, where the Stripe customer is a Clerk organization: map the organization metadata field
          that holds the Stripe customer id and, optionally, the plan.
        </OrgsToggle>

        {orgsOn && (
          <>
            <SampleStatus
              what="organizations"
              query={orgKeys}
              keys={orgKeys.data?.organization_keys}
              sampled={orgKeys.data?.organizations_sampled}
              emptyTitle="No metadata keys were found on your Clerk organizations."
              emptyFix={
                <>
                  None of the sampled organizations have public or private metadata set yet. Store the Stripe customer
                  id on the organization in Clerk, then sample again.
                </>
              }
              retryLabel="Sample organizations again"
            />
            <fieldset>
              <legend className="mb-2 text-sm font-semibold text-gray-900">Organizations</legend>
              <div className="divide-y divide-gray-100 rounded-lg border border-gray-200">
                {orgFieldSpecs.map((spec) => (
                  <PathField
                    key={spec.key}
                    spec={spec}
                    value={orgs[spec.key]}
                    options={orgKeys.data?.organization_keys ?? []}
                    disabled={!canEdit}
                    onChange={(v) => setOrgs((f) => ({ ...f, [spec.key]: v }))}
                  />
                ))}
              </div>
            </fieldset>
          </>
        )}
      </section>

      {save.isError && <ErrorAlert message={errorMessage(save.error)} />}
      {canEdit && (
        <StepFooter note="Nothing is ever written to Clerk.">
          <Button type="submit" busy={save.isPending} busyLabel="Saving…">
            Save and continue
          </Button>
        </StepFooter>
      )}
    </form>
  );
}

/** Where the dropdown options come from: the sample, its empty state, or its error. */
function SampleStatus({
  what,
  query,
  keys,
  sampled,
  emptyTitle,
  emptyFix,
  retryLabel,
}: {
  what: 'users' | 'organizations';
  query: { isPending: boolean; isFetching: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  keys: string[] | undefined;
  sampled: number | undefined;
  emptyTitle: string;
  emptyFix: ReactNode;
  retryLabel: string;
}) {
  const retry = (
    <Button
      variant="secondary"
      size="sm"
      busy={query.isFetching}
      busyLabel="Sampling…"
      onClick={() => query.refetch()}
    >
      <RefreshCw aria-hidden className="size-3.5" />
      {retryLabel}
    </Button>
  );
  if (query.isPending && query.isFetching) {
    return <LoadingState label={`Sampling your recent Clerk ${what}…`} />;
  }
  if (query.isError) {
    return (
      <div className="space-y-3">
        <ErrorAlert message={errorMessage(query.error)} />
        {retry}
      </div>
    );
  }
  if (!keys) return null;
  if (keys.length === 0) {
    return (
      <Notice tone="warning" title={emptyTitle}>
        <p>{emptyFix}</p>
        {sampled === 0 && <p>ParityRail sampled 0 {what}: this Clerk instance has none yet.</p>}
        <p>You can still type a path by hand below.</p>
        <div className="pt-2">{retry}</div>
      </Notice>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm text-gray-600" role="status">
      <span>
        Sampled {sampled} recent {sampled === 1 ? what.replace(/s$/, '') : what}: {keys.length} metadata key
        {keys.length === 1 ? '' : 's'} found.
      </span>
      <Button
        variant="ghost"
        size="sm"
        busy={query.isFetching}
        busyLabel="Sampling…"
        onClick={() => query.refetch()}
      >
        <RefreshCw aria-hidden className="size-3.5" />
        Sample again
      </Button>
    </div>
  );
}

function PathField({
  spec,
  value,
  options,
  disabled,
  onChange,
}: {
  spec: FieldSpec;
  value: FieldValue | undefined;
  options: string[];
  disabled: boolean;
  onChange: (v: FieldValue) => void;
}) {
  const path = value?.path ?? '';
  const custom = value?.custom ?? false;
  // A saved path not in this sample still shows, as itself.
  const all = path && !custom && !options.includes(path) ? [path, ...options] : options;
  const selectValue = custom ? CUSTOM : path;
  return (
    <FieldRow
      label={spec.label}
      required={spec.required}
      why={
        <>
          {spec.why} e.g. <code className="break-all font-mono">{spec.example}</code>
        </>
      }
    >
      {({ id, describedBy }) => (
        <>
          <Select
            id={id}
            value={selectValue}
            disabled={disabled}
            aria-describedby={describedBy}
            onChange={(e) => {
              const v = e.target.value;
              onChange(v === CUSTOM ? { path: custom ? path : '', custom: true } : { path: v, custom: false });
            }}
            className={cx(selectValue && selectValue !== CUSTOM && 'font-mono')}
          >
            <option value="">{spec.required ? 'Choose a field…' : 'Not mapped'}</option>
            {all.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
            <option value={CUSTOM}>Type a path…</option>
          </Select>
          {custom && (
            <div>
              <label htmlFor={id + '-path'} className="sr-only">
                Path for {spec.label}
              </label>
              <input
                id={id + '-path'}
                value={path}
                disabled={disabled}
                placeholder={spec.example}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => onChange({ path: e.target.value, custom: true })}
                className={cx(inputClass, 'font-mono')}
              />
            </div>
          )}
        </>
      )}
    </FieldRow>
  );
}

// --- Postgres / Supabase: column pickers from the mapped table ---

type PgAccessField = Extract<PgField, 'plan' | 'premium' | 'trial_end' | 'entitlements' | 'email' | 'name'>;

interface ColumnSpec {
  key: PgAccessField;
  label: string;
  required: boolean | string;
  why: string;
}

const PLAN_OR_PREMIUM = 'Plan or premium';

export const columnSpecs: ColumnSpec[] = [
  {
    key: 'plan',
    label: 'Plan',
    required: PLAN_OR_PREMIUM,
    why: "The plan value your app stores (text or an enum), compared against the Stripe subscription's plan.",
  },
  {
    key: 'premium',
    label: 'Premium flag',
    required: PLAN_OR_PREMIUM,
    why: 'A boolean marking paid access (text or integer columns holding true/1/yes/on/premium/active also work).',
  },
  {
    key: 'trial_end',
    label: 'Trial end',
    required: false,
    why: 'When the trial ends (timestamptz, timestamp, date, ISO-8601 text or a bigint epoch), compared against the Stripe trial.',
  },
  {
    key: 'entitlements',
    label: 'Entitlements',
    required: false,
    why: 'A jsonb object {"feature": true} or a text[] of feature keys.',
  },
  {
    key: 'email',
    label: 'Email',
    required: false,
    why: 'Only read to label incidents, so you can tell whose row it is.',
  },
  {
    key: 'name',
    label: 'Name',
    required: false,
    why: 'Only read to label incidents.',
  },
];

const orgColumnSpecs = columnSpecs.filter((s) => s.key !== 'email');

type Columns = Partial<Record<PgAccessField, string>>;

/**
 * The columns to start from: the saved ones that still fit the table, else
 * the schema's suggestion for this table.
 */
function initialColumns(
  table: SchemaTable,
  saved: AccessFields | null | undefined,
  suggestion: TableSuggestion | undefined,
  specs: ColumnSpec[],
): Columns {
  const fits = (field: PgAccessField, col: string | undefined) =>
    !!col && compatibleColumns(table, field).some((c) => c.name === col);
  const out: Columns = {};
  const hasSaved = specs.some((s) => fits(s.key, saved?.[s.key]));
  for (const s of specs) {
    const v = hasSaved ? saved?.[s.key] : suggestion?.mapping[s.key];
    if (fits(s.key, v)) out[s.key] = v;
  }
  return out;
}

function toAccessFields(cols: Columns, specs: ColumnSpec[]): AccessFields {
  const out: AccessFields = {};
  for (const s of specs) if (cols[s.key]) out[s.key] = cols[s.key];
  return out;
}

function PostgresAccess({
  project,
  canEdit,
  base,
  goTo,
}: StepProps) {
  const mappings = useMappings(project.id);
  const schema = useSchema(project.id);
  return (
    <QueryGate query={mappings} loading="Loading the access mapping…">
      {(m) =>
        !m.identity?.table ? (
          <Notice tone="warning" title="Map the app table first">
            Step 6 offers the columns of the table you match customers to. Choose it on{' '}
            <StepLink base={base} step={4}>
              step 4 (Identity mapping)
            </StepLink>
            .
          </Notice>
        ) : (
          <QueryGate query={schema} loading="Reading your database schema…">
            {(sch) => (
              <PostgresAccessForm
                project={project}
                canEdit={canEdit}
                base={base}
                saved={m}
                schema={sch}
                goTo={goTo}
              />
            )}
          </QueryGate>
        )
      }
    </QueryGate>
  );
}

function PostgresAccessForm({
  project,
  canEdit,
  base,
  saved,
  schema,
  goTo,
}: {
  project: Project;
  canEdit: boolean;
  base: string;
  saved: Mappings;
  schema: DatabaseSchema;
  goTo: (step: number) => void;
}) {
  const queryClient = useQueryClient();
  const usersTable = findTable(schema, saved.identity?.table);
  const orgsTable = findTable(schema, saved.identity?.organizations?.table);
  const userSuggestion = suggestionFor(schema.suggestion.users, usersTable);
  const orgSuggestion = suggestionFor(schema.suggestion.orgs, orgsTable);
  const [users, setUsers] = useState<Columns>(() =>
    usersTable ? initialColumns(usersTable, saved.access?.users, userSuggestion, columnSpecs) : {},
  );
  const [orgs, setOrgs] = useState<Columns>(() =>
    orgsTable ? initialColumns(orgsTable, saved.access?.organizations, orgSuggestion, orgColumnSpecs) : {},
  );
  const [missing, setMissing] = useState<string | null>(null);
  const [warnings, setWarnings] = useState<string[] | null>(null);

  const save = useMutation({
    mutationFn: () =>
      api.saveMappings(project.id, {
        access: {
          users: toAccessFields(users, columnSpecs),
          ...(orgsTable ? { organizations: toAccessFields(orgs, orgColumnSpecs) } : {}),
          ...(saved.access?.stripe_entitlements ? { stripe_entitlements: true } : {}),
        },
      }),
    onSuccess: async (res) => {
      toast.success('Access mapping saved');
      await refreshProject(queryClient, project.id);
      if (res.warnings?.length) setWarnings(res.warnings);
      else goTo(7);
    },
  });

  if (!usersTable) {
    return (
      <Notice tone="warning" title={`The table ${saved.identity?.table} is not readable any more`}>
        The read-only role cannot see it (renamed, dropped, or its SELECT grant revoked). Choose the table again on{' '}
        <StepLink base={base} step={4}>
          step 4 (Identity mapping)
        </StepLink>
        , or grant SELECT on it and reload.
      </Notice>
    );
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!canEdit) return;
    const need = (cols: Columns, t: SchemaTable) =>
      !cols.plan && !cols.premium ? `Map the plan or the premium flag of ${tableKey(t)}: they say who has paid access.` : null;
    const msg = need(users, usersTable!) ?? (orgsTable ? need(orgs, orgsTable) : null);
    setMissing(msg);
    if (!msg) save.mutate();
  }

  if (warnings) return <SavedWarnings warnings={warnings} onContinue={() => goTo(7)} />;

  return (
    <form onSubmit={onSubmit} className="space-y-8" aria-labelledby="pg-access-title">
      <div className="max-w-2xl space-y-2">
        <h3 id="pg-access-title" className="text-base font-semibold text-gray-900">
          Which columns say who has paid access?
        </h3>
        <p className="text-sm leading-6 text-gray-600">
          Pick the columns your app reads. Only columns of a fitting type are offered. Map at least the plan or the
          premium flag; these are also the only columns a repair may ever write.
        </p>
      </div>

      {!canEdit && <AdminOnlyNote>You can view the access mapping. Only an admin can change it.</AdminOnlyNote>}

      <ColumnFieldset
        legend="Users"
        table={usersTable}
        specs={columnSpecs}
        values={users}
        suggestion={userSuggestion}
        disabled={!canEdit}
        onChange={setUsers}
      />
      {orgsTable ? (
        <ColumnFieldset
          legend="Organizations"
          table={orgsTable}
          specs={orgColumnSpecs}
          values={orgs}
          suggestion={orgSuggestion}
          disabled={!canEdit}
          onChange={setOrgs}
        />
      ) : (
        <p className="max-w-2xl text-xs leading-5 text-gray-500">
          Organizations are not mapped. For B2B billing, map an organizations table under “Advanced” on{' '}
          <StepLink base={base} step={4}>
            step 4
          </StepLink>{' '}
          first.
        </p>
      )}

      {missing && <ErrorAlert message={missing} />}
      {save.isError && <ErrorAlert message={errorMessage(save.error)} />}
      {canEdit && (
        <StepFooter note="ParityRail only reads these columns.">
          <Button type="submit" busy={save.isPending} busyLabel="Saving…">
            Save and continue
          </Button>
        </StepFooter>
      )}
    </form>
  );
}

function ColumnFieldset({
  legend,
  table,
  specs,
  values,
  suggestion,
  disabled,
  onChange,
}: {
  legend: string;
  table: SchemaTable;
  specs: ColumnSpec[];
  values: Columns;
  suggestion: TableSuggestion | undefined;
  disabled: boolean;
  onChange: (update: (c: Columns) => Columns) => void;
}) {
  const repair = notRepairable(table);
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-semibold text-gray-900">{legend}</legend>
      <p className="text-xs text-gray-500">
        Columns of <code className="font-mono">{tableKey(table)}</code>
      </p>
      {repair && <Notice tone="warning">{repair}</Notice>}
      <div className="divide-y divide-gray-100 rounded-lg border border-gray-200">
        {specs.map((spec) => {
          const options = compatibleColumns(table, spec.key);
          const value = values[spec.key] ?? '';
          const suggested = suggestion?.mapping[spec.key];
          return (
            <FieldRow
              key={spec.key}
              label={spec.label}
              required={spec.required}
              why={spec.why}
              chip={value && value === suggested ? <SuggestedChip reason={suggestion?.reasons[spec.key]} /> : null}
            >
              {({ id, describedBy }) => (
                <Select
                  id={id}
                  value={value}
                  disabled={disabled}
                  aria-describedby={describedBy}
                  onChange={(e) => onChange((c) => ({ ...c, [spec.key]: e.target.value || undefined }))}
                  className={cx(value && 'font-mono')}
                >
                  <option value="">{options.length ? 'Not mapped' : 'No column of a fitting type'}</option>
                  {options.map((c) => (
                    <option key={c.name} value={c.name}>
                      {columnLabel(c)}
                    </option>
                  ))}
                </Select>
              )}
            </FieldRow>
          );
        })}
      </div>
    </fieldset>
  );
}
