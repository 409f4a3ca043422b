import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, signedIn, stubApi, type Answer } from '../../test/fakeServer';
import { member, project } from '../../test/fixtures';
import { incident } from '../../test/incidents';
import { location, renderApp } from '../../test/renderApp';

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

const base = '/api/projects/prj_abc/incidents';
const bea = incident();
const dan = incident({
  id: 'inc_2',
  customer_id: 'cus_dan',
  subject: { key: 'user:user_dan', kind: 'user', id: 'user_dan', email: 'dan@example.com' },
  summary: 'Dan pays but has nothing',
});
const cyd = incident({
  id: 'inc_3',
  customer_id: 'cus_cyd',
  kind: 'access_without_payment',
  severity: 'high',
  status: 'acknowledged',
  subject: { key: 'user:user_cyd', kind: 'user', id: 'user_cyd', email: 'cyd@example.com' },
  summary: 'Cyd has access but pays nothing',
});

function routes(extra: Record<string, Answer | ((b: unknown) => Answer)> = {}) {
  return stubApi(
    signedIn(member, {
      'GET /api/projects/prj_abc': { status: 200, body: project({ onboarded: true }, 0) },
      ...extra,
    }),
  );
}

describe('incidents list', () => {
  it('shows active incidents as a dense table, filters through the URL and loads more by cursor', { timeout: 20_000 }, async () => {
    const calls = routes({
      [`GET ${base}?status=active`]: { status: 200, body: { items: [bea, dan], next_cursor: '0.7' } },
      [`GET ${base}?status=active&cursor=0.7`]: { status: 200, body: { items: [cyd] } },
      [`GET ${base}?status=active&severity=high`]: { status: 200, body: { items: [cyd] } },
      [`GET ${base}?status=active&severity=high&q=cyd%40example`]: { status: 200, body: { items: [cyd] } },
      [`GET ${base}?status=active&severity=high&q=cyd%40example&sort=last_seen`]: { status: 200, body: { items: [] } },
    });
    renderApp('/projects/prj_abc/incidents');
    await screen.findByRole('table', { name: 'Incidents' });
    // The table is replaced while a new filter loads: look it up each time.
    const rows = () => within(screen.getByRole('table', { name: 'Incidents' })).getAllByRole('row').slice(1);
    await waitFor(() => expect(rows()).toHaveLength(2));
    const first = rows()[0];
    expect(first).toHaveTextContent('critical');
    expect(first).toHaveTextContent('Paid without access');
    expect(first).toHaveTextContent('bea@example.com');
    expect(first).toHaveTextContent('Open');
    expect(within(first).getByRole('link', { name: 'cus_bea' })).toHaveAttribute('href', '/projects/prj_abc/customers/cus_bea');

    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows()[2]).toHaveTextContent('Acknowledged');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    await user.selectOptions(screen.getByLabelText('Severity'), 'high');
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/incidents?severity=high'));
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.type(screen.getByLabelText('Customer id or email'), 'cyd@example');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/incidents?severity=high&q=cyd%40example'));
    await user.selectOptions(screen.getByLabelText('Sort by'), 'last_seen');
    expect(await screen.findByText('No incidents match these filters')).toBeInTheDocument();
    expect(calls.map((c) => c.path)).toContain(`${base}?status=active&severity=high&q=cyd%40example&sort=last_seen`);
  });

  it('acknowledges the selected open incidents in one request', { timeout: 20_000 }, async () => {
    let acked = false;
    const calls = routes({
      [`GET ${base}?status=active`]: () => ({
        status: 200,
        body: { items: acked ? [{ ...bea, status: 'acknowledged' }, { ...dan, status: 'acknowledged' }, cyd] : [bea, dan, cyd] },
      }),
      [`POST ${base}/acknowledge`]: () => {
        acked = true;
        return { status: 200, body: { acknowledged: 2, already: 0, skipped: 0, not_found: 0, ids: ['inc_1', 'inc_2'] } };
      },
    });
    renderApp('/projects/prj_abc/incidents');
    const user = userEvent.setup();
    const button = await screen.findByRole('button', { name: 'Acknowledge selected' });
    expect(button).toBeDisabled();
    // Only open incidents can be selected.
    expect(screen.queryByRole('checkbox', { name: 'Select Access without payment for cyd@example.com' })).toBeNull();
    await user.click(screen.getByRole('checkbox', { name: 'Select Paid without access for bea@example.com' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select Paid without access for dan@example.com' }));
    await user.click(screen.getByRole('button', { name: 'Acknowledge selected (2)' }));
    expect(await screen.findByText('Acknowledged 2 incidents')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ ids: ['inc_1', 'inc_2'] });
    const table = screen.getByRole('table', { name: 'Incidents' });
    await waitFor(() => expect(within(table).getAllByText('Acknowledged')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: /Acknowledge selected/ })).toBeNull();
  });

  it('opens an incident from its row with the keyboard', async () => {
    routes({ [`GET ${base}?status=active`]: { status: 200, body: { items: [bea] } } });
    renderApp('/projects/prj_abc/incidents');
    const row = await screen.findByRole('row', { name: /Paid without access, critical, cus_bea/ });
    row.focus();
    await userEvent.setup().keyboard('{Enter}');
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/incidents/inc_1'));
  });

  it('says when nothing is active, and what to do when the list fails', async () => {
    let fail = true;
    routes({
      [`GET ${base}?status=active`]: () => (fail ? apiError(400, 'invalid_filter', 'Unknown kind "x".') : { status: 200, body: { items: [] } }),
    });
    renderApp('/projects/prj_abc/incidents');
    expect(await screen.findByText('Unknown kind "x".')).toBeInTheDocument();
    fail = false;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('No active incidents')).toBeInTheDocument();
  });
});

describe('money at stake', () => {
  it('sorts by money at stake within a currency and shows each amount', { timeout: 20_000 }, async () => {
    const big = incident({ id: 'inc_9', customer_id: 'cus_big', at_stake: { monthly_minor: 9900, currency: 'usd', basis: 'price' } });
    const calls = routes({
      [`GET ${base}?status=active`]: { status: 200, body: { items: [bea] } },
      [`GET ${base}?status=active&sort=at_stake&currency=usd`]: { status: 200, body: { items: [big, bea] } },
    });
    renderApp('/projects/prj_abc/incidents');
    await screen.findByRole('table', { name: 'Incidents' });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Sort by'), 'at_stake');
    const rows = () => within(screen.getByRole('table', { name: 'Incidents' })).getAllByRole('row').slice(1);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows()[0]).toHaveTextContent('$99/mo at stake');
    expect(rows()[1]).toHaveTextContent('$49/mo at stake');
    expect(calls.map((c) => c.path)).toContain(`${base}?status=active&sort=at_stake&currency=usd`);
  });
});
