// Notifications in the real binary: on the demo project an admin adds a
// Slack channel pointing at a local receiver, sends a test ("Delivered"),
// sees a broken channel say why, previews the weekly digest and sends it:
// the outbox worker delivers it to the receiver. Step 8 shows the channels.
// Screenshots at 1280 and 360 px.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { createOwner, eventually, newPage, OWNER, screenshot, signIn, withApp } from './harness.mjs';

function slackReceiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/gone') {
        res.writeHead(404).end('no_service');
        return;
      }
      got.push(JSON.parse(body));
      res.writeHead(200).end('ok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ got, server, url: `http://127.0.0.1:${server.address().port}` })));
}

test('an admin wires Slack, tests it, and the digest arrives', { timeout: 180_000 }, async (t) => {
  const slack = await slackReceiver();
  t.after(() => slack.server.close());
  await withApp(t, async ({ browser, baseURL }) => {
    const api = await createOwner(baseURL);
    const { project } = await api.request('POST', '/api/projects/demo');

    const { page, problems } = await newPage(browser, baseURL);
    await signIn(page, OWNER.email, OWNER.password);
    await page.goto(`/projects/${project.id}`);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByText('No channels yet').waitFor();

    // A plain-http URL on another host is refused under the URL field.
    await page.getByLabel('Name').fill('#billing-alerts');
    await page.getByLabel('Webhook URL').fill('http://hooks.example.com/services/x');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.getByText('use https://').waitFor();
    assert.equal(await page.getByLabel('Webhook URL').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Webhook URL').fill(`${slack.url}/services/T01/B02/abcdefx7Qa`);
    await page.getByRole('button', { name: 'Add channel' }).click();
    const row = page.getByRole('list', { name: 'Notification channels' }).getByRole('listitem').filter({ hasText: '#billing-alerts' });
    await row.getByText('127.0.0.1').waitFor();
    assert.equal(await page.getByText('abcdefx7Qa').count(), 0, 'the URL is shown only masked');
    await row.getByRole('button', { name: 'Send test' }).click();
    await row.getByText('Delivered (200)').waitFor();
    assert.equal(slack.got.length, 1);
    assert.match(slack.got[0].text, /Test notification from ParityRail/);

    // A channel whose webhook was deleted says so, with what to do.
    await page.getByLabel('Name').fill('#old');
    await page.getByLabel('Webhook URL').fill(`${slack.url}/gone`);
    await page.getByRole('button', { name: 'Add channel' }).click();
    const old = page.getByRole('listitem').filter({ hasText: '#old' });
    await old.getByRole('button', { name: 'Send test' }).click();
    await old.getByText(/Not delivered \(404\): Slack says "no_service"/).waitFor();
    await old.getByText('Failing', { exact: true }).waitFor();

    // The digest as the email will look, then sent through the outbox.
    const preview = page.frameLocator('iframe[title="Weekly digest preview"]');
    await preview.getByText('Open incidents:').waitFor();
    await screenshot(page, '90-notifications-1280');
    await page.locator('iframe[title="Weekly digest preview"]').screenshot({ path: 'e2e/screenshots/93-digest-email.png' });
    const queued = Date.now();
    await page.getByRole('button', { name: 'Send now' }).click();
    await page.getByText(/Digest queued for 2 channels/).waitFor();
    await eventually(() => slack.got.some((m) => /Weekly digest of/.test(m.text)), 'the digest reached Slack', { timeoutMs: 15_000, intervalMs: 10 });
    console.log(`digest: queued → received by the Slack receiver in ${Date.now() - queued} ms`);
    await page.getByRole('cell', { name: 'Weekly digest' }).first().waitFor({ timeout: 15_000 });

    // A demo incident fixed in the demo's Clerk, then the demo reset: the
    // fresh check finds it broken again — one new incident — and Slack hears.
    const open = await api.request('GET', `/api/projects/${project.id}/incidents?kind=paid_without_access&status=open`);
    let target;
    for (const i of open.items) {
      const d = await api.request('GET', `/api/incidents/${i.id}`);
      if (d.guided_fix) {
        target = d;
        break;
      }
    }
    assert.ok(target, 'a demo incident with a guided fix');
    await page.goto(`/projects/${project.id}/incidents/${target.id}`);
    await page.getByRole('button', { name: 'Apply this change in the demo' }).click();
    await page.getByRole('button', { name: 'Applied in the demo' }).waitFor();
    await page.getByRole('button', { name: 'Re-run check' }).last().click();
    await page.getByText('Held — verified after guided fix').first().waitFor({ timeout: 20_000 });
    await screenshot(page, '95-demo-fix-verified');
    const before = slack.got.length;
    const reset = await api.request('POST', `/api/projects/${project.id}/demo/reset`);
    let ended;
    await eventually(async () => {
      const c = await api.request('GET', `/api/projects/${project.id}/checks/${reset.check.id}`);
      if (c.status !== 'running' && !ended) ended = Date.now();
      return c.status === 'finished';
    }, 'the reset check finished', { timeoutMs: 30_000, intervalMs: 20 });
    await eventually(() => slack.got.slice(before).some((m) => /1 new access incident in Demo project/.test(m.text)), 'the new incident reached Slack', {
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    console.log(`new incident: check end → Slack receipt in ${Date.now() - ended} ms (≤ the outbox poll of 1 s + sending)`);

    // The reset check's page: who started it, its counts, and the incident
    // it opened (linked).
    await page.goto(`/projects/${project.id}/checks`);
    await page.locator(`[data-check-id="${reset.check.id}"]`).getByRole('link').first().click();
    await page.waitForURL(`**/checks/${reset.check.id}`);
    const openedByCheck = page.getByRole('region', { name: 'Opened by this check' });
    await openedByCheck.getByRole('link', { name: 'Paid without access' }).waitFor();
    await page.getByText('Stripe requests').waitFor();
    await screenshot(page, '96-check-page');

    // Step 8 lists the same channels.
    await page.goto(`/projects/${project.id}/onboarding/8`);
    await page.getByRole('heading', { name: 'Notification channels' }).waitFor();
    await page.getByText('#billing-alerts').waitFor();
    await screenshot(page, '91-step8-channels');

    // A Stripe project's settings show its request budget, editable.
    const acme = await api.request('POST', '/api/projects', { name: 'Acme' });
    await api.request('PUT', `/api/projects/${acme.id}/stack`, { name: 'Acme', billing_source: 'stripe', access_source: 'clerk' });
    await page.goto(`/projects/${acme.id}/settings`);
    await page.getByText('25 requests/s').waitFor();
    await page.getByText('— the default for a test key').waitFor();
    await page.getByLabel('Requests per second').fill('10');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.getByText('— set for this project (default 25/s)').waitFor();
    await page.getByRole('heading', { name: 'Stripe request budget' }).scrollIntoViewIfNeeded();
    await screenshot(page, '94-stripe-budget');

    const phone = await newPage(browser, baseURL, { width: 360, height: 740 });
    await signIn(phone.page, OWNER.email, OWNER.password);
    await phone.page.goto(`/projects/${project.id}/checks/${reset.check.id}`);
    await phone.page.getByRole('region', { name: 'Opened by this check' }).getByRole('link').first().waitFor();
    const checkWidths = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(checkWidths[0] <= checkWidths[1], `check page: no horizontal scroll at 360 px: ${checkWidths}`);
    await screenshot(phone.page, '97-check-page-360');
    await phone.page.goto(`/projects/${project.id}/settings`);
    await phone.page.getByRole('listitem').filter({ hasText: '#billing-alerts' }).waitFor();
    await screenshot(phone.page, '92-notifications-360');
    const widths = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `no horizontal scroll at 360 px: ${widths}`);

    assert.deepEqual(problems, [], 'no page errors');
    assert.deepEqual(phone.problems, [], 'no page errors on the phone');
  });
});
