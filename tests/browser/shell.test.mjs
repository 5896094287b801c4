// Browser test of the web UI shell, in Debian's headless Chromium against a real `xinan serve`.
//
// Requirements: none of REQUIREMENTS.md by id. This is platform (the shell every module lives
// in): the sign-in guard, the Chinese shell with the module entries the signed-in user may
// use, the live health panel fed by GET /api/health, deep links through the server's SPA
// fallback, the zh-CN/English switch, and a page that runs under the server's
// Content-Security-Policy without a single console error or CSP violation. Screenshots go to
// tests/output/ (git-ignored).
//
// Run: XINAN_BIN=build/xinan node --test tests/browser/   (what `make browser` does)
// XINAN_TEST_URL=http://127.0.0.1:8080 runs it against a server that is already running
// instead of starting one, signing in as `admin` with XINAN_TEST_PASSWORD and the TOTP secret
// XINAN_TEST_TOTP_SECRET (the server-down check is then skipped).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OUTPUT_DIR, launch, uiSignIn } from '../lib/browser.mjs';

// The navigation of the system administrator in order: [test id, Chinese name, English name,
// path, built]. The audit log needs permissions this role does not hold; of publication review
// it keeps the columns (栏目与来源).
const NAV = [
  ['nav-accounts', '账号与权限', 'Accounts & permissions', '/accounts', true],
  ['nav-publish', '信息发布审核', 'Publication review', '/publish/columns', true],
  ['nav-monitor', '网站监测', 'Site monitoring', '/monitor', true],
  ['nav-tamper', '防篡改', 'Anti-tamper', '/tamper', true],
  ['nav-incidents', '安全事件', 'Security incidents', '/incidents', true],
  ['nav-ledgers', '台账管理', 'Registers', '/ledgers', true],
  ['nav-calendar', '合规日历', 'Compliance calendar', '/calendar', true],
  ['nav-settings', '系统设置', 'System settings', '/settings', false],
];
const ADMIN_NAME = '系统管理员';

let srv = null; // the harness's server, when this test started one
let baseUrl = '';
let adminPassword = '';
let adminTotpSecret = '';
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
    if (process.env.XINAN_TEST_URL) {
      baseUrl = process.env.XINAN_TEST_URL.replace(/\/$/, '');
      adminPassword = process.env.XINAN_TEST_PASSWORD || '';
      adminTotpSecret = process.env.XINAN_TEST_TOTP_SECRET || '';
    } else {
      const { startServer } = await import('../lib/server.mjs');
      const { adminClient, STRONG } = await import('../lib/session.mjs');
      srv = await startServer();
      baseUrl = srv.url;
      // The first administrator, with the password changed and TOTP enrolled.
      const admin = await adminClient(srv);
      adminPassword = STRONG;
      adminTotpSecret = admin.totpSecret;
    }
    browser = await launch();
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
      // The 401 of GET /api/me before sign-in is an answer the page expects and handles.
      const handled = /^Failed to load resource: the server responded with a status of 401/.test(msg.text());
      if (msg.type() === 'error' && !serverStopped && !handled) consoleErrors.push(`console: ${msg.text()}`);
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

  test('without a session every page leads to sign-in', async () => {
    await page.goto(`${baseUrl}/ledgers`);
    await byId('login-page').waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal((await byId('product-name').innerText()).trim(), '信安');
    assert.equal((await byId('current-user').innerText()).trim(), '未登录');
    assert.equal(await byId('side-nav').count(), 0);
    await shot('login-zh');
    await uiSignIn(page, baseUrl, 'admin', adminPassword, adminTotpSecret);
    await page.waitForURL(`${baseUrl}/`);
  });

  test('the Chinese shell: product name, the user, the module entries the user may use', async () => {
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
    // 系统设置's overview is still the module's description, under construction
    await byId('nav-settings').click();
    await page.waitForURL(`${baseUrl}/settings`);
    await assertModulePage('settings', '系统设置', ['ORG-1', 'BAK-4']);
    await shot('module-settings-zh');

    // Reloading the deep link gets index.html from the server and the same page again.
    const reload = await page.reload();
    assert.equal(reload.status(), 200);
    assert.match(reload.headers()['content-type'] || '', /^text\/html/);
    await assertModulePage('settings', '系统设置', ['ORG-1', 'BAK-4']);
    await assertActiveNav('nav-settings');

    // A fresh load straight on another module's address works too.
    const direct = await page.goto(`${baseUrl}/tamper`);
    assert.equal(direct.status(), 200);
    await byId('tamper-page').waitFor();
    await assertActiveNav('nav-tamper');

    // The fallback is for UI routes only: an unknown API route stays a JSON 404.
    const api = await page.request.get(`${baseUrl}/api/no-such-route`);
    assert.equal(api.status(), 404);
    assert.match(api.headers()['content-type'] || '', /application\/json/);
  });

  test('switch to English, which survives a reload, and back to Chinese', async () => {
    await page.goto(`${baseUrl}/settings`);
    await assertModulePage('settings', '系统设置', ['ORG-1', 'BAK-4']);
    await byId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await assertModulePage('settings', 'System settings', ['ORG-1', 'BAK-4']);
    assert.equal((await byId('module-badge').innerText()).trim(), 'Under construction');
    assert.equal((await byId('current-user').innerText()).trim(), ADMIN_NAME);
    for (const [id, , en] of NAV) assert.equal((await byId(id).innerText()).trim(), en);

    await page.reload();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await assertModulePage('settings', 'System settings', ['ORG-1', 'BAK-4']);
    await shot('module-settings-en');

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
    for (const [id, zh, , path, built] of NAV) {
      await byId(id).click();
      // a page may add its own query (台账管理 names the register shown)
      await page.waitForURL((u) => u.pathname === path);
      if (built) await byId('main-content').locator('.page-title').first().waitFor();
      else assert.match(await byId('module-title').innerText(), new RegExp(`^${zh}`));
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
  assert.equal((await byId('current-user').innerText()).trim(), ADMIN_NAME);
  assert.equal((await byId('lang-switch').innerText()).trim(), 'English');
  assert.equal((await byId('nav-home').innerText()).trim(), '工作台');
  assert.equal((await byId('nav-text-check').innerText()).trim(), '文本检查');
  const entries = await page.locator('[data-testid="side-nav"] [data-testid^="nav-"]').evaluateAll((els) =>
    els.map((el) => el.dataset.testid),
  );
  assert.deepEqual(
    entries.filter((id) => id !== 'nav-home' && id !== 'nav-text-check' && id !== 'nav-collapse'),
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
