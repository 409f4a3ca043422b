// /settings/email — the workspace's mail server for email notification
// channels. PARITYRAIL_SMTP_URL wins: the page then shows its values read-only
// and says why.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api, fieldErrors } from '../api';
import {
  Button,
  Card,
  EmptyState,
  FormError,
  LoadingState,
  Notice,
  PageHeader,
  QueryError,
  SelectField,
  TextField,
} from '../components/ui';
import { hasRole, useMe } from '../session';
import type { SMTPRequest, SMTPSettings } from '../types';

const smtpKey = ['settings', 'smtp'] as const;

export function EmailSettingsPage() {
  const me = useMe();
  const isAdmin = !!me.data && hasRole(me.data, 'admin');
  return (
    <div className="mx-auto max-w-2xl">
      <PageHeader title="Email" description="The mail server ParityRail sends email notifications through." />
      {isAdmin ? <SMTPForm /> : <EmptyState title="Only admins set the mail server">Ask an admin or the owner.</EmptyState>}
    </div>
  );
}

function SMTPForm() {
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: smtpKey, queryFn: api.getSMTP });
  const [form, setForm] = useState<SMTPRequest>({ host: '', port: 587, username: '', from: '', tls: 'starttls' });
  const [password, setPassword] = useState('');
  useEffect(() => {
    const s = settings.data;
    if (s?.configured) {
      setForm({ host: s.host, port: s.port, username: s.username, from: s.from, tls: s.tls || 'starttls' });
    }
  }, [settings.data]);
  const save = useMutation({
    mutationFn: () => api.saveSMTP({ ...form, ...(password ? { password } : {}) }),
    onSuccess: (s: SMTPSettings) => {
      setPassword('');
      queryClient.setQueryData(smtpKey, s);
      toast.success('Mail server saved');
    },
  });
  if (settings.isPending) return <LoadingState label="Loading the mail server…" />;
  if (settings.isError) return <QueryError title="Could not load the mail server" query={settings} />;
  const fromEnv = settings.data.source === 'environment';
  const fieldError = fieldErrors(save.error).on;
  const set = (patch: Partial<SMTPRequest>) => setForm((f) => ({ ...f, ...patch }));

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }

  return (
    <Card className="p-5">
      {fromEnv && (
        <Notice tone="info" title="Set by the server's environment" className="mb-4">
          PARITYRAIL_SMTP_URL is set where ParityRail runs, and it wins over this page. Change it there and restart.
        </Notice>
      )}
      <form onSubmit={onSubmit} className="space-y-4">
        <fieldset disabled={fromEnv} className="space-y-4">
          <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_7rem]">
            <TextField label="Host" placeholder="smtp.example.com" value={form.host} error={fieldError('host')} onChange={(e) => set({ host: e.target.value })} />
            <TextField
              label="Port"
              type="number"
              value={String(form.port)}
              error={fieldError('port')}
              onChange={(e) => set({ port: Number(e.target.value) || 0 })}
            />
          </div>
          <SelectField
            label="Encryption"
            value={form.tls}
            onChange={(e) => set({ tls: e.target.value as SMTPRequest['tls'] })}
            error={fieldError('tls')}
          >
            <option value="starttls">STARTTLS (usually port 587)</option>
            <option value="tls">Implicit TLS (usually port 465)</option>
            <option value="none">None (only for a server on this machine)</option>
          </SelectField>
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField label="Username" autoComplete="off" value={form.username} onChange={(e) => set({ username: e.target.value })} />
            <TextField
              label="Password"
              type="password"
              autoComplete="new-password"
              placeholder={settings.data.password_set ? '•••••••• (kept unless you type a new one)' : ''}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <TextField
            label="From address"
            placeholder="parityrail@example.com"
            value={form.from}
            error={fieldError('from')}
            onChange={(e) => set({ from: e.target.value })}
          />
        </fieldset>
        <FormError error={save.error} />
        {!fromEnv && (
          <Button type="submit" busy={save.isPending} busyLabel="Saving…">
            Save
          </Button>
        )}
      </form>
    </Card>
  );
}
