import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, stubApi } from '../../test/fakeServer';
import { admin, member, project } from '../../test/fixtures';
import { pageRoutes, price } from '../../test/onboarding';
import { location, renderApp } from '../../test/renderApp';
import { formatPrice, suggestAppValue } from './PlansStep';


const prices = [
  price({ price_id: 'price_basic', lookup_key: 'Basic', product_name: 'Basic plan', unit_amount: 900 }),
  price({ price_id: 'price_team', product_name: 'Team Plan', unit_amount: 4900, subscriptions: 3, active_subscriptions: 2 }),
];

const emptyMappings = { identity: null, plans: { rows: [], no_plan_value: 'free' }, access: null, policy: null };

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

function rowValues(n: number) {
  const row = screen.getByRole('group', { name: `Row ${n}` });
  return [
    within(row).getByLabelText('Stripe price id'),
    within(row).getByLabelText('Lookup key (optional)'),
    within(row).getByLabelText('App plan value'),
  ].map((el) => (el as HTMLInputElement).value);
}

describe('suggestAppValue and formatPrice', () => {
  it('suggests the lookup key, else the product name, lowercased', () => {
    expect(suggestAppValue({ lookup_key: 'Pro', product_name: 'Pro plan', nickname: '' })).toBe('pro');
    expect(suggestAppValue({ lookup_key: '', product_name: 'Team Plan', nickname: '' })).toBe('team_plan');
    expect(suggestAppValue({ lookup_key: '', product_name: '', nickname: 'Gold' })).toBe('gold');
  });
  it('formats amounts in the currency’s own minor unit', () => {
    expect(formatPrice({ unit_amount: 4900, currency: 'usd', interval: 'month' })).toMatch(/49\.00 \/ month$/);
    expect(formatPrice({ unit_amount: 500, currency: 'jpy', interval: '' })).toMatch(/500$/);
    expect(formatPrice({ unit_amount: 0, currency: 'usd', interval: 'month', billing_scheme: 'tiered' })).toBe(
      'tiered, USD / month',
    );
  });
});

describe('step 5 (Plan mapping)', () => {
  it('loads rows from Stripe, reorders, edits, removes, adds, and saves in order', async () => {
    const calls = stubApi(
      pageRoutes(project({ billing_source: 'stripe', access_source: 'clerk' }, 5), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/stripe/prices': { status: 200, body: { items: prices } },
        'PUT /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/5');
    const user = userEvent.setup();
    expect(await screen.findByText('No plan rows yet.', { exact: false })).toBeInTheDocument();
    expect(screen.getByText(/The first row is the highest tier/)).toBeInTheDocument();
    expect(screen.getByLabelText('App value for no paid plan')).toHaveValue('free');
    expect(screen.getByText(/Empty and NULL always count as no plan too\./)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Load from Stripe' }));
    await screen.findByRole('group', { name: 'Row 2' });
    expect(rowValues(1)).toEqual(['price_basic', 'Basic', 'basic']);
    expect(rowValues(2)).toEqual(['price_team', '', 'team_plan']);
    expect(screen.getByText(/Team Plan · .*49\.00 \/ month · 2 active of 3 subscriptions/)).toBeInTheDocument();
    expect(await screen.findByText('Loaded 2 prices from Stripe')).toBeInTheDocument();

    // Team is the higher tier: move it up, rename its value.
    expect(screen.getByRole('button', { name: 'Move row 1 up' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Move row 2 up' }));
    expect(rowValues(1)[0]).toBe('price_team');
    const value = within(screen.getByRole('group', { name: 'Row 1' })).getByLabelText('App plan value');
    await user.clear(value);
    await user.type(value, 'team');

    // Add a lookup-key row, then remove it again; add another that stays.
    await user.click(screen.getByRole('button', { name: 'Add row' }));
    await user.click(screen.getByRole('button', { name: 'Remove row 3' }));
    expect(screen.queryByRole('group', { name: 'Row 3' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Add row' }));
    const row3 = screen.getByRole('group', { name: 'Row 3' });
    await user.type(within(row3).getByLabelText('Lookup key (optional)'), 'legacy_gold');
    await user.type(within(row3).getByLabelText('App plan value'), 'gold');

    // Loading again adds nothing twice.
    await user.click(screen.getByRole('button', { name: 'Load from Stripe' }));
    expect(await screen.findByText('All 2 Stripe prices are already in the list')).toBeInTheDocument();
    expect(screen.queryByRole('group', { name: 'Row 4' })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/6'));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body).toEqual({
      plans: {
        rows: [
          { price_id: 'price_team', app_value: 'team' },
          { price_id: 'price_basic', lookup_key: 'Basic', app_value: 'basic' },
          { price_id: '', lookup_key: 'legacy_gold', app_value: 'gold' },
        ],
        no_plan_value: 'free',
      },
    });
  });

  it('loads rows without product names and says which permission adds them', async () => {
    const note = "Product names need 'Products: Read' on the restricted key.";
    stubApi(
      pageRoutes(project({ billing_source: 'stripe', access_source: 'clerk' }, 5), admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/stripe/prices': {
          status: 200,
          body: { items: [price({ price_id: 'price_pro', lookup_key: 'pro', product_name: '' })], notes: [note] },
        },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/5');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Load from Stripe' }));
    await screen.findByRole('group', { name: 'Row 1' });
    expect(rowValues(1)).toEqual(['price_pro', 'pro', 'pro']);
    expect(screen.getByText(note)).toBeInTheDocument();
    expect(screen.getByText(/^.*10\.00 \/ month · 1 active of 1 subscription$/)).toBeInTheDocument();
  });

  it('shows the server messages for loading and saving verbatim', async () => {
    stubApi(
      pageRoutes(project({ billing_source: 'stripe', access_source: 'clerk' }, 5), admin, {
        'GET /api/projects/prj_abc/mappings': {
          status: 200,
          body: { ...emptyMappings, plans: { rows: [{ price_id: 'price_a', app_value: 'free' }], no_plan_value: 'free' } },
        },
        'GET /api/projects/prj_abc/stripe/prices': apiError(409, 'stripe_not_connected', 'Connect Stripe on step 2 first.'),
        'PUT /api/projects/prj_abc/mappings': apiError(
          400,
          'invalid_mapping',
          'Row 1 maps to "free", which is your no-paid-plan value; a paid price must map to a paid plan.',
        ),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/5');
    const user = userEvent.setup();
    await screen.findByRole('group', { name: 'Row 1' });
    expect(rowValues(1)).toEqual(['price_a', '', 'free']);
    await user.click(screen.getByRole('button', { name: 'Load from Stripe' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Connect Stripe on step 2 first.');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    await waitFor(() =>
      expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain(
        'Row 1 maps to "free", which is your no-paid-plan value; a paid price must map to a paid plan.',
      ),
    );
    expect(location.current).toBe('/projects/prj_abc/onboarding/5');
  });

  it('shows a member the mapping read-only', async () => {
    stubApi(
      pageRoutes(project({ billing_source: 'stripe', access_source: 'clerk' }, 5), member, {
        'GET /api/projects/prj_abc/mappings': {
          status: 200,
          body: { ...emptyMappings, plans: { rows: [{ price_id: 'price_a', app_value: 'pro' }], no_plan_value: 'none' } },
        },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/5');
    const row = await screen.findByRole('group', { name: 'Row 1' });
    expect(within(row).getByLabelText('App plan value')).toBeDisabled();
    expect(screen.getByLabelText('App value for no paid plan')).toHaveValue('none');
    expect(screen.queryByRole('button', { name: 'Load from Stripe' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Save and continue' })).toBeNull();
  });
});
