// Stripe in a real browser, against the real binary and the Stripe fake:
// step 2's permission message and connect (mode badge, webhook endpoint),
// step 5's "Load from Stripe", reorder and save.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPage, ownerWithProject, railStepDone, screenshot, withApp } from './harness.mjs';

const PARTIAL_KEY = 'rk_test_parityrailPartial9876';
const GOOD_KEY = 'rk_test_parityrailReader1234';
const EVENTS = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'entitlements.active_entitlement_summary.updated',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
];

test('Stripe: missing permissions, connect with test badge and webhook endpoint, Load from Stripe on step 5', { timeout: 240_000 }, async (t) => {
  await withApp(
    t,
    async ({ browser, baseURL, fakes }) => {
      // A restricted key that can read customers and prices but not
      // subscriptions or invoices, and a key with every read.
      await fakes.control('POST', '/stripe/keys', {
        key: PARTIAL_KEY,
        permissions: ['rak_customer_read', 'rak_plan_read', 'rak_product_read'],
      });
      await fakes.control('POST', '/stripe/keys', { key: GOOD_KEY });
      // Two prices in use on subscriptions, one price nobody pays.
      await fakes.control('POST', '/stripe/prices', { id: 'price_basic_m', lookup_key: 'basic_monthly', product_name: 'Basic', unit_amount: 900 });
      await fakes.control('POST', '/stripe/prices', { id: 'price_pro_m', product_name: 'Pro', unit_amount: 4900 });
      await fakes.control('POST', '/stripe/prices', { id: 'price_unused', product_name: 'Legacy', unit_amount: 100 });
      const { id: cus1 } = await fakes.control('POST', '/stripe/customers', { email: 'a@example.com', name: 'Ada' });
      const { id: cus2 } = await fakes.control('POST', '/stripe/customers', { email: 'b@example.com', name: 'Bea' });
      await fakes.control('POST', '/stripe/subscriptions', { customer_id: cus1, status: 'active', price_ids: ['price_basic_m'] });
      await fakes.control('POST', '/stripe/subscriptions', { customer_id: cus2, status: 'active', price_ids: ['price_pro_m'] });

      const { page, context, problems, project, api } = await ownerWithProject(browser, baseURL, {
        name: 'Acme',
        billing_source: 'stripe',
        access_source: 'clerk',
      });
      const base = `/projects/${project.id}/onboarding`;
      const railItems = page.getByRole('navigation', { name: 'Onboarding steps' }).getByRole('listitem');

      await page.goto(`${base}/2`);
      await page.getByRole('heading', { name: 'Restricted API key' }).waitFor();
      const keyField = page.getByLabel('API key');
      assert.equal(await keyField.getAttribute('type'), 'password');
      await page.getByLabel('Webhook signing secret (optional)').waitFor();

      // The webhook endpoint block: this project's URL and the ten events.
      const webhook = page.getByRole('region', { name: 'Webhook endpoint' });
      const url = (await webhook.getByTestId('webhook-url').innerText()).trim();
      assert.equal(url, `${baseURL}/api/webhooks/stripe/${project.id}`);
      assert.deepEqual(await webhook.getByRole('list').getByRole('listitem').allInnerTexts(), EVENTS);

      // One message naming every missing resource.
      await keyField.fill(PARTIAL_KEY);
      await page.getByRole('button', { name: 'Test & connect' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: 20_000 });
      const message = await alert.innerText();
      assert.match(message, /^This restricted key can't read Subscriptions, Invoices\./);
      assert.match(message, /Set Subscriptions and Invoices to Read/);
      await screenshot(page, '30-stripe-missing-permissions');

      // The good key, with a webhook secret.
      await keyField.fill(GOOD_KEY);
      await page.getByLabel('Webhook signing secret (optional)').fill('whsec_parityrailTestSecret42');
      await page.getByRole('button', { name: 'Test & connect' }).click();
      await page.getByText('Stripe connected — rk_test_…1234').waitFor({ timeout: 20_000 });
      await page.getByText('rk_test_…1234', { exact: true }).waitFor();
      await page.getByText('whsec_…et42', { exact: true }).waitFor();
      assert.ok((await page.getByText('Test mode', { exact: true }).count()) >= 1, 'test mode badge');
      await page.getByRole('button', { name: 'Reconnect' }).waitFor();
      await railStepDone(railItems, 2);
      assert.ok(!(await page.content()).includes(GOOD_KEY), 'the key is not in the page');

      // Copy the webhook URL.
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
      await webhook.getByRole('button', { name: 'Copy URL' }).click();
      await page.getByText('Webhook URL copied').waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
      await screenshot(page, '31-stripe-connected');

      // Step 5: Load from Stripe prefills the prices found on subscriptions.
      await page.goto(`${base}/5`);
      await page.getByText('No plan rows yet.').waitFor();
      await page.getByRole('button', { name: 'Load from Stripe' }).click();
      await page.getByRole('group', { name: 'Row 2' }).waitFor({ timeout: 20_000 });
      assert.equal(await page.getByRole('group', { name: 'Row 3' }).count(), 0, 'only prices in use');
      const row = (n) => page.getByRole('group', { name: `Row ${n}` });
      const values = async (n) =>
        Promise.all(
          ['Stripe price id', 'Lookup key (optional)', 'App plan value'].map((l) => row(n).getByLabel(l).inputValue()),
        );
      const loaded = [await values(1), await values(2)];
      const byId = Object.fromEntries(loaded.map((v) => [v[0], v]));
      assert.deepEqual(byId.price_basic_m, ['price_basic_m', 'basic_monthly', 'basic_monthly']);
      assert.deepEqual(byId.price_pro_m, ['price_pro_m', '', 'pro']);
      await screenshot(page, '32-plans-loaded');

      // Pro is the higher tier: make it row 1, and name Basic's value.
      if (loaded[0][0] !== 'price_pro_m') await page.getByRole('button', { name: 'Move row 2 up' }).click();
      assert.equal((await values(1))[0], 'price_pro_m');
      await row(2).getByLabel('App plan value').fill('basic');
      await screenshot(page, '33-plans-ordered');

      const phone = await newPage(browser, baseURL, { width: 390, height: 844 });
      await phone.context.addCookies(await context.cookies());
      await phone.page.goto(`${base}/5`);
      await phone.page.getByRole('button', { name: 'Load from Stripe' }).click();
      await phone.page.getByRole('group', { name: 'Row 2' }).waitFor({ timeout: 20_000 });
      await screenshot(phone.page, '34-plans-phone');
      await phone.page.goto(`${base}/2`);
      await phone.page.getByRole('heading', { name: 'Webhook endpoint' }).waitFor();
      await phone.page.getByText('rk_test_…1234', { exact: true }).waitFor();
      await screenshot(phone.page, '35-stripe-phone');
      await phone.context.close();

      await page.getByRole('button', { name: 'Save and continue' }).click();
      await page.getByText('Plan mapping saved').waitFor();
      await page.waitForURL(`**${base}/6`);
      await railStepDone(railItems, 5);

      const saved = await api.request('GET', `/api/projects/${project.id}/mappings`);
      assert.deepEqual(saved.plans, {
        rows: [
          { price_id: 'price_pro_m', app_value: 'pro' },
          { price_id: 'price_basic_m', lookup_key: 'basic_monthly', app_value: 'basic' },
        ],
        no_plan_value: 'free',
      });

      // Never a write call to Stripe.
      await fakes.assertReadOnly('stripe');
      assert.deepEqual(problems, [], 'no page errors');
    },
    { fakes: true },
  );
});
