// /invite/:token — accept a one-time invite. Signed out: choose a name and
// password (the account gets the invite's email). Signed in: accept with the
// current account; the server refuses when the emails differ.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage } from '../api';
import { AuthFrame } from '../components/AppShell';
import { AuthForm, NameField, PasswordField, newPasswordRule } from '../components/AuthForm';
import { ErrorAlert, LoadingState, RoleBadge } from '../components/ui';
import { formatDateTime } from '../format';
import { meKey, useMe } from '../session';
import type { InvitePreview, User } from '../types';

function inviterName(inv: InvitePreview): string | null {
  if (!inv.invited_by) return null;
  return inv.invited_by.name || inv.invited_by.email || null;
}

export function InvitePage() {
  const { token = '' } = useParams();
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');

  const invite = useQuery({
    queryKey: ['invite', token],
    queryFn: () => api.getInvite(token),
    staleTime: Infinity,
  });

  const accept = useMutation({
    mutationFn: (body?: { name: string; password: string }) => api.acceptInvite(token, body),
    onSuccess: (user: User) => {
      queryClient.clear();
      queryClient.setQueryData(meKey, user);
      queryClient.setQueryData(['setup'], { required: false });
      toast.success(`Welcome to ParityRail, ${user.name || user.email}`);
      navigate('/projects', { replace: true });
    },
  });

  if (invite.isPending || me.isPending) {
    return (
      <AuthFrame title="Join ParityRail">
        <LoadingState label="Checking your invite…" />
      </AuthFrame>
    );
  }

  if (invite.isError) {
    return (
      <AuthFrame title="This invite can't be used">
        <ErrorAlert message={errorMessage(invite.error)} />
        <p className="mt-4 text-sm text-gray-500">
          Ask the person who invited you for a new link.{' '}
          {me.data ? (
            <Link to="/projects" className="text-indigo-700 hover:underline">
              Go to your projects
            </Link>
          ) : (
            <Link to="/login" className="text-indigo-700 hover:underline">
              Sign in
            </Link>
          )}
        </p>
      </AuthFrame>
    );
  }

  const inv = invite.data;
  const by = inviterName(inv);
  const signedIn = me.data;

  return (
    <AuthFrame
      title="Join ParityRail"
      subtitle={by ? `${by} invited you to this workspace.` : 'You were invited to this workspace.'}
    >
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-2 rounded-lg bg-gray-50 px-4 py-3 text-sm">
        <dt className="text-gray-500">Email</dt>
        <dd className="truncate font-medium text-gray-900">{inv.email}</dd>
        <dt className="text-gray-500">Role</dt>
        <dd>
          <RoleBadge role={inv.role} />
        </dd>
        <dt className="text-gray-500">Valid until</dt>
        <dd className="text-gray-700">{formatDateTime(inv.expires_at)}</dd>
      </dl>

      <AuthForm
        onSubmit={() => accept.mutate(signedIn ? undefined : { name: name.trim(), password })}
        mutation={accept}
        submitLabel="Accept invite"
        busyLabel="Joining…"
        className="mt-6"
      >
        {signedIn ? (
          <p className="text-sm text-gray-600">
            You are signed in as <span className="font-medium text-gray-900">{signedIn.email}</span>.
            {signedIn.email.toLowerCase() !== inv.email.toLowerCase() &&
              ' This invite is for a different email: sign out and open the link again, or ask for an invite to your address.'}
          </p>
        ) : (
          <>
            <NameField label="Your name" value={name} onChange={setName} />
            <PasswordField
              autoComplete="new-password"
              description={`${newPasswordRule} You will sign in with ${inv.email} and this password.`}
              value={password}
              onChange={setPassword}
            />
          </>
        )}
      </AuthForm>
      {!signedIn && (
        <p className="mt-6 text-xs text-gray-500">
          Already have an account with this email?{' '}
          <Link
            to={`/login?next=${encodeURIComponent(`/invite/${token}`)}`}
            className="text-indigo-700 hover:underline"
          >
            Sign in first
          </Link>
          .
        </p>
      )}
    </AuthFrame>
  );
}
