// Browser test of signing in, in headless Chromium against a real `xinan serve`.
//
// Requirements: ACC-7 (the first administrator's one-time password, changed at first sign-in),
// ACC-8/ACC-9 (the password policy, here as live feedback while typing), ACC-11 (an
// administrator's second factor: TOTP enrolment before anything else, then password + code).
// The first administrator signs in with the one-time password the server printed, is held on
// the forced change page, watches a rule flip from violated to met as the new password grows,
// enrols TOTP from the secret the page shows (the code is computed here, RFC 6238), reaches
// the home page under their name, signs out, and signs in again with password and code.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { STRONG, firstAdminPassword, totp } from '../lib/session.mjs';
import { launch, newPage } from '../lib/browser.mjs';

let srv;
let browser;
let tab; // { page, problems, shot, cspViolations }
let page;
let secret = '';
let lastStep = 0; // the newest TOTP step used: the server never accepts it twice

// The code of the next 30-second step, waiting first when that step was used already.
async function nextCode() {
  while (Math.floor(Date.now() / 30000) + 1 <= lastStep) await new Promise((r) => setTimeout(r, 500));
  lastStep = Math.floor(Date.now() / 30000) + 1;
  return totp(secret, 1);
}

const byId = (id) => page.getByTestId(id);
const ruleState = (rule) => page.locator(`[data-testid="pw-rules"] li[data-rule="${rule}"]`).getAttribute('data-state');

describe('sign-in, forced password change and TOTP enrolment', { timeout: 180_000 }, () => {
  before(async () => {
    srv = await startServer();
    browser = await launch();
    tab = await newPage(browser);
    page = tab.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) {
      await srv.stop();
      srv.cleanup();
    }
  });

  test('a deep link without a session lands on /login, keeping the wanted page', async () => {
    await page.goto(`${srv.url}/accounts/roles`);
    await byId('login-page').waitFor();
    const url = new URL(page.url());
    assert.equal(url.pathname, '/login');
    assert.equal(url.searchParams.get('redirect'), '/accounts/roles');
    assert.equal((await byId('current-user').innerText()).trim(), '未登录');
    assert.equal(await byId('side-nav').count(), 0, 'no navigation before sign-in');
  });

  test('a wrong password shows the server\'s uniform refusal', async () => {
    await byId('login-account').fill('admin');
    await byId('login-password').fill('not-the-password');
    await byId('login-submit').click();
    await byId('login-error').waitFor();
    const text = await byId('login-error').innerText();
    const direct = await page.request.post(`${srv.url}/api/auth/login`, { data: { account: 'nobody', password: 'x' } });
    assert.equal(direct.status(), 401);
    assert.equal(text.trim(), (await direct.json()).error.message, 'the same text as for an unknown account');
    await tab.shot('login-error-zh');
  });

  test('the one-time password leads to the forced change page, with live policy feedback', async () => {
    const otp = firstAdminPassword(srv);
    await byId('login-account').fill('admin');
    await byId('login-password').fill(otp);
    await byId('login-submit').click();
    await page.waitForURL(`${srv.url}/password`);
    await byId('password-page').waitFor();
    assert.equal(await byId('password-page').getAttribute('data-forced'), 'true');
    assert.equal(await byId('side-nav').count(), 0, 'nothing else is offered before the change');

    // Any other page sends the user back here while the change is pending.
    await page.goto(`${srv.url}/accounts`);
    await page.waitForURL(`${srv.url}/password`);

    await byId('pw-current').fill(otp);
    // Too short: min_length violated, with the server's own message.
    await byId('pw-new').pressSequentially('Kx7#', { delay: 20 });
    await page.waitForFunction(() => document.querySelector('li[data-rule="min_length"]')?.dataset.state === 'violated');
    const violated = await page.locator('li[data-rule="min_length"]').innerText();
    assert.match(violated, /10/);
    await tab.shot('password-forced-violated-zh');
    // Long enough: the same rule flips to met.
    await byId('pw-new').pressSequentially(STRONG.slice(4), { delay: 20 });
    await page.waitForFunction(() => document.querySelector('li[data-rule="min_length"]')?.dataset.state === 'met');
    await page.waitForFunction(() => document.querySelector('[data-testid="pw-rules"]')?.dataset.checking === 'false');
    for (const rule of ['min_length', 'classes', 'repeat_char', 'dictionary', 'account_name']) {
      assert.equal(await ruleState(rule), 'met', `rule ${rule}`);
    }
    await byId('pw-repeat').fill(STRONG);
    await tab.shot('password-forced-met-zh');
    await byId('pw-submit').click();
  });

  test('an administrator then enrols TOTP from the QR code page', async () => {
    await page.waitForURL(`${srv.url}/totp`);
    await byId('totp-secret').waitFor();
    assert.equal(await byId('totp-page').getAttribute('data-forced'), 'true');
    // The QR code is drawn in the page, on a canvas, with something on it.
    const drawn = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="totp-qr"]');
      if (!c || c.width < 100) return false;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 64) dark++;
      return dark > 100;
    });
    assert.ok(drawn, 'a QR code on the canvas');
    secret = (await byId('totp-secret').innerText()).replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await tab.shot('totp-enrol-zh');

    // A wrong code is refused with the server's message and nothing changes.
    const wrong = String((Number(totp(secret)) + 1) % 1000000).padStart(6, '0');
    await byId('totp-code').fill(wrong);
    await byId('totp-submit').click();
    await byId('totp-error').waitFor();
    assert.equal(new URL(page.url()).pathname, '/totp');

    await byId('totp-code').fill(totp(secret));
    await byId('totp-submit').click();
    await page.waitForURL(`${srv.url}/`);
    await byId('home-page').waitFor();
    assert.equal((await byId('current-user').innerText()).trim(), '系统管理员');
    await byId('side-nav').waitFor();
    await tab.shot('home-signed-in-zh');
  });

  test('sign out, then sign in again with password and TOTP code', async () => {
    await byId('user-menu').click();
    await byId('menu-logout').click();
    await page.waitForURL(/\/login/);
    assert.equal((await byId('current-user').innerText()).trim(), '未登录');
    const me = await page.request.get(`${srv.url}/api/me`);
    assert.equal(me.status(), 401, 'the session is gone on the server too');

    await byId('login-account').fill('admin');
    await byId('login-password').fill(STRONG);
    await byId('login-submit').click();
    await byId('login-code').waitFor();
    await tab.shot('login-totp-step-zh');
    await byId('login-code').fill(await nextCode());
    await byId('login-submit').click();
    await page.waitForURL(`${srv.url}/`);
    await byId('home-page').waitFor();
    assert.equal((await byId('current-user').innerText()).trim(), '系统管理员');
  });

  test('the user menu opens profile and sessions; the current session is marked', async () => {
    await byId('user-menu').click();
    await byId('menu-sessions').click();
    await page.waitForURL(`${srv.url}/profile/sessions`);
    await byId('session-current').waitFor();
    assert.equal(await byId('session-current').count(), 1);
    await byId('user-menu').click();
    await byId('menu-profile').click();
    await page.waitForURL(`${srv.url}/profile`);
    assert.equal((await byId('profile-account').innerText()).trim(), 'admin');
    assert.match(await byId('profile-roles').innerText(), /系统管理员/);
    assert.equal((await byId('profile-totp').innerText()).trim(), '已绑定');
    await tab.shot('profile-zh');
  });

  test('a session ended elsewhere sends the next call to /login, keeping the page', async () => {
    // End this browser's session from its own sessions list through the API, as another tab would.
    const list = await page.request.get(`${srv.url}/api/me/sessions`);
    const current = (await list.json()).items.find((s) => s.current);
    assert.ok(current);
    const csrf = (await (await page.request.get(`${srv.url}/api/me`)).json()).user.csrf;
    const end = await page.request.delete(`${srv.url}/api/sessions/${current.id}`, { headers: { 'X-CSRF-Token': csrf } });
    assert.equal(end.status(), 200);
    // The page still believes it is signed in; its next call gets 401.
    await byId('user-menu').click();
    await byId('menu-sessions').click();
    await byId('login-page').waitFor();
    const url = new URL(page.url());
    assert.equal(url.pathname, '/login');
    assert.equal(url.searchParams.get('redirect'), '/profile/sessions');
    assert.equal((await byId('current-user').innerText()).trim(), '未登录');
    // Signing in again returns to the page that was wanted.
    await byId('login-account').fill('admin');
    await byId('login-password').fill(STRONG);
    await byId('login-submit').click();
    await byId('login-code').waitFor();
    await byId('login-code').fill(await nextCode());
    await byId('login-submit').click();
    await page.waitForURL(`${srv.url}/profile/sessions`);
    await byId('session-current').waitFor();
  });

  test('no page errors and no CSP violations throughout', async () => {
    assert.deepEqual(await tab.cspViolations(), []);
    assert.deepEqual(tab.problems, []);
  });
});
