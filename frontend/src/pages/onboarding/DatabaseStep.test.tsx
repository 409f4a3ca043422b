import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection, SetupSQL } from '../../types';
import { apiError, stubApi, type Answer, type Handler } from '../../test/fakeServer';
import { admin, clerkRail, member, project } from '../../test/fixtures';
import { heldConnect, pageRoutes } from '../../test/onboarding';
import { pgConn, postgresProject } from '../../test/postgres';
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

/** Types a secret key on step 3's Clerk tab and presses "Test & connect". */
async function connectClerk(key: string) {
  renderApp('/projects/prj_abc/onboarding/3');
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Clerk Backend API secret key'), key);
  await user.click(screen.getByRole('button', { name: 'Test & connect' }));
  return user;
}

/** Step 3 of the Clerk project with nothing connected yet; POST …/clerk answers with `connect`. */
const clerkRoutes = (connect: Handler | Answer) =>
  pageRoutes(clerkProject(), admin, {
    'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
    'POST /api/projects/prj_abc/clerk': connect,
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
    const connect = heldConnect('clerk', clerkConn);
    const calls = stubApi(pageRoutes(clerkProject(), admin, connect.routes));
    await connectClerk('sk_test_goodkeyabcd');

    const busy = await screen.findByRole('button', { name: 'Testing & connecting…' });
    expect(busy).toBeDisabled();

    connect.connected({ ...clerkConn, warnings: [] });
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
    stubApi(clerkRoutes(apiError(422, 'clerk_unauthorized', MSG_401)));
    await connectClerk('sk_test_wrongwrongwrong');
    expect(await screen.findByRole('alert')).toHaveTextContent(MSG_401);
    expect(screen.getByRole('alert').textContent).toBe(MSG_401);
    expect(screen.getByRole('button', { name: 'Test & connect' })).toBeEnabled();
  });

  it('shows the pattern message for a publishable key verbatim', async () => {
    const message = `${MSG_PATTERN}. That looks like a publishable key (pk_…); copy the Secret key from Clerk Dashboard → API keys → Secret keys.`;
    stubApi(clerkRoutes(apiError(400, 'clerk_invalid_key', message)));
    await connectClerk('pk_test_abc');
    expect(await screen.findByRole('alert')).toHaveTextContent(MSG_PATTERN);
    expect(screen.getByRole('alert').textContent).toBe(message);
  });

  it('asks before replacing a connected Postgres source, then resends with replace', async () => {
    const replaceMsg =
      'This project already reads access state from Postgres / Supabase (db.example.com/app). Connecting Clerk replaces it: connect a Postgres database or Clerk, not both. Confirm to replace it.';
    const calls = stubApi(
      clerkRoutes((body) =>
        (body as { replace?: boolean }).replace
          ? { status: 200, body: { ...clerkConn, warnings: [] } }
          : apiError(409, 'replace_required', replaceMsg),
      ),
    );
    const user = await connectClerk('sk_test_goodkeyabcd');
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

// The Postgres steps wait for two requests (mappings, schema); a loaded
// machine can take longer than the default second.
const LOAD = { timeout: 10_000 };

describe('step 3 (Database), Postgres tab', () => {
  const setupSQL: SetupSQL = {
    read_only: {
      role: 'parityrail_read',
      password: 'PW4READROLE',
      sql: "CREATE ROLE \"parityrail_read\" LOGIN PASSWORD 'PW4READROLE';\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO \"parityrail_read\";\n",
    },
    repair: null,
    repair_unavailable: 'Map the access columns on step 6 first: the repair role may update only those columns.',
  };
  const emptyMappings = { identity: null, plans: null, access: null, policy: null };
  const MSG_AUTH =
    'The password for role "app_ro" was rejected (password authentication failed). Recopy the password into the connection string; percent-encode special characters such as @ : / ? # %.';

  it('connects with "Testing & connecting…", toasts, and shows only host and database', async () => {
    const connect = heldConnect('database', pgConn);
    const calls = stubApi(
      pageRoutes(postgresProject(3, [1, 2]), admin, {
        ...connect.routes,
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const tab = await screen.findByRole('tab', { name: 'Postgres / Supabase' }, LOAD);
    expect(tab).toHaveAttribute('aria-selected', 'true');
    const field = await screen.findByLabelText('Read-only connection string', {}, LOAD);
    expect(field).toHaveAttribute('type', 'password');
    expect(screen.queryByText(/later build/)).toBeNull();
    const user = userEvent.setup();
    await user.type(field, 'postgres://app_ro:s3cret@db.example.com:5432/app');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));
    expect(await screen.findByRole('button', { name: 'Testing & connecting…' }, LOAD)).toBeDisabled();

    connect.connected({ ...pgConn, warnings: [] });
    expect(await screen.findByText('Postgres connected — db.example.com / app', {}, LOAD)).toBeInTheDocument();
    const card = await screen.findByTestId('postgres-connected-card', {}, LOAD);
    expect(within(card).getByText('db.example.com')).toBeInTheDocument();
    expect(within(card).getByText('app')).toBeInTheDocument();
    expect(card.textContent).not.toMatch(/s3cret|app_ro|Test mode/i);
    expect(screen.queryByLabelText('Read-only connection string')).toBeNull();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      connection_string: 'postgres://app_ro:s3cret@db.example.com:5432/app',
    });

    // Reconnect opens an empty form: the stored string is never echoed back.
    await user.click(within(card).getByRole('button', { name: 'Reconnect' }));
    expect(await screen.findByLabelText('Read-only connection string', {}, LOAD)).toHaveValue('');
  }, 20_000);

  it('shows the role SQL once opened, with a copy button, and the repair SQL status', async () => {
    let fetches = 0;
    stubApi(
      pageRoutes(postgresProject(3, [1, 2]), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'GET /api/projects/prj_abc/database/setup-sql': () => {
          fetches++;
          return { status: 200, body: setupSQL };
        },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const user = userEvent.setup();
    const toggle = await screen.findByRole('button', { name: 'How to create a read-only role' }, LOAD);
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(fetches).toBe(0);
    await user.click(toggle);
    const sql = await screen.findByLabelText('Role SQL', {}, LOAD);
    expect(sql.textContent).toBe(setupSQL.read_only.sql);
    expect(screen.getByText(/grants SELECT on every table in schema public/)).toBeInTheDocument();
    expect(screen.getByText(/postgres:\/\/parityrail_read:PW4READROLE@/)).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: 'Copy SQL' })).toHaveLength(1);

    expect(screen.getByLabelText('Repair connection string (optional)')).toHaveAttribute('type', 'password');
    await user.click(screen.getByRole('button', { name: 'How to create the repair role' }));
    expect(await screen.findByText(/Map the access columns on step 6 first/, {}, LOAD)).toBeInTheDocument();
    // Both panels share one answer: one password per visit.
    expect(fetches).toBe(1);
  }, 20_000);

  it('sends the optional repair string only when filled, and shows the server message verbatim', async () => {
    const calls = stubApi(
      pageRoutes(postgresProject(3, [1, 2]), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [] } },
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'POST /api/projects/prj_abc/database': apiError(422, 'pg_auth_failed', MSG_AUTH),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Read-only connection string', {}, LOAD), 'postgres://app_ro:bad@db/app');
    await user.type(screen.getByLabelText('Repair connection string (optional)'), 'postgres://parityrail_repair:x@db/app');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));
    const alert = await screen.findByRole('alert', {}, LOAD);
    expect(alert.textContent).toBe(MSG_AUTH);
    expect(screen.getByRole('button', { name: 'Test & connect' })).toBeEnabled();
    expect(screen.getByLabelText('Read-only connection string')).toHaveValue('postgres://app_ro:bad@db/app');
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      connection_string: 'postgres://app_ro:bad@db/app',
      repair_connection_string: 'postgres://parityrail_repair:x@db/app',
    });
  }, 20_000);

  it('asks before replacing a connected Clerk source, then resends with replace', async () => {
    const replaceMsg =
      'This project already reads access state from Clerk (sk_test_…abcd). Connecting Postgres / Supabase replaces it: connect a Postgres database or Clerk, not both. Confirm to replace it.';
    const calls = stubApi(
      pageRoutes(postgresProject(3, [1, 2]), admin, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [clerkConn] } },
        'GET /api/projects/prj_abc/mappings': { status: 200, body: emptyMappings },
        'POST /api/projects/prj_abc/database': (body) =>
          (body as { replace?: boolean }).replace
            ? { status: 200, body: { ...pgConn, warnings: [] } }
            : apiError(409, 'replace_required', replaceMsg),
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Postgres / Supabase' }, LOAD));
    expect(await screen.findByText(/This project reads access state from Clerk/, {}, LOAD)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Read-only connection string'), 'postgres://ro:pw@db.example.com/app');
    await user.click(screen.getByRole('button', { name: 'Test & connect' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Replace Clerk with Postgres / Supabase?' }, LOAD);
    expect(dialog).toHaveTextContent(replaceMsg);
    await user.click(within(dialog).getByRole('button', { name: 'Replace with Postgres' }));
    expect(await screen.findByText('Postgres connected — db.example.com / app', {}, LOAD)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([
      { connection_string: 'postgres://ro:pw@db.example.com/app' },
      { connection_string: 'postgres://ro:pw@db.example.com/app', replace: true },
    ]);
  }, 20_000);

  it('shows a member the connected database without a form', async () => {
    stubApi(
      pageRoutes(postgresProject(3, [1, 2, 3]), member, {
        'GET /api/projects/prj_abc/connections': { status: 200, body: { items: [pgConn] } },
      }),
    );
    renderApp('/projects/prj_abc/onboarding/3');
    const card = await screen.findByTestId('postgres-connected-card', {}, LOAD);
    expect(within(card).getByText('db.example.com')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Reconnect' })).toBeNull();
    expect(screen.queryByLabelText('Read-only connection string')).toBeNull();
    expect(screen.getByText('Only an admin can connect a database.')).toBeInTheDocument();
  }, 20_000);
});
