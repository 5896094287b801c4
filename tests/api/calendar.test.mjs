// The working-day calendar against a real server (OBL: deadlines in working days by the State
// Council's holidays and adjusted working days): the shipped 2025 and 2026 years, a year
// without data answered as estimated, deadlines, imports by the security administrator
// (audited in the same transaction), bad files refused naming their lines with nothing stored,
// the permission, and the home page's warning from 1 November while next year is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, request, dumpDb, auditRows, sqliteRows, tempDir } from '../lib/server.mjs';
import { adminClient, enrolledAppointee, userClient } from '../lib/session.mjs';

let srv;
let admin;
let sec;
let staff;
let clock;

before(async () => {
  const dir = tempDir();
  clock = join(dir, 'clock');
  writeFileSync(clock, '0\n');
  srv = await startServer({ dir, env: { XINAN_TEST_CLOCK: clock } });
  admin = await adminClient(srv);
  sec = await enrolledAppointee(srv, admin, 'sec1', 'secadmin', { realName: '王强' });
  staff = await userClient(srv, admin, 'staff1');
});
after(async () => { await srv.stop(); srv.cleanup(); });

/** PUTs a year file as text/plain. */
async function put(client, year, text, type = 'text/plain; charset=utf-8') {
  const r = await request(srv.url, `/api/calendar/${year}`, {
    method: 'PUT',
    headers: { 'Content-Type': type, Cookie: client.cookie, 'X-CSRF-Token': client.csrf },
    body: text,
  });
  try { r.json = JSON.parse(r.body); } catch { r.json = null; }
  return r;
}

/** Moves the server's clock so that its time is `iso` (a Beijing time). */
function setClock(iso) {
  const offset = Math.round((Date.parse(iso) - Date.now()) / 1000);
  writeFileSync(clock, `${offset}\n`);
}

const GOOD_2027 = [
  '# 测试用：不是国务院的安排',
  'year 2027',
  'notice 测试通知',
  '2027-01-01 holiday 元旦',
  '2027-01-02 holiday 元旦',
  '2027-01-03 holiday 元旦',
  '2027-01-09 workday 元旦调休上班',
  '',
].join('\n');

test('the shipped years are listed with their notices and days', async () => {
  let r = await staff.call('GET', '/api/calendar/2025');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.year, 2025);
  assert.equal(r.json.data, true);
  assert.equal(r.json.estimated, false);
  assert.equal(r.json.source, 'shipped');
  assert.match(r.json.notice, /国办发明电〔2024〕12号/);
  assert.equal(r.json.holidays, 28);
  assert.equal(r.json.workdays, 5);
  const byDate = Object.fromEntries(r.json.days.map((d) => [d.date, d]));
  assert.deepEqual(byDate['2025-01-26'], { date: '2025-01-26', kind: 'workday', name: '春节调休上班', weekday: 0 });
  assert.deepEqual(byDate['2025-09-28'], { date: '2025-09-28', kind: 'workday', name: '国庆节、中秋节调休上班', weekday: 0 });
  for (let d = 1; d <= 8; d++) assert.equal(byDate[`2025-10-0${d}`].kind, 'holiday', `2025-10-0${d}`);
  assert.equal(byDate['2025-10-09'], undefined);

  r = await staff.call('GET', '/api/calendar/2026');
  assert.equal(r.status, 200, r.body);
  assert.match(r.json.notice, /国办发明电〔2025〕7号/);
  assert.equal(r.json.holidays, 33);
  assert.equal(r.json.workdays, 6);
  assert.equal(r.json.days.find((d) => d.date === '2026-02-14').kind, 'workday');
});

test('a year without data is estimated; bad years are refused', async () => {
  const r = await staff.call('GET', '/api/calendar/2031');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.data, false);
  assert.equal(r.json.estimated, true);
  assert.equal(r.json.source, null);
  assert.equal(r.json.notice, null);
  assert.deepEqual(r.json.days, []);
  for (const bad of ['31', '1969', '20255', 'abcd', '2025x', '%32%30%32']) {
    const b = await staff.call('GET', `/api/calendar/${bad}`);
    assert.equal(b.status, 400, bad);
    assert.equal(b.json.error.field, 'year');
  }
  assert.equal((await request(srv.url, '/api/calendar/2025')).status, 401);
});

test('deadlines in working days, estimated when they reach a year without data', async () => {
  const cases = [
    ['2025-09-26', 5, '2025-10-10', false],
    ['2025-10-10', -5, '2025-09-26', false],
    ['2025-10-01', 0, '2025-10-09', false],
    ['2025-01-24', 1, '2025-01-26', false],
    ['2031-12-30', 3, '2032-01-02', true],
  ];
  for (const [from, n, date, estimated] of cases) {
    const r = await staff.call('GET', `/api/calendar/workdays?from=${from}&n=${n}`);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, { from, n, date, estimated }, `${from} ${n}`);
  }
  for (const [q, field] of [['from=2025-02-30&n=1', 'from'], ['n=1', 'from'], ['from=2025-01-01&n=x', 'n'],
    ['from=2025-01-01&n=3651', 'n'], ['from=2025-01-01', 'n']]) {
    const r = await staff.call('GET', `/api/calendar/workdays?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.json.error.field, field, q);
  }
});

test('from 1 November the status warns while next year is missing', async () => {
  setClock('2026-10-31T12:00:00+08:00');
  let r = await staff.call('GET', '/api/calendar/status');
  assert.equal(r.status, 200, r.body);
  let j = r.json;
  assert.equal(j.today, '2026-10-31');
  assert.equal(j.current_year, 2026);
  assert.equal(j.current_missing, false);
  assert.equal(j.next_year, 2027);
  assert.equal(j.next_missing, true);
  assert.equal(j.warning, null);
  assert.deepEqual(j.years.map((y) => [y.year, y.source]), [[2025, 'shipped'], [2026, 'shipped']]);

  setClock('2026-11-01T08:00:00+08:00');
  j = (await staff.call('GET', '/api/calendar/status')).json;
  assert.equal(j.today, '2026-11-01');
  assert.match(j.warning, /尚未导入 2027 年的节假日安排/);

  // in a year with no data at all the warning stands from January
  setClock('2027-01-15T08:00:00+08:00');
  j = (await staff.call('GET', '/api/calendar/status')).json;
  assert.equal(j.current_missing, true);
  assert.match(j.warning, /2027/);
  writeFileSync(clock, '0\n');
  assert.equal((await request(srv.url, '/api/calendar/status')).status, 401);
});

test('bad files are refused naming their lines, and nothing is stored', async () => {
  const before = dumpDb(srv.db);
  const imports = auditRows(srv.db, 'calendar.import').length;
  const impossible = 'year 2027\nnotice 测试\n2027-01-01 holiday 元旦\n2027-02-30 holiday 春节\n';
  let r = await put(sec, 2027, impossible);
  assert.equal(r.status, 400, r.body);
  let e = JSON.parse(r.body).error;
  assert.equal(e.code, 'bad_calendar');
  assert.equal(e.field, 'body');
  assert.match(e.message, /^工作日历有 1 处有误，未作任何更改：第 4 行：日期 2027-02-30 不存在/);
  assert.deepEqual(e.lines, [{ line: 4, code: 'bad_date', reason: '日期 2027-02-30 不存在' }]);
  assert.equal(e.more, 0);

  const dup = 'year 2027\nnotice 测试\n2027-01-01 holiday 元旦\n2027-01-01 holiday 元旦\n';
  e = JSON.parse((await put(sec, 2027, dup)).body).error;
  assert.deepEqual(e.lines.map((l) => [l.line, l.code]), [[4, 'duplicate_date']]);
  assert.match(e.lines[0].reason, /第 3 行已列出/);

  const several = [
    'year 2027', 'notice 测试',
    '2026-12-31 holiday 元旦', // another year
    '2027-01-01 vacation 元旦', // unknown kind
    '2027-01-04 workday 调休', // a Monday
    '2027-01-05 holiday', // no name
  ].join('\n');
  e = JSON.parse((await put(sec, 2027, several)).body).error;
  assert.deepEqual(e.lines.map((l) => [l.line, l.code]),
    [[3, 'wrong_year'], [4, 'bad_kind'], [5, 'workday_not_weekend'], [6, 'bad_name']]);

  // the URL's year and the file's must agree
  e = JSON.parse((await put(sec, 2028, GOOD_2027)).body).error;
  assert.equal(e.code, 'bad_calendar');
  assert.equal(e.lines[0].code, 'wrong_year');
  // not UTF-8, empty, too large, the wrong type, a bad year
  e = JSON.parse((await put(sec, 2027, Buffer.from([0x79, 0x0a, 0xe6, 0xb3, 0x0a]))).body).error;
  assert.equal(e.code, 'bad_calendar');
  assert.equal((await put(sec, 2027, '')).status, 400);
  const big = await put(sec, 2027, '#'.repeat(70000));
  assert.equal(big.status, 413, big.body);
  assert.equal((await put(sec, 2027, GOOD_2027, 'application/json')).status, 415);
  assert.equal(JSON.parse((await put(sec, 'x', GOOD_2027)).body).error.field, 'year');

  assert.equal(dumpDb(srv.db), before);
  assert.equal(auditRows(srv.db, 'calendar.import').length, imports);
  assert.equal((await staff.call('GET', '/api/calendar/2027')).json.estimated, true);
});

test('only the security administrator imports', async () => {
  const before = dumpDb(srv.db).replace(/INSERT INTO audit_log.*\n/g, '');
  for (const who of [staff, admin]) {
    const r = await put(who, 2027, GOOD_2027);
    assert.equal(r.status, 403, r.body);
  }
  assert.equal(dumpDb(srv.db).replace(/INSERT INTO audit_log.*\n/g, ''), before);
});

test('an import is stored, audited and answers at once', async () => {
  let r = await put(sec, 2027, GOOD_2027);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.year, 2027);
  assert.equal(r.json.source, 'imported');
  assert.equal(r.json.estimated, false);
  assert.equal(r.json.replaced, false);
  assert.equal(r.json.holidays, 3);
  assert.equal(r.json.workdays, 1);
  assert.equal(r.json.imported_by, 'sec1');
  assert.match(r.json.imported_at_text, /^2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/);
  const rows = sqliteRows(srv.db, 'SELECT year, source, notice, holidays, workdays, imported_by FROM calendar_year');
  assert.deepEqual(rows, [{ year: 2027, source: GOOD_2027, notice: '测试通知', holidays: 3, workdays: 1, imported_by: 'sec1' }]);
  const audit = auditRows(srv.db, 'calendar.import');
  assert.equal(audit.length, 1);
  assert.equal(audit[0].actor_name, 'sec1');
  assert.equal(audit[0].object_id, '2027');
  assert.equal(audit[0].result, 'ok');
  assert.deepEqual(JSON.parse(audit[0].detail),
    { year: 2027, notice: '测试通知', holidays: 3, workdays: 1, bytes: Buffer.byteLength(GOOD_2027), replaced_import: false, shipped: false });

  r = await staff.call('GET', '/api/calendar/workdays?from=2026-12-31&n=1');
  assert.deepEqual(r.json, { from: '2026-12-31', n: 1, date: '2027-01-04', estimated: false });
  r = await staff.call('GET', '/api/calendar/workdays?from=2027-01-08&n=1');
  assert.equal(r.json.date, '2027-01-09');

  // importing again replaces it, and is recorded again
  r = await put(sec, 2027, GOOD_2027.replace('2027-01-09 workday 元旦调休上班\n', ''));
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.replaced, true);
  assert.equal(r.json.workdays, 0);
  assert.equal(auditRows(srv.db, 'calendar.import').length, 2);
  assert.equal(JSON.parse(auditRows(srv.db, 'calendar.import')[1].detail).replaced_import, true);
});

test('the imported year survives a restart', async () => {
  await srv.stop();
  srv = await startServer({ dir: srv.dir, db: srv.db, env: { XINAN_TEST_CLOCK: clock } });
  for (const c of [admin, sec, staff]) c.base = srv.url; // the sessions are in the database
  const r = await sec.call('GET', '/api/calendar/2027');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.source, 'imported');
  assert.equal(r.json.holidays, 3);
  assert.equal(r.json.workdays, 0);
});

test('once next year is imported the warning goes', async () => {
  setClock('2026-11-15T08:00:00+08:00');
  const j = (await staff.call('GET', '/api/calendar/status')).json;
  assert.equal(j.next_missing, false);
  assert.equal(j.warning, null);
  assert.deepEqual(j.years.map((y) => [y.year, y.source]), [[2025, 'shipped'], [2026, 'shipped'], [2027, 'imported']]);
  writeFileSync(clock, '0\n');
});
