// Step 3's Postgres / Supabase tab: a read-only connection string (and,
// optionally, the repair role's), tested before it is stored.
import { useQueryClient } from '@tanstack/react-query';
import { ShieldCheck } from 'lucide-react';
import { useState } from 'react';
import { api } from '../../api';
import { Notice, SecretField } from '../../components/ui';
import type { Connection } from '../../types';
import { SourceConnectForm, SourcePanel, useSourceConnect, type ConnectFormProps } from './accessSource';
import { ReadRoleSQL, RepairRoleSQL } from './DatabaseStepRoleSQL';
import { schemaKey, setupSQLKey } from './shared';

export function PostgresPanel({
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
  return (
    <SourcePanel
      title="Postgres connected"
      connected={connected}
      canEdit={canEdit}
      summary={connected && <PostgresTarget conn={connected} />}
      lead={
        clerk &&
        !connected && (
          <p className="text-sm text-gray-600">
            This project reads access state from Clerk (<code className="font-mono">{clerk.label}</code>). Connecting a
            database here replaces it.
          </p>
        )
      }
      notConnected="No database is connected yet."
      adminOnly="Only an admin can connect a database."
      form={(f) => <ConnectPostgresForm {...f} projectId={projectId} hasRepair={!!connected?.extra_label} base={base} />}
    >
      <Notice icon={<ShieldCheck className="size-4" />}>
        ParityRail only reads through this connection: every session it opens is read-only (
        <code className="font-mono text-xs">default_transaction_read_only = on</code>) with a statement timeout. The
        connection strings are stored encrypted; only the host and database name are ever shown.
      </Notice>
    </SourcePanel>
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
  hasRepair,
  base,
  reconnecting,
  onCancel,
  onConnected,
}: ConnectFormProps & { projectId: string; hasRepair: boolean; base: string }) {
  const queryClient = useQueryClient();
  const [connString, setConnString] = useState('');
  const [repairString, setRepairString] = useState('');
  const connect = useSourceConnect({
    projectId,
    what: 'Postgres',
    connect: (replace) =>
      api.connectDatabase(projectId, {
        connection_string: connString.trim(),
        ...(repairString.trim() ? { repair_connection_string: repairString.trim() } : {}),
        ...(replace ? { replace: true } : {}),
      }),
    onConnected: (res) => {
      setConnString('');
      setRepairString('');
      onConnected(res);
      // A new database: a new schema, and role SQL for its tables.
      queryClient.removeQueries({ queryKey: schemaKey(projectId) });
      queryClient.removeQueries({ queryKey: setupSQLKey(projectId) });
    },
  });

  return (
    <SourceConnectForm
      label="Connect Postgres"
      connect={connect}
      replace={{ from: 'Clerk', to: 'Postgres / Supabase', action: 'Replace with Postgres' }}
      reconnecting={reconnecting}
      onCancel={onCancel}
      footnote="ParityRail logs in, checks the role can SELECT at least one table, and only then stores the string, encrypted."
    >
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
      <ReadRoleSQL projectId={projectId} />

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
      <RepairRoleSQL projectId={projectId} base={base} />
    </SourceConnectForm>
  );
}
