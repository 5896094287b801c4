// Browser test of accounts and four-eyes role requests, in headless Chromium against a real
// `xinan serve`.
//
// Requirements: ACC-2/ACC-3 (real-name accounts created by an administrator, the one-time
// password handed over once), ACC-5/ACC-6 (a privilege increase approved by a second person,
// never by the one who asked), ACC-4 (the role × permission matrix). Also: names with HTML
// metacharacters are shown as text, never run.
//
// The system administrator (browser A) creates an account, sees its one-time password once,
// asks for a role; the security administrator (browser B) approves it in the inbox with a
// comment; the system administrator's own request shows why they cannot decide it; a request
// decided elsewhere meanwhile is refused with the server's reason.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, STRONG, adminClient, enrolledAppointee } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

const XSS_NAME = '<img src=x onerror=alert(1)>';

let srv;
let browser;
let admin; // API client of the system administrator
let sec; // API client of the security administrator
let A; // the system administrator's browser tab
let B; // the security administrator's browser tab
let created = null; // { id, account, otp } of the account made in the page
let office; // the department the account is made in

async function userByAccount(account) {
  const r = await admin.call('GET', '/api/users');
  return r.json.items.find((u) => u.account === account);
}

async function pendingFor(account) {
  const r = await admin.call('GET', '/api/requests?status=pending');
  return r.json.items.filter((i) => i.target_account === account);
}

describe('accounts, one-time passwords and four-eyes role requests', { timeout: 240_000 }, () => {
  before(async () => {
    srv = await startServer();
    admin = await adminClient(srv);
    // The first security administrator: appointed at once while nobody could approve.
    sec = await enrolledAppointee(srv, admin, 'wangfang', 'secadmin', { realName: '王芳' });

    let r = await admin.call('GET', '/api/org');
    r = await admin.call('POST', '/api/org', { parent_id: r.json.items[0].id, name: '办公室', kind: 'department' });
    assert.equal(r.status, 201, r.body);
    office = r.json.id;

    browser = await launch();
    A = await newPage(browser);
    B = await newPage(browser);
    await uiSignIn(A.page, srv.url, 'admin', STRONG, admin.totpSecret);
    await uiSignIn(B.page, srv.url, 'wangfang', STRONG, sec.totpSecret);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) {
      await srv.stop();
      srv.cleanup();
    }
  });

  test('the navigation shows each administrator only their modules', async () => {
    await A.page.getByTestId('side-nav').waitFor();
    assert.equal(await A.page.getByTestId('nav-accounts').count(), 1);
    assert.equal(await A.page.getByTestId('nav-audit').count(), 0, 'the system administrator has no audit.read');
    // A page needing a permission the user lacks gives the 403 page.
    await A.page.goto(`${srv.url}/audit`);
    await A.page.getByTestId('forbidden-page').waitFor();
    assert.equal((await A.page.getByTestId('forbidden-path').innerText()).trim(), '/audit');
    await A.shot('forbidden-zh');
  });

  test('create an account: the one-time password is shown once, and works', async () => {
    const page = A.page;
    await page.goto(`${srv.url}/accounts`);
    await page.getByTestId('users-table').waitFor();
    await page.getByTestId('account-create').click();
    await page.getByTestId('new-account').fill('zhangwei');
    await page.getByTestId('new-real-name').fill('张伟');
    // The department comes from the organisation tree.
    await page.getByTestId('new-department').click();
    await page.locator('.new-department-popper').getByText('办公室', { exact: true }).click();
    await page.getByTestId('create-submit').click();
    await page.getByTestId('one-time-password').waitFor();
    const otp = (await page.getByTestId('one-time-password').innerText()).trim();
    assert.match(otp, /^\S{12,}$/);
    assert.match(await page.getByTestId('one-time-password-box').innerText(), /只显示这一次/);
    await A.shot('account-created-otp-zh');
    await page.getByTestId('create-done').click();
    await page.getByTestId('create-dialog').waitFor({ state: 'hidden' });

    // Opening the dialog again offers a new form, not the password.
    await page.getByTestId('account-create').click();
    await page.getByTestId('new-account').waitFor();
    assert.equal(await page.getByTestId('one-time-password').count(), 0);
    // A taken account name is refused with the server's message, in the dialog.
    await page.getByTestId('new-account').fill('zhangwei');
    await page.getByTestId('new-real-name').fill('张伟');
    await page.getByTestId('create-submit').click();
    await page.getByTestId('create-error').waitFor();
    assert.match(await page.getByTestId('create-error').innerText(), /账号已存在/);
    await page.keyboard.press('Escape');
    await page.getByTestId('create-dialog').waitFor({ state: 'hidden' });

    // The password shown is the one the server issued: it signs the new account in.
    const u = new Client(srv.url);
    const r = await u.login('zhangwei', otp);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.user.must_change, true);
    const made = await userByAccount('zhangwei');
    assert.equal(made.department_id, office);
    assert.equal(made.department, '办公室');
    created = { id: made.id, account: 'zhangwei', otp };
  });

  test('ask for a role in the drawer: it waits for a second person', async () => {
    const page = A.page;
    await page.getByTestId('filter-name').fill('张伟');
    await page.getByTestId('user-zhangwei').click();
    await page.getByTestId('user-drawer').getByTestId('drawer-name').waitFor();
    assert.equal((await page.getByTestId('drawer-name').innerText()).trim(), '张伟');
    await page.getByTestId('role-select').click();
    await page.getByTestId('role-option-editor').click();
    await page.getByTestId('role-reason').fill('负责网站信息录入');
    await page.getByTestId('role-request').click();
    await page.getByTestId('drawer-notice').waitFor();
    assert.match(await page.getByTestId('drawer-notice').innerText(), /信息员.*等待审批/);
    const pending = await pendingFor('zhangwei');
    assert.equal(pending.length, 1);
    assert.equal(pending[0].role, 'editor');
    assert.doesNotMatch(await page.getByTestId('drawer-roles').innerText(), /信息员/, 'not granted yet');
    await A.shot('user-drawer-zh');
    await page.keyboard.press('Escape');
  });

  test('the requester\'s own request shows why they cannot decide it', async () => {
    const page = A.page;
    await page.goto(`${srv.url}/accounts/requests`);
    const [req] = await pendingFor('zhangwei');
    const row = page.getByTestId(`request-row-${req.id}`);
    await row.waitFor();
    assert.match(await row.getByTestId('request-blocked').innerText(), /须由他人审批（四眼原则）/);
    assert.equal(await page.getByTestId(`request-decide-${req.id}`).count(), 0);
    assert.equal((await page.getByTestId('request-kind').first().innerText()).trim(), '角色申请');
    await A.shot('requests-own-zh');
    // What the server says when the requester tries anyway (through the API).
    const r = await admin.call('POST', `/api/requests/${req.id}/decision`, { decision: 'approve', comment: 'x' });
    assert.equal(r.status, 403);
  });

  test('the security administrator approves it in the inbox, with a comment', async () => {
    const page = B.page;
    const [req] = await pendingFor('zhangwei');
    await page.goto(`${srv.url}/accounts/requests`);
    await page.getByTestId(`request-decide-${req.id}`).click();
    // A decision needs a comment.
    await page.getByTestId('decision-approve').click();
    await page.getByTestId('decision-error').waitFor();
    assert.match(await page.getByTestId('decision-error').innerText(), /审批意见/);
    await page.getByTestId('decision-comment').fill('同意，岗位需要');
    await B.shot('request-decide-zh');
    await page.getByTestId('decision-approve').click();
    await page.getByTestId('decision-dialog').waitFor({ state: 'hidden' });
    await page.getByTestId(`request-row-${req.id}`).waitFor({ state: 'detached' });
    const u = await userByAccount('zhangwei');
    assert.ok(u.roles.split(',').includes('editor'), `roles: ${u.roles}`);
    const all = await admin.call('GET', '/api/requests?status=approved');
    const done = all.json.items.find((i) => i.id === req.id);
    assert.equal(done.comment, '同意，岗位需要');
    assert.equal(done.decided_by, 'wangfang');
  });

  test('a request decided elsewhere meanwhile is refused with the server\'s reason', async () => {
    let r = await admin.call('POST', `/api/users/${created.id}/roles`, { role: 'duty', reason: '值班' });
    assert.equal(r.status, 201, r.body);
    const id = r.json.request_id;
    const page = B.page;
    await page.goto(`${srv.url}/accounts/requests`);
    await page.getByTestId(`request-decide-${id}`).click();
    await page.getByTestId('decision-comment').fill('同意');
    // The same security administrator decides it from another session first.
    r = await sec.call('POST', `/api/requests/${id}/decision`, { decision: 'reject', comment: '另行安排' });
    assert.equal(r.status, 200, r.body);
    await page.getByTestId('decision-approve').click();
    await page.getByTestId('decision-error').waitFor();
    assert.match(await page.getByTestId('decision-error').innerText(), /该申请已被处理/);
    await page.keyboard.press('Escape');
    assert.match(await page.getByTestId(`request-row-${id}`).getByTestId('request-error').innerText(), /该申请已被处理/);
    const u = await userByAccount('zhangwei');
    assert.ok(!u.roles.split(',').includes('duty'), 'the refused approval changed nothing');
  });

  test('the role × permission matrix, permissions grouped by room', async () => {
    const page = A.page;
    await page.goto(`${srv.url}/accounts/roles`);
    await page.getByTestId('role-matrix').waitFor();
    const cell = page.locator('tr[data-perm="audit.read"] td');
    const roles = await page.locator('thead th[data-role]').evaluateAll((els) => els.map((e) => e.dataset.role));
    const marks = await cell.evaluateAll((els) => els.map((e) => e.className));
    assert.equal(marks[roles.indexOf('auditor')], 'perm-yes');
    assert.equal(marks[roles.indexOf('sysadmin')], 'perm-no');
    assert.match(await page.getByTestId('role-matrix').innerText(), /查看审计记录/);
    await A.shot('roles-matrix-zh');
  });

  test('HTML is refused as a real name, and shown as text, never run, where text may hold it', async () => {
    const page = A.page;
    await page.goto(`${srv.url}/accounts`);
    await page.getByTestId('account-create').click();
    await page.getByTestId('new-account').fill('xss01');
    await page.getByTestId('new-real-name').fill(XSS_NAME);
    await page.getByTestId('create-submit').click();
    // a real name holds letters only: the form says why, and nothing is created
    await page.getByTestId('create-error').waitFor();
    assert.match(await page.getByTestId('create-error').innerText(), /姓名/);
    await page.getByTestId('new-real-name').fill('徐晓');
    await page.getByTestId('create-submit').click();
    await page.getByTestId('one-time-password').waitFor();
    await page.getByTestId('create-done').click();
    await page.getByTestId('user-xss01').click();
    await page.getByTestId('drawer-name').waitFor();
    // A reason is free text: the markup reaches the approver's inbox as text.
    await page.getByTestId('role-select').click();
    await page.getByTestId('role-option-duty').click();
    await page.getByTestId('role-reason').fill(XSS_NAME);
    await page.getByTestId('role-request').click();
    await page.getByTestId('drawer-notice').waitFor();
    await page.keyboard.press('Escape');
    await B.page.goto(`${srv.url}/accounts/requests`);
    await B.page.locator('td', { hasText: XSS_NAME }).first().waitFor();
    for (const p of [page, B.page]) {
      assert.equal(await p.locator('img[src="x"]').count(), 0, 'no element made from the text');
    }
    await A.shot('xss-name-zh');
  });

  test('no page errors, script dialogs or CSP violations in either browser', async () => {
    for (const tab of [A, B]) {
      assert.deepEqual(await tab.cspViolations(), []);
      assert.deepEqual(tab.problems, []);
    }
  });
});
