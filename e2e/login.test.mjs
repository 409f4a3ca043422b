// Signing in: a wrong password shows the server's own message; the right one
// gets in; an unknown page is a 404 page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOwner, newPage, OWNER, screenshot, withApp } from './harness.mjs';

test('signing in with a wrong password shows the server message', { timeout: 120_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    await createOwner(baseURL);

    const { page, problems } = await newPage(browser, baseURL);
    await page.goto('/');
    await page.waitForURL('**/login');
    await page.getByRole('heading', { name: 'Sign in to ParityRail' }).waitFor();

    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal((await alert.innerText()).trim(), 'Email or password is incorrect.');
    assert.match(page.url(), /\/login$/);
    await screenshot(page, '10-login-wrong-password');

    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/projects');
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();

    // Unknown pages get a 404 page inside the app frame.
    await page.goto('/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await screenshot(page, '11-not-found');

    // Setup is closed once the owner exists.
    await page.goto('/setup');
    await page.waitForURL('**/projects');

    assert.deepEqual(problems, [], 'no page errors');
  });
});
