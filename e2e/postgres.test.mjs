// Postgres / Supabase as the access-state source, in a real browser against
// the real binary and the real Postgres at 127.0.0.1:5432: the role SQL shown
// on step 3, run by the superuser, gives a role that connects and can write
// nothing; the errors a person can act on; the identity (step 4) and access
// (step 6) mappings pre-filled from the schema and saved; step 5's plan
// values filled from what the app stores, guesses marked; the column-scoped
// repair role.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { eventually, freePort, ownerWithProject, screenshot, withApp } from './harness.mjs';

const PSQL = '/usr/bin/psql';
const STRIPE_KEY = 'rk_test_parityrailPostgresE2E';

// A small SaaS app: users with their own Stripe customer and access columns,
// organizations with theirs (B2B), and the table linking them.
const APP_SCHEMA = `
CREATE TABLE organizations (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  stripe_customer_id text UNIQUE,
  plan text NOT NULL DEFAULT 'free'
);
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  full_name text,
  stripe_customer_id text UNIQUE,
  plan text NOT NULL DEFAULT 'free',
  is_premium boolean NOT NULL DEFAULT false,
  trial_ends_at timestamptz,
  entitlements jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE organization_members (
  organization_id bigint NOT NULL REFERENCES organizations (id),
  user_id bigint NOT NULL REFERENCES users (id),
  role text NOT NULL DEFAULT 'member',
  PRIMARY KEY (organization_id, user_id)
);
INSERT INTO organizations (name, stripe_customer_id, plan) VALUES ('Acme Inc', 'cus_org_acme', 'team');
INSERT INTO users (email, full_name, stripe_customer_id, plan, is_premium, trial_ends_at) VALUES
  ('ada@example.com', 'Ada Lovelace', 'cus_ada', 'pro', true, NULL),
  ('bea@example.com', 'Bea Arthur', NULL, 'free', false, NULL),
  ('cy@example.com', 'Cy Young', 'cus_cy', 'free', false, now() + interval '7 days');
INSERT INTO organization_members VALUES (1, 1, 'owner'), (1, 2, 'member');
`;

/** Runs SQL with psql over TCP; throws with psql's stderr on any error. */
function psql(database, sql, { user = 'postgres' } = {}) {
  return execFileSync(
    PSQL,
    ['-h', '127.0.0.1', '-p', '5432', '-U', user, '-d', database, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
    { input: sql, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PGCONNECT_TIMEOUT: '10' } },
  );
}

/** Runs SQL that must fail; returns psql's error text. */
function psqlRefused(database, sql, { user }) {
  const r = spawnSync(
    PSQL,
    ['-h', '127.0.0.1', '-p', '5432', '-U', user, '-d', database, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
    { input: sql, encoding: 'utf8' },
  );
  assert.notEqual(r.status, 0, `as ${user}, this write succeeded: ${sql}`);
  return r.stderr;
}

/** A fresh database with the app schema, dropped (with the roles the test created) afterwards. */
function appDatabase(t, roles) {
  const name = `parityrail_e2e_${process.pid}_${Date.now()}`;
  // A crashed earlier run may have left the roles; they hold nothing any more.
  for (const role of roles) psql('postgres', `DROP ROLE IF EXISTS "${role}";`);
  psql('postgres', `CREATE DATABASE "${name}";`);
  t.after(() => {
    psql('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE);`);
    for (const role of roles) psql('postgres', `DROP ROLE IF EXISTS "${role}";`);
  });
  psql(name, APP_SCHEMA);
  return name;
}

/**
 * The real server trusts every local connection, so it can't reject a
 * password: this speaks just enough of the wire protocol to ask for one and
 * refuse it (SQLSTATE 28P01), as a server with password auth does.
 */
async function wrongPasswordServer(t) {
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    let startup = true;
    sock.on('error', () => {});
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (startup && buf.length >= 8) {
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        buf = buf.subarray(len);
        if (code === 80877103 || code === 80877104) {
          sock.write('N'); // no SSL / GSS here
          continue;
        }
        startup = false;
        sock.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      }
      if (!startup && buf.length >= 5 && buf[0] === 0x70 && buf.length >= 1 + buf.readInt32BE(1)) {
        const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "app_read"'];
        const body = Buffer.concat([...fields.map((f) => Buffer.from(f + '\0')), Buffer.from([0])]);
        const head = Buffer.alloc(5);
        head.write('E', 0);
        head.writeInt32BE(body.length + 4, 1);
        sock.end(Buffer.concat([head, body]));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `127.0.0.1:${server.address().port}`;
}

async function alertSays(page, text) {
  const alert = page.getByRole('alert').filter({ hasText: text });
  await alert.waitFor({ timeout: 30_000 });
  return alert.innerText();
}

/** Screenshots at 1280 and a phone's width; on the phone nothing may widen the page past the screen. */
async function bothWidths(page, name, phone = 390) {
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize({ width: phone, height: 844 });
  await screenshot(page, `${name}-${phone}`);
  const wide = await page.evaluate(() =>
    document.documentElement.scrollWidth > window.innerWidth
      ? [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(-5)
          .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)}: ${el.textContent.slice(0, 60)}`)
      : [],
  );
  assert.deepEqual(wide, [], `${name}: the page scrolls sideways at ${phone} px`);
  await page.setViewportSize({ width: 1280, height: 860 });
}

test('Postgres: role SQL from the UI, actionable connect errors, suggested identity and access mappings, repair role', { timeout: 300_000 }, async (t) => {
  // The project's own role names come from its role SQL; cleaned up after.
  const roles = [];
  const database = appDatabase(t, roles);
  const refusesPassword = await wrongPasswordServer(t);
  const closedPort = await freePort();

  await withApp(
    t,
    async ({ browser, baseURL, fakes }) => {
      await fakes.control('POST', '/stripe/keys', { key: STRIPE_KEY });
      // Three prices in use: Pro and Team are plans the app stores, Scale is not.
      for (const [id, product, lookup] of [['price_pro_m', 'Pro', 'pro_monthly'], ['price_team_m', 'Team'], ['price_scale_m', 'Scale']]) {
        await fakes.control('POST', '/stripe/prices', { id, product_name: product, lookup_key: lookup, unit_amount: 4900 });
        const { id: customer } = await fakes.control('POST', '/stripe/customers', { email: `${id}@example.com` });
        await fakes.control('POST', '/stripe/subscriptions', { customer_id: customer, status: 'active', price_ids: [id] });
      }
      const { page, problems, project, api } = await ownerWithProject(browser, baseURL, {
        name: 'Acme',
        billing_source: 'stripe',
        access_source: 'postgres',
      });
      await api.request('POST', `/api/projects/${project.id}/stripe`, { api_key: STRIPE_KEY });
      const base = `/projects/${project.id}/onboarding`;

      // Step 3: the Postgres tab is the project's source.
      await page.goto(`${base}/3`);
      const tablist = page.getByRole('tablist', { name: 'Access-state source' });
      assert.equal(await tablist.getByRole('tab', { name: 'Postgres / Supabase' }).getAttribute('aria-selected'), 'true');
      const connField = page.getByLabel('Read-only connection string');
      assert.equal(await connField.getAttribute('type'), 'password');
      const connectBtn = page.getByRole('button', { name: 'Test & connect' });

      // Nothing listens on that port.
      await connField.fill(`postgres://parityrail_read:pw-unreachable@127.0.0.1:${closedPort}/${database}?sslmode=disable`);
      await connectBtn.click();
      let text = await alertSays(page, `Nothing is accepting connections at 127.0.0.1:${closedPort} (connection refused).`);
      assert.match(text, /Check the host and port, and that PostgreSQL is running/);
      assert.ok(!text.includes('pw-unreachable'), 'the password is never shown');
      await screenshot(page, '70-postgres-unreachable');

      // A server that rejects the password.
      await connField.fill(`postgres://app_read:Wr0ngPassw0rd@${refusesPassword}/app?sslmode=disable`);
      await connectBtn.click();
      text = await alertSays(page, 'The password for role "app_read" was rejected (password authentication failed).');
      assert.match(text, /Recopy the password into the connection string; percent-encode special characters/);
      assert.ok(!text.includes('Wr0ngPassw0rd'), 'the password is never shown');
      await screenshot(page, '71-postgres-wrong-password');

      // The real server, a database that does not exist.
      await connField.fill(`postgres://postgres@127.0.0.1:5432/${database}_missing?sslmode=disable`);
      await connectBtn.click();
      await alertSays(page, `The database "${database}_missing" does not exist on 127.0.0.1.`);

      // The role SQL, read from the page and run by the superuser.
      await page.getByRole('button', { name: 'How to create a read-only role' }).click();
      const roleSQL = await page.getByLabel('Role SQL', { exact: true }).innerText();
      const m = roleSQL.match(/CREATE ROLE "(parityrail_read_acme_[a-z0-9]{4})" LOGIN PASSWORD '([A-Za-z0-9]+)';/);
      assert.ok(m, `role SQL:\n${roleSQL}`);
      const [, readRole, password] = m;
      roles.push(readRole);
      assert.ok(roleSQL.includes(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${readRole}";`), roleSQL);
      assert.ok(roleSQL.includes(`ALTER ROLE "${readRole}" SET default_transaction_read_only = on;`), roleSQL);
      await page.getByText(`postgres://${readRole}:${password}@<host>:5432/<database>?sslmode=require`).waitFor();
      await page.getByRole('button', { name: 'Copy SQL' }).waitFor();
      await bothWidths(page, '72-postgres-role-sql');
      psql(database, roleSQL);

      await connField.fill(`postgres://${readRole}:${password}@127.0.0.1:5432/${database}?sslmode=disable`);
      await connectBtn.click();
      await page.getByText(`Postgres connected — 127.0.0.1 / ${database}`).waitFor({ timeout: 30_000 });
      const card = page.getByTestId('postgres-connected-card');
      await card.getByText('127.0.0.1', { exact: true }).waitFor();
      await card.getByText(database, { exact: true }).waitFor();
      const cardText = await card.innerText();
      assert.ok(!cardText.includes(password) && !cardText.includes(readRole), `card shows more than host and database: ${cardText}`);
      assert.equal(await connField.count(), 0, 'the form closes; the string is not echoed back');
      await bothWidths(page, '73-postgres-connected');

      // Every write through that role fails.
      for (const sql of [
        `UPDATE users SET plan = 'pro';`,
        `INSERT INTO users (email) VALUES ('eve@example.com');`,
        `DELETE FROM organization_members;`,
        `CREATE TABLE parityrail_was_here (id int);`,
        `BEGIN READ WRITE; UPDATE users SET is_premium = true; COMMIT;`,
      ]) {
        const err = psqlRefused(database, sql, { user: readRole });
        assert.match(err, /read-only transaction|permission denied/, `${sql} → ${err}`);
      }
      assert.equal(psql(database, `SELECT count(*) FROM users WHERE plan = 'pro' OR is_premium;`).trim(), '1', 'no row changed');

      // Step 4: the suggested identity, users and organizations.
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`**${base}/4`);
      const users4 = page.getByRole('group', { name: 'Users' });
      await eventually(async () => (await users4.getByLabel('App table').inputValue()) === 'public.users', 'suggested table');
      assert.equal(await users4.getByLabel('Billing field (Stripe)').inputValue(), 'stripe.customer.id');
      assert.equal(await users4.getByLabel('App column').inputValue(), 'stripe_customer_id');
      assert.ok((await users4.getByText('Suggested from your schema').count()) >= 2, 'suggested chips');
      await page.getByRole('button', { name: 'Advanced: map organizations too (B2B billing)' }).click();
      await page.getByLabel('Map organizations').check();
      const orgs4 = page.getByRole('group', { name: 'Organizations' });
      assert.equal(await orgs4.getByLabel('App table').inputValue(), 'public.organizations');
      assert.equal(await orgs4.getByLabel('App column').inputValue(), 'stripe_customer_id');
      await page.getByText('public.organization_members links "organization_id" (the organization) to "user_id" (the user).', { exact: false }).waitFor();
      await bothWidths(page, '74-postgres-identity');
      await page.getByRole('button', { name: 'Save and continue' }).click();
      await page.waitForURL(`**${base}/5`);

      // Step 5: "Load from Stripe" fills the plan values the app really
      // stores (counted in the suggested plan columns, step 6 not saved yet);
      // Scale matches nothing in the app, so its value is a marked guess.
      await page.getByRole('button', { name: 'Load from Stripe' }).click();
      await page.getByRole('group', { name: 'Row 3' }).waitFor({ timeout: 20_000 });
      const filled = {};
      for (const n of [1, 2, 3]) {
        const row = page.getByRole('group', { name: `Row ${n}` });
        const chip = row.locator('[data-testid^="value-chip-"]');
        filled[await row.getByLabel('Stripe price id').inputValue()] = {
          value: await row.getByLabel('App plan value').inputValue(),
          chip: (await chip.count()) ? (await chip.innerText()).trim() : '',
        };
      }
      assert.deepEqual(filled, {
        price_pro_m: { value: 'pro', chip: 'In your app · 1' },
        price_team_m: { value: 'team', chip: 'In your app · 1' },
        price_scale_m: { value: 'scale', chip: 'guess' },
      });
      const summary = page.getByTestId('app-values-summary');
      assert.match(
        await summary.innerText(),
        /public\.users\.plan \(suggested, not mapped on step 6 yet\) and public\.organizations\.plan \(suggested, not mapped on step 6 yet\)/,
      );
      assert.match(await summary.getByRole('list', { name: 'Plan values in your app' }).innerText(), /free\s*2[\s\S]*pro\s*1[\s\S]*team\s*1/);
      const guessRow = page.getByRole('group').filter({ has: page.getByTestId('value-chip-guess') });
      await guessRow.getByTestId('value-chip-guess').hover();
      await page.getByRole('tooltip').filter({ hasText: 'Guess: no value in public.users.plan' }).waitFor();
      await screenshot(page, '77-plans-guess-explained');
      await page.mouse.move(0, 0);
      await page.keyboard.press('Escape');
      await page.getByRole('tooltip').waitFor({ state: 'detached' });
      await bothWidths(page, '78-plans-app-values', 360);

      // Step 6: the suggested access columns, typed.
      await page.getByRole('navigation', { name: 'Onboarding steps' }).getByRole('link', { name: /Access mapping/ }).click();
      await page.waitForURL(`**${base}/6`);
      const users6 = page.getByRole('group', { name: 'Users' });
      await eventually(async () => (await users6.getByLabel('Plan').inputValue()) === 'plan', 'suggested plan column');
      assert.equal(await users6.getByLabel('Premium flag').inputValue(), 'is_premium');
      assert.equal(await users6.getByLabel('Trial end').inputValue(), 'trial_ends_at');
      assert.equal(await users6.getByLabel('Entitlements').inputValue(), 'entitlements');
      const entitlementOptions = await users6.getByLabel('Entitlements').locator('option').allInnerTexts();
      assert.deepEqual(entitlementOptions, ['Not mapped', 'entitlements · jsonb'], 'only jsonb / text[] columns');
      const orgs6 = page.getByRole('group', { name: 'Organizations' });
      assert.equal(await orgs6.getByLabel('Plan').inputValue(), 'plan');
      await bothWidths(page, '75-postgres-access');
      await page.getByRole('button', { name: 'Save and continue' }).click();
      await page.waitForURL(`**${base}/7`);

      const saved = await api.request('GET', `/api/projects/${project.id}/mappings`);
      assert.deepEqual(saved.identity, {
        billing_field: 'stripe.customer.id',
        table: 'public.users',
        column: 'stripe_customer_id',
        organizations: { billing_field: 'stripe.customer.id', table: 'public.organizations', column: 'stripe_customer_id' },
      });
      assert.deepEqual(saved.access.users, {
        plan: 'plan',
        premium: 'is_premium',
        trial_end: 'trial_ends_at',
        entitlements: 'entitlements',
        email: 'email',
        name: 'full_name',
      });
      assert.deepEqual(saved.access.organizations, { plan: 'plan', name: 'name' });
      const after = await api.request('GET', `/api/projects/${project.id}`);
      for (const n of [3, 4, 6]) assert.equal(after.onboarding.steps[n - 1].state, 'done', `step ${n} done`);

      // Back on step 3 (through the rail, no reload): the repair role SQL now
      // names the mapped columns only.
      await page.getByRole('navigation', { name: 'Onboarding steps' }).getByRole('link', { name: /Database/ }).click();
      await page.waitForURL(`**${base}/3`);
      await page.getByTestId('postgres-connected-card').getByRole('button', { name: 'Reconnect' }).click();
      await page.getByRole('button', { name: 'How to create the repair role' }).click();
      const repairSQL = await page.getByLabel('Repair role SQL', { exact: true }).innerText();
      const repairRole = repairSQL.match(/CREATE ROLE "(parityrail_repair_acme_[a-z0-9]{4})"/)?.[1];
      assert.ok(repairRole, repairSQL);
      roles.push(repairRole);
      assert.ok(repairSQL.includes(`GRANT UPDATE ("plan", "is_premium", "trial_ends_at", "entitlements") ON "public"."users" TO "${repairRole}";`), repairSQL);
      assert.ok(repairSQL.includes(`GRANT UPDATE ("plan") ON "public"."organizations" TO "${repairRole}";`), repairSQL);
      const repairPassword = repairSQL.match(/LOGIN PASSWORD '([A-Za-z0-9]+)';/)?.[1];
      assert.ok(repairPassword, repairSQL);
      await screenshot(page, '76-postgres-repair-sql');
      psql(database, repairSQL);
      await page.getByLabel('Read-only connection string').fill(`postgres://${readRole}:${password}@127.0.0.1:5432/${database}?sslmode=disable`);
      await page
        .getByLabel('Repair connection string (optional)')
        .fill(`postgres://${repairRole}:${repairPassword}@127.0.0.1:5432/${database}?sslmode=disable`);
      await page.getByRole('button', { name: 'Test & connect' }).click();
      await page.getByText(`Postgres connected — 127.0.0.1 / ${database}`).waitFor({ timeout: 30_000 });
      await page.getByTestId('postgres-connected-card').getByText(repairRole, { exact: true }).waitFor();
      // The repair role may write the mapped columns, nothing else.
      const err = psqlRefused(database, `UPDATE users SET email = 'x@example.com' WHERE id = 1;`, { user: repairRole });
      assert.match(err, /permission denied/);

      assert.deepEqual(problems, [], 'no page errors');
    },
    { fakes: true },
  );
});
