// Browser test of what a new user tripped on, in headless Chromium against a real `xinan serve`.
//
// Requirements: ACC-15 (an idle page locks and asks for the password again, keeping its page;
// the bell's poll does not hold it open), ACC-16 (the security administrator sees a locked
// account with its end and unlocks it with a reason), the workbench showing an approver what
// waits for them, and ordinary staff reaching the text check.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, STRONG, adminClient, enrolledAppointee, userClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { if (browser) await browser.close(); });

describe('the idle lock', { timeout: 120_000 }, () => {
  let srv;
  before(async () => { srv = await startServer({ env: { XINAN_AUTH_IDLE_TIMEOUT: '5' } }); });
  after(async () => { if (srv) { await srv.stop(); srv.cleanup(); } });

  test('an idle page locks at the limit, asks for the password and keeps its page', async () => {
    const admin = await adminClient(srv);
    await userClient(srv, admin, 'idlestaff', { realName: '周丽' });
    const P = await newPage(browser);
    await uiSignIn(P.page, srv.url, 'idlestaff', STRONG);
    await P.page.goto(`${srv.url}/text-check`);
    await P.page.getByTestId('text-check-page').waitFor();
    // no input: the lock comes at the idle limit
    await P.page.getByTestId('idle-lock').waitFor({ timeout: 20_000 });
    assert.equal(new URL(P.page.url()).pathname, '/text-check', 'the route is kept');
    assert.equal((await P.page.getByTestId('idle-lock-account').innerText()).trim(), 'idlestaff');
    await P.shot('idle-lock-zh');
    // the session itself is over: an API call from the page's cookie is refused
    const status = await P.page.evaluate(async () => (await fetch('/api/me')).status);
    assert.equal(status, 401);
    // a wrong password keeps the lock, the right one lifts it
    await P.page.getByTestId('idle-lock-password').fill('Wrong-password-1');
    await P.page.getByTestId('idle-lock-submit').click();
    await P.page.getByTestId('idle-lock-error').waitFor().catch(async (e) => { await P.shot('debug-lock'); throw e; });
    await P.page.getByTestId('idle-lock-password').fill(STRONG);
    await P.page.getByTestId('idle-lock-submit').click();
    await P.page.getByTestId('idle-lock').waitFor({ state: 'detached' });
    assert.equal(new URL(P.page.url()).pathname, '/text-check');
    await P.page.getByTestId('check-text').fill('测试文本');
    await P.page.getByTestId('check-run').click();
    await P.page.getByTestId('check-summary').waitFor();
    assert.deepEqual(P.problems, []);
    await P.context.close();
  });
});

describe('accounts, the workbench and the text check', { timeout: 180_000 }, () => {
  let srv;
  let admin;
  let S; // the security administrator's tab, signed in once (a TOTP step is used only once)
  before(async () => {
    srv = await startServer();
    admin = await adminClient(srv);
    const sec = await enrolledAppointee(srv, admin, 'wbsec', 'secadmin', { realName: '赵敏' });
    S = await newPage(browser);
    await uiSignIn(S.page, srv.url, 'wbsec', STRONG, sec.totpSecret);
  });
  after(async () => {
    if (S) await S.context.close();
    if (srv) { await srv.stop(); srv.cleanup(); }
  });

  test('the security administrator sees a locked account with its end and unlocks it', async () => {
    await userClient(srv, admin, 'lockedone', { realName: '孙强' });
    const anon = new Client(srv.url);
    for (let i = 0; i < 5; i++) await anon.login('lockedone', 'Wrong-password-1');
    assert.equal((await anon.login('lockedone', STRONG)).status, 401);
    await S.page.goto(`${srv.url}/accounts`);
    const status = S.page.getByTestId('status-lockedone');
    await status.getByTestId('locked-tag').waitFor();
    assert.match(await status.innerText(), /锁定至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await S.shot('accounts-locked-zh');
    await S.page.getByTestId('unlock-lockedone').click();
    await S.page.getByTestId('unlock-dialog').waitFor();
    await S.page.getByTestId('unlock-submit').click();
    await S.page.getByTestId('unlock-error').waitFor();
    await S.page.getByTestId('unlock-reason').fill('已电话核实本人');
    await S.page.getByTestId('unlock-submit').click();
    await status.getByTestId('locked-tag').waitFor({ state: 'detached' });
    assert.match(await status.innerText(), /启用/);
    assert.equal((await anon.login('lockedone', STRONG)).status, 200);
    assert.deepEqual(S.problems, []);
  });

  test('the workbench shows the approver the request waiting for them', async () => {
    const x = await userClient(srv, admin, 'wbperson', { realName: '张三' });
    const r = await admin.call('POST', `/api/users/${x.id}/roles`, { role: 'editor', reason: '网站录入' });
    assert.equal(r.status, 201, r.body);
    await S.page.goto(`${srv.url}/`);
    const card = S.page.getByTestId('wb-card-requests');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-count'), '1');
    assert.match(await card.innerText(), /张三 \(wbperson\)/);
    assert.match(await card.innerText(), /信息员/);
    await S.page.getByTestId('wb-card-status').waitFor();
    await S.shot('workbench-zh');
    await card.getByTestId('wb-open').click();
    await S.page.waitForURL(`${srv.url}/accounts/requests`);
    assert.deepEqual(S.problems, []);
  });

  test('ordinary staff reach the text check from the menu', async () => {
    await userClient(srv, admin, 'plainstaff', { realName: '吴芳' });
    const P = await newPage(browser);
    await uiSignIn(P.page, srv.url, 'plainstaff', STRONG);
    await P.page.getByTestId('nav-text-check').click();
    await P.page.waitForURL(`${srv.url}/text-check`);
    await P.page.getByTestId('text-check-page').waitFor();
    assert.equal(await P.page.getByTestId('lexicon-list').count(), 0, 'no lexicon administration');
    await P.page.getByTestId('check-text').fill('联系电话 13800138000。');
    await P.page.getByTestId('check-run').click();
    await P.page.getByTestId('check-summary').waitFor().catch(async (e) => { await P.shot('debug-check'); throw e; });
    assert.ok(Number(await P.page.getByTestId('check-summary').getAttribute('data-count')) >= 1);
    await P.shot('text-check-zh');
    assert.deepEqual(P.problems, []);
    await P.context.close();
  });
});
