// The audit trail through the real binary (AUD-1, AUD-2): a kill -9 in the middle of a stream
// of audited changes loses no acknowledged record and leaves a chain that verifies; tampering
// with the SQLite file is reported by `xinan audit verify` with its kind and exit status 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, runXinan, sqlite } from '../lib/server.mjs';
import { adminClient } from '../lib/session.mjs';

function seedFile(server) {
  const m = server.stdout().match(/-{72}\n((?:\s+[0-9a-f]{8}){8})/);
  assert.ok(m, 'the seed is printed at first start');
  const f = join(server.dir, 'seed.txt');
  writeFileSync(f, m[1]);
  return f;
}

test('kill -9 during audited writes: every acknowledged change has its record, the chain verifies', async () => {
  const server = await startServer();
  const seed = seedFile(server);
  const admin = await adminClient(server);
  const acknowledged = [];
  let n = 0;
  const writer = async () => {
    for (;;) {
      const account = `kill${n++}`;
      try {
        const r = await admin.call('POST', '/api/users', { account, real_name: '测试', staff_type: 'staff' });
        if (r.status === 201) acknowledged.push(account);
      } catch { return; } // the server is gone
    }
  };
  const writers = [writer(), writer(), writer()];
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await server.stop('SIGKILL');
  await Promise.all(writers);
  assert.ok(acknowledged.length > 5, `only ${acknowledged.length} changes were acknowledged`);
  const recorded = new Set(sqlite(server.db,
    "SELECT object_id FROM audit_log WHERE action = 'auth.user_create'").split('\n'));
  for (const a of acknowledged) assert.ok(recorded.has(a), `${a} was acknowledged but has no record`);
  const r = runXinan(['audit', 'verify', '--db', server.db, '--seed-file', seed]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).intact, true);
});

test('xinan audit verify names tampering done on the file and exits 1', async () => {
  const server = await startServer();
  const seed = seedFile(server);
  const admin = await adminClient(server);
  for (let i = 0; i < 5; i++) {
    const r = await admin.call('POST', '/api/users', { account: `t${i}`, real_name: '测试', staff_type: 'staff' });
    assert.equal(r.status, 201);
  }
  await server.stop();
  let r = runXinan(['audit', 'verify', '--db', server.db, '--seed-file', seed]);
  assert.equal(r.status, 0, r.stdout);
  // the triggers refuse a plain UPDATE; an attacker drops them first
  const refused = spawnSync('sqlite3', [server.db, "UPDATE audit_log SET result = 'ok' WHERE seq = 3"], { encoding: 'utf8' });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /cannot be changed/);
  sqlite(server.db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 4");
  r = runXinan(['audit', 'verify', '--db', server.db, '--seed-file', seed]);
  assert.equal(r.status, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.intact, false);
  assert.equal(report.kind, 'edited');
  assert.equal(report.first_bad_seq, 4);
  // a bad seed file is a usage error, not a verdict
  writeFileSync(join(server.dir, 'bad.txt'), 'not hex');
  r = runXinan(['audit', 'verify', '--db', server.db, '--seed-file', join(server.dir, 'bad.txt')]);
  assert.equal(r.status, 2);
  server.cleanup();
});
