// Pieces the incident and customer pages share: who a subject is, expected
// beside actual, what Stripe promises, and the Access Ledger read as
// sentences.
import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { CopyButton, cx } from '../../components/ui';
import { formatDate, formatDateTime } from '../../format';
import type { AppSubject, BillingPromise, FieldDiff, SubjectRef, SubscriptionVerdict } from '../../types';

/** The words for a subject: email, else name, else id. */
export function subjectText(s: SubjectRef | AppSubject | null | undefined): string {
  if (!s) return '—';
  return s.email || s.name || s.id;
}

export const subjectKindLabel: Record<string, string> = {
  user: 'Clerk user',
  organization: 'Clerk organization',
  row: 'App row',
};

/** An id in monospace that links somewhere, with its own copy button. */
export function IdLink({ to, value, what = 'Id' }: { to: string; value: string; what?: string }) {
  return (
    <span className="inline-flex min-w-0 items-center gap-1">
      <Link to={to} className="truncate font-mono text-xs text-indigo-700 hover:underline">
        {value}
      </Link>
      <CopyButton value={value} iconOnly label={`Copy ${what.toLowerCase()}`} what={what} />
    </span>
  );
}

export function customerPath(projectId: string, customerId: string) {
  return `/projects/${encodeURIComponent(projectId)}/customers/${encodeURIComponent(customerId)}`;
}

export function incidentPath(projectId: string, incidentId: string) {
  return `/projects/${encodeURIComponent(projectId)}/incidents/${encodeURIComponent(incidentId)}`;
}

export const fieldLabel: Record<string, string> = {
  plan: 'Plan',
  premium: 'Premium flag',
  trial_end: 'Trial end',
  entitlements: 'Entitlements',
  grants: 'Paid access',
};

function FieldValueText({ text, unknown }: { text: string; unknown?: boolean }) {
  if (unknown) return <span className="italic text-gray-500">unknown (unmapped price)</span>;
  if (text === '') return <span className="italic text-gray-500">not set</span>;
  return <code className="break-all font-mono text-xs">{text}</code>;
}

export interface ComparedField {
  field: string;
  path?: string;
  expected: string;
  expectedUnknown?: boolean;
  actual: string;
  differs: boolean;
}

/**
 * Expected (what Stripe promises) beside actual (what the app grants), one
 * row per field; a differing row is tinted and says so in words.
 */
export function FieldComparison({ fields, caption, past = false }: { fields: ComparedField[]; caption: string; past?: boolean }) {
  if (fields.length === 0) {
    return <p className="text-sm text-gray-500">No mapped fields to compare.</p>;
  }
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr className="border-b border-gray-200 text-left text-xs font-medium uppercase tracking-wide text-gray-500">
            <th scope="col" className="py-2 pr-4">
              Field
            </th>
            <th scope="col" className="py-2 pr-4">
              Stripe promises
            </th>
            <th scope="col" className="py-2 pr-4">
              App grants
            </th>
            <th scope="col" className="py-2">
              <span className="sr-only">Match</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr
              key={f.field + (f.path ?? '')}
              className={cx('border-b border-gray-100 last:border-0', f.differs && (past ? 'bg-gray-50' : 'bg-red-50/70'))}
              data-differs={f.differs || undefined}
            >
              <th scope="row" className="py-2 pl-2 pr-4 text-left align-top font-medium text-gray-900">
                {fieldLabel[f.field] ?? f.field}
                {f.path && <div className="font-mono text-xs font-normal text-gray-500">{f.path}</div>}
              </th>
              <td className="py-2 pr-4 align-top text-gray-900">
                <FieldValueText text={f.expected} unknown={f.expectedUnknown} />
              </td>
              <td className={cx('py-2 pr-4 align-top', f.differs && !past ? 'font-medium text-red-800' : 'text-gray-900')}>
                <FieldValueText text={f.actual} />
              </td>
              <td className="py-2 pr-2 align-top text-xs">
                {f.differs ? (
                  <span className={past ? 'text-gray-600' : 'font-medium text-red-700'}>{past ? 'Differed' : 'Differs'}</span>
                ) : (
                  <span className="text-emerald-700">Matches</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function diffsToCompared(fields: FieldDiff[]): ComparedField[] {
  return fields.map((f) => ({
    field: f.field,
    path: f.path,
    expected: f.expected_text,
    expectedUnknown: f.expected_unknown,
    actual: f.actual_text,
    differs: true,
  }));
}

/** A subject's mapped fields as read, compared with the promise. */
export function compareSubject(subject: AppSubject, promise: BillingPromise | null, diffs: FieldDiff[]): ComparedField[] {
  const out: ComparedField[] = [];
  const byField = new Map(diffs.map((d) => [d.field, d]));
  const expectedOf = (field: string): string => {
    if (!promise) return '';
    switch (field) {
      case 'plan':
        return promise.grants ? promise.plan : '';
      case 'premium':
        return promise.grants && promise.premium ? 'true' : 'false';
      case 'trial_end':
        return promise.trial && promise.trial_end ? promise.trial_end : '';
      case 'entitlements':
        return (promise.features ?? []).join(', ');
    }
    return '';
  };
  for (const field of ['plan', 'premium', 'trial_end', 'entitlements'] as const) {
    const v = subject.fields[field];
    const d = byField.get(field);
    if (!v && !d) continue;
    out.push({
      field,
      path: v?.path ?? d?.path,
      expected: d ? d.expected_text : expectedOf(field),
      expectedUnknown: d?.expected_unknown,
      actual: d ? d.actual_text : (v?.text ?? (v?.raw === undefined || v?.raw === null ? '' : JSON.stringify(v.raw))),
      differs: !!d,
    });
  }
  for (const d of diffs) {
    if (!out.some((o) => o.field === d.field)) out.push(...diffsToCompared([d]));
  }
  return out;
}

/** The key a finding uses for a subject ("user:user_1", "row:public.users#42"). */
export function subjectKeyOf(s: AppSubject): string {
  return s.kind === 'row' ? `row:${s.table ?? ''}#${s.id}` : `${s.kind}:${s.id}`;
}

function Term({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium uppercase tracking-wide text-gray-500">{label}</dt>
      <dd className="mt-0.5 break-words text-sm text-gray-900">{children}</dd>
    </div>
  );
}

export function TermList({ children }: { children: ReactNode }) {
  return <dl className="grid grid-cols-1 gap-x-6 gap-y-3 sm:grid-cols-2 lg:grid-cols-3">{children}</dl>;
}
export { Term };

/** What Stripe promises this customer, with every subscription's verdict. */
export function PromiseDetails({ promise }: { promise: BillingPromise }) {
  return (
    <div className="space-y-4">
      <TermList>
        <Term label="Paid access">
          {promise.grants ? 'Granted' : promise.pending ? 'Pending (payment in progress)' : 'Not granted'}
        </Term>
        <Term label="Plan">
          {promise.grants ? (
            promise.plan_known ? (
              <code className="font-mono text-xs">{promise.plan || '—'}</code>
            ) : (
              <span className="italic text-gray-600">unknown (unmapped price)</span>
            )
          ) : (
            '—'
          )}
        </Term>
        <Term label="Trial">{promise.trial ? `Until ${formatDateTime(promise.trial_end)}` : 'No trial'}</Term>
        {(promise.features?.length ?? 0) > 0 && <Term label="Entitlements">{promise.features!.join(', ')}</Term>}
        <Term label="Why">{promise.reason || '—'}</Term>
        {promise.customer?.email && <Term label="Billing email">{promise.customer.email}</Term>}
      </TermList>
      <SubscriptionsTable subscriptions={promise.subscriptions ?? []} />
    </div>
  );
}

export function SubscriptionsTable({ subscriptions }: { subscriptions: SubscriptionVerdict[] }) {
  if (subscriptions.length === 0) {
    return <p className="text-sm text-gray-500">No subscriptions on this customer.</p>;
  }
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm">
        <caption className="sr-only">Subscriptions</caption>
        <thead>
          <tr className="border-b border-gray-200 text-left text-xs font-medium uppercase tracking-wide text-gray-500">
            <th scope="col" className="py-2 pr-4">Subscription</th>
            <th scope="col" className="py-2 pr-4">Status</th>
            <th scope="col" className="py-2 pr-4">Price → plan</th>
            <th scope="col" className="py-2 pr-4">Trial / period ends</th>
            <th scope="col" className="py-2">Latest invoice</th>
          </tr>
        </thead>
        <tbody>
          {subscriptions.map((s) => (
            <tr key={s.id} className="border-b border-gray-100 align-top last:border-0">
              <td className="py-2 pr-4">
                <code className="font-mono text-xs text-gray-700">{s.id}</code>
                <div className="mt-0.5 text-xs text-gray-500">
                  {s.grants ? 'Grants access' : s.pending ? 'Pending' : 'No access'}
                  {s.reason ? ` — ${s.reason}` : ''}
                </div>
              </td>
              <td className="py-2 pr-4 capitalize text-gray-900">
                {s.status.replace(/_/g, ' ')}
                {s.cancel_at_period_end && <div className="text-xs normal-case text-gray-500">cancels at period end</div>}
                {s.pause_collection && <div className="text-xs normal-case text-gray-500">collection paused</div>}
              </td>
              <td className="py-2 pr-4">
                {s.prices.map((p) => (
                  <div key={p.price_id} className="whitespace-nowrap">
                    <code className="font-mono text-xs text-gray-700">{p.lookup_key || p.price_id}</code>
                    {' → '}
                    {p.mapped ? (
                      <code className="font-mono text-xs text-gray-900">{p.plan || '—'}</code>
                    ) : (
                      <span className="text-xs italic text-amber-700">not mapped</span>
                    )}
                  </div>
                ))}
              </td>
              <td className="py-2 pr-4 text-gray-700">
                {s.trial_end && <div>Trial: {formatDate(s.trial_end)}</div>}
                {s.current_period_end && <div>Period: {formatDate(s.current_period_end)}</div>}
                {!s.trial_end && !s.current_period_end && '—'}
              </td>
              <td className="py-2 text-gray-700">
                {s.latest_invoice_id ? (
                  <>
                    <code className="font-mono text-xs">{s.latest_invoice_id}</code>
                    {s.latest_invoice_status && <div className="text-xs capitalize">{s.latest_invoice_status}</div>}
                    {s.revoked && (
                      <div className="text-xs text-red-700" data-testid="revoked">
                        {s.revoked.dispute_id
                          ? `Dispute ${s.revoked.dispute_id} (${s.revoked.status ?? 'open'})`
                          : `Refund ${s.revoked.refund_id ?? 'on ' + s.revoked.charge_id}`}{' '}
                        of {minorMoney(s.revoked.amount, s.revoked.currency)} ends access
                      </div>
                    )}
                  </>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** An app subject's mapped values exactly as read. */
export function SubjectAsRead({ subject }: { subject: AppSubject }) {
  const fields = Object.entries(subject.fields).filter(([, v]) => v);
  return (
    <div className="space-y-3">
      <TermList>
        <Term label="Kind">{subjectKindLabel[subject.kind] ?? subject.kind}</Term>
        <Term label="Id">
          <code className="break-all font-mono text-xs">{subject.table ? `${subject.table}#${subject.id}` : subject.id}</code>
        </Term>
        {subject.email && <Term label="Email">{subject.email}</Term>}
        {subject.name && <Term label="Name">{subject.name}</Term>}
        {subject.customer_id && <Term label="Stripe customer id it names">{subject.customer_id}</Term>}
      </TermList>
      {fields.length > 0 && (
        <ul className="divide-y divide-gray-100 rounded-md border border-gray-200 text-sm">
          {fields.map(([name, v]) => (
            <li key={name} className="flex flex-wrap items-baseline justify-between gap-2 px-3 py-2">
              <span>
                <span className="font-medium text-gray-900">{fieldLabel[name] ?? name}</span>{' '}
                <code className="font-mono text-xs text-gray-500">{v!.path}</code>
              </span>
              <code className="break-all font-mono text-xs text-gray-900">{JSON.stringify(v!.raw) ?? 'not set'}</code>
              {v!.parse_error && <span className="w-full text-xs text-amber-700">{v!.parse_error}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Raw JSON behind a disclosure (native details: keyboard and screen readers for free). */
export function RawJson({ value, label = 'Raw JSON' }: { value: unknown; label?: string }) {
  return (
    <details className="group rounded-md border border-gray-200 bg-gray-50">
      <summary className="cursor-pointer select-none px-3 py-2 text-sm font-medium text-gray-700">{label}</summary>
      <pre className="max-h-96 overflow-auto border-t border-gray-200 px-3 py-2 font-mono text-xs text-gray-800">
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

// --- The Access Ledger as sentences ---

/** The page section frame: a titled card with an optional description. */
export function Section({
  title,
  description,
  actions,
  children,
  id,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  const headingId = id ?? 'sec-' + title.toLowerCase().replace(/[^a-z]+/g, '-');
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-gray-200 bg-white shadow-xs">
      <div className="flex flex-wrap items-start justify-between gap-3 border-b border-gray-100 px-4 py-3 sm:px-5">
        <div className="min-w-0">
          <h2 id={headingId} className="text-base font-semibold text-gray-900">
            {title}
          </h2>
          {description && <div className="mt-0.5 text-sm text-gray-500">{description}</div>}
        </div>
        {actions}
      </div>
      <div className="px-4 py-4 sm:px-5">{children}</div>
    </section>
  );
}

/** True below the sm breakpoint (phones): lists become cards. */
export function useNarrow(): boolean {
  const query = '(max-width: 639px)';
  const get = () => typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia(query).matches;
  const [narrow, setNarrow] = useState(get);
  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return;
    const m = window.matchMedia(query);
    const on = () => setNarrow(m.matches);
    m.addEventListener?.('change', on);
    return () => m.removeEventListener?.('change', on);
  }, []);
  return narrow;
}

/** An amount in a currency's minor unit, as money: 4900 usd → "$49.00". */
function minorMoney(minor: number, currency: string): string {
  try {
    const f = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
    return f.format(minor / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${minor} ${currency.toUpperCase()} (minor units)`;
  }
}
