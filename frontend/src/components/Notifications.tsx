// Notification channels of a project (Slack, email, signed webhook): add,
// choose events, send a test and see the answer inline, see why a channel
// fails, the delivery log, and the weekly digest as the email will look.
// Used on the project's settings page and on wizard step 8; it uses no
// <form> so it can sit inside step 8's form.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, CheckCircle2, Send } from 'lucide-react';
import { useState, type KeyboardEvent } from 'react';
import { toast } from 'sonner';
import { api, errorMessage, fieldErrors } from '../api';
import { reachableFromStripe } from '../pages/onboarding/StripeStep';
import { formatDateTime } from '../format';
import type { Channel, ChannelEvents, ChannelKind, Project, Severity, TestResult } from '../types';
import { DataTable, type Column } from './DataTable';
import { ConfirmDialog } from './Modal';
import {
  Button,
  Card,
  EmptyState,
  FieldError,
  FormError,
  LoadingState,
  Notice,
  QueryError,
  RemoveButton,
  SelectField,
  ShownOnce,
  TextField,
  cx,
} from './ui';

export const channelsKey = (projectId: string) => ['projects', projectId, 'notification-channels'] as const;
export const deliveriesKey = (projectId: string) => ['projects', projectId, 'notification-deliveries'] as const;

const kinds: { value: ChannelKind; label: string; hint: string }[] = [
  { value: 'slack', label: 'Slack', hint: 'An incoming webhook URL (also Mattermost and other Slack-compatible receivers).' },
  { value: 'email', label: 'Email', hint: 'Sent through the mail server in Settings → Email.' },
  { value: 'webhook', label: 'Webhook', hint: 'A signed JSON POST, for PagerDuty or Opsgenie bridges and scripts.' },
];
const allSeverities: Severity[] = ['critical', 'high', 'medium', 'low'];
const eventNames: Record<string, string> = {
  incidents: 'New incidents',
  check_failing: 'Check failing',
  check_recovered: 'Check recovered',
  digest: 'Weekly digest',
  test: 'Test',
};

function describeEvents(ev: ChannelEvents): string {
  const parts: string[] = [];
  if (ev.incidents.length) parts.push(`new ${ev.incidents.join(' / ')} incidents`);
  if (ev.check_failing) parts.push('failing checks');
  if (ev.digest) parts.push('weekly digest');
  return parts.join(', ') || 'nothing';
}

function EventsPicker({ value, onChange, error }: { value: ChannelEvents; onChange: (v: ChannelEvents) => void; error?: string }) {
  const toggle = (sev: Severity) =>
    onChange({
      ...value,
      incidents: value.incidents.includes(sev) ? value.incidents.filter((s) => s !== sev) : [...value.incidents, sev],
    });
  // An on/off event: a checkbox and its words.
  const flag = (key: 'check_failing' | 'digest', label: string) => (
    <label className="flex items-center gap-1.5">
      <input
        type="checkbox"
        className="size-4 accent-indigo-600"
        checked={value[key]}
        onChange={(e) => onChange({ ...value, [key]: e.target.checked })}
      />
      {label}
    </label>
  );
  return (
    <fieldset aria-invalid={error ? true : undefined}>
      <legend className="text-sm font-medium text-gray-900">Events</legend>
      <div className="mt-2 space-y-2 text-sm">
        <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
          <span className="text-gray-700">New incidents:</span>
          {allSeverities.map((sev) => (
            <label key={sev} className="inline-flex items-center gap-1.5 capitalize">
              <input type="checkbox" className="size-4 accent-indigo-600" checked={value.incidents.includes(sev)} onChange={() => toggle(sev)} />
              {sev}
            </label>
          ))}
        </div>
        {flag('check_failing', 'Scheduled checks failing twice in a row, and their recovery')}
        {flag('digest', 'Weekly digest')}
      </div>
      {error && <FieldError>{error}</FieldError>}
    </fieldset>
  );
}

/** Where links in messages start: the project's public base, as the server sees it. */
function linkOrigin(url: string | undefined): string {
  try {
    return url ? new URL(url).origin : '';
  } catch {
    return '';
  }
}

function AddChannel({ project, onAdded }: { project: Project; onAdded: (c: Channel) => void }) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<ChannelKind>('slack');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [recipients, setRecipients] = useState('');
  const [events, setEvents] = useState<ChannelEvents>({ incidents: ['critical', 'high'], check_failing: true, digest: true });
  const create = useMutation({
    mutationFn: () =>
      api.createChannel(project.id, {
        kind,
        name: name.trim(),
        events,
        ...(kind === 'email'
          ? { recipients: recipients.split(/[\s,;]+/).filter(Boolean) }
          : { url: url.trim() }),
      }),
    onSuccess: (c) => {
      setName('');
      setUrl('');
      setRecipients('');
      queryClient.invalidateQueries({ queryKey: channelsKey(project.id) });
      toast.success(`Channel “${c.name}” added`);
      onAdded(c);
    },
  });
  const fieldError = fieldErrors(create.error).on;
  const submitOnEnter = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      create.mutate();
    }
  };
  const origin = linkOrigin(project.webhook_url);
  const localLinks = origin !== '' && !reachableFromStripe(project.webhook_url ?? '');

  return (
    <Card className="p-5">
      <h3 className="text-sm font-semibold text-gray-900">Add a channel</h3>
      <div className="mt-4 space-y-4">
        <div className="grid gap-4 sm:grid-cols-[10rem_minmax(0,1fr)]">
          <SelectField label="Kind" value={kind} onChange={(e) => setKind(e.target.value as ChannelKind)}>
            {kinds.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Name"
            placeholder={kind === 'email' ? 'On-call email' : kind === 'slack' ? '#billing-alerts' : 'PagerDuty bridge'}
            value={name}
            error={fieldError('name')}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={submitOnEnter}
          />
        </div>
        {kind === 'email' ? (
          <TextField
            label="Recipients"
            placeholder="oncall@example.com, finance@example.com"
            description={kinds[1].hint}
            value={recipients}
            error={fieldError('recipients')}
            onChange={(e) => setRecipients(e.target.value)}
            onKeyDown={submitOnEnter}
          />
        ) : (
          <TextField
            label={kind === 'slack' ? 'Webhook URL' : 'URL'}
            type="url"
            autoComplete="off"
            placeholder={kind === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://example.com/parityrail'}
            description={kinds.find((k) => k.value === kind)?.hint + ' Stored sealed; shown only masked.'}
            value={url}
            error={fieldError('url')}
            onChange={(e) => setUrl(e.target.value)}
            onKeyDown={submitOnEnter}
          />
        )}
        <EventsPicker value={events} onChange={setEvents} error={fieldError('events')} />
        {localLinks && (
          <Notice tone="warning" title="Links will point at this server's local address">
            PARITYRAIL_BASE_URL is not set, so links in messages use an address like{' '}
            <code className="font-mono text-xs">{origin}</code> that teammates may not reach. Set
            PARITYRAIL_BASE_URL to the address your team opens ParityRail at.
          </Notice>
        )}
        <FormError error={create.error} />
        <Button busy={create.isPending} busyLabel="Adding…" onClick={() => create.mutate()}>
          Add channel
        </Button>
      </div>
    </Card>
  );
}

function TestOutcome({ result }: { result: TestResult }) {
  return result.delivered ? (
    <p className="flex items-center gap-1.5 text-sm font-medium text-green-700" role="status">
      <CheckCircle2 aria-hidden className="size-4" /> Delivered{result.status ? ` (${result.status})` : ''}
    </p>
  ) : (
    <p className="flex items-start gap-1.5 text-sm text-red-700" role="status">
      <AlertTriangle aria-hidden className="mt-0.5 size-4 shrink-0" />
      <span>
        Not delivered{result.status ? ` (${result.status})` : ''}: {result.hint || result.body || 'no answer'}
      </span>
    </p>
  );
}

function ChannelRow({ project, channel, canEdit }: { project: Project; channel: Channel; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const [result, setResult] = useState<TestResult | null>(null);
  const [deleting, setDeleting] = useState(false);
  const refresh = () => {
    queryClient.invalidateQueries({ queryKey: channelsKey(project.id) });
    queryClient.invalidateQueries({ queryKey: deliveriesKey(project.id) });
  };
  const test = useMutation({
    mutationFn: () => api.testChannel(project.id, channel.id),
    onSuccess: (r) => {
      setResult(r);
      refresh();
    },
    onError: (e) => toast.error(errorMessage(e)),
  });
  const remove = useMutation({
    mutationFn: () => api.deleteChannel(project.id, channel.id),
    onSuccess: () => {
      toast.success(`Channel “${channel.name}” deleted`);
      refresh();
    },
  });
  return (
    <li className="flex flex-col gap-2 p-4 sm:flex-row sm:items-start sm:justify-between">
      <div className="min-w-0">
        <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-gray-900">
          {channel.name}
          <span className="rounded bg-gray-100 px-1.5 py-0.5 text-xs font-normal capitalize text-gray-700">{channel.kind}</span>
          {channel.status === 'failing' && (
            <span className="rounded bg-red-50 px-1.5 py-0.5 text-xs font-medium text-red-700 ring-1 ring-inset ring-red-200">Failing</span>
          )}
        </p>
        <p className="mt-0.5 break-all font-mono text-xs text-gray-500">{channel.label}</p>
        <p className="mt-1 text-xs text-gray-600">Told about: {describeEvents(channel.events)}</p>
        {channel.status === 'failing' && channel.last_error && !result && (
          <p className="mt-1 text-xs text-red-700">{channel.last_error}</p>
        )}
        {result && <div className="mt-2">{<TestOutcome result={result} />}</div>}
      </div>
      {canEdit && (
        <div className="flex shrink-0 gap-2">
          <Button variant="secondary" size="sm" busy={test.isPending} busyLabel="Sending…" onClick={() => test.mutate()}>
            <Send aria-hidden className="size-4" /> Send test
          </Button>
          <RemoveButton label={`Delete ${channel.name}`} onClick={() => setDeleting(true)} />
        </div>
      )}
      <ConfirmDialog
        open={deleting}
        onCancel={() => setDeleting(false)}
        title={`Delete “${channel.name}”?`}
        description="It stops receiving notifications; those still queued for it are dropped."
        confirmLabel="Delete channel"
        busyLabel="Deleting…"
        mutation={remove}
        onConfirm={() => remove.mutate()}
      />
    </li>
  );
}

/** The project's channels, and (admins) the form to add one. */
export function ChannelsManager({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const channels = useQuery({ queryKey: channelsKey(project.id), queryFn: () => api.listChannels(project.id) });
  const [secret, setSecret] = useState<Channel | null>(null);
  if (channels.isPending) return <LoadingState label="Loading channels…" />;
  if (channels.isError) return <QueryError title="Could not load channels" query={channels} />;
  return (
    <div className="space-y-4">
      {channels.data.items.length === 0 ? (
        <EmptyState title="No channels yet">
          Nobody is told about new incidents until a channel is added. {canEdit ? '' : 'Ask an admin to add one.'}
        </EmptyState>
      ) : (
        <Card>
          <ul className="divide-y divide-gray-100" aria-label="Notification channels">
            {channels.data.items.map((c) => (
              <ChannelRow key={c.id} project={project} channel={c} canEdit={canEdit} />
            ))}
          </ul>
        </Card>
      )}
      {secret?.secret && (
        <ShownOnce
          heading={<>Signing secret of “{secret.name}”: copy it now, it is shown only once.</>}
          label="Signing secret"
          value={secret.secret}
          copyLabel="Copy secret"
          what="Signing secret"
          note={
            <>
              Each POST carries <code className="font-mono">ParityRail-Signature: t=…,v1=…</code>: the hex HMAC-SHA256 of
              “t.body” keyed with this secret, like Stripe's own webhooks.
            </>
          }
        />
      )}
      {canEdit && <AddChannel project={project} onAdded={(c) => setSecret(c.secret ? c : null)} />}
    </div>
  );
}

const deliveryColumns: Column[] = [
  { label: 'Time' },
  { label: 'Channel' },
  { label: 'Event' },
  { label: 'Result' },
  { label: 'Answer' },
];

const resultTone: Record<string, string> = {
  delivered: 'text-green-700',
  retrying: 'text-amber-700',
  failed: 'text-red-700',
};

/** The last 200 delivery attempts. */
export function DeliveryLog({ projectId }: { projectId: string }) {
  const log = useQuery({ queryKey: deliveriesKey(projectId), queryFn: () => api.listDeliveries(projectId), refetchInterval: 10_000 });
  if (log.isPending) return <LoadingState label="Loading deliveries…" />;
  if (log.isError) return <QueryError title="Could not load deliveries" query={log} />;
  if (log.data.items.length === 0) return <EmptyState title="Nothing sent yet">
        Each notification that goes out shows here with the receiver's answer; a test's answer shows under its channel.
      </EmptyState>;
  return (
    <DataTable caption="Delivery log" columns={deliveryColumns} compact>
      {log.data.items.map((d, i) => (
        <tr key={`${d.delivery_key}-${d.attempt}-${i}`}>
          <td className="whitespace-nowrap px-4 py-2.5 text-gray-600">{formatDateTime(d.at)}</td>
          <td className="px-4 py-2.5 text-gray-900">{d.channel_name}</td>
          <td className="whitespace-nowrap px-4 py-2.5 text-gray-700">{eventNames[d.event] ?? d.event}</td>
          <td className={cx('whitespace-nowrap px-4 py-2.5 font-medium capitalize', resultTone[d.result])}>
            {d.result}
            {d.attempt > 1 && <span className="font-normal text-gray-500"> · try {d.attempt}</span>}
          </td>
          <td className="max-w-xs truncate px-4 py-2.5 text-xs text-gray-600" title={d.answer}>
            {d.status ? `${d.status} ` : ''}
            {d.answer}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** The weekly digest, rendered as the email will look, and "Send now". */
export function DigestPanel({ projectId, canEdit }: { projectId: string; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const preview = useQuery({ queryKey: ['projects', projectId, 'digest-preview'], queryFn: () => api.previewDigest(projectId) });
  const send = useMutation({
    mutationFn: () => api.sendDigest(projectId),
    onSuccess: (r) => {
      toast.success(`Digest queued for ${r.queued} channel${r.queued === 1 ? '' : 's'}`);
      queryClient.invalidateQueries({ queryKey: deliveriesKey(projectId) });
    },
    onError: (e) => toast.error(errorMessage(e)),
  });
  if (preview.isPending) return <LoadingState label="Rendering the digest…" />;
  if (preview.isError) return <QueryError title="Could not render the digest" query={preview} />;
  return (
    <Card className="overflow-hidden">
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-gray-100 px-4 py-3">
        <p className="min-w-0 text-sm">
          <span className="text-gray-500">Subject: </span>
          <span className="font-medium text-gray-900">{preview.data.subject}</span>
        </p>
        {canEdit && (
          <Button variant="secondary" size="sm" busy={send.isPending} busyLabel="Queuing…" onClick={() => send.mutate()}>
            <Send aria-hidden className="size-4" /> Send now
          </Button>
        )}
      </div>
      {/* sandboxed: the email's own HTML, without scripts or our styles */}
      <iframe title="Weekly digest preview" sandbox="" srcDoc={preview.data.html} className="h-[28rem] w-full bg-white" />
    </Card>
  );
}
