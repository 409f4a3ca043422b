// /settings/account — the signed-in person's own account: change the
// password (other sessions end) and sign out everywhere.
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api, fieldErrors } from '../api';
import { useSignOut } from '../components/AppShell';
import { newPasswordRule } from '../components/AuthForm';
import { Button, Card, FormError, PageHeader, Section, TextField } from '../components/ui';
import { useMe } from '../session';

export function AccountPage() {
  const me = useMe();
  return (
    <div className="mx-auto max-w-2xl">
      <PageHeader title="Account" description={me.data ? `Signed in as ${me.data.email}.` : undefined} />
      <div className="space-y-8">
        <ChangePassword />
        <SignOutEverywhere />
      </div>
    </div>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation({
    mutationFn: api.changePassword,
    onSuccess: () => {
      setCurrent('');
      setNext('');
      toast.success('Password changed — every other session was signed out');
    },
  });
  const fieldError = fieldErrors(change.error).on;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    change.mutate({ current_password: current, new_password: next });
  }

  return (
    <Section title="Change password">
      <Card className="mt-3 p-5">
        <form onSubmit={onSubmit} className="space-y-4">
          <TextField
            label="Current password"
            name="current_password"
            type="password"
            autoComplete="current-password"
            value={current}
            error={fieldError('current_password')}
            onChange={(e) => setCurrent(e.target.value)}
          />
          <TextField
            label="New password"
            name="new_password"
            type="password"
            autoComplete="new-password"
            description={`${newPasswordRule} Your other sessions will be signed out.`}
            value={next}
            error={fieldError('new_password')}
            onChange={(e) => setNext(e.target.value)}
          />
          <FormError error={change.error} />
          <Button type="submit" busy={change.isPending} busyLabel="Changing…">
            Change password
          </Button>
        </form>
      </Card>
    </Section>
  );
}

function SignOutEverywhere() {
  const signOut = useSignOut(api.signOutEverywhere, 'Signed out on every device');
  return (
    <Section title="Sessions">
      <Card className="mt-3 flex flex-wrap items-center justify-between gap-4 p-5">
        <p className="min-w-[14rem] flex-1 text-sm text-gray-600">
          Lost a laptop or signed in on a shared computer? End every session of this account, this one included.
        </p>
        <Button variant="secondary" busy={signOut.isPending} busyLabel="Signing out…" onClick={() => signOut.mutate()}>
          Sign out everywhere
        </Button>
      </Card>
    </Section>
  );
}
