// /settings/team — members, roles, invites. What a person can do here follows
// Team rules: admins invite and remove; only the owner changes roles; nobody
// touches the owner or their own account.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link2, UserPlus } from 'lucide-react';
import { useId, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api, errorMessage } from '../api';
import { DataTable, cellClass as td, type Column } from '../components/DataTable';
import { ConfirmDialog } from '../components/Modal';
import { QueryGate } from '../components/QueryGate';
import { RoleSelect } from '../components/RoleSelect';
import {
  Button,
  Card,
  EmptyState,
  ErrorAlert,
  FieldLabel,
  LoadingState,
  PageHeader,
  QueryError,
  RemoveButton,
  RoleBadge,
  Section,
  ShownOnce,
  TextField,
} from '../components/ui';
import { formatDate, formatDateTime } from '../format';
import { hasRole, useMe } from '../session';
import type { Invite, Role, User } from '../types';

const membersKey = ['team', 'members'] as const;
const invitesKey = ['team', 'invites'] as const;

const actionsColumn: Column = { label: 'Actions', srOnly: true };

const memberColumns: Column[] = [
  { label: 'Name' },
  { label: 'Email' },
  { label: 'Role' },
  { label: 'Joined', className: 'hidden sm:table-cell' },
];

const inviteColumns: Column[] = [
  { label: 'Email' },
  { label: 'Role' },
  { label: 'Invited by', className: 'hidden md:table-cell' },
  { label: 'Expires', className: 'hidden sm:table-cell' },
  actionsColumn,
];

function RemoveMemberDialog({ member, onClose }: { member: User | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (id: string) => api.removeMember(id),
    onSuccess: () => {
      toast.success(`${member?.name || member?.email} was removed from the workspace`);
      queryClient.invalidateQueries({ queryKey: membersKey });
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open={!!member}
      onCancel={onClose}
      title={`Remove ${member?.name || member?.email || ''}?`}
      description={
        <>
          <span className="font-medium text-gray-900">{member?.email}</span> loses access to every project at once
          and is signed out. What they did stays in the ledger. You can invite them again later.
        </>
      }
      confirmLabel="Remove member"
      busyLabel="Removing…"
      mutation={remove}
      onConfirm={() => member && remove.mutate(member.id)}
    />
  );
}

function MembersTable({ me }: { me: User }) {
  const queryClient = useQueryClient();
  const members = useQuery({ queryKey: membersKey, queryFn: api.listMembers });
  const [removing, setRemoving] = useState<User | null>(null);
  const isOwner = me.role === 'owner';
  const isAdmin = hasRole(me, 'admin');

  const changeRole = useMutation({
    mutationFn: ({ user, role }: { user: User; role: Role }) => api.changeRole(user.id, role),
    onSuccess: (updated) => {
      queryClient.setQueryData(membersKey, (old: { items: User[] } | undefined) =>
        old ? { ...old, items: old.items.map((u) => (u.id === updated.id ? updated : u)) } : old,
      );
      queryClient.invalidateQueries({ queryKey: membersKey });
      toast.success(`${updated.name || updated.email} is now ${updated.role === 'admin' ? 'an admin' : 'a member'}`);
    },
    onError: (err) => toast.error(errorMessage(err)),
  });

  if (members.isPending) return <LoadingState label="Loading members…" />;
  if (members.isError) return <QueryError title="Could not load members" query={members} />;

  return (
    <>
      <DataTable caption="Members" columns={isAdmin ? [...memberColumns, actionsColumn] : memberColumns}>
        {members.data.items.map((u) => {
          const isSelf = u.id === me.id;
          const canChangeRole = isOwner && !isSelf && u.role !== 'owner';
          const canRemove = isAdmin && !isSelf && u.role !== 'owner';
          const display = u.name || u.email;
          return (
            <tr key={u.id}>
              <td className={td + ' font-medium text-gray-900'}>
                {u.name || <span className="text-gray-400">—</span>}
                {isSelf && <span className="ml-1.5 text-xs font-normal text-gray-500">(you)</span>}
              </td>
              <td className={td + ' text-gray-700'}>{u.email}</td>
              <td className={td}>
                {canChangeRole ? (
                  <RoleSelect
                    size="sm"
                    value={u.role}
                    ariaLabel={`Role for ${display}`}
                    disabled={changeRole.isPending && changeRole.variables?.user.id === u.id}
                    onChange={(role) => role !== u.role && changeRole.mutate({ user: u, role })}
                  />
                ) : (
                  <RoleBadge role={u.role} />
                )}
              </td>
              <td className={td + ' hidden text-gray-500 sm:table-cell'}>{formatDate(u.created_at)}</td>
              {isAdmin && (
                <td className={td + ' text-right'}>
                  {canRemove && <RemoveButton label={`Remove ${display}`} text="Remove" onClick={() => setRemoving(u)} />}
                </td>
              )}
            </tr>
          );
        })}
      </DataTable>
      {isAdmin && <RemoveMemberDialog member={removing} onClose={() => setRemoving(null)} />}
    </>
  );
}

function InviteForm() {
  const queryClient = useQueryClient();
  const roleId = useId();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [created, setCreated] = useState<Invite | null>(null);

  const invite = useMutation({
    mutationFn: api.createInvite,
    onSuccess: (inv) => {
      setCreated(inv);
      setEmail('');
      setRole('member');
      queryClient.invalidateQueries({ queryKey: invitesKey });
      toast.success(`Invite link created for ${inv.email}`);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    invite.mutate({ email: email.trim(), role });
  }

  return (
    <Section title="Invite a teammate">
      <p className="mt-1 text-sm text-gray-500">
        ParityRail makes a one-time link; send it to them yourself. Re-inviting the same email replaces the old link.
      </p>
      <Card className="mt-4 p-5">
        <form onSubmit={onSubmit} className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_11rem_auto] sm:items-end">
          <TextField
            label="Email"
            name="email"
            type="email"
            required
            autoComplete="off"
            placeholder="teammate@company.com"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <div>
            <FieldLabel htmlFor={roleId}>Role</FieldLabel>
            <RoleSelect id={roleId} value={role} onChange={setRole} />
          </div>
          <Button type="submit" busy={invite.isPending} busyLabel="Creating…">
            <UserPlus aria-hidden className="size-4" />
            Create invite link
          </Button>
        </form>
        {invite.isError && <ErrorAlert message={errorMessage(invite.error)} className="mt-4" />}
        {created?.url && (
          <ShownOnce
            className="mt-5"
            heading={
              <>
                <Link2 aria-hidden className="size-4 text-indigo-600" />
                Invite link for {created.email} ({created.role})
              </>
            }
            label="Invite link"
            value={created.url}
            copyLabel="Copy link"
            what="Invite link"
            note={
              <>
                This link is shown only once and is valid for 7 days (until {formatDateTime(created.expires_at)}). Anyone
                with it can join as {created.email}.
              </>
            }
          />
        )}
      </Card>
    </Section>
  );
}

function PendingInvites() {
  const queryClient = useQueryClient();
  const invites = useQuery({ queryKey: invitesKey, queryFn: api.listInvites });
  const revoke = useMutation({
    mutationFn: (inv: Invite) => api.revokeInvite(inv.id),
    onSuccess: (_, inv) => {
      toast.success(`Invite for ${inv.email} revoked`);
      queryClient.invalidateQueries({ queryKey: invitesKey });
    },
    onError: (err) => toast.error(errorMessage(err)),
  });

  return (
    <Section title="Pending invites">
      <div className="mt-4">
        <QueryGate query={invites} loading="Loading invites…" failed="Could not load invites">
          {(page) =>
            page.items.length === 0 ? (
              <EmptyState title="No pending invites" />
            ) : (
              <DataTable caption="Pending invites" columns={inviteColumns}>
                {page.items.map((inv) => (
                  <tr key={inv.id}>
                    <td className={td + ' text-gray-900'}>{inv.email}</td>
                    <td className={td}>
                      <RoleBadge role={inv.role} />
                    </td>
                    <td className={td + ' hidden text-gray-600 md:table-cell'}>
                      {inv.invited_by?.name || inv.invited_by?.email || '—'}
                    </td>
                    <td className={td + ' hidden text-gray-500 sm:table-cell'}>{formatDateTime(inv.expires_at)}</td>
                    <td className={td + ' text-right'}>
                      <Button
                        variant="secondary"
                        size="sm"
                        aria-label={`Revoke invite for ${inv.email}`}
                        busy={revoke.isPending && revoke.variables?.id === inv.id}
                        onClick={() => revoke.mutate(inv)}
                      >
                        Revoke
                      </Button>
                    </td>
                  </tr>
                ))}
              </DataTable>
            )
          }
        </QueryGate>
      </div>
    </Section>
  );
}

export function TeamPage() {
  const me = useMe();
  if (!me.data) return <LoadingState />;
  const isAdmin = hasRole(me.data, 'admin');
  return (
    <>
      <PageHeader
        title="Team"
        description={
          isAdmin
            ? 'Everyone in this workspace sees every project. Admins connect sources and approve repairs; only the owner changes roles.'
            : 'Everyone in this workspace sees every project. Admins manage the team.'
        }
      />
      <div className="space-y-10">
        <Section title="Members">
          <div className="mt-4">
            <MembersTable me={me.data} />
          </div>
        </Section>
        {isAdmin && <InviteForm />}
        {isAdmin && <PendingInvites />}
      </div>
    </>
  );
}

