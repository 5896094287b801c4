// Incidents against their clocks (INC-1..4): which clocks each kind starts, reminders and
// escalation on the test clock (moved, never waited for), meeting a clock, a leader's
// suspension with a reason, the closing report and its approval by another leader, the
// automatic incident of a damaged audit trail opened once while it stays open, and bad input
// refused with nothing changed. People act in their own roles: 值班员, 领导, administrators.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, tempDir, waitFor, auditRows, sqlite, sqliteRows, request } from '../lib/server.mjs';
import { adminClient, appointedClient, userClient, Client, totp, STRONG, grantedClient } from '../lib/session.mjs';

let server; let admin; let sec; let duty; let lead1; let lead2; let staff; let clockFile;
let offset = 0;
function moveClock(seconds) { offset += seconds; writeFileSync(clockFile, String(offset)); }
const MIN = 60 * 1e6;

const withRole = (account, role, realName) => grantedClient(server, admin, sec, account, role, { realName });

before(async () => {
  const dir = tempDir();
  clockFile = join(dir, 'clock');
  writeFileSync(clockFile, '0');
  server = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile } });
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'sec1', 'secadmin');
  duty = await withRole('duty1', 'duty', '王值班');
  lead1 = await withRole('lead1', 'leader', '张领导');
  lead2 = await withRole('lead2', 'leader', '李领导');
  staff = await userClient(server, admin, 'staff1', { realName: '赵员工' });
  // the leaders' group, reached in-app (channel 1), so escalations have someone to tell
  const r = await admin.call('POST', '/api/notify/groups', { name: '领导小组', members: [{ user_id: lead1.id }, { user_id: lead2.id }], channels: [1] });
  assert.equal(r.status, 201, r.body);
});

after(async () => { await server.stop(); });

const EXPECTED = {
  illegal_content: ['inform_leaders', 'on_site', 'site_restored', 'report_authorities'],
  defacement: ['inform_leaders', 'on_site', 'site_restored', 'report_authorities'],
  virus: ['inform_leaders', 'on_site'],
  destructive_attack: ['inform_leaders', 'on_site', 'site_restored', 'report_authorities'],
  site_down: ['inform_leaders', 'on_site', 'site_restored'],
  power_failure: ['inform_leaders', 'on_site', 'site_restored'],
  line_failure: ['inform_leaders', 'on_site', 'site_restored'],
  leak: ['inform_leaders', 'on_site', 'report_authorities'],
  criminal_case: ['inform_leaders', 'on_site', 'report_authorities'],
  other: ['inform_leaders', 'on_site'],
};
const MINUTES = { inform_leaders: 10, on_site: 30, site_restored: 60, report_authorities: 1440 };

test('INC-1..3: each kind starts its clocks from the detection time', async () => {
  const kinds = (await duty.call('GET', '/api/incidents/kinds')).json;
  assert.deepEqual(kinds.kinds.map((k) => k.key).sort(), Object.keys(EXPECTED).sort());
  for (const [kind, clocks] of Object.entries(EXPECTED)) {
    const detected = '2026-12-06T08:00:00+08:00';
    const r = await duty.call('POST', '/api/incidents', { kind, title: `演示 ${kind}`, detected_at: detected, drill: true });
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json.clocks.map((c) => c.key), clocks, kind);
    for (const c of r.json.clocks)
      assert.equal(c.due_at, r.json.detected_at + MINUTES[c.key] * MIN, `${kind} ${c.key}`);
    assert.ok(r.json.steps.length >= 3, 'the procedure as a checklist');
    assert.equal(r.json.drill, true);
  }
  // the site is not affected: no clock for its restoration
  const r = await duty.call('POST', '/api/incidents', { kind: 'defacement', title: '内网页面被篡改', site_affected: false, drill: true });
  assert.deepEqual(r.json.clocks.map((c) => c.key), ['inform_leaders', 'on_site', 'report_authorities']);
});

test('INC-2: a defacement reminds before 10 minutes, escalates to the leaders at 10 and stays overdue until met', async () => {
  let r = await duty.call('POST', '/api/incidents', { kind: 'defacement', title: '门户网站首页被篡改', note: '巡检发现首页出现不明图片' });
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  assert.equal(r.json.state, 'open');
  const clock = (x) => x.clocks.find((c) => c.key === 'inform_leaders');
  assert.equal(clock(r.json).state, 'running');
  // the groups heard at once, each entry on the timeline
  assert.ok(r.json.timeline.some((e) => e.type === 'notified' && /领导小组/.test(e.text)));
  assert.equal(auditRows(server.db, 'incident.open').length >= 1, true);

  moveClock(8.5 * 60);
  let inc = await waitFor(async () => {
    const x = (await duty.call('GET', `/api/incidents/${id}`)).json;
    return x.timeline.some((e) => e.type === 'reminder' && e.clock === 'inform_leaders') && x;
  }, 'the reminder before the due time');
  assert.equal(clock(inc).state, 'running');
  assert.equal(inc.timeline.some((e) => e.type === 'escalated'), false);

  moveClock(2 * 60);
  inc = await waitFor(async () => {
    const x = (await duty.call('GET', `/api/incidents/${id}`)).json;
    return x.timeline.some((e) => e.type === 'escalated' && e.clock === 'inform_leaders') && x;
  }, 'the escalation at the due time');
  assert.equal(clock(inc).state, 'overdue');
  assert.ok(clock(inc).escalated_at >= clock(inc).due_at);
  const esc = inc.timeline.filter((e) => e.type === 'escalated');
  assert.equal(esc.length, 1, 'escalated once');
  const told = inc.timeline.filter((e) => e.type === 'notified' && e.clock === 'inform_leaders');
  assert.equal(told.length >= 1, true);
  assert.ok(told.every((e) => Number.isInteger(e.message_id) && e.delivery), 'each notification with its delivery state');
  // the leaders have it in-app
  const bell = (await lead1.call('GET', '/api/me/notifications')).json;
  assert.ok(JSON.stringify(bell).includes('已超过期限'), JSON.stringify(bell).slice(0, 400));
  assert.ok(auditRows(server.db, 'incident.escalate').length >= 1);
  // still overdue a while later, and escalated no more
  moveClock(60);
  await new Promise((r) => setTimeout(r, 2500));
  inc = (await duty.call('GET', `/api/incidents/${id}`)).json;
  assert.equal(clock(inc).state, 'overdue');
  assert.equal(inc.timeline.filter((e) => e.type === 'escalated' && e.clock === 'inform_leaders').length, 1);

  // met: who and when; twice is refused and changes nothing
  r = await duty.call('POST', `/api/incidents/${id}/clocks/inform_leaders/meet`, { note: '已电话报告张局长、李副局长' });
  assert.equal(r.status, 200, r.body);
  assert.equal(clock(r.json).state, 'met');
  assert.equal(clock(r.json).met_by, '王值班');
  const entries = r.json.timeline.length;
  r = await duty.call('POST', `/api/incidents/${id}/clocks/inform_leaders/meet`, { note: '再次确认' });
  assert.equal(r.status, 409);
  assert.equal((await duty.call('GET', `/api/incidents/${id}`)).json.timeline.length, entries);
  r = await duty.call('POST', `/api/incidents/${id}/clocks/no_such/meet`, { note: 'x' });
  assert.equal(r.status, 404);
});

test('force majeure: only a leader suspends a clock, and only with a reason; the suspension is on the record', async () => {
  let r = await duty.call('POST', '/api/incidents', { kind: 'power_failure', title: '机房停电' });
  const id = r.json.id;
  r = await duty.call('POST', `/api/incidents/${id}/clocks/site_restored/suspend`, { reason: '区域电网故障' });
  assert.equal(r.status, 403);
  r = await lead1.call('POST', `/api/incidents/${id}/clocks/site_restored/suspend`, {});
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'reason');
  r = await lead1.call('POST', `/api/incidents/${id}/clocks/site_restored/suspend`, { reason: '区域电网故障，供电公司预计两小时恢复' });
  assert.equal(r.status, 200, r.body);
  const c = r.json.clocks.find((x) => x.key === 'site_restored');
  assert.equal(c.state, 'suspended');
  assert.equal(c.suspended_by, '张领导');
  assert.match(c.suspend_reason, /电网/);
  assert.ok(r.json.timeline.some((e) => e.type === 'suspended' && /不可抗力/.test(e.text)));
  // suspended clocks do not escalate
  moveClock(70 * 60);
  await new Promise((res) => setTimeout(res, 2500));
  let x = (await duty.call('GET', `/api/incidents/${id}`)).json;
  assert.equal(x.timeline.some((e) => e.type === 'escalated' && e.clock === 'site_restored'), false);
  r = await lead1.call('POST', `/api/incidents/${id}/clocks/site_restored/resume`, {});
  assert.equal(r.status, 200, r.body);
  x = r.json.clocks.find((c2) => c2.key === 'site_restored');
  assert.equal(x.state, 'running');
  assert.ok(x.due_at > c.due_at, 'the due time moves on by the suspension');
});

test('INC-4: closing needs cause, measures and lessons, and another leader approves it; closing twice is refused', async () => {
  let r = await duty.call('POST', '/api/incidents', { kind: 'virus', title: '办公终端感染病毒' });
  const id = r.json.id;
  r = await duty.call('POST', `/api/incidents/${id}/steps/1`, { note: '已拔网线' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.steps[0].done, true);
  assert.equal((await duty.call('POST', `/api/incidents/${id}/steps/1`, {})).status, 409);
  assert.equal((await duty.call('POST', `/api/incidents/${id}/steps/99`, {})).status, 400);
  r = await duty.call('POST', `/api/incidents/${id}/notes`, { text: '杀毒完成\n其余终端扫描无异常' });
  assert.equal(r.status, 201, r.body);
  for (const missing of ['cause', 'measures', 'lessons']) {
    const body = { cause: 'U 盘带入', measures: '隔离、杀毒', lessons: '禁用自动运行' };
    delete body[missing];
    r = await duty.call('POST', `/api/incidents/${id}/close`, body);
    assert.equal(r.status, 400, missing);
    assert.equal(r.json.error.field, missing);
  }
  assert.equal((await duty.call('GET', `/api/incidents/${id}`)).json.state, 'open');
  r = await lead1.call('POST', `/api/incidents/${id}/close`, { cause: 'U 盘带入', measures: '隔离、杀毒', lessons: '禁用自动运行', prevention: '统一管控移动介质' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'closing');
  // the leader who wrote the report does not approve it; a duty officer cannot
  assert.equal((await lead1.call('POST', `/api/incidents/${id}/close/decision`, { approve: true })).status, 403);
  assert.equal((await duty.call('POST', `/api/incidents/${id}/close/decision`, { approve: true })).status, 403);
  // returned without a comment: refused
  r = await lead2.call('POST', `/api/incidents/${id}/close/decision`, { approve: false });
  assert.equal(r.status, 400);
  r = await lead2.call('POST', `/api/incidents/${id}/close/decision`, { approve: true, comment: '同意结案' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'closed');
  assert.equal(r.json.close.closed_by, '李领导');
  assert.ok(r.json.close.keep_until >= r.json.close.closed_at + 180 * 86400 * 1e6);
  assert.equal((await lead2.call('POST', `/api/incidents/${id}/close/decision`, { approve: true })).status, 409);
  assert.equal((await lead1.call('POST', `/api/incidents/${id}/close`, { cause: 'a', measures: 'b', lessons: 'c' })).status, 409);
  assert.equal((await duty.call('POST', `/api/incidents/${id}/notes`, { text: '补记' })).status, 409);
  const closed = (await duty.call('GET', '/api/incidents?state=closed')).json.items;
  assert.ok(closed.some((i) => i.id === id));
  assert.ok(!(await duty.call('GET', '/api/incidents?state=open')).json.items.some((i) => i.id === id));
});

test('bad input: unknown kinds, detection in the future or long ago, long notes, strangers: refused, nothing stored', async () => {
  const count = () => sqliteRows(server.db, 'SELECT count(*) AS n FROM incident')[0].n;
  const before = count();
  const cases = [
    [{ kind: 'alien', title: 'x' }, 'kind'],
    [{ kind: 'virus', title: 'x', detected_at: '2099-01-01T00:00:00+08:00' }, 'detected_at'],
    [{ kind: 'virus', title: 'x', detected_at: '2020-01-01T00:00:00+08:00' }, 'detected_at'],
    [{ kind: 'virus', title: 'x', detected_at: 'yesterday' }, 'detected_at'],
    [{ kind: 'virus', title: 'x', note: 'a'.repeat(65537) }, 'note'],
    [{ kind: 'virus', title: '=cmd|x' }, 'title'],
    [{ kind: 'virus', title: 'x', site_affected: 'yes' }, 'site_affected'],
  ];
  for (const [body, field] of cases) {
    const r = await duty.call('POST', '/api/incidents', body);
    assert.equal(r.status, 400, `${field}: ${r.body}`);
    assert.equal(r.json.error.field, field);
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/, 'a Chinese message');
  }
  assert.equal((await staff.call('POST', '/api/incidents', { kind: 'virus', title: '越权' })).status, 403);
  assert.equal((await staff.call('GET', '/api/incidents')).status, 403);
  const r = await duty.call('POST', '/api/incidents', { kind: 'virus', title: 'x' });
  const long = await duty.call('POST', `/api/incidents/${r.json.id}/notes`, { text: '长'.repeat(30000) });
  assert.equal(long.status, 400);
  assert.equal(count(), before + 1);
  // an attachment must be one's own clean file
  const up = await duty.call('POST', '/api/files', Buffer.from('现场照片说明'), { 'X-Filename': encodeURIComponent('说明.txt'), 'Content-Type': 'application/octet-stream' });
  if (up.status === 201 && up.json.scan !== 'clean') {
    const a = await duty.call('POST', `/api/incidents/${r.json.id}/attachments`, { file_id: up.json.id });
    assert.equal(a.status, 400, a.body);
    assert.equal(a.json.error.field, 'file_id');
  }
});

test('INC-1: a damaged audit trail opens one incident while it stays open; a repeat adds to its timeline', async () => {
  const dir = tempDir();
  const s2 = await startServer({ dir });
  const a2 = await adminClient(s2);
  for (let i = 0; i < 3; i++) assert.equal((await a2.call('POST', '/api/users', { account: `u${i}`, real_name: '测试', staff_type: 'staff' })).status, 201);
  await s2.stop();
  sqlite(s2.db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 4");
  const s3 = await startServer({ dir, db: s2.db });
  try {
    const a3 = new Client(s3.url);
    assert.equal((await a3.login('admin', STRONG, totp(a2.totpSecret, 1))).status, 200);
    const auditor = await appointedClient(s3, a3, 'aud1', 'auditor');
    let r = await auditor.call('POST', '/api/audit/verify');
    assert.equal(r.json.intact, false);
    r = await auditor.call('POST', '/api/audit/verify');
    assert.equal(r.json.intact, false);
    const list = (await auditor.call('GET', '/api/incidents?state=open')).json.items;
    const opened = list.filter((i) => i.source === 'audit');
    assert.equal(opened.length, 1, JSON.stringify(list));
    const inc = (await auditor.call('GET', `/api/incidents/${opened[0].id}`)).json;
    assert.equal(inc.kind, 'destructive_attack');
    assert.ok(inc.timeline.some((e) => e.type === 'alarm'), 'the repeat on the timeline');
  } finally {
    await s3.stop();
  }
});


test('INC-5: a plan approved by another leader, flagged until drilled within the year; a drill needs its records', async () => {
  let r = await duty.call('POST', '/api/incidents/plans', { title: '网站安全应急预案', version: 'V2.1', scope: '区政府门户网站及政务新媒体', kinds: ['defacement', 'site_down'] });
  assert.equal(r.status, 201, r.body);
  const plan = r.json.id;
  for (const [body, field] of [
    [{ title: '预案', version: 'V1', scope: 'x', kinds: ['alien'] }, 'kinds'],
    [{ title: '预案', version: 'V1', scope: 'x', kinds: [] }, 'kinds'],
    [{ title: '预案', version: 'V1', kinds: ['virus'] }, 'scope'],
    [{ title: '预案', version: 'V1', scope: 'x', kinds: ['virus'], file_id: 999999 }, 'file_id'],
  ]) {
    r = await duty.call('POST', '/api/incidents/plans', body);
    assert.equal(r.status, 400, r.body);
    assert.equal(r.json.error.field, field);
  }
  let plans = (await duty.call('GET', '/api/incidents/plans')).json.items;
  assert.equal(plans.length, 1);
  assert.equal(plans[0].drill_due, true);
  assert.equal(plans[0].approved_by, null);
  // the home page tells the people who handle incidents
  let cards = (await duty.call('GET', '/api/workbench')).json.cards;
  assert.ok(cards.some((c) => c.kind === 'drills' && c.count === 1));
  assert.equal((await duty.call('POST', `/api/incidents/plans/${plan}/approve`, {})).status, 403);
  r = await lead1.call('POST', `/api/incidents/plans/${plan}/approve`, {});
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.items[0].approved_by, '张领导');
  assert.equal((await lead2.call('POST', `/api/incidents/plans/${plan}/approve`, {})).status, 409);

  // a drill run as a rehearsal incident
  const rehearsal = (await duty.call('POST', '/api/incidents', { kind: 'defacement', title: '篡改演练', drill: true })).json.id;
  const real = (await duty.call('POST', '/api/incidents', { kind: 'virus', title: '真实事件' })).json.id;
  const drill = { plan_id: plan, held_at: new Date().toISOString(), title: '2026 年网页篡改应急演练', command: '总指挥：张领导；成员：王值班、赵员工', records: '09:00 发现篡改；09:05 隔离服务器', analysis: '处置及时，恢复用时 25 分钟', improvements: '增加备用服务器', incident_id: rehearsal };
  for (const [patch, field] of [[{ records: '' }, 'records'], [{ analysis: undefined }, 'analysis'], [{ command: '' }, 'command'], [{ held_at: '2099-01-01T00:00:00+08:00' }, 'held_at'], [{ incident_id: real }, 'incident_id'], [{ plan_id: 999 }, 'plan_id']]) {
    r = await duty.call('POST', '/api/incidents/drills', { ...drill, ...patch });
    assert.equal(r.status, 400, `${field}: ${r.body}`);
    assert.equal(r.json.error.field, field);
  }
  assert.equal((await staff.call('POST', '/api/incidents/drills', drill)).status, 403);
  r = await duty.call('POST', '/api/incidents/drills', drill);
  assert.equal(r.status, 201, r.body);
  plans = (await duty.call('GET', '/api/incidents/plans')).json.items;
  assert.equal(plans[0].drill_due, false);
  assert.equal(plans[0].drills, 1);
  const drills = (await duty.call('GET', `/api/incidents/drills?plan_id=${plan}`)).json.items;
  assert.equal(drills.length, 1);
  assert.equal(drills[0].incident_id, rehearsal);
  assert.match(drills[0].command, /总指挥/);
  cards = (await duty.call('GET', '/api/workbench')).json.cards;
  assert.ok(!cards.some((c) => c.kind === 'drills'));
  assert.equal(auditRows(server.db, 'incident.drill_record').length, 1);
  assert.equal(auditRows(server.db, 'incident.plan_approve').length, 1);
  // a year on, the plan is due again
  moveClock(366 * 86400);
  plans = (await duty.call('GET', '/api/incidents/plans')).json.items;
  assert.equal(plans[0].drill_due, true);
  moveClock(-366 * 86400);
});

test('INC-4: the incident report as PDF (text readable, Chinese font embedded) and as xlsx, with the timeline', async () => {
  let r = await duty.call('POST', '/api/incidents', { kind: 'site_down', title: '门户网站无法访问报告测试', note: '=HYPERLINK("http://x")' });
  const id = r.json.id;
  await duty.call('POST', `/api/incidents/${id}/clocks/inform_leaders/meet`, { note: '已报告张领导' });
  const pdf = await request(server.url, `/api/incidents/${id}/report?format=pdf`, { headers: { Cookie: duty.cookie } });
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  assert.match(pdf.headers['content-disposition'], /attachment; .*filename\*=UTF-8''/);
  const file = join(tempDir(), 'r.pdf');
  writeFileSync(file, pdf.raw);
  const text = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  for (const want of ['安全事件报告', '门户网站无法访问报告测试', '王值班', '已报告张领导', '处置记录', '报告主要领导、分管领导'])
    assert.ok(text.stdout.replace(/\s+/g, '').includes(want.replace(/\s+/g, '')), `${want} in ${text.stdout.slice(0, 300)}`);
  const fonts = spawnSync('pdffonts', [file], { encoding: 'utf8' });
  assert.match(fonts.stdout, /WenQuanYi.*yes/i, 'the font is embedded');
  const xlsx = await request(server.url, `/api/incidents/${id}/report?format=xlsx`, { headers: { Cookie: duty.cookie } });
  assert.equal(xlsx.status, 200);
  assert.equal(xlsx.raw.subarray(0, 2).toString(), 'PK');
  const x = join(tempDir(), 'r.xlsx');
  writeFileSync(x, xlsx.raw);
  const sheet = spawnSync('unzip', ['-p', x, 'xl/sharedStrings.xml'], { encoding: 'utf8' });
  assert.match(sheet.stdout, /门户网站无法访问报告测试/);
  assert.doesNotMatch(spawnSync('unzip', ['-p', x, 'xl/worksheets/sheet1.xml'], { encoding: 'utf8' }).stdout, /<f>/, 'no formula');
  assert.equal((await duty.call('GET', `/api/incidents/${id}/report?format=doc`)).status, 400);
  assert.equal((await staff.call('GET', `/api/incidents/${id}/report?format=pdf`)).status, 403);
  assert.equal((await duty.call('GET', '/api/incidents/99999/report?format=pdf')).status, 404);
});
