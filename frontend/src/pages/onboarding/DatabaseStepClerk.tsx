// Step 3's Clerk tab, after the user's "Connect Clerk" page to the letter: a
// Backend API secret key, verified with one read before it is stored.
import { ShieldCheck } from 'lucide-react';
import { useState } from 'react';
import { api } from '../../api';
import { Notice, SecretField } from '../../components/ui';
import type { Connection } from '../../types';
import { SourceConnectForm, SourcePanel, useSourceConnect, type ConnectFormProps } from './accessSource';
import { StepLink } from './shared';

export function ClerkPanel({
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
  return (
    <SourcePanel
      title="Clerk connected"
      connected={connected}
      canEdit={canEdit}
      notConnected="Clerk is not connected yet."
      adminOnly="Only an admin can connect Clerk."
      form={(f) => <ConnectClerkForm {...f} projectId={projectId} />}
    >
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
    </SourcePanel>
  );
}

function ConnectClerkForm({ projectId, reconnecting, onCancel, onConnected }: ConnectFormProps & { projectId: string }) {
  const [secretKey, setSecretKey] = useState('');
  const connect = useSourceConnect({
    projectId,
    what: 'Clerk',
    connect: (replace) => api.connectClerk(projectId, { secret_key: secretKey, ...(replace ? { replace: true } : {}) }),
    onConnected: (res) => {
      setSecretKey('');
      onConnected(res);
    },
  });

  return (
    <SourceConnectForm
      label="Connect Clerk"
      connect={connect}
      replace={{ from: 'Postgres / Supabase', to: 'Clerk', action: 'Replace with Clerk' }}
      reconnecting={reconnecting}
      onCancel={onCancel}
      footnote={
        <>
          ParityRail verifies the key by calling Clerk’s <code className="font-mono">GET /users?limit=1</code> before
          saving it. The key is stored encrypted and only ever shown masked.
        </>
      }
    >
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
    </SourceConnectForm>
  );
}
