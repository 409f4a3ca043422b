import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppValues } from '../../types';
import { apiError, stubApi } from '../../test/fakeServer';
import { admin, project } from '../../test/fixtures';
import { pageRoutes, price } from '../../test/onboarding';
import { renderApp } from '../../test/renderApp';
import { matchAppValue } from './planValues';


const prices = [
  price({ price_id: 'price_pro', lookup_key: 'pro_monthly', product_name: 'Pro' }),
  price({ price_id: 'price_team', product_name: 'TEAM' }),
  price({ price_id: 'price_scale', product_name: 'Scale' }),
];

const values: AppValues = {
  field: 'plan',
  source: 'postgres',
  origins: [{ subject: 'users', where: 'public.profiles.plan', basis: 'mapped', unset: 4, distinct: 3 }],
  items: [
    { value: 'free', count: 40, where: ['public.profiles.plan'] },
    { value: 'pro', count: 12, where: ['public.profiles.plan'] },
    { value: 'Team', count: 3, where: ['public.profiles.plan'] },
  ],
};

const emptyMappings = { identity: null, plans: { rows: [], no_plan_value: 'free' }, access: null, policy: null };
const pg = project({ billing_source: 'stripe', access_source: 'postgres' }, 5);

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

const row = (n: number) => screen.getByRole('group', { name: `Row ${n}` });
const appValue = (n: number) => within(row(n)).getByLabelText('App plan value') as HTMLInputElement;

describe('matchAppValue', () => {
  const v = (...names: string[]) => names.map((value) => ({ value, count: 1, where: ['t.plan'] }));
  it('matches the lookup key, nickname or product name ignoring case, spaces and dashes', () => {
    expect(matchAppValue({ lookup_key: 'PRO', nickname: '', product_name: '' }, v('pro'))?.value.value).toBe('pro');
    expect(matchAppValue({ lookup_key: '', nickname: '', product_name: 'Pro Plus' }, v('pro-plus'))?.value.value).toBe('pro-plus');
    expect(matchAppValue({ lookup_key: 'x', nickname: 'Gold', product_name: '' }, v('gold'))?.by).toBe('its nickname “Gold”');
  });
  it('falls back to a whole word of a name, the longest value first', () => {
    const m = matchAppValue({ lookup_key: 'pro_plus_yearly', nickname: '', product_name: '' }, v('pro', 'pro_plus'));
    expect(m?.value.value).toBe('pro_plus');
    expect(m?.by).toBe('a word of its lookup key “pro_plus_yearly”');
    expect(matchAppValue({ lookup_key: 'professional', nickname: '', product_name: '' }, v('pro'))).toBeNull();
  });
});

describe('step 5 pre-fills app values the app really stores', () => {
  it('fills real values in the app’s own spelling, marks guesses, offers the values with counts', async () => {
    stubApi(
      pageRoutes(pg, admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/stripe/prices': { status: 200, body: { items: prices } },
        'GET /api/projects/prj_abc/app-values?field=plan': { status: 200, body: values },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/5');
    const user = userEvent.setup();
    await screen.findByText('No plan rows yet.', { exact: false });
    await user.click(screen.getByRole('button', { name: 'Load from Stripe' }));
    await screen.findByRole('group', { name: 'Row 3' });

    // Pro by a word of its lookup key, Team in the app's spelling; Scale is nowhere in the app.
    expect([1, 2, 3].map((n) => appValue(n).value)).toEqual(['pro', 'Team', 'scale']);
    expect(within(row(1)).getByTestId('value-chip-app')).toHaveTextContent('In your app · 12');
    expect(appValue(1)).toHaveAccessibleDescription(
      '“pro” is stored on 12 rows in public.profiles.plan; matched to this price by its product name “Pro”.',
    );
    expect(within(row(2)).getByTestId('value-chip-app')).toHaveTextContent('In your app · 3');
    const guess = within(row(3)).getByTestId('value-chip-guess');
    expect(guess).toHaveTextContent('guess');
    expect(appValue(3)).toHaveAccessibleDescription(
      /^Guess: no value in public\.profiles\.plan \(mapped on step 6\) matches this price, so this was made from its product name\./,
    );

    // What the app stores, where it was read, and the values to pick from.
    const summary = screen.getByTestId('app-values-summary');
    expect(summary).toHaveTextContent('Read from public.profiles.plan (mapped on step 6)');
    expect(within(summary).getByRole('list', { name: 'Plan values in your app' })).toHaveTextContent('free40pro12Team3no value 4');
    const list = document.getElementById(appValue(3).getAttribute('list')!)!;
    expect([...list.querySelectorAll('option')].map((o) => `${o.value}: ${o.label}`)).toEqual([
      'free: 40 rows in your app',
      'pro: 12 rows in your app',
      'Team: 3 rows in your app',
    ]);

    // Picking a real value turns the guess into one.
    await user.clear(appValue(3));
    await user.type(appValue(3), 'pro');
    expect(within(row(3)).queryByTestId('value-chip-guess')).toBeNull();
    expect(within(row(3)).getByTestId('value-chip-app')).toBeInTheDocument();
    // Typing through a whole page on two shared cores takes seconds.
  }, 15_000);

  it('says why the app’s values could not be read, and marks every value a guess', async () => {
    stubApi(
      pageRoutes(pg, admin, {
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/stripe/prices': { status: 200, body: { items: prices.slice(0, 1) } },
        'GET /api/projects/prj_abc/app-values?field=plan': apiError(
          409,
          'database_not_connected',
          'Connect your Postgres / Supabase database on step 3 (Database) first.',
        ),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/5');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Load from Stripe' }));
    await screen.findByRole('group', { name: 'Row 1' });
    expect(appValue(1).value).toBe('pro_monthly');
    expect(within(row(1)).getByTestId('value-chip-guess')).toBeInTheDocument();
    expect(screen.getByTestId('app-values-summary')).toHaveTextContent(
      "Your app's plan values could not be read: Connect your Postgres / Supabase database on step 3 (Database) first. The values filled in below are guesses from Stripe's names.",
    );
  });

  it('shows a rejected row’s message under that row', async () => {
    const message = 'Row 2 maps to "free", which is your no-paid-plan value; a paid price must map to a paid plan.';
    stubApi(
      pageRoutes(pg, admin, {
        'GET /api/projects/prj_abc/mappings': {
          status: 200,
          body: {
            ...emptyMappings,
            plans: { rows: [{ price_id: 'price_a', app_value: 'pro' }, { price_id: 'price_b', app_value: 'free' }], no_plan_value: 'free' },
          },
        },
        'GET /api/projects/prj_abc/app-values?field=plan': { status: 200, body: values },
        'PUT /api/projects/prj_abc/mappings': apiError(400, 'invalid_mapping', message, 'plans.rows.1.app_value'),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/5');
    const user = userEvent.setup();
    await screen.findByRole('group', { name: 'Row 2' });
    // Saved rows show where their values stand in the app too.
    await waitFor(() => expect(within(row(1)).getByTestId('value-chip-app')).toHaveTextContent('In your app · 12'));
    expect(within(row(2)).getByTestId('value-chip-no-plan')).toHaveTextContent('No paid plan');

    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(await within(row(2)).findByRole('alert')).toHaveTextContent(message);
    expect(appValue(2)).toBeInvalid();
    expect(screen.getAllByRole('alert')).toHaveLength(1);
  });
});
