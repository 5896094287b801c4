// The audit trail and the log store over HTTP (AUD-1..5, ACC-6) against a real `xinan serve`:
// the audit administrator (signed in with TOTP) searches by every filter, pages, reads
// statistics, exports CSV and .xlsx, verifies the trail and sees an alert once the SQLite file
// is tampered with; each successful read is itself a record; everyone else gets 403 on every
// endpoint and each refusal is in the trail; a bad parameter gets 400 naming it in Chinese
// and records nothing; received syslog messages are searched, counted and read raw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { startServer, sqlite } from '../lib/server.mjs';
import { adminClient, appointedClient, userClient, STRONG } from '../lib/session.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const HAN = /[\u4e00-\u9fff]/;

/** The syslog UDP port from the server's log. */
async function udpPort(srv) {
  for (let i = 0; i < 100; i++) {
    const m = srv.logs().match(/event=syslog\.listening proto=udp host=\S+ port=(\d+)/);
    if (m) return Number(m[1]);
    await sleep(50);
  }
  throw new Error(`no syslog.listening line: ${srv.logs()}`);
}

let server; let admin; let auditor; let sec; let editor;
const DEPT = '网站内容审核科';

before(async () => {
  server = await startServer({ env: { XINAN_SYSLOG_UDP: '127.0.0.1:0' } });
  admin = await adminClient(server);
  auditor = await appointedClient(server, admin, 'audit1', 'auditor', { realName: '赵敏' });
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '王强' });
  // an editor: the role is a privilege increase, approved by the security administrator
  editor = await userClient(server, admin, 'editor1', { realName: '李娜' });
  let r = await admin.call('POST', `/api/users/${editor.id}/roles`, { role: 'editor' });
  assert.equal(r.json.status, 'pending');
  r = await sec.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
  await editor.login('editor1', STRONG);
  assert.ok((await editor.call('GET', '/api/me')).json.user.permissions.includes('content.draft'));
  // records to look for: accounts of a department with a Chinese name
  for (const a of ['shen1', 'shen2', 'shen3']) {
    r = await admin.call('POST', '/api/users', { account: a, real_name: '审核员', department: DEPT, staff_type: 'staff' });
    assert.equal(r.status, 201, r.body);
  }
});

after(async () => { await server.stop(); });

/** The auditor's search, failing the test on anything but 200. */
async function search(query) {
  const r = await auditor.call('GET', `/api/audit/records?${new URLSearchParams(query)}`);
  assert.equal(r.status, 200, r.body);
  return r.json;
}

/** How many of the auditor's own successful reads of each kind the trail holds (this search
 *  itself is counted by the next call, not by this one). */
async function ownReads() {
  const items = (await search({ actor: 'audit1', result: 'ok', limit: 1000 })).items;
  const n = {};
  for (const it of items) n[it.action] = (n[it.action] || 0) + 1;
  return n;
}

const ENDPOINTS = [
  ['GET', '/api/audit/records', 'audit.read', '/api/audit/records'],
  ['GET', '/api/audit/stats', 'audit.read', '/api/audit/stats'],
  ['GET', '/api/audit/export?format=csv', 'audit.read', '/api/audit/export'],
  ['POST', '/api/audit/verify', 'audit.read', '/api/audit/verify'],
  ['GET', '/api/audit/verifications', 'audit.read', '/api/audit/verifications'],
  ['GET', '/api/audit/alerts', 'audit.read', '/api/audit/alerts'],
  ['POST', '/api/audit/alerts/1/ack', 'audit.read', '/api/audit/alerts/:id/ack'],
  ['GET', '/api/logs', 'log.read', '/api/logs'],
  ['GET', '/api/logs/stats', 'log.read', '/api/logs/stats'],
  ['GET', '/api/logs/20260101-1/raw', 'log.read', '/api/logs/:id/raw'],
];

test('ACC-6: the system and security administrators and an editor get 403 everywhere, each refusal recorded', async () => {
  for (const [who, account] of [[admin, 'admin'], [sec, 'sec1'], [editor, 'editor1']]) {
    for (const [method, path] of ENDPOINTS) {
      const r = await who.call(method, path, method === 'POST' ? { comment: '看看' } : undefined);
      assert.equal(r.status, 403, `${account} ${method} ${path}: ${r.body}`);
      assert.equal(r.json.error.code, 'forbidden');
    }
    const denied = (await search({ actor: account, result: 'denied', object_type: 'route', limit: 1000 })).items;
    for (const [method, path, perm, pattern] of ENDPOINTS) {
      const hits = denied.filter((it) => it.object_id === pattern && it.action === perm);
      assert.equal(hits.length, 1, `${account} ${method} ${path} refused but recorded ${hits.length} times`);
    }
  }
  // the auditor holds both permissions; nobody else does
  const me = (await auditor.call('GET', '/api/me')).json.user;
  assert.ok(me.permissions.includes('audit.read') && me.permissions.includes('log.read'));
});

test('AUD-4: search by time, actor, action, object, result and Chinese full text; pages with before', async () => {
  // full text: a Chinese substring of the department in the records' detail
  let page = await search({ q: '内容审核' });
  const created = page.items.filter((it) => it.action === 'auth.user_create');
  assert.deepEqual(created.map((it) => it.object_id).sort(), ['shen1', 'shen2', 'shen3']);
  for (const it of page.items) assert.ok(JSON.stringify(it).includes('内容审核'));
  assert.equal(page.total, page.items.length);

  // exact filters
  page = await search({ actor: 'admin', action: 'auth.user_create' });
  assert.ok(page.items.length >= 6); // the three administrators' accounts, editor1, shen1-3
  for (const it of page.items) {
    assert.equal(it.actor_name, 'admin');
    assert.equal(it.action, 'auth.user_create');
  }
  page = await search({ action: 'auth.' });
  assert.ok(page.items.length > 10);
  for (const it of page.items) assert.match(it.action, /^auth\./);
  page = await search({ object_type: 'user', object_id: 'shen2' });
  assert.equal(page.items.length, 1);
  assert.equal(page.items[0].detail.department, DEPT);
  page = await search({ result: 'denied' });
  assert.ok(page.items.length >= 30);
  for (const it of page.items) assert.equal(it.result, 'denied');

  // time: epoch µs bounds, Shanghai dates and minutes
  const one = (await search({ object_id: 'shen2' })).items[0];
  assert.equal((await search({ object_id: 'shen2', from: one.at })).items.length, 1);
  assert.equal((await search({ object_id: 'shen2', to: one.at })).items.length, 0);
  assert.equal((await search({ object_id: 'shen2', from: one.at + 1 })).items.length, 0);
  const day = one.at_text.slice(0, 10); // Asia/Shanghai
  assert.equal((await search({ object_id: 'shen2', from: day, to: day })).items.length, 1);
  const minute = one.at_text.slice(0, 16);
  assert.equal((await search({ object_id: 'shen2', from: minute })).items.length, 1);
  assert.equal((await search({ object_id: 'shen2', to: minute })).items.length, 0);

  // pages: newest first, no record twice, none skipped
  const all = await search({ action: 'auth.', limit: 1000 });
  const seen = [];
  let before;
  for (let i = 0; i < 100; i++) {
    const q = { action: 'auth.', limit: 7 };
    if (before) q.before = before;
    const p = await search(q);
    assert.ok(p.items.length <= 7);
    seen.push(...p.items.map((it) => it.seq));
    if (p.next_before_seq === null) break;
    before = p.next_before_seq;
  }
  // records appended since the full list (each search adds one, action audit.search) are
  // not auth.*, so the pages hold exactly the full list
  assert.deepEqual(seen, all.items.map((it) => it.seq));
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] < seen[i - 1]);
});

test('AUD-4: statistics, CSV with a BOM and Chinese headers, .xlsx as a zip', async () => {
  const filter = { action: 'auth.user_create' };
  const total = (await search(filter)).total;
  let r = await auditor.call('GET', `/api/audit/stats?${new URLSearchParams(filter)}`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.total, total);
  assert.equal(r.json.by_actor.find((x) => x.actor === 'admin').count, total);
  assert.equal(r.json.by_hour.length, 24);

  r = await auditor.call('GET', `/api/audit/export?${new URLSearchParams({ ...filter, format: 'csv' })}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8');
  assert.match(r.headers['content-disposition'], /^attachment; filename="audit-\d{8}-\d{6}\.csv"$/);
  const raw = Buffer.from(r.body, 'utf8');
  assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = r.body.slice(1).split('\r\n').filter((l) => l);
  assert.equal(lines[0], '序号,时间,操作者,来源地址,操作,对象类型,对象,结果,详情');
  assert.equal(lines.length, total + 1);
  assert.ok(lines.some((l) => l.includes(DEPT)));

  r = await auditor.call('GET', `/api/audit/export?${new URLSearchParams({ ...filter, format: 'xlsx' })}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(r.headers['content-disposition'], /^attachment; filename="audit-\d{8}-\d{6}\.xlsx"$/);
  assert.ok(Number(r.headers['content-length']) > 1000);
  assert.ok(r.body.startsWith('PK\x03\x04'), 'an .xlsx file is a zip archive');
});

test('AUD-1: every successful read is its own record, with its filter', async () => {
  const before = await ownReads();
  await search({ q: '内容审核', limit: 5 });
  await auditor.call('GET', '/api/audit/stats?result=denied');
  await auditor.call('GET', '/api/audit/export?format=csv&actor=admin');
  await auditor.call('GET', '/api/audit/verifications');
  await auditor.call('GET', '/api/audit/alerts?state=open');
  await auditor.call('GET', '/api/logs?limit=5');
  await auditor.call('GET', '/api/logs/stats?by=day');
  const after = await ownReads();
  // ownReads' own first search is counted in `after`
  const diff = (a) => (after[a] || 0) - (before[a] || 0);
  assert.equal(diff('audit.search'), 2);
  for (const a of ['audit.stats', 'audit.export', 'audit.verifications', 'audit.alerts', 'log.search', 'log.stats']) {
    assert.equal(diff(a), 1, a);
  }
  const rec = (await search({ actor: 'audit1', action: 'audit.search', q: '内容审核', limit: 1 })).items[0];
  assert.deepEqual(rec.detail.filter, { q: '内容审核', limit: 5 });
  const exp = (await search({ actor: 'audit1', action: 'audit.export', limit: 1 })).items[0];
  assert.deepEqual(exp.detail.filter, { actor: 'admin' });
  assert.equal(exp.detail.format, 'csv');
  assert.ok(exp.detail.bytes > 3);
  assert.equal(exp.session.length, 32); // the session's public id, never its token
});

test('bad parameters get 400 naming the field in Chinese, and no read is recorded', async () => {
  const before = await ownReads();
  const bad = [
    ['/api/audit/records?from=2026-13-01', 'from'],
    ['/api/audit/records?from=yesterday', 'from'],
    ['/api/audit/records?from=2026-11-21&to=2026-11-20', 'to'],
    ['/api/audit/records?to=-5', 'to'],
    ['/api/audit/records?limit=0', 'limit'],
    ['/api/audit/records?limit=1001', 'limit'],
    ['/api/audit/records?limit=ten', 'limit'],
    ['/api/audit/records?before=-1', 'before'],
    ['/api/audit/records?result=maybe', 'result'],
    ['/api/audit/records?action=Auth.Login', 'action'],
    ['/api/audit/records?q=a%20b%20c%20d%20e%20f%20g%20h%20i', 'q'],
    [`/api/audit/records?actor=${'x'.repeat(257)}`, 'actor'],
    ['/api/audit/records?object_id=%01', 'object_id'],
    ['/api/audit/stats?from=2026-02-30', 'from'],
    ['/api/audit/export?format=pdf', 'format'],
    ['/api/audit/export?format=csv&result=bad', 'result'],
    ['/api/audit/alerts?state=closed', 'state'],
    ['/api/audit/alerts?limit=501', 'limit'],
    ['/api/logs?severity=loud', 'severity'],
    ['/api/logs?severity=3,', 'severity'],
    ['/api/logs?parse_errors=some', 'parse_errors'],
    ['/api/logs?limit=0', 'limit'],
    ['/api/logs?after=notacursor', 'after'],
    ['/api/logs?from=2026-11-21T25:00', 'from'],
    ['/api/logs/stats?by=week', 'by'],
    ['/api/logs/20261121/raw', 'id'],
  ];
  for (const [path, field] of bad) {
    const r = await auditor.call('GET', path);
    assert.equal(r.status, 400, `${path}: ${r.body}`);
    assert.equal(r.json.error.field, field, path);
    assert.match(r.json.error.message, HAN, path);
  }
  // an alert acknowledgement without a comment
  const r = await auditor.call('POST', '/api/audit/alerts/1/ack', {});
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'comment');
  const after = await ownReads();
  assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  for (const a of Object.keys(after)) assert.equal(after[a] - before[a], a === 'audit.search' ? 1 : 0, a);
});

test('AUD-5: received syslog messages are searched, counted and read raw by the auditor', async () => {
  const port = await udpPort(server);
  const sock = dgram.createSocket('udp4');
  const msgs = [
    '<11>1 2026-11-21T10:00:00+08:00 fw01 iptables - DROP - 拒绝访问 来自 10.1.1.9',
    '<14>1 2026-11-21T10:00:01+08:00 web01 nginx - - - 正常访问 /index.html',
  ];
  for (const m of msgs) await new Promise((resolve) => sock.send(Buffer.from(m), port, '127.0.0.1', resolve));
  sock.close();
  let found = [];
  for (let i = 0; i < 100 && found.length < 2; i++) {
    const r = await auditor.call('GET', '/api/logs?text=%E8%AE%BF%E9%97%AE');
    assert.equal(r.status, 200, r.body);
    found = r.json.items;
    if (found.length < 2) await sleep(100);
  }
  assert.equal(found.length, 2);
  let r = await auditor.call('GET', '/api/logs?severity=err,crit&app=iptables');
  assert.deepEqual(r.json.items.map((it) => it.hostname), ['fw01']);
  r = await auditor.call('GET', '/api/logs?severity=6');
  assert.deepEqual(r.json.items.map((it) => it.app), ['nginx']);
  r = await auditor.call('GET', '/api/logs?parse_errors=only');
  assert.equal(r.json.items.length, 0);
  r = await auditor.call('GET', '/api/logs?limit=1');
  assert.equal(r.json.items.length, 1);
  const second = await auditor.call('GET', `/api/logs?limit=1&after=${r.json.next}`);
  assert.equal(second.json.items.length, 1);
  assert.notEqual(second.json.items[0].id, r.json.items[0].id);

  const fw = found.find((it) => it.hostname === 'fw01');
  r = await auditor.call('GET', `/api/logs/${fw.id}/raw`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  assert.equal(r.body, msgs[0]);
  r = await auditor.call('GET', `/api/logs/${fw.id.split('-')[0]}-999999/raw`);
  assert.equal(r.status, 404);
  r = await auditor.call('GET', '/api/logs/stats?by=day');
  assert.equal(r.status, 200);
  assert.equal(r.json.total, 2);
  const raw = (await search({ actor: 'audit1', action: 'log.raw' })).items;
  assert.equal(raw.length, 1); // the 404 is not a read
  assert.equal(raw[0].object_id, fw.id);
});

test('AUD-2: verification from the UI; a tampered file gives not intact, an alert, and an acknowledgement', async () => {
  let r = await auditor.call('POST', '/api/audit/verify');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.intact, true);
  assert.equal(r.json.report.intact, true);
  assert.equal(r.json.report.seals_checked, false); // the server never holds the seed
  assert.equal(r.json.report.witness.found, true);
  assert.ok(r.json.report.records > 50);
  assert.match(r.json.checked_at_text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/);
  assert.ok(Math.abs(r.json.checked_at / 1000 - Date.now()) < 60000);
  r = await auditor.call('GET', '/api/audit/alerts');
  assert.equal(r.json.items.length, 0);
  assert.equal(r.json.open, 0);

  // someone with the file edits a record behind the server's back
  const seq = Number(sqlite(server.db, "SELECT seq FROM audit_log WHERE object_id = 'shen2'"));
  sqlite(server.db, `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_name = 'mallory' WHERE seq = ${seq}`);
  r = await auditor.call('POST', '/api/audit/verify');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.intact, false);
  assert.equal(r.json.report.first_bad_seq, seq);
  assert.equal(r.json.report.kind, 'edited');

  r = await auditor.call('GET', '/api/audit/verifications');
  assert.equal(r.status, 200);
  const [latest, first] = r.json.items;
  assert.equal(latest.intact, false);
  assert.equal(latest.first_bad_seq, seq);
  assert.equal(latest.kind, 'edited');
  assert.equal(latest.trigger, 'manual');
  assert.equal(latest.actor, 'audit1');
  assert.equal(first.intact, true);
  assert.ok(first.records > 50);

  r = await auditor.call('GET', '/api/audit/alerts?state=open');
  assert.equal(r.json.open, 1);
  const alert = r.json.items[0];
  assert.equal(alert.kind, 'audit.verify_failed');
  assert.equal(alert.severity, 'critical');
  assert.match(alert.title, HAN);
  assert.equal(alert.detail.first_bad_seq, seq);
  assert.equal(alert.acked, false);

  r = await auditor.call('POST', `/api/audit/alerts/${alert.id}/ack`, { comment: '   ' });
  assert.equal(r.status, 400);
  r = await auditor.call('POST', `/api/audit/alerts/${alert.id + 100}/ack`, { comment: '已处理' });
  assert.equal(r.status, 404);
  r = await auditor.call('POST', `/api/audit/alerts/${alert.id}/ack`, { comment: '已上报，正在从备份核对' });
  assert.equal(r.status, 200, r.body);
  r = await auditor.call('POST', `/api/audit/alerts/${alert.id}/ack`, { comment: '再次确认' });
  assert.equal(r.status, 409);
  r = await auditor.call('GET', '/api/audit/alerts');
  assert.equal(r.json.open, 0);
  assert.equal(r.json.items[0].acked_by, 'audit1');
  assert.equal(r.json.items[0].acked_comment, '已上报，正在从备份核对');
  const ack = (await search({ action: 'audit.alert_ack' })).items;
  assert.equal(ack.length, 1);
  assert.equal(ack[0].object_id, String(alert.id));
  const verifies = (await search({ action: 'audit.verify', actor: 'audit1' })).items;
  assert.deepEqual(verifies.map((it) => it.result), ['error', 'ok']);
  // nobody deletes an alert, not even with the file
  const del = spawnSync('sqlite3', [server.db, 'DELETE FROM audit_alert'], { encoding: 'utf8' });
  assert.notEqual(del.status, 0);
  assert.match(del.stderr, /cannot be removed/);
});
