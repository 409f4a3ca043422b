import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { stubApi } from '../../test/fakeServer';
import { admin, clerkRail, member, project } from '../../test/fixtures';
import { pageRoutes } from '../../test/onboarding';
import { location, renderApp } from '../../test/renderApp';

function clerkProject() {
  const p = project({ billing_source: 'stripe', access_source: 'clerk' }, 4);
  return { ...p, onboarding: { current_step: 4, steps: clerkRail(4) } };
}

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('step 4 (Identity mapping)', () => {
  it('shows the automatic-matching panel for Clerk; Continue saves identity {} and goes to step 5', async () => {
    const calls = stubApi(
      pageRoutes(clerkProject(), admin, {
        'PUT /api/projects/prj_abc/mappings': { status: 200, body: {} },
        'GET /api/projects/prj_abc/mappings': {
          status: 200,
          body: { identity: { automatic: true }, plans: { rows: [], no_plan_value: 'free' }, access: null, policy: null },
        },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/4');
    const panel = (await screen.findByRole('heading', { name: 'Customer matching is automatic' })).closest('section')!;
    expect(within(panel).getByText('Matched automatically for Clerk')).toBeInTheDocument();
    expect(within(panel).getByTestId('wand-icon')).toBeInTheDocument();
    expect(panel).toHaveTextContent(/Clerk matches each user to a Stripe customer by the metadata field/);
    // The rail's hint for step 4 comes from the server.
    const rail = screen.getByRole('navigation', { name: 'Onboarding steps' });
    expect(within(rail).getAllByRole('listitem')[3]).toHaveTextContent('Matched automatically.');
    expect(screen.queryByRole('combobox')).toBeNull();

    await userEvent.setup().click(screen.getByRole('button', { name: 'Continue' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/5'));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body).toEqual({ identity: {} });
  });

  it('shows a member the panel without Continue', async () => {
    stubApi(pageRoutes(clerkProject(), member));
    renderApp('/projects/prj_abc/onboarding/4');
    expect(await screen.findByText('Matched automatically for Clerk')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Continue' })).toBeNull();
  });

  it('says plainly that Postgres identity mapping arrives later', async () => {
    stubApi(pageRoutes(project({ billing_source: 'stripe', access_source: 'postgres' }, 4), admin));
    renderApp('/projects/prj_abc/onboarding/4');
    expect(await screen.findByText(/arrives in a later build/)).toBeInTheDocument();
    expect(screen.queryByText('Customer matching is automatic')).toBeNull();
  });
});
