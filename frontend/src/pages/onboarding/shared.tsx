// Pieces every wizard step shares: the project's connections, cache keys,
// the admin-only note, honest "later build" notes and the step footer.
import * as Collapsible from '@radix-ui/react-collapsible';
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { ArrowRight, ChevronDown, ChevronRight, CircleCheck, Construction, Lock, Sparkles } from 'lucide-react';
import { useId, useState, type ReactNode, type SelectHTMLAttributes } from 'react';
import { Link } from 'react-router';
import { api, errorMessage } from '../../api';
import { Button, cx, ErrorAlert, inputClass, Notice } from '../../components/ui';
import type { Connection, ConnectionKind, List, Project, SchemaColumn } from '../../types';
import { columnLabel } from './postgresSchema';

/** What OnboardingPage hands every step. */
export interface StepProps {
  project: Project;
  canEdit: boolean;
  /** The wizard's base path: `${base}/${n}` is step n. */
  base: string;
  goTo: (step: number) => void;
}

export const connectionsKey = (projectId: string) => ['projects', projectId, 'connections'] as const;
export const mappingsKey = (projectId: string) => ['projects', projectId, 'mappings'] as const;
export const schemaKey = (projectId: string) => ['projects', projectId, 'schema'] as const;
export const setupSQLKey = (projectId: string) => ['projects', projectId, 'database-setup-sql'] as const;
/** Clerk metadata keys sampled from recent users (and organizations): step 6's options. */
export const metadataKeysKey = (projectId: string, organizations: boolean) =>
  ['projects', projectId, 'clerk-metadata-keys', organizations ? 'with-organizations' : 'users'] as const;

export function useConnections(projectId: string) {
  return useQuery({ queryKey: connectionsKey(projectId), queryFn: () => api.listConnections(projectId) });
}

export function findConnection(items: Connection[] | undefined, kind: ConnectionKind): Connection | undefined {
  return items?.find((c) => c.kind === kind);
}

export function useMappings(projectId: string) {
  return useQuery({ queryKey: mappingsKey(projectId), queryFn: () => api.getMappings(projectId) });
}

/** What the read-only role can see, with suggestions; one introspection per visit. */
export function useSchema(projectId: string, enabled = true) {
  return useQuery({
    queryKey: schemaKey(projectId),
    queryFn: () => api.getSchema(projectId),
    enabled,
    // The server already says what to fix (reconnect, grant); retrying hides it for seconds.
    retry: false,
  });
}

/**
 * After a connect or a save the rail (step states, hints), the connections
 * and the mappings may all have changed. Only these, exactly: a prefix
 * invalidation would also re-sample Clerk and re-read Stripe prices.
 */
export function refreshProject(queryClient: QueryClient, projectId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ['projects', projectId], exact: true }),
    queryClient.invalidateQueries({ queryKey: ['projects'], exact: true }),
    queryClient.invalidateQueries({ queryKey: connectionsKey(projectId) }),
    queryClient.invalidateQueries({ queryKey: mappingsKey(projectId) }),
  ]);
}

/**
 * Shows a fresh connection at once (the list is re-read right after). A new
 * access source replaces the other one, as the server does.
 */
export function rememberConnection(queryClient: QueryClient, projectId: string, conn: Connection) {
  const accessKinds: ConnectionKind[] = ['clerk', 'postgres'];
  queryClient.setQueryData<List<Connection>>(connectionsKey(projectId), (old) => {
    const replaced = accessKinds.includes(conn.kind) ? accessKinds : [conn.kind];
    const keep = (old?.items ?? []).filter((c) => !replaced.includes(c.kind));
    const { kind, label, extra_label, mode, connected_at } = conn;
    return { items: [...keep, { kind, label, extra_label, mode, connected_at }] };
  });
}

export function AdminOnlyNote({ children }: { children: ReactNode }) {
  return (
    <p className="flex items-start gap-2 rounded-md border border-gray-200 bg-gray-50 px-3 py-2.5 text-sm text-gray-600">
      <Lock aria-hidden className="mt-0.5 size-4 shrink-0 text-gray-400" />
      <span>{children}</span>
    </p>
  );
}

/** A part of the product this build does not have yet, said plainly. */
export function LaterBuildNote({ children }: { children: ReactNode }) {
  return (
    <div className="flex items-start gap-3 rounded-lg border border-dashed border-gray-300 bg-gray-50 px-4 py-4 text-sm leading-6 text-gray-600">
      <Construction aria-hidden className="mt-1 size-4 shrink-0 text-gray-400" />
      <div className="space-y-1">{children}</div>
    </div>
  );
}

/** Steps 4 and 6 before step 1 has an access-state source. */
export function ChooseSourceFirst({ base }: { base: string }) {
  return (
    <LaterBuildNote>
      <p>
        Choose where your app keeps access state first.{' '}
        The access-state source is chosen on{' '}
        <StepLink base={base} step={1}>
          step 1 (Stack)
        </StepLink>
        .
      </p>
    </LaterBuildNote>
  );
}

/**
 * Steps 4 and 6 ask different things of each access-state source: Clerk
 * metadata (the demo app is Clerk-style, pre-filled from the demo mapping)
 * or Postgres columns. Before step 1 picks one there is nothing to ask.
 */
export function PerAccessSource({
  project,
  base,
  clerk,
  postgres,
  demoSQL,
}: StepProps & { clerk: ReactNode; postgres: ReactNode; demoSQL?: ReactNode }) {
  if (project.access_source === 'clerk' || project.access_source === 'demo') return clerk;
  if (project.access_source === 'postgres') return postgres;
  // The demo's SQL app: its fixed mapping, shown read-only.
  if (project.access_source === 'demo_sql' && demoSQL) return demoSQL;
  return <ChooseSourceFirst base={base} />;
}

export function StepLink({ base, step, children }: { base: string; step: number; children: ReactNode }) {
  return (
    <Link to={`${base}/${step}`} className="font-medium text-indigo-700 underline-offset-2 hover:underline">
      {children}
    </Link>
  );
}

/** The bottom row of a step: actions on the right, an optional note on the left. */
export function StepFooter({ children, note }: { children: ReactNode; note?: ReactNode }) {
  return (
    <div className="flex flex-col-reverse gap-3 border-t border-gray-100 pt-6 sm:flex-row sm:items-center sm:justify-between">
      <div className="text-xs text-gray-500">{note}</div>
      <div className="flex flex-wrap items-center justify-end gap-2">{children}</div>
    </div>
  );
}

/** A step's "Continue →" to the next step, with an optional note. */
export function ContinueFooter({ onContinue, note }: { onContinue: () => void; note?: ReactNode }) {
  return (
    <StepFooter note={note}>
      <Button onClick={onContinue}>
        Continue
        <ArrowRight aria-hidden className="size-4" />
      </Button>
    </StepFooter>
  );
}

/** The question a step's form answers, what it means and, for members, that they can only look. */
export function FormIntro({
  id,
  title,
  what,
  canEdit,
  children,
}: {
  /** The heading's id, for the form's aria-labelledby. */
  id: string;
  title: string;
  /** What members may view, e.g. "access mapping". */
  what: string;
  canEdit: boolean;
  children: ReactNode;
}) {
  return (
    <>
      <div className="max-w-2xl space-y-2">
        <h3 id={id} className="text-base font-semibold text-gray-900">
          {title}
        </h3>
        <p className="text-sm leading-6 text-gray-600">{children}</p>
      </div>
      {!canEdit && <AdminOnlyNote>You can view the {what}. Only an admin can change it.</AdminOnlyNote>}
    </>
  );
}

/**
 * The end of a step's form: why it cannot be saved (the form's own check,
 * then the server's answer) and, for admins, "Save and continue".
 */
export function SaveAndContinue({
  canEdit,
  save,
  problem,
  note,
}: {
  canEdit: boolean;
  save: { isPending: boolean; isError: boolean; error: unknown };
  problem?: string | null;
  note?: ReactNode;
}) {
  return (
    <>
      {problem && <ErrorAlert message={problem} />}
      {save.isError && <ErrorAlert message={errorMessage(save.error)} />}
      {canEdit && (
        <StepFooter note={note}>
          <Button type="submit" busy={save.isPending} busyLabel="Saving…">
            Save and continue
          </Button>
        </StepFooter>
      )}
    </>
  );
}

export function SectionHeading({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <h3 id={id} className="text-base font-semibold text-gray-900">
      {children}
    </h3>
  );
}

/**
 * Steps 2 and 3 of a demo project: nothing to connect. The demo world is
 * served by ParityRail itself, with its own keys, which are never stored.
 */
export function DemoConnected({
  what,
  children,
  base,
  next,
  goTo,
}: {
  what: string;
  children: ReactNode;
  base: string;
  next: number;
  goTo: (step: number) => void;
}) {
  return (
    <div className="space-y-8">
      <div
        data-testid="demo-connected-card"
        className="flex items-start gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-4 sm:px-5"
      >
        <CircleCheck aria-hidden className="mt-0.5 size-5 shrink-0 text-emerald-600" />
        <div className="min-w-0 space-y-1">
          <h3 className="text-sm font-semibold text-emerald-900">Demo data connected</h3>
          <p className="text-sm leading-6 text-emerald-900/90">{children}</p>
          <p className="text-xs text-emerald-800">
            No key needed: ParityRail serves the {what} itself. To use your own, choose it on{' '}
            <StepLink base={base} step={1}>
              step 1 (Stack)
            </StepLink>
            .
          </p>
        </div>
      </div>
      <ContinueFooter onContinue={() => goTo(next)} />
    </div>
  );
}

/** A titled section that opens on click (a button with aria-expanded). */
export function Expander({
  title,
  children,
  defaultOpen = false,
  open,
  onOpenChange,
}: {
  title: string;
  children: ReactNode;
  defaultOpen?: boolean;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
}) {
  const [own, setOwn] = useState(defaultOpen);
  const isOpen = open ?? own;
  return (
    <Collapsible.Root
      open={isOpen}
      onOpenChange={(v) => {
        setOwn(v);
        onOpenChange?.(v);
      }}
      className="rounded-lg border border-gray-200"
    >
      <Collapsible.Trigger className="flex w-full items-center gap-2 rounded-lg px-4 py-3 text-left text-sm font-medium text-gray-900 hover:bg-gray-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
        {isOpen ? (
          <ChevronDown aria-hidden className="size-4 shrink-0 text-gray-500" />
        ) : (
          <ChevronRight aria-hidden className="size-4 shrink-0 text-gray-500" />
        )}
        {title}
      </Collapsible.Trigger>
      <Collapsible.Content className="space-y-3 border-t border-gray-100 px-4 py-4 text-sm text-gray-700">
        {children}
      </Collapsible.Content>
    </Collapsible.Root>
  );
}

/** The chip on a value ParityRail picked from the schema; the reason is its description. */
export function SuggestedChip({ reason }: { reason?: string }) {
  return (
    <span
      title={reason}
      className="inline-flex items-center gap-1 rounded-full bg-indigo-50 px-2 py-px text-[11px] font-medium text-indigo-700 ring-1 ring-inset ring-indigo-200"
    >
      <Sparkles aria-hidden className="size-3" />
      Suggested from your schema
    </span>
  );
}

/** A native select styled like the text inputs. */
export function Select({ className, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <div className="relative">
      <select {...rest} className={cx(inputClass, 'appearance-none pr-9', className)}>
        {children}
      </select>
      <ChevronDown
        aria-hidden
        className="pointer-events-none absolute right-3 top-1/2 size-4 -translate-y-1/2 text-gray-400"
      />
    </div>
  );
}

/** A select of a table's columns, each with its type, after an empty choice that says why it is empty. */
export function ColumnSelect({
  columns,
  empty,
  value,
  className,
  ...rest
}: SelectHTMLAttributes<HTMLSelectElement> & { columns: SchemaColumn[]; empty: string; value: string }) {
  return (
    <Select {...rest} value={value} className={cx(value && 'font-mono', className)}>
      <option value="">{empty}</option>
      {columns.map((c) => (
        <option key={c.name} value={c.name}>
          {columnLabel(c)}
        </option>
      ))}
    </Select>
  );
}

/**
 * One mapped field of step 6 (Clerk path or Postgres column): label,
 * Required/Optional, why it matters on the left; the control on the right.
 */
export function FieldRow({
  label,
  required,
  why,
  chip,
  children,
}: {
  label: string;
  /** true: "Required"; false: "Optional"; a string: that, e.g. "Plan or premium". */
  required: boolean | string;
  why: ReactNode;
  chip?: ReactNode;
  children: (ids: { id: string; describedBy: string }) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="grid gap-3 px-4 py-4 sm:grid-cols-[minmax(0,1fr)_minmax(0,1.1fr)] sm:gap-6">
      <div className="min-w-0">
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor={id} className="text-sm font-medium text-gray-900">
            {label}
          </label>
          <span
            className={cx(
              'rounded-full px-1.5 py-px text-[11px] font-medium',
              required ? 'bg-indigo-50 text-indigo-700' : 'bg-gray-100 text-gray-600',
            )}
          >
            {typeof required === 'string' ? required : required ? 'Required' : 'Optional'}
          </span>
          {chip}
        </div>
        <p id={id + '-why'} className="mt-1 text-xs leading-5 text-gray-500">
          {why}
        </p>
      </div>
      <div className="min-w-0 space-y-2">{children({ id, describedBy: id + '-why' })}</div>
    </div>
  );
}

/** "Map organizations too": a checkbox with what it means, for B2B billing. */
export function OrgsToggle({
  checked,
  disabled,
  onChange,
  label = 'Map organizations too',
  children,
}: {
  checked: boolean;
  disabled: boolean;
  onChange: (on: boolean) => void;
  label?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <div className="flex max-w-2xl items-start gap-3">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
        aria-describedby={id + '-desc'}
        className="mt-1 size-4 shrink-0 cursor-pointer rounded accent-indigo-600 disabled:cursor-default"
      />
      <div>
        <label htmlFor={id} className="block cursor-pointer text-sm font-medium text-gray-900">
          {label}
        </label>
        <p id={id + '-desc'} className="mt-0.5 text-xs leading-5 text-gray-500">
          {children}
        </p>
      </div>
    </div>
  );
}

/** What the server said is worth a look after a connect or save that worked. */
export function WarningsNotice({ title, warnings }: { title: string; warnings: string[] }) {
  return (
    <Notice tone="warning" title={title}>
      <ul className="list-disc space-y-1 pl-4">
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </Notice>
  );
}

/** After a save that worked but has something worth a look: the list, then Continue. */
export function SavedWarnings({ warnings, onContinue }: { warnings: string[]; onContinue: () => void }) {
  return (
    <div className="space-y-4">
      <WarningsNotice title="Saved, with something to look at" warnings={warnings} />
      <StepFooter>
        <Button onClick={onContinue}>Continue</Button>
      </StepFooter>
    </div>
  );
}

/**
 * Steps 4 and 6 of the demo's SQL app: its mapping as it stands, read-only
 * (the demo's tables are fixed; "Reset demo data" restores the mapping).
 */
export function DemoSQLMapped({
  project,
  step,
  base,
  goTo,
}: {
  project: Project;
  step: 4 | 6;
  base: string;
  goTo: (step: number) => void;
}) {
  const mappings = useMappings(project.id);
  const m = mappings.data;
  const rows: [string, string][] = [];
  if (step === 4) {
    for (const [who, id] of [
      ['Users', m?.identity],
      ['Organizations', m?.identity?.organizations],
    ] as const) {
      if (id?.table) rows.push([who, `${id.table}.${id.column} holds ${id.billing_field ?? 'stripe.customer.id'}`]);
    }
  } else {
    for (const [who, f] of [
      ['Users', m?.access?.users],
      ['Organizations', m?.access?.organizations],
    ] as const) {
      if (!f) continue;
      const cols = Object.entries({ plan: f.plan, premium: f.premium, 'trial end': f.trial_end, entitlements: f.entitlements })
        .filter(([, c]) => !!c)
        .map(([k, c]) => `${k} → ${c}`);
      rows.push([who, cols.join(', ')]);
    }
  }
  return (
    <div className="space-y-8">
      <Notice title={step === 4 ? 'Matched by a column of the demo app' : 'The demo app’s access columns'}>
        <p>
          The demo's SQL app is mapped like a Postgres app. Its tables are fixed, so this mapping is shown, not edited;
          to map tables of your own, create a project and choose Postgres / Supabase on{' '}
          <StepLink base={base} step={1}>
            step 1 (Stack)
          </StepLink>
          .
        </p>
        {mappings.isError && <ErrorAlert message={errorMessage(mappings.error)} />}
        <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          {rows.map(([who, what]) => (
            <div key={who} className="contents">
              <dt className="font-medium text-gray-900">{who}</dt>
              <dd className="font-mono text-xs leading-5 text-gray-700 [overflow-wrap:anywhere]">{what}</dd>
            </div>
          ))}
        </dl>
      </Notice>
      <ContinueFooter onContinue={() => goTo(step + 1)} />
    </div>
  );
}
