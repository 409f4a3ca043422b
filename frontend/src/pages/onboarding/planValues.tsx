// Step 5's app plan values: what the app really stores (read by the server
// from the plan column or Clerk metadata), how a Stripe price is matched to
// one of them, and the chips that tell a real app value from a guess.
import * as Tooltip from '@radix-ui/react-tooltip';
import { useQuery } from '@tanstack/react-query';
import { CircleCheck, CircleHelp, Database } from 'lucide-react';
import type { ReactNode } from 'react';
import { api } from '../../api';
import { cx } from '../../components/ui';
import type { AppValue, AppValues, PriceUsage } from '../../types';

export const appValuesKey = (projectId: string) => ['projects', projectId, 'app-values', 'plan'] as const;

/** The plan values the app stores; fetched once per visit, failures are shown only when asked for. */
export function useAppPlanValues(projectId: string, enabled: boolean) {
  return useQuery({
    queryKey: appValuesKey(projectId),
    queryFn: () => api.appValues(projectId, 'plan'),
    enabled,
    retry: false,
  });
}

/** Lowercase words joined by "_": "Pro Plan" and "pro-plan" are both pro_plan. */
export function normalize(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export interface AppValueMatch {
  value: AppValue;
  /** How the price matched, for the chip's explanation, e.g. `its lookup key “pro”`. */
  by: string;
}

type PriceNames = Pick<PriceUsage, 'lookup_key' | 'nickname' | 'product_name'>;

/**
 * The app value a price stands for: one equal to its lookup key, nickname
 * or product name (ignoring case, spaces and dashes), else one that is a
 * whole word of them ("pro" in pro_monthly), the longest such value first so
 * pro_plus wins over pro. Null when nothing in the app fits.
 */
export function matchAppValue(price: PriceNames, values: AppValue[]): AppValueMatch | null {
  const names = (
    [
      ['lookup key', price.lookup_key],
      ['nickname', price.nickname],
      ['product name', price.product_name],
    ] as const
  ).filter(([, n]) => normalize(n ?? ''));
  const usable = values.filter((v) => normalize(v.value));
  for (const [what, name] of names) {
    const v = usable.find((x) => normalize(x.value) === normalize(name));
    if (v) return { value: v, by: `its ${what} “${name}”` };
  }
  const longestFirst = [...usable].sort((a, b) => normalize(b.value).length - normalize(a.value).length);
  for (const [what, name] of names) {
    const words = `_${normalize(name)}_`;
    const v = longestFirst.find((x) => words.includes(`_${normalize(x.value)}_`));
    if (v) return { value: v, by: `a word of its ${what} “${name}”` };
  }
  return null;
}

const basisText = (basis: string) => (basis === 'mapped' ? 'mapped on step 6' : 'suggested, not mapped on step 6 yet');

/** Where the values were read, in words: "public.profiles.plan (mapped on step 6)". */
export function originsText(v: AppValues): string {
  return v.origins
    .map((o) => `${o.where} (${basisText(o.basis)})`)
    .join(' and ');
}

/** What the chip of a row's app value says, derived from the value now in the field. */
export type ValueOrigin =
  | { kind: 'app'; value: AppValue; by?: string }
  | { kind: 'no-plan'; value?: AppValue }
  | { kind: 'guess'; from: string };

export function valueOrigin(
  current: string,
  row: { guess?: string; guess_from?: string; matched_by?: string },
  values: AppValue[] | undefined,
  noPlan: string,
): ValueOrigin | null {
  const v = current.trim();
  if (!v) return null;
  const found = values?.find((x) => x.value === v);
  if (v === noPlan.trim()) return { kind: 'no-plan', value: found };
  if (found) return { kind: 'app', value: found, by: row.matched_by };
  if (row.guess !== undefined && row.guess === v) return { kind: 'guess', from: row.guess_from ?? 'Stripe' };
  return null;
}

function plural(n: number, one: string, many = one + 's') {
  return `${n} ${n === 1 ? one : many}`;
}

/** The longer explanation of a chip: its tooltip, and the input's description for screen readers. */
export function explainOrigin(o: ValueOrigin, data: AppValues | undefined): string {
  const where = data && data.origins.length ? originsText(data) : 'your app';
  switch (o.kind) {
    case 'app':
      return `“${o.value.value}” is stored on ${plural(o.value.count, data?.source === 'clerk' ? 'sampled subject' : 'row')} in ${o.value.where.join(' and ')}${o.by ? `; matched to this price by ${o.by}` : ''}.`;
    case 'no-plan':
      return `“${o.value?.value ?? ''}” is your app value for no paid plan: a paid price cannot map to it. Remove this row if the price grants no paid access, or pick a paid value.`;
    case 'guess':
      return `Guess: no value in ${where} matches this price, so this was made from its ${o.from}. Check what your app stores for this plan, or pick one of its values.`;
  }
}

/** The chip after a row's app value: a real value (with its count), a guess, or the no-plan value. */
export function OriginChip({ origin, explanation, id }: { origin: ValueOrigin; explanation: string; id: string }) {
  const styles = {
    app: 'bg-emerald-50 text-emerald-800 ring-emerald-600/20',
    guess: 'bg-amber-50 text-amber-800 ring-amber-600/30',
    'no-plan': 'bg-gray-100 text-gray-700 ring-gray-300',
  }[origin.kind];
  const Icon = origin.kind === 'app' ? CircleCheck : CircleHelp;
  const label =
    origin.kind === 'app' ? `In your app · ${origin.value.count}` : origin.kind === 'guess' ? 'guess' : 'No paid plan';
  return (
    <>
      <Tooltip.Root>
        <Tooltip.Trigger asChild>
          {/* Focusable, so the explanation reaches keyboards; the input also names it (aria-describedby). */}
          <span
            tabIndex={0}
            data-testid={`value-chip-${origin.kind}`}
            className={cx(
              'inline-flex cursor-help items-center gap-1 rounded-full px-2 py-px text-[11px] font-medium ring-1 ring-inset focus-visible:outline-2 focus-visible:outline-indigo-600',
              styles,
            )}
          >
            <Icon aria-hidden className="size-3" />
            {label}
          </span>
        </Tooltip.Trigger>
        <Tooltip.Portal>
          <Tooltip.Content
            side="bottom"
            sideOffset={4}
            className="z-50 max-w-xs rounded bg-gray-900 px-2.5 py-1.5 text-xs leading-5 text-white shadow"
          >
            {explanation}
            <Tooltip.Arrow className="fill-gray-900" />
          </Tooltip.Content>
        </Tooltip.Portal>
      </Tooltip.Root>
      <span id={id} className="sr-only">
        {explanation}
      </span>
    </>
  );
}

/** The app's values as datalist options: the input offers them with their counts. */
export function AppValuesDatalist({ id, data }: { id: string; data: AppValues | undefined }) {
  if (!data?.items.length) return null;
  const unit = data.source === 'clerk' ? 'sampled' : 'rows';
  return (
    <datalist id={id}>
      {data.items.map((v) => (
        <option key={v.value} value={v.value} label={`${v.count} ${unit} in your app`} />
      ))}
    </datalist>
  );
}

/** Above the rows after "Load from Stripe": which values the app really stores, and where they were read. */
export function AppValuesSummary({ data, error }: { data?: AppValues; error?: string }) {
  let body: ReactNode;
  if (error) {
    body = (
      <p>
        Your app's plan values could not be read: {error} The values filled in below are guesses from Stripe's names.
      </p>
    );
  } else if (!data) {
    return null;
  } else if (!data.origins.length) {
    body = <p>{data.note} The values filled in below are guesses from Stripe's names.</p>;
  } else {
    const unset = data.origins.reduce((n, o) => n + o.unset, 0);
    const sampled = data.origins.find((o) => o.sampled)?.sampled;
    body = (
      <>
        <p>
          Read from{' '}
          {data.origins.map((o, i) => (
            <span key={o.where}>
              {i > 0 && ' and '}
              <code className="font-mono text-xs">{o.where}</code>{' '}
              ({basisText(o.basis)})
            </span>
          ))}
          {sampled ? ` on your ${sampled} most recent Clerk users` : ''}. Rows marked <em>In your app</em> use one of
          these values; rows marked <em>guess</em> match none of them — check those.
        </p>
        {data.items.length ? (
          <ul aria-label="Plan values in your app" className="flex flex-wrap gap-1.5">
            {data.items.map((v) => (
              <li
                key={v.value}
                className="inline-flex items-center gap-1 rounded-md bg-white px-2 py-0.5 text-xs ring-1 ring-inset ring-gray-200"
              >
                <code className="font-mono text-gray-900">{v.value}</code>
                <span className="text-gray-500">{v.count}</span>
              </li>
            ))}
            {unset > 0 && (
              <li className="inline-flex items-center gap-1 rounded-md px-2 py-0.5 text-xs text-gray-500 ring-1 ring-inset ring-gray-200">
                no value <span>{unset}</span>
              </li>
            )}
          </ul>
        ) : (
          <p>No values are set there yet.</p>
        )}
        {data.origins
          .filter((o) => o.warning)
          .map((o) => (
            <p key={o.where} className="text-amber-800">
              {o.warning}
            </p>
          ))}
      </>
    );
  }
  return (
    <div
      data-testid="app-values-summary"
      className="flex items-start gap-2.5 rounded-md border border-gray-200 bg-gray-50 px-3.5 py-3 text-sm text-gray-700"
    >
      <Database aria-hidden className="mt-0.5 size-4 shrink-0 text-gray-400" />
      <div className="min-w-0 flex-1 space-y-2 leading-6 [overflow-wrap:anywhere]">
        <p className="font-medium text-gray-900">Plan values in your app</p>
        {body}
      </div>
    </div>
  );
}

/** What "Load from Stripe" fills in a new row's app value: the app's own value when one matches, else a marked guess. */
export function prefillValue(
  price: PriceUsage,
  values: AppValue[] | undefined,
  guess: (p: PriceUsage) => string,
): { app_value: string; matched_by?: string; guess?: string; guess_from?: string } {
  const m = values ? matchAppValue(price, values) : null;
  if (m) return { app_value: m.value.value, matched_by: m.by };
  const g = guess(price);
  const from = price.lookup_key ? 'lookup key' : price.product_name ? 'product name' : 'nickname';
  return { app_value: g, guess: g, guess_from: from };
}
