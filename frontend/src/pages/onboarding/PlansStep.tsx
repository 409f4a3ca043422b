// Step 5 "Plan mapping": which app plan value each Stripe price means. "Load
// from Stripe" prefills rows from the prices found on the account's
// subscriptions (only Subscriptions read is needed; a note says what a
// missing optional read left out); rows are ordered, first = highest tier.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ArrowDown, ArrowUp, CloudDownload, Plus, Trash2 } from 'lucide-react';
import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { toast } from 'sonner';
import { api, errorMessage, fieldErrors } from '../../api';
import { QueryGate } from '../../components/QueryGate';
import { Button, cx, ErrorAlert, inputClass, Notice, TextField } from '../../components/ui';
import type { PlanMapping, PriceUsage } from '../../types';
import {
  AppValuesDatalist,
  AppValuesSummary,
  explainOrigin,
  OriginChip,
  prefillValue,
  useAppPlanValues,
  valueOrigin,
} from './planValues';
import { AdminOnlyNote, refreshProject, SaveAndContinue, useMappings, type StepProps } from './shared';

export const DEFAULT_NO_PLAN = 'free';

/** The app value suggested for a price: its lookup key, else its product name, lowercased. */
export function suggestAppValue(p: Pick<PriceUsage, 'lookup_key' | 'product_name' | 'nickname'>): string {
  const source = p.lookup_key || p.product_name || p.nickname || '';
  return source
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function formatPrice(
  p: Pick<PriceUsage, 'unit_amount' | 'currency' | 'interval'> & Partial<Pick<PriceUsage, 'billing_scheme'>>,
): string {
  if (!p.currency) return '';
  // A tiered price's amount depends on the quantity: its unit_amount is 0.
  if (p.billing_scheme === 'tiered') {
    const tiered = `tiered, ${p.currency.toUpperCase()}`;
    return p.interval ? `${tiered} / ${p.interval}` : tiered;
  }
  let text: string;
  try {
    const fmt = new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency.toUpperCase() });
    const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
    text = fmt.format(p.unit_amount / 10 ** digits);
  } catch {
    text = `${p.unit_amount} ${p.currency.toUpperCase()}`;
  }
  return p.interval ? `${text} / ${p.interval}` : text;
}

function describePrice(p: PriceUsage): string {
  const parts = [p.product_name || p.nickname, formatPrice(p)].filter(Boolean);
  parts.push(
    `${p.active_subscriptions} active of ${p.subscriptions} subscription${p.subscriptions === 1 ? '' : 's'}`,
  );
  return parts.join(' · ');
}

interface Row {
  key: number;
  price_id: string;
  lookup_key: string;
  app_value: string;
  /** How "Load from Stripe" matched the value to one the app stores. */
  matched_by?: string;
  /** The value "Load from Stripe" made up because none in the app matched, and from what. */
  guess?: string;
  guess_from?: string;
}

export function PlansStep(props: StepProps) {
  const mappings = useMappings(props.project.id);
  return (
    <QueryGate query={mappings} loading="Loading the plan mapping…">
      {(m) => <PlansForm {...props} saved={m.plans ?? null} />}
    </QueryGate>
  );
}

function PlansForm({ project, canEdit, saved, goTo }: StepProps & { saved: PlanMapping | null }) {
  const queryClient = useQueryClient();
  const nextKey = useRef(0);
  const newRow = (r: Partial<Omit<Row, 'key'>> = {}): Row => ({
    ...r,
    key: nextKey.current++,
    price_id: r.price_id ?? '',
    lookup_key: r.lookup_key ?? '',
    app_value: r.app_value ?? '',
  });
  const [rows, setRows] = useState<Row[]>(() => (saved?.rows ?? []).map((r) => newRow(r)));
  const [noPlan, setNoPlan] = useState(saved?.no_plan_value || DEFAULT_NO_PLAN);
  const [prices, setPrices] = useState<Map<string, PriceUsage>>(new Map());
  const [loadedNone, setLoadedNone] = useState(false);
  // What the key's missing optional reads left out of the loaded prices.
  const [notes, setNotes] = useState<string[]>([]);
  const appValues = useAppPlanValues(project.id, Boolean(project.access_source));
  const [showAppValues, setShowAppValues] = useState(false);
  const valuesListId = useId();

  const load = useMutation({
    mutationFn: () => api.stripePrices(project.id),
    // The app's own plan values are read alongside, so new rows get values the app really stores.
    onMutate: () => ({ appValues: appValues.refetch() }),
    onSuccess: async (res, _vars, ctx) => {
      const values = (await ctx?.appValues)?.data?.items;
      setShowAppValues(true);
      const found = res.items ?? [];
      setPrices(new Map(found.map((p) => [p.price_id, p])));
      setLoadedNone(found.length === 0);
      setNotes(res.notes ?? []);
      const have = new Set(rows.map((r) => r.price_id.trim()).filter(Boolean));
      const added = found.filter((p) => !have.has(p.price_id));
      // Replace a lone untouched empty row rather than keep it above the prices.
      const base = rows.filter((r) => r.price_id.trim() || r.lookup_key.trim() || r.app_value.trim());
      setRows([
        ...base,
        ...added.map((p) =>
          newRow({ price_id: p.price_id, lookup_key: p.lookup_key, ...prefillValue(p, values, suggestAppValue) }),
        ),
      ]);
      if (found.length === 0) return;
      const n = added.length;
      toast.success(
        n === 0
          ? `All ${found.length} Stripe price${found.length === 1 ? ' is' : 's are'} already in the list`
          : `Loaded ${n} price${n === 1 ? '' : 's'} from Stripe`,
      );
    },
  });

  const save = useMutation({
    mutationFn: () =>
      api.saveMappings(project.id, {
        plans: {
          rows: rows.map((r) => ({
            price_id: r.price_id.trim(),
            ...(r.lookup_key.trim() ? { lookup_key: r.lookup_key.trim() } : {}),
            app_value: r.app_value.trim(),
          })),
          no_plan_value: noPlan.trim(),
        },
      }),
    onSuccess: async () => {
      toast.success('Plan mapping saved');
      await refreshProject(queryClient, project.id);
      goTo(6);
    },
  });

  const update = (key: number, field: keyof Omit<Row, 'key'>, value: string) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, [field]: value } : r)));
  const move = (index: number, by: -1 | 1) =>
    setRows((rs) => {
      const to = index + by;
      if (to < 0 || to >= rs.length) return rs;
      const next = rs.slice();
      [next[index], next[to]] = [next[to], next[index]];
      return next;
    });
  const remove = (key: number) => setRows((rs) => rs.filter((r) => r.key !== key));

  // A rejected row's message shows under its field (plans.rows.<index>.<field>), not only at the bottom.
  const saveError = fieldErrors(save.error);
  const rowError = (index: number, field: keyof PlanRowFields) => saveError.on(`plans.rows.${index}.${field}`);
  const shownAtRow = /^plans\.rows\.\d+\./.test(saveError.field ?? '');

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (canEdit) save.mutate();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-8" aria-label="Plan mapping">
      {!canEdit && <AdminOnlyNote>You can view the plan mapping. Only an admin can change it.</AdminOnlyNote>}

      <section aria-labelledby="plan-rows-title" className="space-y-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="max-w-2xl">
            <h3 id="plan-rows-title" className="text-base font-semibold text-gray-900">
              Stripe prices → app plans
            </h3>
            <p className="mt-1 text-sm leading-6 text-gray-600">
              Map each price to the plan value your app stores. Match by price id, or by lookup key when you rotate
              prices. <strong className="font-medium text-gray-900">The first row is the highest tier</strong>: when a
              customer pays for several prices, the highest row wins.
            </p>
          </div>
          {canEdit && (
            <Button
              variant="secondary"
              busy={load.isPending}
              busyLabel="Loading from Stripe…"
              onClick={() => load.mutate()}
            >
              <CloudDownload aria-hidden className="size-4" />
              Load from Stripe
            </Button>
          )}
        </div>

        {load.isError && <ErrorAlert message={errorMessage(load.error)} />}
        {showAppValues && (
          <AppValuesSummary
            data={appValues.data}
            error={appValues.isError ? errorMessage(appValues.error) : undefined}
          />
        )}
        <AppValuesDatalist id={valuesListId} data={appValues.data} />
        {loadedNone && (
          <Notice>
            No prices were found on this Stripe account's subscriptions yet. Add rows by hand, or load again once
            there are subscriptions.
          </Notice>
        )}

        {notes.length > 0 && (
          <Notice>
            {notes.map((n) => (
              <p key={n}>{n}</p>
            ))}
          </Notice>
        )}

        {rows.length === 0 ? (
          <div className="rounded-lg border border-dashed border-gray-300 px-6 py-8 text-center text-sm text-gray-500">
            No plan rows yet.{' '}
            {canEdit && 'Load them from Stripe, or add one by hand.'}
          </div>
        ) : (
          <div>
            <div
              aria-hidden
              className="hidden grid-cols-[2rem_minmax(0,1.3fr)_minmax(0,1fr)_minmax(0,1fr)_6.5rem] gap-3 px-1 pb-2 text-xs font-medium text-gray-500 sm:grid"
            >
              <span>Tier</span>
              <span>Stripe price id</span>
              <span>Lookup key (optional)</span>
              <span>App plan value</span>
              <span />
            </div>
            <ol className="space-y-3 sm:space-y-2">
              {rows.map((row, i) => {
                const n = i + 1;
                const price = prices.get(row.price_id.trim());
                const hintId = `plan-row-${row.key}-price`;
                const origin = valueOrigin(row.app_value, row, appValues.data?.items, noPlan);
                const originId = `plan-row-${row.key}-origin`;
                return (
                  <li key={row.key}>
                    <fieldset
                      aria-label={`Row ${n}`}
                      className="grid grid-cols-[2rem_minmax(0,1fr)] gap-x-3 gap-y-2 rounded-lg border border-gray-200 p-3 sm:grid-cols-[2rem_minmax(0,1.3fr)_minmax(0,1fr)_minmax(0,1fr)_6.5rem] sm:items-start sm:border-0 sm:p-1"
                    >
                      <span
                        aria-hidden
                        className={cx(
                          'row-span-4 mt-1.5 flex size-7 items-center justify-center rounded-full text-xs font-semibold sm:row-span-1',
                          i === 0 ? 'bg-indigo-600 text-white' : 'bg-gray-100 text-gray-600',
                        )}
                      >
                        {n}
                      </span>
                      <RowInput
                        label="Stripe price id"
                        value={row.price_id}
                        placeholder="price_…"
                        mono
                        disabled={!canEdit}
                        onChange={(v) => update(row.key, 'price_id', v)}
                        describedBy={price ? hintId : undefined}
                        error={rowError(i, 'price_id')}
                      />
                      <RowInput
                        label="Lookup key (optional)"
                        value={row.lookup_key}
                        mono
                        disabled={!canEdit}
                        onChange={(v) => update(row.key, 'lookup_key', v)}
                        error={rowError(i, 'lookup_key')}
                      />
                      <RowInput
                        label="App plan value"
                        value={row.app_value}
                        placeholder="pro"
                        mono
                        disabled={!canEdit}
                        onChange={(v) => update(row.key, 'app_value', v)}
                        list={valuesListId}
                        describedBy={origin ? originId : undefined}
                        error={rowError(i, 'app_value')}
                        after={
                          origin && (
                            <OriginChip origin={origin} id={originId} explanation={explainOrigin(origin, appValues.data)} />
                          )
                        }
                      />
                      {canEdit && (
                        <div className="col-start-2 flex items-center justify-end gap-0.5 sm:col-start-auto sm:mt-1">
                          <IconButton label={`Move row ${n} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                            <ArrowUp aria-hidden className="size-4" />
                          </IconButton>
                          <IconButton
                            label={`Move row ${n} down`}
                            disabled={i === rows.length - 1}
                            onClick={() => move(i, 1)}
                          >
                            <ArrowDown aria-hidden className="size-4" />
                          </IconButton>
                          <IconButton label={`Remove row ${n}`} danger onClick={() => remove(row.key)}>
                            <Trash2 aria-hidden className="size-4" />
                          </IconButton>
                        </div>
                      )}
                      {price && (
                        <p
                          id={hintId}
                          className="col-start-2 text-xs text-gray-500 sm:col-span-3 sm:-mt-1 sm:px-1"
                        >
                          {describePrice(price)}
                        </p>
                      )}
                    </fieldset>
                  </li>
                );
              })}
            </ol>
          </div>
        )}
        {canEdit && (
          <Button variant="ghost" size="sm" onClick={() => setRows((rs) => [...rs, newRow()])}>
            <Plus aria-hidden className="size-4" />
            Add row
          </Button>
        )}
      </section>

      <section aria-labelledby="no-plan-title" className="space-y-3 border-t border-gray-100 pt-8">
        <h3 id="no-plan-title" className="text-base font-semibold text-gray-900">
          No paid plan
        </h3>
        <TextField
          label="App value for no paid plan"
          name="no_plan_value"
          value={noPlan}
          disabled={!canEdit}
          onChange={(e) => setNoPlan(e.target.value)}
          list={valuesListId}
          className="max-w-xs"
          description={
            <>
              What your app stores for someone without a paid plan (default{' '}
              <code className="font-mono">{DEFAULT_NO_PLAN}</code>). Empty and NULL always count as no plan too.
            </>
          }
        />
      </section>

      <SaveAndContinue canEdit={canEdit} save={{ ...save, isError: save.isError && !shownAtRow }} />
    </form>
  );
}

type PlanRowFields = Pick<Row, 'price_id' | 'lookup_key' | 'app_value'>;

function RowInput({
  label,
  value,
  onChange,
  placeholder,
  disabled,
  mono,
  describedBy,
  list,
  error,
  after,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
  disabled?: boolean;
  mono?: boolean;
  describedBy?: string;
  /** A datalist of values to offer. */
  list?: string;
  /** The server's message about this field. */
  error?: string;
  /** Shown under the input (the value's origin chip). */
  after?: ReactNode;
}) {
  const id = useId();
  const errId = id + '-err';
  return (
    <div className="col-start-2 min-w-0 sm:col-start-auto">
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-gray-700 sm:sr-only">
        {label}
      </label>
      <input
        id={id}
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        list={list}
        aria-describedby={[error ? errId : '', describedBy ?? ''].filter(Boolean).join(' ') || undefined}
        aria-invalid={error ? true : undefined}
        className={cx(error ? inputClass.replace('ring-gray-300', 'ring-red-500') : inputClass, mono && 'font-mono')}
      />
      {error && (
        <p id={errId} role="alert" className="mt-1 text-xs font-medium text-red-700">
          {error}
        </p>
      )}
      {after && <div className="mt-1">{after}</div>}
    </div>
  );
}

function IconButton({
  label,
  onClick,
  disabled,
  danger,
  children,
}: {
  label: string;
  onClick: () => void;
  disabled?: boolean;
  danger?: boolean;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      onClick={onClick}
      disabled={disabled}
      className={cx(
        'inline-flex size-8 items-center justify-center rounded-md text-gray-500 hover:bg-gray-100 disabled:cursor-not-allowed disabled:text-gray-300 disabled:hover:bg-transparent',
        danger ? 'hover:text-red-600' : 'hover:text-gray-900',
      )}
    >
      {children}
    </button>
  );
}
