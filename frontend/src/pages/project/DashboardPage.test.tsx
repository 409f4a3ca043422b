import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { incidentKinds, kindLabel } from '../../components/incident';
import { check, dashboard, runningCheck } from '../../test/checks';
import { apiError, stubApi } from '../../test/fakeServer';
import { liveProject, member, project } from '../../test/fixtures';
import { pageRoutes } from '../../test/onboarding';
import { location, renderApp } from '../../test/renderApp';

configure({ asyncUtilTimeout: 5000 });

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('project dashboard', { timeout: 30_000 }, () => {
  it('shows open incidents by kind (every kind, in order, linked), severity, last check, schedules and webhooks', async () => {
    stubApi(pageRoutes(liveProject(), member, { 'GET /api/projects/prj_abc/dashboard': { status: 200, body: dashboard() } }));
    renderApp('/projects/prj_abc');
    const table = await screen.findByRole('table', { name: 'Open incidents by kind' });
    const rows = within(table).getAllByRole('rowheader');
    expect(rows.map((r) => r.textContent)).toEqual(incidentKinds.map((k) => kindLabel[k]));
    const counts = rows.map((r) => r.closest('tr')!.querySelector('td')!.textContent);
    expect(counts).toEqual(['1', '1', '1', '0', '0', '0', '0']);
    expect(within(table).getByRole('link', { name: 'Wrong plan' })).toHaveAttribute('href', '/projects/prj_abc/incidents?kind=wrong_plan');

    expect(screen.getByTestId('open-total')).toHaveTextContent('3');
    const bySeverity = screen.getByRole('list', { name: 'Open incidents by severity' });
    expect(within(bySeverity).getByRole('link', { name: /critical\s*1/ })).toHaveAttribute('href', '/projects/prj_abc/incidents?severity=critical');

    const last = screen.getByRole('region', { name: 'Last check' });
    expect(last).toHaveTextContent(/Finished.*Full check by person · took 12 s/);
    expect(within(last).getByText('Opened').nextSibling).toHaveTextContent('2');

    const sched = screen.getByRole('region', { name: 'Schedules' });
    expect(sched).toHaveTextContent(/Daily full check\s*Every day at 03:00 UTC · next/);
    expect(sched).toHaveTextContent(/Hourly recent check\s*Off/);

    const hooks = screen.getByRole('region', { name: 'Stripe webhooks' });
    expect(within(hooks).getByText('Events received').nextSibling).toHaveTextContent('12');
    expect(within(hooks).getByText('Signature failures').nextSibling).toHaveTextContent('2');
    expect(hooks).toHaveTextContent('invoice.paid');
    expect(hooks).toHaveTextContent('The Stripe-Signature header is missing or does not match.');

    // The project frame.
    const nav = screen.getByRole('navigation', { name: 'Project' });
    expect(within(nav).getAllByRole('link').map((l) => l.textContent)).toEqual(['Dashboard', 'Incidents', 'Checks', 'Settings', 'Setup']);
    expect(within(nav).getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
    expect(screen.queryByText('Demo')).not.toBeInTheDocument();
  });

  it('sends a project that is not onboarded to the wizard', async () => {
    stubApi(pageRoutes(project({ billing_source: 'stripe', access_source: 'clerk' }, 5), member));
    renderApp('/projects/prj_abc');
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding'));
  });

  it('runs a full check and follows it live to the end', async () => {
    let phase = 0;
    let polls = 0;
    const calls = stubApi(
      pageRoutes(liveProject(), member, {
        'GET /api/projects/prj_abc/dashboard': () => ({
          status: 200,
          body: dashboard(phase === 0 ? {} : phase === 1 ? { running_check: runningCheck({ id: 'chk_2' }) } : { last_check: check({ id: 'chk_2', counts: { checked: 3, held: 3, opened: 0, updated: 0, resolved: 2, errors: 0 } }) }),
        }),
        'POST /api/projects/prj_abc/checks': () => {
          phase = 1;
          return { status: 202, body: runningCheck({ id: 'chk_2' }) };
        },
        'GET /api/projects/prj_abc/checks/chk_2': () => {
          polls++;
          if (polls < 2) return { status: 200, body: runningCheck({ id: 'chk_2' }) };
          phase = 2;
          return { status: 200, body: check({ id: 'chk_2', counts: { checked: 3, held: 3, opened: 0, updated: 0, resolved: 2, errors: 0 } }) };
        },
      }),
    );
    renderApp('/projects/prj_abc');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Run check' }));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ scope: 'full' });
    expect(await screen.findByRole('progressbar', { name: 'Running check progress' })).toHaveAttribute('aria-valuenow', '69');
    expect(screen.getByRole('button', { name: 'Run check' })).toBeDisabled();
    expect(await screen.findByText('Check finished — 3 checked, 0 opened, 2 resolved')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('progressbar')).not.toBeInTheDocument());
    expect(screen.getByRole('button', { name: 'Run check' })).toBeEnabled();
  });

  it('says why a check cannot start, and shows a demo badge on demo projects', async () => {
    stubApi(
      pageRoutes({ ...liveProject(), billing_source: 'demo' }, member, {
        'GET /api/projects/prj_abc/dashboard': { status: 200, body: dashboard({ last_check: null, open_total: 0, open_by_kind: {} }) },
        'POST /api/projects/prj_abc/checks': apiError(409, 'stripe_not_connected', 'Connect Stripe first.'),
      }),
    );
    renderApp('/projects/prj_abc');
    const user = userEvent.setup();
    expect(await screen.findByText('Demo')).toBeInTheDocument();
    expect(await screen.findByText(/No check has ended yet/)).toBeInTheDocument();
    expect(screen.getByText('No open incidents: every promise checked holds.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Run check' }));
    expect(await screen.findByText('Connect Stripe first.')).toBeInTheDocument();
  });

  it('shows an error with Try again when the dashboard cannot load', async () => {
    stubApi(pageRoutes(liveProject(), member, { 'GET /api/projects/prj_abc/dashboard': apiError(500, 'internal', 'Something broke on the server.') }));
    renderApp('/projects/prj_abc');
    expect(await screen.findByRole('alert')).toHaveTextContent('Something broke on the server.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('money at stake', { timeout: 30_000 }, () => {
  it('reads what leaks and what is at risk per month', async () => {
    const body = dashboard({
      at_stake: [
        { currency: 'usd', kind: 'paid_without_access', monthly_minor: 310000 },
        { currency: 'usd', kind: 'access_without_payment', monthly_minor: 124000 },
        { currency: 'jpy', kind: 'access_without_payment', monthly_minor: 5000 },
      ],
    });
    stubApi(pageRoutes(liveProject(), member, { 'GET /api/projects/prj_abc/dashboard': { status: 200, body } }));
    renderApp('/projects/prj_abc');
    expect(await screen.findByTestId('at-stake')).toHaveTextContent(
      '$3,100/mo at risk (paid without access), $1,240/mo leaking (access without payment), ¥5,000/mo leaking (access without payment)',
    );
  });
});
