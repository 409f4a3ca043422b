// Proves the browser helper on its own: Debian's Chromium starts with the
// harness's flags and renders a page, without the app. The same skip/require
// rule applies (PARITYRAIL_REQUIRE_E2E=1 turns a missing Chromium into a failure).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHROMIUM_ARGS, findChromium, freePort, launchBrowser } from './harness.mjs';

test('Chromium starts headless with the harness flags and renders a page', { timeout: 60_000 }, async (t) => {
  if (!findChromium()) {
    const reason = 'Chromium not found at /usr/bin/chromium (apt-get install -y chromium)';
    if (process.env.PARITYRAIL_REQUIRE_E2E === '1') throw new Error(reason + ' — PARITYRAIL_REQUIRE_E2E=1');
    t.skip(reason);
    return;
  }
  assert.ok(CHROMIUM_ARGS.includes('--no-sandbox') && CHROMIUM_ARGS.includes('--disable-gpu'));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent('<main><h1>Hello rail</h1><button type="button">Press</button></main>');
    assert.equal(await page.getByRole('heading', { name: 'Hello rail' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Press' }).count(), 1);
  } finally {
    await browser.close();
  }
});

test('freePort hands out a port that can be listened on', async () => {
  const port = await freePort();
  assert.ok(Number.isInteger(port) && port > 0 && port < 65536);
});
