// Steps 5–8 and the project pages in a real browser, against the real binary
// and the Stripe + Clerk fakes: map plans and access, run the dry run (its
// numbers on the page equal the API's), Finish, see the dashboard count the
// incidents by kind, and the checks page list the finished check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, newPage, ownerWithProject, railStepDone, screenshot, withApp } from './harness.mjs';

const STRIPE_KEY = 'rk_test_parityrailDashboard1234';
const CLERK_KEY = 'sk_test_parityrailClerkFake0000000000000000';

const KINDS = [
  ['paid_without_access', 'Paid without access'],
  ['access_without_payment', 'Access without payment'],
  ['wrong_plan', 'Wrong plan'],
  ['trial_mismatch', 'Trial mismatch'],
  ['entitlement_mismatch', 'Entitlement mismatch'],
  ['unmatched_customer', 'Unmatched customer'],
  ['ambiguous_match', 'Ambiguous match'],
];

/** A kinds table's rows as {label: number}, read as a person would. */
async function kindCounts(table) {
  const out = {};
  for (const row of await table.getByRole('row').all()) {
    const header = row.getByRole('rowheader');
    if ((await header.count()) !== 1) continue;
    const cells = await row.getByRole('cell').allInnerTexts();
    out[(await header.innerText()).trim()] = Number(cells[cells.length - 1].replace(/,/g, ''));
  }
  return out;
}

/**
 * Elements sticking out past the right edge of the viewport (outside a
 * horizontally scrolling box): a phone would have to scroll sideways.
 */
async function overflowing(page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= w) return [];
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > w + 1 && !el.closest('.overflow-x-auto'))
      .slice(-5)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).slice(0, 80)} "${(el.textContent ?? '').slice(0, 50)}"`);
  });
}

test('steps 5–8 → dry run numbers match the API → Finish → dashboard and checks page', { timeout: 300_000 }, async (t) => {
  await withApp(
    t,
    async ({ browser, baseURL, fakes }) => {
      // The world: a kept promise, one of each gap, and a price nobody mapped.
      await fakes.control('POST', '/stripe/keys', { key: STRIPE_KEY });
      await fakes.control('POST', '/stripe/prices', { id: 'price_pro', product_name: 'Pro', unit_amount: 4900 });
      await fakes.control('POST', '/stripe/prices', { id: 'price_basic', product_name: 'Basic', unit_amount: 900 });
      await fakes.control('POST', '/stripe/prices', { id: 'price_legacy', product_name: 'Legacy', unit_amount: 100 });
      const people = [
        // [customer, subscription status, price, Clerk plan (null: no Clerk user)]
        ['cus_kept', 'active', 'price_pro', 'pro'],
        ['cus_noaccess', 'active', 'price_pro', 'free'],
        ['cus_canceled', 'canceled', 'price_pro', 'pro'],
        ['cus_wrong', 'active', 'price_basic', 'pro'],
        ['cus_lost', 'active', 'price_pro', null],
        ['cus_legacy', 'active', 'price_legacy', 'legacy'],
      ];
      for (const [id, status, price, plan] of people) {
        const name = id.slice(4);
        await fakes.control('POST', '/stripe/customers', { id, email: `${name}@billing.test`, name });
        await fakes.control('POST', '/stripe/subscriptions', { customer_id: id, status, price_ids: [price] });
        if (plan !== null) {
          await fakes.control('POST', '/clerk/users', {
            email: `${name}@app.test`,
            first_name: name,
            last_name: 'User',
            public_metadata: { stripe_customer_id: id, plan },
          });
        }
      }

      const { page, context, problems, project, api } = await ownerWithProject(browser, baseURL, {
        name: 'Acme',
        billing_source: 'stripe',
        access_source: 'clerk',
      });
      // Steps 2–4 through the API (their own browser tests cover them).
      await api.request('POST', `/api/projects/${project.id}/stripe`, { api_key: STRIPE_KEY });
      await api.request('POST', `/api/projects/${project.id}/clerk`, { secret_key: CLERK_KEY });
      await api.request('PUT', `/api/projects/${project.id}/mappings`, { identity: {} });

      const base = `/projects/${project.id}/onboarding`;
      const railItems = page.getByRole('navigation', { name: 'Onboarding steps' }).getByRole('listitem');

      // Step 5: load the prices in use, keep Pro and Basic, leave Legacy unmapped.
      await page.goto(`${base}/5`);
      await page.getByRole('button', { name: 'Load from Stripe' }).click();
      await page.getByRole('group', { name: 'Row 3' }).waitFor({ timeout: 20_000 });
      for (let n = 3; n >= 1; n--) {
        const row = page.getByRole('group', { name: `Row ${n}` });
        if ((await row.getByLabel('Stripe price id').inputValue()) === 'price_legacy') {
          await row.getByRole('button', { name: `Remove row ${n}` }).click();
        }
      }
      assert.equal(await page.getByRole('group', { name: 'Row 3' }).count(), 0, 'the legacy row is gone');
      await page.getByRole('button', { name: 'Save and continue' }).click();
      await page.waitForURL(`**${base}/6`);
      const saved = await api.request('GET', `/api/projects/${project.id}/mappings`);
      assert.deepEqual(
        Object.fromEntries(saved.plans.rows.map((r) => [r.price_id, r.app_value])),
        { price_pro: 'pro', price_basic: 'basic' },
      );

      // Step 6: the Clerk fields.
      const users = page.getByRole('group', { name: 'Users' });
      await page.getByText(/metadata keys found/).waitFor({ timeout: 20_000 });
      await users.getByRole('combobox', { name: 'Stripe customer id' }).selectOption('public_metadata.stripe_customer_id');
      await users.getByRole('combobox', { name: 'Plan' }).selectOption('public_metadata.plan');
      await page.getByRole('button', { name: 'Save and continue' }).click();
      await page.waitForURL(`**${base}/7`);

      // Step 7: nothing yet, then the dry run with its progress and result.
      await page.getByText('No dry run yet').waitFor();
      assert.ok(await page.getByRole('button', { name: 'Continue' }).isDisabled(), 'Continue waits for a dry run');
      await page.getByRole('button', { name: 'Run dry run' }).click();
      const dryTable = page.getByRole('table', { name: 'Dry run findings by kind' });
      await dryTable.waitFor({ timeout: 60_000 });
      await page.getByText(/Dry run finished —/).waitFor();

      const checks = await api.request('GET', `/api/projects/${project.id}/checks`);
      const dry = checks.items.find((c) => c.dry_run);
      assert.ok(dry && dry.status === 'finished', `a finished dry run: ${JSON.stringify(dry)}`);
      const onPage = await kindCounts(dryTable);
      for (const [kind, label] of KINDS) {
        assert.equal(onPage[label], dry.summary.kinds[kind] ?? 0, `dry run ${label}: page vs API`);
      }
      const total = Object.values(dry.summary.kinds).reduce((a, b) => a + b, 0);
      assert.equal(onPage.Total, total, 'total findings');
      for (const kind of ['paid_without_access', 'access_without_payment', 'wrong_plan', 'unmatched_customer']) {
        assert.ok(dry.summary.kinds[kind] >= 1, `the dry run finds ${kind}: ${JSON.stringify(dry.summary.kinds)}`);
      }
      const overview = await page.getByTestId('dry-run-overview').innerText();
      assert.match(overview, new RegExp(`Read ${dry.summary.customers} Stripe customers`));
      assert.match(overview, new RegExp(`would open ${dry.counts.opened} incidents`));
      // The unmapped price, linked to step 5; customers matching nothing, linked to steps 4 and 6.
      assert.ok(dry.summary.unmapped_prices.some((p) => p.price_id === 'price_legacy'), 'the API lists price_legacy');
      const unmapped = page.getByRole('region', { name: 'Unmapped prices' });
      await unmapped.getByText('price_legacy', { exact: true }).waitFor();
      await unmapped.getByRole('link', { name: 'step 5 (Plan mapping)' }).waitFor();
      const unmatched = page.getByRole('region', { name: 'Customers matching nothing' });
      assert.match(await unmatched.innerText(), new RegExp(`${dry.summary.unmatched_customers}\\s+customers? (is|are) owed access`));
      await unmatched.getByText('cus_lost', { exact: true }).waitFor();
      await unmatched.getByRole('link', { name: 'step 4 (Identity mapping)' }).waitFor();
      // A sample row: expected vs actual for the customer paid without access.
      const sample = page.getByRole('region', { name: 'Sample rows' }).getByRole('listitem').filter({ hasText: 'cus_noaccess' });
      const planRow = sample.getByRole('row').filter({ hasText: 'public_metadata.plan' });
      assert.deepEqual((await planRow.getByRole('cell').allInnerTexts()).map((s) => s.trim()), ['pro', 'free']);
      // Nothing was filed.
      const none = await api.request('GET', `/api/projects/${project.id}/incidents`);
      assert.equal(none.items.length, 0, 'a dry run files nothing');
      await screenshot(page, '60-dry-run');

      const phone = await newPage(browser, baseURL, { width: 390, height: 844 });
      await phone.context.addCookies(await context.cookies());
      await phone.page.goto(`${base}/7`);
      await phone.page.getByRole('table', { name: 'Dry run findings by kind' }).waitFor();
      await screenshot(phone.page, '61-dry-run-phone');
      assert.deepEqual(await overflowing(phone.page), [], 'dry-run-phone: nothing wider than the phone');

      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`**${base}/8`);
      await page.getByText('Dry run reviewed').waitFor();
      await railStepDone(railItems, 7);

      // Step 8: masked connections, the default schedules, no repairs for Clerk.
      const form = page.getByRole('form', { name: 'Go live' });
      await form.getByText('rk_test_…1234', { exact: true }).waitFor();
      await form.getByText('sk_test_…0000', { exact: true }).waitFor();
      assert.ok(!(await page.content()).includes(STRIPE_KEY), 'the Stripe key is not on the page');
      await form.getByText('Every day at 03:00 UTC').waitFor();
      await form.getByText('Every hour, on the hour').waitFor();
      assert.ok(await form.getByRole('checkbox', { name: /Daily full check/ }).isChecked());
      assert.ok(await form.getByRole('checkbox', { name: /Hourly recent check/ }).isChecked());
      assert.equal(await form.getByRole('checkbox', { name: /Allow approved repairs/ }).count(), 0, 'no repairs for Clerk');
      await form.getByText(/never writes to Clerk/).waitFor();
      // Notification channels are set up right here.
      await form.getByText('No channels yet').waitFor();
      assert.ok(await form.getByRole('checkbox', { name: /Weekly digest/ }).first().isChecked());
      await screenshot(page, '62-go-live');
      await phone.page.goto(`${base}/8`);
      await phone.page.getByRole('form', { name: 'Go live' }).getByText('rk_test_…1234', { exact: true }).waitFor();
      await screenshot(phone.page, '63-go-live-phone');
      assert.deepEqual(await overflowing(phone.page), [], 'go-live-phone: nothing wider than the phone');

      await page.getByRole('button', { name: 'Finish' }).click();
      await page.waitForURL(new RegExp(`/projects/${project.id}$`));
      await page.getByText('Project is live — the first check started').waitFor();
      const p = await api.request('GET', `/api/projects/${project.id}`);
      assert.ok(p.onboarded, 'the project is onboarded');
      assert.equal(p.onboarding.steps[7].state, 'done');

      // The dashboard follows the first check to its end, then counts the incidents.
      await page.getByText(/Check finished —/).waitFor({ timeout: 60_000 });
      const kindsTable = page.getByRole('table', { name: 'Open incidents by kind' });
      const dash = await api.request('GET', `/api/projects/${project.id}/dashboard`);
      assert.ok(dash.last_check && dash.last_check.status === 'finished' && !dash.running_check, 'the first check ended');
      await eventually(async () => {
        const shown = await kindCounts(kindsTable);
        return KINDS.every(([kind, label]) => shown[label] === dash.open_by_kind[kind]);
      }, 'the dashboard shows the API counts');
      const shown = await kindCounts(kindsTable);
      assert.deepEqual(Object.keys(shown), KINDS.map(([, label]) => label), 'every kind, in order');
      for (const [kind, label] of KINDS) {
        assert.equal(shown[label], dry.summary.kinds[kind] ?? 0, `${label}: the real check found what the dry run said`);
      }
      assert.equal(
        await kindsTable.getByRole('link', { name: 'Wrong plan' }).getAttribute('href'),
        `/projects/${project.id}/incidents?kind=wrong_plan`,
      );
      const last = page.getByRole('region', { name: 'Last check' });
      assert.match(await last.innerText(), /Finished .*Full check by person/);
      await page.getByRole('region', { name: 'Schedules' }).getByText(/Every day at 03:00 UTC · next/).waitFor();
      await page.getByRole('region', { name: 'Stripe webhooks' }).getByText('Events received').waitFor();
      await screenshot(page, '64-dashboard');
      await phone.page.goto(`/projects/${project.id}`);
      await phone.page.getByRole('table', { name: 'Open incidents by kind' }).waitFor();
      await screenshot(phone.page, '65-dashboard-phone');
      assert.deepEqual(await overflowing(phone.page), [], 'dashboard-phone: nothing wider than the phone');

      // The checks page: the finished first check and the dry run.
      await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Checks' }).click();
      await page.waitForURL(`**/projects/${project.id}/checks`);
      const history = page.getByRole('table', { name: 'Check history' });
      await history.waitFor();
      const first = history.getByRole('row').filter({ has: page.getByText(dash.last_check.id, { exact: true }) });
      const cells = (await first.getByRole('cell').allInnerTexts()).map((s) => s.trim());
      assert.deepEqual(cells.slice(1, 4), ['Person', 'Full', 'Finished']);
      const c = dash.last_check.counts;
      assert.deepEqual(cells.slice(5).map(Number), [c.checked, c.held, c.opened, c.resolved, c.errors]);
      await history.getByRole('row').filter({ hasText: 'Dry run' }).waitFor();
      await screenshot(page, '66-checks');
      await phone.page.goto(`/projects/${project.id}/checks`);
      await phone.page.getByRole('table', { name: 'Check history' }).waitFor();
      await screenshot(phone.page, '67-checks-phone');
      assert.deepEqual(await overflowing(phone.page), [], 'checks-phone: nothing wider than the phone');
      await phone.context.close();

      // Read-only, always.
      await fakes.assertReadOnly('stripe');
      await fakes.assertReadOnly('clerk');
      assert.deepEqual(problems, [], 'no page errors');
    },
    { fakes: true },
  );
});
