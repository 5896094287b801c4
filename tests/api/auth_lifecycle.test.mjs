// The account lifecycle against a real server (ORG-1, ACC-2, ACC-12, ACC-14, ACC-17): the
// organisation tree, account applications decided by a department head, resets, demanded
// password changes under a moved clock, leaving and transfers with handover records, the
// yearly review, agent tokens, sealed TOTP secrets, cookies, and bad input in every new field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, runXinan, dumpDb, tempDir, request, sqlite, waitFor } from '../lib/server.mjs';
import { Client, adminClient, enrolledAppointee, userClient, totp, STRONG, STRONG2 } from '../lib/session.mjs';

const DAY = 86400;
let server;
let admin;
let sec;
let clockFile;

function setClock(seconds) { writeFileSync(clockFile, String(Math.round(seconds))); }

before(async () => {
  const dir = tempDir();
  clockFile = join(dir, 'clock');
  setClock(0);
  server = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile } });
  admin = await adminClient(server);
  sec = await enrolledAppointee(server, admin, 'sec1', 'secadmin', { realName: '王强' });
});
after(async () => { await server.stop(); });

test('ORG-1: units and departments form a tree; moves that would close a cycle are refused', async () => {
  let r = await admin.call('GET', '/api/org');
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 1);
  const root = r.json.items[0];
  assert.equal(root.kind, 'unit');
  r = await admin.call('POST', '/api/org', { parent_id: root.id, name: '办公室', kind: 'department' });
  assert.equal(r.status, 201, r.body);
  const office = r.json.id;
  r = await admin.call('POST', '/api/org', { parent_id: office, name: '档案科', kind: 'department' });
  const archive = r.json.id;
  // same name under the same parent: refused
  r = await admin.call('POST', '/api/org', { parent_id: root.id, name: '办公室', kind: 'department' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'name_taken');
  // a unit never sits under a department
  r = await admin.call('POST', '/api/org', { parent_id: office, name: '下属单位', kind: 'unit' });
  assert.equal(r.status, 400);
  // moving the office under its own child would make a cycle
  r = await admin.call('PATCH', `/api/org/${office}`, { parent_id: archive });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'cycle');
  r = await admin.call('PATCH', `/api/org/${office}`, { parent_id: office });
  assert.equal(r.json.error.code, 'cycle');
  r = await admin.call('PATCH', `/api/org/${root.id}`, { parent_id: office });
  assert.equal(r.status, 400);
  // rename and move work
  r = await admin.call('PATCH', `/api/org/${archive}`, { name: '档案室', parent_id: root.id });
  assert.equal(r.status, 200, r.body);
  r = await admin.call('GET', '/api/org');
  const names = r.json.items[0].children.map((c) => c.name).sort();
  assert.deepEqual(names, ['办公室', '档案室']);
  // reading is open to anyone signed in, writing needs org.manage
  const u = await userClient(server, admin, 'orgreader');
  assert.equal((await u.call('GET', '/api/org')).status, 200);
  r = await u.call('POST', '/api/org', { parent_id: root.id, name: '新科室', kind: 'department' });
  assert.equal(r.status, 403);
  assert.equal((await new Client(server.url).call('GET', '/api/org')).status, 401);
});

test('ACC-1: names refuse direction controls, invisible characters and formulas; real names only letters; nothing stored', async () => {
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  const rows = () => dumpDb(server.db).split('\n').filter((l) => /^INSERT INTO (org_unit|access_request|app_user|agent_token) /.test(l)).length;
  const before = rows();
  const refused = [
    ['/api/org', { parent_id: root, name: '\u202Eabc', kind: 'department' }, 'name', 'bidi_control'],
    ['/api/org', { parent_id: root, name: '\u2067科室\u2069', kind: 'department' }, 'name', 'bidi_control'],
    ['/api/org', { parent_id: root, name: '\u200B', kind: 'department' }, 'name', 'invisible_char'],
    ['/api/org', { parent_id: root, name: '科\u200D室', kind: 'department' }, 'name', 'invisible_char'],
    ['/api/org', { parent_id: root, name: '\uFEFF科室', kind: 'department' }, 'name', 'invisible_char'],
    ['/api/org', { parent_id: root, name: '=cmd', kind: 'department' }, 'name', 'bad_start'],
    ['/api/org', { parent_id: root, name: '\u3000', kind: 'department' }, 'name', 'required'],
    ['/api/users', { account: 'name1', real_name: '张三1', staff_type: 'staff' }, 'real_name', 'bad_name'],
    ['/api/users', { account: 'name1', real_name: '=cmd', staff_type: 'staff' }, 'real_name', 'bad_start'],
    ['/api/users', { account: 'name1', real_name: '@张三', staff_type: 'staff' }, 'real_name', 'bad_start'],
    ['/api/users', { account: 'name1', real_name: '张\u200B三', staff_type: 'staff' }, 'real_name', 'invisible_char'],
    ['/api/users', { account: 'name1', real_name: '\u202E三张', staff_type: 'staff' }, 'real_name', 'bidi_control'],
    ['/api/users', { account: 'name1', real_name: ' 张三', staff_type: 'staff' }, 'real_name', 'bad_name'],
    ['/api/users', { account: 'name1', real_name: '<b>王</b>', staff_type: 'staff' }, 'real_name', 'bad_name'],
    ['/api/users', { account: 'name1', real_name: '张三', department: '办公\u202E室', staff_type: 'staff' }, 'department', 'bidi_control'],
    ['/api/applications', { account: 'name2', real_name: '李四2', department_id: root, staff_type: 'staff', reason: '入职' }, 'real_name', 'bad_name'],
    ['/api/applications', { account: 'name2', real_name: '李四', department_id: root, staff_type: 'staff', reason: '入职\u202E' }, 'reason', 'bidi_control'],
    ['/api/agents/tokens', { name: '\u2066guard\u2069', scope: 'guard', expires_days: 30 }, 'name', 'bidi_control'],
    ['/api/agents/tokens', { name: '\u200B', scope: 'guard', expires_days: 30 }, 'name', 'invisible_char'],
  ];
  for (const [path, body, field, code] of refused) {
    const r = await admin.call('POST', path, body);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body)} → ${r.body}`);
    assert.equal(r.json.error.field, field, r.body);
    assert.equal(r.json.error.code, code, r.body);
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/, r.body);
  }
  assert.equal(rows(), before, 'nothing stored');
  // names as people write them pass: any script, the middle dot, spaces between words
  for (const [account, realName] of [['name3', '欧阳·娜娜'], ['name4', 'Anna Müller'], ['name5', '阿依古丽・买买提']]) {
    const r = await admin.call('POST', '/api/users', { account, real_name: realName, staff_type: 'staff' });
    assert.equal(r.status, 201, r.body);
  }
});

test('ACC-2: an application is approved by the department head; the applicant cannot approve it', async () => {
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  const head = await userClient(server, admin, 'head1', { realName: '赵敏' });
  let r = await admin.call('POST', '/api/org', { parent_id: root, name: '信息中心', kind: 'department', head_user_id: head.id });
  assert.equal(r.status, 201, r.body);
  const dept = r.json.id;
  const app = { account: 'newbie1', real_name: '孙丽', department_id: dept, phone: '010-12345678', staff_type: 'staff', roles: ['editor'], reason: '新入职' };
  r = await admin.call('POST', '/api/applications', app);
  assert.equal(r.status, 201, r.body);
  const reqId = r.json.request_id;
  // the same account twice: refused while the first is pending
  r = await admin.call('POST', '/api/applications', app);
  assert.equal(r.status, 409);
  // the applicant cannot approve
  r = await admin.call('POST', `/api/requests/${reqId}/decision`, { decision: 'approve' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'own_request');
  assert.match(r.json.error.message, /不能审批自己提交的申请/);
  // someone who heads no department and holds no approval right cannot either
  const other = await userClient(server, admin, 'bystander');
  r = await other.call('POST', `/api/requests/${reqId}/decision`, { decision: 'approve' });
  assert.equal(r.status, 403);
  // nor an outsourced head of another department applied to (ACC-5)
  const vendorHead = await userClient(server, admin, 'vhead1', { staffType: 'outsourced' });
  const vdept = (await admin.call('POST', '/api/org', { parent_id: root, name: '外包运维组', kind: 'department', head_user_id: vendorHead.id })).json.id;
  r = await admin.call('POST', '/api/applications', { ...app, account: 'newbie2', department_id: vdept });
  r = await vendorHead.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'approve' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'outsourced');
  // the head approves: the one-time password goes to the head, once
  r = await head.call('POST', `/api/requests/${reqId}/decision`, { decision: 'approve', comment: '同意' });
  assert.equal(r.status, 200, r.body);
  assert.match(r.json.one_time_password, /^\S{16}$/);
  const otp = r.json.one_time_password;
  assert.ok(!dumpDb(server.db).includes(otp), 'the one-time password is stored only as a hash');
  const n = new Client(server.url);
  r = await n.login('newbie1', otp);
  assert.equal(r.status, 200);
  assert.equal(r.json.user.must_change, true);
  assert.deepEqual(r.json.user.roles.sort(), ['editor', 'staff']);
  r = await admin.call('GET', `/api/users/${r.json.user.id}`);
  assert.equal(r.json.department, '信息中心');
  assert.equal(r.json.department_id, dept);
  assert.equal(r.json.phone, '010-12345678');
  // the applicant is told what it was about and who decided
  r = await admin.call('GET', '/api/me/notifications');
  assert.ok(r.json.items.some((x) => x.title === '您为 孙丽 (newbie1) 提交的账号申请已被 赵敏 批准' && x.body === '理由：同意'),
    JSON.stringify(r.json.items));
});

test('ACC-2: two approvals at once, exactly one wins; a rejection keeps its comment', async () => {
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  let r = await admin.call('POST', '/api/applications', { account: 'race1', real_name: '周杰', department_id: root, staff_type: 'outsourced', reason: '驻场运维' });
  assert.equal(r.status, 201, r.body);
  const id = r.json.request_id;
  const [a, b] = await Promise.all([
    sec.call('POST', `/api/requests/${id}/decision`, { decision: 'approve' }),
    sec.call('POST', `/api/requests/${id}/decision`, { decision: 'approve' }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409]);
  assert.equal(Number(sqlite(server.db, "SELECT count(*) FROM app_user WHERE account = 'race1'")), 1);
  r = await admin.call('POST', '/api/applications', { account: 'nope1', real_name: '吴刚', department_id: root, staff_type: 'staff', reason: '试用' });
  r = await sec.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'reject', comment: '未完成上岗培训' });
  assert.equal(r.status, 200);
  assert.equal(r.json.one_time_password, undefined);
  r = await admin.call('GET', '/api/requests?status=rejected');
  const rej = r.json.items.find((x) => x.application && x.application.account === 'nope1');
  assert.equal(rej.comment, '未完成上岗培训');
  assert.equal(Number(sqlite(server.db, "SELECT count(*) FROM app_user WHERE account = 'nope1'")), 0);
  // outsourced applicants never get reviewer roles (PUB-7), nor administrator roles by application
  r = await admin.call('POST', '/api/applications', { account: 'vend2', real_name: '郑和', department_id: root, staff_type: 'outsourced', roles: ['reviewer1'], reason: 'x' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'outsourced');
  r = await admin.call('POST', '/api/applications', { account: 'adm2', real_name: '郑和', department_id: root, staff_type: 'staff', roles: ['secadmin'], reason: 'x' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'admin_role');
});

test('ACC-12: a reset asked for signed out gets one answer for any account; an administrator issues the password', async () => {
  const u = await userClient(server, admin, 'forgetful');
  const anon = new Client(server.url);
  const a = await anon.call('POST', '/api/auth/reset-request', { account: 'forgetful' });
  const b = await anon.call('POST', '/api/auth/reset-request', { account: 'no-such-person' });
  assert.equal(a.status, 202);
  assert.equal(b.status, 202);
  assert.equal(a.body, b.body);
  let r = await admin.call('GET', '/api/requests?status=pending');
  const req = r.json.items.find((x) => x.kind === 'reset' && x.target_account === 'forgetful');
  assert.ok(req);
  // the security administrator lacks user.reset_password; the system administrator has it
  r = await sec.call('POST', `/api/requests/${req.id}/decision`, { decision: 'approve' });
  assert.equal(r.status, 403);
  r = await admin.call('POST', `/api/requests/${req.id}/decision`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
  const otp = r.json.one_time_password;
  assert.match(otp, /^\S{16}$/);
  // the reset ended the sessions; the old password is gone; the new one must be changed
  assert.equal((await u.call('GET', '/api/me')).status, 401);
  assert.equal((await new Client(server.url).login('forgetful', STRONG)).status, 401);
  const c = new Client(server.url);
  r = await c.login('forgetful', otp);
  assert.equal(r.json.user.must_change, true);
  assert.equal((await c.call('GET', '/api/org')).json.error.code, 'password_change_required');
});

test('ACC-12: a supervisor may ask for a subordinate\'s reset, nobody else may', async () => {
  const boss = await userClient(server, admin, 'boss1');
  const worker = await userClient(server, admin, 'worker1');
  const stranger = await userClient(server, admin, 'stranger1');
  let r = await admin.call('PATCH', `/api/users/${worker.id}`, { supervisor_id: boss.id, positions: '信息员' });
  assert.equal(r.status, 200, r.body);
  r = await admin.call('PATCH', `/api/users/${boss.id}`, { supervisor_id: worker.id });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'supervisor_cycle');
  // the supervisor finds the people they may ask a reset for; others find nobody
  r = await boss.call('GET', '/api/me/subordinates');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.items.map((p) => p.account), ['worker1']);
  r = await stranger.call('GET', '/api/me/subordinates');
  assert.deepEqual(r.json.items, []);
  r = await stranger.call('POST', `/api/users/${worker.id}/reset-request`, { reason: '忘记密码' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'not_supervisor');
  r = await boss.call('POST', `/api/users/${worker.id}/reset-request`, { reason: '忘记密码' });
  assert.equal(r.status, 201, r.body);
  r = await boss.call('POST', `/api/users/${worker.id}/reset-request`, { reason: '再来一次' });
  assert.equal(r.status, 409);
  // an administrator never sets or issues a password for someone else (ACC-12): no such route
  r = await admin.call('POST', `/api/users/${worker.id}/reset-password`, { password: STRONG2 });
  assert.equal(r.status, 404);
  assert.equal((await new Client(server.url).login('worker1', STRONG)).status, 200);
});

test('the unread count covers every notification, not only the newest page', async () => {
  const u = await userClient(server, admin, 'inbox250');
  const rows = Array.from({ length: 250 }, (_, i) => `(${u.id}, ${i + 1}, 'test', '通知 ${i}', '')`).join(',');
  sqlite(server.db, `INSERT INTO notification (user_id, at, kind, title, body) VALUES ${rows}`);
  const r = await u.call('GET', '/api/me/notifications');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.items.length, 200);
  assert.equal(r.json.unread, 250);
});

test('ACC-12: a demanded change warns three days and one day before, then disables and tells the supervisor', async () => {
  const boss = await userClient(server, admin, 'boss2');
  const slow = await userClient(server, admin, 'slow1');
  const quick = await userClient(server, admin, 'quick1');
  await admin.call('PATCH', `/api/users/${slow.id}`, { supervisor_id: boss.id });
  const day = new Date(Date.now() + 8 * 3600e3 + 10 * DAY * 1000).toISOString().slice(0, 10);
  let r = await admin.call('POST', `/api/users/${slow.id}/force-password-change`, { deadline: day, reason: '疑似泄露' });
  assert.equal(r.status, 200, r.body);
  const deadline = r.json.deadline / 1e6; // epoch seconds: the end of that day in Beijing
  r = await admin.call('POST', `/api/users/${quick.id}/force-password-change`, { deadline: day, reason: '疑似泄露' });
  assert.equal(r.status, 200);
  r = await admin.call('POST', `/api/users/${slow.id}/force-password-change`, { deadline: '2001-01-01', reason: 'x' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'deadline');
  assert.equal((await slow.call('GET', '/api/me/notifications')).json.items[0].kind, 'password_change_demanded');
  // quick changes in time: the demand is met
  r = await quick.call('POST', '/api/me/password', { current: STRONG, password: STRONG2 });
  assert.equal(r.status, 200, r.body);

  const now = Date.now() / 1000;
  const titles = async () => (await slow.call('GET', '/api/me/notifications')).json.items.map((x) => x.title);
  setClock(deadline - 2.5 * DAY - now);
  await waitFor(async () => (await titles()).includes('距修改密码期限不足 3 天'), 'the three-day reminder');
  setClock(deadline - 0.5 * DAY - now);
  await waitFor(async () => (await titles()).includes('距修改密码期限不足 1 天'), 'the one-day reminder');
  assert.equal((await titles()).filter((t) => t.startsWith('距修改密码期限')).length, 2, 'each reminder once');
  setClock(deadline + 60 - now);
  await waitFor(async () => (await admin.call('GET', `/api/users/${slow.id}`)).json.status === 'disabled', 'disabling');
  setClock(0);
  assert.equal((await slow.call('GET', '/api/me')).status, 401);
  assert.equal((await admin.call('GET', `/api/users/${quick.id}`)).json.status, 'active');
  const bossNotes = (await boss.call('GET', '/api/me/notifications')).json;
  const note = bossNotes.items.find((x) => x.kind === 'account_disabled');
  assert.ok(note, JSON.stringify(bossNotes));
  assert.match(note.body, /slow1/);
  assert.ok(bossNotes.unread >= 1);
  // marking read: one's own only
  r = await boss.call('POST', `/api/me/notifications/${note.id}/read`);
  assert.equal(r.status, 200);
  assert.equal((await boss.call('GET', '/api/me/notifications')).json.unread, bossNotes.unread - 1);
  r = await quick.call('POST', `/api/me/notifications/${note.id}/read`);
  assert.equal(r.status, 404);
  assert.match(dumpDb(server.db), /auth\.password_change_reminder/);
});

test('ACC-14: leaving closes roles, sessions and open requests at once and records the handover', async () => {
  const leaver = await userClient(server, admin, 'leaver1');
  const receiver = await userClient(server, admin, 'receiver1');
  let r = await admin.call('POST', `/api/users/${leaver.id}/roles`, { role: 'editor' });
  await sec.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'approve' });
  await leaver.login('leaver1', STRONG);
  r = await admin.call('POST', `/api/users/${leaver.id}/roles`, { role: 'duty', reason: '值班' });
  const open = r.json.request_id;
  const before = (await admin.call('GET', `/api/users/${leaver.id}`)).json;
  assert.equal(before.roles, 'editor,staff');
  r = await admin.call('POST', `/api/users/${leaver.id}/leave`, { reason: '调离本单位', handover_to: receiver.id, note: '网站栏目维护移交' });
  assert.equal(r.status, 200, r.body);
  const u = (await admin.call('GET', `/api/users/${leaver.id}`)).json;
  assert.equal(u.status, 'left');
  assert.equal(u.roles, '');
  assert.equal((await leaver.call('GET', '/api/me')).status, 401);
  assert.equal((await new Client(server.url).login('leaver1', STRONG)).status, 401);
  r = await admin.call('GET', '/api/requests?status=cancelled');
  assert.ok(r.json.items.some((x) => x.id === open));
  r = await admin.call('GET', `/api/users/${leaver.id}/handover`);
  assert.equal(r.status, 200);
  const h = r.json.items[0];
  assert.equal(h.kind, 'leave');
  assert.deepEqual(h.roles_removed, ['editor', 'staff']);
  assert.deepEqual(h.requests_cancelled, [open]);
  assert.equal(h.receiver, 'receiver1');
  assert.equal(h.sessions_ended, 1);
  assert.ok((await receiver.call('GET', '/api/me/notifications')).json.items.some((x) => x.kind === 'handover'));
  r = await admin.call('POST', `/api/users/${leaver.id}/leave`, { reason: '再次', handover_to: receiver.id });
  assert.equal(r.status, 409);
  r = await admin.call('POST', `/api/users/${receiver.id}/leave`, { reason: 'x', handover_to: receiver.id });
  assert.equal(r.status, 400);
});

test('ACC-14: a transfer changes the department, keeps the account active and ends its sessions', async () => {
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  const dept = (await admin.call('POST', '/api/org', { parent_id: root, name: '宣传科', kind: 'department' })).json.id;
  const mover = await userClient(server, admin, 'mover1');
  const receiver = await userClient(server, admin, 'receiver2');
  let r = await admin.call('POST', `/api/users/${mover.id}/transfer`, { reason: '岗位调整', handover_to: receiver.id });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'new_department_id');
  r = await admin.call('POST', `/api/users/${mover.id}/transfer`, { reason: '岗位调整', handover_to: receiver.id, new_department_id: dept });
  assert.equal(r.status, 200, r.body);
  const u = (await admin.call('GET', `/api/users/${mover.id}`)).json;
  assert.equal(u.status, 'active');
  assert.equal(u.department, '宣传科');
  assert.equal(u.roles, 'staff');
  assert.equal((await mover.call('GET', '/api/me')).status, 401);
  r = await admin.call('GET', `/api/users/${mover.id}/handover`);
  assert.equal(r.json.items[0].kind, 'transfer');
  assert.equal(r.json.items[0].new_department_id, dept);
});

test('ACC-14: the yearly review flags accounts unused for 90 days and is confirmed by the security administrator', async () => {
  let r = await admin.call('GET', '/api/review/accounts');
  assert.equal(r.status, 200);
  assert.ok(r.json.items.length > 10);
  assert.equal(r.json.flagged, 0);
  // an account created now and never used: flagged once the clock is 91 days on
  // a formula in a name can no longer be entered (ACC-1), but one stored before must still be defused
  await admin.call('POST', '/api/users', { account: 'idle1', real_name: '闲置', staff_type: 'staff' });
  sqlite(server.db, `UPDATE app_user SET real_name = '=HYPERLINK("x")' WHERE account = 'idle1'`);
  setClock(91 * DAY);
  r = await admin.call('GET', '/api/review/accounts');
  setClock(0);
  const idle = r.json.items.find((x) => x.account === 'idle1');
  assert.equal(idle.unused_90d, true);
  assert.equal(idle.last_login_at, 0);
  assert.equal(r.json.flagged, r.json.items.length);
  r = await admin.call('GET', '/api/review/accounts.csv');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/csv/);
  assert.equal(r.body.charCodeAt(0), 0xfeff, 'a byte-order mark for spreadsheet programs');
  assert.match(r.body, /账号,姓名/);
  assert.match(r.body, /"'=HYPERLINK\(""x""\)"/, 'a formula in a cell is defused');
  // confirming needs account.review (the security administrator), not the system administrator
  r = await admin.call('POST', '/api/review/accounts/confirm', { comment: '年度复核' });
  assert.equal(r.status, 403);
  r = await sec.call('POST', '/api/review/accounts/confirm', { comment: '2026 年度复核，与人事名册核对一致' });
  assert.equal(r.status, 201, r.body);
  r = await admin.call('GET', '/api/review/accounts');
  assert.equal(r.json.reviews[0].by, 'sec1');
  assert.match(dumpDb(server.db), /auth\.account_review/);
});

test('agent tokens: shown once, stored hashed, scoped, revocable; refusals are recorded', async () => {
  let r = await admin.call('POST', '/api/agents/tokens', { name: '门户网站防篡改', scope: 'guard', expires_days: 30 });
  assert.equal(r.status, 201, r.body);
  const { token, id } = r.json;
  assert.match(token, /^xat_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
  assert.ok(!dumpDb(server.db).includes(token.split('.')[1]), 'the secret is not stored');
  r = await admin.call('GET', '/api/agents/tokens');
  assert.equal(r.json.items[0].id, id);
  assert.equal(r.json.items[0].state, 'active');
  assert.ok(!r.body.includes(token.split('.')[1]));
  const bearer = (t) => ({ Authorization: `Bearer ${t}` });
  r = await request(server.url, '/api/agents/whoami', { headers: bearer(token) });
  assert.equal(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).scope, 'guard');
  r = await request(server.url, '/api/agents/whoami?scope=netwatch', { headers: bearer(token) });
  assert.equal(r.status, 401);
  r = await request(server.url, '/api/agents/whoami', { headers: bearer(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')) });
  assert.equal(r.status, 401);
  r = await request(server.url, '/api/agents/whoami', { headers: bearer('xat_zz') });
  assert.equal(r.status, 401);
  // a session cookie is no agent token
  r = await admin.call('GET', '/api/agents/whoami');
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'agent_required');
  // a plain user cannot issue tokens; bad values are refused
  const u = await userClient(server, admin, 'agentless');
  assert.equal((await u.call('POST', '/api/agents/tokens', { name: 'x', scope: 'guard', expires_days: 1 })).status, 403);
  for (const body of [{ name: 'x', scope: 'guard', expires_days: 366 }, { name: 'x', scope: 'root', expires_days: 1 }, { name: '', scope: 'guard', expires_days: 1 }, { name: 'x', scope: 'guard', expires_days: '30' }]) {
    r = await admin.call('POST', '/api/agents/tokens', body);
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  r = await admin.call('DELETE', `/api/agents/tokens/${id}`);
  assert.equal(r.status, 200);
  // from an address of its own: the first failures of each source and minute are recorded one
  // by one, the rest only counted
  r = await request(server.url, '/api/agents/whoami', { headers: bearer(token), from: '127.0.0.20' });
  assert.equal(r.status, 401);
  assert.equal((await admin.call('GET', '/api/agents/tokens')).json.items[0].state, 'revoked');
  const dump = dumpDb(server.db);
  for (const why of ['wrong_scope', 'wrong_secret', 'malformed', 'revoked'])
    assert.match(dump, new RegExp(`auth\\.agent_check.*${why}`), why);
});

test('TOTP secrets are sealed with the key file beside the database; without it the server will not start', async () => {
  assert.equal(sqlite(server.db, "SELECT totp_alg FROM app_user WHERE account = 'admin'"), 'xchacha20poly1305');
  const secretHex = sqlite(server.db, "SELECT hex(totp_secret) FROM app_user WHERE account = 'admin'");
  assert.equal(secretHex.length, 2 * (1 + 24 + 20 + 16));
  const st = statSync(`${server.db}.key`);
  assert.equal(st.size, 32);
  assert.equal(st.mode & 0o777, 0o600);
  // the database copied without its key file: a clear refusal to start
  const dir = tempDir();
  const copy = join(dir, 'copy.db');
  sqlite(server.db, `VACUUM INTO '${copy}'`);
  const r = runXinan(['serve', '--listen', '127.0.0.1:0', '--db', copy], { cwd: dir, env: { XINAN_TEXT_LEXICONS: '/nonexistent' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /field key file is missing/);
  assert.ok(!existsSync(`${copy}.key`), 'no new key is made over sealed data');
});

test('secrets stored in the clear are sealed at the next start; gm mode seals with SM4 and HMAC-SM3', async () => {
  const s = await startServer({ env: { XINAN_CRYPTO_MODE: 'gm' } });
  try {
    const a = await adminClient(s);
    assert.equal(sqlite(s.db, "SELECT totp_alg FROM app_user WHERE account = 'admin'"), 'sm4ctr-hmacsm3');
    await s.stop();
    // put the secret back in the clear, as an older xinan stored it
    const raw = Buffer.from(Array.from({ length: 20 }, (_, i) => i + 1));
    sqlite(s.db, `UPDATE app_user SET totp_secret = X'${raw.toString('hex')}', totp_alg = NULL WHERE account = 'admin'`);
    const again = await startServer({ dir: s.dir, db: s.db, env: { XINAN_CRYPTO_MODE: 'gm' } });
    try {
      assert.match(again.stdout(), /sealed 1 stored secret/);
      assert.equal(sqlite(s.db, "SELECT totp_alg FROM app_user WHERE account = 'admin'"), 'sm4ctr-hmacsm3');
      const b32 = 'AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU'; // base32 of bytes 1..20
      const c = new Client(again.url);
      const r = await c.login('admin', STRONG, totp(b32, 1));
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.user.account, a.user.account);
    } finally { await again.stop(); }
  } finally { await s.stop(); }
});

test('ACC-17: the session cookie is __Host- with Secure when secure cookies are on, plain on loopback', async () => {
  const c = new Client(server.url);
  const r0 = await c.login('sec1', STRONG, totp(sec.totpSecret, 1));
  assert.equal(r0.status, 200, r0.body);
  assert.match(r0.headers['set-cookie'][0], /^xinan_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
  const s = await startServer({ env: { XINAN_HTTP_SECURE_COOKIES: 'on' } });
  try {
    const a = await adminClient(s);
    const r = await a.login('admin', STRONG, totp(a.totpSecret, 1));
    const set = r.headers['set-cookie'][0];
    assert.match(set, /^__Host-xinan_session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
    assert.equal((await a.call('GET', '/api/me')).status, 200);
    // the plain name is not accepted there
    const plain = new Client(s.url);
    plain.cookie = a.cookie.replace('__Host-', '');
    assert.equal((await plain.call('GET', '/api/me')).status, 401);
    const out = await a.call('POST', '/api/auth/logout');
    assert.match(out.headers['set-cookie'][0], /^__Host-xinan_session=; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=0$/);
  } finally { await s.stop(); }
});

test('bad input in every new field: a clear 400 and nothing stored', async () => {
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  const before = dumpDb(server.db).split('\n').filter((l) => /^INSERT INTO (org_unit|access_request|app_user|agent_token|handover|account_review) /.test(l)).length;
  const good = { account: 'okname', real_name: '张三', department_id: root, phone: '13800138000', staff_type: 'staff', reason: '入职' };
  const apps = [
    { ...good, account: 'a'.repeat(65) },
    { ...good, account: "x' OR 1=1 --" },
    { ...good, account: '<script>alert(1)</script>' },
    { ...good, real_name: '张\u0001三' },
    { ...good, real_name: 'x'.repeat(129) },
    { ...good, phone: "1' OR '1'='1" },
    { ...good, phone: '<b>123456</b>' },
    { ...good, staff_type: 'contractor' },
    { ...good, department_id: 999999 },
    { ...good, department_id: '1' },
    { ...good, roles: 'editor' },
    { ...good, roles: ['no-such-role'] },
    { ...good, roles: ['editor', 'editor'] },
    { ...good, roles: Array(17).fill('editor') },
    { ...good, reason: '' },
    { ...good, reason: 'r'.repeat(1001) },
  ];
  for (const body of apps) {
    const r = await admin.call('POST', '/api/applications', body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${r.body}`);
    assert.ok(r.json.error.field, r.body);
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/, r.body);
  }
  const orgs = [
    { parent_id: root, name: '', kind: 'department' },
    { parent_id: root, name: '   ', kind: 'department' },
    { parent_id: root, name: 'n'.repeat(129), kind: 'department' },
    { parent_id: root, name: '科\u0007室', kind: 'department' },
    { parent_id: root, name: '科室', kind: 'team' },
    { parent_id: 0, name: '科室', kind: 'department' },
    { parent_id: root, name: '科室', kind: 'department', head_user_id: 999999 },
  ];
  for (const body of orgs) {
    const r = await admin.call('POST', '/api/org', body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${r.body}`);
  }
  const someone = (await admin.call('GET', '/api/users')).json.items.find((x) => x.account === 'bystander').id;
  for (const [path, body] of [
    [`/api/users/${someone}/force-password-change`, { deadline: 'tomorrow', reason: 'x' }],
    [`/api/users/${someone}/force-password-change`, { deadline: '2026-13-45', reason: 'x' }],
    [`/api/users/${someone}/force-password-change`, { deadline: '2999-01-01', reason: 'x' }],
    [`/api/users/${someone}/leave`, { reason: '', handover_to: 1 }],
    [`/api/users/${someone}/leave`, { reason: 'x', handover_to: 999999 }],
    [`/api/users/${someone}/leave`, { reason: 'x', handover_to: 1, note: 'n'.repeat(4001) }],
    [`/api/users/${someone}/transfer`, { reason: 'x', handover_to: 1, new_department_id: 999999 }],
    [`/api/users/${someone}/reset-request`, { reason: 'r\u0000' }],
    ['/api/review/accounts/confirm', { comment: '' }],
  ]) {
    const r = await (path.includes('confirm') ? sec : admin).call('POST', path, body);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body).slice(0, 60)} → ${r.body}`);
  }
  let r = await admin.call('PATCH', `/api/users/${someone}`, { phone: 'call me' });
  assert.equal(r.status, 400);
  r = await admin.call('PATCH', `/api/users/${someone}`, { supervisor_id: someone });
  assert.equal(r.status, 400);
  // invalid UTF-8 in a body
  const raw = Buffer.concat([Buffer.from('{"account":"utf8bad","real_name":"'), Buffer.from([0xc3, 0x28]),
    Buffer.from(`","department_id":${root},"staff_type":"staff","reason":"x"}`)]);
  r = await admin.call('POST', '/api/applications', raw);
  assert.equal(r.status, 400);
  // signed out: an over-long account, a password past 256 bytes at sign-in
  const anon = new Client(server.url);
  r = await anon.call('POST', '/api/auth/reset-request', { account: 'a'.repeat(65) });
  assert.equal(r.status, 400);
  r = await anon.login('admin', 'p'.repeat(257));
  assert.equal(r.status, 400);
  const after = dumpDb(server.db).split('\n').filter((l) => /^INSERT INTO (org_unit|access_request|app_user|agent_token|handover|account_review) /.test(l)).length;
  assert.equal(after, before);
  // SQL and HTML metacharacters that are valid text are stored as given and come back JSON-escaped
  r = await admin.call('POST', '/api/org', { parent_id: root, name: `<img src=x onerror=alert(1)>'; DROP TABLE app_user; --`, kind: 'department' });
  assert.equal(r.status, 201);
  r = await admin.call('GET', '/api/org');
  assert.ok(r.body.includes('\\u003cimg') || r.body.includes('<img src=x'));
  assert.ok(r.json.items[0].children.some((c) => c.name.startsWith('<img')));
  assert.ok(Number(sqlite(server.db, 'SELECT count(*) FROM app_user')) > 0);
});

test('ACC-12: signed-out reset requests are limited per source', async () => {
  const anon = new Client(server.url);
  const seen = [];
  for (let i = 0; i < 6; i++) seen.push((await anon.call('POST', '/api/auth/reset-request', { account: `nobody${i}` })).status);
  // five an hour from one address, whatever the accounts; then 429 and nothing recorded
  const first = seen.indexOf(429);
  assert.ok(first > 0, seen.join(','));
  assert.ok(seen.slice(0, first).every((s) => s === 202) && seen.slice(first).every((s) => s === 429));
  assert.equal(Number(sqlite(server.db, "SELECT count(*) FROM auth_throttle WHERE kind = 'reset'")), 5);
});

test('after all of it the audit trail verifies', () => {
  const r = runXinan(['audit', 'verify', '--db', server.db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).intact, true);
});
