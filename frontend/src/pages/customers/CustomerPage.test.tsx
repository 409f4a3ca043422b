import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { signedIn, stubApi, type Answer } from '../../test/fakeServer';
import { member, owner, project } from '../../test/fixtures';
import { check, customer, entry } from '../../test/incidents';
import { renderApp } from '../../test/renderApp';
import type { CustomerView } from '../../types';

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

const path = '/api/projects/prj_abc/customers/cus_bea';

function routes(get: () => CustomerView, extra: Record<string, Answer | ((b: unknown) => Answer)> = {}) {
  return stubApi(
    signedIn(member, {
      'GET /api/projects/prj_abc': { status: 200, body: project({ onboarded: true }, 0) },
      'GET /api/team/members': { status: 200, body: { items: [owner, member] } },
      [`GET ${path}`]: () => ({ status: 200, body: get() }),
      ...extra,
    }),
  );
}

describe('customer page', () => {
  it('shows the promise beside every app account, the incidents and the ledger with an intact chain', async () => {
    routes(() => customer());
    renderApp('/projects/prj_abc/customers/cus_bea');
    expect(await screen.findByRole('heading', { level: 1, name: 'Bea' })).toBeInTheDocument();
    expect(screen.getByText('The promise is not kept right now')).toBeInTheDocument();
    const compared = screen.getByRole('table', { name: 'Promise vs bea@example.com' });
    expect(within(within(compared).getByRole('row', { name: /Plan/ })).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      'pro',
      'free',
      'Differs',
    ]);
    const incidents = screen.getByRole('list', { name: 'Customer incidents' });
    expect(within(incidents).getByRole('link', { name: 'Paid without access' })).toHaveAttribute('href', '/projects/prj_abc/incidents/inc_1');

    expect(screen.getByTestId('chain-status')).toHaveTextContent('Hash chain intact');
    const ledger = screen.getByRole('list', { name: 'Access Ledger' });
    const items = within(ledger).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('p')?.textContent)).toEqual([
      'A full check started (started by a person).',
      'Stripe sent invoice.paid (evt_1).',
      'Paid without access opened: Stripe promises paid access (pro) but the app grants nothing',
      'The full check finished: 3 checked, 1 opened, 0 resolved.',
    ]);
    expect(items[1]).toHaveTextContent('Stripe webhook');
    await waitFor(() => expect(items[0]).toHaveTextContent('Olivia Owner'));
  });

  it('names the entry where a broken chain breaks', async () => {
    const c = customer();
    c.ledger = { chain: 'broken', broken_at: 3, entries: c.ledger.entries.map((e) => (e.n === 3 ? { ...e, chain: 'edited' } : e)) };
    routes(() => c);
    renderApp('/projects/prj_abc/customers/cus_bea');
    expect(await screen.findByTestId('chain-status')).toHaveTextContent('Hash chain broken at entry 3');
    expect(screen.getByText(/This entry does not match its hash \(edited\)/)).toBeInTheDocument();
  });

  it('runs a check for this customer, shows its progress, then a toast and the fresh state', async () => {
    let polls = 0;
    let current = customer();
    const calls = routes(() => current, {
      'POST /api/projects/prj_abc/checks': { status: 202, body: check() },
      'GET /api/projects/prj_abc/checks/chk_9': () => {
        polls++;
        if (polls < 2) return { status: 200, body: check({ progress: { phase: 'comparing', done: 1, total: 2, percent: 50, indeterminate: false } }) };
        current = customer({
          live: { ...customer().live!, held: true, findings: [] },
          ledger: {
            chain: 'intact',
            entries: [
              ...customer().ledger.entries,
              entry(5, 'incident_resolved', { kind: 'paid_without_access', resolution: 'promise holds' }, { incident_id: 'inc_1', check_id: 'chk_9', check_number: 12 }),
              entry(6, 'check_finished', { scope: 'customer', counts: { checked: 1 } }, { customer_id: '', check_id: 'chk_9', check_number: 12 }),
            ],
          },
        });
        return { status: 200, body: check({ status: 'finished', counts: { checked: 1, held: 1, opened: 0, updated: 0, resolved: 1, errors: 0 } }) };
      },
    });
    renderApp('/projects/prj_abc/customers/cus_bea');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Run check' }));
    expect(await screen.findByRole('progressbar', { name: 'Customer check progress' })).toBeInTheDocument();
    expect(await screen.findByText('Check finished: 0 opened, 0 updated, 1 resolved', {}, { timeout: 5000 })).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ scope: 'customer', customer_id: 'cus_bea' });
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Access Ledger' })).getAllByRole('listitem')).toHaveLength(6));
    expect(screen.getByText('The promise holds now')).toBeInTheDocument();
    // The check line names the check by number and links to it, with no counts about anyone else.
    expect(screen.getByText('Checked in check #12 (one-customer check).')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open check #12' })).toHaveAttribute('href', '/projects/prj_abc/checks/chk_9');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('says when the live read failed and still shows the ledger', async () => {
    routes(() => customer({ live: null, live_error: 'Stripe rejected the API key (HTTP 401).' }));
    renderApp('/projects/prj_abc/customers/cus_bea');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not read the live state: Stripe rejected the API key (HTTP 401). Check the Stripe and app connections, then reload.',
    );
    expect(screen.getByRole('list', { name: 'Access Ledger' })).toBeInTheDocument();
  });
});
