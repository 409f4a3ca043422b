import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { dashboard, runningCheck } from '../../test/checks';
import { apiError, stubApi } from '../../test/fakeServer';
import { admin, clerkRail, member, project, rail } from '../../test/fixtures';
import { pageRoutes } from '../../test/onboarding';
import { location, renderApp } from '../../test/renderApp';
import type { Connection, GoLiveResult, Project } from '../../types';

configure({ asyncUtilTimeout: 5000 });

const schedules = {
  items: [
    { kind: 'full', spec: '0 3 * * *', enabled: true, last_run_at: null, next_run_at: '2025-03-02T03:00:00Z' },
    { kind: 'recent', spec: '0 * * * *', enabled: true, last_run_at: null, next_run_at: '2025-03-01T11:00:00Z' },
  ],
};
const stripe: Connection = { kind: 'stripe', label: 'rk_test_…1234', extra_label: 'whsec_…et42', mode: 'test', connected_at: '2025-03-01T09:00:00Z' };
const clerk: Connection = { kind: 'clerk', label: 'sk_test_…abcd', mode: 'test', connected_at: '2025-03-01T09:01:00Z' };

function clerkProject(): Project {
  const p = project({ billing_source: 'stripe', access_source: 'clerk' }, 8);
  return { ...p, onboarding: { current_step: 8, steps: clerkRail(8) } };
}

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('step 8 (Go live)', { timeout: 30_000 }, () => {
  it('shows masked connections and defaults, sends the settings, and lands on the dashboard', async () => {
    let live = false;
    const onboarded = { ...clerkProject(), onboarded: true, onboarding: { current_step: 0, steps: rail(9) } };
    const calls = stubApi(
      pageRoutes(() => (live ? onboarded : clerkProject()), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [clerk, stripe] } },
        'GET /api/projects/prj_abc/schedules': { status: 200, body: schedules },
        'GET /api/projects/prj_abc/notification-channels': { status: 200, body: { items: [] } },
        'POST /api/projects/prj_abc/go-live': () => {
          live = true;
          return { status: 200, body: { project: onboarded, check: runningCheck({ id: 'chk_first' }) } satisfies GoLiveResult };
        },
        'GET /api/projects/prj_abc/dashboard': { status: 200, body: dashboard({ running_check: runningCheck({ id: 'chk_first' }), last_check: null }) },
        'GET /api/projects/prj_abc/checks/chk_first': { status: 200, body: runningCheck({ id: 'chk_first' }) },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/8');
    const user = userEvent.setup();
    expect(await screen.findByText('rk_test_…1234')).toBeInTheDocument();
    expect(screen.getByText('sk_test_…abcd')).toBeInTheDocument();
    expect(screen.getByText('whsec_…et42')).toBeInTheDocument();
    expect(screen.getByText('Every day at 03:00 UTC')).toBeInTheDocument();
    expect(screen.getByText('Every hour, on the hour')).toBeInTheDocument();
    expect(screen.getByText(/Repairs are not offered for Clerk: ParityRail never writes to Clerk/)).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: /Allow approved repairs/ })).not.toBeInTheDocument();
    // No channel yet: the step says nobody is told, and offers to add one.
    expect(await screen.findByText('No channels yet')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add channel' })).toBeInTheDocument();

    // Both schedules are on by default; turn the hourly one off and move the daily one.
    const hourly = screen.getByRole('checkbox', { name: /Hourly recent check/ });
    expect(hourly).toBeChecked();
    await user.click(hourly);
    expect(screen.getByRole('textbox', { name: 'Hourly recent check schedule (cron, UTC)' })).toBeDisabled();
    const daily = screen.getByRole('textbox', { name: 'Daily full check schedule (cron, UTC)' });
    await user.clear(daily);
    await user.type(daily, '30 4 * * *');
    expect(screen.getByText('Every day at 04:30 UTC')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Finish' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc'));
    const post = calls.find((c) => c.path.endsWith('/go-live'))!;
    expect(post.body).toEqual({
      schedules: {
        full: { spec: '30 4 * * *', enabled: true },
        recent: { spec: '0 * * * *', enabled: false },
        digest: { spec: '0 8 * * 1', enabled: true },
      },
    });
    expect(await screen.findByText('Project is live — the first check started')).toBeInTheDocument();
    // The dashboard shows the first check running.
    expect(await screen.findByRole('progressbar', { name: 'Running check progress' })).toBeInTheDocument();
  });

  it('offers repairs only with a Postgres repair role, and shows the server refusal', async () => {
    const pg = project({ billing_source: 'stripe', access_source: 'postgres' }, 8);
    const calls = stubApi(
      pageRoutes(pg, admin, {
        'GET /api/projects/prj_abc/connections': {
          status: 200,
          body: {
            items: [
              stripe,
              { kind: 'postgres', label: 'db.internal:5432/app', extra_label: 'parityrail_repair @ db.internal:5432/app', mode: 'test', connected_at: '2025-03-01T09:00:00Z' },
            ],
          },
        },
        'GET /api/projects/prj_abc/schedules': { status: 200, body: schedules },
        'GET /api/projects/prj_abc/notification-channels': { status: 200, body: { items: [] } },
        'POST /api/projects/prj_abc/go-live': apiError(409, 'check_running', 'A check is already running for this project (started 2025-03-01 10:00:00 UTC).'),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/8');
    const user = userEvent.setup();
    const repairs = await screen.findByRole('checkbox', { name: /Allow approved repairs/ });
    expect(repairs).not.toBeChecked();
    expect(within(repairs.parentElement!).getByText('parityrail_repair @ db.internal:5432/app', { exact: false })).toBeInTheDocument();
    await user.click(repairs);
    await user.click(screen.getByRole('button', { name: 'Finish' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A check is already running for this project');
    expect(calls.find((c) => c.path.endsWith('/go-live'))!.body).toMatchObject({ repairs_enabled: true });
    expect(location.current).toBe('/projects/prj_abc/onboarding/8');
  });

  it('shows a member the settings read-only, without Finish', async () => {
    stubApi(
      pageRoutes(clerkProject(), member, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [clerk, stripe] } },
        'GET /api/projects/prj_abc/schedules': { status: 200, body: schedules },
        'GET /api/projects/prj_abc/notification-channels': { status: 200, body: { items: [] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/8');
    expect(await screen.findByText('You can view these settings. Only an admin can finish onboarding.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Finish' })).not.toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: /Daily full check/ })).toBeDisabled();
  });
});
