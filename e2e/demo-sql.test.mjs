// The demo's whole loop in a browser, with nothing but the binary: the
// welcome screen's demo on its SQL app (preselected) → an incident with a
// repair proposal → "Approve repair" (the confirmation shows the UPDATE) →
// the UPDATE runs in the demo app's SQLite file → the re-check verifies it
// and the incident is resolved, with the ledger to show for it. At 1280 px
// and on a 360 px phone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPage, screenshot, submitSetupForm, withApp } from './harness.mjs';

test('demo SQL app: explore → approve a repair → verified and resolved', { timeout: 240_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    const { page, problems } = await newPage(browser, baseURL);

    await page.goto('/setup');
    await submitSetupForm(page, { name: 'Nina Newcomer', email: 'nina@example.com', password: 'correct horse battery staple' });
    await page.waitForURL('**/welcome');

    // The demo card asks where the demo app keeps access; SQL is preselected.
    const choice = page.getByRole('group', { name: 'The demo app keeps access in' });
    assert.ok(await choice.getByRole('radio', { name: 'SQL tables' }).isChecked(), 'SQL tables is preselected');
    await screenshot(page, '100-welcome-demo-choice');
    await page.getByRole('button', { name: 'Explore with demo data' }).click();
    await page.waitForURL(/\/projects\/prj_[A-Za-z0-9]+$/, { timeout: 60_000 });
    const projectId = page.url().match(/\/projects\/(prj_[A-Za-z0-9]+)/)[1];
    await page.getByText(/Demo project ready — \d+ incidents found/).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Demo project (SQL app)' }).waitFor();
    const project = await (await page.request.get(`/api/projects/${projectId}`)).json();
    assert.equal(project.access_source, 'demo_sql');
    assert.equal(project.repairs_enabled, true, 'repairs are on in the SQL demo');

    // Priya paid for Pro; the demo app's row still says free.
    await page.goto(`/projects/${projectId}/incidents`);
    const rows = page.getByRole('table', { name: 'Incidents' }).locator('tbody tr');
    await rows.filter({ hasText: 'priya.raman@example.com' }).getByRole('link', { name: 'Paid without access' }).click();
    await page.getByRole('heading', { name: /Paid without access/, level: 1 }).waitFor();
    const incidentId = page.url().split('/').pop();

    const section = page.getByRole('region', { name: 'Suggested repair' });
    const diff = section.getByRole('table', { name: 'Repair before and after' });
    assert.deepEqual(await diff.getByRole('row', { name: /plan/ }).first().getByRole('cell').allInnerTexts(), ['free', 'pro']);
    assert.deepEqual(await diff.getByRole('row', { name: /is_premium/ }).getByRole('cell').allInnerTexts(), ['false', 'true']);
    await section.getByText('parityrail_demo.profiles', { exact: true }).waitFor();
    await screenshot(page, '101-demo-sql-repair-proposed');

    await section.getByRole('button', { name: 'Approve repair' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Write this change to your database?' });
    const update = await confirm.locator('pre').innerText();
    assert.match(update, /^UPDATE parityrail_demo\.profiles\nSET\n {2}"plan" = 'pro',\n {2}"is_premium" = true\n/, update);
    // The demo's app is SQLite: its writer guards with IS, and the dialog shows what runs.
    assert.match(update, /\n {2}AND "plan" IS 'free'\n {2}AND "is_premium" IS false;$/, update);
    await screenshot(page, '102-demo-sql-approve-confirm');
    await confirm.getByRole('button', { name: 'Approve and write' }).click();

    await section.getByText('Verified after repair', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByText('Resolved', { exact: true }).first().waitFor({ timeout: 10_000 });
    await section.getByText('The statement that ran').click();
    assert.match(await section.locator('details pre').innerText(), /^UPDATE "parityrail_demo"\."profiles" SET "plan" = \?, "is_premium" = \? WHERE "id" = \?/);
    await screenshot(page, '103-demo-sql-verified');

    const inc = await (await page.request.get(`/api/incidents/${incidentId}`)).json();
    assert.equal(inc.status, 'resolved');
    assert.equal(inc.resolution, 'verified after repair');
    assert.equal(inc.proposal.verification, 'held');
    const kinds = inc.timeline.map((e) => e.kind);
    for (const k of ['repair_approved', 'verification']) assert.ok(kinds.includes(k), `ledger has ${k}: ${kinds}`);

    // The wizard shows the SQL app's mapping, read-only.
    await page.goto(`/projects/${projectId}/onboarding/6`);
    await page.getByText('The demo app’s access columns').waitFor();
    await page.getByText(/plan → plan, premium → is_premium/).first().waitFor();
    await screenshot(page, '106-demo-sql-access-step');

    // The same page on a phone.
    await page.goto(`/projects/${projectId}/incidents/${incidentId}`);
    await page.setViewportSize({ width: 360, height: 800 });
    await page.getByRole('region', { name: 'Suggested repair' }).getByText('Verified after repair', { exact: true }).waitFor();
    await screenshot(page, '104-demo-sql-verified-360');
    await page.goto('/welcome');
    await page.getByRole('group', { name: 'The demo app keeps access in' }).waitFor();
    await screenshot(page, '105-welcome-demo-choice-360');

    assert.deepEqual(problems, [], 'no page errors');
  });
});
