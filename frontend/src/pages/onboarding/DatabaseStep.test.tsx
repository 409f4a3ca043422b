import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../types';
import { apiError, deferred, stubApi, type Answer } from '../../test/fakeServer';
import { admin, clerkRail, member, project } from '../../test/fixtures';
import { pageRoutes } from '../../test/onboarding';
import { renderApp } from '../../test/renderApp';

const MSG_401 =
  'Clerk rejected the secret key (HTTP 401)… Wrong or revoked key, or you pasted a publishable key (pk_) instead of a secret key. Recopy the Secret key from Clerk Dashboard → API keys → Secret keys.';
const MSG_PATTERN = 'Enter a Clerk Backend API secret key (sk_test_… or sk_live_…)';

const clerkConn: Connection = {
  kind: 'clerk',
  label: 'sk_test_…abcd',
  mode: 'test',
  connected_at: '2025-01-02T10:00:00Z',
};

function clerkProject(done: number[] = [1, 2]) {
  const p = project({ billing_source: 'stripe', access_source: 'clerk' }, 3);
  return { ...p, onboarding: { current_step: 3, steps: clerkRail(3, done) } };
}

beforeEach(() => {
  document.cookie = 'parityrail_csrf=tok; path=/';
});

describe('step 3 (Database), Clerk tab', () => {
  it('shows the tablist "Access-state source" with the project source selected and the key field', async () => {
    stubApi(pageRoutes(clerkProject(), admin, { 'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } } }));
    renderApp('/projects/prj_abc/onboarding/3');
    const tablist = await screen.findByRole('tablist', { name: 'Access-state source' });
    const tabs = within(tablist).getAllByRole('tab');
    expect(tabs.map((t) => t.textContent)).toEqual(['Postgres / Supabase', 'Clerk']);
    expect(within(tablist).getByRole('tab', { name: 'Clerk' })).toHaveAttribute('aria-selected', 'true');
    const field = await screen.findByLabelText('Clerk Backend API secret key');
    expect(field).toHaveAttribute('placeholder', 'sk_test_…');
    expect(field).toHaveAttribute('type', 'password');
    expect(screen.getByText(/Clerk Dashboard → API keys → Secret keys/)).toBeInTheDocument();
    expect(
      screen.getByText(/ParityRail only lists and retrieves users and organizations — it never writes to Clerk\./),
    ).toBeInTheDocument();
    expect(screen.getByText(/Connect a Postgres database or Clerk, not both\./)).toBeInTheDocument();
  });

  it('reads "Testing & connecting…" while it works, then toasts the masked label and shows the green card', async () => {
    const pending = deferred<Answer>();
    let connected = false;
    const calls = stubApi(
      pageRoutes(clerkProject(), admin, {
        'GET /api/projects/prj_abc/connections': () => ({
          status: 200,
          body: { items: connected ? [clerkConn] : [] },
        }),
        'POST /api/projects/prj_abc/clerk': () => pending.promise,
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Clerk Backend API secret key'), 'sk_test_goodkeyabcd');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));

    const busy = await screen.findByRole('button', { name: 'Testing & connecting…' });
    expect(busy).toBeDisabled();

    connected = true;
    pending.resolve({ status: 200, body: { ...clerkConn, warnings: [] } });
    expect(await screen.findByText('Clerk connected — sk_test_…abcd')).toBeInTheDocument();
    const card = await screen.findByTestId('clerk-connected-card');
    expect(within(card).getByText('Clerk connected')).toBeInTheDocument();
    expect(within(card).getByText('sk_test_…abcd')).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Reconnect' })).toBeInTheDocument();
    expect(screen.queryByLabelText('Clerk Backend API secret key')).toBeNull();

    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ secret_key: 'sk_test_goodkeyabcd' });
  });

  it('shows the 401 message verbatim and keeps the form', async () => {
    stubApi(
      pageRoutes(clerkProject(), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
        'POST /api/projects/prj_abc/clerk': apiError(422, 'clerk_unauthorized', MSG_401),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Clerk Backend API secret key'), 'sk_test_wrongwrongwrong');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(MSG_401);
    expect(screen.getByRole('alert').textContent).toBe(MSG_401);
    expect(screen.getByRole('button', { name: 'Test & connect' })).toBeEnabled();
  });

  it('shows the pattern message for a publishable key verbatim', async () => {
    const message = `${MSG_PATTERN}. That looks like a publishable key (pk_…); copy the Secret key from Clerk Dashboard → API keys → Secret keys.`;
    stubApi(
      pageRoutes(clerkProject(), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
        'POST /api/projects/prj_abc/clerk': apiError(400, 'clerk_invalid_key', message),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Clerk Backend API secret key'), 'pk_test_abc');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(MSG_PATTERN);
    expect(screen.getByRole('alert').textContent).toBe(message);
  });

  it('asks before replacing a connected Postgres source, then resends with replace', async () => {
    const replaceMsg =
      'This project already reads access state from Postgres / Supabase (db.example.com/app). Connecting Clerk replaces it: connect a Postgres database or Clerk, not both. Confirm to replace it.';
    const calls = stubApi(
      pageRoutes(clerkProject(), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
        'POST /api/projects/prj_abc/clerk': (body) =>
          (body as { replace?: boolean }).replace
            ? { status: 200, body: { ...clerkConn, warnings: [] } }
            : apiError(409, 'replace_required', replaceMsg),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Clerk Backend API secret key'), 'sk_test_goodkeyabcd');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Replace Postgres / Supabase with Clerk?' });
    expect(dialog).toHaveTextContent(replaceMsg);
    await user.click(within(dialog).getByRole('button', { name: 'Replace with Clerk' }));
    expect(await screen.findByText('Clerk connected — sk_test_…abcd')).toBeInTheDocument();
    const posts = calls.filter((c) => c.method === 'POST').map((c) => c.body);
    expect(posts).toEqual([
      { secret_key: 'sk_test_goodkeyabcd' },
      { secret_key: 'sk_test_goodkeyabcd', replace: true },
    ]);
  });

  it('shows a member the connected state without a form', async () => {
    stubApi(
      pageRoutes(clerkProject([1, 2, 3]), member, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [clerkConn] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const card = await screen.findByTestId('clerk-connected-card');
    expect(within(card).getByText('sk_test_…abcd')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Reconnect' })).toBeNull();
    expect(screen.queryByLabelText('Clerk Backend API secret key')).toBeNull();
    expect(screen.getByText('Only an admin can connect Clerk.')).toBeInTheDocument();
  });
});

describe('step 3 (Database), Postgres tab', () => {
  it('shows the connection string field and says plainly that connecting arrives later', async () => {
    stubApi(
      pageRoutes(project({ billing_source: 'stripe', access_source: 'postgres' }, 3), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const tab = await screen.findByRole('tab', { name: 'Postgres / Supabase' });
    expect(tab).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByLabelText('Read-only connection string')).toBeDisabled();
    expect(screen.getByText(/arrives in a later build/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Test & connect' })).toBeDisabled();

    // The Clerk tab is one click (or arrow key) away.
    const user = userEvent.setup();
    await user.click(screen.getByRole('tab', { name: 'Clerk' }));
    await waitFor(() => expect(screen.getByLabelText('Clerk Backend API secret key')).toBeInTheDocument());
  });
});
