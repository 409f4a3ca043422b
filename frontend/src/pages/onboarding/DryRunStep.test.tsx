import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { check, runningCheck } from '../../test/checks';
import { apiError, stubApi } from '../../test/fakeServer';
import { clerkRail, member, project } from '../../test/fixtures';
import { pageRoutes } from '../../test/onboarding';
import { location, renderApp } from '../../test/renderApp';
import type { CheckSummary } from '../../types';

function clerkProject(current = 7, done: number[] = []) {
  const p = project({ billing_source: 'stripe', access_source: 'clerk' }, current);
  return { ...p, onboarding: { current_step: current, steps: clerkRail(current, done) } };
}

const summary: CheckSummary = {
  customers: 40,
  subjects: 38,
  kinds: { paid_without_access: 2, access_without_payment: 1 },
  severities: { critical: 2, high: 1 },
  unmapped_prices: [{ price_id: 'price_legacy', customers: 3 }],
  unmatched_customers: 4,
  unmatched_sample: ['cus_lost1', 'cus_lost2'],
  unlinked_subjects: 0,
  pending: 0,
  promises_changed: 0,
  promises_recorded: 0,
  stripe_requests: 5,
  duration_ms: 2100,
  phases_ms: { reading_billing: 900, reading_app: 1100 },
  sample: [
    {
      kind: 'paid_without_access',
      severity: 'critical',
      customer_id: 'cus_paid',
      subject: 'user:user_9',
      summary: 'ann@app.test has plan free but Stripe promises pro',
      fields: [{ field: 'plan', path: 'public_metadata.plan', expected: 'pro', actual: 'free' }],
      new: true,
    },
  ],
};

const dry = (o = {}) => check({ id: 'chk_dry', trigger: 'dry_run', dry_run: true, ...o });

// Polling runs on real timers; give slow machines room.
configure({ asyncUtilTimeout: 5000 });

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('step 7 (Dry run)', { timeout: 30_000 }, () => {
  it('lets a member run it, shows progress, then the numbers, and Continue marks the step done', async () => {
    let polls = 0;
    const calls = stubApi(
      pageRoutes(() => clerkProject(7), member, {
        'GET /api/projects/prj_abc/checks': { status: 200, body: { items: [] } },
        'POST /api/projects/prj_abc/checks': { status: 202, body: runningCheck({ id: 'chk_dry', trigger: 'dry_run', dry_run: true }) },
        'GET /api/projects/prj_abc/checks/chk_dry': () => {
          polls++;
          return {
            status: 200,
            body:
              polls < 2
                ? runningCheck({ id: 'chk_dry', trigger: 'dry_run', dry_run: true })
                : dry({ counts: { checked: 40, held: 36, opened: 3, updated: 0, resolved: 0, errors: 0 }, summary }),
          };
        },
        'POST /api/projects/prj_abc/onboarding/dry-run': { status: 200, body: clerkProject(8, [7]) },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/7');
    const user = userEvent.setup();
    expect(await screen.findByText('No dry run yet')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Continue' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Run dry run' }));
    const bar = await screen.findByRole('progressbar', { name: 'Dry run progress' });
    expect(bar).toHaveAttribute('aria-valuenow', '69');
    expect(screen.getByText('Reading your app')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ scope: 'full', dry_run: true });

    const table = await screen.findByRole('table', { name: 'Dry run findings by kind' }, { timeout: 4000 });
    const row = (name: string) => within(table).getByRole('rowheader', { name }).closest('tr')!;
    expect(row('Paid without access')).toHaveTextContent(/critical\s*2$/);
    expect(row('Access without payment')).toHaveTextContent(/1$/);
    expect(row('Wrong plan')).toHaveTextContent(/0$/);
    expect(within(table).getByRole('rowheader', { name: 'Total' }).closest('tr')).toHaveTextContent('3');
    expect(await screen.findByText(/Dry run finished — 3 findings/)).toBeInTheDocument();

    // The sample: expected vs actual, field by field.
    expect(screen.getByText('ann@app.test has plan free but Stripe promises pro')).toBeInTheDocument();
    expect(screen.getByText('cus_paid')).toBeInTheDocument();
    const planRow = screen.getByRole('rowheader', { name: /^plan\s*public_metadata\.plan$/ }).closest('tr')!;
    expect(within(planRow).getAllByRole('cell').map((c) => c.textContent)).toEqual(['pro', 'free']);

    // Unmapped prices → step 5; unmatched → steps 4 and 6.
    expect(screen.getByText('price_legacy')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'step 5 (Plan mapping)' })).toHaveAttribute('href', '/projects/prj_abc/onboarding/5');
    expect(screen.getByRole('link', { name: 'step 4 (Identity mapping)' })).toHaveAttribute('href', '/projects/prj_abc/onboarding/4');
    expect(screen.getByRole('link', { name: 'step 6 (Access mapping)' })).toHaveAttribute('href', '/projects/prj_abc/onboarding/6');
    expect(within(screen.getByRole('list', { name: 'Unmatched customers (sample)' })).getAllByRole('listitem')).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Continue' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/8'));
    expect(calls.find((c) => c.path.endsWith('/onboarding/dry-run'))!.body).toEqual({ check_id: 'chk_dry' });
    expect(await screen.findByText('Dry run reviewed')).toBeInTheDocument();
  });

  it('shows the last dry run when coming back, and a failed one with what to do', async () => {
    stubApi(
      pageRoutes(clerkProject(7), member, {
        'GET /api/projects/prj_abc/checks': {
          status: 200,
          body: { items: [check({ id: 'chk_real' }), dry({ id: 'chk_failed', status: 'failed', error: 'Clerk rejected the secret key (HTTP 401)' })] },
        },
        'GET /api/projects/prj_abc/checks/chk_failed': {
          status: 200,
          body: dry({ id: 'chk_failed', status: 'failed', error: 'Clerk rejected the secret key (HTTP 401)' }),
        },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/7');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The dry run failed: Clerk rejected the secret key (HTTP 401). Fix the cause',
    );
    expect(screen.getByRole('button', { name: 'Continue' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Run dry run again' })).toBeEnabled();
  });

  it('says why a dry run cannot start', async () => {
    stubApi(
      pageRoutes(clerkProject(7), member, {
        'GET /api/projects/prj_abc/checks': { status: 200, body: { items: [] } },
        'POST /api/projects/prj_abc/checks': apiError(409, 'not_mapped', 'Map the access fields on step 6 (Access mapping) before running a check.'),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/7');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Run dry run' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Map the access fields on step 6');
  });
});
