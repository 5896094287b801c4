// Periodic duties (OBL) and the duty roster (MON-2, ORG-4, HS 附件3) on the rules' clock, set to
// the days around the 2026 National Day holiday: due dates on the last working day of a period,
// evidence (a clean file by the owning role; what xinan holds itself found on its own), overdue
// periods, a roster that needs a leader on holidays and key dates, the check-in of the person on
// duty (an anomaly opens an incident), and the leaders told of a missing check-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir, waitFor, auditRows, request, sqlite } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../lib/session.mjs';
import { startClamd, EICAR } from '../lib/clamd.mjs';

let server; let clamd; let clockFile; let admin; let sec; let auditor; let duty; let duty2; let lead; let lead2;

/** Sets the rules' clock to a Shanghai wall time, "2026-09-29T10:00". */
function clockAt(local) {
  const target = Date.parse(`${local}:00+08:00`);
  writeFileSync(clockFile, String(Math.round((target - Date.now()) / 1000)));
}

function upload(client, name, body) {
  const headers = { Cookie: client.cookie, 'X-CSRF-Token': client.csrf, 'Content-Type': 'application/octet-stream', 'X-Filename': encodeURIComponent(name) };
  return request(server.url, '/api/files', { method: 'POST', headers, body }).then((r) => ({ ...r, json: JSON.parse(r.body) }));
}
const find = (list, key) => list.json.items.filter((i) => i.key === key);

before(async () => {
  clamd = await startClamd();
  const dir = tempDir();
  clockFile = join(dir, 'clock');
  clockAt('2026-09-29T10:00');
  server = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile, XINAN_FILES_CLAMD: clamd.socket } });
  admin = await adminClient(server);
  auditor = await appointedClient(server, admin, 'aud1', 'auditor', { realName: '吴审计' });
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '周安全' });
  duty = await grantedClient(server, admin, sec, 'duty1', 'duty', { realName: '王值班' });
  duty2 = await grantedClient(server, admin, sec, 'duty2', 'duty', { realName: '李值班' });
  lead = await grantedClient(server, admin, sec, 'lead1', 'leader', { realName: '张领导' });
  lead2 = await grantedClient(server, admin, sec, 'lead2', 'leader', { realName: '孙领导' });
  const r = await admin.call('POST', '/api/notify/groups', { name: '领导小组', members: [{ user_id: lead.id }, { user_id: lead2.id }], channels: [1] });
  assert.equal(r.status, 201, r.body);
});

after(async () => {
  await server.stop();
  await clamd.stop();
});

test('each duty has its current period, due on the period’s last working day (National Day included)', async () => {
  const r = await sec.call('GET', '/api/obligations');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.today, '2026-09-29');
  const weekly = find(r, 'backup_weekly')[0];
  assert.equal(weekly.period_start, '2026-09-28');
  assert.equal(weekly.period_end, '2026-10-04');
  assert.equal(weekly.due_date, '2026-09-30', 'October 1-4 are holidays');
  assert.equal(weekly.state, 'due');
  const yearly = find(r, 'account_review')[0];
  assert.equal(yearly.period, '2026');
  assert.equal(yearly.due_date, '2026-12-31');
  assert.equal(yearly.state, 'upcoming');
  assert.equal(find(r, 'risk_internal')[0].period, '2026-Q3');
  assert.equal(find(r, 'self_inspection')[0].period, '2026-H2');
  assert.equal(find(r, 'new_media_activity')[0].rule_text, '每 15 天');
  for (const i of r.json.items) assert.ok(['upcoming', 'due', 'done', 'overdue'].includes(i.state), i.key);
  assert.ok(r.json.items.every((i) => i.mine === (i.owner === 'secadmin')), 'mine: the duties of one’s roles');
  assert.equal((await sec.call('GET', '/api/obligations?state=late')).status, 400);
});

test('evidence: a clean file by the owner fulfils a period; xinan’s own records (a training) fulfil theirs', async () => {
  const r0 = await sec.call('GET', '/api/obligations?state=due');
  const weekly = find(r0, 'backup_weekly')[0];
  const good = await upload(sec, '备份日志-第39周.txt', Buffer.from('2026-09-28 全量备份完成\n'));
  await waitFor(async () => (await sec.call('GET', `/api/files/${good.json.id}/meta`)).json.scan === 'clean', 'clean');
  // not the owner (系统管理员) and not the security administrator
  let r = await duty.call('POST', `/api/obligations/${weekly.id}/evidence`, { file_id: good.json.id, note: '已备份' });
  assert.equal(r.status, 403, r.body);
  r = await sec.call('POST', `/api/obligations/${weekly.id}/evidence`, { note: '已备份' });
  assert.equal(r.status, 400, 'a file is required');
  const bad = await upload(sec, 'x.txt', EICAR);
  r = await sec.call('POST', `/api/obligations/${weekly.id}/evidence`, { file_id: bad.json.id, note: '已备份' });
  assert.equal(r.status, 400, r.body);
  r = await sec.call('POST', `/api/obligations/${weekly.id}/evidence`, { file_id: good.json.id, note: '' });
  assert.equal(r.status, 400, 'a note is required');
  r = await sec.call('POST', `/api/obligations/${weekly.id}/evidence`, { file_id: good.json.id, note: '第 39 周全量备份及日志', period: '2020-01' });
  assert.equal(r.status, 400, 'only this period or the one before');
  r = await sec.call('POST', `/api/obligations/${weekly.id}/evidence`, { file_id: good.json.id, note: '第 39 周全量备份及日志' });
  assert.equal(r.status, 200, r.body);
  const done = find(r, 'backup_weekly')[0];
  assert.equal(done.state, 'done');
  assert.equal(done.evidence[0].file_id, good.json.id);
  assert.equal(auditRows(server.db, 'oblig.evidence').filter((x) => x.result === 'ok').length, 1);
  // the yearly training: done by the training register's row of this year
  r = await sec.call('GET', '/api/obligations');
  assert.equal(find(r, 'training')[0].state, 'upcoming');
  const row = await sec.call('POST', '/api/registers/trainings/rows', { date: '2026-09-29', topic: '网络安全意识培训', trainer: '周安全', attendees: '王值班、李值班', hours: 2 });
  assert.equal(row.status, 201, row.body);
  r = await sec.call('GET', '/api/obligations');
  assert.equal(find(r, 'training')[0].state, 'done');
  assert.equal(find(r, 'training')[0].evidence[0].kind, 'training');
});

test('the roster: a leader on duty on holidays and key dates; one person a day; the month with its gaps', async () => {
  let r = await sec.call('POST', '/api/duty/roster', { date: '2026-10-01', user_id: duty.id });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.field, 'leader_id');
  r = await sec.call('POST', '/api/duty/roster', { date: '2026-10-01', user_id: duty.id, leader_id: lead.id });
  assert.equal(r.status, 200, r.body);
  r = await sec.call('POST', '/api/duty/roster', { date: '2026-10-01', user_id: lead.id, leader_id: lead2.id });
  assert.equal(r.status, 400, 'a leader is not a 值班员');
  r = await sec.call('POST', '/api/duty/roster', { date: '2026-10-08', user_id: duty2.id });
  assert.equal(r.status, 200, r.body);
  // a key date on a working day needs a leader too
  r = await sec.call('POST', '/api/duty/key-dates', { date: '2026-10-09', name: '重要会议期间' });
  assert.equal(r.status, 200, r.body);
  r = await sec.call('POST', '/api/duty/roster', { date: '2026-10-09', user_id: duty.id });
  assert.equal(r.status, 400);
  r = await sec.call('POST', '/api/duty/roster', { date: '2026-09-01', user_id: duty.id });
  assert.equal(r.status, 400, 'the past is not planned');
  r = await duty.call('POST', '/api/duty/roster', { date: '2026-10-12', user_id: duty.id });
  assert.equal(r.status, 403, 'only the security administrator plans');
  r = await lead.call('GET', '/api/duty/roster?month=2026-10');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.days.length, 31);
  assert.equal(r.json.today, '2026-09-29', 'the rules’ clock, for the page');
  const d1 = r.json.days[0];
  assert.equal(d1.holiday, true);
  assert.equal(d1.on_duty.name, '王值班');
  assert.equal(d1.leader.name, '张领导');
  assert.equal(r.json.days[9].holiday, false, '10-10 is an adjusted working day');
  assert.equal(r.json.days[8].key_date, '重要会议期间');
  assert.equal(r.json.gaps, 29);
  assert.ok(r.json.without_leader >= 9);
  assert.equal((await lead.call('GET', '/api/duty/roster?month=2026-13')).status, 400);
});

test('check-in: only today’s person on duty; an anomaly opens an incident; a missing check-in tells the leaders', async () => {
  clockAt('2026-10-01T08:40');
  let r = await duty2.call('POST', '/api/duty/checkin', { read: '门户网站首页及各栏目' });
  assert.equal(r.status, 403, r.body);
  // the website's columns, read one by one (读网值班): offered to the person on duty
  const c1 = (await admin.call('POST', '/api/columns', { name: '通知公告', path: 'tzgg', stale_days: 14 })).json.id;
  const c2 = (await admin.call('POST', '/api/columns', { name: '政务动态', path: 'zwdt', stale_days: 7 })).json.id;
  assert.deepEqual((await duty.call('GET', '/api/duty/columns')).json.items.map((c) => c.name), ['通知公告', '政务动态']);
  const incidents = Number(sqlite(server.db, 'SELECT count(*) FROM incident'));
  for (const columns of [[c1, 99999], 'all', [c1, 'x']]) {
    r = await duty.call('POST', '/api/duty/checkin', { read: '门户网站', columns, anomaly: '乱码', open_incident: true });
    assert.equal(r.status, 400, JSON.stringify(columns));
    assert.equal(r.json.error.field, 'columns');
  }
  assert.equal(Number(sqlite(server.db, 'SELECT count(*) FROM incident')), incidents, 'no incident opened for a refused check-in');
  r = await duty.call('POST', '/api/duty/checkin', { read: '门户网站首页及各栏目', columns: [c1, c2], anomaly: '“通知公告”栏目出现乱码', open_incident: true });
  assert.equal(r.status, 201, r.body);
  assert.ok(r.json.incident_id > 0);
  const inc = await lead.call('GET', `/api/incidents/${r.json.incident_id}`);
  assert.equal(inc.json.source, 'duty');
  r = await lead.call('GET', '/api/duty/roster?month=2026-10');
  assert.equal(r.json.days[0].checkins.length, 1);
  assert.deepEqual(r.json.days[0].checkins[0].columns, [{ id: c1, name: '通知公告' }, { id: c2, name: '政务动态' }]);
  // the handover at the end of the day: only by the person on duty, once checked in, once a day
  r = await duty2.call('POST', '/api/duty/handover', { note: '无' });
  assert.equal(r.status, 403, r.body);
  r = await duty.call('POST', '/api/duty/handover', { note: '' });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.field, 'note');
  r = await duty.call('POST', '/api/duty/handover', { note: '“通知公告”乱码已报事件，待技术人员修复后复查' });
  assert.equal(r.status, 201, r.body);
  r = await duty.call('POST', '/api/duty/handover', { note: '再交一次' });
  assert.equal(r.status, 409, r.body);
  assert.equal(r.json.error.code, 'handed_over');
  r = await lead.call('GET', '/api/duty/roster?month=2026-10');
  assert.equal(r.json.days[0].handover.note, '“通知公告”乱码已报事件，待技术人员修复后复查');
  assert.equal(r.json.days[0].handover.by, '王值班');
  assert.equal(r.json.last_handover, null, 'nothing before today');
  assert.equal(auditRows(server.db, 'duty.handover').filter((a) => a.result === 'ok').length, 1);

  // 10-08: nobody checks in; at 09:31 the leaders are told, once
  clockAt('2026-10-08T09:20');
  await new Promise((res) => setTimeout(res, 2500));
  assert.equal(auditRows(server.db, 'duty.checkin_missed').length, 0, 'not before an hour');
  clockAt('2026-10-08T09:31');
  await waitFor(() => auditRows(server.db, 'duty.checkin_missed').length === 1, 'told');
  await new Promise((res) => setTimeout(res, 2500));
  assert.equal(auditRows(server.db, 'duty.checkin_missed').length, 1, 'once');
  const bell = await lead.call('GET', '/api/me/notifications');
  assert.ok(JSON.stringify(bell.json).includes('李值班'), JSON.stringify(bell.json).slice(0, 300));
  // 10-08's person on duty has not checked in: no handover yet; the last one is 10-01's
  r = await duty2.call('POST', '/api/duty/handover', { note: '无' });
  assert.equal(r.status, 409, r.body);
  assert.equal(r.json.error.code, 'not_checked_in');
  r = await duty2.call('GET', '/api/duty/roster?month=2026-10');
  assert.equal(r.json.last_handover.date, '2026-10-01');
});

test('the security administrator changes a duty; a rule that cannot fire is refused and nothing changes', async () => {
  let r = await sec.call('GET', '/api/obligations');
  const media = find(r, 'new_media_activity')[0];
  r = await sec.call('PATCH', `/api/obligations/${media.id}`, { rule: 'hourly' });
  assert.equal(r.status, 400);
  r = await sec.call('PATCH', `/api/obligations/${media.id}`, { rule: 'days', every: 0 });
  assert.equal(r.status, 400);
  r = await sec.call('PATCH', `/api/obligations/${media.id}`, { owner: 'nobody' });
  assert.equal(r.status, 400);
  r = await duty.call('PATCH', `/api/obligations/${media.id}`, { every: 10 });
  assert.equal(r.status, 403);
  r = await sec.call('GET', '/api/obligations');
  assert.equal(find(r, 'new_media_activity')[0].rule_text, '每 15 天', 'unchanged');
  r = await sec.call('PATCH', `/api/obligations/${media.id}`, { rule: 'days', every: 10, owner: 'editor' });
  assert.equal(r.status, 200, r.body);
  assert.equal(find(r, 'new_media_activity')[0].rule_text, '每 10 天');
  assert.equal(find(r, 'new_media_activity')[0].owner, 'editor');
  r = await sec.call('PATCH', `/api/obligations/${media.id}`, { enabled: false });
  assert.equal(find(r, 'new_media_activity').length, 0, 'a duty that does not apply is not listed');
  assert.equal(auditRows(server.db, 'oblig.update').filter((x) => x.result === 'ok').length, 2);
});

test('duties come due remind their owners in-app; overdue ones tell the leaders, once a period', async () => {
  clockAt('2026-10-08T10:00');
  const run = await admin.call('POST', '/api/jobs/oblig.remind/run');
  assert.equal(run.status, 202, run.body);
  await waitFor(async () => JSON.stringify((await lead.call('GET', '/api/me/notifications')).json).includes('周期职责'), 'the leaders told of an overdue duty');
  // the daily backup of 10-07 is the system administrator's: told in-app
  const bell = await admin.call('GET', '/api/me/notifications');
  assert.ok(JSON.stringify(bell.json).includes('每日增量备份'), 'the owner reminded');
  const count = (await lead.call('GET', '/api/me/notifications')).json.items.length;
  await admin.call('POST', '/api/jobs/oblig.remind/run');
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal((await lead.call('GET', '/api/me/notifications')).json.items.length, count, 'once a period');
});

test('a swap: asked by the day’s person on duty, approved by a leader who is neither of them', async () => {
  clockAt('2026-10-08T10:00');
  let r = await duty2.call('POST', '/api/duty/roster', { date: '2026-10-12', user_id: duty.id });
  assert.equal(r.status, 403);
  r = await sec.call('POST', '/api/duty/roster', { date: '2026-10-12', user_id: duty.id });
  assert.equal(r.status, 200, r.body);
  r = await duty2.call('POST', '/api/duty/swaps', { date: '2026-10-12', to_user_id: duty2.id, reason: '外出' });
  assert.equal(r.status, 403, 'not the day’s person');
  r = await duty.call('POST', '/api/duty/swaps', { date: '2026-10-12', to_user_id: lead.id, reason: '外出培训' });
  assert.equal(r.status, 400, 'a leader is not a 值班员');
  r = await duty.call('POST', '/api/duty/swaps', { date: '2026-10-12', to_user_id: duty2.id });
  assert.equal(r.status, 400, 'a reason is required');
  r = await duty.call('POST', '/api/duty/swaps', { date: '2026-10-12', to_user_id: duty2.id, reason: '外出培训' });
  assert.equal(r.status, 200, r.body);
  const swap = r.json.items[0];
  assert.equal(swap.state, 'pending');
  const standIns = r.json.people.map((p) => p.id);
  assert.ok(standIns.includes(duty2.id) && !standIns.includes(lead.id), 'the stand-ins offered are the 值班员');
  r = await duty.call('POST', `/api/duty/swaps/${swap.id}/decide`, { approve: true });
  assert.equal(r.status, 403, 'not a leader');
  r = await lead.call('POST', `/api/duty/swaps/${swap.id}/decide`, { approve: true });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.items[0].state, 'approved');
  r = await lead.call('POST', `/api/duty/swaps/${swap.id}/decide`, { approve: false });
  assert.equal(r.status, 409, 'decided once');
  const roster = await lead.call('GET', '/api/duty/roster?month=2026-10');
  assert.equal(roster.json.days[11].on_duty.name, '李值班');
});

test('a duty of the unit’s own: refused with a rule that cannot fire or an id not in the catalogue; listed once added', async () => {
  const base = { title: '机房温湿度巡检', reqs: 'LED-2', rule: 'weekly', owner: 'device_admin' };
  let r = await sec.call('POST', '/api/obligations', { ...base, rule: 'hourly' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'rule');
  r = await sec.call('POST', '/api/obligations', { ...base, reqs: 'LED-99' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'reqs');
  r = await sec.call('POST', '/api/obligations', { ...base, owner: 'janitor' });
  assert.equal(r.status, 400);
  r = await duty.call('POST', '/api/obligations', base);
  assert.equal(r.status, 403);
  r = await sec.call('POST', '/api/obligations', base);
  assert.equal(r.status, 200, r.body);
  const mine = r.json.items.filter((i) => i.title === '机房温湿度巡检');
  assert.equal(mine.length, 1);
  assert.equal(mine[0].rule_text, '每周');
  assert.equal(mine[0].owner, 'device_admin');
});

test('a duty of the unit’s own evidenced by a register: done once a row is entered in the period; a register that does not exist is refused', async () => {
  clockAt('2026-10-08T10:00');
  const base = { title: '安全责任书季度核对', reqs: 'ORG-3', rule: 'quarterly', owner: 'secadmin' };
  for (const evidence of ['register:nosuch', 'register:', 'files', 'x'.repeat(50)]) {
    const r = await sec.call('POST', '/api/obligations', { ...base, evidence });
    assert.equal(r.status, 400, evidence);
    assert.equal(r.json.error.field, 'evidence', evidence);
  }
  assert.ok(!(await sec.call('GET', '/api/obligations')).json.items.some((i) => i.title === base.title), 'nothing added');
  let r = await sec.call('POST', '/api/obligations', { ...base, evidence: 'register:letters' });
  assert.equal(r.status, 200, r.body);
  let item = r.json.items.find((i) => i.title === base.title);
  assert.equal(item.evidence_kind, 'register:letters');
  assert.equal(item.evidence_register, '安全责任书');
  assert.notEqual(item.state, 'done');
  assert.deepEqual(item.evidence, []);
  r = await sec.call('POST', '/api/registers/letters/rows', { position: '信息安全管理员', person: sec.id, signed_on: '2026-10-08', signer: lead.id });
  assert.equal(r.status, 201, r.body);
  item = (await sec.call('GET', '/api/obligations')).json.items.find((i) => i.title === base.title);
  assert.equal(item.state, 'done');
  assert.equal(item.evidence[0].text, '安全责任书：本期 1 次登记或变更');
});

test('a period gone by without evidence is overdue', async () => {
  clockAt('2026-10-08T10:00');
  const r = await sec.call('GET', '/api/obligations?state=overdue');
  // the daily backup of 10-07 (a day after the start) was never evidenced
  const daily = find(r, 'backup_daily');
  assert.ok(daily.some((i) => i.period === '2026-10-07'), JSON.stringify(daily));
  // the weekly backup of the week before (28 Sep, evidenced) is not overdue
  assert.ok(!find(r, 'backup_weekly').some((i) => i.period === 'W2026-09-28'));
});

test('a duty given to a named person: only that person owns it, is reminded, and a role given back replaces them', async () => {
  clockAt('2026-10-14T10:00');
  const base = { title: '值班日志每日整理', reqs: 'MON-2', rule: 'daily', evidence: 'file' };
  for (const owner of ['user:999999', 'user:abc', 'user:', `user:${duty.id}x`]) {
    const r = await sec.call('POST', '/api/obligations', { ...base, owner });
    assert.equal(r.status, 400, owner);
    assert.equal(r.json.error.field, 'owner', owner);
  }
  assert.ok(!(await sec.call('GET', '/api/obligations')).json.items.some((i) => i.title === base.title), 'nothing added');
  let r = await sec.call('POST', '/api/obligations', { ...base, owner: `user:${duty2.id}` });
  assert.equal(r.status, 200, r.body);
  let item = r.json.items.find((i) => i.title === base.title);
  assert.equal(item.owner, `user:${duty2.id}`);
  assert.equal(item.owner_kind, 'person');
  assert.equal(item.owner_name, '李值班');
  assert.equal(item.state, 'due', 'a daily duty is due the same day');
  // the person sees it as theirs; a holder of the same role does not
  assert.equal((await duty2.call('GET', '/api/obligations')).json.items.find((i) => i.title === base.title).mine, true);
  assert.equal((await duty.call('GET', '/api/obligations')).json.items.find((i) => i.title === base.title).mine, false);
  r = await duty.call('POST', `/api/obligations/${item.id}/evidence`, { file_id: 1, note: '整理完毕' });
  assert.equal(r.status, 403, 'someone else of the same role may not evidence it');
  assert.equal(r.json.error.code, 'not_owner');
  // the reminder goes to the person alone
  const before = JSON.stringify((await duty.call('GET', '/api/me/notifications')).json);
  assert.equal((await admin.call('POST', '/api/jobs/oblig.remind/run')).status, 202);
  await waitFor(async () => JSON.stringify((await duty2.call('GET', '/api/me/notifications')).json).includes(base.title),
    'the person reminded');
  assert.equal(JSON.stringify((await duty.call('GET', '/api/me/notifications')).json).includes(base.title), false,
    'another holder of the role is not told');
  assert.ok(!before.includes(base.title));
  // a role given back replaces the person
  r = await sec.call('PATCH', `/api/obligations/${item.id}`, { owner: 'duty' });
  assert.equal(r.status, 200, r.body);
  item = r.json.items.find((i) => i.title === base.title);
  assert.equal(item.owner, 'duty');
  assert.equal(item.owner_kind, 'role');
  r = await sec.call('PATCH', `/api/obligations/${item.id}`, { owner: `user:${duty.id}` });
  assert.equal(r.json.items.find((i) => i.title === base.title).owner_name, '王值班');
  const updates = auditRows(server.db, 'oblig.update').filter((x) => x.object_id === String(item.id));
  assert.deepEqual(updates.map((x) => JSON.parse(x.detail).after?.owner ?? JSON.parse(x.detail).owner), ['duty', `user:${duty.id}`]);
});

test('a duty evidenced by a job’s runs: done once the job has run in the period; kinds whose runs are not all kept are refused', async () => {
  clockAt('2026-10-14T10:00');
  let r = await sec.call('GET', '/api/obligations/job-kinds');
  assert.equal(r.status, 200, r.body);
  const names = r.json.items.map((k) => k.name);
  assert.ok(names.includes('publish.recheck'), names.join());
  assert.ok(!names.includes('audit.tick'), 'a kind run every 5 s does not keep its quiet runs');
  assert.equal((await duty.call('GET', '/api/obligations/job-kinds')).status, 403);
  const base = { title: '已发布内容每周复查', reqs: 'PUB-6', rule: 'weekly', owner: 'secadmin' };
  for (const evidence of ['job:audit.tick', 'job:nosuch', 'job:']) {
    r = await sec.call('POST', '/api/obligations', { ...base, evidence });
    assert.equal(r.status, 400, evidence);
    assert.equal(r.json.error.field, 'evidence', evidence);
  }
  r = await sec.call('POST', '/api/obligations', { ...base, evidence: 'job:publish.recheck' });
  assert.equal(r.status, 200, r.body);
  let item = r.json.items.find((i) => i.title === base.title);
  assert.equal(item.evidence_job, '已发布内容复查');
  // the job already ran at start-up (under the test clock its period is short): count its runs
  const runsOf = (it) => (it.evidence.length ? Number(/成功运行 (\d+) 次/.exec(it.evidence[0].text)[1]) : 0);
  const ran = runsOf(item);
  assert.equal(item.state === 'done', ran > 0);
  const okRuns = () => sqlite(server.db, "SELECT count(*) FROM job_run WHERE kind = 'publish.recheck' AND result = 'ok'");
  assert.ok(ran <= Number(okRuns()), 'only successful runs are counted');
  assert.equal((await admin.call('POST', '/api/jobs/publish.recheck/run')).status, 202);
  await waitFor(async () => {
    item = (await sec.call('GET', '/api/obligations')).json.items.find((i) => i.title === base.title);
    return runsOf(item) > ran;
  }, 'the run evidences the week');
  assert.equal(item.state, 'done');
  assert.match(item.evidence[0].text, /^系统任务“已发布内容复查”本期成功运行 \d+ 次$/);
  // the run is kept in the history though its summary may be empty
  const runs = (await admin.call('GET', '/api/jobs/runs?kind=publish.recheck')).json.items;
  assert.ok(runs.some((x) => x.result === 'ok'), JSON.stringify(runs));
});
