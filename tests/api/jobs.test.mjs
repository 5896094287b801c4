// The job runner through the API: 系统任务's kinds and runs, run now (audited, system
// administrator only), and a server killed (SIGKILL) in the middle of a delivery: after the
// restart the job's lease runs out, another worker takes it, the message is sent once more
// and delivered, and the lost run is in the history as timed out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, tempDir, waitFor, sqliteRows, auditRows } from '../lib/server.mjs';
import { adminClient, userClient, Client, STRONG, totp } from '../lib/session.mjs';

test('系统任务 lists the kinds; run now is audited and shows in the runs; others are refused', async () => {
  const server = await startServer();
  try {
    const admin = await adminClient(server);
    let r = await admin.call('GET', '/api/jobs');
    assert.equal(r.status, 200);
    const names = r.json.items.map((k) => k.name);
    for (const n of ['audit.tick', 'audit.index', 'audit.verify', 'audit.purge', 'syslog.purge', 'auth.lifecycle', 'jobs.purge', 'notify.deliver', 'notify.watch'])
      assert.ok(names.includes(n), n);
    const purge = r.json.items.find((k) => k.name === 'audit.purge');
    assert.equal(purge.title, '审计记录保留期清理');
    assert.equal(purge.period_s, 3600);
    assert.deepEqual(r.json.flagged, []);
    r = await admin.call('POST', '/api/jobs/audit.purge/run');
    assert.equal(r.status, 202, r.body);
    const runs = await waitFor(async () => {
      const x = (await admin.call('GET', '/api/jobs/runs?kind=audit.purge')).json.items;
      return x.length >= 2 ? x : null; // the run at start and the one asked for
    }, 'the second purge run');
    assert.equal(runs[0].result, 'ok');
    assert.deepEqual(runs[0].summary, { purged: 0 });
    assert.equal(auditRows(server.db, 'jobs.run').length, 1);
    assert.equal((await admin.call('POST', '/api/jobs/no.such/run')).status, 404);
    assert.equal((await admin.call('GET', '/api/jobs/runs?kind=no.such')).status, 404);
    const user = await userClient(server, admin, 'wangwu');
    assert.equal((await user.call('GET', '/api/jobs')).status, 403);
    assert.equal((await user.call('POST', '/api/jobs/audit.purge/run')).status, 403);
  } finally {
    await server.stop();
  }
});

test('a server killed mid-delivery: after the restart the job runs once more and nothing is lost', async () => {
  // a robot that holds the first request open (the server is killed while waiting for it)
  const seen = [];
  let hold = true;
  const robot = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push(Buffer.concat(chunks).toString('utf8'));
      if (hold) return; // never answered
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise((r) => robot.listen(0, '127.0.0.1', r));
  const dir = tempDir();
  let server = await startServer({ dir });
  try {
    const admin = await adminClient(server);
    let r = await admin.call('POST', '/api/notify/channels', { kind: 'wecom', name: '值班群', url: `http://127.0.0.1:${robot.address().port}/send` });
    const ch = r.json.id;
    r = await admin.call('POST', `/api/notify/channels/${ch}/test`);
    const id = r.json.message_id;
    await waitFor(() => seen.length === 1, 'the first send');
    assert.equal(await server.stop('SIGKILL'), 'SIGKILL');
    // the outbox kept the message, still pending, and the job its lease
    const lease = sqliteRows(server.db, `SELECT lease_owner FROM job WHERE kind = 'notify.deliver' AND key = '${ch}'`);
    assert.ok(lease[0].lease_owner);
    hold = false;
    server = await startServer({ dir });
    const again = new Client(server.url);
    r = await again.login('admin', STRONG, totp(admin.totpSecret, 1));
    assert.equal(r.status, 200, r.body);
    // the lease (the kind's timeout, 15 s) runs out; the job is taken again and delivers
    const m = await waitFor(async () => (await again.call('GET', '/api/notify/messages')).json.items.find((x) => x.id === id && x.state === 'sent'), 'delivery after the restart', 40000);
    assert.equal(m.deliveries[0].attempts, 1);
    assert.equal(seen.length, 2);
    assert.equal(seen[0], seen[1]);
    const runs = (await again.call('GET', '/api/jobs/runs?kind=notify.deliver')).json.items;
    assert.deepEqual(runs.map((x) => x.result).sort(), ['ok', 'timed_out']);
    // once delivered, never again
    await again.call('POST', '/api/jobs/notify.deliver/run');
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(seen.length, 2);
  } finally {
    await server.stop();
    robot.close();
  }
});
