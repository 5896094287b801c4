// The hour alert (job notify.watch): a channel whose deliveries have failed for an hour on the
// rules' clock tells the system administrators in-app (event notify.channel_failing, on the
// bell of every holder of notify.manage, recorded on the trail), once per failing spell; a
// delivery that gets through ends the spell, and failing for another hour alerts again.
// Against a real server whose clock the test moves (XINAN_TEST_CLOCK) and a robot on loopback
// that answers 500 until told otherwise. The alert itself is the watch's own run, checked
// after each move of the clock: a run that started after the move has ended.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir, waitFor, auditRows } from '../lib/server.mjs';
import { adminClient, userClient } from '../lib/session.mjs';

let server; let admin; let user; let clockFile; let robot;
function setClock(s) { writeFileSync(clockFile, String(Math.round(s))); }

function startRobot() {
  const r = { hits: 0, status: 500 };
  r.server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      r.hits++;
      res.writeHead(r.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errcode: 0, errmsg: r.status === 200 ? 'ok' : 'busy' }));
    });
  });
  return new Promise((resolve) => r.server.listen(0, '127.0.0.1', () => { r.url = `http://127.0.0.1:${r.server.address().port}`; resolve(r); }));
}

const channel = async (id) => (await admin.call('GET', '/api/notify/channels')).json.items.find((c) => c.id === id);
const alertsOf = async (client) => (await client.call('GET', '/api/me/notifications')).json.items.filter((n) => n.kind === 'notify.channel_failing');
const alertMessages = async () => (await admin.call('GET', '/api/notify/messages')).json.items.filter((m) => m.kind === 'notify.channel_failing');

/**
 * Waits for a run of job kind that starts after this call and has ended (asking for one with
 * POST /api/jobs/:kind/run; under the test clock periodic kinds also run every second). The
 * run history keeps only runs that did something, so the kind's own state tells.
 */
async function runJob(kind) {
  const state = async () => (await admin.call('GET', '/api/jobs')).json.items.find((k) => k.name === kind);
  const after = Date.now() * 1000;
  const r = await admin.call('POST', `/api/jobs/${kind}/run`);
  assert.equal(r.status, 202, r.body);
  return waitFor(async () => {
    const k = await state();
    return k.last_start > after && !k.running && k.last_end >= k.last_start && k;
  }, `a ${kind} run`);
}

before(async () => {
  const dir = tempDir();
  clockFile = join(dir, 'clock');
  setClock(0);
  server = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile } });
  admin = await adminClient(server);
  user = await userClient(server, admin, 'zhaoliu');
  robot = await startRobot();
});

after(async () => {
  await server.stop();
  robot.server.close();
});

test('a channel failing for an hour alerts the system administrators in-app once, and again after it recovered and failed another hour', async () => {
  let r = await admin.call('POST', '/api/notify/channels', { kind: 'wecom', name: '故障群', url: `${robot.url}/send?key=w`, rate_per_min: 0 });
  assert.equal(r.status, 201, r.body);
  const ch = r.json.id;
  r = await admin.call('POST', `/api/notify/channels/${ch}/test`);
  assert.equal(r.status, 202, r.body);
  await waitFor(() => robot.hits >= 1, 'the first attempt');
  const failing = await waitFor(async () => { const c = await channel(ch); return c.failing_since && c; }, 'the channel marked failing');
  assert.match(failing.last_error, /500/);
  const since = failing.failing_since;

  // 59 minutes on: failing, but not for an hour yet
  setClock(59 * 60);
  let run = await runJob('notify.watch');
  assert.equal(run.last_result, 'ok');
  assert.deepEqual(await alertsOf(admin), []);
  assert.deepEqual(auditRows(server.db, 'notify.channel_failing'), []);

  // past the hour: one alert on the administrator's bell, a message, a record
  setClock(61 * 60);
  run = await runJob('notify.watch');
  assert.equal(run.last_result, 'ok');
  const alerts = await alertsOf(admin);
  assert.equal(alerts.length, 1, JSON.stringify(alerts));
  assert.equal(alerts[0].title, '通知渠道持续失败');
  assert.match(alerts[0].body, /^通知渠道「故障群」已连续失败超过一小时，消息正在排队等待重试：.*500/);
  assert.deepEqual(await alertsOf(user), [], 'only holders of notify.manage are told');
  const msgs = await alertMessages();
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0].severity, 'warning');
  assert.equal(msgs[0].object_type, 'notify_channel');
  assert.equal(msgs[0].object_id, String(ch));
  assert.equal(msgs[0].state, 'sent'); // in-app: delivered as it is written
  const records = auditRows(server.db, 'notify.channel_failing');
  assert.equal(records.length, 1);
  assert.equal(records[0].object_id, String(ch));
  assert.equal(records[0].actor_name, 'system');
  assert.equal(JSON.parse(records[0].detail).channel, '故障群');
  // the spell still counts from its first failure, retries notwithstanding
  assert.equal((await channel(ch)).failing_since, since);

  // later runs while it keeps failing tell nobody again
  setClock(3 * 3600);
  await runJob('notify.deliver');
  await runJob('notify.watch');
  assert.equal((await alertsOf(admin)).length, 1);
  assert.equal(auditRows(server.db, 'notify.channel_failing').length, 1);

  // the robot is back: the queued message goes through and the spell ends
  robot.status = 200;
  setClock(2 * 86400);
  await runJob('notify.deliver');
  await waitFor(async () => (await channel(ch)).failing_since === null, 'the failing spell ended');
  assert.equal((await channel(ch)).last_error, null);
  await runJob('notify.watch');
  assert.equal((await alertsOf(admin)).length, 1);

  // a new spell: failing for less than an hour says nothing, past the hour alerts again
  robot.status = 500;
  r = await admin.call('POST', `/api/notify/channels/${ch}/test`);
  assert.equal(r.status, 202, r.body);
  await waitFor(async () => (await channel(ch)).failing_since, 'failing again');
  setClock(2 * 86400 + 30 * 60);
  await runJob('notify.watch');
  assert.equal((await alertsOf(admin)).length, 1);
  setClock(2 * 86400 + 2 * 3600);
  run = await runJob('notify.watch');
  assert.equal(run.last_result, 'ok');
  assert.equal((await alertsOf(admin)).length, 2);
  assert.equal(auditRows(server.db, 'notify.channel_failing').length, 2);
});

test('a removed channel is not alerted about', async () => {
  robot.status = 500;
  setClock(10 * 86400);
  let r = await admin.call('POST', '/api/notify/channels', { kind: 'wecom', name: '已删群', url: `${robot.url}/gone`, rate_per_min: 0 });
  const ch = r.json.id;
  r = await admin.call('POST', `/api/notify/channels/${ch}/test`);
  assert.equal(r.status, 202, r.body);
  await waitFor(async () => (await channel(ch)).failing_since, 'failing');
  r = await admin.call('DELETE', `/api/notify/channels/${ch}`);
  assert.equal(r.status, 200, r.body);
  const before = auditRows(server.db, 'notify.channel_failing').length;
  setClock(11 * 86400);
  await runJob('notify.watch');
  assert.equal(auditRows(server.db, 'notify.channel_failing').length, before);
  assert.ok((await alertMessages()).every((m) => m.object_id !== String(ch)));
});
