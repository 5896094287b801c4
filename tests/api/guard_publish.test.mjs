// The guard enforcing what the publishing review approved (MON-4, PUB): an agent enrolled with a
// token of scope guard pins the server's site key, takes every approved file into its store and
// deploys the site into the web host's root; a new publication reaches the root through the
// agent, a withdrawn page is quarantined, a tampered one restored; a manifest the pinned key
// did not sign is refused and the last good one stays enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, tempDir, waitFor, request } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../lib/session.mjs';

const BIN = process.env.XINAN_BIN;
let server; let dir; let admin; let editor; let rev1; let column; let token; let www; let state; let agent;

const guard = (...args) => spawnSync(BIN, ['guard', ...args], { encoding: 'utf8' });

async function publish(title, text) {
  let r = await editor.call('POST', '/api/content', { title, column_id: column, class: 'A', body_html: `<p>${text}</p>`, classified: false });
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  r = await editor.call('POST', `/api/content/${id}/submit`);
  assert.equal(r.status, 200, r.body);
  r = await rev1.call('POST', `/api/content/${id}/review`, { decision: 'approve', comment: '同意' });
  assert.equal(r.json.state, 'approved', r.body);
  r = await editor.call('POST', `/api/content/${id}/publish`, {});
  assert.equal(r.status, 200, r.body);
  return r.json;
}

const serverManifest = () => fs.readFileSync(path.join(dir, 'publish', 'manifest'), 'utf8');

before(async () => {
  dir = tempDir();
  server = await startServer({ dir, env: { XINAN_PUBLISH_SITE_ROOT: path.join(dir, 'site') } });
  admin = await adminClient(server);
  const sec = await appointedClient(server, admin, 'sec1', 'secadmin');
  editor = await grantedClient(server, admin, sec, 'editor1', 'editor', { realName: '王编辑' });
  rev1 = await grantedClient(server, admin, sec, 'rev1', 'reviewer1', { realName: '刘一审' });
  let r = await admin.call('POST', '/api/columns', { name: '通知公告', path: 'tzgg', stale_days: 14 });
  column = r.json.id;
  r = await admin.call('POST', '/api/agents/tokens', { name: '门户网站服务器', scope: 'guard', expires_days: 30 });
  token = r.json.token;
  www = path.join(dir, 'www');
  fs.mkdirSync(www);
  state = path.join(dir, 'guard-state');
});

after(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await server.stop();
});

test('the manifest and files are for agents only: no token, a token of another scope, a bad digest', async () => {
  let r = await request(server.url, '/api/guard/manifest');
  assert.equal(r.status, 401);
  const other = await admin.call('POST', '/api/agents/tokens', { name: '探针', scope: 'netwatch', expires_days: 30 });
  r = await request(server.url, '/api/guard/manifest', { headers: { Authorization: `Bearer ${other.json.token}` } });
  assert.equal(r.status, 401, 'a netwatch token is not a guard token');
  const auth = { Authorization: `Bearer ${token}` };
  r = await request(server.url, '/api/guard/manifest', { headers: auth });
  assert.equal(r.status, 404, 'nothing published yet');
  const none = await admin.call('GET', '/api/guard/site-key');
  assert.equal(none.status, 200, none.body);
  assert.equal(none.json.public_key, null, 'no site key to show yet');
  r = await request(server.url, '/api/guard/files/..%2f..%2fetc%2fpasswd', { headers: auth });
  assert.ok(r.status === 400 || r.status === 404, `a path is no digest: ${r.status}`);
  r = await request(server.url, `/api/guard/files/${'Z'.repeat(64)}`, { headers: auth });
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).error.code, 'digest');
  r = await request(server.url, `/api/guard/files/${'0'.repeat(64)}`, { headers: auth });
  assert.equal(r.status, 404);
  // enrolling before anything is published says why
  const e = guard('enrol', '--state', state, '--server', server.url, '--token', token);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /publish the site first/);
});

test('enrol pins the server key and stores every approved file; a wrong --key is refused', async () => {
  const first = await publish('关于开展网络安全检查的通知', '各单位：请于本月底前完成自查。');
  await waitFor(() => fs.existsSync(path.join(dir, 'publish', 'manifest')) && serverManifest().includes(first.published_path), 'the signed manifest');
  const pub = fs.readFileSync(path.join(dir, 'publish', 'manifest.pub'), 'utf8').trim();
  // the key the administrator reads on 防篡改, to type into the enrolment
  const shown = await admin.call('GET', '/api/guard/site-key');
  assert.equal(shown.status, 200, shown.body);
  assert.equal(shown.json.public_key, pub);
  assert.equal((await editor.call('GET', '/api/guard/site-key')).status, 403, 'monitor.read only');
  let r = guard('enrol', '--state', state, '--server', server.url, '--token', token, '--key', 'ab'.repeat(32));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not the one given with --key/);
  assert.equal(fs.existsSync(path.join(state, 'server.pub')), false, 'nothing pinned');
  r = guard('enrol', '--state', state, '--server', server.url, '--token', token, '--key', pub);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).public_key, pub);
  assert.equal(fs.readFileSync(path.join(state, 'server.pub'), 'utf8').trim(), pub);
  const page = fs.readFileSync(path.join(dir, 'site', first.published_path));
  const { createHash } = await import('node:crypto');
  const digest = createHash('sha256').update(page).digest('hex');
  assert.deepEqual(fs.readFileSync(path.join(state, 'store', digest)), page);
  // nothing is enforced on the root yet: verify shows what deploying will write
  r = guard('verify', '--root', www, '--state', state);
  assert.equal(r.status, 1);
  assert.ok(r.stdout.includes(first.published_path));
});

test('run deploys the approved site, follows new publications and withdrawals, restores tampering', async () => {
  agent = spawn(BIN, ['guard', 'run', '--root', www, '--state', state, '--server', server.url], { env: { ...process.env, XINAN_GUARD_TOKEN: token } });
  agent.out = ''; agent.err = '';
  agent.stdout.on('data', (d) => { agent.out += d; });
  agent.stderr.on('data', (d) => { agent.err += d; });
  const site = (p) => fs.readFileSync(path.join(dir, 'site', p), 'utf8');
  const host = (p) => fs.readFileSync(path.join(www, p), 'utf8');
  await waitFor(() => fs.existsSync(path.join(www, 'index.html')), 'the site deployed');
  assert.equal(host('index.html'), site('index.html'));
  // a new publication reaches the web host through the agent
  const second = await publish('2026年网络安全宣传周活动安排', '活动时间：9月第三周。');
  await waitFor(() => fs.existsSync(path.join(www, second.published_path)), 'the new page deployed', 30000);
  assert.equal(host(second.published_path), site(second.published_path));
  await waitFor(() => host('tzgg/index.html') === site('tzgg/index.html'), 'the column index updated', 30000);
  assert.ok(agent.out.includes('"event":"manifest_installed"'));
  // tampering with it is undone
  fs.writeFileSync(path.join(www, second.published_path), '<h1>hacked</h1>');
  await waitFor(() => host(second.published_path) === site(second.published_path), 'restored');
  // withdrawn: the page leaves the web host too (kept in quarantine as evidence)
  const r = await rev1.call('POST', `/api/content/${second.id}/withdraw`, { reason: '活动取消' });
  assert.equal(r.status, 200, r.body);
  await waitFor(() => !fs.existsSync(path.join(www, second.published_path)), 'the withdrawn page gone', 30000);
  assert.ok(fs.readdirSync(path.join(state, 'quarantine')).some((f) => f.includes(`${second.id}.html`)));
  assert.equal(guard('verify', '--root', www, '--state', state).status, 0);
});

test('a manifest not signed by the pinned key is refused; the last good one stays enforced', async () => {
  const before = fs.readFileSync(path.join(state, 'manifest'));
  // someone with write access to the server's files but not its key
  fs.appendFileSync(path.join(dir, 'publish', 'manifest'), `f\t0644\t5\t${'a'.repeat(64)}\tbackdoor.php\t\n`);
  await waitFor(() => agent.err.includes('not signed by the pinned key'), 'the refusal', 30000);
  assert.deepEqual(fs.readFileSync(path.join(state, 'manifest')), before);
  assert.ok(agent.out.includes('"event":"manifest_refused"'));
  assert.equal(fs.existsSync(path.join(www, 'backdoor.php')), false);
  fs.writeFileSync(path.join(www, 'index.html'), 'defaced');
  await waitFor(() => fs.readFileSync(path.join(www, 'index.html'), 'utf8') !== 'defaced', 'still enforcing');
  agent.kill('SIGTERM');
  await new Promise((r) => agent.on('exit', r));
  assert.equal(guard('verify', '--root', www, '--state', state).status, 0);
});
