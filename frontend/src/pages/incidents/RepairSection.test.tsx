import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it } from 'vitest';
import { Providers } from '../../Providers';
import { makeQueryClient } from '../../queryClient';
import { apiError, stubApi, type Answer } from '../../test/fakeServer';
import { admin, member, owner } from '../../test/fixtures';
import { check, policy } from '../../test/incidents';
import type { IncidentDetail, RecheckResult, RepairProposal, User } from '../../types';
import { RepairSection } from './RepairSection';

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

const base: IncidentDetail = {
  id: 'inc_1',
  project_id: 'prj_1',
  customer_id: 'cus_paid',
  subject: { key: 'row:public.profiles#42', kind: 'row', id: 'public.profiles#42' },
  kind: 'paid_without_access',
  severity: 'critical',
  status: 'open',
  summary: 'Stripe promises pro but the app grants nothing',
  at_stake: null,
  first_seen_at: '2026-01-01T00:00:00Z',
  last_seen_at: '2026-01-01T00:00:00Z',
  first_check_id: 'chk_1',
  last_check_id: 'chk_1',
  acknowledged_at: null,
  ignored_at: null,
  resolved_at: null,
  fields: [],
  evidence: { promise: {} as never, subject: null, candidates: [] },
  policy,
  policy_version: '5039dc6b',
  repair: null,
  timeline: [],
  proposal: null,
  guided_fix: null,
};

const proposal: RepairProposal = {
  id: 'rep_1',
  incident_id: 'inc_1',
  project_id: 'prj_1',
  status: 'proposed',
  subject_kind: 'row',
  subject_id: '42',
  table: 'public.profiles',
  fields: [
    { field: 'plan', path: 'plan', before: 'free', after: 'pro' },
    { field: 'premium', path: 'is_premium', before: false, after: true },
  ],
  reason: 'Turn on the access Stripe promises (active subscription).',
  proposed_at: '2026-01-01T00:00:00Z',
  decided_at: null,
  applied_at: null,
  result: null,
  verification: '',
  verify_attempts: 0,
  next_verify_at: null,
  verified_at: null,
  // As the Postgres writer renders it (access/postgres/repair_preview.go).
  preview:
    'UPDATE public.profiles\nSET\n  "plan" = \'pro\',\n  "is_premium" = true\nWHERE <primary key> = \'42\'\n  AND "plan" IS NOT DISTINCT FROM \'free\'\n  AND "is_premium" IS NOT DISTINCT FROM false;',
};

const pgIncident: IncidentDetail = { ...base, proposal };

const clerkIncident: IncidentDetail = {
  ...base,
  id: 'inc_2',
  subject: { key: 'user:user_9', kind: 'user', id: 'user_9', email: 'ann@app.test' },
  guided_fix: {
    subject_kind: 'user',
    subject_id: 'user_9',
    email: 'ann@app.test',
    dashboard_url: 'https://dashboard.clerk.com/last-active?path=/users/user_9',
    fields: [
      { field: 'plan', path: 'public_metadata.plan', current: 'free', expected: 'pro', current_text: 'free', expected_text: 'pro' },
    ],
    metadata: { public_metadata: { plan: 'pro' } },
    metadata_json: '{\n  "public_metadata": {\n    "plan": "pro"\n  }\n}',
    api_method: 'PATCH',
    api_url: 'https://api.clerk.com/v1/users/user_9/metadata',
    api_body: '{"public_metadata":{"plan":"pro"}}',
    api_request: 'curl -X PATCH https://api.clerk.com/v1/users/user_9/metadata',
    reason: 'Turn on the access Stripe promises (active subscription).',
    roadmap: 'Automated Clerk metadata writes are on the roadmap. Until then, apply the change in Clerk.',
  },
};

function show(me: User, incident: IncidentDetail, routes: Record<string, Answer | ((b: unknown) => Answer)> = {}) {
  const calls = stubApi({
    'GET /api/me': { status: 200, body: me },
    [`GET /api/incidents/${incident.id}`]: { status: 200, body: incident },
    ...routes,
  });
  render(
    <Providers client={makeQueryClient()}>
      <MemoryRouter>
        <RepairSection incident={incident} />
      </MemoryRouter>
    </Providers>,
  );
  return calls;
}

describe('Postgres repair', () => {
  it('shows the before/after diff and lets an admin approve, then follows verification to resolved', async () => {
    let state: IncidentDetail = pgIncident;
    const calls = show(admin, pgIncident, {
      'GET /api/incidents/inc_1': () => ({ status: 200, body: state }),
      'POST /api/repairs/rep_1/approve': () => {
        state = {
          ...pgIncident,
          status: 'verifying',
          proposal: { ...proposal, status: 'applied', verification: 'pending', decided_at: '2026-01-01T00:01:00Z', decided_by_name: 'Adam Admin' },
        };
        return { status: 200, body: { repair: state.proposal, incident: state } };
      },
    });
    const table = await screen.findByRole('table', { name: 'Repair before and after' });
    const plan = within(table).getByRole('row', { name: /plan/ });
    expect(within(plan).getAllByRole('cell').map((c) => c.textContent)).toEqual(['free', 'pro']);
    const premium = within(table).getByRole('row', { name: /is_premium/ });
    expect(within(premium).getAllByRole('cell').map((c) => c.textContent)).toEqual(['false', 'true']);

    await userEvent.click(await screen.findByRole('button', { name: 'Approve repair' }));
    // It asks first, with the UPDATE in view; nothing is sent until then.
    const confirm = await screen.findByRole('alertdialog', { name: 'Write this change to your database?' });
    expect(within(confirm).getByText(/"plan" = 'pro'/)).toBeInTheDocument();
    expect(within(confirm).getByText(/"plan" IS NOT DISTINCT FROM 'free'/)).toBeInTheDocument();
    expect(calls.some((c) => c.path === '/api/repairs/rep_1/approve')).toBe(false);
    await userEvent.click(within(confirm).getByRole('button', { name: 'Approve and write' }));
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/repairs/rep_1/approve')).toBe(true);
    expect(await screen.findByText(/Repair applied: one row written/)).toBeInTheDocument();
    expect(await screen.findByRole('status')).toHaveTextContent('Verifying: re-checking the customer from fresh reads');

    // The verification re-check finds the promise holding.
    state = {
      ...pgIncident,
      status: 'resolved',
      resolution: 'verified after repair',
      proposal: { ...proposal, status: 'applied', verification: 'held', verify_attempts: 1, decided_at: '2026-01-01T00:01:00Z' },
    };
    expect(await screen.findByText('Verified after repair', {}, { timeout: 4000 })).toBeInTheDocument();
    expect(await screen.findByText(/the promise holds and the incident is resolved/)).toBeInTheDocument();
  }, 20_000); // the section polls every 1.5 s while verifying

  it('says clearly when the row changed since the check', async () => {
    show(admin, pgIncident, {
      'POST /api/repairs/rep_1/approve': apiError(
        409,
        'pg_row_changed',
        'This row changed since the check — re-run the check.',
      ),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Approve repair' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Approve and write' }));
    expect(await screen.findByText('This row changed since the check — re-run the check')).toBeInTheDocument();
    expect(screen.getByText(/Nothing was written/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Re-run check' })).toBeInTheDocument();
  });

  it('rejects with a reason', async () => {
    const calls = show(admin, pgIncident, {
      'POST /api/repairs/rep_1/reject': (body) => ({
        status: 200,
        body: { repair: { ...proposal, status: 'rejected', decision_reason: (body as { reason: string }).reason }, incident: base },
      }),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Reject' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reject this repair' });
    const submit = within(dialog).getByRole('button', { name: 'Reject repair' });
    expect(submit).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText('Reason'), 'Comped account');
    await userEvent.click(submit);
    await waitFor(() => expect(calls.find((c) => c.path === '/api/repairs/rep_1/reject')?.body).toEqual({ reason: 'Comped account' }));
    expect(await screen.findByText(/Repair rejected/)).toBeInTheDocument();
  });

  it('disables approval with the reason when repairs are off', async () => {
    const off = { ...pgIncident, proposal: { ...proposal, blocked: 'Turn repairs on in step 8 (Go live) to approve repairs.', blocked_code: 'repairs_off' as const } };
    show(admin, off);
    expect(await screen.findByRole('button', { name: 'Approve repair' })).toBeDisabled();
    expect(screen.getByRole('link', { name: 'Open step 8 (Go live)' })).toHaveAttribute('href', '/projects/prj_1/onboarding/8');
    expect(screen.getAllByText(/Turn repairs on in step 8 \(Go live\)/).length).toBeGreaterThan(0);
  });

  it('shows a member who can approve, without the buttons', async () => {
    show(member, pgIncident, { 'GET /api/team/members': { status: 200, body: { items: [owner, admin, member] } } });
    expect(await screen.findByText(/Only an admin or the owner can approve or reject repairs/)).toBeInTheDocument();
    expect(await screen.findByText(/Ask Olivia Owner or Adam Admin to review this change/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve repair' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reject' })).toBeNull();
  });
});

describe('Clerk guided fix', () => {
  it('shows the change with a dashboard link and snippets, and re-runs the check for a member', async () => {
    const calls = show(member, clerkIncident, {
      'POST /api/incidents/inc_2/recheck': {
        status: 200,
        body: {
          held: true,
          result: 'held',
          message: 'Held: the promise holds now — verified after guided fix.',
          fields: [],
          subject: { kind: 'user', id: 'user_9', fields: { plan: { path: 'public_metadata.plan', raw: 'pro', text: 'pro' } } },
          check: check({ status: 'finished' }),
          incident: { ...clerkIncident, status: 'resolved', resolution: 'verified after guided fix' },
        } satisfies RecheckResult,
      },
    });
    expect(await screen.findByRole('heading', { name: 'Apply this change in Clerk' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Open in Clerk dashboard/ })).toHaveAttribute(
      'href',
      'https://dashboard.clerk.com/last-active?path=/users/user_9',
    );
    const row = within(screen.getByRole('table', { name: 'Clerk metadata change' })).getByRole('row', { name: /public_metadata\.plan/ });
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['free', 'pro']);
    expect(screen.getByRole('button', { name: 'Copy metadata JSON' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy API request' })).toBeInTheDocument();
    expect(screen.getByText(/curl -X PATCH https:\/\/api.clerk.com\/v1\/users\/user_9\/metadata/)).toBeInTheDocument();
    expect(screen.getByText(/Automated Clerk metadata writes are on the roadmap/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Re-run check' }));
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/incidents/inc_2/recheck')).toBe(true);
    expect(await screen.findByText('Held — verified after guided fix')).toBeInTheDocument();
    expect(screen.getByText(/now reads/).textContent).toContain('pro');
  });

  it('says still wrong with the value read now', async () => {
    show(member, clerkIncident, {
      'POST /api/incidents/inc_2/recheck': {
        status: 200,
        body: {
          held: false,
          result: 'still_wrong',
          message: 'Still wrong: public_metadata.plan reads free, expected pro.',
          fields: [],
          subject: { kind: 'user', id: 'user_9', fields: { plan: { path: 'public_metadata.plan', raw: 'free', text: 'free' } } },
          check: check({ status: 'finished' }),
          incident: clerkIncident,
        } satisfies RecheckResult,
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Re-run check' }));
    expect(await screen.findByText('Still wrong')).toBeInTheDocument();
    expect(screen.getByText('Still wrong: public_metadata.plan reads free, expected pro.')).toBeInTheDocument();
  });
});
