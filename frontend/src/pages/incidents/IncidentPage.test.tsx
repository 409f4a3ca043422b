import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError, signedIn, stubApi, type Answer } from '../../test/fakeServer';
import { member, owner, project } from '../../test/fixtures';
import { check, detail, entry, incident } from '../../test/incidents';
import { renderApp } from '../../test/renderApp';
import type { IncidentDetail, RecheckResult } from '../../types';

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

function routes(getIncident: () => IncidentDetail | Answer, extra: Record<string, Answer | ((b: unknown) => Answer)> = {}) {
  return stubApi(
    signedIn(member, {
      'GET /api/projects/prj_abc': { status: 200, body: project({ onboarded: true }, 0) },
      'GET /api/team/members': { status: 200, body: { items: [owner, member] } },
      'GET /api/incidents/inc_1': () => {
        const d = getIncident();
        return 'status' in d && typeof d.status === 'number' ? (d as Answer) : { status: 200, body: d };
      },
      ...extra,
    }),
  );
}

describe('incident page', () => {
  it('shows promised vs granted, the repair, the evidence, the policy and the timeline', async () => {
    routes(() => detail());
    renderApp('/projects/prj_abc/incidents/inc_1');
    expect(await screen.findByRole('heading', { level: 1, name: /Paid without access/ })).toBeInTheDocument();
    const compared = screen.getByRole('table', { name: 'Promised vs granted' });
    const row = within(compared).getByRole('row', { name: /Plan/ });
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['pro', 'free', 'Differs']);
    expect(row).toHaveAttribute('data-differs', 'true');
    expect(screen.getByRole('link', { name: 'cus_bea' })).toHaveAttribute('href', '/projects/prj_abc/customers/cus_bea');


    const evidence = screen.getByRole('region', { name: 'Evidence' });
    const subs = within(evidence).getByRole('table', { name: 'Subscriptions' });
    expect(subs).toHaveTextContent('sub_1');
    expect(subs).toHaveTextContent('pro_monthly → pro');
    expect(subs).toHaveTextContent('in_1');
    expect(within(evidence).getByText('Clerk metadata as read')).toBeInTheDocument();
    expect(within(evidence).getByText('"free"')).toBeInTheDocument();
    expect(within(evidence).getByText('Raw evidence (JSON)')).toBeInTheDocument();

    expect(screen.getByRole('region', { name: 'Policy' })).toHaveTextContent('Past-due grace (days)14');
    expect(screen.getByRole('region', { name: 'Policy' })).toHaveTextContent('Judged under policy v5039dc6b');
    const timeline = screen.getByRole('list', { name: 'Incident timeline' });
    expect(timeline).toHaveTextContent('Paid without access opened: Stripe promises paid access (pro) but the app grants nothing');
    expect(timeline).toHaveTextContent('Schedule');
  });

  it('names every customer sharing the subject, and a refund that ended access', async () => {
    const base = detail();
    const sub = { ...base.evidence.promise.subscriptions[0], grants: false,
      revoked: { rule: 'refunded_invoice_revokes' as const, charge_id: 'ch_1', refund_id: 're_1', amount: 4900, currency: 'usd' } };
    routes(() =>
      detail({
        kind: 'ambiguous_match',
        severity: 'low',
        fields: [],
        evidence: { ...base.evidence, promise: { ...base.evidence.promise, subscriptions: [sub] }, shared_with: ['cus_bea', 'cus_old'] },
      }),
    );
    renderApp('/projects/prj_abc/incidents/inc_1');
    const evidence = await screen.findByRole('region', { name: 'Evidence' });
    const shared = within(evidence).getByRole('list', { name: 'Stripe customers sharing the subject' });
    expect(within(shared).getByRole('link', { name: 'cus_old' })).toHaveAttribute('href', '/projects/prj_abc/customers/cus_old');
    expect(within(evidence).getByTestId('revoked')).toHaveTextContent('Refund re_1 of $49.00 ends access');
  });

  it('ignores only with a reason, and says so in a toast', async () => {
    let current = detail();
    const calls = routes(() => current, {
      'POST /api/incidents/inc_1/ignore': (body) => {
        const reason = (body as { reason: string }).reason;
        current = detail({
          status: 'ignored',
          ignored_at: '2026-03-03T00:00:00Z',
          ignored_by: member.id,
          ignore_reason: reason,
          timeline: [...current.timeline, entry(9, 'incident_ignored', { kind: 'paid_without_access', reason }, { actor: member.id })],
        });
        return { status: 200, body: incident({ status: 'ignored' }) };
      },
    });
    renderApp('/projects/prj_abc/incidents/inc_1');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Ignore…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Ignore this incident?' });
    const reason = within(dialog).getByLabelText('Reason');
    expect(reason).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Ignore incident' }));
    expect(within(dialog).getByText(/Say why this gap is intentional/)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    await user.type(reason, 'Partner account');
    await user.click(within(dialog).getByRole('button', { name: 'Ignore incident' }));
    expect(await screen.findByText('Incident ignored; the reason is in the ledger')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ reason: 'Partner account' });
    await waitFor(() => expect(screen.getByRole('list', { name: 'Incident timeline' })).toHaveTextContent('ignored as intentional: “Partner account”'));
    expect(screen.getByRole('list', { name: 'Incident timeline' })).toHaveTextContent('Mia Member');
    expect(screen.queryByRole('button', { name: 'Ignore…' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Acknowledge' })).toBeNull();
  });

  it('re-runs the check: still wrong with the value now, then held and resolved', async () => {
    let current = detail();
    let fixed = false;
    routes(() => current, {
      'POST /api/incidents/inc_1/recheck': () => {
        if (!fixed) {
          return {
            status: 200,
            body: {
              held: false,
              result: 'still_wrong',
              message: 'Still wrong: the app does not keep the promise yet.',
              fields: [{ ...detail().fields[0], actual_text: 'basic' }],
              subject: null,
              check: check({ status: 'finished' }),
              incident: incident(),
            } satisfies RecheckResult,
          };
        }
        current = detail({ status: 'resolved', resolved_at: '2026-03-03T00:00:00Z', resolution: 'promise holds' });
        return {
          status: 200,
          body: {
            held: true,
            result: 'held',
            message: 'The promise holds now: the incident is resolved.',
            fields: [],
            subject: null,
            check: check({ status: 'finished' }),
            incident: incident({ status: 'resolved' }),
          } satisfies RecheckResult,
        };
      },
    });
    renderApp('/projects/prj_abc/incidents/inc_1');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Re-run check' }));
    expect(await screen.findByText('Re-checked: still wrong')).toBeInTheDocument();
    expect(screen.getByText(/plan is now/)).toHaveTextContent('plan is now basic; Stripe promises pro.');
    fixed = true;
    await user.click(screen.getByRole('button', { name: 'Re-run check' }));
    expect(await screen.findByText('Re-checked: the promise holds; the incident is resolved')).toBeInTheDocument();
    expect(screen.getByText('The promise holds now: the incident is resolved.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('region', { name: 'Status' })).toHaveTextContent('Resolved'));
    // What differed is kept, but as the past; nothing is left to repair.
    expect(within(screen.getByRole('table', { name: 'Promised vs granted' })).getByText('Differed')).toBeInTheDocument();
    // A resolved incident offers no repair (RepairSection.test.tsx covers the repair itself).
    expect(screen.queryByRole('heading', { name: 'Apply this change in Clerk' })).not.toBeInTheDocument();
  });

  it('says a missing incident is missing', async () => {
    routes(() => apiError(404, 'not_found', 'No such incident.'));
    renderApp('/projects/prj_abc/incidents/inc_1');
    expect(await screen.findByRole('heading', { name: 'No such incident' })).toBeInTheDocument();
    // The back link and the project nav both lead to the list.
    for (const link of screen.getAllByRole('link', { name: 'Incidents' })) {
      expect(link).toHaveAttribute('href', '/projects/prj_abc/incidents');
    }
  });
});
