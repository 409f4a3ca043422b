// /projects/:projectId/incidents — every incident of the project: filters
// and sort kept in the URL, keyset paging ("Load more"), and bulk
// acknowledge of selected open incidents.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { IncidentStatusText, incidentKinds, kindLabel, SeverityPill, severities, statusLabel } from '../../components/incident';
import {
  Button,
  EmptyState,
  ErrorAlert,
  LoadingState,
  PageHeader,
  QueryError,
  cx,
  inputClass,
} from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Incident, IncidentFilter, IncidentStatus } from '../../types';
import { IdLink, customerPath, incidentPath, subjectText, useNarrow } from './display';
import { monthlyMoney } from '../project/stake';

const statusOptions: { value: string; label: string }[] = [
  { value: 'active', label: 'Active (open, acknowledged, repairing, verifying)' },
  ...(['open', 'acknowledged', 'repairing', 'verifying', 'resolved', 'ignored'] as IncidentStatus[]).map((s) => ({
    value: s,
    label: statusLabel[s],
  })),
  { value: 'all', label: 'Every status' },
];

const sortOptions = [
  { value: 'severity', label: 'Severity' },
  { value: 'last_seen', label: 'Last seen' },
  { value: 'first_seen', label: 'First seen' },
  { value: 'at_stake', label: 'Money at stake (per currency)' },
];

export function incidentsKey(projectId: string) {
  return ['incidents', projectId] as const;
}

/** The filter the URL asks for; status defaults to "active". */
function filterFrom(params: URLSearchParams): IncidentFilter & { statusParam: string } {
  const status = params.get('status') || 'active';
  return {
    statusParam: status,
    status: status === 'all' ? undefined : status,
    kind: params.get('kind') || undefined,
    severity: params.get('severity') || undefined,
    q: params.get('q') || undefined,
    sort: params.get('sort') || undefined,
    // Amounts compare only within a currency: sorting by money at stake
    // reads one currency (USD unless the URL names another).
    currency: params.get('currency') || (params.get('sort') === 'at_stake' ? 'usd' : undefined),
  };
}

const selectClass = cx(inputClass, 'pr-8');

function FilterSelect({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="block text-xs font-medium text-gray-700">
        {label}
      </label>
      <select id={id} className={cx('mt-1', selectClass)} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function Filters({ params, setParams }: { params: URLSearchParams; setParams: (p: URLSearchParams) => void }) {
  const id = useId();
  const [q, setQ] = useState(params.get('q') ?? '');
  useEffect(() => setQ(params.get('q') ?? ''), [params]);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    set('q', q.trim());
  };
  const f = filterFrom(params);
  const anyFilter = params.has('status') || params.has('kind') || params.has('severity') || params.has('q') || params.has('sort');
  return (
    <div role="search" aria-label="Filter incidents" className="mb-4 grid grid-cols-2 gap-3 lg:grid-cols-[repeat(4,minmax(0,1fr))_minmax(0,1.6fr)]">
      <FilterSelect
        label="Status"
        value={f.statusParam}
        options={statusOptions.map((o) => ({ value: o.value, label: o.value === 'active' ? 'Active' : o.label }))}
        onChange={(v) => set('status', v === 'active' ? '' : v)}
      />
      <FilterSelect
        label="Kind"
        value={f.kind ?? ''}
        options={[{ value: '', label: 'Every kind' }, ...incidentKinds.map((k) => ({ value: k, label: kindLabel[k] }))]}
        onChange={(v) => set('kind', v)}
      />
      <FilterSelect
        label="Severity"
        value={f.severity ?? ''}
        options={[{ value: '', label: 'Every severity' }, ...severities.map((s) => ({ value: s, label: s[0].toUpperCase() + s.slice(1) }))]}
        onChange={(v) => set('severity', v)}
      />
      <FilterSelect
        label="Sort by"
        value={f.sort ?? 'severity'}
        options={sortOptions}
        onChange={(v) => set('sort', v === 'severity' ? '' : v)}
      />
      <form onSubmit={onSearch} className="col-span-2 lg:col-span-1">
        <label htmlFor={id + 'q'} className="block text-xs font-medium text-gray-700">
          Customer id or email
        </label>
        <div className="mt-1 flex gap-2">
          <input
            id={id + 'q'}
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="cus_… or name@example.com"
            className={inputClass}
            autoComplete="off"
            spellCheck={false}
          />
          <Button type="submit" variant="secondary">
            Search
          </Button>
        </div>
        {anyFilter && (
          <button type="button" onClick={() => setParams(new URLSearchParams())} className="mt-1 text-xs text-indigo-700 hover:underline">
            Reset filters
          </button>
        )}
      </form>
    </div>
  );
}

function describeBulk(r: { acknowledged: number; already: number; skipped: number; not_found: number }): string {
  const parts = [`Acknowledged ${r.acknowledged} incident${r.acknowledged === 1 ? '' : 's'}`];
  if (r.already) parts.push(`${r.already} already acknowledged`);
  if (r.skipped) parts.push(`${r.skipped} skipped (no longer open)`);
  if (r.not_found) parts.push(`${r.not_found} not found`);
  return parts.join('; ');
}

function selectLabel(i: Incident): string {
  const who = i.subject ? subjectText(i.subject) : i.customer_id;
  return `Select ${kindLabel[i.kind] ?? i.kind} for ${who}`;
}

const th = 'px-3 py-2.5 text-left text-xs font-medium uppercase tracking-wide text-gray-500 whitespace-nowrap';
const td = 'px-3 py-2 align-top';

export function IncidentsPage() {
  const { projectId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const narrow = useNarrow();
  const f = filterFrom(params);
  const filter: IncidentFilter = { status: f.status, kind: f.kind, severity: f.severity, q: f.q, sort: f.sort, currency: f.currency };
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const list = useInfiniteQuery({
    queryKey: [...incidentsKey(projectId), filter],
    queryFn: ({ pageParam }) => api.listIncidents(projectId, { ...filter, cursor: pageParam || undefined }),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const openIds = items.filter((i) => i.status === 'open').map((i) => i.id);
  const selectedOpen = openIds.filter((id) => selected.has(id));

  // A new filter starts a new selection.
  const filterKey = params.toString();
  useEffect(() => setSelected(new Set()), [filterKey]);

  const bulk = useMutation({
    mutationFn: (ids: string[]) => api.acknowledgeIncidents(projectId, ids),
    onSuccess: (r) => {
      toast.success(describeBulk(r));
      setSelected(new Set());
      queryClient.invalidateQueries({ queryKey: incidentsKey(projectId) });
    },
    onError: (err) => toast.error(`Could not acknowledge: ${errorMessage(err)}`),
  });

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  // Only open incidents can be acknowledged together, so only they get a box.
  const selectBox = (i: Incident, margin: string) =>
    i.status === 'open' && (
      <input
        type="checkbox"
        className={cx(margin, 'size-4 rounded border-gray-300 text-indigo-600')}
        aria-label={selectLabel(i)}
        checked={selected.has(i.id)}
        onChange={() => toggle(i.id)}
      />
    );
  const allChecked = openIds.length > 0 && selectedOpen.length === openIds.length;
  const toggleAll = () => setSelected(allChecked ? new Set() : new Set(openIds));

  const open = (i: Incident) => navigate(incidentPath(projectId, i.id));
  const onRowKey = (e: KeyboardEvent, i: Incident) => {
    if (e.key === 'Enter' && e.target === e.currentTarget) open(i);
  };

  const filtered = params.has('kind') || params.has('severity') || params.has('q') || (params.has('status') && params.get('status') !== 'active');

  let body;
  if (list.isPending) {
    body = <LoadingState label="Loading incidents…" />;
  } else if (list.isError) {
    body = <QueryError title="Could not load incidents" query={list} />;
  } else if (items.length === 0) {
    body = filtered ? (
      <EmptyState title="No incidents match these filters">
        Change a filter, or{' '}
        <button type="button" className="text-indigo-700 hover:underline" onClick={() => setParams(new URLSearchParams())}>
          reset them
        </button>
        .
      </EmptyState>
    ) : (
      <EmptyState title="No active incidents">
        Every promise the last check read was kept. Resolved and ignored incidents are under{' '}
        <Link className="text-indigo-700 hover:underline" to="?status=all">
          every status
        </Link>
        .
      </EmptyState>
    );
  } else if (narrow) {
    body = (
      <ul aria-label="Incidents" className="space-y-2">
        {items.map((i) => (
          <li key={i.id} className="rounded-lg border border-gray-200 bg-white p-3 shadow-xs">
            <div className="flex items-start gap-3">
              {selectBox(i, 'mt-1')}
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-center gap-2">
                  <SeverityPill severity={i.severity} />
                  <Link to={incidentPath(projectId, i.id)} className="font-medium text-gray-900 hover:underline">
                    {kindLabel[i.kind] ?? i.kind}
                  </Link>
                  <IncidentStatusText status={i.status} />
                </div>
                <p className="mt-1 text-sm text-gray-700 [overflow-wrap:anywhere]">{i.summary}</p>
                <StakeText incident={i} />
                <div className="mt-1.5 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-gray-500">
                  {i.customer_id && <IdLink to={customerPath(projectId, i.customer_id)} value={i.customer_id} what="Customer id" />}
                  {i.subject && <span className="truncate">{subjectText(i.subject)}</span>}
                  <span>Last seen {formatDateTime(i.last_seen_at)}</span>
                </div>
              </div>
            </div>
          </li>
        ))}
      </ul>
    );
  } else {
    body = (
      <div className="overflow-x-auto rounded-lg border border-gray-200 bg-white shadow-xs">
        <table className="min-w-full divide-y divide-gray-200 text-sm">
          <caption className="sr-only">Incidents</caption>
          <thead className="bg-gray-50">
            <tr>
              <th scope="col" className={th + ' w-8'}>
                <input
                  type="checkbox"
                  className="size-4 rounded border-gray-300 text-indigo-600 disabled:opacity-40"
                  aria-label="Select every open incident shown"
                  checked={allChecked}
                  disabled={openIds.length === 0}
                  onChange={toggleAll}
                />
              </th>
              <th scope="col" className={th}>Severity</th>
              <th scope="col" className={th}>Kind</th>
              <th scope="col" className={th}>Customer</th>
              <th scope="col" className={th}>Subject</th>
              <th scope="col" className={th}>Status</th>
              <th scope="col" className={th}>Summary</th>
              <th scope="col" className={th}>Last seen</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {items.map((i) => (
              <tr
                key={i.id}
                tabIndex={0}
                aria-label={`${kindLabel[i.kind] ?? i.kind}, ${i.severity}, ${i.customer_id || subjectText(i.subject)}`}
                onClick={(e) => {
                  // Clicks on the row's own controls (checkbox, links, copy) do their own thing.
                  if ((e.target as HTMLElement).closest('a,button,input')) return;
                  open(i);
                }}
                onKeyDown={(e) => onRowKey(e, i)}
                className={cx('cursor-pointer hover:bg-gray-50 focus-visible:bg-indigo-50', selected.has(i.id) && 'bg-indigo-50/60')}
              >
                <td className={td}>{selectBox(i, 'mt-0.5')}</td>
                <td className={td}>
                  <SeverityPill severity={i.severity} />
                </td>
                <td className={td + ' whitespace-nowrap'}>
                  <Link to={incidentPath(projectId, i.id)} className="font-medium text-gray-900 hover:underline" tabIndex={-1}>
                    {kindLabel[i.kind] ?? i.kind}
                  </Link>
                </td>
                <td className={td + ' max-w-44'}>
                  {i.customer_id ? (
                    <IdLink to={customerPath(projectId, i.customer_id)} value={i.customer_id} what="Customer id" />
                  ) : (
                    <span className="text-xs text-gray-500">no customer</span>
                  )}
                </td>
                <td className={td + ' max-w-44 truncate text-gray-700'} title={i.subject ? `${i.subject.kind} ${i.subject.id}` : undefined}>
                  {subjectText(i.subject)}
                </td>
                <td className={td + ' whitespace-nowrap'}>
                  <IncidentStatusText status={i.status} />
                </td>
                <td className={td + ' min-w-48 text-gray-700'}>
                  <span className="line-clamp-2 [overflow-wrap:anywhere]" title={i.summary}>
                    {i.summary}
                  </span>
                  <StakeText incident={i} />
                </td>
                <td className={td + ' whitespace-nowrap text-xs text-gray-500'}>
                  <time dateTime={i.last_seen_at}>{formatDateTime(i.last_seen_at)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <div>
      <PageHeader
        title="Incidents"
        description="Gaps between what Stripe promises and what your app grants. Open one for the evidence and the fix."
      />
      <Filters params={params} setParams={(p) => setParams(p, { replace: true })} />
      <div className="mb-3 flex min-h-9 flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-gray-500" aria-live="polite">
          {list.isSuccess && `${items.length}${list.hasNextPage ? '+' : ''} incident${items.length === 1 ? '' : 's'} shown`}
          {selectedOpen.length > 0 && ` · ${selectedOpen.length} selected`}
        </p>
        {openIds.length > 0 && (
          <Button
            size="sm"
            variant="secondary"
            disabled={selectedOpen.length === 0}
            busy={bulk.isPending}
            busyLabel="Acknowledging…"
            onClick={() => bulk.mutate(selectedOpen)}
          >
            Acknowledge selected{selectedOpen.length > 0 ? ` (${selectedOpen.length})` : ''}
          </Button>
        )}
      </div>
      {bulk.isError && <ErrorAlert className="mb-3" message={errorMessage(bulk.error)} />}
      {body}
      {list.hasNextPage && (
        <div className="mt-4 flex justify-center">
          <Button variant="secondary" busy={list.isFetchingNextPage} busyLabel="Loading…" onClick={() => list.fetchNextPage()}>
            Load more
          </Button>
        </div>
      )}
      {list.isFetchNextPageError && <ErrorAlert className="mt-3" message={`Could not load more: ${errorMessage(list.error)}`} />}
    </div>
  );
}

/** "$49/mo at stake" under an incident's summary, when an amount is known. */
function StakeText({ incident }: { incident: Incident }) {
  const st = incident.at_stake;
  if (!st || st.monthly_minor == null) return null;
  return <span className="block text-xs font-medium text-gray-900">{monthlyMoney(st.monthly_minor, st.currency)} at stake</span>;
}
