// The Account page: a wrong current password is shown under its field; a
// change keeps this browser signed in; "Sign out everywhere" ends it all.
// Also a phone-width glance: no horizontal scroll.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiSession, createOwner, newPage, OWNER, screenshot, signIn, withApp } from './harness.mjs';

test('a person changes their password and signs out everywhere', { timeout: 120_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    await createOwner(baseURL);

    const { page, problems } = await newPage(browser, baseURL);
    await signIn(page, OWNER.email, OWNER.password);

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();

    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill('a much longer secret');
    await page.getByRole('button', { name: 'Change password' }).click();
    const current = page.getByLabel('Current password');
    await page.getByText('That is not your current password.').waitFor();
    assert.equal(await current.getAttribute('aria-invalid'), 'true', 'the message sits on the current-password field');
    await screenshot(page, '80-account-wrong-current');

    await current.fill(OWNER.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor(); // still signed in

    // The old password no longer works; the new one does.
    await assert.rejects(
      new ApiSession(baseURL).request('POST', '/api/auth/login', { email: OWNER.email, password: OWNER.password }),
      (err) => err.status === 401,
    );

    const phone = await newPage(browser, baseURL, { width: 360, height: 740 });
    await signIn(phone.page, OWNER.email, 'a much longer secret');
    await phone.page.goto('/settings/account');
    await phone.page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    const widths = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `no horizontal scroll at 360 px: ${widths}`);
    await screenshot(phone.page, '81-account-360');

    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.waitForURL(/\/login/);
    await phone.page.reload();
    await phone.page.waitForURL(/\/login/);

    assert.deepEqual(problems, [], 'no page errors');
    assert.deepEqual(phone.problems, [], 'no page errors on the phone');
  });
});
