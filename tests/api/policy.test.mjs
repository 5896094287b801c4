// The password policy as the security administrator sets it, against a real server
// (ACC-8, ACC-9, ACC-10): profiles made stricter and never weaker, the stored policy applied to
// password changes, the live check and `xinan passwd check --db`; the weak-password list
// (count and digest shown, entries never returned); refusals recorded; bad input storing
// nothing; and password ageing under a moved clock (reminders 7 days and 1 day before, a forced
// change at the next sign-in after the maximum age).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, runXinan, tempDir, request, sqlite, waitFor } from '../lib/server.mjs';
import { Client, adminClient, appointedClient, userClient, STRONG } from '../lib/session.mjs';

const DAY = 86400;
// 12 characters with letters and digits: acceptable under the users' minimum of 10
const TWELVE = 'Qm7vXp2kLr9w';
const FOURTEEN = 'Qm7vXp2kLr9wZt';
let server;
let admin;
let sec;
let clockFile;

function setClock(seconds) { writeFileSync(clockFile, String(Math.round(seconds))); }

const sql = (text) => sqlite(server.db, text);

/** PUT /api/policy/weak-list with a text/plain body (a string or bytes): { status, json }. */
async function putWeakList(client, body) {
  const r = await request(server.url, '/api/policy/weak-list', {
    method: 'PUT',
    headers: { Cookie: client.cookie, 'X-CSRF-Token': client.csrf, 'Content-Type': 'text/plain; charset=utf-8' },
    body,
  });
  let json = null;
  try { json = JSON.parse(r.body); } catch { /* not JSON */ }
  return { status: r.status, json, body: r.body };
}

const people = {};

before(async () => {
  const dir = tempDir();
  clockFile = join(dir, 'clock');
  setClock(0);
  server = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile } });
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '王强' });
  // everyone the tests need, with passwords set under the minimum policy at clock 0
  for (const [account, realName] of [['zhaolei', '赵磊'], ['editor1', '钱多'], ['sunli', '孙丽'], ['qianli', '钱力'], ['zhoujie', '周杰']])
    people[account] = await userClient(server, admin, account, { realName });
});
after(async () => { await server.stop(); });

test('GET /api/policy: every profile with its minimum, overrides and effective rules, labelled in Chinese', async () => {
  const r = await sec.call('GET', '/api/policy');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.items.map((p) => p.profile), ['user', 'admin', 'server', 'media']);
  const [user, adm, srv] = r.json.items;
  assert.equal(user.name, '普通用户');
  assert.equal(adm.name, '管理员');
  assert.deepEqual(user.minimum, user.effective);
  assert.deepEqual(user.overrides, {});
  assert.equal(user.minimum.min_length, 10);
  assert.deepEqual(user.minimum.classes, ['letters', 'digits']);
  assert.equal(user.minimum.max_repeat, null);
  assert.deepEqual(adm.minimum.classes, ['letters', 'digits', 'symbols']);
  assert.equal(adm.minimum.history, 10);
  assert.equal(adm.minimum.dictionary, true);
  assert.equal(srv.minimum.max_age_days, 7);
  assert.equal(r.json.fields.min_length, '最小长度');
  // anyone signed in reads the rules of their own profile
  const me = await sec.call('GET', '/api/me/policy');
  assert.equal(me.status, 200);
  assert.equal(me.json.profile, 'admin');
});

test('ACC-8: the security administrator tightens min_length to 14; a 12-character password is then refused everywhere', async () => {
  const u = people.zhaolei;
  // acceptable before
  let r = await u.call('POST', '/api/password/check', { password: TWELVE });
  assert.equal(r.json.ok, true, r.body);

  r = await sec.call('PUT', '/api/policy/user', { min_length: 14 });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.effective.min_length, 14);
  r = await sec.call('GET', '/api/policy');
  const user = r.json.items.find((p) => p.profile === 'user');
  assert.deepEqual(user.overrides, { min_length: 14 });
  assert.equal(user.effective.min_length, 14);
  assert.equal(user.minimum.min_length, 10);
  assert.equal(user.updated_by, 'sec1');

  // the live check, the change itself and the person's own rules follow the stored policy
  r = await u.call('POST', '/api/password/check', { password: TWELVE });
  assert.equal(r.json.ok, false);
  const v = r.json.violations.find((x) => x.rule === 'min_length');
  assert.ok(v, r.body);
  assert.equal(v.message, '密码长度至少 14 位');
  r = await u.call('POST', '/api/me/password', { current: STRONG, password: TWELVE });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.code, 'min_length');
  assert.equal((await u.call('GET', '/api/me/policy')).json.effective.min_length, 14);
  // administrators keep their own profile
  assert.equal((await sec.call('GET', '/api/me/policy')).json.effective.min_length, 10);

  // the command line with the database: the stored policy applies, and it says so
  let c = runXinan(['passwd', 'check', '--profile', 'user', '--db', server.db], { input: `${TWELVE}\n` });
  assert.equal(c.status, 1, c.stderr);
  assert.match(c.stdout, /"rule":"min_length","message":"密码长度至少 14 位"/);
  c = runXinan(['passwd', 'check', '--profile', 'user'], { input: `${TWELVE}\n` });
  assert.equal(c.status, 0, 'without a database the regulatory minimum applies');
  c = runXinan(['passwd', 'check', '--profile', 'user', '--db', server.db], { input: `${FOURTEEN}\n` });
  assert.equal(c.status, 0, c.stdout + c.stderr);
  assert.match(runXinan(['passwd', 'check', '--help']).stdout, /--db\/--config the policy and weak-password list stored/);

  // the audit record names the profile, before and after
  const rec = sql("SELECT object_id || '|' || detail FROM audit_log WHERE action = 'auth.policy_update' ORDER BY seq DESC LIMIT 1");
  const [profile, detail] = rec.split('|');
  assert.equal(profile, 'user');
  const d = JSON.parse(detail);
  assert.equal(d.before.min_length, 10);
  assert.equal(d.after.min_length, 14);
});

test('ACC-9: a weaker setting is refused with policy_weaker naming the field, in Chinese, and nothing is stored', async () => {
  const stored = () => sql('SELECT profile, settings, updated_at FROM password_policy ORDER BY profile');
  const audits = () => sql("SELECT count(*) FROM audit_log WHERE action = 'auth.policy_update'");
  const before1 = stored();
  const before2 = audits();
  const cases = [
    ['admin', { min_length: 8 }, 'min_length', /最小长度 8 低于管理员策略的最低要求 10/],
    ['admin', { classes: ['letters', 'digits'] }, 'classes', /字符类别少于管理员策略的最低要求/],
    ['admin', { max_repeat: null }, 'max_repeat', /低于管理员策略的最低要求/],
    ['admin', { dictionary: false }, 'dictionary', /低于管理员策略的最低要求/],
    ['server', { max_age_days: 30 }, 'max_age_days', /密码最长使用天数 30 低于重要服务器账号策略的最低要求 7/],
    ['user', { max_age_days: 0 }, 'max_age_days', /低于普通用户策略/],
    ['user', { history: 5 }, 'history', /低于普通用户策略/],
    // a stricter value in one field does not carry a weaker one in another
    ['user', { min_length: 16, history: 3 }, 'history', /低于普通用户策略/],
  ];
  for (const [profile, body, field, message] of cases) {
    const r = await sec.call('PUT', `/api/policy/${profile}`, body);
    assert.equal(r.status, 400, `${profile} ${JSON.stringify(body)}: ${r.body}`);
    assert.equal(r.json.error.code, 'policy_weaker');
    assert.equal(r.json.error.field, field);
    assert.match(r.json.error.message, message);
  }
  assert.equal(stored(), before1);
  assert.equal(audits(), before2);
  // relaxing back down to the minimum is allowed (it is never below it)
  let r = await sec.call('PUT', '/api/policy/media', { history: 12 });
  assert.equal(r.status, 200, r.body);
  r = await sec.call('PUT', '/api/policy/media', {});
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.effective.history, 6);
});

test('bad input to PUT /api/policy/:profile gets 400 naming the field and stores nothing', async () => {
  const stored = () => sql('SELECT profile, settings, updated_at FROM password_policy ORDER BY profile');
  const before1 = stored();
  const cases = [
    [{ min_length: '14' }, 'bad_field', 'min_length'],
    [{ min_length: 14.5 }, 'bad_field', 'min_length'],
    [{ min_length: -1 }, 'policy_range', 'min_length'],
    [{ min_length: 1e12 }, 'policy_range', 'min_length'],
    [{ min_length: 500 }, 'policy_range', 'min_length'],
    [{ max_repeat: -1 }, 'policy_range', 'max_repeat'],
    [{ history: true }, 'bad_field', 'history'],
    [{ dictionary: 1 }, 'bad_field', 'dictionary'],
    [{ classes: 'letters' }, 'bad_field', 'classes'],
    [{ classes: ['letters', 'digits', 'emoji'] }, 'bad_field', 'classes'],
    [{ classes: [1] }, 'bad_field', 'classes'],
    [{ min_lenght: 12 }, 'bad_field', 'body'],
  ];
  for (const [body, code, field] of cases) {
    const r = await sec.call('PUT', '/api/policy/user', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.body}`);
    assert.equal(r.json.error.code, code, JSON.stringify(body));
    assert.equal(r.json.error.field, field, JSON.stringify(body));
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/, 'the message is Chinese');
  }
  let r = await sec.call('PUT', '/api/policy/user', '[1,2]');
  assert.equal(r.status, 400);
  r = await sec.call('PUT', '/api/policy/user', '{"min_length":');
  assert.equal(r.status, 400);
  r = await sec.call('PUT', '/api/policy/root', { min_length: 14 });
  assert.equal(r.status, 404);
  r = await sec.call('PUT', '/api/policy/user', JSON.stringify({ pad: 'x'.repeat(2 << 20) }));
  assert.equal(r.status, 413);
  assert.equal(stored(), before1);
});

test('ACC-6: the system administrator and an ordinary user cannot read or set the policy; each refusal is recorded', async () => {
  const staff = people.editor1;
  for (const c of [admin, staff]) {
    for (const [method, path, body] of [['GET', '/api/policy'], ['PUT', '/api/policy/user', { min_length: 20 }], ['GET', '/api/policy/weak-list']]) {
      const r = await c.call(method, path, body);
      assert.equal(r.status, 403, `${c.user.account} ${method} ${path}`);
      assert.equal(r.json.error.code, 'forbidden');
    }
    const r = await request(server.url, '/api/policy/weak-list', {
      method: 'PUT', headers: { Cookie: c.cookie, 'X-CSRF-Token': c.csrf, 'Content-Type': 'text/plain' }, body: 'abc\n',
    });
    assert.equal(r.status, 403);
  }
  const denied = sql("SELECT actor_name || ' ' || object_id FROM audit_log WHERE action = 'policy.manage' AND result = 'denied' ORDER BY seq");
  assert.match(denied, /admin \/api\/policy\/:profile/);
  assert.match(denied, /editor1 \/api\/policy\/weak-list/);
  assert.equal(sql("SELECT count(*) FROM password_policy WHERE settings LIKE '%20%'"), '0');
  // signed out: 401
  assert.equal((await new Client(server.url).call('GET', '/api/me/policy')).status, 401);
});

test('the weak-password list: a listed password is refused; count and digest are shown, entries never', async () => {
  const u = people.sunli;
  const listed = 'Xq7vKz2024Mwpt'; // no word in it: only the list refuses it
  let r = await u.call('POST', '/api/password/check', { password: listed });
  assert.equal(r.json.ok, true, r.body);
  r = await sec.call('GET', '/api/policy/weak-list');
  assert.equal(r.status, 200);
  assert.equal(r.json.entries, 0);
  assert.equal(r.json.digest, null);

  const text = `# 本单位泄露口令\n\n${listed.toUpperCase()}\r\nxinan-Secret-2023\nxinan-secret-2023\n#not a comment\n${'z'.repeat(300)}\n`;
  r = await putWeakList(sec, text);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.entries, 3, 'case-folded duplicates count once');
  assert.equal(r.json.ignored, 1, 'a line longer than any password is ignored');
  assert.match(r.json.digest, /^b2:[0-9a-f]{64}$/);
  const digest = r.json.digest;

  r = await sec.call('GET', '/api/policy/weak-list');
  assert.equal(r.json.entries, 3);
  assert.equal(r.json.digest, digest);
  assert.equal(r.json.updated_by, 'sec1');
  assert.ok(!r.body.toLowerCase().includes('xq7vkz'), 'entries are never returned');

  // the same list in another order and case has the same digest
  r = await putWeakList(sec, `xinan-secret-2023\n#not a comment\n${listed.toLowerCase()}\n`);
  assert.equal(r.json.digest, digest);

  r = await u.call('POST', '/api/password/check', { password: listed });
  assert.equal(r.json.ok, false);
  assert.deepEqual(r.json.violations.map((v) => v.rule), ['weak_list']);
  assert.equal(r.json.violations[0].message, '密码在已泄露或常见弱密码清单中，请换一个');
  r = await u.call('POST', '/api/me/password', { current: STRONG, password: listed });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'weak_list');
  const c = runXinan(['passwd', 'check', '--profile', 'user', '--db', server.db], { input: `${listed}\n` });
  assert.equal(c.status, 1);
  assert.match(c.stdout, /weak_list/);

  // the record holds the count and digest, never an entry
  const rec = sql("SELECT detail FROM audit_log WHERE action = 'auth.weak_list_update' ORDER BY seq DESC LIMIT 1");
  assert.deepEqual(JSON.parse(rec), { entries: 3, ignored: 0, digest });
  assert.ok(!sql("SELECT group_concat(detail) FROM audit_log WHERE action = 'auth.weak_list_update'").toLowerCase().includes('xq7vkz'));
});

test('a weak-password list saved with CR line endings gives one entry a line, like LF and CRLF', async () => {
  const lines = ['Xq7#Kw3m-Vt8a', 'Xq7#Kw3m-Vt8b', 'Xq7#Kw3m-Vt8c'];
  let r = await putWeakList(sec, `# 旧格式\r${lines.join('\r')}\r`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.entries, 3);
  const cr = r.json.digest;
  r = await putWeakList(sec, `${lines.join('\r\n')}\r\n`);
  assert.equal(r.json.entries, 3);
  assert.equal(r.json.digest, cr, 'the same entries whatever the line endings');
  r = await putWeakList(sec, `# 旧格式\r${lines.join('\r')}\r`);
  r = await people.zhoujie.call('POST', '/api/password/check', { password: 'Xq7#Kw3m-Vt8b' });
  assert.ok(r.json.violations.map((v) => v.rule).includes('weak_list'), r.body);
  r = await putWeakList(sec, '');
  assert.equal(r.status, 200, r.body);
});

test('bad weak-list uploads get 400 or 413 and leave the stored list as it was', async () => {
  const state = () => sql('SELECT entries, digest, updated_at FROM password_weak_state') + sql('SELECT count(*) FROM password_weak');
  const before1 = state();
  // invalid UTF-8 on line 2
  let r = await putWeakList(sec, Buffer.concat([Buffer.from('fine-entry-1\nbad'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.code, 'bad_text');
  assert.match(r.json.error.message, /第 2 行/);
  // a NUL byte
  r = await putWeakList(sec, Buffer.from('one\ntw\0o\n'));
  assert.equal(r.status, 400);
  // over 8 MiB
  r = await putWeakList(sec, 'a'.repeat((8 << 20) + 1));
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'too_large');
  // over 1,000,000 lines
  r = await putWeakList(sec, 'a\n'.repeat(1000001));
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'too_many_lines');
  // not text/plain
  r = await sec.call('PUT', '/api/policy/weak-list', { entries: ['x'] });
  assert.equal(r.status, 415);
  assert.equal(state(), before1);
});

test('ACC-10: a password past its maximum age forces a change at the next sign-in, after reminders 7 days and 1 day before', async () => {
  const u = people.qianli;
  const mine = async () => (await u.call('GET', '/api/me/notifications')).json.items.filter((n) => n.kind === 'password_expiry_reminder');

  setClock(24 * DAY);
  const first = await waitFor(async () => { const n = await mine(); return n.length ? n : null; }, 'the 7-day reminder');
  assert.equal(first.length, 1);
  assert.equal(first[0].title, '密码将在 7 天内到期');
  setClock(29.5 * DAY);
  const second = await waitFor(async () => { const n = await mine(); return n.length >= 2 ? n : null; }, 'the 1-day reminder');
  assert.equal(second[0].title, '密码将在 1 天内到期');
  // once each: a few more ticks send nothing new
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal((await mine()).length, 2);

  // before the age is reached, sign-in is normal
  const early = new Client(server.url);
  let r = await early.login('qianli', STRONG);
  assert.equal(r.status, 200);
  assert.equal(r.json.user.must_change, false);

  setClock(31 * DAY);
  const late = new Client(server.url);
  r = await late.login('qianli', STRONG);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.user.must_change, true);
  r = await late.call('GET', '/api/users');
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'password_change_required');
  const rec = sql("SELECT actor_kind || '|' || detail FROM audit_log WHERE action = 'auth.password_expired' AND object_id = 'qianli'");
  assert.ok(rec, 'auth.password_expired recorded');
  const [kind, detail] = rec.split('|');
  assert.equal(kind, 'system');
  assert.equal(JSON.parse(detail).max_age_days, 30);

  // a new password (the stored policy: 14 characters) clears it, and the age starts again
  r = await late.call('POST', '/api/me/password', { current: STRONG, password: FOURTEEN });
  assert.equal(r.status, 200, r.body);
  const again = new Client(server.url);
  r = await again.login('qianli', FOURTEEN);
  assert.equal(r.json.user.must_change, false);
  assert.equal(sql("SELECT expiry_notified FROM app_user WHERE account = 'qianli'"), '0');
  setClock(0);
});

test('a stored policy row changed around the program is never used: a clear error, not a weaker policy', async () => {
  const u = people.zhoujie;
  const saved = sql("SELECT settings FROM password_policy WHERE profile = 'user'");
  sql(`UPDATE password_policy SET settings = '{"min_length":4}' WHERE profile = 'user'`);
  try {
    let r = await sec.call('GET', '/api/policy');
    assert.equal(r.status, 200);
    const user = r.json.items.find((p) => p.profile === 'user');
    assert.equal(user.effective, null);
    assert.match(user.error, /普通用户口令策略的存储值无法使用/);
    // a check or a change under it fails rather than accept a 4-character password
    r = await u.call('POST', '/api/password/check', { password: 'ab12' });
    assert.equal(r.status, 500);
    r = await u.call('POST', '/api/me/password', { current: STRONG, password: 'ab12cd34ef56' });
    assert.equal(r.status, 500);
    assert.match(server.logs(), /policy_corrupt/);
    const c = runXinan(['passwd', 'check', '--profile', 'user', '--db', server.db], { input: 'ab12\n' });
    assert.equal(c.status, 2);
    assert.match(c.stderr, /policy is unusable: policy_weaker min_length/);
    // signing in still works (ageing falls back to the regulatory minimum), so nobody is locked out
    const fresh = new Client(server.url);
    r = await fresh.login('zhoujie', STRONG);
    assert.equal(r.status, 200, r.body);
    // the security administrator stores a good one again
    r = await sec.call('PUT', '/api/policy/user', { min_length: 14 });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(sql("SELECT detail FROM audit_log WHERE action = 'auth.policy_update' ORDER BY seq DESC LIMIT 1")).before, { error: 'policy_corrupt' });
    assert.equal((await u.call('POST', '/api/password/check', { password: 'ab12' })).status, 200);
  } finally {
    sql(`UPDATE password_policy SET settings = '${saved}' WHERE profile = 'user'`);
  }
});
