// ACC-2 and LED-8: an account application shows its approver whether the applicant has had a
// security training, read from the trainings register by whole name (王明 is not 王明华); a
// retired training row no longer counts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { adminClient, appointedClient } from '../lib/session.mjs';

let server; let admin; let sec; let dept;

before(async () => {
  server = await startServer();
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '周安全' });
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  dept = (await admin.call('POST', '/api/org', { parent_id: root, name: '宣传科', kind: 'department' })).json.id;
});

after(async () => {
  await server.stop();
});

const apply = async (account, realName) => {
  const r = await admin.call('POST', '/api/applications', { account, real_name: realName, department_id: dept, staff_type: 'staff', roles: ['editor'], reason: '新入职' });
  assert.equal(r.status, 201, r.body);
  return r.json.request_id ?? r.json.id;
};

const trainingOf = async (account) => {
  const r = await sec.call('GET', '/api/requests?status=pending');
  assert.equal(r.status, 200, r.body);
  const item = r.json.items.find((i) => i.application && i.application.account === account);
  assert.ok(item, `the application of ${account}`);
  return item.training;
};

test('the approver sees the applicant trained or not, by whole name, from the trainings register', async () => {
  await apply('trained1', '李娜');
  await apply('partial1', '王明');
  await apply('none1', '赵强');
  for (const a of ['trained1', 'partial1', 'none1'])
    assert.deepEqual(await trainingOf(a), { trained: false, last: null, sessions: 0 }, 'nobody trained yet');
  let r = await sec.call('POST', '/api/registers/trainings/rows', { date: '2026-11-20', topic: '网络安全意识培训', trainer: '周安全', attendees: '王明华、李娜，陈静', hours: '2' });
  assert.equal(r.status, 201, r.body);
  const row = r.json.id;
  r = await sec.call('POST', '/api/registers/trainings/rows', { date: '2026-03-02', topic: '保密教育', trainer: '周安全', attendees: '李娜', hours: '1' });
  assert.equal(r.status, 201, r.body);
  const t = await trainingOf('trained1');
  assert.equal(t.trained, true);
  assert.equal(t.sessions, 2);
  assert.deepEqual(t.last, { id: row, date: '2026-11-20', topic: '网络安全意识培训' }, 'the newest training');
  assert.equal((await trainingOf('partial1')).trained, false, '王明 is not 王明华');
  assert.equal((await trainingOf('none1')).trained, false);
  // a retired training row no longer counts
  r = await sec.call('POST', `/api/registers/trainings/rows/${row}/retire`, { reason: '登记错误' });
  assert.equal(r.status, 200, r.body);
  const after1 = await trainingOf('trained1');
  assert.equal(after1.sessions, 1);
  assert.equal(after1.last.topic, '保密教育');
});
