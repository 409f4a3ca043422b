// /settings/api-keys — keys for scripts, CI and AI agents (REST v1, MCP).
// Admins create and revoke; a key is shown once, right after it is made.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api, fieldErrors } from '../api';
import { DataTable, cellClass as td, type Column } from '../components/DataTable';
import { ConfirmDialog } from '../components/Modal';
import {
  Button,
  Card,
  EmptyState,
  FieldError,
  FormError,
  LoadingState,
  PageHeader,
  QueryError,
  RemoveButton,
  Section,
  SelectField,
  ShownOnce,
  TextField,
  cx,
} from '../components/ui';
import { formatDate, formatDateTime } from '../format';
import { hasRole, useMe } from '../session';
import type { ApiKey, CreatedApiKey } from '../types';

const keysKey = ['api-keys'] as const;

const keyColumns: Column[] = [
  { label: 'Name' },
  { label: 'Key' },
  { label: 'Reaches' },
  { label: 'Capability' },
  { label: 'Created', className: 'hidden md:table-cell' },
  { label: 'Last used', className: 'hidden sm:table-cell' },
  { label: 'Actions', srOnly: true },
];

const capabilities = [
  { value: 'read', label: 'Read', description: 'Read state, run checks, ignore incidents.' },
  { value: 'repair', label: 'Repair', description: 'Also approve repairs.' },
] as const;

export function ApiKeysPage() {
  const me = useMe();
  const isAdmin = !!me.data && hasRole(me.data, 'admin');
  return (
    <div className="mx-auto max-w-5xl">
      <PageHeader
        title="API keys"
        description="Keys let scripts, CI jobs and AI agents use REST v1 (/api/v1) and MCP (/api/mcp). Send one as Authorization: Bearer sk_prail_…"
      />
      {isAdmin ? (
        <div className="space-y-8">
          <CreateKeyForm />
          <KeysTable />
        </div>
      ) : (
        <EmptyState title="Only admins manage API keys">Ask an admin or the owner for a key.</EmptyState>
      )}
    </div>
  );
}

function CreateKeyForm() {
  const queryClient = useQueryClient();
  const projects = useQuery({ queryKey: ['projects'], queryFn: api.listProjects });
  const [name, setName] = useState('');
  const [projectId, setProjectId] = useState('');
  const [capability, setCapability] = useState<'read' | 'repair'>('read');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  const create = useMutation({
    mutationFn: api.createApiKey,
    onSuccess: (k) => {
      setCreated(k);
      setName('');
      queryClient.invalidateQueries({ queryKey: keysKey });
      toast.success(`API key “${k.name}” created`);
    },
  });
  const fieldError = fieldErrors(create.error).on;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    create.mutate({ name: name.trim(), project_id: projectId, capability });
  }

  return (
    <Section title="Create a key">
      <Card className="mt-3 p-5">
        <form onSubmit={onSubmit} className="space-y-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              label="Name"
              name="name"
              autoComplete="off"
              placeholder="CI pipeline"
              description="What uses it, so you know what breaks when you revoke it."
              value={name}
              error={fieldError('name')}
              onChange={(e) => setName(e.target.value)}
            />
            <SelectField
              label="Reaches"
              name="project_id"
              value={projectId}
              onChange={(e) => setProjectId(e.target.value)}
              error={fieldError('project_id')}
              // The server's message stands in for the hint.
              description={fieldError('project_id') ? undefined : 'A key for one project cannot see the others.'}
            >
              <option value="">Every project</option>
              {projects.data?.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </SelectField>
          </div>
          <fieldset>
            <legend className="text-sm font-medium text-gray-900">Capability</legend>
            <div className="mt-2 grid gap-2 sm:grid-cols-2">
              {capabilities.map((c) => (
                <label
                  key={c.value}
                  className={cx(
                    'flex cursor-pointer gap-3 rounded-lg p-3 ring-1 ring-inset',
                    capability === c.value ? 'bg-indigo-50/60 ring-indigo-600' : 'ring-gray-300 hover:bg-gray-50',
                  )}
                >
                  <input
                    type="radio"
                    name="capability"
                    value={c.value}
                    checked={capability === c.value}
                    onChange={() => setCapability(c.value)}
                    className="mt-0.5 size-4 accent-indigo-600"
                  />
                  <span>
                    <span className="block text-sm font-medium text-gray-900">{c.label}</span>
                    <span className="block text-xs text-gray-600">{c.description}</span>
                  </span>
                </label>
              ))}
            </div>
            {fieldError('capability') && <FieldError>{fieldError('capability')}</FieldError>}
          </fieldset>
          <FormError error={create.error} />
          <Button type="submit" busy={create.isPending} busyLabel="Creating…">
            <KeyRound aria-hidden className="size-4" />
            Create key
          </Button>
        </form>
        {created && (
          <ShownOnce
            className="mt-5"
            heading={<>Copy “{created.name}” now: it is shown only this once.</>}
            label="New API key"
            value={created.key}
            copyLabel="Copy key"
            what="API key"
            note="ParityRail keeps only a hash of it. Lost it? Revoke it and create another."
          />
        )}
      </Card>
    </Section>
  );
}

function KeysTable() {
  const keys = useQuery({ queryKey: keysKey, queryFn: api.listApiKeys });
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  if (keys.isPending) return <LoadingState label="Loading keys…" />;
  if (keys.isError) return <QueryError title="Could not load API keys" query={keys} />;
  return (
    <Section title="Active keys">
      {keys.data.items.length === 0 ? (
        <div className="mt-3">
          <EmptyState title="No API keys yet">Create one above for a script, a CI job or an AI agent.</EmptyState>
        </div>
      ) : (
        <DataTable caption="API keys" columns={keyColumns} className="mt-3">
          {keys.data.items.map((k) => (
            <tr key={k.id}>
              <td className={td + ' font-medium text-gray-900'}>{k.name}</td>
              <td className={td + ' whitespace-nowrap font-mono text-xs text-gray-700'}>
                {k.prefix}…{k.last4}
              </td>
              <td className={td + ' text-gray-700'}>{k.project_id ? k.project_name || k.project_id : 'Every project'}</td>
              <td className={td + ' capitalize text-gray-700'}>{k.capability}</td>
              <td className={td + ' hidden text-gray-500 md:table-cell'}>
                {formatDate(k.created_at)}
                {k.created_by_name && <span className="block text-xs">by {k.created_by_name}</span>}
              </td>
              <td className={td + ' hidden text-gray-500 sm:table-cell'}>
                {k.last_used_at ? (
                  <>
                    {formatDateTime(k.last_used_at)}
                    {k.last_used_ip && <span className="block text-xs">from {k.last_used_ip}</span>}
                  </>
                ) : (
                  'Never'
                )}
              </td>
              <td className={td + ' text-right'}>
                <RemoveButton label={`Revoke ${k.name}`} text="Revoke" onClick={() => setRevoking(k)} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <RevokeKeyDialog apiKey={revoking} onClose={() => setRevoking(null)} />
    </Section>
  );
}

function RevokeKeyDialog({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeApiKey(id),
    onSuccess: () => {
      toast.success(`“${apiKey?.name}” revoked`);
      queryClient.invalidateQueries({ queryKey: keysKey });
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open={!!apiKey}
      onCancel={onClose}
      title={`Revoke “${apiKey?.name ?? ''}”?`}
      description={
        <>
          Anything using <span className="font-mono text-gray-900">{apiKey ? `${apiKey.prefix}…${apiKey.last4}` : ''}</span>{' '}
          is refused from its next request. What it did stays in the ledger.
        </>
      }
      confirmLabel="Revoke key"
      busyLabel="Revoking…"
      mutation={revoke}
      onConfirm={() => apiKey && revoke.mutate(apiKey.id)}
    />
  );
}
