// A newcomer's first minutes, timed: a fresh binary (the demo world is served
// in-process, no fakes), owner setup, "Explore with demo data", and the
// project dashboard showing every incident kind with the count the demo
// world's own manifest expects.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  eventually,
  launchBrowser,
  missingPrerequisite,
  newPage,
  OWNER,
  repoRoot,
  screenshot,
  screenshotDir,
  startServer,
  submitSetupForm,
  withApp,
} from './harness.mjs';

// kindLabel in frontend/src/components/incident.tsx.
const KIND_LABEL = {
  paid_without_access: 'Paid without access',
  access_without_payment: 'Access without payment',
  wrong_plan: 'Wrong plan',
  trial_mismatch: 'Trial mismatch',
  entitlement_mismatch: 'Entitlement mismatch',
  unmatched_customer: 'Unmatched customer',
  ambiguous_match: 'Ambiguous match',
};

async function loadManifest() {
  const raw = await readFile(path.join(repoRoot, 'demo', 'world', 'manifest.json'), 'utf8');
  const manifest = JSON.parse(raw);
  const expected = [];
  for (const e of manifest.entries) {
    for (const i of e.incidents) expected.push(`${i.kind} ${i.customer_id ?? ''} ${i.subject_id ?? ''}`);
  }
  return { counts: manifest.counts, total: manifest.total, expected: expected.sort() };
}

test('newcomer: fresh binary → owner setup → Explore with demo data → dashboard with every incident kind', { timeout: 180_000 }, async (t) => {
  const skip = missingPrerequisite({ fakes: false });
  if (skip) {
    t.skip(skip);
    return;
  }
  const manifest = await loadManifest();
  assert.deepEqual(Object.keys(manifest.counts).sort(), Object.keys(KIND_LABEL).sort(), 'the manifest covers every kind');
  for (const [kind, n] of Object.entries(manifest.counts)) assert.ok(n > 0, `the manifest expects some ${kind}`);

  // The clock starts when the binary is started, with no other program.
  const started = Date.now();
  const server = await startServer();
  const healthyMs = Date.now() - started;
  let browser;
  try {
    // The browser is the newcomer's own, already open: its start is not timed.
    browser = await launchBrowser();
    const { page, problems } = await newPage(browser, server.baseURL);
    const pathStarted = Date.now();

    await page.goto('/');
    await page.waitForURL('**/setup');
    await submitSetupForm(page, { name: 'Nina Newcomer', email: 'nina@example.com', password: 'correct horse battery staple' });

    // The first-run screen: the demo, or a project of one's own.
    await page.waitForURL('**/welcome');
    await page.getByRole('heading', { name: 'Welcome to ParityRail, Nina' }).waitFor();
    await page.getByRole('link', { name: 'Set up my own project' }).waitFor();
    const setupDoneMs = Date.now() - pathStarted;
    await screenshot(page, '40-first-run-welcome');

    await page.getByRole('button', { name: 'Explore with demo data' }).click();
    // Progress while the first check runs (it may already be done).
    const dialog = page.getByRole('dialog', { name: 'Setting up the demo project' });
    if (await dialog.isVisible().catch(() => false)) {
      await page.screenshot({ path: `${screenshotDir}/41a-demo-progress.png` }).catch(() => {});
    }

    await page.waitForURL(/\/projects\/prj_[A-Za-z0-9]+(\/onboarding)?$/, { timeout: 60_000 });
    const projectId = page.url().match(/\/projects\/(prj_[A-Za-z0-9]+)/)[1];
    await page.getByText(/Demo project ready — \d+ incidents found/).waitFor();
    const landedMs = Date.now() - started;
    const pathMs = Date.now() - pathStarted;
    const timing =
      `newcomer path: binary start → healthy ${healthyMs} ms; browser open → owner set up ${setupDoneMs} ms; ` +
      `→ demo project dashboard ${pathMs} ms; total from binary start ${landedMs} ms`;
    console.log(timing);
    t.diagnostic(timing);
    assert.ok(landedMs < 60_000, `a newcomer sees the demo in under a minute (${landedMs} ms)`);

    // The backend: the project's active incidents are exactly the manifest's.
    const res = await page.request.get(`/api/projects/${projectId}/incidents?status=active&limit=500`);
    assert.equal(res.status(), 200);
    const body = await res.json();
    assert.equal(body.next_cursor ?? '', '', 'all active incidents on one page');
    const counts = Object.fromEntries(Object.keys(KIND_LABEL).map((k) => [k, 0]));
    const got = [];
    for (const i of body.items) {
      counts[i.kind] = (counts[i.kind] ?? 0) + 1;
      // The SQL app's rows are "table#key"; the manifest names the key.
      got.push(`${i.kind} ${i.customer_id ?? ''} ${i.subject?.id?.split('#').pop() ?? ''}`);
    }
    assert.deepEqual(counts, manifest.counts, 'active incidents per kind match the manifest');
    assert.deepEqual(got.sort(), manifest.expected, 'active incidents match the manifest by kind, customer and subject');
    const project = await (await page.request.get(`/api/projects/${projectId}`)).json();
    assert.equal(project.billing_source, 'demo');
    assert.equal(project.onboarded, true);

    // The dashboard's table (the dashboard arrives with its own branch).
    await t.test('the dashboard shows every kind with the manifest count', async () => {
      assert.match(new URL(page.url()).pathname, new RegExp(`^/projects/${projectId}$`), 'lands on the project dashboard');
      const table = page.getByRole('table', { name: 'Open incidents by kind' });
      await table.waitFor({ timeout: 10_000 });
      for (const [kind, label] of Object.entries(KIND_LABEL)) {
        const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: label, exact: true }) });
        assert.equal(await row.count(), 1, `one row for ${label}`);
        const cell = (await row.getByRole('cell').first().innerText()).trim();
        assert.equal(cell, String(manifest.counts[kind]), `${label}: ${manifest.counts[kind]} open`);
      }
      await screenshot(page, '41-demo-dashboard');
    });

    // Marked as demo on the projects list.
    await page.goto('/projects');
    const demoRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Demo project' }) });
    await demoRow.getByText('Demo', { exact: true }).waitFor();
    await screenshot(page, '42-projects-demo-badge');

    // And on the project's own header, with "Reset demo data".
    await page.goto(`/projects/${projectId}/onboarding/2`);
    await page.getByText('Demo data connected').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Demo project' }).waitFor();
    await screenshot(page, '43-demo-onboarding-header');
    await page.getByRole('button', { name: 'Reset demo data' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Reset demo data?' });
    await confirm.waitFor();
    await screenshot(page, '44-reset-demo-confirm');
    await confirm.getByRole('button', { name: 'Reset demo data' }).click();
    await page.getByText('Demo data reset — the fresh check finished').waitFor({ timeout: 60_000 });
    const after = await (await page.request.get(`/api/projects/${projectId}/incidents?status=active&limit=500`)).json();
    assert.equal(after.items.length, manifest.total, 'after reset the fresh check finds the manifest again');
    const checks = await (await page.request.get(`/api/projects/${projectId}/checks`)).json();
    assert.equal(checks.items.length, 2, 'reset ran a second full check');

    // A 390 px phone can take the same path.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/projects');
    await demoRow.getByText('Demo', { exact: true }).waitFor();
    await screenshot(page, '45-projects-demo-badge-390');

    assert.deepEqual(problems, [], 'no page errors');
  } catch (err) {
    err.message += `\n--- server log (tail) ---\n${server.log().slice(-4000)}`;
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
});

test('wizard: Demo data on step 1 → steps 2–3 connected without keys → steps 4–6 pre-filled', { timeout: 180_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    const { page, problems } = await newPage(browser, baseURL);
    await page.goto('/setup');
    await submitSetupForm(page, OWNER);
    await page.waitForURL('**/welcome');
    await page.getByRole('link', { name: 'Set up my own project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Project name').fill('Trying the demo');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/prj_[A-Za-z0-9]+\/onboarding$/);
    const projectId = page.url().match(/\/projects\/(prj_[A-Za-z0-9]+)/)[1];
    const base = `/projects/${projectId}/onboarding`;

    // Step 1: Demo data for billing brings demo access state with it.
    await page.getByRole('group', { name: 'Billing source' }).getByRole('radio', { name: 'Demo data' }).check();
    assert.ok(await page.getByRole('group', { name: 'Access-state source' }).getByRole('radio', { name: 'Demo data' }).isChecked());
    await page.getByText('Demo data covers billing and access state together').waitFor();
    await screenshot(page, '46-stack-demo-data');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    // Steps 2 and 3: connected, no key.
    await page.waitForURL(`**${base}/2`);
    await page.getByText('Demo data connected').waitFor();
    assert.equal(await page.getByLabel('API key').count(), 0, 'no Stripe key field');
    await page.getByRole('heading', { level: 1, name: 'Trying the demo' }).waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`**${base}/3`);
    await page.getByText('Demo data connected').waitFor();
    await screenshot(page, '47-database-demo-connected');
    await page.getByRole('button', { name: 'Continue' }).click();

    // Step 4: matched automatically.
    await page.waitForURL(`**${base}/4`);
    await page.getByText('Matched automatically for Demo data').waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();

    // Step 5: the world's plan rows, ready to save.
    await page.waitForURL(`**${base}/5`);
    const row1 = page.getByRole('group', { name: 'Row 1' });
    await row1.waitFor();
    assert.equal(await row1.getByLabel('Stripe price id').inputValue(), 'price_1QAcmeEnterpriseMonthly');
    assert.equal(await row1.getByLabel('App plan value').inputValue(), 'enterprise');
    await screenshot(page, '48-plans-demo-prefilled');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    // Step 6: the world's access fields, sampled from the demo app.
    await page.waitForURL(`**${base}/6`);
    const users = page.getByRole('group', { name: 'Users' });
    await users.waitFor();
    await eventually(
      async () => (await users.getByRole('combobox', { name: 'Plan' }).inputValue()) === 'public_metadata.plan',
      'the plan field is pre-filled from the demo mapping',
      { timeoutMs: 20_000 },
    );
    await screenshot(page, '49-access-demo-prefilled');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForURL(`**${base}/7`);

    // The project is checkable as it stands: a full check finds the manifest.
    const manifest = await loadManifest();
    const started = await (await page.request.post(`/api/projects/${projectId}/checks`, {
      data: { scope: 'full' },
      headers: { 'X-CSRF-Token': (await page.context().cookies()).find((c) => c.name === 'parityrail_csrf').value },
    })).json();
    await eventually(async () => {
      const c = await (await page.request.get(`/api/projects/${projectId}/checks/${started.id}`)).json();
      return c.status === 'finished';
    }, 'the check finishes', { timeoutMs: 60_000 });
    const incidents = await (await page.request.get(`/api/projects/${projectId}/incidents?status=active&limit=500`)).json();
    assert.equal(incidents.items.length, manifest.total, 'a wizard-made demo project finds the manifest');
    const connections = await (await page.request.get(`/api/projects/${projectId}/connections`)).json();
    assert.deepEqual(connections.items, [], 'a demo project holds no credential');
    assert.deepEqual(problems, [], 'no page errors');
  });
});
