// Step 6 for Postgres / Supabase: column pickers over the table mapped on
// step 4, offering only columns of a fitting type.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api } from '../../api';
import { QueryGate } from '../../components/QueryGate';
import { Notice } from '../../components/ui';
import type { AccessFields, DatabaseSchema, Mappings, SchemaTable, TableSuggestion } from '../../types';
import { compatibleColumns, findTable, notRepairable, suggestionFor, tableKey, type PgField } from './postgresSchema';
import {
  ColumnSelect,
  FieldRow,
  FormIntro,
  refreshProject,
  SaveAndContinue,
  SavedWarnings,
  StepLink,
  SuggestedChip,
  useMappings,
  useSchema,
  type StepProps,
} from './shared';

type PgAccessField = Extract<PgField, 'plan' | 'premium' | 'trial_end' | 'entitlements' | 'email' | 'name'>;

interface ColumnSpec {
  key: PgAccessField;
  label: string;
  required: boolean | string;
  why: string;
}

const PLAN_OR_PREMIUM = 'Plan or premium';

const columnSpecs: ColumnSpec[] = [
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

export function PostgresAccess({ project, canEdit, base, goTo }: StepProps) {
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
}: StepProps & { saved: Mappings; schema: DatabaseSchema }) {
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
      <FormIntro
        id="pg-access-title"
        title="Which columns say who has paid access?"
        what="access mapping"
        canEdit={canEdit}
      >
        Pick the columns your app reads. Only columns of a fitting type are offered. Map at least the plan or the
        premium flag; these are also the only columns a repair may ever write.
      </FormIntro>

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

      <SaveAndContinue canEdit={canEdit} save={save} problem={missing} note="ParityRail only reads these columns." />
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
                <ColumnSelect
                  id={id}
                  columns={options}
                  empty={options.length ? 'Not mapped' : 'No column of a fitting type'}
                  value={value}
                  disabled={disabled}
                  aria-describedby={describedBy}
                  onChange={(e) => onChange((c) => ({ ...c, [spec.key]: e.target.value || undefined }))}
                />
              )}
            </FieldRow>
          );
        })}
      </div>
    </fieldset>
  );
}
