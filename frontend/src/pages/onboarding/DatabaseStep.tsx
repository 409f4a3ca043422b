// Step 3 "Database": where the app keeps access state. A tablist labelled
// "Access-state source" with "Postgres / Supabase" (DatabaseStepPostgres.tsx)
// and "Clerk" (DatabaseStepClerk.tsx); a project connects one, not both.
import * as Tabs from '@radix-ui/react-tabs';
import { Database, KeyRound } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api';
import { ErrorAlert, LoadingState, Notice } from '../../components/ui';
import { ClerkPanel } from './DatabaseStepClerk';
import { PostgresPanel } from './DatabaseStepPostgres';
import { ContinueFooter, DemoConnected, findConnection, useConnections, type StepProps } from './shared';

type SourceTab = 'postgres' | 'clerk';

const tabClass =
  'inline-flex items-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium text-gray-600 transition-colors hover:text-gray-900 data-[state=active]:bg-white data-[state=active]:text-gray-900 data-[state=active]:shadow-xs data-[state=active]:ring-1 data-[state=active]:ring-gray-200';

export function DatabaseStep({ project, canEdit, base, goTo }: StepProps) {
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

      {(clerk || postgres) && <ContinueFooter note="ParityRail only reads your access state." onContinue={() => goTo(4)} />}
    </div>
  );
}
