// Every page at 360 px, the narrowest phone people still carry: the demo
// project's dashboard, incidents (one of each kind), a customer, checks, a
// check, settings, team, API keys and every wizard step. None may scroll
// sideways (document.documentElement.scrollWidth <= innerWidth), and on the
// wizard the step rail is folded into its counter so the step starts near
// the top. Screenshots of the wizard and a customer at 360 and 1280 px.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOwner, eventually, newPage, OWNER, screenshot, signIn, withApp } from './harness.mjs';

/**
 * How far the page is wider than the window, and the elements sticking out
 * past its right edge (outside a box that scrolls sideways on purpose).
 */
async function overflow(page) {
  return page.evaluate(() => {
    const w = window.innerWidth;
    const extra = document.documentElement.scrollWidth - w;
    if (extra <= 0) return null;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > w + 1 && !el.closest('.overflow-x-auto'))
      .slice(-4)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).slice(0, 70)} "${(el.textContent ?? '').slice(0, 40)}"`);
    return `${document.documentElement.scrollWidth} px wide at ${w}: ${culprits.join(' | ')}`;
  });
}

test('every page at 360 px: no sideways scroll; the wizard shows its step counter', { timeout: 300_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    // The owner, a demo project with its first check done, a teammate with a
    // long address, a pending invite and an API key: every list has rows.
    const api = await createOwner(baseURL);
    const demo = await api.request('POST', '/api/projects/demo');
    const projectId = demo.project.id;
    await eventually(
      async () => (await api.request('GET', `/api/projects/${projectId}/checks/${demo.check.id}`)).status !== 'running',
      'the demo check ends',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await api.request('POST', '/api/team/invites', { email: 'a.very.long.address.for.a.phone@subdomain.example.com', role: 'member' });
    await api.request('POST', '/api/api-keys', { name: 'CI pipeline on the build server', capability: 'read', project_id: projectId });

    const incidents = (await api.request('GET', `/api/projects/${projectId}/incidents?status=active&limit=500`)).items;
    const oneOfEachKind = [...new Map(incidents.map((i) => [i.kind, i])).values()];
    assert.ok(oneOfEachKind.length >= 5, `the demo has incidents of most kinds (${oneOfEachKind.length})`);
    const customerId = incidents.find((i) => i.kind === 'paid_without_access' && i.customer_id)?.customer_id;
    assert.ok(customerId, 'a demo customer paid without access');
    const checkId = (await api.request('GET', `/api/projects/${projectId}/checks`)).items[0].id;
    const project = `/projects/${projectId}`;
    // The demo's SQL app too: its app rows carry long table#id keys.
    const sqlDemo = await api.request('POST', '/api/projects/demo', { app: 'sql' });
    await eventually(
      async () => (await api.request('GET', `/api/projects/${sqlDemo.project.id}/checks/${sqlDemo.check.id}`)).status !== 'running',
      'the SQL demo check ends',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const sqlIncident = (await api.request('GET', `/api/projects/${sqlDemo.project.id}/incidents?status=active&limit=500`)).items.find(
      (i) => i.kind === 'paid_without_access' && i.customer_id,
    );
    assert.ok(sqlIncident, 'a SQL demo customer paid without access');
    const sqlProject = `/projects/${sqlDemo.project.id}`;

    const phone = await newPage(browser, baseURL, { width: 360, height: 740 });
    await signIn(phone.page, OWNER.email, OWNER.password);

    // Each page, and something on it that shows it has loaded.
    const pages = [
      ['projects', '/projects', (p) => p.getByRole('link', { name: 'Demo project' }).first()],
      ['dashboard', project, (p) => p.getByRole('table', { name: 'Open incidents by kind' })],
      ['incidents', `${project}/incidents`, (p) => p.getByRole('link', { name: /.+/ }).filter({ hasText: /without|plan|trial|match/i }).first()],
      ...oneOfEachKind.map((i) => [`incident ${i.kind}`, `${project}/incidents/${i.id}`, (p) => p.getByRole('region', { name: 'Evidence' })]),
      ['customer', `${project}/customers/${customerId}`, (p) => p.getByText(/Hash chain (intact|broken)/)],
      ['SQL demo incident', `${sqlProject}/incidents/${sqlIncident.id}`, (p) => p.getByRole('region', { name: 'Evidence' })],
      ['SQL demo customer', `${sqlProject}/customers/${sqlIncident.customer_id}`, (p) => p.getByText(/Hash chain (intact|broken)/)],
      ['checks', `${project}/checks`, (p) => p.getByRole('table', { name: 'Check history' })],
      ['check', `${project}/checks/${checkId}`, (p) => p.getByRole('region', { name: 'Opened by this check' })],
      ['settings', `${project}/settings`, (p) => p.getByRole('heading', { level: 2 }).first()],
      ['team', '/settings/team', (p) => p.getByText('a.very.long.address.for.a.phone@subdomain.example.com')],
      ['api keys', '/settings/api-keys', (p) => p.getByText('CI pipeline on the build server')],
      ['account', '/settings/account', (p) => p.getByRole('heading', { level: 1 })],
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => [`wizard step ${n}`, `${project}/onboarding/${n}`, (p) => p.locator('#step-title')]),
    ];

    const wide = [];
    const low = [];
    for (const [name, url, loaded] of pages) {
      await phone.page.goto(url);
      await loaded(phone.page).waitFor();
      // Late content (polls, lazy sections) settles before measuring.
      await phone.page.waitForTimeout(300);
      const o = await overflow(phone.page);
      if (o) wide.push(`${name} (${url}): ${o}`);
      if (process.env.PHONE_SHOTS) await screenshot(phone.page, `phone-all-${name.replace(/\W+/g, '-')}`);

      if (name.startsWith('wizard')) {
        const n = name.split(' ').pop();
        const counter = phone.page.getByTestId('step-counter');
        assert.ok(await counter.isVisible(), `${name}: the step counter shows at 360 px`);
        assert.match(await counter.innerText(), new RegExp(`^Step ${n} of 8 · \\S`), `${name}: the counter names the step`);
        assert.equal(
          await phone.page.getByRole('navigation', { name: 'Onboarding steps' }).count(),
          0,
          `${name}: the long rail is folded away`,
        );
        // The step's own content begins on the first screen, not below eight steps and their hints.
        const top = await phone.page.locator('#step-title').evaluate((el) => el.getBoundingClientRect().top);
        if (top > 740 * 0.75) low.push(`${name}: the step title starts ${top} px down`);
      }
    }
    assert.deepEqual(wide, [], 'no page scrolls sideways at 360 px');
    assert.deepEqual(low, [], 'each wizard step starts on the first screen of a 360 × 740 phone');

    // The counter opens the whole rail and takes you to another step.
    await phone.page.goto(`${project}/onboarding/3`);
    await phone.page.getByTestId('step-counter').click();
    const rail = phone.page.getByRole('navigation', { name: 'Onboarding steps' });
    await rail.waitFor();
    await screenshot(phone.page, 'phone-wizard-rail-open-360');
    await rail.getByRole('link', { name: /Access mapping/ }).click();
    await phone.page.waitForURL(`**${project}/onboarding/6`);
    assert.match(await phone.page.getByTestId('step-counter').innerText(), /^Step 6 of 8 · Access mapping/);
    assert.equal(await rail.count(), 0, 'the rail folds again after following a link');

    // Pictures to look at: the wizard and a customer, phone and desktop.
    await phone.page.goto(`${project}/onboarding/3`);
    await phone.page.locator('#step-title').waitFor();
    await screenshot(phone.page, 'phone-wizard-step3-360');
    await phone.page.goto(`${project}/customers/${customerId}`);
    await phone.page.getByText(/Hash chain (intact|broken)/).waitFor();
    await screenshot(phone.page, 'phone-customer-360');
    assert.deepEqual(phone.problems, [], 'no page errors at 360 px');
    await phone.context.close();

    const desk = await newPage(browser, baseURL, { width: 1280, height: 860 });
    await signIn(desk.page, OWNER.email, OWNER.password);
    await desk.page.goto(`${project}/onboarding/3`);
    const deskRail = desk.page.getByRole('navigation', { name: 'Onboarding steps' });
    await deskRail.waitFor();
    assert.ok(!(await desk.page.getByTestId('step-counter').isVisible()), 'at 1280 px the full rail shows, not the counter');
    await screenshot(desk.page, 'phone-wizard-step3-1280');
    await desk.page.goto(`${project}/customers/${customerId}`);
    await desk.page.getByText(/Hash chain (intact|broken)/).waitFor();
    await screenshot(desk.page, 'phone-customer-1280');
    assert.deepEqual(desk.problems, [], 'no page errors at 1280 px');
    await desk.context.close();
  });
});
