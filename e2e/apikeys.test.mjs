// Settings → API keys: an admin creates a key, sees it once, copies it, a
// script uses it, the admin revokes it and the script is refused. Also a
// phone-width glance: no horizontal scroll.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOwner, newPage, OWNER, screenshot, signIn, withApp } from './harness.mjs';

const v1 = (baseURL, key) =>
  fetch(baseURL + '/api/v1/projects', { headers: { Authorization: `Bearer ${key}` } }).then(async (r) => ({
    status: r.status,
    body: await r.json(),
  }));

test('an admin creates an API key, a script uses it, revoking refuses it', { timeout: 120_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    const api = await createOwner(baseURL);
    await api.request('POST', '/api/projects', { name: 'Acme' });

    const { context, page, problems } = await newPage(browser, baseURL);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
    await signIn(page, OWNER.email, OWNER.password);

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByText('No API keys yet').waitFor();

    // A nameless key is refused under the name field.
    await page.getByRole('button', { name: 'Create key' }).click();
    const name = page.getByLabel('Name');
    await page.getByText('Name the key after what uses it').waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true', 'the message sits on the name field');

    await name.fill('CI pipeline');
    await page.getByLabel('Reaches').selectOption({ label: 'Acme' });
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByLabel('New API key');
    await shown.waitFor();
    const key = await shown.inputValue();
    assert.match(key, /^sk_prail_[0-9A-Za-z]{49}$/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('API key copied').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key, 'the clipboard holds the key');
    const row = page.getByRole('row', { name: /CI pipeline/ });
    await row.getByText(`${key.slice(0, 13)}…${key.slice(-4)}`).waitFor();
    await row.getByText('Acme').waitFor();
    await screenshot(page, '85-api-key-created');

    // A script uses it.
    const used = await v1(baseURL, key);
    assert.equal(used.status, 200);
    assert.deepEqual(used.body.items.map((p) => p.name), ['Acme']);

    // Shown once: after a reload only its prefix and last four remain, and
    // its last use.
    await page.reload();
    await row.waitFor();
    assert.equal(await page.getByLabel('New API key').count(), 0, 'the key is not shown again');
    assert.equal(await page.getByText(key).count(), 0);
    await row.getByText(/from 127\.0\.0\.1/).waitFor();

    // Revoke, with confirmation; the next request is refused.
    await row.getByRole('button', { name: 'Revoke CI pipeline' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText('is refused from its next request').waitFor();
    await screenshot(page, '86-api-key-revoke');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('No API keys yet').waitFor();
    const refused = await v1(baseURL, key);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'invalid_api_key');

    const phone = await newPage(browser, baseURL, { width: 360, height: 740 });
    await signIn(phone.page, OWNER.email, OWNER.password);
    await phone.page.goto('/settings/api-keys');
    await phone.page.getByLabel('Name').fill('Phone key');
    await phone.page.getByRole('button', { name: 'Create key' }).click();
    await phone.page.getByLabel('New API key').waitFor();
    await screenshot(phone.page, '87-api-keys-360');
    const widths = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `no horizontal scroll at 360 px: ${widths}`);

    assert.deepEqual(problems, [], 'no page errors');
    assert.deepEqual(phone.problems, [], 'no page errors on the phone');
  });
});
