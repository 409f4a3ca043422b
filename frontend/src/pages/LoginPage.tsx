import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage } from '../api';
import { AuthFrame } from '../components/AppShell';
import { Button, ErrorAlert, LoadingState, TextField } from '../components/ui';
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

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    login.mutate({ email: email.trim(), password });
  }

  return (
    <AuthFrame title="Sign in to ParityRail">
      <form onSubmit={onSubmit} className="space-y-5">
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {login.isError && <ErrorAlert message={errorMessage(login.error)} />}
        <Button type="submit" className="w-full" busy={login.isPending} busyLabel="Signing in…">
          Sign in
        </Button>
      </form>
      <p className="mt-6 text-xs text-gray-500">
        No account yet? Ask an admin of this workspace for an invite link.
      </p>
    </AuthFrame>
  );
}
