// `xinan calendar add-workdays` and `xinan calendar is-workday` (OBL): the shipped years from
// any directory, exit codes (0 working day, 1 day off, 2 usage), the estimated note for a year
// without data, and --db reading the years a security administrator imported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runXinan, tempDir, request } from '../lib/server.mjs';
import { adminClient, enrolledAppointee } from '../lib/session.mjs';

test('add-workdays prints the date N working days away', () => {
  const cwd = tempDir(); // no data/ here: the shipped years are built in
  const cases = [
    ['2025-09-26', '5', '2025-10-10'],
    ['2025-10-10', '-5', '2025-09-26'],
    ['2025-10-01', '0', '2025-10-09'],
    ['2025-01-24', '1', '2025-01-26'],
    ['2026-02-13', '1', '2026-02-14'],
    ['2026-02-14', '1', '2026-02-24'],
    ['2026-09-30', '1', '2026-10-08'],
  ];
  for (const [from, n, want] of cases) {
    const r = runXinan(['calendar', 'add-workdays', from, n], { cwd });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${want}\n`, `${from} ${n}`);
    assert.equal(r.stderr, '');
  }
  const est = runXinan(['calendar', 'add-workdays', '2026-12-30', '3'], { cwd });
  assert.equal(est.status, 0);
  assert.equal(est.stdout, '2027-01-04\n');
  assert.match(est.stderr, /估算.*estimated/);
});

test('is-workday exits 0 for a working day and 1 for a day off', () => {
  const cases = [
    ['2025-01-26', 0, '2025-01-26 workday 春节调休上班\n'], // a Sunday worked
    ['2025-09-28', 0, '2025-09-28 workday 国庆节、中秋节调休上班\n'],
    ['2025-10-01', 1, '2025-10-01 rest 国庆节、中秋节\n'],
    ['2025-10-08', 1, '2025-10-08 rest 国庆节、中秋节\n'],
    ['2025-10-09', 0, '2025-10-09 workday\n'],
    ['2025-10-12', 1, '2025-10-12 rest\n'], // a Sunday
    ['2026-02-23', 1, '2026-02-23 rest 春节\n'],
    ['2027-01-01', 0, '2027-01-01 workday estimated\n'],
  ];
  for (const [date, status, out] of cases) {
    const r = runXinan(['calendar', 'is-workday', date]);
    assert.equal(r.status, status, `${date}: ${r.stderr}`);
    assert.equal(r.stdout, out);
  }
});

test('usage errors exit 2', () => {
  for (const args of [
    ['calendar', 'is-workday'],
    ['calendar', 'is-workday', '2025-02-29'],
    ['calendar', 'is-workday', '2025-01-01', '2025-01-02'],
    ['calendar', 'add-workdays', '2025-01-01'],
    ['calendar', 'add-workdays', '2025-01-01', 'x'],
    ['calendar', 'add-workdays', '2025-01-01', '3651'],
    ['calendar', 'add-workdays', '2025/01/01', '1'],
    ['calendar', 'add-workdays', '2025-01-01', '1', '--bogus'],
    ['calendar', 'add-workdays', '9999-12-30', '5'],
  ]) {
    const r = runXinan(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.length > 0);
  }
  const help = runXinan(['--help']);
  assert.match(help.stdout, /calendar add-workdays/);
  assert.match(help.stdout, /calendar is-workday/);
  const missing = runXinan(['calendar', 'is-workday', '2025-01-01', '--db', '/nonexistent/x.db']);
  assert.equal(missing.status, 2);
});

test('with --db the imported years count', async () => {
  const srv = await startServer();
  try {
    const admin = await adminClient(srv);
    const sec = await enrolledAppointee(srv, admin, 'sec1', 'secadmin');
    const text = 'year 2027\nnotice 测试通知\n2027-01-01 holiday 元旦\n2027-01-04 holiday 测试\n';
    const r = await request(srv.url, '/api/calendar/2027', {
      method: 'PUT',
      headers: { 'Content-Type': 'text/plain', Cookie: sec.cookie, 'X-CSRF-Token': sec.csrf },
      body: text,
    });
    assert.equal(r.status, 200, r.body);
    const withDb = runXinan(['calendar', 'is-workday', '2027-01-04', '--db', srv.db]);
    assert.equal(withDb.status, 1, withDb.stderr);
    assert.equal(withDb.stdout, '2027-01-04 rest 测试\n');
    const without = runXinan(['calendar', 'is-workday', '2027-01-04']);
    assert.equal(without.status, 0);
    assert.equal(without.stdout, '2027-01-04 workday estimated\n');
    const add = runXinan(['calendar', 'add-workdays', '2026-12-31', '1', `--db=${srv.db}`]);
    assert.equal(add.status, 0, add.stderr);
    assert.equal(add.stdout, '2027-01-05\n');
    assert.equal(add.stderr, '');
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
