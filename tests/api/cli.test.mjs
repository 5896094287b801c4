// CLI and process tests: usage errors, configuration errors naming file/line/key, port in use,
// unwritable database, newer schema, graceful shutdown, init/migrate/check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, runXinan, tempDir, request } from '../lib/server.mjs';

test('help and version', () => {
  const help = runXinan(['--help']);
  assert.equal(help.status, 0);
  for (const cmd of ['serve', 'init', 'db migrate', 'db check', 'version']) assert.ok(help.stdout.includes(cmd), cmd);
  const v = runXinan(['version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^xinan \d+\.\d+\.\d+/);
});

test('an unknown command or flag prints usage and exits 2', () => {
  const cmd = runXinan(['frobnicate']);
  assert.equal(cmd.status, 2);
  assert.match(cmd.stderr, /unknown command 'frobnicate'/);
  assert.match(cmd.stderr, /usage: xinan/);
  const flag = runXinan(['serve', '--bogus']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /unknown or incomplete flag '--bogus'/);
  assert.match(flag.stderr, /usage: xinan serve/);
  const extra = runXinan(['db', 'check', 'stray']);
  assert.equal(extra.status, 2);
  assert.equal(runXinan([]).status, 2);
});

test('an invalid config value exits 2 naming file, line and key', () => {
  const dir = tempDir();
  const conf = join(dir, 'xinan.conf');
  writeFileSync(conf, '[server]\nlisten = 127.0.0.1:0\n\n[http]\nidle_timeout = forever\n');
  const r = runXinan(['serve', '--config', conf, '--db', join(dir, 'x.db')]);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`${conf}:5:`), r.stderr);
  assert.match(r.stderr, /idle_timeout/);
  // The same file found implicitly in the working directory.
  const r2 = runXinan(['init', '--db', join(dir, 'y.db')], { cwd: dir });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /xinan\.conf:5:/);
  // Environment values are checked too.
  const r3 = runXinan(['init', '--db', join(dir, 'z.db')], { env: { XINAN_HTTP_MAX_BODY: '-1' } });
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /XINAN_HTTP_MAX_BODY/);
});

test('a port already in use is a clear message and exit 1', async () => {
  const srv = await startServer();
  try {
    const r = runXinan(['serve', '--listen', `127.0.0.1:${srv.port}`, '--db', join(srv.dir, 'other.db')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: Address already in use/);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('a database path that cannot be written is a clear message and exit 1', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'afile'), 'x');
  const r = runXinan(['serve', '--listen', '127.0.0.1:0', '--db', join(dir, 'afile', 'x.db')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot create directory|cannot open database/);
  const r2 = runXinan(['serve', '--listen', '127.0.0.1:0', '--db', '/proc/xinan/x.db']);
  assert.equal(r2.status, 1);
  assert.ok(r2.stderr.length > 0);
});

test('init, migrate and check on a fresh database', () => {
  const dir = tempDir();
  const db = join(dir, 'var', 'xinan.db');
  const init = runXinan(['init', '--db', db]);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /initialised database .*schema version \d+/);
  const again = runXinan(['init', '--db', db]);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /already initialised/);
  const mig = runXinan(['db', 'migrate', '--db', db]);
  assert.equal(mig.status, 0);
  assert.match(mig.stdout, /applied 0 migrations/);
  const check = runXinan(['db', 'check', '--db', db]);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /^ok/);
  const missing = runXinan(['db', 'check', '--db', join(dir, 'none.db')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no such database file/);
});

test('a database written by a newer xinan is refused', () => {
  const dir = tempDir();
  const db = join(dir, 'x.db');
  assert.equal(runXinan(['init', '--db', db]).status, 0);
  const s = spawnSync('sqlite3', [db, "INSERT INTO schema_migrations VALUES (9999, 'future', 0)"]);
  assert.equal(s.status, 0);
  const r = runXinan(['serve', '--listen', '127.0.0.1:0', '--db', db]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /schema version 9999, newer than this xinan/);
});

test('SIGTERM lets in-flight work finish and closes the database cleanly', async () => {
  const srv = await startServer();
  const inflight = Array.from({ length: 20 }, () => request(srv.url, '/api/health'));
  // Settled before the stop, so a request refused during shutdown is an outcome, not an
  // unhandled rejection; every request the server answered must have been answered in full.
  const settled = Promise.allSettled(inflight);
  await inflight[0];
  const code = await srv.stop('SIGTERM');
  const results = await settled;
  assert.equal(code, 0);
  for (const r of results) if (r.status === 'fulfilled') assert.equal(r.value.status, 200);
  assert.match(srv.logs(), /event=server\.stopped/);
  const check = runXinan(['db', 'check', '--db', srv.db]);
  assert.equal(check.status, 0, check.stderr);
  srv.cleanup();
});

test('SIGINT stops the server too', async () => {
  const srv = await startServer();
  assert.equal(await srv.stop('SIGINT'), 0);
  srv.cleanup();
});
