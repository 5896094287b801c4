// Accounts, sign-in and privileges against a real server (ACC-1..18): the first
// administrator, forced change, TOTP, CSRF, lockout, separation of duties, four-eyes,
// immediate effect of disabling and revoking, bad input — and the trail still verifies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, runXinan, dumpDb } from '../lib/server.mjs';
import { Client, adminClient, userClient, totp, firstAdminPassword, STRONG } from '../lib/session.mjs';

let server;
let admin;

before(async () => {
  server = await startServer();
});
after(async () => { await server.stop(); });

test('the first administrator signs in with the printed one-time password and must change it', async () => {
  const otp = firstAdminPassword(server);
  assert.match(otp, /^\S{16}$/);
  const c = new Client(server.url);
  let r = await c.login('admin', otp);
  assert.equal(r.status, 200);
  assert.equal(r.json.user.must_change, true);
  assert.equal(r.json.user.must_enrol_totp, true);
  assert.match(r.headers['set-cookie'][0], /xinan_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
  r = await c.call('GET', '/api/users');
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'password_change_required');
  r = await c.call('POST', '/api/me/password', { current: otp, password: 'abc123' });
  assert.equal(r.status, 400);
  r = await c.call('POST', '/api/me/password', { current: 'wrong-one', password: STRONG });
  assert.equal(r.status, 403);
});

test('wrong password and unknown account get the same answer', async () => {
  const c = new Client(server.url);
  const a = await c.login('admin', 'not-the-password-1');
  const b = await c.login('nobody-here', 'not-the-password-1');
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.equal(a.json.error.message, b.json.error.message);
  assert.equal(a.json.error.code, b.json.error.code);
});

test('forced change, then TOTP enrolment, then the administrator works', async () => {
  admin = await adminClient(server);
  const r = await admin.call('GET', '/api/users');
  assert.equal(r.status, 200);
  assert.equal(r.json.items[0].account, 'admin');
  assert.equal(r.json.items[0].totp, true);
  // the next sign-in needs the second factor
  const c = new Client(server.url);
  let l = await c.login('admin', STRONG);
  assert.equal(l.status, 200);
  assert.equal(l.json.need_totp, true);
  assert.equal(c.cookie, '');
  l = await c.login('admin', STRONG, '000000');
  assert.equal(l.status, 401);
  l = await c.login('admin', STRONG, totp(admin.totpSecret, 1));
  assert.equal(l.status, 200);
  assert.ok(c.cookie);
});

test('a change without the CSRF token is refused', async () => {
  const c = new Client(server.url);
  c.cookie = admin.cookie;
  const r = await c.call('POST', '/api/users', { account: 'x1', real_name: '某人', staff_type: 'staff' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'csrf_failed');
});

test('five failures lock the account for 30 minutes', async () => {
  const u = await userClient(server, admin, 'lockme');
  const c = new Client(server.url);
  for (let i = 0; i < 5; i++) assert.equal((await c.login('lockme', `Wrong-pass-${i}9`)).status, 401);
  const r = await c.login('lockme', u.password);
  assert.equal(r.status, 401);
  assert.match(dumpDb(server.db), /auth\.lockout/);
});

test('separation of duties, outsourced staff and four-eyes approval', async () => {
  const sec = await userClient(server, admin, 'sec1', { realName: '王强' });
  let r = await admin.call('POST', `/api/users/${sec.id}/roles`, { role: 'secadmin', reason: '任命' });
  assert.equal(r.status, 201);
  assert.equal(r.json.status, 'approved'); // the first appointment: nobody could approve yet
  // the new security administrator signs in again and enrols the second factor
  await sec.login('sec1', STRONG);
  let e = await sec.call('POST', '/api/me/totp');
  sec.totpSecret = e.json.secret;
  e = await sec.call('POST', '/api/me/totp/confirm', { code: totp(sec.totpSecret) });
  assert.equal(e.status, 200);

  // no person holds two of the three administrator roles
  r = await admin.call('POST', `/api/users/${sec.id}/roles`, { role: 'auditor' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'separation_of_duties');
  // outsourced people never review
  const out = await userClient(server, admin, 'vendor1', { staffType: 'outsourced' });
  r = await admin.call('POST', `/api/users/${out.id}/roles`, { role: 'reviewer1' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'outsourced');
  // nobody asks for themselves
  r = await admin.call('POST', `/api/users/${admin.user.id}/roles`, { role: 'leader' });
  assert.equal(r.status, 403);

  // an increase waits for a second person; the requester cannot approve it
  const ed = await userClient(server, admin, 'editor1');
  r = await admin.call('POST', `/api/users/${ed.id}/roles`, { role: 'reviewer1' });
  assert.equal(r.json.status, 'pending');
  const reqId = r.json.request_id;
  r = await admin.call('POST', `/api/requests/${reqId}/decision`, { decision: 'approve' });
  assert.equal(r.status, 403);
  // two approvals at once: exactly one wins
  const [a, b] = await Promise.all([
    sec.call('POST', `/api/requests/${reqId}/decision`, { decision: 'approve' }),
    sec.call('POST', `/api/requests/${reqId}/decision`, { decision: 'approve' }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409]);
  // the grant ended the person's sessions: a new sign-in carries the role
  assert.equal((await ed.call('GET', '/api/me')).status, 401);
  await ed.login('editor1', STRONG);
  assert.ok((await ed.call('GET', '/api/me')).json.user.permissions.includes('content.review1'));

  // removing a role counts at the next request, without signing in again
  r = await admin.call('DELETE', `/api/users/${ed.id}/roles/reviewer1`);
  assert.equal(r.status, 200);
  assert.ok(!(await ed.call('GET', '/api/me')).json.user.permissions.includes('content.review1'));
  // disabling ends the sessions at once
  r = await admin.call('POST', `/api/users/${ed.id}/disable`, { reason: '调离' });
  assert.equal(r.status, 200);
  assert.equal((await ed.call('GET', '/api/me')).status, 401);
});

test('roles, their permissions and the requests inbox are listed', async () => {
  let r = await admin.call('GET', '/api/roles');
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 12);
  const auditor = r.json.items.find((x) => x.code === 'auditor');
  assert.equal(auditor.name, '审计管理员');
  assert.equal(auditor.permissions, 'audit.read,compliance.read,content.read,file.read,incident.read,log.read,register.read');
  assert.ok(r.json.permissions.includes('role.approve'));
  r = await admin.call('GET', '/api/requests?status=approved');
  assert.equal(r.status, 200);
  assert.ok(r.json.items.length >= 2);
  assert.ok(r.json.items.every((x) => x.status === 'approved'));
  assert.ok(r.json.items.some((x) => x.role === 'reviewer1' && x.decided_by === 'sec1'));
  r = await admin.call('GET', '/api/requests?status=maybe');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'status');
  // a malformed filter is refused, not taken as "no filter"
  r = await admin.call('GET', '/api/requests?status=pending%ZZ');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'status');
});

test('a plain user is refused administration, and the refusal is recorded', async () => {
  const u = await userClient(server, admin, 'staff9');
  const r = await u.call('GET', '/api/users');
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'forbidden');
  assert.match(dumpDb(server.db), /'user\.read','route','\/api\/users','denied'/);
});

test('bad input gets a clear 400 and stores nothing', async () => {
  const before = dumpDb(server.db).split('\n').filter((l) => l.includes('INSERT INTO app_user')).length;
  const cases = [
    { account: 'a'.repeat(65), real_name: '张三', staff_type: 'staff' },
    { account: "x' OR 1=1 --", real_name: '张三', staff_type: 'staff' },
    { account: '<script>', real_name: '张三', staff_type: 'staff' },
    { account: 'ok.name', real_name: '张\u0001三', staff_type: 'staff' },
    { account: 'ok.name', real_name: '张三', staff_type: 'contractor' },
    { account: 'ok.name', real_name: '', staff_type: 'staff' },
  ];
  for (const body of cases) {
    const r = await admin.call('POST', '/api/users', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(r.json.error.field, JSON.stringify(r.json));
  }
  // invalid UTF-8 in the body
  const raw = Buffer.concat([Buffer.from('{"account":"ok2","real_name":"'), Buffer.from([0xff, 0xfe]),
    Buffer.from('","staff_type":"staff"}')]);
  const r = await admin.call('POST', '/api/users', raw);
  assert.equal(r.status, 400);
  const c = new Client(server.url);
  assert.equal((await c.login('a'.repeat(65), 'x')).status, 400);
  assert.equal((await c.login('admin', 'p'.repeat(257))).status, 400);
  // HTML in a name is refused: a person's name holds letters only (ACC-1)
  const h = await admin.call('POST', '/api/users', { account: 'html1', real_name: '<b>王</b>"&', staff_type: 'staff' });
  assert.equal(h.status, 400);
  assert.equal(h.json.error.code, 'bad_name');
  const after = dumpDb(server.db).split('\n').filter((l) => l.includes('INSERT INTO app_user')).length;
  assert.equal(after, before);
});

test('sessions: list one\'s own, end one, log out', async () => {
  const u = await userClient(server, admin, 'sess1');
  const other = new Client(server.url);
  await other.login('sess1', STRONG);
  let r = await u.call('GET', '/api/me/sessions');
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 2);
  const otherId = r.json.items.find((s) => !s.current).id;
  r = await u.call('DELETE', `/api/sessions/${otherId}`);
  assert.equal(r.status, 200);
  assert.equal((await other.call('GET', '/api/me')).status, 401);
  r = await u.call('POST', '/api/auth/logout');
  assert.equal(r.status, 200);
  assert.equal((await u.call('GET', '/api/me')).status, 401);
});

test('ACC-17: replacing an enrolled second factor asks for the current password again', async () => {
  const u = await userClient(server, admin, 'totp2');
  let r = await u.call('POST', '/api/me/totp');
  r = await u.call('POST', '/api/me/totp/confirm', { code: totp(r.json.secret) });
  assert.equal(r.status, 200, r.body); // the first enrolment: signed in a moment ago
  const before = (await u.call('GET', '/api/me')).json.user;
  assert.equal(before.totp, true);
  r = await u.call('POST', '/api/me/totp');
  const fresh = r.json.secret;
  r = await u.call('POST', '/api/me/totp/confirm', { code: totp(fresh) });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'current');
  r = await u.call('POST', '/api/me/totp/confirm', { code: totp(fresh), current: 'Wrong-pass-123!' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'wrong_password');
  const denied = spawnSync('sqlite3', [server.db, "SELECT count(*) FROM audit_log WHERE action = 'auth.totp_enrol' AND result = 'denied' AND actor_name = 'totp2'"], { encoding: 'utf8' });
  assert.equal(denied.stdout.trim(), '1');
  r = await u.call('POST', '/api/me/totp/confirm', { code: totp(fresh, 1), current: STRONG });
  assert.equal(r.status, 200, r.body);
});

test('after all of it the audit trail verifies with the seed', () => {
  const seed = server.stdout().match(/-{72}\n((?:\s+[0-9a-f]{8}){8})/);
  assert.ok(seed, server.stdout());
  const seedFile = join(server.dir, 'seed.txt');
  writeFileSync(seedFile, seed[1]);
  const r = runXinan(['audit', 'verify', '--db', server.db, '--seed-file', seedFile]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.intact, true);
  assert.equal(report.seals_checked, true);
  assert.ok(report.records > 20);
});
