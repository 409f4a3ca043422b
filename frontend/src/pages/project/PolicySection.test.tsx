import { configure, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, stubApi } from '../../test/fakeServer';
import { admin, liveProject, member } from '../../test/fixtures';
import { policy } from '../../test/incidents';
import { pageRoutes } from '../../test/onboarding';
import { renderApp } from '../../test/renderApp';
import type { Policy, PolicyPreview, PolicyView } from '../../types';

configure({ asyncUtilTimeout: 5000 });

const defaults: Policy = policy;

const view = (policy: Policy, version: string): PolicyView => ({
  policy,
  version,
  defaults,
  bounds: [
    { field: 'past_due_grace_days', min: 0, max: 90, unit: 'days' },
    { field: 'incomplete_pending_hours', min: 0, max: 72, unit: 'hours' },
    { field: 'trial_tolerance_hours', min: 0, max: 168, unit: 'hours' },
  ],
});

const preview: PolicyPreview = {
  would_resolve: 1,
  would_open: 2,
  unchanged: 3,
  open_incidents: 4,
  customers: 3,
  read_at: '2026-03-10T03:00:00Z',
  resolve_examples: [
    {
      customer_id: 'cus_late',
      kind: 'access_without_payment',
      severity: 'high',
      incident_id: 'inc_1',
      summary: 'The app grants user_1 access but Stripe promises none',
      promise: 'owed paid access by sub_1 (past_due); plan pro',
    },
  ],
  open_examples: [
    {
      customer_id: 'cus_lapsed',
      kind: 'paid_without_access',
      severity: 'critical',
      summary: 'Stripe promises paid access (pro) but the app grants user_2 nothing',
      promise: 'owed paid access by sub_2 (past_due); plan pro',
    },
  ],
  notes: [],
  version: '9f3c2a11',
  current_version: '5039dc6b',
};

function routes(me = admin, extra = {}) {
  return pageRoutes(liveProject(), me, {
    'GET /api/projects/prj_abc/policy': { status: 200, body: view(defaults, '5039dc6b') },
    'GET /api/projects/prj_abc/notification-channels': { status: 200, body: { items: [] } },
    'GET /api/projects/prj_abc/notification-deliveries': { status: 200, body: { items: [] } },
    ...extra,
  });
}

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('policy section', { timeout: 30_000 }, () => {
  it('previews a longer grace with counts and examples, then saves it', async () => {
    let saved = 0;
    const calls = stubApi(
      routes(admin, {
        'POST /api/projects/prj_abc/policy/preview': { status: 200, body: preview },
        'PUT /api/projects/prj_abc/policy': (body: unknown) => {
          saved++;
          return { status: 200, body: view({ ...defaults, ...(body as Partial<Policy>) }, '9f3c2a11') };
        },
      }),
    );
    renderApp('/projects/prj_abc/settings');
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'Grant policy' });
    expect(screen.getByText('v5039dc6b')).toBeInTheDocument();
    // Each rule with its one-line explanation.
    expect(within(form).getByRole('checkbox', { name: 'Past due grants access' })).toBeChecked();
    expect(within(form).getByRole('checkbox', { name: 'Past due grants access' })).toHaveAccessibleDescription(/keeps access while Stripe retries/);
    expect(within(form).getByRole('checkbox', { name: 'A fully refunded latest invoice ends access' })).not.toBeChecked();
    const grace = within(form).getByRole('spinbutton', { name: 'Past-due grace (days)' });
    expect(grace).toHaveValue(14);
    expect(grace).toHaveAccessibleDescription(/0–90; default 14/);
    expect(screen.getByRole('button', { name: 'Save policy' })).toBeDisabled();

    await user.clear(grace);
    await user.type(grace, '30');
    await user.click(screen.getByRole('button', { name: 'Preview' }));
    const panel = await screen.findByRole('status', { name: 'Policy preview' });
    expect(panel).toHaveTextContent('With this policy, 1 open incident would resolve and 2 would open.');
    expect(panel).toHaveTextContent('3 open incidents stay as they are');
    expect(within(panel).getByRole('list', { name: 'Would resolve' })).toHaveTextContent('cus_late');
    expect(within(panel).getByRole('link', { name: 'cus_late' })).toHaveAttribute('href', '/projects/prj_abc/incidents/inc_1');
    expect(within(panel).getByRole('list', { name: 'Would open' })).toHaveTextContent(/Paid without access.*cus_lapsed/);
    expect(within(panel).getByRole('list', { name: 'Would open' })).toHaveTextContent('and 1 more');
    const sent = calls.find((c) => c.method === 'POST' && c.path.endsWith('/policy/preview'));
    expect(sent?.body).toEqual({ ...defaults, past_due_grace_days: 30 });

    // Any edit makes the preview stale.
    await user.click(within(form).getByRole('checkbox', { name: 'Unpaid grants access' }));
    expect(screen.queryByRole('status', { name: 'Policy preview' })).not.toBeInTheDocument();
    await user.click(within(form).getByRole('checkbox', { name: 'Unpaid grants access' }));

    await user.click(screen.getByRole('button', { name: 'Save policy' }));
    expect(await screen.findByText('Policy saved — now v9f3c2a11. The next check judges under it.')).toBeInTheDocument();
    expect(saved).toBe(1);
    expect(calls.find((c) => c.method === 'PUT')?.headers['X-CSRF-Token']).toBe('tok');
    expect(await screen.findByText('v9f3c2a11')).toBeInTheDocument();
  });

  it('shows errors under their field: the server’s and a missing number', async () => {
    stubApi(
      routes(admin, {
        'PUT /api/projects/prj_abc/policy': apiError(
          400,
          'invalid_mapping',
          'The trial-end tolerance must be between 0 and 168 hours.',
          'trial_tolerance_hours',
        ),
      }),
    );
    renderApp('/projects/prj_abc/settings');
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'Grant policy' });
    const tolerance = within(form).getByRole('spinbutton', { name: 'Trial end tolerance (hours)' });
    await user.clear(tolerance);
    await user.type(tolerance, '48');
    await user.click(screen.getByRole('button', { name: 'Save policy' }));
    expect(await within(form).findByText('The trial-end tolerance must be between 0 and 168 hours.')).toBeInTheDocument();
    expect(tolerance).toHaveAttribute('aria-invalid', 'true');
    expect(tolerance).toHaveAccessibleDescription(/must be between 0 and 168 hours/);

    const grace = within(form).getByRole('spinbutton', { name: 'Past-due grace (days)' });
    await user.clear(grace);
    await user.click(screen.getByRole('button', { name: 'Preview' }));
    expect(grace).toHaveAccessibleDescription(/Enter a whole number of days from 0 to 90\./);
  });

  it('says when the save is refused for another reason (Stripe permissions)', async () => {
    stubApi(
      routes(admin, {
        'PUT /api/projects/prj_abc/policy': apiError(422, 'stripe_missing_permissions', 'The Stripe key cannot read Charges, Disputes.'),
      }),
    );
    renderApp('/projects/prj_abc/settings');
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'Grant policy' });
    await user.click(within(form).getByRole('checkbox', { name: 'An open dispute on the latest charge ends access' }));
    await user.click(screen.getByRole('button', { name: 'Save policy' }));
    expect(await within(form).findByText('The Stripe key cannot read Charges, Disputes.')).toBeInTheDocument();
  });

  it('is read-only for members', async () => {
    stubApi(routes(member));
    renderApp('/projects/prj_abc/settings');
    const form = await screen.findByRole('form', { name: 'Grant policy' });
    expect(screen.getByText(/only admins change it/)).toBeInTheDocument();
    for (const input of [...within(form).getAllByRole('checkbox'), ...within(form).getAllByRole('spinbutton')]) {
      expect(input).toBeDisabled();
    }
    expect(screen.queryByRole('button', { name: 'Save policy' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Preview' })).not.toBeInTheDocument();
  });
});
