// Team: the owner invites a member in the UI; the member accepts the link in
// a second browser context and sees no admin-only actions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOwner, newPage, OWNER, screenshot, signIn, withApp } from './harness.mjs';

test('an invited member accepts the link and sees no admin-only actions', { timeout: 180_000 }, async (t) => {
  await withApp(t, async ({ browser, baseURL }) => {
    const ownerApi = await createOwner(baseURL);
    const project = await ownerApi.request('POST', '/api/projects', { name: 'Acme' });

    // The owner signs in and invites a member from Team settings.
    const owner = await newPage(browser, baseURL);
    await signIn(owner.page, OWNER.email, OWNER.password);
    await owner.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
    await owner.page.waitForURL('**/settings/team');
    await owner.page.getByRole('heading', { name: 'Invite a teammate' }).waitFor();
    await owner.page.getByRole('heading', { name: 'No pending invites' }).waitFor();

    await owner.page.getByLabel('Email').fill('mia@example.com');
    // The role picker defaults to Member; open it and choose explicitly.
    await owner.page.getByRole('combobox', { name: 'Role' }).click();
    await owner.page.getByRole('option', { name: 'Member' }).click();
    await owner.page.getByRole('button', { name: 'Create invite link' }).click();
    const link = owner.page.getByRole('textbox', { name: 'Invite link' });
    await link.waitFor();
    const url = await link.inputValue();
    assert.match(url, new RegExp(`^${baseURL}/invite/.+`), `invite url is on this server: ${url}`);
    await owner.page.getByText(/shown only once and is valid for 7 days/).waitFor();
    await owner.page.getByRole('row').filter({ hasText: 'mia@example.com' }).getByRole('button', { name: 'Revoke invite for mia@example.com' }).waitFor();
    await screenshot(owner.page, '20-team-owner-invite');

    // The member opens the link in a separate browser context.
    const member = await newPage(browser, baseURL);
    await member.page.goto(url);
    await member.page.getByRole('heading', { name: 'Join ParityRail' }).waitFor();
    await member.page.getByRole('definition').filter({ hasText: 'mia@example.com' }).waitFor();
    assert.match(await member.page.locator('main').innerText(), /member/i);
    await screenshot(member.page, '21-invite-accept');
    await member.page.getByLabel('Your name').fill('Mia Member');
    await member.page.getByLabel('Password').fill('another long passphrase');
    await member.page.getByRole('button', { name: 'Accept invite' }).click();
    await member.page.waitForURL('**/projects');

    // Projects: visible, but no "New project".
    const banner = member.page.getByRole('banner');
    await banner.getByText('Mia Member').waitFor();
    await member.page.getByRole('link', { name: 'Acme' }).waitFor();
    assert.equal(await member.page.getByRole('button', { name: 'New project' }).count(), 0, 'no New project button');
    assert.equal(await member.page.getByRole('button', { name: /create your first project/i }).count(), 0);
    await screenshot(member.page, '22-member-projects');

    // Onboarding step 1: read-only, no save.
    await member.page.getByRole('link', { name: 'Acme' }).click();
    await member.page.waitForURL(`**/projects/${project.id}/onboarding`);
    await member.page.getByRole('navigation', { name: 'Onboarding steps' }).waitFor();
    await member.page.getByText('Only an admin can change them').waitFor();
    assert.equal(await member.page.getByRole('button', { name: 'Save and continue' }).count(), 0, 'no step-1 save');
    assert.ok(await member.page.getByLabel('Project name').isDisabled(), 'project name is read-only');
    await screenshot(member.page, '23-member-onboarding');

    // Team: the list only.
    await member.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
    await member.page.waitForURL('**/settings/team');
    await member.page.getByRole('cell', { name: 'mia@example.com' }).waitFor();
    await member.page.getByRole('cell', { name: 'owner@example.com' }).waitFor();
    assert.equal(await member.page.getByRole('heading', { name: 'Invite a teammate' }).count(), 0, 'no invite form');
    assert.equal(await member.page.getByRole('button', { name: 'Create invite link' }).count(), 0);
    assert.equal(await member.page.getByRole('button', { name: /^Remove/ }).count(), 0, 'no remove buttons');
    assert.equal(await member.page.getByRole('combobox').count(), 0, 'no role pickers');
    assert.equal(await member.page.getByRole('heading', { name: 'Pending invites' }).count(), 0);
    await screenshot(member.page, '24-member-team');

    // Back at the owner: the member is listed, the invite is gone, and the
    // owner can promote them.
    await owner.page.reload();
    const miaRow = owner.page.getByRole('row').filter({ hasText: 'mia@example.com' });
    await miaRow.getByRole('combobox', { name: 'Role for Mia Member' }).click();
    await owner.page.getByRole('option', { name: 'Admin' }).click();
    await owner.page.getByText('Mia Member is now an admin').waitFor();
    await owner.page.getByRole('heading', { name: 'No pending invites' }).waitFor();
    assert.equal(await owner.page.getByRole('combobox', { name: /Role for Olivia/ }).count(), 0, 'owner cannot change own role');
    assert.equal(await owner.page.getByRole('button', { name: 'Remove Olivia Owner' }).count(), 0);
    await screenshot(owner.page, '25-team-owner-after');

    // Remove asks first, in a dialog.
    await miaRow.getByRole('button', { name: 'Remove Mia Member' }).click();
    const confirm = owner.page.getByRole('alertdialog', { name: 'Remove Mia Member?' });
    await confirm.waitFor();
    await screenshot(owner.page, '26-team-remove-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal(await miaRow.count(), 1, 'cancel keeps the member');

    assert.deepEqual(owner.problems, [], 'no page errors (owner)');
    assert.deepEqual(member.problems, [], 'no page errors (member)');
  });
});
