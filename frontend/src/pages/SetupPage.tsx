import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { toast } from 'sonner';
import { api } from '../api';
import { AuthFrame } from '../components/AppShell';
import { AuthForm, EmailField, NameField, PasswordField, newPasswordRule } from '../components/AuthForm';
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

  return (
    <AuthFrame
      title="Create the owner account"
      subtitle="This is a fresh ParityRail workspace. The first account owns it: it can invite your team, change roles and delete projects."
    >
      <AuthForm
        onSubmit={() => setup.mutate({ name: name.trim(), email: email.trim(), password })}
        mutation={setup}
        submitLabel="Create owner account"
        busyLabel="Creating account…"
      >
        <NameField label="Name" value={name} onChange={setName} />
        <EmailField autoComplete="email" value={email} onChange={setEmail} />
        <PasswordField autoComplete="new-password" description={newPasswordRule} value={password} onChange={setPassword} />
      </AuthForm>
    </AuthFrame>
  );
}
