// The user's "Connect Clerk" page in a real browser, against the real binary
// and the Clerk fake: every "Verify it worked" bullet and every
// troubleshooting row that shows in the UI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, newPage, ownerWithProject, railStepDone, screenshot, withApp } from './harness.mjs';

const GOOD_KEY = 'sk_test_parityrailClerkFake0000000000000000';
const MSG_401 = 'Clerk rejected the secret key (HTTP 401)…';
const MSG_PATTERN = 'Enter a Clerk Backend API secret key (sk_test_… or sk_live_…)';
const MSG_429 = 'Clerk rate limit hit (HTTP 429)…';
const NO_KEYS = 'No metadata keys were found on your Clerk users.';

test('Connect Clerk: step 3 errors and connect, step 4 automatic matching, step 6 sampled dropdowns', { timeout: 240_000 }, async (t) => {
  await withApp(
    t,
    async ({ browser, baseURL, fakes }) => {
      const { page, problems, project, api } = await ownerWithProject(browser, baseURL, {
        name: 'Acme',
        billing_source: 'stripe',
        access_source: 'clerk',
      });
      // A user without any metadata: sampling finds no keys at first.
      await fakes.control('POST', '/clerk/users', { email: 'nometa@example.com', first_name: 'No', last_name: 'Meta' });

      const base = `/projects/${project.id}/onboarding`;
      const rail = page.getByRole('navigation', { name: 'Onboarding steps' });
      const railItems = rail.getByRole('listitem');

      // Step 3: the tablist and the Clerk tab.
      await page.goto(`${base}/3`);
      const tablist = page.getByRole('tablist', { name: 'Access-state source' });
      await tablist.waitFor();
      assert.deepEqual(await tablist.getByRole('tab').allInnerTexts(), ['Postgres / Supabase', 'Clerk']);
      const clerkTab = tablist.getByRole('tab', { name: 'Clerk' });
      assert.equal(await clerkTab.getAttribute('aria-selected'), 'true', 'the project source is the open tab');
      // The Postgres tab holds the other source's form (e2e/postgres.test.mjs covers it).
      await tablist.getByRole('tab', { name: 'Postgres / Supabase' }).click();
      assert.ok(await page.getByLabel('Read-only connection string').isEnabled());
      await screenshot(page, '39-database-postgres-tab');
      // Back to Clerk with the keyboard, as an ARIA tablist should allow.
      await tablist.getByRole('tab', { name: 'Postgres / Supabase' }).focus();
      await page.keyboard.press('ArrowRight');
      await eventually(async () => (await clerkTab.getAttribute('aria-selected')) === 'true', 'ArrowRight selects Clerk');
      await clerkTab.click();
      const keyField = page.getByLabel('Clerk Backend API secret key');
      assert.equal(await keyField.getAttribute('placeholder'), 'sk_test_…');
      await page.getByText('ParityRail only lists and retrieves users and organizations — it never writes to Clerk').waitFor();
      await page.getByText('Connect a Postgres database or Clerk, not both.').waitFor();
      const connectBtn = page.getByRole('button', { name: 'Test & connect' });

      // Troubleshooting: a wrong key → Clerk's 401, verbatim.
      await keyField.fill('sk_test_wrongwrongwrong');
      await connectBtn.click();
      const alert = page.getByRole('alert');
      await alert.filter({ hasText: MSG_401 }).waitFor();
      assert.ok((await alert.innerText()).startsWith(MSG_401));
      await screenshot(page, '40-clerk-401');

      // Troubleshooting: a publishable key → the sk_ pattern message.
      await keyField.fill('pk_test_Y2xlcmsuZXhhbXBsZS5jb20k');
      await connectBtn.click();
      await alert.filter({ hasText: MSG_PATTERN }).waitFor();
      assert.ok((await alert.innerText()).startsWith(MSG_PATTERN));
      assert.match(await alert.innerText(), /publishable key/);
      await screenshot(page, '41-clerk-pattern');

      // The good key, with Clerk answering 429 first (Retry-After: 2) so the
      // pending label is on screen long enough to see.
      await fakes.control('POST', '/clerk/rate-limit', { count: 1, retry_after: 2 });
      await keyField.fill(GOOD_KEY);
      await connectBtn.click();
      await page.getByRole('button', { name: 'Testing & connecting…' }).waitFor();
      await screenshot(page, '42-clerk-connecting');
      await page.getByText('Clerk connected — sk_test_…0000').waitFor({ timeout: 20_000 });
      const card = page.getByTestId('clerk-connected-card');
      await card.waitFor();
      await card.getByText('Clerk connected', { exact: true }).waitFor();
      await card.getByText('sk_test_…0000', { exact: true }).waitFor();
      await card.getByRole('button', { name: 'Reconnect' }).waitFor();
      // Green, as the page says.
      const [r, g, b] = await card.evaluate((el) => {
        // Tailwind's colours are oklch(); let a canvas turn it into RGB.
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.fillStyle = getComputedStyle(el).backgroundColor;
        ctx.fillRect(0, 0, 1, 1);
        return [...ctx.getImageData(0, 0, 1, 1).data];
      });
      assert.ok(g > r && g > b, `the connected card is green, got rgb(${r}, ${g}, ${b})`);
      await railStepDone(railItems, 3);
      await screenshot(page, '43-clerk-connected');
      // The key is never sent back: only the masked label is on the page.
      assert.ok(!(await page.content()).includes(GOOD_KEY), 'the secret key is not in the page');

      // Step 4: automatic matching.
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`**${base}/4`);
      const panel = page.getByRole('region', { name: 'Customer matching is automatic' });
      await panel.waitFor();
      await panel.getByText('Matched automatically for Clerk').waitFor();
      assert.equal(await panel.getByTestId('wand-icon').count(), 1, 'the wand icon');
      assert.equal(await page.getByRole('combobox').count(), 0, 'no table/column pickers');
      assert.match(await railItems.nth(3).innerText(), /Matched automatically\./);
      await screenshot(page, '44-identity-clerk');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`**${base}/5`);
      await railStepDone(railItems, 4);

      // Step 6: nothing sampled yet.
      await page.goto(`${base}/6`);
      await page.getByRole('heading', { name: 'Which Clerk fields say who has paid access?' }).waitFor();
      await page.getByText(NO_KEYS).waitFor();
      await screenshot(page, '45-access-no-keys');

      // Troubleshooting: Clerk keeps answering 429 → the message, after the automatic backoff.
      await fakes.control('POST', '/clerk/rate-limit', { count: 5, retry_after: 0 });
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByRole('alert').filter({ hasText: MSG_429 }).waitFor({ timeout: 30_000 });
      await screenshot(page, '46-access-429');

      // Store metadata on a user in Clerk, then Retry re-samples.
      await fakes.control('POST', '/clerk/users', {
        email: 'paid@example.com',
        first_name: 'Paid',
        last_name: 'User',
        public_metadata: { stripe_customer_id: 'cus_123', plan: 'pro', is_premium: true },
      });
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByText(/Sampled 2 recent users: 3 metadata keys found\./).waitFor({ timeout: 20_000 });
      assert.equal(await page.getByText(NO_KEYS).count(), 0);
      const users = page.getByRole('group', { name: 'Users' });
      const customer = users.getByRole('combobox', { name: 'Stripe customer id' });
      const options = await customer.getByRole('option').allInnerTexts();
      for (const want of ['public_metadata.stripe_customer_id', 'public_metadata.plan', 'public_metadata.is_premium']) {
        assert.ok(options.includes(want), `the dropdown offers ${want}: ${options}`);
      }
      await customer.selectOption('public_metadata.stripe_customer_id');
      await users.getByRole('combobox', { name: 'Plan' }).selectOption('public_metadata.plan');
      await users.getByRole('combobox', { name: 'Premium flag' }).selectOption('public_metadata.is_premium');
      await screenshot(page, '47-access-mapped');

      // A phone-sized look at step 6.
      const phone = await newPage(browser, baseURL, { width: 390, height: 844 });
      await phone.context.addCookies(await page.context().cookies());
      await phone.page.goto(`${base}/6`);
      await phone.page.getByRole('heading', { name: 'Which Clerk fields say who has paid access?' }).waitFor();
      await phone.page.getByRole('group', { name: 'Users' }).waitFor();
      await phone.page.getByText(/metadata keys found/).waitFor({ timeout: 20_000 });
      await screenshot(phone.page, '48-access-phone');
      await phone.page.goto(`${base}/3`);
      await phone.page.getByTestId('clerk-connected-card').waitFor();
      await screenshot(phone.page, '49-clerk-connected-phone');
      await phone.context.close();

      await page.getByRole('button', { name: 'Save and continue' }).click();
      // The toast comes first (it is only on screen for a few seconds), then the next step.
      await page.getByText('Access mapping saved').waitFor();
      await page.waitForURL(`**${base}/7`);
      await railStepDone(railItems, 6);
      assert.match(await railItems.nth(5).textContent(), /\(done\)/);

      const saved = await api.request('GET', `/api/projects/${project.id}/mappings`);
      assert.deepEqual(saved.access.users, {
        stripe_customer_id: 'public_metadata.stripe_customer_id',
        plan: 'public_metadata.plan',
        premium: 'public_metadata.is_premium',
      });

      // Read-only, always: the Clerk fake never saw anything but GET.
      await fakes.assertReadOnly('clerk');
      assert.deepEqual(problems, [], 'no page errors');
    },
    { fakes: true },
  );
});
