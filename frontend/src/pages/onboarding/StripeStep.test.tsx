import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../types';
import { apiError, stubApi } from '../../test/fakeServer';
import { admin, member, project, webhookEvents } from '../../test/fixtures';
import { heldConnect, pageRoutes } from '../../test/onboarding';
import { location, renderApp } from '../../test/renderApp';

const stripeConn: Connection = {
  kind: 'stripe',
  label: 'rk_test_…abcd',
  extra_label: 'whsec_…wxyz',
  mode: 'test',
  connected_at: '2025-01-02T10:00:00Z',
};

const MISSING =
  "This restricted key can't read Subscriptions, Invoices. Set Subscriptions and Invoices to Read on this restricted key in Stripe Dashboard → Developers → API keys.";

const stripeProject = () => project({ billing_source: 'stripe', access_source: 'clerk' }, 2);

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('step 2 (Stripe)', () => {
  it('connects: "Testing & connecting…" while pending, then the masked label, test badge and warnings', async () => {
    const connect = heldConnect('stripe', stripeConn);
    const calls = stubApi(pageRoutes(stripeProject(), admin, connect.routes));
    renderApp('/projects/prj_abc/onboarding/2');
    const user = userEvent.setup();
    expect(await screen.findByRole('heading', { name: 'Restricted API key' })).toBeInTheDocument();
    const key = await screen.findByLabelText('API key');
    expect(key).toHaveAttribute('type', 'password');
    await user.click(within(key.parentElement!).getByRole('button', { name: 'Show secret' }));
    expect(key).toHaveAttribute('type', 'text');
    await user.type(key, 'rk_test_51abcabcd');
    await user.type(screen.getByLabelText('Webhook signing secret (optional)'), 'whsec_123wxyz');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));
    expect(await screen.findByRole('button', { name: 'Testing & connecting…' })).toBeDisabled();

    connect.connected({ ...stripeConn, warnings: ["This key can't read Entitlements. That is optional."] });
    expect(await screen.findByText('Stripe connected — rk_test_…abcd')).toBeInTheDocument();
    expect(await screen.findByText('rk_test_…abcd')).toBeInTheDocument();
    expect(screen.getAllByText('Test mode').length).toBeGreaterThan(0);
    expect(screen.getByText("This key can't read Entitlements. That is optional.")).toBeInTheDocument();
    expect(await screen.findByRole('button', { name: 'Reconnect' })).toBeInTheDocument();
    expect(screen.getByLabelText('API key')).toHaveValue('');

    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ api_key: 'rk_test_51abcabcd', webhook_secret: 'whsec_123wxyz' });

    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(location.current).toBe('/projects/prj_abc/onboarding/3');
  });

  it('shows the missing-permissions message verbatim', async () => {
    stubApi(
      pageRoutes(stripeProject(), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
        'POST /api/projects/prj_abc/stripe': apiError(422, 'stripe_missing_permissions', MISSING),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/2');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('API key'), 'rk_test_onlycustomers');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));
    expect((await screen.findByRole('alert')).textContent).toBe(MISSING);
    expect(screen.queryByRole('button', { name: 'Continue' })).toBeNull();
  });

  it('shows the webhook endpoint with a copy button and the seven events', async () => {
    stubApi(
      pageRoutes(stripeProject(), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/2');
    const section = (await screen.findByRole('heading', { name: 'Webhook endpoint' })).closest('section')!;
    expect(within(section).getByTestId('webhook-url')).toHaveTextContent(
      'http://127.0.0.1:8080/api/webhooks/stripe/prj_abc',
    );
    expect(within(section).getByRole('button', { name: 'Copy URL' })).toBeInTheDocument();
    const list = within(section).getByRole('list', { name: 'Events to send (7)' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(webhookEvents);
  });

  it('shows a member the connection without a form', async () => {
    stubApi(
      pageRoutes(stripeProject(), member, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [stripeConn] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/2');
    expect(await screen.findByText('rk_test_…abcd')).toBeInTheDocument();
    expect(screen.getByText('whsec_…wxyz')).toBeInTheDocument();
    expect(screen.queryByLabelText('API key')).toBeNull();
    expect(screen.queryByRole('button', { name: /Test & connect|Reconnect/ })).toBeNull();
    expect(screen.getByText('Only an admin can connect Stripe.')).toBeInTheDocument();
  });

  it('shows demo billing as connected, with no key to enter', async () => {
    stubApi(
      pageRoutes(project({ billing_source: 'demo', access_source: 'demo' }, 4), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/2');
    expect(await screen.findByText('Demo data connected')).toBeInTheDocument();
    expect(screen.getByText(/61 customers in every subscription status/)).toBeInTheDocument();
    expect(screen.queryByLabelText('API key')).toBeNull();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Continue' }));
    await waitFor(() => expect(location.current).toBe('/projects/prj_abc/onboarding/3'));
  });
});
