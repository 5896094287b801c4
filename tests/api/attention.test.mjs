// What a new user tripped on (ACC-14..16): background polls do not hold a session open; a
// locked account is shown with its end and unlocked by the security administrator with a
// reason; the sign-in answer for a locked account is the stranger's answer; an account that
// has left refuses every change; approvers are told of what waits for them, and requesters of
// who decided what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, auditRows, request } from '../lib/server.mjs';
import { Client, adminClient, userClient, appointedClient, STRONG } from '../lib/session.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const BG = { 'X-Background': '1' };

test('a session that only polls in the background ends at the idle limit; use keeps it', async () => {
  const server = await startServer({ env: { XINAN_AUTH_IDLE_TIMEOUT: '5' } });
  try {
    const admin = await adminClient(server);
    const poller = await userClient(server, admin, 'idlepoller');
    const user = await userClient(server, admin, 'idleuser');
    let r = await user.call('GET', '/api/me');
    assert.equal(r.json.user.idle_timeout, 5, 'the page learns the idle limit');
    // eight seconds: the poller only polls the bell, the user keeps working
    const until = Date.now() + 8000;
    let polled = [];
    while (Date.now() < until) {
      polled.push((await poller.call('GET', '/api/me/notifications', undefined, BG)).status);
      r = await user.call('GET', '/api/me/notifications');
      assert.equal(r.status, 200, 'a session in use stays open');
      await sleep(700);
    }
    assert.equal(polled[0], 200);
    r = await poller.call('GET', '/api/me/notifications', undefined, BG);
    assert.equal(r.status, 401, 'background polls did not extend the session');
    assert.equal(r.json.error.code, 'session_expired');
    assert.equal((await user.call('GET', '/api/me')).status, 200);
  } finally {
    await server.stop();
  }
});

test('the idle limit is a bounded setting', async () => {
  await assert.rejects(startServer({ env: { XINAN_AUTH_IDLE_TIMEOUT: '2' } }), /from 5 to 86400/);
});

let server;
let admin;
let sec;

before(async () => {
  server = await startServer();
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'attnsec', 'secadmin', { realName: '赵敏' });
});
after(async () => { await server.stop(); });

test('a locked account: same answer as a stranger, shown with its end, unlocked with a reason', async () => {
  const u = await userClient(server, admin, 'lockme', { realName: '周强' });
  const anon = new Client(server.url);
  for (let i = 0; i < 5; i++) {
    const r = await anon.login('lockme', 'Wrong-password-1');
    assert.equal(r.status, 401);
  }
  const locked = await anon.login('lockme', STRONG);
  const stranger = await anon.login('nosuchperson', 'Wrong-password-1');
  const wrong = await anon.login('attnsec', 'Wrong-password-1');
  assert.equal(locked.status, 401);
  assert.equal(stranger.status, locked.status);
  assert.equal(wrong.status, locked.status);
  assert.equal(stranger.json.error.code, locked.json.error.code);
  assert.equal(stranger.json.error.message, locked.json.error.message);
  assert.equal(wrong.json.error.message, locked.json.error.message);
  // the words tell the real owner what to do
  assert.match(locked.json.error.message, /锁定/);
  assert.match(locked.json.error.message, /安全管理员/);

  // the administrators' list shows the lock and its end
  let r = await admin.call('GET', '/api/users');
  const row = r.json.items.find((x) => x.account === 'lockme');
  assert.equal(row.status, 'active');
  assert.ok(row.locked_until > Date.now() * 1000, 'locked_until in the future');
  assert.equal(r.json.items.find((x) => x.account === 'attnsec').locked_until, null);

  // only the security administrator unlocks, and only with a reason
  r = await admin.call('POST', `/api/users/${u.id}/unlock`, { reason: '本人电话确认' });
  assert.equal(r.status, 403);
  r = await sec.call('POST', `/api/users/${u.id}/unlock`, {});
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'reason');
  r = await sec.call('POST', `/api/users/${u.id}/unlock`, { reason: '本人电话确认' });
  assert.equal(r.status, 200, r.body);
  const audit = auditRows(server.db, 'auth.unlock');
  assert.equal(audit.length, 1);
  assert.equal(audit[0].actor_name, 'attnsec');
  assert.equal(audit[0].object_id, String(u.id));
  assert.equal(JSON.parse(audit[0].detail).reason, '本人电话确认');
  r = await admin.call('GET', `/api/users/${u.id}`);
  assert.equal(r.json.locked_until, null);
  // the failures before the unlock no longer count: one more wrong password does not relock
  assert.equal((await anon.login('lockme', 'Wrong-password-1')).status, 401);
  assert.equal((await anon.login('lockme', STRONG)).status, 200);
  r = await sec.call('POST', `/api/users/${u.id}/unlock`, { reason: '再次' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'not_locked');
});

test('an account that has left refuses every change with a clear error', async () => {
  const heir = await userClient(server, admin, 'leftheir');
  const gone = await userClient(server, admin, 'leftgone');
  let r = await admin.call('POST', `/api/users/${gone.id}/leave`, { reason: '调离本单位', handover_to: heir.id });
  assert.equal(r.status, 200, r.body);
  const attempts = [
    [admin, 'POST', `/api/users/${gone.id}/disable`, { reason: '停用' }],
    [admin, 'PATCH', `/api/users/${gone.id}`, { phone: '13800000000' }],
    [admin, 'POST', `/api/users/${gone.id}/force-password-change`, { deadline: '2099-01-01', reason: '改密' }],
    [admin, 'DELETE', `/api/users/${gone.id}/roles/staff`, undefined],
    [sec, 'POST', `/api/users/${gone.id}/unlock`, { reason: '解锁' }],
  ];
  for (const [who, method, path, body] of attempts) {
    r = await who.call(method, path, body);
    assert.ok(r.status === 409 || r.status === 400, `${method} ${path}: ${r.status} ${r.body}`);
    if (r.status === 409) assert.equal(r.json.error.code, 'account_left', `${method} ${path}`);
  }
  r = await admin.call('GET', `/api/users/${gone.id}`);
  assert.equal(r.json.status, 'left', 'still left, not disabled');
  assert.equal(r.json.phone, '');
});

const bell = async (c) => (await c.call('GET', '/api/me/notifications')).json.items;

test('approvers are told what waits for them; requesters who decided what', async () => {
  const x = await userClient(server, admin, 'bellx', { realName: '张三' });
  // a role grant: the security administrator's bell
  let r = await admin.call('POST', `/api/users/${x.id}/roles`, { role: 'editor', reason: '网站录入' });
  assert.equal(r.status, 201, r.body);
  const roleReq = r.json.request_id;
  let items = await bell(sec);
  const pending = items.find((n) => n.kind === 'request_pending' && n.title.includes('张三 (bellx)'));
  assert.ok(pending, JSON.stringify(items));
  assert.match(pending.title, /信息员/);
  assert.match(pending.body, /网站录入/);
  assert.ok(!(await bell(admin)).some((n) => n.kind === 'request_pending' && n.title.includes('bellx')),
    'the requester is not asked to decide their own request');

  // an application for ordinary roles: the head and the security administrator;
  // one for a reviewer role: the security administrator only
  const head = await userClient(server, admin, 'bellhead', { realName: '钱进' });
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  const dept = (await admin.call('POST', '/api/org', { parent_id: root, name: '宣传科', kind: 'department', head_user_id: head.id })).json.id;
  r = await admin.call('POST', '/api/applications', { account: 'bellnew1', real_name: '孙丽', department_id: dept, staff_type: 'staff', roles: ['editor'], reason: '新入职' });
  assert.equal(r.status, 201, r.body);
  r = await admin.call('POST', '/api/applications', { account: 'bellnew2', real_name: '吴芳', department_id: dept, staff_type: 'staff', roles: ['reviewer1'], reason: '新入职' });
  assert.equal(r.status, 201, r.body);
  items = await bell(head);
  assert.ok(items.some((n) => n.kind === 'request_pending' && n.title.includes('孙丽 (bellnew1)') && n.title.includes('账号申请')));
  assert.ok(!items.some((n) => n.title.includes('bellnew2')), 'a head is not asked about reviewer roles');
  items = await bell(sec);
  assert.ok(items.some((n) => n.title.includes('bellnew1')) && items.some((n) => n.title.includes('bellnew2')));

  // a supervisor's reset request: whoever decides resets
  r = await admin.call('PATCH', `/api/users/${x.id}`, { supervisor_id: head.id });
  assert.equal(r.status, 200, r.body);
  r = await head.call('POST', `/api/users/${x.id}/reset-request`, { reason: '忘记密码' });
  assert.equal(r.status, 201, r.body);
  items = await bell(admin);
  assert.ok(items.some((n) => n.kind === 'request_pending' && n.title.includes('张三 (bellx)') && n.title.includes('密码重置')));

  // the decision names what it was about and who decided
  r = await sec.call('POST', `/api/requests/${roleReq}/decision`, { decision: 'reject', comment: '岗位不需要' });
  assert.equal(r.status, 200, r.body);
  items = await bell(admin);
  const decided = items.find((n) => n.kind === 'request_decided');
  assert.ok(decided, JSON.stringify(items));
  assert.equal(decided.title, '您为 张三 (bellx) 申请的角色「信息员」已被 赵敏 驳回');
  assert.equal(decided.body, '理由：岗位不需要');
});

const importText = (client, name, text) => request(server.url, `/api/lexicons/${encodeURIComponent(name)}/import`, {
  method: 'POST',
  headers: { 'Content-Type': 'text/plain; charset=utf-8', Cookie: client.cookie, 'X-CSRF-Token': client.csrf },
  body: text,
});

test('a lexicon may have a Chinese name; its words are found and it exports under that name', async () => {
  const name = encodeURIComponent('涉政敏感词');
  let r = await importText(sec, '涉政敏感词', '测试禁词甲\n');
  assert.equal(r.status, 200, r.body);
  r = await sec.call('GET', '/api/lexicons');
  assert.ok(r.json.items.some((i) => i.name === '涉政敏感词'), r.body);
  r = await sec.call('GET', `/api/lexicons/${name}/export`);
  assert.equal(r.status, 200, r.body);
  assert.match(r.headers['content-disposition'], /filename\*=UTF-8''%E6%B6%89/);
  r = await sec.call('POST', '/api/text/check', { text: '这里有测试禁词甲。', pii: false });
  assert.ok(r.json.hits.some((h) => h.lexicon === '涉政敏感词'), r.body);
  // still refused: spaces, punctuation, other scripts
  for (const bad of ['涉政 敏感词', '涉政。', 'Ab']) {
    r = await importText(sec, bad, 'x\n');
    assert.equal(r.status, 400, `${bad}: ${r.body}`);
  }
});
