import { configure, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { check, runningCheck } from '../../test/checks';
import { stubApi } from '../../test/fakeServer';
import { liveProject, member } from '../../test/fixtures';
import { pageRoutes } from '../../test/onboarding';
import { renderApp } from '../../test/renderApp';

configure({ asyncUtilTimeout: 5000 });

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('checks page', { timeout: 30_000 }, () => {
  it('lists checks with trigger, scope, status, duration and counts, and pages with next_cursor', async () => {
    stubApi(
      pageRoutes(liveProject(), member, {
        'GET /api/projects/prj_abc/checks': {
          status: 200,
          body: {
            items: [
              check({ id: 'chk_3', trigger: 'schedule', scope: 'recent', counts: { checked: 5, held: 4, opened: 1, updated: 0, resolved: 2, errors: 0 } }),
              check({ id: 'chk_2', status: 'failed', error: 'Stripe answered 500 three times', counts: { checked: 0, held: 0, opened: 0, updated: 0, resolved: 0, errors: 1 } }),
            ],
            next_cursor: 'chk_2',
          },
        },
        'GET /api/projects/prj_abc/checks?cursor=chk_2': {
          status: 200,
          body: { items: [check({ id: 'chk_1', trigger: 'dry_run', dry_run: true })] },
        },
      }),
    );
    renderApp('/projects/prj_abc/checks');
    const user = userEvent.setup();
    const table = await screen.findByRole('table', { name: 'Check history' });
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Started', 'Trigger', 'Scope', 'Status', 'Duration', 'Checked', 'Held', 'Opened', 'Resolved', 'Errors']);
    let rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    const cells = (r: HTMLElement) => within(r).getAllByRole('cell').slice(1).map((c) => c.textContent);
    expect(cells(rows[0])).toEqual(['Schedule', 'Recent', 'Finished', '12 s', '5', '4', '1', '2', '0']);
    expect(cells(rows[1]).slice(0, 3)).toEqual(['Person', 'Full', 'FailedStripe answered 500 three times']);

    await user.click(screen.getByRole('button', { name: 'Load older checks' }));
    await within(table).findByText('Dry run');
    rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    expect(screen.queryByRole('button', { name: 'Load older checks' })).not.toBeInTheDocument();
    expect(within(screen.getByRole('navigation', { name: 'Project' })).getByRole('link', { name: 'Checks' })).toHaveAttribute('aria-current', 'page');
  });

  it('shows a running check live and toasts when it ends', async () => {
    let reads = 0;
    stubApi(
      pageRoutes(liveProject(), member, {
        'GET /api/projects/prj_abc/checks': () => {
          reads++;
          return { status: 200, body: { items: [reads < 2 ? runningCheck({ id: 'chk_9' }) : check({ id: 'chk_9' })] } };
        },
      }),
    );
    renderApp('/projects/prj_abc/checks');
    const bar = await screen.findByRole('progressbar', { name: 'Progress of check chk_9' });
    expect(bar).toHaveAttribute('aria-valuenow', '69');
    expect(screen.getByRole('button', { name: 'Run check' })).toBeDisabled();
    expect(await screen.findByText('Check finished — 3 checked, 2 opened, 0 resolved')).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('has an empty state', async () => {
    stubApi(pageRoutes(liveProject(), member, { 'GET /api/projects/prj_abc/checks': { status: 200, body: { items: [] } } }));
    renderApp('/projects/prj_abc/checks');
    expect(await screen.findByRole('heading', { name: 'No checks yet' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Run check' })).toBeEnabled();
  });
});
