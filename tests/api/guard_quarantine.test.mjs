// The guard's quarantined files reach the server (MON-4): the real agent quarantines a file
// dropped into its root and uploads it by its SHA-256; the server keeps it once in the files room
// (class quarantine, no type allow-list, the virus check's verdict recorded, infected refused
// nothing) and gives it only to the system and security administrators, as an octet-stream
// attachment. A body of another digest, an unknown agent and a file over files.max_size are
// refused, and the agent keeps its local copy whatever happens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, tempDir, waitFor, request, sqlite } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../lib/session.mjs';
import { startClamd, EICAR } from '../lib/clamd.mjs';

const BIN = process.env.XINAN_BIN;
const MAX = 64 * 1024;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
let server; let clamd; let dir; let admin; let sec; let editor; let duty; let token; let root; let state; let agent;

before(async () => {
  dir = tempDir();
  clamd = await startClamd();
  server = await startServer({ dir, env: { XINAN_FILES_CLAMD: clamd.socket, XINAN_FILES_MAX_SIZE: String(MAX) } });
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'qsec', 'secadmin');
  editor = await grantedClient(server, admin, sec, 'qeditor', 'editor', { realName: '刘信息' });
  duty = await grantedClient(server, admin, sec, 'qduty', 'duty', { realName: '王值班' });
  const r = await admin.call('POST', '/api/agents/tokens', { name: '门户网站服务器', scope: 'guard', expires_days: 30 });
  assert.equal(r.status, 201, r.body);
  token = r.json.token;
  root = path.join(dir, 'www');
  state = path.join(dir, 'guard-state');
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<h1>门户网站</h1>\n');
  const b = await new Promise((res) => {
    const p = spawn(BIN, ['guard', 'baseline', '--root', root, '--state', state], { stdio: 'ignore' });
    p.on('exit', res);
  });
  assert.equal(b, 0);
  agent = spawn(BIN, ['guard', 'run', '--root', root, '--state', state, '--server', server.url], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XINAN_GUARD_TOKEN: token },
  });
  agent.out = '';
  agent.stdout.on('data', (d) => { agent.out += d; });
});

after(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await server.stop();
  await clamd.stop();
});

const events = async () => ((await sec.call('GET', '/api/guard/agents')).json.items[0] || { events: [] }).events;
const quarantineFiles = () => Number(sqlite(server.db, "SELECT count(*) FROM evidence_file WHERE class = 'quarantine'"));
const upload = (digest, body, headers = { Authorization: `Bearer ${token}` }) =>
  request(server.url, `/api/guard/quarantine/${digest}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', ...headers }, body });
const localCopies = () => fs.readdirSync(path.join(state, 'quarantine'));

const SHELL = Buffer.from('<?php @eval($_POST["c"]); ?>\n');

test('a webshell dropped into the root is quarantined, uploaded with its digest and kept on the host', async () => {
  await waitFor(async () => (await sec.call('GET', '/api/guard/agents')).json.items.length === 1, 'the agent online');
  fs.writeFileSync(path.join(root, 'foo.php'), SHELL);
  const digest = sha256(SHELL);
  await waitFor(async () => (await events()).some((e) => e.event === 'quarantined' && e.path === 'foo.php' && e.quarantine_file === true), 'the file on the server', 30000);
  const e = (await events()).find((x) => x.path === 'foo.php');
  assert.equal(e.found, digest, 'the event names the digest');
  assert.equal(sqlite(server.db, `SELECT path || ' ' || size FROM guard_quarantine WHERE sha256 = '${digest}'`), `foo.php ${SHELL.length}`);
  assert.equal(quarantineFiles(), 1);
  // stored although .php is no evidence type; linked to the agent, no person as its uploader
  const row = sqlite(server.db, "SELECT name || '|' || coalesce(uploaded_by, 'null') || '|' || agent_id FROM evidence_file WHERE class = 'quarantine'");
  const tokenId = token.slice(4, 20);
  assert.equal(row, `foo.php|null|${tokenId}`);
  assert.ok(localCopies().some((n) => n.endsWith('foo.php')), 'the local copy stays');
  assert.ok(!fs.existsSync(path.join(root, 'foo.php')));
  assert.ok(Number(sqlite(server.db, "SELECT count(*) FROM audit_log WHERE action = 'guard.quarantine_file'")) === 1);
});

test('the security and system administrators download it as an octet-stream attachment; others get 403', async () => {
  const digest = sha256(SHELL);
  for (const who of [sec, admin]) {
    const r = await request(server.url, `/api/guard/quarantine/${digest}`, { headers: { Cookie: who.cookie } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.match(r.headers['content-disposition'], /^attachment; filename="foo\.php\.quarantine"/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(sha256(r.raw), digest);
  }
  assert.ok(Number(sqlite(server.db, "SELECT count(*) FROM audit_log WHERE action = 'file.download'")) >= 2, 'downloads recorded');
  for (const who of [editor, duty]) {
    const r = await who.call('GET', `/api/guard/quarantine/${digest}`);
    assert.equal(r.status, 403, r.body);
  }
  // never through the evidence routes, not even for the security administrator
  const id = sqlite(server.db, "SELECT id FROM evidence_file WHERE class = 'quarantine'");
  assert.equal((await sec.call('GET', `/api/files/${id}`)).status, 404);
  assert.ok(!(await sec.call('GET', '/api/files')).json.items.some((f) => String(f.id) === id));
  // the events list says who may download it: the duty officer sees it is on the server too
  const de = ((await duty.call('GET', '/api/guard/agents')).json.items[0].events).find((x) => x.path === 'foo.php');
  assert.equal(de.quarantine_file, true);
});

test('the same content again is one stored file; the agent upload route checks token and digest', async () => {
  const digest = sha256(SHELL);
  fs.writeFileSync(path.join(root, 'bar.php'), SHELL);
  await waitFor(async () => (await events()).some((e) => e.path === 'bar.php' && e.quarantine_file === true), 'the second quarantine');
  await waitFor(() => !fs.existsSync(path.join(state, 'uploads.pending')), 'nothing left to upload');
  assert.equal(quarantineFiles(), 1, 'one file for one digest');
  let r = await upload(digest, SHELL);
  assert.equal(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).stored, false);
  assert.equal(quarantineFiles(), 1);
  const blobs = sqlite(server.db, 'SELECT count(*) FROM file_blob');
  // a body whose digest is not the path's: 400, nothing stored
  r = await upload(digest, Buffer.from('something else'));
  assert.equal(r.status, 400, r.body);
  assert.equal(JSON.parse(r.body).error.code, 'digest_mismatch');
  assert.equal(quarantineFiles(), 1);
  assert.equal(sqlite(server.db, 'SELECT count(*) FROM file_blob'), blobs);
  // no token, a wrong token: 401
  r = await upload(digest, SHELL, {});
  assert.equal(r.status, 401, r.body);
  r = await upload(digest, SHELL, { Authorization: 'Bearer xat_0000000000000000.nope' });
  assert.equal(r.status, 401, r.body);
  // a digest the agent never reported quarantined: 404; not a digest: 400
  r = await upload(sha256('never reported'), Buffer.from('never reported'));
  assert.equal(r.status, 404, r.body);
  r = await upload('ABC', Buffer.from('x'));
  assert.equal(r.status, 400, r.body);
  assert.equal(quarantineFiles(), 1);
  assert.equal(sqlite(server.db, 'SELECT count(*) FROM file_blob'), blobs);
});

test('malware is stored with its verdict, not refused; a file over files.max_size stays on the host', async () => {
  fs.writeFileSync(path.join(root, 'eicar.php'), EICAR);
  await waitFor(async () => (await events()).some((e) => e.path === 'eicar.php' && e.quarantine_file === true), 'the infected file stored');
  assert.equal(sqlite(server.db, `SELECT b.state FROM guard_quarantine q JOIN evidence_file f ON f.id = q.file_id JOIN file_blob b ON b.id = f.blob_id WHERE q.sha256 = '${sha256(EICAR)}'`), 'infected');
  const r = await request(server.url, `/api/guard/quarantine/${sha256(EICAR)}`, { headers: { Cookie: sec.cookie } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/octet-stream');

  const big = Buffer.alloc(MAX + 1000, 'A');
  fs.writeFileSync(path.join(root, 'big.php'), big);
  await waitFor(async () => (await events()).some((e) => e.event === 'quarantine_kept' && e.path === 'big.php' && e.kind === 'too_large'), 'too large, kept on the host', 30000);
  const e = (await events()).find((x) => x.event === 'quarantined' && x.path === 'big.php');
  assert.equal(e.quarantine_file, false);
  assert.ok(localCopies().some((n) => n.endsWith('big.php')));
  assert.equal(Number(sqlite(server.db, `SELECT count(*) FROM guard_quarantine WHERE sha256 = '${sha256(big)}'`)), 0);
  agent.kill('SIGTERM');
  await new Promise((res) => agent.on('exit', res));
});

test("another host's agent cannot upload, nor learn of, a file the first agent reported", async () => {
  const r0 = await admin.call('POST', '/api/agents/tokens', { name: '办公网站服务器', scope: 'guard', expires_days: 30 });
  assert.equal(r0.status, 201, r0.body);
  const other = { Authorization: `Bearer ${r0.json.token}` };
  const rows = sqlite(server.db, 'SELECT count(*) FROM guard_quarantine');
  const blobs = sqlite(server.db, 'SELECT count(*) FROM file_blob');
  // digests the first agent reported, stored or not: the same answer as for one never reported
  for (const body of [SHELL, EICAR, Buffer.from('never reported by anyone')]) {
    const r = await upload(sha256(body), body, other);
    assert.equal(r.status, 404, r.body);
    assert.ok(!r.body.includes('stored'), r.body);
  }
  assert.equal(sqlite(server.db, 'SELECT count(*) FROM guard_quarantine'), rows);
  assert.equal(sqlite(server.db, 'SELECT count(*) FROM file_blob'), blobs);
  // an agent token cannot read the quarantined file back either
  const r = await request(server.url, `/api/guard/quarantine/${sha256(SHELL)}`, { headers: other });
  assert.equal(r.status, 401, r.body);
});
