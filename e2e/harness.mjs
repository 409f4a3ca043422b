// Browser-test harness: finds Debian's Chromium, starts the real ParityRail
// binary on a free port with a fresh data directory, and drives Chromium with
// playwright-core. Tests run with `node --test e2e/`.
//
// Tests that need Stripe or Clerk start bin/fakeapis first (the test-only
// tool serving both fakes over HTTP with a JSON control API) and hand its API
// bases to the binary.
//
// Environment:
//   PARITYRAIL_BIN          the binary to test (default ./parityrail at the repo root)
//   PARITYRAIL_FAKEAPIS_BIN the fakes tool (default ./bin/fakeapis; `go build -o bin/fakeapis ./demo/cmd/fakeapis`)
//   PARITYRAIL_CHROMIUM     a Chromium to use instead of /usr/bin/chromium
//   PARITYRAIL_REQUIRE_E2E  1 = a missing Chromium or binary fails the run instead of skipping
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const screenshotDir = path.join(repoRoot, 'e2e', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const required = () => process.env.PARITYRAIL_REQUIRE_E2E === '1';

export function findChromium() {
  const candidates = [
    process.env.PARITYRAIL_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ].filter(Boolean);
  return candidates.find((p) => existsSync(p)) ?? null;
}

export function binaryPath() {
  return path.resolve(repoRoot, process.env.PARITYRAIL_BIN || './parityrail');
}

export function fakeApisPath() {
  return path.resolve(repoRoot, process.env.PARITYRAIL_FAKEAPIS_BIN || './bin/fakeapis');
}

/**
 * Returns a reason to skip, or null when the suite can run. Under
 * PARITYRAIL_REQUIRE_E2E=1 a missing piece throws, so CI fails instead.
 */
export function missingPrerequisite({ fakes = false } = {}) {
  const problems = [];
  if (!findChromium()) {
    problems.push('Chromium not found at /usr/bin/chromium (apt-get install -y chromium, or set PARITYRAIL_CHROMIUM)');
  }
  const bin = binaryPath();
  if (!existsSync(bin)) {
    problems.push(`ParityRail binary not found at ${bin} (run \`make build\`, or set PARITYRAIL_BIN)`);
  }
  if (fakes && !existsSync(fakeApisPath())) {
    problems.push(
      `fakeapis not found at ${fakeApisPath()} (run \`go build -o bin/fakeapis ./demo/cmd/fakeapis\`, or set PARITYRAIL_FAKEAPIS_BIN)`,
    );
  }
  if (problems.length === 0) return null;
  const reason = 'browser tests skipped: ' + problems.join('; ');
  if (required()) throw new Error(reason.replace('skipped', 'cannot run') + ' — PARITYRAIL_REQUIRE_E2E=1');
  return reason;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a child process's exit: exited() is how it ended (null while it
 * runs); stop(graceMs) asks it to end (SIGTERM), kills it if it has not
 * within graceMs, and resolves to how it ended.
 */
function watchExit(child) {
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  return {
    exited: () => exited,
    async stop(graceMs) {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exitPromise;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/**
 * Starts the binary on a free loopback port with a fresh data directory and
 * waits for GET /api/health. Call stop() when done (SIGTERM, then SIGKILL
 * after 10 s); it also removes the data directory.
 */
export async function startServer({ timeoutMs = 20_000, env = {} } = {}) {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parityrail-e2e-'));
  const bin = binaryPath();
  const child = spawn(bin, [], {
    cwd: dataDir,
    env: {
      ...process.env,
      PARITYRAIL_ADDR: `127.0.0.1:${port}`,
      PARITYRAIL_BASE_URL: baseURL,
      PARITYRAIL_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk) => {
    log += chunk.toString();
    if (log.length > 64_000) log = log.slice(-64_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exit = watchExit(child);

  const deadline = Date.now() + timeoutMs;
  let ready = false;
  while (Date.now() < deadline) {
    if (exit.exited()) break;
    try {
      const res = await fetch(`${baseURL}/api/health`);
      if (res.ok) {
        ready = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  if (!ready) {
    const exited = exit.exited();
    if (!exited) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(
      `ParityRail did not become healthy at ${baseURL} within ${timeoutMs} ms` +
        (exited ? ` (it exited: ${JSON.stringify(exited)})` : '') +
        `\n--- server log ---\n${log}`,
    );
  }

  async function stop() {
    const exited = await exit.stop(10_000);
    await rm(dataDir, { recursive: true, force: true });
    return exited;
  }

  return { baseURL, port, dataDir, stop, log: () => log, process: child };
}

export async function launchBrowser() {
  const executablePath = findChromium();
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A fresh browser context (its own cookies) with the app's base URL. */
export async function newPage(browser, baseURL, { width = 1280, height = 860 } = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width, height } });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  return { context, page, problems };
}

export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  // Let toasts and transitions settle so the picture shows the page at rest.
  await page.waitForTimeout(250);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A cookie-keeping JSON client for setting up state through the API
 * (owner creation, invites) the way the browser would: it picks up the
 * CSRF cookie and sends it back as X-CSRF-Token on writes.
 */
export class ApiSession {
  constructor(baseURL) {
    this.baseURL = baseURL;
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  remember(res) {
    for (const line of res.headers.getSetCookie?.() ?? []) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method, urlPath, body) {
    if (method !== 'GET' && !this.cookies.has('parityrail_csrf')) {
      this.remember(await fetch(this.baseURL + '/api/health', { headers: { Cookie: this.cookieHeader() } }));
    }
    const headers = { Accept: 'application/json', Cookie: this.cookieHeader() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') headers['X-CSRF-Token'] = decodeURIComponent(this.cookies.get('parityrail_csrf') ?? '');
    const res = await fetch(this.baseURL + urlPath, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    this.remember(res);
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const err = new Error(`${method} ${urlPath} → ${res.status}: ${text}`);
      err.status = res.status;
      err.body = data;
      throw err;
    }
    return data;
  }
}

/**
 * Starts bin/fakeapis on a free loopback port and reads the one JSON line it
 * prints ({stripe_api_base, clerk_api_base, control}). The returned object
 * has env (for startServer), control(method, path, body) for its control API,
 * assertReadOnly('stripe' | 'clerk') and stop().
 */
export async function startFakeApis({ timeoutMs = 15_000 } = {}) {
  const child = spawn(fakeApisPath(), ['-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk.toString();
    if (log.length > 16_000) log = log.slice(-16_000);
  });
  const exit = watchExit(child);
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fakeapis printed no address within ${timeoutMs} ms\n${log}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)));
      } catch (err) {
        reject(new Error(`fakeapis printed something that is not JSON: ${out.slice(0, nl)} (${err.message})`));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fakeapis exited with ${code} before printing its address\n${log}`));
    });
  });

  /** Asserts that ParityRail read from the fake ('stripe' or 'clerk') and never wrote to it. */
  async function assertReadOnly(api) {
    const name = api === 'stripe' ? 'Stripe' : 'Clerk';
    const { requests, violations } = await control('GET', `/${api}/requests`);
    assert.ok(requests.length > 0, `ParityRail talked to the ${name} fake`);
    assert.deepEqual(violations ?? [], [], `no write request reached ${name}`);
  }

  async function control(method, urlPath, body) {
    const res = await fetch(info.control + urlPath, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`fakeapis ${method} ${urlPath} → ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async function stop() {
    await exit.stop(5_000);
  }

  return {
    ...info,
    env: { PARITYRAIL_STRIPE_API_BASE: info.stripe_api_base, PARITYRAIL_CLERK_API_BASE: info.clerk_api_base },
    control,
    assertReadOnly,
    stop,
    log: () => log,
  };
}

/**
 * Runs body(ctx) with a started server and browser, taking care of teardown.
 * With { fakes: true } it first starts bin/fakeapis, points the binary's
 * Stripe and Clerk API bases at it, and passes it as ctx.fakes.
 * Skips (with the reason) when Chromium, the binary or fakeapis is missing,
 * unless PARITYRAIL_REQUIRE_E2E=1.
 */
export async function withApp(t, body, { fakes: wantFakes = false } = {}) {
  const skip = missingPrerequisite({ fakes: wantFakes });
  if (skip) {
    t.skip(skip);
    return;
  }
  const fakes = wantFakes ? await startFakeApis() : null;
  let server;
  try {
    server = await startServer({ env: fakes?.env ?? {} });
  } catch (err) {
    await fakes?.stop();
    throw err;
  }
  let browser;
  try {
    browser = await launchBrowser();
    await body({ server, browser, baseURL: server.baseURL, fakes });
  } catch (err) {
    err.message += `\n--- server log (tail) ---\n${server.log().slice(-4000)}`;
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    const exit = await server.stop();
    await fakes?.stop();
    if (exit && exit.code !== 0 && exit.signal !== 'SIGTERM') {
      // A clean SIGTERM shutdown exits 0; anything else is worth knowing.
      t.diagnostic(`server exited with ${JSON.stringify(exit)}`);
    }
  }
}

/** The workspace's first account, as most tests create it. */
export const OWNER = { email: 'owner@example.com', password: 'correct horse battery staple', name: 'Olivia Owner' };

/** Creates the first account (OWNER) through the API; returns its signed-in API session. */
export async function createOwner(baseURL) {
  const api = new ApiSession(baseURL);
  await api.request('POST', '/api/setup', OWNER);
  return api;
}

/**
 * Fills the first-run form on /setup (the page must be showing it) and
 * submits it; the first-run screen (/welcome) comes next.
 */
export async function submitSetupForm(page, { name, email, password }) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create owner account' }).click();
}

/** Creates the owner through the API and signs them in in a fresh browser context. */
export async function ownerWithProject(browser, baseURL, stack) {
  const ownerApi = await createOwner(baseURL);
  let project = await ownerApi.request('POST', '/api/projects', { name: stack.name });
  project = await ownerApi.request('PUT', `/api/projects/${project.id}/stack`, stack);
  const ctx = await newPage(browser, baseURL);
  await signIn(ctx.page, OWNER.email, OWNER.password);
  return { ...ctx, api: ownerApi, project };
}

/** Polls until fn() returns truthy, or throws with the message. */
export async function eventually(fn, message, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** Waits until the onboarding rail shows step (1 to 8) done; railItems are the rail's list items. */
export async function railStepDone(railItems, step) {
  await eventually(
    async () => (await railItems.nth(step - 1).getAttribute('data-state')) === 'done',
    `step ${step} done on the rail`,
  );
}

/** Signs a page in through the login form and waits for the projects list. */
export async function signIn(page, email, password) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/projects');
}
