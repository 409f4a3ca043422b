import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Check, DemoStarted } from '../types';
import { runningCheck } from '../test/checks';
import { apiError, deferred, signedIn, stubApi, type Answer } from '../test/fakeServer';
import { admin, member, project } from '../test/fixtures';
import { location, renderApp } from '../test/renderApp';

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

const demoProject = project({ id: 'prj_demo', name: 'Demo project', billing_source: 'demo', access_source: 'demo', onboarded: true }, 9);

/** The demo's first check, just started: no total yet, so its progress is indeterminate. */
function check(overrides: Partial<Check> = {}): Check {
  return runningCheck({
    project_id: 'prj_demo',
    started_at: '2025-01-01T00:00:00Z',
    duration_ms: 0,
    progress: { phase: 'reading_billing', done: 0, total: 0, percent: 0, indeterminate: true },
    ...overrides,
  });
}

describe('first run: Explore with demo data', () => {
  it('creates the demo project, shows the first check’s progress, then opens the project', async () => {
    const finished = deferred<Answer>();
    let polls = 0;
    const calls = stubApi(
      signedIn(admin, {
        'POST /api/projects/demo': { status: 201, body: { project: demoProject, check: check() } satisfies DemoStarted },
        'GET /api/projects/prj_demo/checks/chk_1': () => (++polls === 1 ? finished.promise : { status: 200, body: check({ status: 'finished' }) }),
        'GET /api/projects/prj_demo': { status: 200, body: demoProject },
      }),
    );
    renderApp('/welcome');
    const user = userEvent.setup();
    expect(await screen.findByRole('heading', { name: /Welcome to ParityRail, Adam/ })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Set up my own project' })).toHaveAttribute('href', '/projects?new=1');

    // The demo app is a choice: SQL tables (repairs run) is preselected.
    const choice = screen.getByRole('group', { name: 'The demo app keeps access in' });
    expect(within(choice).getByRole('radio', { name: 'SQL tables' })).toBeChecked();
    await user.click(within(choice).getByRole('radio', { name: 'Clerk' }));
    await user.click(within(choice).getByRole('radio', { name: 'SQL tables' }));

    await user.click(screen.getByRole('button', { name: 'Explore with demo data' }));
    const dialog = await screen.findByRole('dialog', { name: 'Setting up the demo project' });
    const bar = await within(dialog).findByRole('progressbar', { name: 'First check of the demo project' });
    expect(bar).toHaveAttribute('aria-valuetext', 'Reading the demo Stripe account…');
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/projects/demo');
    expect(post?.body).toEqual({ app: 'sql' });

    finished.resolve({
      status: 200,
      body: check({ status: 'finished', progress: { phase: 'saving', done: 0, total: 0, percent: 100, indeterminate: false }, counts: { checked: 61, held: 29, opened: 32, updated: 0, resolved: 0, errors: 0 } }),
    });
    await waitFor(() => expect(location.current).toMatch(/^\/projects\/prj_demo/));
    expect(await screen.findByText('Demo project ready — 32 incidents found')).toBeInTheDocument();
  });

  it('says what went wrong when the demo cannot be created, and offers a retry', async () => {
    stubApi(
      signedIn(admin, {
        'POST /api/projects/demo': apiError(503, 'demo_unavailable', 'Demo data is not served by this process.'),
      }),
    );
    renderApp('/welcome');
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Explore with demo data' }));
    const dialog = await screen.findByRole('dialog', { name: 'Setting up the demo project' });
    expect(await within(dialog).findByText(/Demo data is not served by this process\. Try again/)).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('projects list', () => {
  it('marks demo projects and offers the demo next to New project', async () => {
    stubApi(
      signedIn(admin, {
        'GET /api/projects': { status: 200, body: { items: [project({ name: 'Acme' }), demoProject] } },
      }),
    );
    renderApp('/projects');
    const demoRow = (await screen.findByRole('link', { name: 'Demo project' })).closest('tr')!;
    expect(within(demoRow).getByText('Demo')).toBeInTheDocument();
    const acmeRow = screen.getByRole('link', { name: 'Acme' }).closest('tr')!;
    expect(within(acmeRow).queryByText('Demo')).toBeNull();
    expect(screen.getByRole('button', { name: 'Explore with demo data' })).toBeInTheDocument();
  });

  it('offers the demo in the empty state, but not to members', async () => {
    stubApi(
      signedIn(member, {
        'GET /api/projects': { status: 200, body: { items: [] } },
      }),
    );
    renderApp('/projects');
    expect(await screen.findByText('An admin of this workspace can create one.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Explore with demo data' })).toBeNull();
  });

  it('opens the new-project dialog from the first-run screen’s link', async () => {
    stubApi(
      signedIn(admin, {
        'GET /api/projects': { status: 200, body: { items: [] } },
      }),
    );
    renderApp('/projects?new=1');
    expect(await screen.findByRole('dialog', { name: 'New project' })).toBeInTheDocument();
    await userEvent.setup().keyboard('{Escape}');
    await waitFor(() => expect(location.current).toBe('/projects'));
    expect(screen.getByRole('button', { name: 'Explore with demo data' })).toBeInTheDocument();
  });
});
