// Incidents in a real browser on fake Stripe + fake Clerk: filter the list,
// open an incident, ignore one with a reason, bulk-acknowledge two, fix a
// user's Clerk metadata as a person would and re-run the incident's check
// until it is resolved, then read the customer's Access Ledger.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, newPage, ownerWithProject, screenshot, withApp } from './harness.mjs';

const STRIPE_KEY = 'rk_test_parityrailIncidents1234';
const CLERK_KEY = 'sk_test_parityrailClerkFake0000000000000000';

/** Five customers: one kept, two paid without access, two canceled with access. */
async function buildWorld(fakes) {
  await fakes.control('POST', '/stripe/keys', { key: STRIPE_KEY });
  await fakes.control('POST', '/stripe/prices', { id: 'price_pro', lookup_key: 'pro_monthly', product_name: 'Pro', unit_amount: 4900 });
  const people = [
    { name: 'Ada', status: 'active', plan: 'pro' }, // kept
    { name: 'Bea', status: 'active', plan: 'free' }, // paid without access → fixed in Clerk later
    { name: 'Cyd', status: 'canceled', plan: 'pro' }, // access without payment → ignored
    { name: 'Dan', status: 'active', plan: 'free' }, // paid without access → bulk acknowledged
    { name: 'Eve', status: 'canceled', plan: 'pro' }, // access without payment → bulk acknowledged
  ];
  const world = {};
  for (const p of people) {
    const email = `${p.name.toLowerCase()}@example.com`;
    const { id: customer } = await fakes.control('POST', '/stripe/customers', { email, name: p.name });
    await fakes.control('POST', '/stripe/subscriptions', { customer_id: customer, status: p.status, price_ids: ['price_pro'] });
    const { id: user } = await fakes.control('POST', '/clerk/users', {
      email,
      first_name: p.name,
      last_name: 'Tester',
      public_metadata: { stripe_customer_id: customer, plan: p.plan },
    });
    world[p.name] = { customer, user, email };
  }
  return world;
}

async function runFullCheck(api, projectId) {
  const started = await api.request('POST', `/api/projects/${projectId}/checks`, { scope: 'full' });
  return eventually(
    async () => {
      const c = await api.request('GET', `/api/projects/${projectId}/checks/${started.id}`);
      if (c.status === 'failed') throw new Error(`check failed: ${c.error}`);
      return c.status === 'finished' && c;
    },
    'the full check finishes',
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

test('Incidents: filter, open, ignore, bulk acknowledge, re-run check to resolved, customer ledger', { timeout: 300_000 }, async (t) => {
  await withApp(
    t,
    async ({ browser, baseURL, fakes }) => {
      const world = await buildWorld(fakes);
      const { page, problems, project, api } = await ownerWithProject(browser, baseURL, {
        name: 'Acme',
        billing_source: 'stripe',
        access_source: 'clerk',
      });
      const pid = project.id;
      // Onboarding through the API, as a person would in steps 2–6.
      await api.request('POST', `/api/projects/${pid}/stripe`, { api_key: STRIPE_KEY });
      await api.request('POST', `/api/projects/${pid}/clerk`, { secret_key: CLERK_KEY });
      await api.request('PUT', `/api/projects/${pid}/mappings`, {
        access: { users: { stripe_customer_id: 'public_metadata.stripe_customer_id', plan: 'public_metadata.plan' } },
        plans: { no_plan_value: 'free', rows: [{ price_id: 'price_pro', app_value: 'pro' }] },
      });
      const check = await runFullCheck(api, pid);
      assert.equal(check.counts.opened, 4, `the check opens four incidents: ${JSON.stringify(check.counts)}`);
      const me = await api.request('GET', '/api/me');

      // The list: every active incident, critical first.
      await page.goto(`/projects/${pid}/incidents`);
      await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
      const table = page.getByRole('table', { name: 'Incidents' });
      await table.waitFor();
      const rows = table.locator('tbody tr');
      await eventually(async () => (await rows.count()) === 4, 'four incidents listed');
      assert.match(await rows.nth(0).innerText(), /critical/i, 'critical first');
      await screenshot(page, '80-incidents-list');

      // Filter by severity: the URL keeps it, the list shows the two critical ones.
      await page.getByLabel('Severity').selectOption('critical');
      await page.waitForURL(/severity=critical/);
      await eventually(async () => (await rows.count()) === 2, 'two critical incidents');
      for (const text of await rows.allInnerTexts()) assert.match(text, /Paid without access/);
      // Search by email narrows to one.
      await page.getByLabel('Customer id or email').fill('bea@example');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/q=bea%40example/);
      await eventually(async () => (await rows.count()) === 1, 'one incident for bea');
      await screenshot(page, '81-incidents-filtered');
      // Reloading keeps the filters (they live in the URL).
      await page.reload();
      await eventually(async () => (await rows.count()) === 1, 'filters survive a reload');
      assert.equal(await page.getByLabel('Severity').inputValue(), 'critical');
      // Sorting by last seen is a URL parameter too.
      await page.getByRole('button', { name: 'Reset filters' }).click();
      await eventually(async () => (await rows.count()) === 4, 'reset shows all four');
      await page.getByLabel('Sort by').selectOption('last_seen');
      await page.waitForURL(/sort=last_seen/);
      await eventually(async () => (await rows.count()) === 4, 'sorted list');

      // Open Cyd's incident with the keyboard: focus its row, Enter.
      const cydRow = rows.filter({ hasText: world.Cyd.email });
      await cydRow.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/incidents\/inc_/);
      await page.getByRole('heading', { name: /Access without payment/, level: 1 }).waitFor();
      const compared = page.getByRole('table', { name: 'Promised vs granted' });
      await compared.waitFor();
      assert.match(await compared.innerText(), /Plan[\s\S]*free[\s\S]*pro[\s\S]*Differs/);
      await page.getByRole('heading', { name: 'Apply this change in Clerk' }).waitFor();
      await page.getByRole('heading', { name: 'Evidence' }).waitFor();
      await page.getByText('Clerk metadata as read').waitFor();
      await page.getByRole('table', { name: 'Subscriptions' }).getByText('pro_monthly').waitFor();
      await page.getByText('Raw evidence (JSON)').click();
      await page.locator('details[open] pre').filter({ hasText: '"public_metadata.plan"' }).waitFor();
      const timeline = page.getByRole('list', { name: 'Incident timeline' });
      await timeline.getByText(/Access without payment opened/).waitFor();
      await screenshot(page, '82-incident-page');

      // Ignore it: the reason is required.
      await page.getByRole('button', { name: 'Ignore…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Ignore this incident?' });
      await dialog.waitFor();
      const reason = dialog.getByLabel('Reason');
      assert.ok(await reason.evaluate((el) => el === document.activeElement), 'the dialog focuses the reason');
      await dialog.getByRole('button', { name: 'Ignore incident' }).click();
      await dialog.getByText('Say why this gap is intentional').waitFor();
      await screenshot(page, '83-ignore-dialog');
      await reason.fill('Comped account for a partner');
      await dialog.getByRole('button', { name: 'Ignore incident' }).click();
      await page.getByText('Incident ignored; the reason is in the ledger').waitFor();
      await dialog.waitFor({ state: 'detached' });
      await page.getByText('“Comped account for a partner”').first().waitFor();
      await timeline.getByText(/ignored as intentional: “Comped account for a partner”/).waitFor();
      await timeline.getByText(/Olivia Owner/).first().waitFor();
      assert.equal(await page.getByRole('button', { name: 'Ignore…' }).count(), 0, 'no ignore on an ignored incident');

      // Back to the list: bulk-acknowledge Dan's and Eve's incidents.
      await page.getByRole('link', { name: 'Incidents' }).first().click();
      await page.waitForURL(`**/projects/${pid}/incidents`);
      await eventually(async () => (await rows.count()) === 3, 'the ignored incident left the active list');
      await page.getByRole('checkbox', { name: `Select Paid without access for ${world.Dan.email}` }).check();
      await page.getByRole('checkbox', { name: `Select Access without payment for ${world.Eve.email}` }).check();
      await page.getByRole('button', { name: 'Acknowledge selected (2)' }).click();
      await page.getByText('Acknowledged 2 incidents').waitFor();
      await eventually(
        async () => (await rows.filter({ hasText: 'Acknowledged' }).count()) === 2,
        'two rows read Acknowledged',
      );
      await screenshot(page, '84-incidents-bulk-acknowledged');
      const acked = await api.request('GET', `/api/projects/${pid}/incidents?status=acknowledged`);
      assert.deepEqual(acked.items.map((i) => i.customer_id).sort(), [world.Dan.customer, world.Eve.customer].sort());
      for (const i of acked.items) assert.equal(i.acknowledged_by, me.id);

      // Bea's incident: still wrong, then fixed in Clerk, then resolved.
      await rows.filter({ hasText: world.Bea.email }).getByRole('link', { name: 'Paid without access' }).click();
      await page.getByRole('heading', { name: /Paid without access/, level: 1 }).waitFor();
      const beaIncident = page.url().split('/').pop();
      // The page's own action (the guided-fix panel below has one too).
      await page.getByRole('button', { name: 'Re-run check' }).first().click();
      await page.getByText('Re-checked: still wrong', { exact: true }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Still wrong' }).getByText(/plan is now free/).waitFor();
      const before = await api.request('GET', `/api/projects/${pid}/customers/${world.Bea.customer}`);
      // A person fixes the user's metadata in Clerk.
      await fakes.control('PUT', `/clerk/users/${world.Bea.user}/metadata`, {
        container: 'public_metadata',
        metadata: { stripe_customer_id: world.Bea.customer, plan: 'pro' },
      });
      await page.getByRole('button', { name: 'Re-run check' }).first().click();
      await page.getByText('Re-checked: the promise holds; the incident is resolved').waitFor();
      await page.getByText('The promise holds now').first().waitFor();
      await page.getByRole('term').filter({ hasText: 'Status' }).locator('..').getByText('Resolved').waitFor();
      await page.getByRole('list', { name: 'Incident timeline' }).getByText(/resolved: verified after guided fix/).waitFor();
      await screenshot(page, '85-incident-resolved');
      const resolved = await api.request('GET', `/api/incidents/${beaIncident}`);
      assert.equal(resolved.status, 'resolved');

      // The customer page: promise vs app now, the incident, a longer ledger, an intact chain.
      await page.getByRole('link', { name: world.Bea.customer }).click();
      await page.waitForURL(`**/customers/${world.Bea.customer}`);
      await page.getByRole('heading', { name: 'Bea', level: 1 }).waitFor();
      await page.getByText('Every linked app account grants what billing promises.').waitFor();
      await page.getByRole('list', { name: 'Customer incidents' }).getByText('Resolved').waitFor();
      const ledger = page.getByRole('list', { name: 'Access Ledger' });
      await ledger.waitFor();
      await eventually(
        async () => (await ledger.getByRole('listitem').count()) > before.ledger.entries.length,
        'the ledger grew since the first re-check',
      );
      await ledger.getByText(/Re-checked: the promise holds/).waitFor();
      // The checks that covered Bea, by number, linked; nothing about anyone else.
      await ledger.getByText(/^Checked in check #\d+ \(/).first().waitFor();
      await ledger.getByRole('link', { name: /^Open check #\d+$/ }).first().waitFor();
      assert.equal(await ledger.getByText(/check started/).count(), 0);
      assert.equal(await page.getByTestId('chain-status').innerText(), 'Hash chain intact');
      await screenshot(page, '86-customer-page');

      // Run a check for this customer from its page: progress, then a toast.
      const entries = await ledger.getByRole('listitem').count();
      await page.getByRole('button', { name: 'Run check' }).click();
      await page.getByText(/Check finished/).waitFor({ timeout: 30_000 });
      await eventually(async () => (await ledger.getByRole('listitem').count()) > entries, 'the customer check is in the ledger');
      assert.equal(await page.getByTestId('chain-status').innerText(), 'Hash chain intact');

      // Phone-sized looks at each page.
      const phone = await newPage(browser, baseURL, { width: 390, height: 844 });
      await phone.context.addCookies(await page.context().cookies());
      await phone.page.goto(`/projects/${pid}/incidents?status=all`);
      await phone.page.getByRole('list', { name: 'Incidents' }).waitFor();
      assert.equal(await phone.page.getByRole('list', { name: 'Incidents' }).getByRole('listitem').count(), 4);
      await screenshot(phone.page, '87-incidents-phone');
      await phone.page.goto(`/projects/${pid}/incidents/${beaIncident}`);
      await phone.page.getByRole('heading', { name: /Paid without access/, level: 1 }).waitFor();
      await screenshot(phone.page, '88-incident-phone');
      await phone.page.goto(`/projects/${pid}/customers/${world.Bea.customer}`);
      await phone.page.getByRole('list', { name: 'Access Ledger' }).waitFor();
      await screenshot(phone.page, '89-customer-phone');
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the customer page fits a phone (overflow ${overflow}px)`);
      await phone.context.close();

      assert.deepEqual(problems, [], 'no page errors');
    },
    { fakes: true },
  );
});
