import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { toast } from 'sonner';
import { api } from '../api';
import { AuthFrame } from '../components/AppShell';
import { AuthForm, EmailField, PasswordField } from '../components/AuthForm';
import { LoadingState } from '../components/ui';
import { meKey, useMe } from '../session';

/** Only same-app paths are followed after sign-in. */
function safeNext(next: string | null): string {
  if (next && next.startsWith('/') && !next.startsWith('//')) return next;
  return '/projects';
}

export function LoginPage() {
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const login = useMutation({
    mutationFn: api.login,
    onSuccess: (user) => {
      queryClient.setQueryData(meKey, user);
      toast.success(`Signed in as ${user.email}`);
      navigate(next, { replace: true });
    },
  });

  if (me.isPending) return <LoadingState />;
  if (me.data && !login.isSuccess) return <Navigate to={next} replace />;

  return (
    <AuthFrame title="Sign in to ParityRail">
      <AuthForm
        onSubmit={() => login.mutate({ email: email.trim(), password })}
        mutation={login}
        submitLabel="Sign in"
        busyLabel="Signing in…"
      >
        <EmailField autoComplete="username" value={email} onChange={setEmail} />
        <PasswordField autoComplete="current-password" value={password} onChange={setPassword} />
      </AuthForm>
      <p className="mt-6 text-xs text-gray-500">
        No account yet? Ask an admin of this workspace for an invite link.
      </p>
    </AuthFrame>
  );
}
