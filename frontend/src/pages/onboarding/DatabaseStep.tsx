// Step 3 "Database": where the app keeps access state. A tablist labelled
// "Access-state source" with "Postgres / Supabase" and "Clerk"; a project
// connects one, not both. The Clerk tab follows the user's "Connect Clerk"
// page to the letter.
import * as Tabs from '@radix-ui/react-tabs';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowRight, CircleCheck, Database, KeyRound, ShieldCheck } from 'lucide-react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { toast } from 'sonner';
import { api, errorMessage, isApiError } from '../../api';
import { Modal } from '../../components/Modal';
import {
  Button,
  CopyButton,
  ErrorAlert,
  LoadingState,
  ModeBadge,
  Notice,
  SecretField,
} from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Connection, ConnectResult, SetupSQL } from '../../types';
import {
  AdminOnlyNote,
  DemoConnected,
  Expander,
  findConnection,
  refreshProject,
  rememberConnection,
  schemaKey,
  setupSQLKey,
  StepFooter,
  StepLink,
  useConnections,
  useMappings,
  type StepProps,
} from './shared';

type SourceTab = 'postgres' | 'clerk';

const tabClass =
  'inline-flex items-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium text-gray-600 transition-colors hover:text-gray-900 data-[state=active]:bg-white data-[state=active]:text-gray-900 data-[state=active]:shadow-xs data-[state=active]:ring-1 data-[state=active]:ring-gray-200';

export function DatabaseStep({
  project,
  canEdit,
  base,
  goTo,
}: StepProps) {
  const connections = useConnections(project.id);
  const [tab, setTab] = useState<SourceTab>(project.access_source === 'clerk' ? 'clerk' : 'postgres');

  if (project.access_source === 'demo') {
    return (
      <DemoConnected what="demo app" base={base} next={4} goTo={goTo}>
        Acme Analytics' app state: Clerk-style users and organizations whose plan, premium flag, trial end and
        entitlements live in their metadata — and disagree with billing in every way ParityRail catches.
      </DemoConnected>
    );
  }
  if (project.access_source === 'demo_sql') {
    return (
      <DemoConnected what="demo app" base={base} next={4} goTo={goTo}>
        Acme Analytics' app state in SQL tables, <code className="font-mono text-xs">parityrail_demo.profiles</code> and{' '}
        <code className="font-mono text-xs">parityrail_demo.organizations</code> (an SQLite file in ParityRail's data
        folder), read through a read-only connection. Approved repairs go through a separate writer, one guarded UPDATE
        each, exactly as with Postgres.
      </DemoConnected>
    );
  }


  const items = connections.data?.items;
  const clerk = findConnection(items, 'clerk');
  const postgres = findConnection(items, 'postgres');
  const stripe = findConnection(items, 'stripe');

  return (
    <div className="space-y-6">
      <Notice className="max-w-2xl">
        Connect a Postgres database or Clerk, not both. Pick whichever one actually holds the plan, premium flag, and
        trial your app reads.
      </Notice>

      <Tabs.Root value={tab} onValueChange={(v) => setTab(v as SourceTab)}>
        <Tabs.List
          aria-label="Access-state source"
          className="inline-flex flex-wrap gap-1 rounded-lg bg-gray-100 p-1"
        >
          <Tabs.Trigger value="postgres" className={tabClass}>
            <Database aria-hidden className="size-4" />
            Postgres / Supabase
          </Tabs.Trigger>
          <Tabs.Trigger value="clerk" className={tabClass}>
            <KeyRound aria-hidden className="size-4" />
            Clerk
          </Tabs.Trigger>
        </Tabs.List>

        <div className="mt-6">
          {connections.isPending ? (
            <LoadingState label="Loading connections…" />
          ) : connections.isError ? (
            <ErrorAlert message={errorMessage(connections.error)} />
          ) : (
            <>
              <Tabs.Content value="postgres" className="focus-visible:outline-offset-4">
                <PostgresPanel
                  projectId={project.id}
                  connected={postgres}
                  clerk={clerk}
                  canEdit={canEdit}
                  base={base}
                />
              </Tabs.Content>
              <Tabs.Content value="clerk" className="focus-visible:outline-offset-4">
                <ClerkPanel
                  projectId={project.id}
                  connected={clerk}
                  canEdit={canEdit}
                  stripeMissing={project.billing_source === 'stripe' && !stripe}
                  base={base}
                />
              </Tabs.Content>
            </>
          )}
        </div>
      </Tabs.Root>

      {(clerk || postgres) && (
        <StepFooter note="ParityRail only reads your access state.">
          <Button onClick={() => goTo(4)}>
            Continue
            <ArrowRight aria-hidden className="size-4" />
          </Button>
        </StepFooter>
      )}
    </div>
  );
}

function PostgresPanel({
  projectId,
  connected,
  clerk,
  canEdit,
  base,
}: {
  projectId: string;
  connected?: Connection;
  clerk?: Connection;
  canEdit: boolean;
  base: string;
}) {
  const [reconnecting, setReconnecting] = useState(false);
  const [warnings, setWarnings] = useState<string[]>([]);
  const showForm = canEdit && (!connected || reconnecting);

  return (
    <div className="max-w-2xl space-y-5">
      {connected && !reconnecting && (
        <ConnectedCard title="Postgres connected" conn={connected} body={<PostgresTarget conn={connected} />}>
          {canEdit && (
            <Button variant="secondary" size="sm" onClick={() => setReconnecting(true)}>
              Reconnect
            </Button>
          )}
        </ConnectedCard>
      )}
      {clerk && !connected && (
        <p className="text-sm text-gray-600">
          This project reads access state from Clerk (<code className="font-mono">{clerk.label}</code>). Connecting a
          database here replaces it.
        </p>
      )}
      {warnings.length > 0 && !showForm && (
        <Notice tone="warning" title="Connected, with something to look at">
          <ul className="list-disc space-y-1 pl-4">
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Notice>
      )}
      {showForm ? (
        <ConnectPostgresForm
          projectId={projectId}
          reconnecting={reconnecting}
          hasRepair={!!connected?.extra_label}
          base={base}
          onCancel={() => setReconnecting(false)}
          onConnected={(res) => {
            setWarnings(res.warnings);
            setReconnecting(false);
          }}
        />
      ) : (
        !canEdit && (
          <>
            {!connected && <p className="text-sm text-gray-600">No database is connected yet.</p>}
            <AdminOnlyNote>Only an admin can connect a database.</AdminOnlyNote>
          </>
        )
      )}
      <Notice icon={<ShieldCheck className="size-4" />}>
        ParityRail only reads through this connection: every session it opens is read-only (
        <code className="font-mono text-xs">default_transaction_read_only = on</code>) with a statement timeout. The
        connection strings are stored encrypted; only the host and database name are ever shown.
      </Notice>
    </div>
  );
}

/** Host and database of a Postgres label ("host / database"): never the user or password. */
function PostgresTarget({ conn }: { conn: Connection }) {
  const cut = conn.label.lastIndexOf(' / ');
  const host = cut >= 0 ? conn.label.slice(0, cut) : conn.label;
  const database = cut >= 0 ? conn.label.slice(cut + 3) : '';
  return (
    <dl className="mt-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 text-sm">
      <dt className="text-emerald-800">Host</dt>
      <dd className="break-all font-mono text-gray-900">{host}</dd>
      <dt className="text-emerald-800">Database</dt>
      <dd className="break-all font-mono text-gray-900">{database}</dd>
      {conn.extra_label && (
        <>
          <dt className="text-emerald-800">Repair role</dt>
          <dd className="break-all font-mono text-gray-900">{conn.extra_label.split(' @ ')[0]}</dd>
        </>
      )}
    </dl>
  );
}

function ConnectPostgresForm({
  projectId,
  reconnecting,
  hasRepair,
  base,
  onCancel,
  onConnected,
}: {
  projectId: string;
  reconnecting: boolean;
  hasRepair: boolean;
  base: string;
  onCancel: () => void;
  onConnected: (res: ConnectResult) => void;
}) {
  const queryClient = useQueryClient();
  const [connString, setConnString] = useState('');
  const [repairString, setRepairString] = useState('');
  const [confirm, setConfirm] = useState<string | null>(null);
  const [sqlOpen, setSqlOpen] = useState(false);
  const mappings = useMappings(projectId);
  // The project's roles keep their names and passwords until regenerated;
  // dropped when the form goes away, so the next visit reflects what was
  // mapped since (the repair SQL).
  const setupSQL = useQuery({
    queryKey: setupSQLKey(projectId),
    queryFn: () => api.databaseSetupSQL(projectId),
    enabled: sqlOpen,
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });

  const connect = useMutation({
    mutationFn: (replace: boolean) =>
      api.connectDatabase(projectId, {
        connection_string: connString.trim(),
        ...(repairString.trim() ? { repair_connection_string: repairString.trim() } : {}),
        ...(replace ? { replace: true } : {}),
      }),
    onSuccess: async (res) => {
      setConfirm(null);
      setConnString('');
      setRepairString('');
      rememberConnection(queryClient, projectId, res);
      toast.success(`Postgres connected — ${res.label}`);
      onConnected(res);
      // A new database: a new schema, and role SQL for its tables.
      queryClient.removeQueries({ queryKey: schemaKey(projectId) });
      queryClient.removeQueries({ queryKey: setupSQLKey(projectId) });
      await refreshProject(queryClient, projectId);
    },
    onError: (err) => {
      // Clerk is connected: the server asks for a confirmation first.
      if (isApiError(err, 409) && err.code === 'replace_required') setConfirm(err.message);
      else setConfirm(null);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    connect.mutate(false);
  }

  const needsConfirm = isApiError(connect.error) && connect.error.code === 'replace_required';
  const mappedTable = mappings.data?.identity?.table;
  const sqlBody = (render: (data: SetupSQL) => ReactNode) =>
    setupSQL.isPending ? (
      <LoadingState label="Writing the SQL…" />
    ) : setupSQL.isError ? (
      <ErrorAlert message={errorMessage(setupSQL.error)} />
    ) : (
      render(setupSQL.data)
    );

  return (
    <form onSubmit={onSubmit} className="space-y-5" aria-label="Connect Postgres">
      <SecretField
        label="Read-only connection string"
        name="connection_string"
        placeholder="postgres://parityrail_read:…@db.example.com:5432/postgres?sslmode=require"
        value={connString}
        onChange={(e) => setConnString(e.target.value)}
        required
        description={
          <>
            A role that can only SELECT (create one below). Supabase: Project Settings → Database → Connection string,
            the direct connection or the session pooler.
          </>
        }
      />
      <Expander title="How to create a read-only role" onOpenChange={(o) => o && setSqlOpen(true)}>
        {sqlBody((d) => (
          <>
            <p>
              Run this as the database owner (Supabase: the SQL editor). It creates the role{' '}
              <code className="font-mono text-xs">{d.read_only.role}</code> with its own password,{' '}
              {mappedTable ? (
                <>grants SELECT on the tables you mapped</>
              ) : (
                <>grants SELECT on every table in schema public (narrow it once you have mapped your tables)</>
              )}{' '}
              and makes its sessions read-only.
            </p>
            <SQLBlock sql={d.read_only.sql} label="Role SQL" />
            <p>
              The role and password stay the same on every visit.{' '}
              <button
                type="button"
                className="font-medium text-indigo-700 underline hover:text-indigo-600"
                onClick={async () => {
                  try {
                    queryClient.setQueryData(setupSQLKey(projectId), await api.databaseSetupSQL(projectId, 'read'));
                  } catch (err) {
                    toast.error(errorMessage(err));
                  }
                }}
              >
                Generate a new password
              </button>{' '}
              (then run the ALTER ROLE line).
            </p>
            <p>Then paste the role's connection string above, with your host and database:</p>
            <code className="block break-all rounded-md bg-gray-50 px-3 py-2 font-mono text-xs text-gray-900 ring-1 ring-inset ring-gray-200">
              postgres://{d.read_only.role}:{d.read_only.password}@&lt;host&gt;:5432/&lt;database&gt;?sslmode=require
            </code>
          </>
        ))}
      </Expander>

      <SecretField
        label="Repair connection string (optional)"
        name="repair_connection_string"
        placeholder="postgres://parityrail_repair:…@db.example.com:5432/postgres?sslmode=require"
        value={repairString}
        onChange={(e) => setRepairString(e.target.value)}
        description={
          hasRepair
            ? 'A repair role is stored; leave this empty to keep it. Only used for repairs you approve (step 8).'
            : 'Only needed for repairs you approve (step 8): a second role that may UPDATE only the mapped access columns. You can add it later.'
        }
      />
      <Expander title="How to create the repair role" onOpenChange={(o) => o && setSqlOpen(true)}>
        {sqlBody((d) =>
          d.repair ? (
            <>
              <p>
                Run this as the database owner. The role{' '}
                <code className="font-mono text-xs">{d.repair.role}</code> may read each mapped table's primary key
                and access columns, and <code className="font-mono text-xs">GRANT UPDATE (&lt;mapped columns&gt;)</code>{' '}
                only on those columns — nothing else.
              </p>
              <SQLBlock sql={d.repair.sql} label="Repair role SQL" />
            </>
          ) : (
            <p>
              {d.repair_unavailable ??
                'Map the access columns on step 6 first: the repair role may update only those columns.'}{' '}
              <StepLink base={base} step={6}>
                Go to step 6
              </StepLink>
            </p>
          ),
        )}
      </Expander>

      {connect.isError && !needsConfirm && <ErrorAlert message={errorMessage(connect.error)} />}
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <Button type="submit" busy={connect.isPending} busyLabel="Testing & connecting…">
          Test & connect
        </Button>
        {reconnecting && (
          <Button variant="ghost" onClick={onCancel} disabled={connect.isPending}>
            Cancel
          </Button>
        )}
      </div>
      <p className="text-xs leading-5 text-gray-500">
        ParityRail logs in, checks the role can SELECT at least one table, and only then stores the string, encrypted.
      </p>

      <ReplaceSourceDialog
        from="Clerk"
        to="Postgres / Supabase"
        action="Replace with Postgres"
        reason={confirm}
        pending={connect.isPending}
        onCancel={() => setConfirm(null)}
        onReplace={() => connect.mutate(true)}
      />
    </form>
  );
}

function SQLBlock({ sql, label }: { sql: string; label: string }) {
  return (
    <div className="overflow-hidden rounded-md ring-1 ring-gray-200">
      <div className="flex items-center justify-between gap-2 border-b border-gray-200 bg-gray-50 px-3 py-1.5">
        <span className="text-xs font-medium text-gray-600">{label}</span>
        <CopyButton value={sql} label="Copy SQL" what={label} />
      </div>
      {/* Wrapped, not scrolled sideways: long GRANT lines must not widen the page on a phone. */}
      <pre
        aria-label={label}
        className="max-h-72 overflow-y-auto whitespace-pre-wrap bg-white px-3 py-2.5 font-mono text-xs leading-5 text-gray-900 [overflow-wrap:anywhere]"
      >
        {sql}
      </pre>
    </div>
  );
}

function ConnectedCard({
  title,
  conn,
  body,
  children,
}: {
  title: string;
  conn: Connection;
  /** Replaces the label and mode row (Postgres has no test/live mode). */
  body?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div
      data-testid={`${conn.kind}-connected-card`}
      className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-4 sm:px-5"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 items-start gap-3">
          <CircleCheck aria-hidden className="mt-0.5 size-5 shrink-0 text-emerald-600" />
          <div className="min-w-0">
            <h3 className="text-sm font-semibold text-emerald-900">{title}</h3>
            {body ?? (
              <div className="mt-1 flex flex-wrap items-center gap-2">
                <code className="break-all font-mono text-sm text-gray-900">{conn.label}</code>
                <ModeBadge mode={conn.mode} />
              </div>
            )}
            <p className="mt-1 text-xs text-emerald-800">Connected {formatDateTime(conn.connected_at)}</p>
          </div>
        </div>
        {children}
      </div>
    </div>
  );
}

function ClerkPanel({
  projectId,
  connected,
  canEdit,
  stripeMissing,
  base,
}: {
  projectId: string;
  connected?: Connection;
  canEdit: boolean;
  stripeMissing: boolean;
  base: string;
}) {
  const [reconnecting, setReconnecting] = useState(false);
  const [warnings, setWarnings] = useState<string[]>([]);
  const showForm = canEdit && (!connected || reconnecting);

  return (
    <div className="max-w-2xl space-y-5">
      {connected && !reconnecting && (
        <ConnectedCard title="Clerk connected" conn={connected}>
          {canEdit && (
            <Button variant="secondary" size="sm" onClick={() => setReconnecting(true)}>
              Reconnect
            </Button>
          )}
        </ConnectedCard>
      )}
      {warnings.length > 0 && !showForm && (
        <Notice tone="warning" title="Connected, with something to look at">
          <ul className="list-disc space-y-1 pl-4">
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Notice>
      )}
      {showForm ? (
        <ConnectClerkForm
          projectId={projectId}
          reconnecting={reconnecting}
          onCancel={() => setReconnecting(false)}
          onConnected={(res) => {
            setWarnings(res.warnings);
            setReconnecting(false);
          }}
        />
      ) : (
        !canEdit && (
          <>
            {!connected && <p className="text-sm text-gray-600">Clerk is not connected yet.</p>}
            <AdminOnlyNote>Only an admin can connect Clerk.</AdminOnlyNote>
          </>
        )
      )}
      {stripeMissing && (
        <Notice tone="warning">
          Stripe still needs connecting on{' '}
          <StepLink base={base} step={2}>
            step 2
          </StepLink>
          . Clerk only replaces the database step, not billing.
        </Notice>
      )}
      <Notice icon={<ShieldCheck className="size-4" />}>
        ParityRail only lists and retrieves users and organizations — it never writes to Clerk. It can’t create a
        narrower-scope key, so treat this one like any other credential and rotate it in Clerk if it ever leaks.
      </Notice>
    </div>
  );
}

function ConnectClerkForm({
  projectId,
  reconnecting,
  onCancel,
  onConnected,
}: {
  projectId: string;
  reconnecting: boolean;
  onCancel: () => void;
  onConnected: (res: ConnectResult) => void;
}) {
  const queryClient = useQueryClient();
  const [secretKey, setSecretKey] = useState('');
  const [confirm, setConfirm] = useState<string | null>(null);

  const connect = useMutation({
    mutationFn: (replace: boolean) =>
      api.connectClerk(projectId, { secret_key: secretKey, ...(replace ? { replace: true } : {}) }),
    onSuccess: async (res) => {
      setConfirm(null);
      setSecretKey('');
      rememberConnection(queryClient, projectId, res);
      toast.success(`Clerk connected — ${res.label}`);
      onConnected(res);
      await refreshProject(queryClient, projectId);
    },
    onError: (err) => {
      // Postgres is connected: the server asks for a confirmation first.
      if (isApiError(err, 409) && err.code === 'replace_required') setConfirm(err.message);
      else setConfirm(null);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    connect.mutate(false);
  }

  const needsConfirm = isApiError(connect.error) && connect.error.code === 'replace_required';

  return (
    <form onSubmit={onSubmit} className="space-y-5" aria-label="Connect Clerk">
      <SecretField
        label="Clerk Backend API secret key"
        name="secret_key"
        placeholder="sk_test_…"
        value={secretKey}
        onChange={(e) => setSecretKey(e.target.value)}
        description={
          <>
            Copy it from Clerk Dashboard → API keys → Secret keys: <code className="font-mono">sk_test_</code> for
            your development instance, <code className="font-mono">sk_live_</code> for production.
          </>
        }
      />
      {connect.isError && !needsConfirm && <ErrorAlert message={errorMessage(connect.error)} />}
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <Button type="submit" busy={connect.isPending} busyLabel="Testing & connecting…">
          Test & connect
        </Button>
        {reconnecting && (
          <Button variant="ghost" onClick={onCancel} disabled={connect.isPending}>
            Cancel
          </Button>
        )}
      </div>
      <p className="text-xs leading-5 text-gray-500">
        ParityRail verifies the key by calling Clerk’s <code className="font-mono">GET /users?limit=1</code> before
        saving it. The key is stored encrypted and only ever shown masked.
      </p>

      <ReplaceSourceDialog
        from="Postgres / Supabase"
        to="Clerk"
        action="Replace with Clerk"
        reason={confirm}
        pending={connect.isPending}
        onCancel={() => setConfirm(null)}
        onReplace={() => connect.mutate(true)}
      />
    </form>
  );
}

/**
 * Connecting one access-state source replaces the other (wizard step 3):
 * the server answers 409 replace_required with why, and the person confirms.
 */
function ReplaceSourceDialog({
  from,
  to,
  action,
  reason,
  pending,
  onCancel,
  onReplace,
}: {
  from: string;
  to: string;
  action: string;
  /** The server's explanation; null while no confirmation is asked. */
  reason: string | null;
  pending: boolean;
  onCancel: () => void;
  onReplace: () => void;
}) {
  return (
    <Modal
      open={reason !== null}
      onOpenChange={(open) => {
        if (!open && !pending) onCancel();
      }}
      title={`Replace ${from} with ${to}?`}
      description={reason ?? undefined}
      role="alertdialog"
    >
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button busy={pending} busyLabel="Testing & connecting…" onClick={onReplace}>
          {action}
        </Button>
      </div>
    </Modal>
  );
}
