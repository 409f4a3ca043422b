import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, signedIn, stubApi } from '../test/fakeServer';
import { admin, member, project } from '../test/fixtures';
import { location, renderApp } from '../test/renderApp';

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('onboarding step 1 (Stack)', () => {
  it('lets an admin save the stack, then shows step 1 done and moves to step 2', async () => {
    const saved = project({ name: 'Acme Prod', billing_source: 'demo', access_source: 'demo', updated_at: '2025-01-02T00:00:00Z' }, 2);
    const calls = stubApi(
      signedIn(admin, {
        'GET /api/projects/prj_abc': { status: 200, body: project() },
        'PUT /api/projects/prj_abc/stack': { status: 200, body: saved },
      }),
    );
    renderApp('/projects/prj_abc/onboarding');
    const user = userEvent.setup();

    const name = await screen.findByLabelText('Project name');
    expect(name).toHaveValue('Acme');
    await user.clear(name);
    await user.type(name, 'Acme Prod');
    const billing = within(screen.getByRole('group', { name: 'Billing source' }));
    const access = within(screen.getByRole('group', { name: 'Access-state source' }));
    // Demo data is billing and access together: choosing it on one side
    // chooses it on the other, and leaving it on one side leaves both.
    await user.click(access.getByRole('radio', { name: 'Clerk' }));
    await user.click(billing.getByRole('radio', { name: 'Demo data' }));
    expect(access.getByRole('radio', { name: 'Demo data' })).toBeChecked();
    expect(screen.getByText('Demo data covers billing and access state together')).toBeInTheDocument();
    await user.click(access.getByRole('radio', { name: 'Clerk' }));
    expect(billing.getByRole('radio', { name: 'Stripe' })).toBeChecked();
    await user.click(access.getByRole('radio', { name: 'Demo data' }));
    expect(billing.getByRole('radio', { name: 'Demo data' })).toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));

    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/2'));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body).toEqual({ name: 'Acme Prod', billing_source: 'demo', access_source: 'demo' });
    expect(await screen.findByText('Stack saved')).toBeInTheDocument();

    const rail = screen.getByRole('navigation', { name: 'Onboarding steps' });
    const items = within(rail).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('(done)');
    expect(within(rail).getByRole('link', { current: 'step' })).toHaveTextContent('Stripe');
    expect(screen.getByRole('heading', { level: 2, name: 'Stripe' })).toBeInTheDocument();
    expect(await screen.findByText('Demo data connected')).toBeInTheDocument();
  });

  it('shows the server message when saving fails', async () => {
    stubApi(
      signedIn(admin, {
        'GET /api/projects/prj_abc': {
          status: 200,
          body: project({ billing_source: 'stripe', access_source: 'postgres' }),
        },
        'PUT /api/projects/prj_abc/stack': apiError(400, 'invalid', 'Give the project a name.'),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/1');
    const user = userEvent.setup();
    await user.clear(await screen.findByLabelText('Project name'));
    await user.type(screen.getByLabelText('Project name'), ' ');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Give the project a name.');
    expect(location.current).toBe('/projects/prj_abc/onboarding/1');
  });

  it('shows a member the choices read-only, without a save button', async () => {
    stubApi(
      signedIn(member, {
        'GET /api/projects/prj_abc': {
          status: 200,
          body: project({ billing_source: 'stripe', access_source: 'postgres' }),
        },
      }),
    );
    renderApp('/projects/prj_abc/onboarding');
    expect(await screen.findByLabelText('Project name')).toBeDisabled();
    expect(screen.getByRole('radio', { name: 'Stripe' })).toBeChecked();
    expect(screen.getByRole('radio', { name: 'Stripe' })).toBeDisabled();
    expect(screen.getByRole('radio', { name: 'Postgres / Supabase' })).toBeChecked();
    expect(screen.queryByRole('button', { name: 'Save and continue' })).toBeNull();
    expect(screen.getByText(/Only an admin can change them/)).toBeInTheDocument();
  });

  it('shows the server message for an unknown project', async () => {
    stubApi(
      signedIn(member, {
        'GET /api/projects/prj_nope': apiError(404, 'not_found', 'Project not found.'),
      }),
    );
    renderApp('/projects/prj_nope/onboarding');
    expect(await screen.findByRole('heading', { name: 'Project not found' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Project not found.');
  });
});
