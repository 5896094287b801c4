// The guard with a server (MON-4, MON-10): an enrolled agent (a token of scope guard) reports its
// heartbeat and every restore and quarantine; tampering opens one incident; with the server away
// the events wait on disk and arrive once it is back, each once; an agent not heard from for two
// minutes is offline; reports without a valid token or with bad events are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, tempDir, waitFor, request, sqlite } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../lib/session.mjs';

const BIN = process.env.XINAN_BIN;
let server; let dir; let admin; let duty; let token; let root; let state; let agent;

function guard(...args) {
  const env = { ...process.env, ...(typeof args.at(-1) === 'object' ? args.pop() : {}) };
  const p = spawn(BIN, ['guard', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  p.out = '';
  p.stdout.on('data', (d) => { p.out += d; });
  return p;
}

before(async () => {
  dir = tempDir();
  server = await startServer({ dir });
  admin = await adminClient(server);
  const sec = await appointedClient(server, admin, 'sec1', 'secadmin');
  duty = await grantedClient(server, admin, sec, 'duty1', 'duty', { realName: '王值班' });
  const r = await admin.call('POST', '/api/agents/tokens', { name: '门户网站服务器', scope: 'guard', expires_days: 30 });
  assert.equal(r.status, 201, r.body);
  token = r.json.token;
  root = path.join(dir, 'www');
  state = path.join(dir, 'guard-state');
  fs.mkdirSync(path.join(root, 'news'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<h1>门户网站</h1>\n');
  fs.writeFileSync(path.join(root, 'news/1.html'), '<p>新闻</p>\n');
  const b = await new Promise((res) => { const p = guard('baseline', '--root', root, '--state', state); p.on('exit', res); });
  assert.equal(b, 0);
});

after(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await server.stop();
});

const agents = async () => (await duty.call('GET', '/api/guard/agents')).json.items;

test('an enrolled agent reports its heartbeat and each restore; tampering opens one incident', async () => {
  // the token from the environment, out of the process list
  agent = guard('run', '--root', root, '--state', state, '--server', server.url, { XINAN_GUARD_TOKEN: token });
  await waitFor(async () => (await agents()).some((a) => a.state === 'online' && a.entries > 0), 'heartbeat');
  const a = (await agents())[0];
  assert.equal(a.name, '门户网站服务器');
  assert.equal(a.root, root);
  fs.writeFileSync(path.join(root, 'index.html'), '<h1>hacked</h1>');
  await waitFor(async () => (await agents())[0].events.some((e) => e.event === 'restored' && e.path === 'index.html'), 'the restore reported');
  assert.equal(fs.readFileSync(path.join(root, 'index.html'), 'utf8'), '<h1>门户网站</h1>\n');
  fs.writeFileSync(path.join(root, 'shell.php'), '<?php');
  await waitFor(async () => (await agents())[0].events.some((e) => e.event === 'quarantined' && e.path === 'shell.php'), 'the quarantine reported');
  const inc = (await duty.call('GET', '/api/incidents?state=open')).json.items.filter((i) => i.kind === 'defacement');
  assert.equal(inc.length, 1, 'one open incident for the agent');
  assert.match(inc[0].title, /门户网站服务器/);
});

test('with the server away the events wait on disk and arrive once it is back, each once', async () => {
  const port = server.port;
  await server.stop();
  fs.writeFileSync(path.join(root, 'news/1.html'), 'defaced while the server was away');
  await waitFor(() => agent.out.includes('"path":"news/1.html"'), 'restored locally');
  assert.equal(fs.readFileSync(path.join(root, 'news/1.html'), 'utf8'), '<p>新闻</p>\n');
  const queued = fs.readFileSync(path.join(state, 'queue.jsonl'), 'utf8');
  assert.ok(queued.includes('news/1.html'), 'on disk');
  server = await startServer({ dir, db: server.db, args: ['--listen', `127.0.0.1:${port}`] });
  await waitFor(() => Number(sqlite(server.db, "SELECT count(*) FROM guard_event WHERE path = 'news/1.html'")) === 1, 'delivered', 40000);
  // each event once, whatever was sent twice
  const seqs = sqlite(server.db, 'SELECT count(*) || \',\' || count(DISTINCT seq) FROM guard_event');
  const [n, distinct] = seqs.split(',').map(Number);
  assert.equal(n, distinct);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.on('exit', r));
});

test('reports need a guard token; bad events are refused and nothing is stored', async () => {
  const url = `${server.url}/api/guard/report`;
  let r = await request(server.url, '/api/guard/report', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"events":[]}' });
  assert.equal(r.status, 401);
  r = await request(server.url, '/api/guard/report', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer xat_0000000000000000.nope' }, body: '{"events":[]}' });
  assert.equal(r.status, 401);
  const before = sqlite(server.db, 'SELECT count(*) FROM guard_event');
  r = await request(server.url, '/api/guard/report', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ events: [{ seq: 1000, at: 1, event: 'restored', path: 'a' }, { seq: -1, at: 1, event: 'x', path: 'b' }] }) });
  assert.equal(r.status, 400, r.body);
  assert.equal(sqlite(server.db, 'SELECT count(*) FROM guard_event'), before, 'nothing stored');
  void url;
});

test('an agent not heard from for two minutes is offline and the administrators are told', async () => {
  // its last heartbeat moved back three minutes, as if it had stopped then
  sqlite(server.db, `UPDATE guard_agent SET last_seen_at = last_seen_at - 180000000`);
  await waitFor(async () => (await agents())[0].state === 'offline', 'offline', 20000);
  const bell = await admin.call('GET', '/api/me/notifications');
  assert.ok(JSON.stringify(bell.json).includes('离线'), JSON.stringify(bell.json).slice(0, 300));
});
