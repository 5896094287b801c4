// Browser test of the account lifecycle, in headless Chromium against a real `xinan serve`
// whose lifecycle clock the test moves (XINAN_TEST_CLOCK, as tests/api/auth_lifecycle does).
//
// Requirements: ORG-1 (the organisation tree and its heads), ACC-2 (an account applied for
// and decided by the department's head, the one-time password handed over once), ACC-12
// (resets asked for from the sign-in page and by a supervisor; a demanded password change with
// its reminders in the bell), ACC-14 (leaving ends the person's open session and records the
// handover; the yearly review flags unused accounts and is confirmed), the agent tokens, and
// /profile reading the second factor from /api/me.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, startServer, tempDir, waitFor } from '../lib/server.mjs';
import { Client, STRONG, STRONG2, adminClient, enrolledAppointee, userClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

const DAY = 86400;
let srv;
let clockFile;
let browser;
let admin; // API client of the system administrator
let sec; // API client of the security administrator
let head; // API client of the head of 信息中心 (no role.read, no user.read)
let leader; // API client of a 领导 (user.apply)
let A; // the system administrator's tab
const ids = {}; // org node ids by name
let applicationId;
let newbieOtp;

function setClock(seconds) {
  writeFileSync(clockFile, String(Math.round(seconds)));
}

// el-tree-select and el-select render their options in a popper outside the form.
async function pickTree(page, testid, name) {
  await page.getByTestId(testid).click();
  await page.locator(`.${testid}-popper`).getByText(name, { exact: true }).click();
}
async function pickOption(page, testid, popper, text) {
  await page.getByTestId(testid).click();
  await page.locator(`.${popper} .el-select-dropdown__item`, { hasText: text }).first().click();
}

async function orgNode(name) {
  const walk = (nodes) => {
    for (const n of nodes) {
      if (n.name === name) return n;
      const f = walk(n.children || []);
      if (f) return f;
    }
    return null;
  };
  return walk((await admin.call('GET', '/api/org')).json.items);
}

async function userByAccount(account) {
  return (await admin.call('GET', '/api/users')).json.items.find((u) => u.account === account);
}

async function approvedRole(userId, role) {
  const r = await admin.call('POST', `/api/users/${userId}/roles`, { role, reason: '岗位需要' });
  assert.equal(r.status, 201, r.body);
  const d = await sec.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'approve', comment: '同意' });
  assert.equal(d.status, 200, d.body);
}

describe('the account lifecycle in the UI', { timeout: 420_000 }, () => {
  before(async () => {
    const dir = tempDir();
    clockFile = join(dir, 'clock');
    setClock(0);
    srv = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile } });
    admin = await adminClient(srv);
    sec = await enrolledAppointee(srv, admin, 'wangfang', 'secadmin', { realName: '王芳' });
    head = await userClient(srv, admin, 'qianjin', { realName: '钱进' });
    leader = await userClient(srv, admin, 'lingdao', { realName: '刘领导' });
    await approvedRole(leader.id, 'leader');

    browser = await launch();
    A = await newPage(browser);
    await uiSignIn(A.page, srv.url, 'admin', STRONG, admin.totpSecret);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  test('ORG-1: the system administrator builds a small tree, sets a head, and sees a cycle refused', async () => {
    const page = A.page;
    await page.goto(`${srv.url}/accounts/org`);
    await page.getByTestId('org-tree').waitFor();
    const root = (await admin.call('GET', '/api/org')).json.items[0];
    const add = async (parentId, name) => {
      await page.getByTestId(`org-create-${parentId}`).click();
      await page.getByTestId('org-name').fill(name);
      await page.getByTestId('org-submit').click();
      await page.getByTestId('org-dialog').waitFor({ state: 'hidden' });
      const n = await waitFor(() => orgNode(name), name);
      await page.getByTestId(`org-node-${n.id}`).waitFor();
      return n.id;
    };
    ids.center = await add(root.id, '信息中心');
    ids.network = await add(ids.center, '网络科');
    ids.office = await add(root.id, '办公室');
    // the head of 信息中心 decides its applications
    await page.getByTestId(`org-head-${ids.center}`).click();
    await pickOption(page, 'org-head-select', 'org-head-popper', '钱进（qianjin）');
    await page.getByTestId('org-submit').click();
    await page.getByTestId('org-dialog').waitFor({ state: 'hidden' });
    await page.getByTestId(`org-node-${ids.center}`).getByTestId('org-head').filter({ hasText: '钱进' }).waitFor();
    assert.equal((await orgNode('信息中心')).head_user_id, head.id);
    // moving 信息中心 below its own child: the server's 409 `cycle`, in its own words
    await page.getByTestId(`org-move-${ids.center}`).click();
    await pickTree(page, 'org-parent', '网络科');
    await page.getByTestId('org-submit').click();
    await page.getByTestId('org-error').waitFor();
    assert.match(await page.getByTestId('org-error').innerText(), /不能移动到自身或其下级节点之下/);
    await A.shot('lifecycle-org-cycle-zh');
    await page.keyboard.press('Escape');
    assert.equal((await orgNode('信息中心')).parent_id, root.id, 'nothing moved');
    // a legal move: 网络科 under 办公室
    await page.getByTestId(`org-move-${ids.network}`).click();
    await pickTree(page, 'org-parent', '办公室');
    await page.getByTestId('org-submit').click();
    await page.getByTestId('org-dialog').waitFor({ state: 'hidden' });
    assert.equal((await orgNode('网络科')).parent_id, ids.office);
    await A.shot('lifecycle-org-zh');
  });

  test('ORG-1: the tree is read-only without org.manage', async () => {
    const tab = await newPage(browser);
    await uiSignIn(tab.page, srv.url, 'lingdao', STRONG);
    await tab.page.goto(`${srv.url}/accounts/org`);
    await tab.page.getByTestId(`org-node-${ids.center}`).waitFor();
    assert.equal(await tab.page.getByTestId(`org-create-${ids.center}`).count(), 0);
    assert.match(await tab.page.getByTestId('org-page').innerText(), /只读/);
    // /profile says what /api/me says about the second factor
    await tab.page.goto(`${srv.url}/profile`);
    assert.equal((await tab.page.getByTestId('profile-totp').innerText()).trim(), '未绑定');
    assert.deepEqual(tab.problems, []);
    await tab.context.close();
  });

  test('ACC-2: a leader applies for an account in the UI; the head approves it and sees the one-time password once', async () => {
    const L = await newPage(browser);
    await uiSignIn(L.page, srv.url, 'lingdao', STRONG);
    await L.page.goto(`${srv.url}/accounts/requests`);
    await L.page.getByTestId('apply-open').click();
    await L.page.getByTestId('apply-account').fill('sunli');
    await L.page.getByTestId('apply-name').fill('孙丽');
    await pickTree(L.page, 'apply-department', '信息中心');
    await L.page.getByTestId('apply-phone').fill('010-12345678');
    await L.page.getByTestId('apply-role-editor').click();
    await L.page.getByTestId('apply-reason').fill('新入职，负责网站信息录入');
    await L.shot('lifecycle-apply-zh');
    await L.page.getByTestId('apply-submit').click();
    await L.page.getByTestId('apply-done').waitFor();
    const all = (await admin.call('GET', '/api/requests?status=pending')).json.items;
    const app = all.find((x) => x.kind === 'account' && x.application.account === 'sunli');
    assert.ok(app, 'the application reached the server');
    assert.equal(app.application.department_id, ids.center);
    assert.deepEqual(app.application.roles, ['editor']);
    applicationId = app.id;
    await L.page.getByTestId('apply-close').click();
    // the applicant sees it under 我的申请, and cannot decide it
    await L.page.getByTestId(`request-row-${app.id}`).waitFor();
    assert.match(await L.page.getByTestId(`request-row-${app.id}`).innerText(), /须由他人审批/);
    assert.deepEqual(L.problems, []);
    await L.context.close();

    // the head: no role.read, reaches the inbox from the user menu, sees exactly this one
    const H = await newPage(browser);
    await uiSignIn(H.page, srv.url, 'qianjin', STRONG);
    assert.equal(await H.page.getByTestId('nav-accounts').count(), 0);
    await H.page.getByTestId('user-menu').click();
    await H.page.getByTestId('menu-requests').click();
    await H.page.getByTestId(`request-row-${app.id}`).waitFor();
    assert.equal(await H.page.getByTestId('requests-table').locator('tbody tr.el-table__row').count(), 1);
    assert.match(await H.page.getByTestId('view-todo').innerText(), /待我审批（1）/);
    // the application's fields
    await H.page.getByTestId('requests-table').locator('.el-table__expand-icon').first().click();
    const detail = await H.page.getByTestId(`request-detail-${app.id}`).innerText();
    for (const s of ['sunli', '孙丽', '信息中心', '010-12345678', '在编', '信息员']) assert.ok(detail.includes(s), `${s} in ${detail}`);
    // ACC-2: the trainings register has no training of 孙丽, and the head is told so
    assert.equal((await H.page.getByTestId(`request-training-${app.id}`).innerText()).trim(), '未见培训记录');
    await H.shot('lifecycle-head-inbox-zh');
    await H.page.getByTestId(`request-decide-${app.id}`).click();
    assert.match(await H.page.getByTestId('decision-training').innerText(), /培训台账中没有“孙丽”的培训记录/);
    await H.page.getByTestId('decision-comment').fill('同意开通');
    await H.page.getByTestId('decision-approve').click();
    await H.page.getByTestId('one-time-password').waitFor();
    newbieOtp = (await H.page.getByTestId('one-time-password').innerText()).trim();
    assert.match(newbieOtp, /^\S{16}$/);
    assert.match(await H.page.getByTestId('otp-handover').innerText(), /当面交给本人/);
    assert.match(await H.page.getByTestId('decision-otp-lead').innerText(), /账号已开通/);
    await H.shot('lifecycle-head-otp-zh');
    await H.page.getByTestId('decision-done').click();
    await H.page.getByTestId('decision-dialog').waitFor({ state: 'hidden' });
    // once: the row is decided and nothing shows the password again
    await H.page.getByTestId(`request-row-${app.id}`).waitFor({ state: 'detached' });
    assert.equal(await H.page.getByTestId('one-time-password').count(), 0);
    await H.page.getByTestId('view-mine').click();
    await H.page.getByTestId('requests-status').getByText('已批准').click();
    await H.page.getByTestId('requests-table').locator('.el-table__empty-text').waitFor();
    assert.equal(await H.page.getByText(newbieOtp).count(), 0);
    assert.deepEqual(H.problems, []);
    await H.context.close();
  });

  test('ACC-2: the new person signs in with the one-time password and must change it first', async () => {
    const N = await newPage(browser);
    await uiSignIn(N.page, srv.url, 'sunli', newbieOtp);
    await N.page.waitForURL(`${srv.url}/password`);
    assert.equal(await N.page.getByTestId('password-page').getAttribute('data-forced'), 'true');
    await N.page.getByTestId('pw-current').fill(newbieOtp);
    await N.page.getByTestId('pw-new').fill(STRONG);
    await N.page.getByTestId('pw-repeat').fill(STRONG);
    await N.page.getByTestId('pw-submit').click();
    await N.page.waitForURL(`${srv.url}/`);
    const u = await userByAccount('sunli');
    assert.equal(u.department, '信息中心');
    assert.equal(u.must_change, false);
    assert.deepEqual(u.roles.split(',').sort(), ['editor', 'staff']);
    assert.deepEqual(N.problems, []);
    await N.context.close();
  });

  test('ACC-12: a reset asked for on the sign-in page; the administrator approves it and the one-time password works', async () => {
    const P = await newPage(browser);
    await P.page.goto(`${srv.url}/login`);
    await P.page.getByTestId('login-forgot').click();
    await P.page.getByTestId('reset-request-page').waitFor();
    await P.page.getByTestId('reset-account').fill('sunli');
    await P.page.getByTestId('reset-submit').click();
    await P.page.getByTestId('reset-sent').waitFor();
    assert.match(await P.page.getByTestId('reset-sent').innerText(), /如账号存在，申请已提交给管理员/);
    await P.shot('lifecycle-reset-request-zh');
    // an unknown account gets the very same page
    await P.page.goto(`${srv.url}/login/reset`);
    await P.page.getByTestId('reset-account').fill('no-such-person');
    await P.page.getByTestId('reset-submit').click();
    await P.page.getByTestId('reset-sent').waitFor();
    assert.deepEqual(P.problems, []);
    await P.context.close();

    const page = A.page;
    await page.goto(`${srv.url}/accounts/requests`);
    const req = (await admin.call('GET', '/api/requests?status=pending')).json.items.find((x) => x.kind === 'reset' && x.target_account === 'sunli');
    assert.ok(req);
    await page.getByTestId(`request-decide-${req.id}`).click();
    await page.getByTestId('decision-comment').fill('核实为本人');
    await page.getByTestId('decision-approve').click();
    await page.getByTestId('one-time-password').waitFor();
    assert.match(await page.getByTestId('decision-otp-lead').innerText(), /密码已重置/);
    const otp = (await page.getByTestId('one-time-password').innerText()).trim();
    await page.getByTestId('decision-done').click();
    const c = new Client(srv.url);
    const r = await c.login('sunli', otp);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.user.must_change, true);
    assert.equal((await c.call('POST', '/api/me/password', { current: otp, password: STRONG2 })).status, 200);
  });

  test('ACC-1, ACC-12: real-name data in the drawer; a supervisor asks for a reset; a demanded change reaches the bell', async () => {
    const worker = await userClient(srv, admin, 'zhouxing', { realName: '周星' });
    const W = await newPage(browser);
    await uiSignIn(W.page, srv.url, 'zhouxing', STRONG);
    const page = A.page;
    await page.goto(`${srv.url}/accounts`);
    await page.getByTestId('user-zhouxing').click();
    await page.getByTestId('drawer-name').waitFor();
    await pickTree(page, 'edit-department', '网络科');
    await page.getByTestId('edit-phone').fill('13800138000');
    await page.getByTestId('edit-positions').fill('网络管理员');
    await pickOption(page, 'edit-supervisor', 'edit-supervisor-popper', '（admin）');
    await page.getByTestId('edit-save').click();
    await page.getByTestId('drawer-notice').filter({ hasText: '实名信息已保存' }).waitFor();
    let u = await userByAccount('zhouxing');
    assert.equal(u.department_id, ids.network);
    assert.equal(u.phone, '13800138000');
    assert.equal(u.positions, '网络管理员');
    assert.equal(u.supervisor_id, admin.user.id);
    // the supervisor's own action
    await page.getByTestId('user-reset-request').click();
    await page.locator('.el-message-box input').fill('忘记密码');
    await page.locator('.el-message-box__btns .el-button--primary').click();
    await page.getByTestId('drawer-notice').filter({ hasText: '重置申请已提交' }).waitFor();
    const pending = (await admin.call('GET', '/api/requests?status=pending')).json.items;
    assert.ok(pending.some((x) => x.kind === 'reset' && x.target_account === 'zhouxing' && x.requested_by === 'admin'));

    // a deadline ten days on, typed into the date picker
    const day = new Date(Date.now() + 8 * 3600e3 + 10 * DAY * 1000).toISOString().slice(0, 10);
    await page.getByTestId('force-deadline').locator('input').click();
    await page.getByTestId('force-deadline').locator('input').fill(day);
    await page.getByTestId('force-deadline').locator('input').press('Enter');
    await page.getByTestId('force-reason').fill('疑似泄露');
    await page.getByTestId('force-submit').click();
    await page.getByTestId('drawer-notice').filter({ hasText: day }).waitFor();
    u = await userByAccount('zhouxing');
    assert.ok(u.change_deadline > Date.now() * 1000, 'a deadline in the future');
    await page.getByTestId('drawer-deadline').filter({ hasText: day }).waitFor();
    await A.shot('lifecycle-drawer-zh');
    await page.keyboard.press('Escape');

    // the person's bell: the demand at once
    await W.page.reload();
    await W.page.getByTestId('bell-count').filter({ hasText: '1' }).waitFor();
    await W.page.getByTestId('bell').click();
    await W.page.getByTestId('bell-item-password_change_demanded').waitFor();
    // then the three-day reminder, under the moved lifecycle clock
    const deadline = u.change_deadline / 1e6;
    setClock(deadline - 2.5 * DAY - Date.now() / 1000);
    await waitFor(async () => (await worker.call('GET', '/api/me/notifications')).json.items.some((x) => x.title === '距修改密码期限不足 3 天'), 'the reminder');
    setClock(0);
    await W.page.reload();
    await W.page.getByTestId('bell-count').filter({ hasText: '2' }).waitFor();
    await W.page.getByTestId('bell').click();
    await W.page.getByTestId('bell-panel').getByText('距修改密码期限不足 3 天').waitFor();
    await W.shot('lifecycle-bell-zh');
    // opening an item marks it read
    await W.page.getByTestId('bell-panel').getByText('距修改密码期限不足 3 天').click();
    await W.page.getByTestId('bell-count').filter({ hasText: '1' }).waitFor();
    assert.equal((await worker.call('GET', '/api/me/notifications')).json.unread, 1);
    assert.deepEqual(W.problems, []);
    await W.context.close();
  });

  test('ACC-12: a supervisor without account rights asks for a subordinate\'s reset from the profile page', async () => {
    const boss = await userClient(srv, admin, 'lixia', { realName: '李霞' });
    const worker = await userClient(srv, admin, 'zhaolei', { realName: '赵磊' });
    const r = await admin.call('PATCH', `/api/users/${worker.id}`, { supervisor_id: boss.id });
    assert.equal(r.status, 200, r.body);
    const B = await newPage(browser);
    await uiSignIn(B.page, srv.url, 'lixia', STRONG);
    await B.page.goto(`${srv.url}/profile`);
    await B.page.getByTestId('profile-subordinates').getByText('赵磊').waitFor();
    await B.page.getByTestId('subordinate-reset').click();
    await B.page.locator('.el-message-box input').fill('忘记密码');
    await B.page.locator('.el-message-box__btns .el-button--primary').click();
    await B.page.getByText('重置申请已提交').waitFor();
    await B.shot('lifecycle-subordinates-zh');
    const pending = (await admin.call('GET', '/api/requests?status=pending')).json.items;
    assert.ok(pending.some((x) => x.kind === 'reset' && x.target_account === 'zhaolei' && x.requested_by === 'lixia'));
    assert.deepEqual(B.problems, []);
    await B.context.close();
  });

  test('ACC-14: leaving ends the person\'s open browser session and the handover record shows', async () => {
    const leaver = await userClient(srv, admin, 'chenli', { realName: '陈立' });
    await approvedRole(leaver.id, 'editor');
    const V = await newPage(browser);
    await uiSignIn(V.page, srv.url, 'chenli', STRONG);
    await V.page.goto(`${srv.url}/profile`);
    await V.page.getByTestId('profile-page').waitFor();

    const page = A.page;
    await page.goto(`${srv.url}/accounts`);
    await page.getByTestId('user-chenli').click();
    await page.getByTestId('drawer-name').waitFor();
    await page.getByTestId('user-leave').click();
    await page.getByTestId('leave-reason').fill('调离本单位');
    await pickOption(page, 'leave-receiver', 'leave-receiver-popper', '孙丽（sunli）');
    await page.getByTestId('leave-note').fill('网站栏目维护移交');
    await page.getByTestId('leave-next').click();
    const said = await page.getByTestId('leave-consequences').innerText();
    for (const s of ['信息员', '普通工作人员', '结束其全部会话', '待审批申请', '已离岗', '孙丽（sunli）']) assert.ok(said.includes(s), `${s} in ${said}`);
    assert.ok(!said.includes('部门负责人'), 'no headship to clear');
    await A.shot('lifecycle-leave-confirm-zh');
    await page.getByTestId('leave-submit').click();
    await page.getByTestId('leave-dialog').waitFor({ state: 'hidden' });
    await page.getByTestId('handover-leave').waitFor();
    assert.equal((await page.getByTestId('handover-receiver').innerText()).trim(), 'sunli');
    assert.equal((await page.getByTestId('handover-note').innerText()).trim(), '网站栏目维护移交');
    assert.match(await page.getByTestId('handover-roles').innerText(), /信息员/);
    assert.equal((await page.getByTestId('handover-sessions').innerText()).trim(), '1');
    assert.equal((await page.getByTestId('drawer-status').innerText()).trim(), '已离岗');
    await A.shot('lifecycle-handover-zh');
    await page.keyboard.press('Escape');

    // the leaver's next click lands on the sign-in page
    await V.page.getByTestId('nav-home').click();
    await V.page.waitForURL(/\/login/);
    await V.page.getByTestId('login-page').waitFor();
    await V.context.close();
  });

  test('ACC-14: the review page flags an unused account, filters to it, downloads CSV and records the confirmation', async () => {
    await admin.call('POST', '/api/users', { account: 'idle1', real_name: '闲置', staff_type: 'staff' });
    const B = await newPage(browser);
    await uiSignIn(B.page, srv.url, 'wangfang', STRONG, sec.totpSecret);
    setClock(91 * DAY);
    try {
      await B.page.goto(`${srv.url}/accounts/review`);
      await B.page.getByTestId('review-unused-idle1').waitFor();
      const total = await B.page.getByTestId('review-table').locator('tbody tr.el-table__row').count();
      // every account is unused 91 days on, except those signed in since; filter to them
      await B.page.getByTestId('review-only-unused').click();
      const flagged = (await (await request(srv.url, '/api/review/accounts', { headers: { Cookie: admin.cookie } })).body);
      const expected = JSON.parse(flagged).flagged;
      await waitFor(async () => (await B.page.getByTestId('review-table').locator('tbody tr.el-table__row').count()) === expected, 'the filter');
      assert.ok(expected <= total);
      const [download] = await Promise.all([B.page.waitForEvent('download'), B.page.getByTestId('review-csv').click()]);
      assert.match(download.suggestedFilename(), /\.csv$/);
    } finally {
      setClock(0);
    }
    assert.match(await B.page.getByTestId('review-last-text').innerText(), /尚未进行过复核/);
    await B.page.getByTestId('review-comment').fill('2026 年度复核，与人事名册核对一致');
    await B.page.getByTestId('review-confirm').click();
    await B.page.getByTestId('review-last-text').filter({ hasText: 'wangfang' }).waitFor();
    assert.match(await B.page.getByTestId('review-last-text').innerText(), /由 wangfang 确认/);
    await B.shot('lifecycle-review-zh');
    assert.deepEqual(B.problems, []);
    await B.context.close();
  });

  test('agent tokens: issued once in the UI, then revoked after a confirmation', async () => {
    const page = A.page;
    await page.goto(`${srv.url}/accounts/agents`);
    await page.getByTestId('agents-table').waitFor();
    await page.getByTestId('agent-issue').click();
    await page.getByTestId('agent-name').fill('门户网站防篡改');
    await page.getByTestId('agent-scope-guard').click();
    await page.getByTestId('agent-submit').click();
    await page.getByTestId('one-time-password').waitFor();
    const token = (await page.getByTestId('one-time-password').innerText()).trim();
    assert.match(token, /^xat_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    await A.shot('lifecycle-agent-token-zh');
    let r = await request(srv.url, '/api/agents/whoami', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, r.body);
    await page.getByTestId('agent-done').click();
    await page.getByTestId('agent-dialog').waitFor({ state: 'hidden' });
    assert.equal(await page.getByText(token).count(), 0, 'shown once');
    const id = token.slice(4, 20);
    assert.equal((await page.getByTestId(`agent-state-${id}`).innerText()).trim(), '有效');
    await page.getByTestId(`agent-revoke-${id}`).click();
    assert.match(await page.locator('.el-message-box').innerText(), /门户网站防篡改/);
    await page.locator('.el-message-box__btns .el-button--primary').click();
    await page.getByTestId(`agent-state-${id}`).filter({ hasText: '已吊销' }).waitFor();
    r = await request(srv.url, '/api/agents/whoami', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401);
  });

  test('no page errors, script dialogs or CSP violations in the administrator\'s browser', async () => {
    assert.deepEqual(await A.cspViolations(), []);
    assert.deepEqual(A.problems, []);
  });
});
