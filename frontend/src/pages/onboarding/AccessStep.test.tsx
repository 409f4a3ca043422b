import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MetadataKeys } from '../../types';
import { apiError, stubApi } from '../../test/fakeServer';
import { admin, clerkRail, member, project } from '../../test/fixtures';
import { pageRoutes } from '../../test/onboarding';
import { appSchema, postgresProject } from '../../test/postgres';
import { location, renderApp } from '../../test/renderApp';

const KEYS = '/api/projects/prj_abc/clerk/metadata-keys';
const emptyMappings = { identity: { automatic: true }, plans: null, access: null, policy: null };

function clerkProject() {
  const p = project({ billing_source: 'stripe', access_source: 'clerk' }, 6);
  return { ...p, onboarding: { current_step: 6, steps: clerkRail(6) } };
}

const sample = (user_keys: string[], organization_keys: string[] = []): MetadataKeys => ({
  user_keys,
  organization_keys,
  users_sampled: user_keys.length ? 3 : 2,
  organizations_sampled: organization_keys.length,
});

function optionsOf(select: HTMLElement) {
  return within(select)
    .getAllByRole('option')
    .map((o) => o.textContent);
}

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('step 6 (Access mapping), Clerk', () => {
  it('shows "No metadata keys…" with Retry; Retry re-samples and fills the dropdowns; saves the picks', async () => {
    let samples = 0;
    const calls = stubApi(
      pageRoutes(clerkProject(), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        [`GET ${KEYS}`]: () => {
          samples++;
          return {
            status: 200,
            body:
              samples === 1
                ? sample([])
                : sample(['public_metadata.is_premium', 'public_metadata.plan', 'public_metadata.stripe_customer_id']),
          };
        },
        'PUT /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/6');
    const user = userEvent.setup();
    expect(await screen.findByRole('heading', { name: 'Which Clerk fields say who has paid access?' })).toBeInTheDocument();
    expect(await screen.findByText('No metadata keys were found on your Clerk users.')).toBeInTheDocument();
    expect(screen.getByText(/then click Retry — ParityRail re-samples your recent users\./)).toBeInTheDocument();

    const users = screen.getByRole('group', { name: 'Users' });
    const customer = within(users).getByRole('combobox', { name: 'Stripe customer id' });
    expect(optionsOf(customer)).toEqual(['Choose a field…', 'Type a path…']);

    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(samples).toBe(2));
    await waitFor(() =>
      expect(optionsOf(customer)).toEqual([
        'Choose a field…',
        'public_metadata.is_premium',
        'public_metadata.plan',
        'public_metadata.stripe_customer_id',
        'Type a path…',
      ]),
    );
    expect(screen.queryByText('No metadata keys were found on your Clerk users.')).toBeNull();
    expect(screen.getByText('Sampled 3 recent users: 3 metadata keys found.')).toBeInTheDocument();

    // The page's field table: required/optional and why.
    expect(within(users).getByText(/true\/1\/yes\/on\/premium\/active all read as true/)).toBeInTheDocument();
    expect(within(users).getByText(/as an ISO string or epoch/)).toBeInTheDocument();

    await user.selectOptions(customer, 'public_metadata.stripe_customer_id');
    await user.selectOptions(within(users).getByRole('combobox', { name: 'Plan' }), 'public_metadata.plan');
    await user.selectOptions(within(users).getByRole('combobox', { name: 'Premium flag' }), 'public_metadata.is_premium');
    // A path typed by hand.
    await user.selectOptions(within(users).getByRole('combobox', { name: 'Trial end' }), 'Type a path…');
    await user.type(within(users).getByRole('textbox', { name: 'Path for Trial end' }), 'private_metadata.trial_ends_at');

    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/7'));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body).toEqual({
      access: {
        users: {
          stripe_customer_id: 'public_metadata.stripe_customer_id',
          plan: 'public_metadata.plan',
          premium: 'public_metadata.is_premium',
          trial_end: 'private_metadata.trial_ends_at',
        },
      },
    });
  });

  it('maps organizations when switched on, sampling them with ?organizations=true', async () => {
    const calls = stubApi(
      pageRoutes(clerkProject(), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        [`GET ${KEYS}`]: { status: 200, body: sample(['public_metadata.stripe_customer_id', 'public_metadata.plan']) },
        [`GET ${KEYS}?organizations=true`]: {
          status: 200,
          body: sample(['public_metadata.stripe_customer_id'], ['public_metadata.billing_customer', 'private_metadata.tier']),
        },
        'PUT /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/6');
    const user = userEvent.setup();
    const users = await screen.findByRole('group', { name: 'Users' });
    const toggle = screen.getByRole('checkbox', { name: 'Map organizations too' });
    expect(toggle).not.toBeChecked();
    expect(screen.queryByRole('group', { name: 'Organizations' })).toBeNull();
    await waitFor(() =>
      expect(optionsOf(within(users).getByRole('combobox', { name: 'Plan' }))).toContain('public_metadata.plan'),
    );
    await user.selectOptions(
      within(users).getByRole('combobox', { name: 'Stripe customer id' }),
      'public_metadata.stripe_customer_id',
    );
    await user.selectOptions(within(users).getByRole('combobox', { name: 'Plan' }), 'public_metadata.plan');

    await user.click(toggle);
    const orgs = await screen.findByRole('group', { name: 'Organizations' });
    const orgCustomer = within(orgs).getByRole('combobox', { name: 'Stripe customer id' });
    await waitFor(() => expect(optionsOf(orgCustomer)).toContain('public_metadata.billing_customer'));
    expect(calls.some((c) => c.path === `${KEYS}?organizations=true`)).toBe(true);
    await user.selectOptions(orgCustomer, 'public_metadata.billing_customer');
    await user.selectOptions(within(orgs).getByRole('combobox', { name: 'Plan' }), 'private_metadata.tier');

    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      access: {
        users: { stripe_customer_id: 'public_metadata.stripe_customer_id', plan: 'public_metadata.plan' },
        organizations: { stripe_customer_id: 'public_metadata.billing_customer', plan: 'private_metadata.tier' },
      },
    });
  });

  it('shows validation and Clerk errors verbatim, with Retry for sampling', async () => {
    const rate =
      "Clerk rate limit hit (HTTP 429)… Too many requests hit Clerk's Backend API in a short window. Wait a moment, then retry — ParityRail already backs off automatically before surfacing this.";
    let samples = 0;
    stubApi(
      pageRoutes(clerkProject(), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        [`GET ${KEYS}`]: () =>
          ++samples === 1 ? apiError(429, 'clerk_rate_limited', rate) : { status: 200, body: sample(['public_metadata.plan']) },
        'PUT /api/projects/prj_abc/mappings': apiError(
          400,
          'invalid_mapping',
          'Map the Stripe customer id field: it matches a Clerk user to its Stripe customer, and is required to reconcile.',
        ),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/6');
    const user = userEvent.setup();
    expect((await screen.findByRole('alert')).textContent).toBe(rate);
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByText('Sampled 3 recent users: 1 metadata key found.');
    expect(screen.queryByRole('alert')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Map the Stripe customer id field: it matches a Clerk user to its Stripe customer, and is required to reconcile.',
    );
    expect(location.current).toBe('/projects/prj_abc/onboarding/6');
  });

  it('shows a member the saved mapping read-only', async () => {
    stubApi(
      pageRoutes(clerkProject(), member, {
        'GET /api/projects/prj_abc/mappings': {
          status: 200,
          body: {
            ...emptyMappings,
            access: { users: { stripe_customer_id: 'private_metadata.cus', plan: 'public_metadata.plan' } },
          },
        },
        [`GET ${KEYS}`]: { status: 200, body: sample(['public_metadata.plan']) },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/6');
    const users = await screen.findByRole('group', { name: 'Users' });
    const customer = within(users).getByRole('combobox', { name: 'Stripe customer id' });
    // A saved path that the sample did not find still shows.
    expect(customer).toHaveValue('private_metadata.cus');
    expect(customer).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Save and continue' })).toBeNull();
  });
});

// The Postgres steps wait for two requests (mappings, schema); a loaded
// machine can take longer than the default second.
const LOAD = { timeout: 10_000 };

describe('step 6 (Access mapping), Postgres', () => {
  const identity = { billing_field: 'stripe.customer.id', table: 'public.users', column: 'stripe_customer_id' };
  const mapped = { identity, plans: null, access: null, policy: null };

  it('offers only typed columns, pre-suggested with the chip, and saves them', async () => {
    const calls = stubApi(
      pageRoutes(postgresProject(6, [1, 2, 3, 4, 5]), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: mapped },
        'GET /api/projects/prj_abc/schema': { status: 200, body: appSchema },
        'PUT /api/projects/prj_abc/mappings': { status: 200, body: { ...mapped, warnings: [] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/6');
    const users = await screen.findByRole('group', { name: 'Users' }, LOAD);
    expect(within(users).getByLabelText('Plan')).toHaveValue('plan');
    expect(within(users).getByLabelText('Premium flag')).toHaveValue('is_premium');
    expect(within(users).getByLabelText('Trial end')).toHaveValue('trial_ends_at');
    expect(within(users).getByLabelText('Entitlements')).toHaveValue('features');
    expect(within(users).getAllByText('Suggested from your schema').length).toBeGreaterThanOrEqual(4);
    // Typed: a premium flag is boolean, text or integer; entitlements jsonb or text[].
    expect(optionsOf(within(users).getByLabelText('Premium flag'))).toEqual([
      'Not mapped',
      'email · text',
      'stripe_customer_id · text',
      'plan · text',
      'is_premium · boolean',
    ]);
    expect(optionsOf(within(users).getByLabelText('Entitlements'))).toEqual(['Not mapped', 'features · jsonb']);
    expect(screen.queryByRole('group', { name: 'Organizations' })).toBeNull();

    const user = userEvent.setup();
    await user.selectOptions(within(users).getByLabelText('Trial end'), '');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/7'), LOAD);
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      access: { users: { plan: 'plan', premium: 'is_premium', entitlements: 'features', email: 'email' } },
    });
  }, 20_000);

  it('needs the plan or the premium flag, maps organizations when step 4 did, and shows server messages', async () => {
    const msg = 'The plan column "plan" is boolean; it must be text or an enum.';
    const withOrgs = {
      ...mapped,
      identity: { ...identity, organizations: { billing_field: 'stripe.customer.id', table: 'public.organizations', column: 'stripe_customer_id' } },
    };
    const calls = stubApi(
      pageRoutes(postgresProject(6, [1, 2, 3, 4, 5]), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: withOrgs },
        'GET /api/projects/prj_abc/schema': { status: 200, body: appSchema },
        'PUT /api/projects/prj_abc/mappings': apiError(400, 'invalid_mapping', msg),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/6');
    const user = userEvent.setup();
    const users = await screen.findByRole('group', { name: 'Users' }, LOAD);
    await user.selectOptions(within(users).getByLabelText('Plan'), '');
    await user.selectOptions(within(users).getByLabelText('Premium flag'), '');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect((await screen.findByRole('alert', {}, LOAD)).textContent).toBe(
      'Map the plan or the premium flag of public.users: they say who has paid access.',
    );
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await user.selectOptions(within(users).getByLabelText('Plan'), 'plan');
    const orgs = screen.getByRole('group', { name: 'Organizations' });
    expect(within(orgs).getByLabelText('Plan')).toHaveValue('plan');
    expect(within(orgs).getByLabelText('Name')).toHaveValue('name');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect((await screen.findByRole('alert', {}, LOAD)).textContent).toBe(msg);
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      access: {
        users: { plan: 'plan', trial_end: 'trial_ends_at', entitlements: 'features', email: 'email' },
        organizations: { plan: 'plan', name: 'name' },
      },
    });
  }, 20_000);

  it('sends the admin to step 4 when no table is mapped', async () => {
    stubApi(
      pageRoutes(postgresProject(6, [1, 2, 3]), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: { ...mapped, identity: null } },
        'GET /api/projects/prj_abc/schema': { status: 200, body: appSchema },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/6');
    expect(await screen.findByText('Map the app table first', {}, LOAD)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'step 4 (Identity mapping)' })).toHaveAttribute(
      'href',
      '/projects/prj_abc/onboarding/4',
    );
  }, 20_000);
});
