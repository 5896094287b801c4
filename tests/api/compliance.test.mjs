// The compliance report (RPT): every id of the catalogue with one of four statuses, statuses
// that follow the live state (a verification turns AUD-2 met; an important system with one
// administrator turns ORG-2 not met), the security administrator's decisions (not applicable
// only with a reason; met only with a clean evidence file and never over an automatic check),
// and the PDF and xlsx an inspector reads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, tempDir, waitFor, auditRows, request } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient, userClient } from '../lib/session.mjs';
import { startClamd, EICAR } from '../lib/clamd.mjs';

let server; let clamd; let admin; let sec; let auditor; let net; let lead; let staff;
const CATALOGUE = readFileSync(new URL('../../data/requirements/catalogue.md', import.meta.url), 'utf8');
const IDS = [...CATALOGUE.matchAll(/^- ([A-Z]{2,6}-\d{1,3}) /gm)].map((m) => m[1]);
const STATUSES = ['met', 'not_met', 'not_applicable', 'no_evidence'];

function upload(client, name, body) {
  const headers = { Cookie: client.cookie, 'X-CSRF-Token': client.csrf, 'Content-Type': 'application/octet-stream', 'X-Filename': encodeURIComponent(name) };
  return request(server.url, '/api/files', { method: 'POST', headers, body }).then((r) => ({ ...r, json: JSON.parse(r.body) }));
}
const item = (report, id) => report.items.find((i) => i.id === id);

before(async () => {
  clamd = await startClamd();
  server = await startServer({ env: { XINAN_FILES_CLAMD: clamd.socket } });
  admin = await adminClient(server);
  auditor = await appointedClient(server, admin, 'aud1', 'auditor', { realName: '吴审计' });
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '周安全' });
  net = await grantedClient(server, admin, sec, 'net1', 'network_admin', { realName: '郑网络' });
  lead = await grantedClient(server, admin, sec, 'lead1', 'leader', { realName: '郑领导' });
  staff = await userClient(server, admin, 'staff1', { realName: '赵员工' });
});

after(async () => {
  await server.stop();
  await clamd.stop();
});

test('a fresh installation lists every id of the catalogue, each with one of the four statuses', async () => {
  assert.ok(IDS.length >= 70, `catalogue ids: ${IDS.length}`);
  const r = await lead.call('GET', '/api/compliance');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.items.map((i) => i.id), IDS);
  for (const i of r.json.items) {
    assert.ok(STATUSES.includes(i.status), `${i.id}: ${i.status}`);
    assert.ok(i.text.length > 10);
    if (i.status === 'not_met') assert.ok(i.reason, `${i.id} not met says why`);
    if (i.status === 'met') assert.ok(i.evidence.length > 0, `${i.id} met shows evidence`);
  }
  const s = r.json.summary;
  assert.equal(s.met + s.not_met + s.not_applicable + s.no_evidence, IDS.length);
  // who reads: the leader, the three administrators; not an ordinary member of staff
  assert.equal((await staff.call('GET', '/api/compliance')).status, 403);
  assert.equal((await auditor.call('GET', '/api/compliance')).status, 200);
  // nothing in the backups yet: no evidence, never met
  assert.equal(item(r.json, 'BAK-1').status, 'no_evidence');
  assert.equal(item(r.json, 'ACC-8').status, 'met');
  assert.equal(item(r.json, 'AUD-3').status, 'met');
  // the watch: no site yet, nobody on duty today, no column yet
  assert.equal(item(r.json, 'MON-1').status, 'no_evidence');
  assert.equal(item(r.json, 'MON-2').status, 'not_met');
  assert.match(item(r.json, 'MON-2').reason, /值班/);
  assert.equal(item(r.json, 'MON-3').status, 'no_evidence');
  assert.equal(item(r.json, 'MON-4').status, 'no_evidence');
});

test('statuses follow the state: a verification turns AUD-2 met; an important system with one administrator turns ORG-2 not met', async () => {
  let r = await lead.call('GET', '/api/compliance');
  assert.equal(item(r.json, 'AUD-2').status, 'no_evidence');
  const v = await auditor.call('POST', '/api/audit/verify');
  assert.equal(v.status, 200, v.body);
  r = await lead.call('GET', '/api/compliance');
  assert.equal(item(r.json, 'AUD-2').status, 'met');
  assert.ok(item(r.json, 'AUD-2').evidence.some((e) => /完整/.test(e.text)));

  assert.equal(item(r.json, 'ORG-2').status, 'no_evidence');
  const row = await net.call('POST', '/api/registers/systems/rows', { name: '门户网站', level: '3', owner: net.id, admin1: net.id, important: 'yes' });
  assert.equal(row.status, 201, row.body);
  r = await lead.call('GET', '/api/compliance');
  assert.equal(item(r.json, 'ORG-2').status, 'not_met');
  assert.ok(item(r.json, 'ORG-2').evidence.some((e) => e.kind === 'flag'));
  const fix = await net.call('PATCH', `/api/registers/systems/rows/${row.json.id}`, { admin2: lead.id, reason: '双人互备' });
  assert.equal(fix.status, 200, fix.body);
  r = await lead.call('GET', '/api/compliance');
  assert.equal(item(r.json, 'ORG-2').status, 'met');
  // INC-5: no plan yet is not met, with the reason
  assert.equal(item(r.json, 'INC-5').status, 'not_met');
  assert.match(item(r.json, 'INC-5').reason, /预案/);
});

test('decisions: not applicable needs a reason; met needs a clean file and never overrides a check', async () => {
  let r = await sec.call('PUT', '/api/compliance/MON-9', { status: 'not_applicable' });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.field, 'reason');
  r = await lead.call('PUT', '/api/compliance/MON-9', { status: 'not_applicable', reason: '无' });
  assert.equal(r.status, 403);
  r = await sec.call('PUT', '/api/compliance/NOPE-1', { status: 'not_applicable', reason: '无' });
  assert.equal(r.status, 404);
  r = await sec.call('PUT', '/api/compliance/MON-9', { status: 'not_applicable', reason: '本单位无无线网络' });
  assert.equal(r.status, 200, r.body);
  assert.equal(item(r.json, 'MON-9').status, 'not_applicable');
  assert.equal(item(r.json, 'MON-9').reason, '本单位无无线网络');
  assert.equal(auditRows(server.db, 'compliance.decide').filter((x) => x.result === 'ok').length, 1);

  r = await sec.call('PUT', '/api/compliance/BAK-1', { status: 'met', reason: '备份记录' });
  assert.equal(r.status, 400, 'met needs a file');
  const bad = await upload(sec, 'backup.txt', EICAR);
  await waitFor(async () => (await sec.call('GET', `/api/files/${bad.json.id}/meta`)).status === 404 || (await sec.call('GET', `/api/files/${bad.json.id}/meta`)).json.scan === 'infected', 'scanned');
  r = await sec.call('PUT', '/api/compliance/BAK-1', { status: 'met', reason: '备份记录', file_id: bad.json.id });
  assert.equal(r.status, 400, r.body);
  const good = await upload(sec, '备份日志.txt', Buffer.from('2026-12-01 全量备份 完成\n'));
  await waitFor(async () => (await sec.call('GET', `/api/files/${good.json.id}/meta`)).json.scan === 'clean', 'clean');
  r = await sec.call('PUT', '/api/compliance/BAK-1', { status: 'met', reason: '12 月备份日志', file_id: good.json.id });
  assert.equal(r.status, 200, r.body);
  assert.equal(item(r.json, 'BAK-1').status, 'met');
  assert.ok(item(r.json, 'BAK-1').evidence.some((e) => e.file_id === good.json.id));
  // an automatic check is not overruled by hand
  r = await sec.call('PUT', '/api/compliance/INC-5', { status: 'met', reason: '有预案', file_id: good.json.id });
  assert.equal(r.status, 409, r.body);
  // withdrawn: back to what the state says
  r = await sec.call('PUT', '/api/compliance/MON-9', { status: null });
  assert.equal(item(r.json, 'MON-9').status, 'no_evidence');
});

test('RSK-2: a self-inspection of chosen ids; an issue rectified by its owner and verified by another, never by the owner', async () => {
  let r = await lead.call('GET', '/api/compliance');
  assert.equal(item(r.json, 'RSK-2').status, 'no_evidence');
  r = await sec.call('POST', '/api/inspections', { kind: 'self', title: '2026 年下半年安全自查', req_ids: ['ACC-8', 'AUD-3', 'NOPE-9'] });
  assert.equal(r.status, 400, 'an id not in the catalogue');
  assert.equal(r.json.error.field, 'req_ids');
  r = await sec.call('POST', '/api/inspections', { kind: 'weekly', title: 'x' });
  assert.equal(r.status, 400);
  r = await lead.call('POST', '/api/inspections', { kind: 'self', title: 'x' });
  assert.equal(r.status, 403);
  r = await sec.call('POST', '/api/inspections', { kind: 'self', title: '2026 年下半年安全自查', req_ids: ['ACC-8', 'AUD-3', 'LED-1'] });
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  assert.deepEqual(r.json.checklist.map((c) => c.req_id), ['ACC-8', 'AUD-3', 'LED-1']);
  assert.ok(r.json.checklist[0].text.length > 10, 'each item with its requirement');
  r = await sec.call('POST', `/api/inspections/${id}/items/ACC-8`, { finding: 'ok' });
  assert.equal(r.status, 200, r.body);
  r = await sec.call('POST', `/api/inspections/${id}/items/LED-1`, { finding: 'issue' });
  assert.equal(r.status, 400, 'an issue needs a note');
  r = await sec.call('POST', `/api/inspections/${id}/items/LED-1`, { finding: 'issue', note: '机房两台服务器未登记' });
  assert.equal(r.json.issues, 1);
  r = await sec.call('POST', `/api/inspections/${id}/items/ACC-8/rectify`, { description: 'x', owner_id: net.id, days: 5 });
  assert.equal(r.status, 409, 'only an issue is rectified');
  r = await sec.call('POST', `/api/inspections/${id}/items/LED-1/rectify`, { description: '补登设备台账', owner_id: net.id, days: 5 });
  assert.equal(r.status, 200, r.body);
  const rect = r.json.rectifications[0];
  assert.equal(rect.owner, '郑网络');
  assert.match(rect.due_date, /^\d{4}-\d{2}-\d{2}$/);
  // the owner is told in the bell, through notifications (the message kept with its delivery)
  const bell = (await net.call('GET', '/api/me/notifications')).json.items;
  const told = bell.find((n) => n.kind === 'rectification.assigned');
  assert.ok(told, JSON.stringify(bell));
  assert.equal(told.title, '新的整改事项');
  assert.equal(told.body, `整改事项（LED-1）：补登设备台账，请于 ${rect.due_date} 前完成并提交整改证据。`);
  const kept = (await admin.call('GET', '/api/notify/messages')).json.items.find((m) => m.kind === 'rectification.assigned');
  assert.ok(kept, 'the message is in the notification log');
  assert.equal(kept.object_id, String(rect.id));
  assert.equal(kept.state, 'sent');
  // not the owner: cannot report it done; the owner cannot verify it
  r = await sec.call('POST', `/api/rectifications/${rect.id}/done`, { note: '已补登' });
  assert.equal(r.status, 403);
  r = await sec.call('POST', `/api/rectifications/${rect.id}/verify`, { approve: true });
  assert.equal(r.status, 409, 'not reported done yet');
  r = await net.call('POST', `/api/rectifications/${rect.id}/done`, { note: '已补登两台服务器' });
  assert.equal(r.status, 200, r.body);
  r = await net.call('POST', `/api/rectifications/${rect.id}/verify`, { approve: true });
  assert.equal(r.status, 403, 'the owner holds no compliance.manage and is the owner');
  r = await sec.call('POST', `/api/rectifications/${rect.id}/verify`, { approve: false });
  assert.equal(r.status, 400, 'sending back needs a note');
  r = await sec.call('POST', `/api/rectifications/${rect.id}/verify`, { approve: true, note: '已核实' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.items.find((x) => x.id === rect.id).state, 'verified');
  r = await lead.call('GET', '/api/compliance');
  assert.equal(item(r.json, 'RSK-2').status, 'met');
  for (const a of ['inspection.start', 'inspection.finding', 'rectification.create', 'rectification.done', 'rectification.verify'])
    assert.ok(auditRows(server.db, a).some((x) => x.result === 'ok'), a);
});

test('the owner of a rectification who is also a security administrator still cannot verify it', async () => {
  let r = await sec.call('POST', '/api/inspections', { kind: 'risk_internal', title: '第四季度内部风险评估', req_ids: ['AUD-5'] });
  const id = r.json.id;
  await sec.call('POST', `/api/inspections/${id}/items/AUD-5`, { finding: 'issue', note: '未接收交换机日志' });
  r = await sec.call('POST', `/api/inspections/${id}/items/AUD-5/rectify`, { description: '配置 syslog 接收', owner_id: sec.id, days: 3 });
  const rect = r.json.rectifications[0];
  r = await sec.call('POST', `/api/rectifications/${rect.id}/done`, { note: '已配置' });
  assert.equal(r.status, 200, r.body);
  r = await sec.call('POST', `/api/rectifications/${rect.id}/verify`, { approve: true, note: '自己验证' });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, 'own_item');
});

test('RSK-3: a notice reaches its group, each recipient’s reading is recorded, and no one else’s', async () => {
  const g = await admin.call('POST', '/api/notify/groups', { name: '技术人员', members: [{ user_id: net.id }, { user_id: lead.id }], channels: [1] });
  assert.equal(g.status, 201, g.body);
  let r = await sec.call('POST', '/api/notices', { kind: 'vulnerability', title: 'OpenSSH 高危漏洞通报', body: '请于本周内升级所有服务器的 OpenSSH。', group: '不存在的组' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'group');
  r = await sec.call('POST', '/api/notices', { kind: 'gossip', title: 'x', body: 'y', group: '技术人员' });
  assert.equal(r.status, 400);
  r = await lead.call('POST', '/api/notices', { kind: 'risk', title: 'x', body: 'y', group: '技术人员' });
  assert.equal(r.status, 403);
  r = await sec.call('POST', '/api/notices', { kind: 'vulnerability', title: 'OpenSSH 高危漏洞通报', body: '请于本周内升级所有服务器的 OpenSSH。', group: '技术人员' });
  assert.equal(r.status, 200, r.body);
  const n = r.json.items[0];
  assert.equal(n.recipients, 2);
  assert.equal(n.read, 0);
  const mine = await net.call('GET', '/api/notices');
  assert.equal(mine.json.items.length, 1);
  assert.equal(mine.json.items[0].read_at, 0);
  r = await net.call('POST', `/api/notices/${n.id}/read`);
  assert.equal(r.status, 200, r.body);
  assert.ok(r.json.items[0].read_at > 0);
  await net.call('POST', `/api/notices/${n.id}/read`);
  assert.equal(auditRows(server.db, 'notice.read').length, 1, 'read once is recorded once');
  r = await staff.call('POST', `/api/notices/${n.id}/read`);
  assert.equal(r.status, 404);
  assert.equal((await staff.call('GET', '/api/notices')).json.items.length, 0);
  r = await sec.call('GET', '/api/notices');
  assert.equal(r.json.items[0].read, 1);
  const bell = await lead.call('GET', '/api/me/notifications');
  assert.ok(JSON.stringify(bell.json).includes('OpenSSH'));
});

test('LED-8: everyone in post trained this year, by the trainings register, or the missing named', async () => {
  let r = await lead.call('GET', '/api/compliance');
  assert.equal(item(r.json, 'LED-8').status, 'no_evidence');
  const year = new Date().getFullYear();
  r = await sec.call('POST', '/api/registers/trainings/rows', { date: `${year}-03-15`, topic: '保密与网络安全培训', trainer: '周安全', attendees: '周安全、吴审计、郑网络', hours: 2 });
  assert.equal(r.status, 201, r.body);
  r = await lead.call('GET', '/api/compliance');
  assert.equal(item(r.json, 'LED-8').status, 'not_met');
  // ACC-2: account holders without any training are named too
  assert.equal(item(r.json, 'ACC-2').status, 'not_met');
  assert.match(item(r.json, 'ACC-2').reason, /郑领导/);
  assert.match(item(r.json, 'LED-8').reason, /郑领导/);
  assert.doesNotMatch(item(r.json, 'LED-8').reason, /郑网络、|吴审计/);
});

test('the PDF holds every id and the xlsx the same rows', async () => {
  const pdf = await request(server.url, '/api/compliance/report.pdf', { headers: { Cookie: lead.cookie } });
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  const dir = tempDir();
  writeFileSync(join(dir, 'r.pdf'), pdf.raw);
  const text = spawnSync('pdftotext', [join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
  for (const id of IDS) assert.ok(text.includes(id), `${id} in the PDF`);
  assert.ok(text.includes('合规报告') && text.includes('郑领导'));
  const xlsx = await request(server.url, '/api/compliance/report.xlsx', { headers: { Cookie: lead.cookie } });
  assert.equal(xlsx.status, 200);
  writeFileSync(join(dir, 'r.xlsx'), xlsx.raw);
  const strings = spawnSync('unzip', ['-p', join(dir, 'r.xlsx'), 'xl/sharedStrings.xml'], { encoding: 'utf8' }).stdout;
  for (const id of ['ACC-8', 'AUD-2', 'PUB-1', 'BAK-4']) assert.ok(strings.includes(id), `${id} in the workbook`);
});
