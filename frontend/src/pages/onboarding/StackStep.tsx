// Step 1 "Stack": project name, billing source, access-state source.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Lock } from 'lucide-react';
import { useId, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api } from '../../api';
import { cx, Notice, TextField } from '../../components/ui';
import { isDemo } from '../../format';
import type { AccessSource, BillingSource, Project } from '../../types';
import { SaveAndContinue } from './shared';

interface Option<T extends string> {
  value: T;
  label: string;
  description: string;
}

const billingOptions: Option<BillingSource>[] = [
  { value: 'stripe', label: 'Stripe', description: 'Read your Stripe account with a restricted, read-only key.' },
  { value: 'demo', label: 'Demo data', description: 'A built-in sample Stripe account. No account needed.' },
];

const accessOptions: Option<AccessSource>[] = [
  {
    value: 'postgres',
    label: 'Postgres / Supabase',
    description: 'Read the table where your app stores plans and flags, with a read-only role.',
  },
  { value: 'clerk', label: 'Clerk', description: 'Read user and organization metadata with a Clerk secret key.' },
  { value: 'demo', label: 'Demo data', description: 'Built-in sample app state with a gap of every kind.' },
];

function RadioCards<T extends string>({
  legend,
  name,
  options,
  value,
  onChange,
  disabled,
}: {
  legend: string;
  name: string;
  options: Option<T>[];
  value: T | '';
  onChange: (v: T) => void;
  disabled: boolean;
}) {
  const baseId = useId();
  return (
    <fieldset>
      <legend className="text-sm font-medium text-gray-900">{legend}</legend>
      <div className="mt-2 grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {options.map((opt) => {
          const id = `${baseId}-${opt.value}`;
          const checked = value === opt.value;
          return (
            <label
              key={opt.value}
              htmlFor={id}
              className={cx(
                'relative flex gap-3 rounded-lg border bg-white p-3.5 text-sm shadow-xs transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-indigo-600',
                checked ? 'border-indigo-600 ring-1 ring-indigo-600' : 'border-gray-200',
                disabled ? 'cursor-default bg-gray-50' : 'cursor-pointer hover:border-gray-300',
              )}
            >
              <input
                id={id}
                type="radio"
                name={name}
                value={opt.value}
                checked={checked}
                disabled={disabled}
                required
                aria-labelledby={`${id}-label`}
                aria-describedby={`${id}-desc`}
                onChange={() => onChange(opt.value)}
                className="mt-0.5 size-4 shrink-0 accent-indigo-600 focus-visible:outline-none"
              />
              <span>
                <span id={`${id}-label`} className="block font-medium text-gray-900">
                  {opt.label}
                </span>
                <span id={`${id}-desc`} className="mt-0.5 block text-xs leading-5 text-gray-500">
                  {opt.description}
                </span>
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

export function StackStep({
  project,
  canEdit,
  onSaved,
}: {
  project: Project;
  canEdit: boolean;
  onSaved: (p: Project) => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(project.name);
  const [billing, setBilling] = useState<BillingSource | ''>(project.billing_source);
  // The demo's SQL app is "Demo data" here too; saving keeps the app it has.
  const [access, setAccess] = useState<AccessSource | ''>(project.access_source === 'demo_sql' ? 'demo' : project.access_source);
  // Demo data is one world — its app state only matches its own Stripe
  // customers — so choosing it on one side chooses it on the other, and
  // leaving it on one side leaves it on both (the server refuses a mix).
  function chooseBilling(v: BillingSource) {
    setBilling(v);
    if (v === 'demo') setAccess('demo');
    else if (access === 'demo') setAccess('');
  }
  function chooseAccess(v: AccessSource) {
    setAccess(v);
    if (v === 'demo') setBilling('demo');
    else if (billing === 'demo') setBilling('stripe');
  }
  const chosenDemo = billing === 'demo' || access === 'demo';
  const savedDemo = isDemo(project);
  const switching = (project.billing_source !== '' || project.access_source !== '') && chosenDemo !== savedDemo;

  const save = useMutation({
    mutationFn: () =>
      api.saveStack(project.id, {
        name: name.trim(),
        billing_source: billing as BillingSource,
        access_source: (access === 'demo' && project.access_source === 'demo_sql' ? 'demo_sql' : access) as AccessSource,
      }),
    onSuccess: (updated) => {
      queryClient.setQueryData(['projects', project.id], updated);
      queryClient.invalidateQueries({ queryKey: ['projects'], exact: true });
      toast.success('Stack saved');
      onSaved(updated);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (canEdit) save.mutate();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-8">
      {!canEdit && (
        <p className="flex items-start gap-2 rounded-md border border-gray-200 bg-gray-50 px-3 py-2.5 text-sm text-gray-600">
          <Lock aria-hidden className="mt-0.5 size-4 shrink-0 text-gray-400" />
          You can view these choices. Only an admin can change them.
        </p>
      )}
      <TextField
        label="Project name"
        name="name"
        required
        disabled={!canEdit}
        value={name}
        onChange={(e) => setName(e.target.value)}
        className="max-w-md"
      />
      <RadioCards
        legend="Billing source"
        name="billing_source"
        options={billingOptions}
        value={billing}
        onChange={chooseBilling}
        disabled={!canEdit}
      />
      <RadioCards
        legend="Access-state source"
        name="access_source"
        options={accessOptions}
        value={access}
        onChange={chooseAccess}
        disabled={!canEdit}
      />
      {chosenDemo && (
        <Notice title="Demo data covers billing and access state together">
          <p>
            A sample Stripe account and app (Acme Analytics) that disagree in every way ParityRail catches. No keys are
            needed: steps 2 and 3 are already connected and steps 4–6 come pre-filled. A demo project never holds real
            keys.
          </p>
        </Notice>
      )}
      {switching && canEdit && (
        <Notice tone="warning" title="This starts the project over from step 2">
          <p>
            {chosenDemo
              ? 'Switching to demo data removes the keys and mappings saved for your own sources.'
              : 'Switching to your own sources removes the demo mapping; you connect and map them on the next steps.'}
          </p>
        </Notice>
      )}
      <p className="text-xs text-gray-500">
        ParityRail only reads from these sources. Nothing is written anywhere until you turn repairs on in the last
        step.
      </p>
      <SaveAndContinue canEdit={canEdit} save={save} />
    </form>
  );
}
