// Step 2 "Stripe": connect a restricted API key (probed with limit=1 reads
// before anything is stored), and the webhook endpoint to add in Stripe.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CreditCard, Webhook } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { Button, CopyButton, ErrorAlert, LoadingState, ModeBadge, SecretField } from '../../components/ui';
import { formatDateTime } from '../../format';
import type { ConnectResult } from '../../types';
import {
  AdminOnlyNote,
  ContinueFooter,
  DemoConnected,
  findConnection,
  refreshProject,
  rememberConnection,
  SectionHeading,
  useConnections,
  WarningsNotice,
  type StepProps,
} from './shared';

export function StripeStep({ project, canEdit, base, goTo }: StepProps) {
  const connections = useConnections(project.id);
  const stripe = findConnection(connections.data?.items, 'stripe');

  if (project.billing_source === 'demo') {
    return (
      <DemoConnected what="demo Stripe account" base={base} next={3} goTo={goTo}>
        Acme Analytics' sample Stripe account: 61 customers in every subscription status — trials, past due, paused
        collection, cancel at period end, several subscriptions, a deleted customer and an unmapped price.
      </DemoConnected>
    );
  }

  return (
    <div className="space-y-10">
      <section className="space-y-5">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <CreditCard aria-hidden className="size-5 text-gray-400" />
          <SectionHeading id="stripe-key-title">Restricted API key</SectionHeading>
          {stripe && <ModeBadge mode={stripe.mode} />}
        </div>
        <p className="max-w-2xl text-sm leading-6 text-gray-600">
          In Stripe Dashboard → Developers → API keys, create a restricted key with <strong className="font-medium text-gray-900">Read</strong>{' '}
          on Customers, Subscriptions and Invoices. Optional: Products (product names in plan mapping), Prices
          (amounts of tiered prices) and, if you use them, Checkout Sessions and Entitlements. A
          secret key (<code className="font-mono text-xs">sk_…</code>) works too, but a restricted key can only read.
        </p>

        {connections.isPending ? (
          <LoadingState label="Loading connection…" />
        ) : connections.isError ? (
          <ErrorAlert message={errorMessage(connections.error)} />
        ) : stripe ? (
          <dl className="grid max-w-2xl gap-x-6 gap-y-1 rounded-lg sm:gap-y-3 border border-emerald-200 bg-emerald-50/60 px-4 py-3.5 text-sm sm:grid-cols-[auto_minmax(0,1fr)]">
            <dt className="text-xs text-gray-600 sm:text-sm">Connected key</dt>
            <dd className="mb-2 sm:mb-0">
              <code className="font-mono text-gray-900">{stripe.label}</code>
            </dd>
            <dt className="text-xs text-gray-600 sm:text-sm">Webhook signing secret</dt>
            <dd className="mb-2 sm:mb-0">
              {stripe.extra_label ? (
                <code className="font-mono text-gray-900">{stripe.extra_label}</code>
              ) : (
                <span className="text-gray-500">Not set — ParityRail can't verify Stripe's events without it.</span>
              )}
            </dd>
            <dt className="text-xs text-gray-600 sm:text-sm">Connected</dt>
            <dd className="text-gray-900">{formatDateTime(stripe.connected_at)}</dd>
          </dl>
        ) : !canEdit ? (
          <p className="text-sm text-gray-600">Stripe is not connected yet.</p>
        ) : null}

        {canEdit ? (
          <ConnectStripeForm projectId={project.id} connected={!!stripe} hasSecret={!!stripe?.extra_label} />
        ) : (
          <AdminOnlyNote>Only an admin can connect Stripe.</AdminOnlyNote>
        )}
      </section>

      <WebhookEndpoint url={project.webhook_url} events={project.webhook_events ?? []} />

      {stripe && <ContinueFooter note="Nothing is ever written to Stripe." onContinue={() => goTo(3)} />}
    </div>
  );
}

function ConnectStripeForm({
  projectId,
  connected,
  hasSecret,
}: {
  projectId: string;
  connected: boolean;
  hasSecret: boolean;
}) {
  const queryClient = useQueryClient();
  const [apiKey, setApiKey] = useState('');
  const [secret, setSecret] = useState('');
  const [result, setResult] = useState<ConnectResult | null>(null);

  const connect = useMutation({
    mutationFn: () =>
      api.connectStripe(projectId, { api_key: apiKey, ...(secret.trim() ? { webhook_secret: secret } : {}) }),
    onMutate: () => setResult(null),
    onSuccess: async (res) => {
      setResult(res);
      rememberConnection(queryClient, projectId, res);
      setApiKey('');
      setSecret('');
      toast.success(`Stripe connected — ${res.label}`);
      await refreshProject(queryClient, projectId);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    connect.mutate();
  }

  return (
    <form onSubmit={onSubmit} className="max-w-2xl space-y-5" aria-label="Connect Stripe">
      <SecretField
        label="API key"
        name="api_key"
        placeholder="rk_test_…"
        value={apiKey}
        onChange={(e) => setApiKey(e.target.value)}
        description={
          <>
            Accepted: <code className="font-mono">rk_test_</code>, <code className="font-mono">rk_live_</code>,{' '}
            <code className="font-mono">sk_test_</code>, <code className="font-mono">sk_live_</code>. Test or live
            mode is read from the key.
          </>
        }
      />
      <SecretField
        label="Webhook signing secret (optional)"
        name="webhook_secret"
        placeholder="whsec_…"
        value={secret}
        onChange={(e) => setSecret(e.target.value)}
        description={
          <>
            The <code className="font-mono">whsec_…</code> secret of the endpoint below, from Stripe Dashboard →
            Developers → Webhooks. It verifies every event Stripe sends.
            {hasSecret && ' Leave it empty to keep the stored one.'}
          </>
        }
      />
      {connect.isError && <ErrorAlert message={errorMessage(connect.error)} />}
      {result && result.warnings.length > 0 && (
        <WarningsNotice title="Connected, with something to look at" warnings={result.warnings} />
      )}
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <Button type="submit" busy={connect.isPending} busyLabel="Testing & connecting…">
          {connected ? 'Reconnect' : 'Test & connect'}
        </Button>
        <p className="text-xs text-gray-500">
          ParityRail reads one record of each with a <code className="font-mono">limit=1</code> list before saving.
        </p>
      </div>
    </form>
  );
}

/** Whether Stripe, on the internet, can reach url: https on a public host. */
export function reachableFromStripe(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const h = u.hostname.replace(/^\[|\]$/g, '');
  const local =
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h.endsWith('.local') ||
    h === '::1' ||
    /^127\./.test(h) ||
    /^10\./.test(h) ||
    /^192\.168\./.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
    /^0\./.test(h) ||
    !h.includes('.') && !h.includes(':');
  return u.protocol === 'https:' && !local;
}

function WebhookEndpoint({ url, events }: { url?: string; events: string[] }) {
  return (
    <section aria-labelledby="webhook-title" className="space-y-4 border-t border-gray-100 pt-8">
      <div className="flex items-center gap-3">
        <Webhook aria-hidden className="size-5 text-gray-400" />
        <SectionHeading id="webhook-title">Webhook endpoint</SectionHeading>
      </div>
      <p className="max-w-2xl text-sm leading-6 text-gray-600">
        In Stripe Dashboard → Developers → Webhooks, add an endpoint with this URL and select the events below, then
        paste its signing secret above. Each event makes ParityRail re-check that customer from freshly read state.
      </p>
      {url ? (
        <div className="flex max-w-2xl flex-col gap-2 sm:flex-row sm:items-center">
          <code
            data-testid="webhook-url"
            className="block min-w-0 flex-1 break-all rounded-md bg-gray-50 px-3 py-2 font-mono text-sm text-gray-900 ring-1 ring-inset ring-gray-200"
          >
            {url}
          </code>
          <CopyButton value={url} label="Copy URL" what="Webhook URL" />
        </div>
      ) : (
        <p className="text-sm text-gray-500">The server did not send this project's webhook URL.</p>
      )}
      {url && !reachableFromStripe(url) && (
        <p role="note" className="max-w-2xl rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
          This address only works on this machine or its network: Stripe cannot deliver events to it. Start ParityRail
          with <code className="font-mono">PARITYRAIL_BASE_URL=https://your-public-host</code> (the address people and
          Stripe reach it at, e.g. behind Caddy or nginx), then copy the URL again.
        </p>
      )}
      {events.length > 0 && (
        <div>
          <h4 id="webhook-events-title" className="text-sm font-medium text-gray-900">
            Events to send ({events.length})
          </h4>
          <ul aria-labelledby="webhook-events-title" className="mt-2 grid gap-1.5 sm:grid-cols-2">
            {events.map((ev) => (
              <li key={ev} className="min-w-0">
                <code className="break-all font-mono text-xs text-gray-700">{ev}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
