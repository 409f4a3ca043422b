// Settings → Grant policy on the demo project: an admin lengthens the
// past-due grace, previews what it would resolve and open (judged from what
// the first check stored, no Stripe call), saves it, and the next check's
// incidents name the new policy version. Also a phone-width glance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOwner, eventually, newPage, OWNER, screenshot, signIn, withApp } from './harness.mjs';

test('an admin previews a longer past-due grace, saves it, and incidents name the new version', { timeout: 150_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    const api = await createOwner(baseURL);
    const { project, check } = await api.request('POST', '/api/projects/demo');
    const base = `/api/projects/${project.id}`;
    await eventually(async () => (await api.request('GET', `${base}/checks/${check.id}`)).status === 'finished', 'the first check finishes', {
      timeoutMs: 60_000,
    });
    const before = await api.request('GET', `${base}/policy`);
    assert.equal(before.policy.past_due_grace_days, 14);
    assert.match(before.version, /^[0-9a-f]{8}$/);
    // What the page must say: the demo's Ava is 20 days past due with Pro
    // still granted, so a 30-day grace resolves her incident.
    const expected = await api.request('POST', `${base}/policy/preview`, { past_due_grace_days: 30 });
    assert.ok(expected.would_resolve >= 1, `a 30-day grace resolves something: ${JSON.stringify(expected)}`);

    const { page, problems } = await newPage(browser, baseURL);
    await signIn(page, OWNER.email, OWNER.password);
    await page.goto(`/projects/${project.id}`);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const form = page.getByRole('form', { name: 'Grant policy' });
    await form.waitFor();
    await page.getByText(`v${before.version}`).first().waitFor();
    const grace = form.getByLabel('Past-due grace (days)');
    assert.equal(await grace.inputValue(), '14');

    // Out of range: the message sits under the field.
    await grace.fill('120');
    await page.getByRole('button', { name: 'Preview' }).click();
    await form.getByText('Enter a whole number of days from 0 to 90.').waitFor();
    assert.equal(await grace.getAttribute('aria-invalid'), 'true');

    await grace.fill('30');
    await page.getByRole('button', { name: 'Preview' }).click();
    const panel = page.getByRole('status', { name: 'Policy preview' });
    const n = expected.would_resolve;
    const m = expected.would_open;
    await panel
      .getByText(`With this policy, ${n} open incident${n === 1 ? '' : 's'} would resolve and ${m} would open.`)
      .waitFor();
    await panel.getByRole('list', { name: 'Would resolve' }).getByText(/ava\.johnson|cus_/).first().waitFor();
    await screenshot(page, '95-policy-preview');

    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText(/^Policy saved — now v[0-9a-f]{8}\. The next check judges under it\.$/).waitFor();
    const after = await api.request('GET', `${base}/policy`);
    assert.equal(after.policy.past_due_grace_days, 30);
    assert.notEqual(after.version, before.version);
    await page.getByText(`v${after.version}`).first().waitFor();

    // The next check judges under it: Ava's incident resolves, every open
    // incident names the new version.
    const resolved = expected.resolve_examples[0].incident_id;
    const next = await api.request('POST', `${base}/checks`, { scope: 'full' });
    await eventually(async () => (await api.request('GET', `${base}/checks/${next.id}`)).status === 'finished', 'the check finishes', {
      timeoutMs: 60_000,
    });
    assert.equal((await api.request('GET', `/api/incidents/${resolved}`)).status, 'resolved');
    const open = await api.request('GET', `${base}/incidents?status=open&limit=1`);
    const incident = await api.request('GET', `/api/incidents/${open.items[0].id}`);
    assert.equal(incident.policy_version, after.version);
    await page.goto(`/projects/${project.id}/incidents/${incident.id}`);
    await page.getByText(`Judged under policy v${after.version}`).waitFor();

    // At 360 px: the section fits, preview included.
    const phone = await newPage(browser, baseURL, { width: 360, height: 740 });
    await signIn(phone.page, OWNER.email, OWNER.password);
    await phone.page.goto(`/projects/${project.id}/settings`);
    const phoneForm = phone.page.getByRole('form', { name: 'Grant policy' });
    await phoneForm.waitFor();
    await phoneForm.getByLabel('Past-due grace (days)').fill('14');
    await phone.page.getByRole('button', { name: 'Preview' }).click();
    await phone.page.getByRole('status', { name: 'Policy preview' }).waitFor();
    await phone.page.getByRole('heading', { name: 'Grant policy' }).scrollIntoViewIfNeeded();
    await screenshot(phone.page, '96-policy-360');
    const widths = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `no horizontal scroll at 360 px: ${widths}`);

    assert.deepEqual(problems, [], 'no page errors');
    assert.deepEqual(phone.problems, [], 'no page errors on the phone');
  });
});
