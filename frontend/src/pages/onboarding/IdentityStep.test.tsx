import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, stubApi } from '../../test/fakeServer';
import { admin, clerkRail, member, project } from '../../test/fixtures';
import { pageRoutes } from '../../test/onboarding';
import { appSchema, postgresProject } from '../../test/postgres';
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

});

// The Postgres steps wait for two requests (mappings, schema); a loaded
// machine can take longer than the default second.
const LOAD = { timeout: 10_000 };

describe('step 4 (Identity mapping), Postgres', () => {
  const emptyMappings = { identity: null, plans: null, access: null, policy: null };

  it('pre-fills the suggested table and column with the chip, and saves them', async () => {
    const calls = stubApi(
      pageRoutes(postgresProject(4, [1, 2, 3]), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/schema': { status: 200, body: appSchema },
        'PUT /api/projects/prj_abc/mappings': (body) => ({ status: 200, body: { ...emptyMappings, ...(body as object), warnings: [] } }),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/4');
    const billing = await screen.findByLabelText('Billing field (Stripe)', {}, LOAD);
    expect(billing).toHaveValue('stripe.customer.id');
    expect(screen.getByLabelText('App table')).toHaveValue('public.users');
    expect(screen.getByLabelText('App column')).toHaveValue('stripe_customer_id');
    expect(screen.getAllByText('Suggested from your schema')).toHaveLength(3);
    // Only identity-typed columns are offered: no boolean, timestamp or jsonb.
    const options = within(screen.getByLabelText('App column')).getAllByRole('option').map((o) => o.textContent);
    expect(options).toEqual(['Choose a column…', 'id · uuid', 'email · text', 'stripe_customer_id · text', 'plan · text']);
    expect(screen.queryByLabelText('Metadata key')).toBeNull();

    await userEvent.setup().click(screen.getByRole('button', { name: 'Save and continue' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/5'), LOAD);
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      identity: { billing_field: 'stripe.customer.id', table: 'public.users', column: 'stripe_customer_id' },
    });
  }, 20_000);

  it('takes a metadata key, maps organizations under Advanced, and warns about a table without a primary key', async () => {
    const warning =
      'public.events_log has no primary key: it can be checked, but repairs need a primary key to update exactly one row.';
    const calls = stubApi(
      pageRoutes(postgresProject(4, [1, 2, 3]), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/schema': { status: 200, body: appSchema },
        'PUT /api/projects/prj_abc/mappings': { status: 200, body: { ...emptyMappings, warnings: [warning] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/4');
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Billing field (Stripe)', {}, LOAD), 'stripe.customer.metadata');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(await screen.findByRole('alert', {}, LOAD)).toHaveTextContent("Enter the Stripe customer metadata key that holds the app's id");
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
    await user.type(screen.getByLabelText('Metadata key'), 'app_user_id');

    await user.selectOptions(screen.getByLabelText('App table'), 'public.events_log');
    expect(screen.getByLabelText('App column')).toHaveValue('customer');
    expect(screen.getByText(/public\.events_log has no primary key/)).toBeInTheDocument();

    const advanced = screen.getByRole('button', { name: 'Advanced: map organizations too (B2B billing)' });
    expect(advanced).toHaveAttribute('aria-expanded', 'false');
    await user.click(advanced);
    await user.click(screen.getByLabelText('Map organizations'));
    const orgs = screen.getByRole('group', { name: 'Organizations' });
    expect(within(orgs).getByLabelText('App table')).toHaveValue('public.organizations');
    expect(within(orgs).getByLabelText('App column')).toHaveValue('stripe_customer_id');

    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    // The server's warning stays on screen until Continue.
    expect(await screen.findByText(warning, {}, LOAD)).toBeInTheDocument();
    expect(location.current).toBe('/projects/prj_abc/onboarding/4');
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      identity: {
        billing_field: 'stripe.customer.metadata',
        metadata_key: 'app_user_id',
        table: 'public.events_log',
        column: 'customer',
        organizations: { billing_field: 'stripe.customer.id', table: 'public.organizations', column: 'stripe_customer_id' },
      },
    });
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/5'), LOAD);
  }, 20_000);

  it('starts from the saved mapping and shows the server validation message verbatim', async () => {
    const msg = 'The column "stripe_customer_id" is not in public.users (or the role cannot read it). Column names are case-sensitive.';
    stubApi(
      pageRoutes(postgresProject(4, [1, 2, 3]), admin, {
        'GET /api/projects/prj_abc/mappings': {
          status: 200,
          body: { ...emptyMappings, identity: { billing_field: 'stripe.customer.email', table: 'public.users', column: 'email' } },
        },
        'GET /api/projects/prj_abc/schema': { status: 200, body: appSchema },
        'PUT /api/projects/prj_abc/mappings': apiError(400, 'invalid_mapping', msg),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/4');
    expect(await screen.findByLabelText('Billing field (Stripe)', {}, LOAD)).toHaveValue('stripe.customer.email');
    expect(screen.getByLabelText('App column')).toHaveValue('email');
    expect(screen.getAllByText('Suggested from your schema')).toHaveLength(1); // the table only
    await userEvent.setup().click(screen.getByRole('button', { name: 'Save and continue' }));
    expect((await screen.findByRole('alert', {}, LOAD)).textContent).toBe(msg);
  }, 20_000);

  it('says what to do when the database is not connected', async () => {
    const msg = 'Connect your Postgres / Supabase database on step 3 (Database) first.';
    stubApi(
      pageRoutes(postgresProject(4, [1, 2]), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/schema': apiError(409, 'database_not_connected', msg),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/4');
    expect((await screen.findByRole('alert', {}, LOAD)).textContent).toBe(msg);
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  }, 20_000);

  it('shows a member the mapping without Save', async () => {
    stubApi(
      pageRoutes(postgresProject(4, [1, 2, 3]), member, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/schema': { status: 200, body: appSchema },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/4');
    expect(await screen.findByLabelText('App table', {}, LOAD)).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Save and continue' })).toBeNull();
  }, 20_000);
});
