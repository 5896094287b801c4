// The remote witness (AUD-2) against a real `xinan serve`: with audit.witness_syslog every
// checkpoint reaches a collector as an RFC 5424 message carrying the witness file's line, over
// UDP and over TCP (octet-counted); a collector that is away raises one
// audit.witness_unreachable alert for the outage, and once it is back every checkpoint
// arrives, in order, none lost. Epochs close every few records so checkpoints come quickly.
// Without the witness file a verification is not a plain "intact": the CLI exits 3 (0 with
// --no-witness) and says so, the API and its history carry witness.found false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { startServer, runXinan } from '../lib/server.mjs';
import { adminClient, appointedClient } from '../lib/session.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const HEAD = /^<110>1 (\S+) (\S+) xinan-audit (\d+) checkpoint \[checkpoint@32473 kind="(epoch|purge)" epoch="(\d+)" seq="(\d+)" first_seq="(\d+)" hash="([0-9a-f]{64})" seal="([0-9a-f]{64})" alg="(\w+)" time="([^"]+)"\] (\{.*\})$/;

/** Checks one message against the witness file and returns its checkpoint. */
function checkpointOf(msg, witnessLines) {
  const m = msg.match(HEAD);
  assert.ok(m, `not a checkpoint message: ${msg}`);
  assert.ok(witnessLines.includes(m[12]), `not in the witness file: ${m[12]}`);
  const cp = JSON.parse(m[12]).checkpoint;
  assert.equal(cp.kind, m[4]);
  assert.equal(cp.epoch, Number(m[5]));
  assert.equal(cp.last, Number(m[6]));
  assert.equal(cp.hash, m[8]);
  assert.equal(cp.seal, m[9]);
  return cp;
}

function witnessLines(server) {
  return readFileSync(`${server.db}.witness`, 'utf8').split('\n');
}

async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

test('UDP: every checkpoint reaches the collector as an RFC 5424 message', async () => {
  const sock = dgram.createSocket('udp4');
  const got = [];
  sock.on('message', (m) => got.push(m.toString('utf8')));
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const server = await startServer({
    env: { XINAN_AUDIT_WITNESS_SYSLOG: `udp://127.0.0.1:${sock.address().port}`, XINAN_AUDIT_EPOCH_RECORDS: '3' },
  });
  try {
    const admin = await adminClient(server);
    for (let i = 0; i < 6; i++) {
      const r = await admin.call('POST', '/api/users', { account: `u${i}`, real_name: '测试', staff_type: 'staff' });
      assert.equal(r.status, 201);
    }
    const count = () => (witnessLines(server).filter((l) => l.startsWith('{"checkpoint"')).length);
    await until('the checkpoints so far', () => got.length >= count() && got.length >= 3);
    const lines = witnessLines(server);
    const cps = got.map((m) => checkpointOf(m, lines));
    // in order, from the first epoch, none twice
    assert.deepEqual(cps.map((c) => c.epoch), cps.map((_, i) => i));
  } finally {
    await server.stop();
    sock.close();
  }
});

test('TCP: an absent collector raises one alert per outage; once back it gets every checkpoint', async () => {
  // a free port, closed again: nobody listens there yet
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise((resolve) => probe.close(resolve));

  const server = await startServer({
    env: { XINAN_AUDIT_WITNESS_SYSLOG: `tcp://127.0.0.1:${port}`, XINAN_AUDIT_EPOCH_RECORDS: '3' },
  });
  try {
    const admin = await adminClient(server);
    const auditor = await appointedClient(server, admin, 'audit1', 'auditor');
    const alerts = async () => (await auditor.call('GET', '/api/audit/alerts')).json.items
      .filter((a) => a.kind === 'audit.witness_unreachable');
    const first = await until('the unreachable alert', async () => (await alerts()).length > 0 && alerts());
    assert.equal(first[0].severity, 'warning');
    assert.equal(first[0].detail.target, `tcp://127.0.0.1:${port}`);
    assert.ok(first[0].detail.pending >= 1);
    // two more ticks of the same outage: still one alert, one log line
    await sleep(11000);
    assert.equal((await alerts()).length, 1);
    assert.equal(server.logs().match(/witness_unreachable|cannot be reached/g).length, 1);

    // the collector comes up: octet-counted frames, every checkpoint in order
    let buffer = Buffer.alloc(0);
    const collector = net.createServer((c) => c.on('data', (d) => { buffer = Buffer.concat([buffer, d]); }));
    await new Promise((resolve) => collector.listen(port, '127.0.0.1', resolve));
    const frames = () => {
      const out = [];
      let rest = buffer;
      for (;;) {
        const sp = rest.indexOf(0x20);
        if (sp < 0) break;
        const len = Number(rest.subarray(0, sp).toString('latin1'));
        assert.ok(Number.isInteger(len) && len > 0, 'an octet count');
        if (rest.length < sp + 1 + len) break;
        out.push(rest.subarray(sp + 1, sp + 1 + len).toString('utf8'));
        rest = rest.subarray(sp + 1 + len);
      }
      return out;
    };
    const lines = await until('delivery', () => {
      const ws = witnessLines(server).filter((l) => l.startsWith('{"checkpoint"'));
      return frames().length >= ws.length && ws.length > 0 && witnessLines(server);
    });
    const cps = frames().map((m) => checkpointOf(m, lines));
    assert.deepEqual(cps.map((c) => c.epoch), cps.map((_, i) => i));
    collector.close();

    const restored = await auditor.call('GET', '/api/audit/records?action=audit.witness_restored');
    assert.equal(restored.json.items.length, 1);
    assert.equal(restored.json.items[0].actor_name, 'system');
    const down = await auditor.call('GET', '/api/audit/records?action=audit.witness_unreachable');
    assert.equal(down.json.items.length, 1);
    assert.equal(down.json.items[0].result, 'error');
    // an alert stays until acknowledged, outage over or not
    assert.equal((await alerts())[0].acked, false);
  } finally {
    await server.stop();
  }
});

test('AUD-2: without the witness file, verification says so: CLI exit 3 (0 with --no-witness), API witness.found false', async () => {
  const server = await startServer();
  try {
    const admin = await adminClient(server);
    const auditor = await appointedClient(server, admin, 'audit1', 'auditor', { realName: '赵敏' });
    let r = await auditor.call('POST', '/api/audit/verify');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.witness.found, true);
    assert.equal(r.json.witness.tail_checked, true);
    assert.ok(r.json.witness.heads > 0);

    let c = runXinan(['audit', 'verify', '--db', server.db]);
    assert.equal(c.status, 0, c.stdout + c.stderr);
    let report = JSON.parse(c.stdout);
    assert.equal(report.witness.found, true);
    assert.ok(report.witness.last_head > 0);

    // the witness file is lost (deleted, or never copied with the database)
    renameSync(`${server.db}.witness`, `${server.db}.witness.away`);
    c = runXinan(['audit', 'verify', '--db', server.db]);
    assert.equal(c.status, 3, c.stdout + c.stderr);
    report = JSON.parse(c.stdout);
    assert.equal(report.intact, true);
    assert.equal(report.witness.found, false);
    assert.equal(report.witness.tail_checked, false);
    assert.match(c.stderr, /witness file .* is missing: records removed from the end of the trail cannot be detected/);

    c = runXinan(['audit', 'verify', '--db', server.db, '--no-witness']);
    assert.equal(c.status, 0, c.stdout + c.stderr);
    assert.equal(JSON.parse(c.stdout).witness.found, false);
    assert.match(c.stderr, /accepted by --no-witness/);

    // the server's own verification shows the same state, in its history and as an alert
    r = await auditor.call('POST', '/api/audit/verify');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.witness.found, false);
    assert.equal(r.json.report.witness.found, false);
    r = await auditor.call('GET', '/api/audit/verifications');
    assert.deepEqual(r.json.items.slice(0, 2).map((v) => v.witness_found), [false, true]);
    r = await auditor.call('GET', '/api/audit/alerts');
    assert.deepEqual(r.json.items.map((a) => a.kind), ['audit.witness_missing']);
    assert.equal(r.json.items[0].severity, 'warning');
  } finally {
    await server.stop();
    rmSync(`${server.db}.witness.away`, { force: true });
  }
});
