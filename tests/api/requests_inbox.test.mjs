// Who sees which requests (ACC-2, ACC-12): GET /api/requests answers everything to holders of
// role.read, and to anyone else only the requests they made and those they may decide — a
// department head exactly the applications for the departments they head. Each item says
// whether it is the reader's own (`mine`) and whether the reader may decide it (`may_decide`).
// Also: /api/me and the sign-in answer say whether a second factor is enrolled (`totp`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, adminClient, userClient, STRONG } from '../lib/session.mjs';

let server;
let admin;

before(async () => {
  server = await startServer();
  admin = await adminClient(server);
});
after(async () => { await server.stop(); });

const ids = (r) => r.json.items.map((x) => x.id).sort((a, b) => a - b);

test('a head sees exactly their department\'s applications; a plain user only their own requests', async () => {
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  const head = await userClient(server, admin, 'inboxhead', { realName: '钱进' });
  const vhead = await userClient(server, admin, 'inboxvhead', { staffType: 'outsourced' });
  const plain = await userClient(server, admin, 'inboxplain');
  const worker = await userClient(server, admin, 'inboxworker');
  const mine = (await admin.call('POST', '/api/org', { parent_id: root, name: '财务科', kind: 'department', head_user_id: head.id })).json.id;
  const other = (await admin.call('POST', '/api/org', { parent_id: root, name: '人事科', kind: 'department' })).json.id;
  const vendor = (await admin.call('POST', '/api/org', { parent_id: root, name: '外包组', kind: 'department', head_user_id: vhead.id })).json.id;
  const apply = async (account, dept) => {
    const r = await admin.call('POST', '/api/applications', { account, real_name: '孙丽', department_id: dept, staff_type: 'staff', reason: '新入职' });
    assert.equal(r.status, 201, r.body);
    return r.json.request_id;
  };
  const a1 = await apply('inboxnew1', mine);
  const a2 = await apply('inboxnew2', other);
  const a3 = await apply('inboxnew3', mine);
  const a4 = await apply('inboxnew4', vendor);
  // a role request and a supervisor's reset request: neither is the head's business
  const role = (await admin.call('POST', `/api/users/${worker.id}/roles`, { role: 'editor', reason: '录入' })).json.request_id;
  let r = await admin.call('PATCH', `/api/users/${worker.id}`, { supervisor_id: plain.id });
  assert.equal(r.status, 200, r.body);
  r = await plain.call('POST', `/api/users/${worker.id}/reset-request`, { reason: '忘记密码' });
  assert.equal(r.status, 201, r.body);
  const reset = r.json.request_id;

  // the head: the two applications for 财务科, each decidable, none their own
  r = await head.call('GET', '/api/requests?status=pending');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(ids(r), [a1, a3].sort((a, b) => a - b));
  for (const item of r.json.items) {
    assert.equal(item.kind, 'account');
    assert.equal(item.application.department_id, mine);
    assert.equal(item.may_decide, true);
    assert.equal(item.mine, false);
  }
  // the outsourced head decides nothing (ACC-5), so sees nothing
  r = await vhead.call('GET', '/api/requests');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(ids(r), []);
  // the plain user: only the reset they asked for, theirs and not theirs to decide
  r = await plain.call('GET', '/api/requests');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(ids(r), [reset]);
  assert.equal(r.json.items[0].mine, true);
  assert.equal(r.json.items[0].may_decide, false);
  // someone with no request and no headship sees an empty inbox, not a refusal
  r = await worker.call('GET', '/api/requests?status=pending');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(ids(r), []);
  // role.read: everything; the applicant's own are marked and not decidable by them
  r = await admin.call('GET', '/api/requests?status=pending');
  for (const id of [a1, a2, a3, a4, role, reset]) assert.ok(ids(r).includes(id), `admin sees ${id}`);
  const own = r.json.items.find((x) => x.id === a1);
  assert.equal(own.mine, true);
  assert.equal(own.may_decide, false);
  assert.equal(r.json.items.find((x) => x.id === reset).may_decide, true, 'the system administrator decides resets');
  // the head decides one; it then shows under approved, still only for them
  r = await head.call('POST', `/api/requests/${a1}/decision`, { decision: 'approve', comment: '同意' });
  assert.equal(r.status, 200, r.body);
  assert.match(r.json.one_time_password, /^\S{16}$/);
  r = await head.call('GET', '/api/requests?status=approved');
  assert.deepEqual(ids(r), [a1]);
  assert.equal(r.json.items[0].may_decide, false);
  // a bad status is still refused, and signed out is still 401
  r = await head.call('GET', '/api/requests?status=bogus');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'status');
  assert.equal((await new Client(server.url).call('GET', '/api/requests')).status, 401);
  // a head who is moved out of the headship no longer sees the applications
  r = await admin.call('PATCH', `/api/org/${mine}`, { head_user_id: null });
  assert.equal(r.status, 200, r.body);
  r = await head.call('GET', '/api/requests');
  assert.deepEqual(ids(r), []);
});

test('/api/me and the sign-in answer say whether a second factor is enrolled', async () => {
  let r = await admin.call('GET', '/api/me');
  assert.equal(r.json.user.totp, true);
  const u = await userClient(server, admin, 'nototp');
  r = await u.call('GET', '/api/me');
  assert.equal(r.json.user.totp, false);
  r = await new Client(server.url).login('nototp', STRONG);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.user.totp, false);
});
