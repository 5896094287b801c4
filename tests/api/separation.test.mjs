// 三员分立 and four-eyes tried as an attacker would (ACC-4..6, ACC-12, ACC-16, PUB-7): the
// system administrator alone after the security administrator is gone, a puppet department
// head, an outsourced 领导, a password set without a request, and guessing the current
// password from a signed-in session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runXinan, auditRows, sqlite } from '../lib/server.mjs';
import { Client, adminClient, enrolledAppointee, userClient, STRONG } from '../lib/session.mjs';

let server;
let admin;
let auditor;
let sec;
let root;

before(async () => {
  server = await startServer();
  admin = await adminClient(server);
  // bootstrap: the first auditor and the first security administrator, each once
  auditor = await enrolledAppointee(server, admin, 'audit1', 'auditor', { realName: '赵敏' });
  sec = await enrolledAppointee(server, admin, 'sec1', 'secadmin', { realName: '王强' });
  root = (await admin.call('GET', '/api/org')).json.items[0].id;
});
after(async () => { await server.stop(); });

test('ACC-4: a puppet department head cannot approve an application for reviewer or leader roles', async () => {
  const puppet = await userClient(server, admin, 'puppet1', { realName: '钱多' });
  let r = await admin.call('POST', '/api/org', { parent_id: root, name: '傀儡科', kind: 'department', head_user_id: puppet.id });
  assert.equal(r.status, 201, r.body);
  const dept = r.json.id;
  r = await admin.call('POST', '/api/applications', {
    account: 'shadow1', real_name: '孙影', department_id: dept, staff_type: 'staff',
    roles: ['reviewer1', 'reviewer2', 'reviewer3', 'leader'], reason: '新入职',
  });
  assert.equal(r.status, 201, r.body);
  const big = r.json.request_id;
  // the head's inbox shows it, but not as theirs to decide
  r = await puppet.call('GET', '/api/requests?status=pending');
  const item = r.json.items.find((x) => x.id === big);
  assert.ok(!item || item.may_decide === false, JSON.stringify(item));
  r = await puppet.call('POST', `/api/requests/${big}/decision`, { decision: 'approve' });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, 'forbidden');
  // the security administrator decides it, four-eyes like a role grant
  r = await sec.call('GET', '/api/requests?status=pending');
  assert.equal(r.json.items.find((x) => x.id === big).may_decide, true);
  r = await sec.call('POST', `/api/requests/${big}/decision`, { decision: 'reject', comment: '不符合岗位' });
  assert.equal(r.status, 200, r.body);
  // ordinary roles stay the head's to approve
  r = await admin.call('POST', '/api/applications', {
    account: 'clerk1', real_name: '孙丽', department_id: dept, staff_type: 'staff', roles: ['editor'], reason: '新入职',
  });
  const small = r.json.request_id;
  r = await puppet.call('GET', '/api/requests?status=pending');
  assert.equal(r.json.items.find((x) => x.id === small).may_decide, true);
  r = await puppet.call('POST', `/api/requests/${small}/decision`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
});

test('PUB-7: outsourced people never hold 领导 (release approval), directly or by application', async () => {
  const vendor = await userClient(server, admin, 'vendor1', { staffType: 'outsourced', realName: '吴外' });
  let r = await admin.call('POST', `/api/users/${vendor.id}/roles`, { role: 'leader', reason: '代批' });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, 'outsourced');
  r = await admin.call('POST', '/api/applications', {
    account: 'vendor2', real_name: '吴包', department_id: root, staff_type: 'outsourced', roles: ['leader'], reason: '驻场',
  });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, 'outsourced');
  r = await admin.call('GET', '/api/roles');
  assert.equal(r.json.items.find((x) => x.code === 'leader').reviewer, true);
});

test('ACC-12: no password is issued without a request; an administrator\'s reset needs a second administrator', async () => {
  const u = await userClient(server, admin, 'target1', { realName: '周青' });
  let r = await admin.call('POST', `/api/users/${u.id}/reset-password`);
  assert.equal(r.status, 404, r.body);
  assert.equal(r.json?.one_time_password, undefined);
  assert.equal((await new Client(server.url).login('target1', STRONG)).status, 200, 'the password is unchanged');
  // the auditor forgot the password and asks, signed out
  const anon = new Client(server.url);
  r = await anon.call('POST', '/api/auth/reset-request', { account: 'audit1' });
  assert.equal(r.status, 202);
  r = await admin.call('GET', '/api/requests?status=pending');
  const req = r.json.items.find((x) => x.kind === 'reset' && x.target_account === 'audit1');
  assert.ok(req);
  assert.equal(req.may_decide, false);
  // the system administrator alone cannot take over the auditor's account
  r = await admin.call('POST', `/api/requests/${req.id}/decision`, { decision: 'approve' });
  assert.equal(r.status, 403, r.body);
  assert.equal((await new Client(server.url).login('audit1', STRONG)).json.need_totp, true, 'the password still works');
  // a security administrator, neither the person nor the requester, decides
  r = await sec.call('POST', `/api/requests/${req.id}/decision`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
  assert.match(r.json.one_time_password, /^\S{16}$/);
});

test('ACC-16: wrong current passwords count towards the lockout like failed sign-ins', async () => {
  const u = await userClient(server, admin, 'guess1', { realName: '郑义' });
  for (let i = 0; i < 5; i++) {
    const r = await u.call('POST', '/api/me/password', { current: `Wrong-pass-${i}9x`, password: 'Qv8#Lm3$Tz6!' });
    assert.equal(r.status, 403, r.body);
    assert.equal(r.json.error.code, 'wrong_password');
  }
  // locked: the right password is refused at sign-in and in the session alike
  assert.equal((await new Client(server.url).login('guess1', STRONG)).status, 401);
  const r = await u.call('POST', '/api/me/password', { current: STRONG, password: 'Qv8#Lm3$Tz6!' });
  assert.equal(r.status, 403);
  assert.equal(auditRows(server.db, 'auth.reauth').filter((x) => x.actor_name === 'guess1').length, 6);
  assert.equal(auditRows(server.db, 'auth.lockout').filter((x) => x.object_id === 'guess1').length, 1);
});

test('ACC-6: the last security and audit administrators stay until a successor holds the role', async () => {
  let r = await admin.call('DELETE', `/api/users/${sec.id}/roles/secadmin`);
  assert.equal(r.status, 409, r.body);
  assert.equal(r.json.error.code, 'last_holder');
  r = await admin.call('POST', `/api/users/${sec.id}/disable`, { reason: '调离' });
  assert.equal(r.status, 409);
  r = await admin.call('POST', `/api/users/${auditor.id}/leave`, { reason: '离职', handover_to: admin.user.id });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'last_holder');
  assert.equal((await admin.call('GET', `/api/users/${auditor.id}`)).json.status, 'active');
  // a successor appointed with the security administrator's approval, then the old one goes
  const sec2 = await userClient(server, admin, 'sec2', { realName: '冯安' });
  r = await admin.call('POST', `/api/users/${sec2.id}/roles`, { role: 'secadmin', reason: '接任' });
  assert.equal(r.json.status, 'pending');
  r = await sec.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
  r = await admin.call('POST', `/api/users/${sec.id}/disable`, { reason: '调离' });
  assert.equal(r.status, 200, r.body);
});

test('ACC-6: with no security administrator left, the system administrator alone appoints nobody', async () => {
  // the successor is gone too (as if disabled behind the API's back)
  sqlite(server.db, "UPDATE app_user SET status = 'disabled' WHERE account = 'sec2'");
  const mole = await userClient(server, admin, 'mole1', { realName: '陈默' });
  const spy = await userClient(server, admin, 'spy1', { realName: '林暗' });
  let r = await admin.call('POST', `/api/users/${mole.id}/roles`, { role: 'secadmin', reason: '任命' });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.status, 'pending', 'no second appointment without approval');
  r = await admin.call('POST', `/api/users/${spy.id}/roles`, { role: 'auditor', reason: '任命' });
  assert.equal(r.json.status, 'pending');
  await mole.login('mole1', STRONG);
  assert.ok(!(await mole.call('GET', '/api/me')).json.user.permissions.includes('role.approve'));
  await spy.login('spy1', STRONG);
  assert.equal((await spy.call('GET', '/api/audit/records')).status, 403);

  // recovery: the host's root appoints directly, loudly audited
  const rescue = await userClient(server, admin, 'rescue1', { realName: '韩救' });
  let x = runXinan(['user', 'appoint', '--db', server.db, 'rescue1', 'secadmin']);
  assert.equal(x.status, 2, x.stderr); // a reason is required
  x = runXinan(['user', 'appoint', '--db', server.db, 'rescue1', 'secadmin', '--reason', '安全管理员全部离岗，恢复']);
  assert.equal(x.status, 0, x.stderr);
  assert.match(x.stderr, /auth\.break_glass/);
  const rows = auditRows(server.db, 'auth.break_glass');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].object_id, String(rescue.id));
  assert.match(rows[0].detail, /安全管理员全部离岗/);
  assert.match(rows[0].detail, /host_user/);
  // the rules on who may hold what still apply to the break-glass
  x = runXinan(['user', 'appoint', '--db', server.db, 'audit1', 'secadmin', '--reason', '兼任']);
  assert.equal(x.status, 1);
  assert.match(x.stderr, /三员分立/);
  await rescue.login('rescue1', STRONG);
  assert.ok((await rescue.call('GET', '/api/me')).json.user.permissions.includes('role.approve'));
});
