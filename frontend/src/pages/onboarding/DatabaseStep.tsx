// Step 3 "Database": where the app keeps access state. A tablist labelled
// "Access-state source" with "Postgres / Supabase" and "Clerk"; a project
// connects one, not both. The Clerk tab follows the user's "Connect Clerk"
// page to the letter.
import * as Tabs from '@radix-ui/react-tabs';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ArrowRight, CircleCheck, Database, KeyRound, ShieldCheck } from 'lucide-react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { toast } from 'sonner';
import { api, errorMessage, isApiError } from '../../api';
import { Modal } from '../../components/Modal';
import {
  Button,
  ErrorAlert,
  LoadingState,
  ModeBadge,
  Notice,
  SecretField,
  TextField,
} from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Connection, ConnectResult, Project } from '../../types';
import {
  AdminOnlyNote,
  DemoConnected,
  findConnection,
  LaterBuildNote,
  refreshProject,
  rememberConnection,
  StepFooter,
  StepLink,
  useConnections,
} from './shared';

type SourceTab = 'postgres' | 'clerk';

const tabClass =
  'inline-flex items-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium text-gray-600 transition-colors hover:text-gray-900 data-[state=active]:bg-white data-[state=active]:text-gray-900 data-[state=active]:shadow-xs data-[state=active]:ring-1 data-[state=active]:ring-gray-200';

export function DatabaseStep({
  project,
  canEdit,
  base,
  goTo,
}: {
  project: Project;
  canEdit: boolean;
  base: string;
  goTo: (step: number) => void;
}) {
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
                <PostgresPanel connected={postgres} clerk={clerk} canEdit={canEdit} />
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
  connected,
  clerk,
  canEdit,
}: {
  connected?: Connection;
  clerk?: Connection;
  canEdit: boolean;
}) {
  return (
    <div className="max-w-2xl space-y-5">
      {connected && <ConnectedCard title="Postgres connected" conn={connected} />}
      {clerk && !connected && (
        <p className="text-sm text-gray-600">
          This project reads access state from Clerk (<code className="font-mono">{clerk.label}</code>).
        </p>
      )}
      <TextField
        label="Read-only connection string"
        name="connection_string"
        placeholder="postgres://parityrail_read:…@db.example.com:5432/app?sslmode=require"
        disabled
        description={
          <>
            A role that can only SELECT. ParityRail sets{' '}
            <code className="font-mono">default_transaction_read_only = on</code> for every read connection.
          </>
        }
      />
      <LaterBuildNote>
        <p>
          Connecting Postgres / Supabase arrives in a later build of ParityRail: this build can't test or store a
          connection string yet.
        </p>
        <p>If your app keeps plan, premium and trial in Clerk metadata, use the Clerk tab.</p>
      </LaterBuildNote>
      {canEdit && (
        <Button disabled title="Arrives in a later build">
          Test & connect
        </Button>
      )}
    </div>
  );
}

function ConnectedCard({
  title,
  conn,
  children,
}: {
  title: string;
  conn: Connection;
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
            <div className="mt-1 flex flex-wrap items-center gap-2">
              <code className="break-all font-mono text-sm text-gray-900">{conn.label}</code>
              <ModeBadge mode={conn.mode} />
            </div>
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

      <Modal
        open={confirm !== null}
        onOpenChange={(open) => {
          if (!open && !connect.isPending) setConfirm(null);
        }}
        title="Replace Postgres / Supabase with Clerk?"
        description={confirm ?? undefined}
        role="alertdialog"
      >
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirm(null)} disabled={connect.isPending}>
            Cancel
          </Button>
          <Button busy={connect.isPending} busyLabel="Testing & connecting…" onClick={() => connect.mutate(true)}>
            Replace with Clerk
          </Button>
        </div>
      </Modal>
    </form>
  );
}
