import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, signedIn, stubApi } from '../test/fakeServer';
import { admin, member, owner } from '../test/fixtures';
import { renderApp } from '../test/renderApp';
import type { User } from '../types';

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

const everyone = [owner, admin, member];

function team(me: User, extra: Record<string, { status: number; body?: unknown }> = {}) {
  return stubApi(
    signedIn(me, {
      'GET /api/team/members': { status: 200, body: { items: everyone } },
      'GET /api/team/invites': { status: 200, body: { items: [] } },
      ...extra,
    }),
  );
}

async function rowOf(name: string) {
  return (await screen.findByRole('cell', { name: new RegExp(`^${name}`) })).closest('tr')!;
}

describe('team settings', () => {
  it('lets the owner change roles of others only, and remove anyone but themselves', async () => {
    team(owner);
    renderApp('/settings/team');
    const ownerRow = await rowOf('Olivia Owner');
    expect(within(ownerRow).queryByRole('combobox')).toBeNull();
    expect(within(ownerRow).queryByRole('button', { name: /Remove/ })).toBeNull();
    const adminRow = await rowOf('Adam Admin');
    expect(within(adminRow).getByRole('combobox', { name: 'Role for Adam Admin' })).toHaveTextContent('Admin');
    expect(within(adminRow).getByRole('button', { name: 'Remove Adam Admin' })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Role for Mia Member' })).toHaveTextContent('Member');
  });

  it('lets an admin remove members but not change roles, nor remove the owner or themselves', async () => {
    team(admin);
    renderApp('/settings/team');
    await rowOf('Mia Member');
    expect(screen.queryAllByRole('combobox', { name: /Role for/ })).toHaveLength(0);
    expect(screen.getByRole('button', { name: 'Remove Mia Member' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove Olivia Owner' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove Adam Admin' })).toBeNull();
  });

  it('shows a member the list only', async () => {
    const calls = team(member);
    renderApp('/settings/team');
    await rowOf('Mia Member');
    expect(screen.getAllByRole('row')).toHaveLength(4);
    expect(screen.queryByRole('button', { name: /Remove/ })).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Invite a teammate' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Create invite link' })).toBeNull();
    expect(calls.some((c) => c.path === '/api/team/invites')).toBe(false);
  });

  it('confirms before removing, then calls the API and says so', async () => {
    const calls = team(owner, { 'DELETE /api/team/members/usr_member': { status: 204 } });
    renderApp('/settings/team');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Remove Mia Member' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Remove Mia Member?' });
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Remove member' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/team/members/usr_member')).toBe(true));
    expect(await screen.findByText('Mia Member was removed from the workspace')).toBeInTheDocument();
  });

  it('creates an invite and shows its one-time link once', async () => {
    const calls = team(admin, {
      'POST /api/team/invites': {
        status: 201,
        body: {
          id: 'inv_1',
          email: 'new@example.com',
          role: 'member',
          invited_by: { id: admin.id, name: admin.name, email: admin.email },
          created_at: '2025-01-01T00:00:00Z',
          expires_at: '2025-01-08T00:00:00Z',
          url: 'http://127.0.0.1:8080/invite/secret-token',
        },
      },
    });
    renderApp('/settings/team');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'new@example.com');
    expect(screen.getByRole('combobox', { name: 'Role' })).toHaveTextContent('Member');
    await user.click(screen.getByRole('button', { name: 'Create invite link' }));
    expect(await screen.findByRole('textbox', { name: 'Invite link' })).toHaveValue(
      'http://127.0.0.1:8080/invite/secret-token',
    );
    expect(screen.getByText(/shown only once and is valid for 7 days/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy link' })).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ email: 'new@example.com', role: 'member' });
  });

  it('shows the server message when an invite is refused', async () => {
    team(admin, {
      'POST /api/team/invites': apiError(409, 'already_member', 'mia@example.com is already a member.'),
    });
    renderApp('/settings/team');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'mia@example.com');
    await user.click(screen.getByRole('button', { name: 'Create invite link' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('mia@example.com is already a member.');
  });
});
