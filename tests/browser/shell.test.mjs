// Browser test of the web UI shell, in Debian's headless Chromium against a real `xinan serve`.
//
// Requirements: none of REQUIREMENTS.md by id. This is platform (the shell every module lives
// in): the Chinese shell and its nine module entries, the live health panel fed by
// GET /api/health, deep links through the server's SPA fallback, the zh-CN/English switch,
// and a page that runs under the server's Content-Security-Policy without a single console
// error or CSP violation. Screenshots go to tests/output/ (git-ignored).
//
// Run: XINAN_BIN=build/xinan node --test tests/browser/   (what `make browser` does)
// XINAN_TEST_URL=http://127.0.0.1:8080 runs it against a server that is already running
// instead of starting one (the server-down check is then skipped).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const OUTPUT_DIR = fileURLToPath(new URL('../output/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// The navigation in order: [test id, Chinese name, English name, path].
const NAV = [
  ['nav-accounts', '账号与权限', 'Accounts & permissions', '/accounts'],
  ['nav-audit', '审计日志', 'Audit log', '/audit'],
  ['nav-publish', '信息发布审核', 'Publication review', '/publish'],
  ['nav-monitor', '网站监测', 'Site monitoring', '/monitor'],
  ['nav-tamper', '防篡改', 'Anti-tamper', '/tamper'],
  ['nav-incidents', '安全事件', 'Security incidents', '/incidents'],
  ['nav-ledgers', '台账', 'Registers', '/ledgers'],
  ['nav-calendar', '合规日历', 'Compliance calendar', '/calendar'],
  ['nav-settings', '系统设置', 'System settings', '/settings'],
];

let srv = null; // the harness's server, when this test started one
let baseUrl = '';
let browser = null;
let context = null;
let page = null;
const consoleErrors = []; // console errors, uncaught page errors and failed requests
let serverStopped = false; // set by the last test, which stops the server on purpose

const byId = (id) => page.getByTestId(id);

async function shot(name) {
  await page.screenshot({ path: `${OUTPUT_DIR}${name}.png`, fullPage: true });
}

// CSP violations as the page itself sees them, recorded before any page script runs.
async function cspViolations() {
  return page.evaluate(() => window.__xnCspViolations || []);
}

describe('web UI shell', { timeout: 180_000 }, () => {
  before(async () => {
    await mkdir(OUTPUT_DIR, { recursive: true });
    if (process.env.XINAN_TEST_URL) {
      baseUrl = process.env.XINAN_TEST_URL.replace(/\/$/, '');
    } else {
      const { startServer } = await import('../lib/server.mjs');
      srv = await startServer();
      baseUrl = srv.url;
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    context = await browser.newContext({
      viewport: { width: 1366, height: 800 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      reducedMotion: 'reduce', // no transitions half-way through in screenshots
    });
    await context.addInitScript(() => {
      window.__xnCspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__xnCspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !serverStopped) consoleErrors.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    page.on('requestfailed', (req) => {
      // A navigation cancels the status page's poll in flight: that is not an error.
      const reason = req.failure()?.errorText || '';
      if (!serverStopped && reason !== 'net::ERR_ABORTED') consoleErrors.push(`requestfailed: ${req.url()} ${reason}`);
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) {
      if (!serverStopped) await srv.stop();
      srv.cleanup();
    }
  });

  test('the server sends the UI with a strict Content-Security-Policy', async () => {
    const res = await page.goto(`${baseUrl}/`);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'] || '', /^text\/html/);
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, `CSP header: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-eval/);
  });

  test('the Chinese shell: product name, user placeholder, nine module entries', async () => {
    await page.goto(`${baseUrl}/`);
    await assertChineseShell();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    assert.match(await page.title(), /信安/);
    await shot('shell-zh');
  });

  test('the live health panel shows the database OK and the schema version', async () => {
    // What the server says, asked directly, to compare with what the page shows.
    const res = await page.request.get(`${baseUrl}/api/health`);
    assert.equal(res.status(), 200);
    const health = await res.json();
    assert.equal(health.status, 'ok');
    assert.equal(health.database.ok, true);

    await page.goto(`${baseUrl}/`);
    await assertLiveHealthZh(health);
    // Polling every 5 s: a second check adds a second point to the latency chart.
    await page.waitForSelector('[data-testid="health-chart"] canvas');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="health-chart"]')?.dataset.points) >= 2,
      null,
      { timeout: 15_000 },
    );
    await shot('home-zh');
  });

  test('a module route by clicking, then deep-link reload through the SPA fallback', async () => {
    await page.goto(`${baseUrl}/`);
    await byId('nav-audit').click();
    await page.waitForURL(`${baseUrl}/audit`);
    await assertModulePage('audit', '审计日志', ['AUD-1', 'AUD-7']);
    await shot('module-audit-zh');

    // Reloading the deep link gets index.html from the server and the same page again.
    const reload = await page.reload();
    assert.equal(reload.status(), 200);
    assert.match(reload.headers()['content-type'] || '', /^text\/html/);
    await assertModulePage('audit', '审计日志', ['AUD-1', 'AUD-7']);
    await assertActiveNav('nav-audit');

    // A fresh load straight on another module's address works too.
    const direct = await page.goto(`${baseUrl}/ledgers`);
    assert.equal(direct.status(), 200);
    await assertModulePage('ledgers', '台账', ['LED-1', 'LED-11']);
    await assertActiveNav('nav-ledgers');

    // The fallback is for UI routes only: an unknown API route stays a JSON 404.
    const api = await page.request.get(`${baseUrl}/api/no-such-route`);
    assert.equal(api.status(), 404);
    assert.match(api.headers()['content-type'] || '', /application\/json/);
  });

  test('switch to English, which survives a reload, and back to Chinese', async () => {
    await page.goto(`${baseUrl}/audit`);
    await assertModulePage('audit', '审计日志', ['AUD-1']);
    await byId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await assertModulePage('audit', 'Audit log', ['AUD-1']);
    assert.equal((await byId('module-badge').innerText()).trim(), 'Under construction');
    assert.equal((await byId('current-user').innerText()).trim(), 'Not signed in');
    for (const [id, , en] of NAV) assert.equal((await byId(id).innerText()).trim(), en);

    await page.reload();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await assertModulePage('audit', 'Audit log', ['AUD-1']);
    await shot('module-audit-en');

    await byId('nav-home').click();
    await page.waitForURL(`${baseUrl}/`);
    await page.locator('[data-testid="health-status"][data-state="ok"]').waitFor();
    assert.equal((await byId('health-status').innerText()).trim(), 'OK');
    assert.equal((await byId('health-db').innerText()).trim(), 'OK');
    assert.match(await byId('health-uptime').innerText(), /^\d+ (s|min|h|d)\b/);
    await shot('home-en');

    await byId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await assertChineseShell();
    assert.equal((await byId('health-status').innerText()).trim(), '正常');
    await page.reload();
    await assertChineseShell();
  });

  test('no console errors and no CSP violations on any page visited', async () => {
    // Visit every module page once more so each lazily loaded chunk has run under the CSP.
    await page.goto(`${baseUrl}/`);
    for (const [id, zh, , path] of NAV) {
      await byId(id).click();
      await page.waitForURL(`${baseUrl}${path}`);
      assert.match(await byId('module-title').innerText(), new RegExp(`^${zh}`));
    }
    assert.deepEqual(await cspViolations(), []);
    assert.deepEqual(consoleErrors, []);
  });

  test('a stopped server shows 服务器不可达 on the status page', { skip: process.env.XINAN_TEST_URL ? 'server not started by this test' : false }, async () => {
    await page.goto(`${baseUrl}/`);
    await assertLiveHealthZh(null);
    serverStopped = true;
    await srv.stop();
    await byId('health-error').waitFor({ timeout: 15_000 });
    assert.match(await byId('health-error').innerText(), /服务器不可达/);
    assert.equal(await byId('health-status').getAttribute('data-state'), 'unreachable');
    assert.match(await byId('header-health').innerText(), /服务器不可达/);
    await shot('home-unreachable-zh');
  });
});

async function assertChineseShell() {
  await byId('product-name').waitFor();
  assert.equal((await byId('product-name').innerText()).trim(), '信安');
  assert.equal((await byId('product-subtitle').innerText()).trim(), '信息安全管理平台');
  assert.equal((await byId('current-user').innerText()).trim(), '未登录');
  assert.equal((await byId('lang-switch').innerText()).trim(), 'English');
  assert.equal((await byId('nav-home').innerText()).trim(), '运行状态');
  const entries = await page.locator('[data-testid="side-nav"] [data-testid^="nav-"]').evaluateAll((els) =>
    els.map((el) => el.dataset.testid),
  );
  assert.deepEqual(
    entries.filter((id) => id !== 'nav-home' && id !== 'nav-collapse'),
    NAV.map(([id]) => id),
  );
  for (const [id, zh] of NAV) assert.equal((await byId(id).innerText()).trim(), zh);
}

// The status page with live figures. `health` (a body from GET /api/health) pins the version
// and schema version; without it only their form is checked.
async function assertLiveHealthZh(health) {
  await byId('home-page').waitFor();
  await page.locator('[data-testid="health-status"][data-state="ok"]').waitFor();
  assert.equal((await byId('health-status').innerText()).trim(), '正常');
  assert.equal(await byId('health-db').getAttribute('data-ok'), 'true');
  assert.equal((await byId('health-db').innerText()).trim(), '正常');
  const schema = (await byId('health-schema').innerText()).trim();
  assert.match(schema, /^\d+$/);
  assert.ok(Number(schema) >= 1, `schema version ${schema}`);
  const version = (await byId('health-version').innerText()).trim();
  assert.match(version, /^\d+\.\d+\.\d+/);
  if (health) {
    assert.equal(schema, String(health.database.schema_version));
    assert.equal(version, health.version);
  }
  assert.match(await byId('health-uptime').innerText(), /^\d+(秒|分|小时|天)/);
  assert.match(await byId('health-latency').innerText(), /^\d+(\.\d+)? (µs|ms|s)$/);
  assert.match(await byId('health-time').innerText(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.equal(await byId('health-error').count(), 0);
}

async function assertModulePage(key, title, reqIds) {
  await page.locator(`[data-testid="module-page"][data-module="${key}"]`).waitFor();
  assert.match(await byId('module-title').innerText(), new RegExp(`^${title}`));
  for (const id of reqIds) {
    assert.equal((await byId(`req-${id}`).innerText()).trim(), id);
  }
}

async function assertActiveNav(id) {
  assert.match((await byId(id).getAttribute('class')) || '', /\bis-active\b/);
}
