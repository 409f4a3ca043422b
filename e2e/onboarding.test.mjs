// First run in a real browser: create the owner, create a project, see the
// eight-step onboarding rail, save step 1 and see it done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, newPage, OWNER, screenshot, submitSetupForm, withApp } from './harness.mjs';

const STEP_TITLES = [
  'Stack',
  'Stripe',
  'Database',
  'Identity mapping',
  'Plan mapping',
  'Access mapping',
  'Dry run',
  'Go live',
];

test('first-run setup → projects → new project → 8-step onboarding rail → step 1 saved', { timeout: 120_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    const { page, problems } = await newPage(browser, baseURL);

    // A fresh workspace sends every path to the owner setup.
    await page.goto('/projects');
    await page.waitForURL('**/setup');
    await page.getByRole('heading', { name: 'Create the owner account' }).waitFor();
    await screenshot(page, '01-setup');

    await submitSetupForm(page, OWNER);

    // The first-run screen offers the demo or a project of one's own.
    await page.waitForURL('**/welcome');
    await page.getByRole('button', { name: 'Explore with demo data' }).waitFor();
    await page.getByRole('link', { name: 'Set up my own project' }).click();
    await page.waitForURL('**/projects?new=1');
    // …which opens the new-project dialog; closed here to look at the empty list first.
    await page.getByRole('dialog', { name: 'New project' }).waitFor();
    await page.keyboard.press('Escape');
    await page.waitForURL(/\/projects$/);
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    const banner = page.getByRole('banner');
    await banner.getByText('Olivia Owner').waitFor();
    assert.match(await banner.innerText(), /owner@example\.com/);
    await banner.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByRole('heading', { name: 'No projects yet' }).waitFor();
    await screenshot(page, '02-projects-empty');

    // Create a project from the dialog.
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Project name').fill('Acme');
    await screenshot(page, '03-new-project-dialog');
    await dialog.getByRole('button', { name: 'Create project' }).click();

    await page.waitForURL(/\/projects\/[^/]+\/onboarding$/);
    const projectId = page.url().split('/projects/')[1].split('/')[0];
    assert.ok(projectId, 'project id in the URL');

    // The rail: exactly eight steps, in order, step 1 current.
    const rail = page.getByRole('navigation', { name: 'Onboarding steps' });
    await rail.waitFor();
    const items = rail.getByRole('listitem');
    assert.equal(await items.count(), 8, 'the rail has eight steps');
    for (let i = 0; i < 8; i++) {
      const text = await items.nth(i).innerText();
      assert.ok(text.includes(STEP_TITLES[i]), `step ${i + 1} is "${STEP_TITLES[i]}", got: ${text}`);
      assert.ok(text.includes(String(i + 1)), `step ${i + 1} shows its number`);
    }
    const current = rail.locator('[aria-current="step"]');
    assert.equal(await current.count(), 1, 'exactly one current step');
    assert.match(await current.innerText(), /Stack/);
    assert.equal(await items.nth(0).getAttribute('data-state'), 'current');
    assert.equal(await items.nth(1).getAttribute('data-state'), 'todo');
    // The state is spelled out for screen readers, and the server's hint shows.
    assert.match(await items.nth(0).textContent(), /\(current step\)/);
    assert.match(await items.nth(1).textContent(), /\(to do\)/);
    assert.match(await items.nth(0).innerText(), /Name it and pick your sources\./);
    await page.getByRole('heading', { name: 'Stack', level: 2 }).waitFor();
    await screenshot(page, '04-onboarding-step1');

    // Fill step 1.
    const name = page.getByLabel('Project name');
    assert.equal(await name.inputValue(), 'Acme');
    await name.fill('Acme production');
    // Demo data goes with demo data on both sides: Clerk access puts billing back on Stripe.
    await page.getByRole('group', { name: 'Billing source' }).getByRole('radio', { name: 'Demo data' }).check();
    assert.ok(await page.getByRole('group', { name: 'Access-state source' }).getByRole('radio', { name: 'Demo data' }).isChecked());
    await page.getByRole('group', { name: 'Access-state source' }).getByRole('radio', { name: 'Clerk' }).check();
    assert.ok(await page.getByRole('group', { name: 'Billing source' }).getByRole('radio', { name: 'Stripe' }).isChecked());
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await page.waitForURL(`**/projects/${projectId}/onboarding/2`);
    await page.getByText('Stack saved').waitFor();
    await eventually(
      async () => (await items.nth(0).getAttribute('data-state')) === 'done',
      'step 1 shows done after saving',
    );
    assert.match(await items.nth(0).textContent(), /\(done\)/);
    assert.equal(await items.nth(0).getByTestId('step-done-icon').count(), 1, 'done step shows a check icon');
    assert.match(await rail.locator('[aria-current="step"]').innerText(), /Stripe/);
    // Clerk projects get the server's "Matched automatically." hint on step 4.
    assert.match(await items.nth(3).innerText(), /Matched automatically\./);
    await page.getByRole('heading', { name: 'Stripe', level: 2 }).waitFor();
    await page.getByRole('heading', { name: 'Restricted API key' }).waitFor();
    await page.getByRole('heading', { name: 'Acme production', level: 1 }).waitFor();
    await screenshot(page, '05-onboarding-step2');

    // Going back to step 1 shows the saved choices.
    await items.nth(0).getByRole('link').click();
    await page.waitForURL(`**/projects/${projectId}/onboarding/1`);
    assert.equal(await page.getByLabel('Project name').inputValue(), 'Acme production');
    assert.ok(await page.getByRole('group', { name: 'Access-state source' }).getByRole('radio', { name: 'Clerk' }).isChecked());

    // The projects list shows progress and sources.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
    await page.waitForURL('**/projects');
    const row = page.getByRole('row').filter({ hasText: 'Acme production' });
    await row.waitFor();
    assert.match(await row.innerText(), /Step 2 of 8/);
    assert.match(await row.innerText(), /Stripe → Clerk/);
    await screenshot(page, '06-projects-list');

    // A phone-sized glance at the wizard.
    const phone = await newPage(browser, baseURL, { width: 390, height: 844 });
    await phone.context.addCookies(await page.context().cookies());
    await phone.page.goto(`/projects/${projectId}/onboarding`);
    // On a phone the rail folds into its counter, above the step.
    assert.match(await phone.page.getByTestId('step-counter').innerText(), /^Step 2 of 8 · Stripe$/);
    await screenshot(phone.page, '07-onboarding-phone');
    await phone.context.close();

    // Sign out returns to the sign-in page.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.goto('/projects');
    await page.waitForURL(/\/login\?next=%2Fprojects$/);

    assert.deepEqual(problems, [], 'no page errors');
  });
});
