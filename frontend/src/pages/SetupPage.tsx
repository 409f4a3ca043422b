import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api, errorMessage } from '../api';
import { AuthFrame } from '../components/AppShell';
import { Button, ErrorAlert, TextField } from '../components/ui';
import { meKey, setupKey } from '../session';

export function SetupPage() {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const setup = useMutation({
    mutationFn: api.setup,
    onSuccess: (user) => {
      queryClient.setQueryData(meKey, user);
      // The setup gate moves on from /setup; just_created sends it to the
      // first-run screen (the demo, or a project of one's own).
      queryClient.setQueryData(setupKey, { required: false, just_created: true });
      toast.success('Owner account created — welcome to ParityRail');
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setup.mutate({ name: name.trim(), email: email.trim(), password });
  }

  return (
    <AuthFrame
      title="Create the owner account"
      subtitle="This is a fresh ParityRail workspace. The first account owns it: it can invite your team, change roles and delete projects."
    >
      <form onSubmit={onSubmit} className="space-y-5" noValidate={false}>
        <TextField label="Name" name="name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          description="At least 12 characters, not a common password."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {setup.isError && <ErrorAlert message={errorMessage(setup.error)} />}
        <Button type="submit" className="w-full" busy={setup.isPending} busyLabel="Creating account…">
          Create owner account
        </Button>
      </form>
    </AuthFrame>
  );
}
