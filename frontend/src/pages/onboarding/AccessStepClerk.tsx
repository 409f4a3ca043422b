// Step 6 for Clerk (and the Clerk-style demo app): dropdowns of the metadata
// keys found by sampling recent users (and organizations when enabled),
// shown as <container>.<key>; a path can also be typed by hand (the server
// validates it).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RefreshCw } from 'lucide-react';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { QueryGate } from '../../components/QueryGate';
import { Button, cx, ErrorAlert, inputClass, LoadingState, Notice, type ButtonProps } from '../../components/ui';
import type { AccessFields, AccessMapping } from '../../types';
import {
  FieldRow,
  FormIntro,
  metadataKeysKey,
  OrgsToggle,
  refreshProject,
  SaveAndContinue,
  Select,
  useMappings,
  type StepProps,
} from './shared';

/** The select's value for "Type a path…". */
const CUSTOM = '__custom__';

type FieldKey = keyof AccessFields;

interface FieldSpec {
  key: FieldKey;
  label: string;
  required: boolean;
  example: string;
  why: string;
}

// The user's page, "Field paths, ready to paste": field, example path, required, why.
const userFieldSpecs: FieldSpec[] = [
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

export function ClerkAccess(props: StepProps) {
  const mappings = useMappings(props.project.id);
  return (
    <QueryGate query={mappings} loading="Loading the access mapping…">
      {(m) => <ClerkAccessForm {...props} saved={m.access ?? null} />}
    </QueryGate>
  );
}

function ClerkAccessForm({ project, canEdit, saved, goTo }: StepProps & { saved: AccessMapping | null }) {
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
      <FormIntro
        id="clerk-access-title"
        title="Which Clerk fields say who has paid access?"
        what="access mapping"
        canEdit={canEdit}
      >
        ParityRail samples your recent users and offers the metadata keys it finds. Map at minimum the Stripe
        customer id field and either a plan or premium field. Each path is shaped{' '}
        <code className="font-mono text-xs">&lt;container&gt;.&lt;key&gt;</code>, where the container is{' '}
        <code className="font-mono text-xs">public_metadata</code>,{' '}
        <code className="font-mono text-xs">private_metadata</code> or{' '}
        <code className="font-mono text-xs">unsafe_metadata</code>.
      </FormIntro>

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

      <PathFieldset
        legend="Users"
        className="space-y-1"
        specs={userFieldSpecs}
        values={users}
        options={userKeys.data?.user_keys ?? []}
        disabled={!canEdit}
        onChange={setUsers}
      />

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
            <PathFieldset
              legend="Organizations"
              specs={orgFieldSpecs}
              values={orgs}
              options={orgKeys.data?.organization_keys ?? []}
              disabled={!canEdit}
              onChange={setOrgs}
            />
          </>
        )}
      </section>

      <SaveAndContinue canEdit={canEdit} save={save} note="Nothing is ever written to Clerk." />
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
  const sampleAgain = (variant: ButtonProps['variant'], label: string) => (
    <Button variant={variant} size="sm" busy={query.isFetching} busyLabel="Sampling…" onClick={() => query.refetch()}>
      <RefreshCw aria-hidden className="size-3.5" />
      {label}
    </Button>
  );
  const retry = sampleAgain('secondary', retryLabel);
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
      {sampleAgain('ghost', 'Sample again')}
    </div>
  );
}

/** The Users or Organizations fields: one PathField per spec, all choosing from the sampled keys. */
function PathFieldset({
  legend,
  className,
  specs,
  values,
  options,
  disabled,
  onChange,
}: {
  legend: string;
  className?: string;
  specs: FieldSpec[];
  values: FieldValues;
  options: string[];
  disabled: boolean;
  onChange: (update: (f: FieldValues) => FieldValues) => void;
}) {
  return (
    <fieldset className={className}>
      <legend className="mb-2 text-sm font-semibold text-gray-900">{legend}</legend>
      <div className="divide-y divide-gray-100 rounded-lg border border-gray-200">
        {specs.map((spec) => (
          <PathField
            key={spec.key}
            spec={spec}
            value={values[spec.key]}
            options={options}
            disabled={disabled}
            onChange={(v) => onChange((f) => ({ ...f, [spec.key]: v }))}
          />
        ))}
      </div>
    </fieldset>
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
