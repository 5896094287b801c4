// The guard in local mode (MON-4): baseline, verify, and run restoring or quarantining each
// kind of tampering; a forged manifest refused; a symlink root refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = process.env.XINAN_BIN;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tree() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
  const root = path.join(dir, 'root');
  const state = path.join(dir, 'state');
  fs.mkdirSync(path.join(root, 'a/b'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<h1>ok</h1>\n');
  fs.writeFileSync(path.join(root, 'a/b/page.html'), 'page\n');
  fs.writeFileSync(path.join(root, 'a/other.html'), 'other\n');
  fs.symlinkSync('index.html', path.join(root, 'home.html'));
  return { dir, root, state };
}

const guard = (...args) => spawnSync(BIN, ['guard', ...args], { encoding: 'utf8' });

test('baseline then verify: identical gives 0, a change gives 1 and one JSON line each', () => {
  const { root, state } = tree();
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  assert.equal(fs.statSync(path.join(state, 'key')).mode & 0o777, 0o600);
  assert.equal(guard('verify', '--root', root, '--state', state).status, 0);
  fs.appendFileSync(path.join(root, 'index.html'), 'defaced');
  fs.writeFileSync(path.join(root, 'extra'), 'x');
  const r = guard('verify', '--root', root, '--state', state);
  assert.equal(r.status, 1);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.path, l.kind]).sort(), [['extra', 'added'], ['index.html', 'modified']]);
});

test('a forged manifest is refused; a symlink root is refused', () => {
  const { dir, root, state } = tree();
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  for (const f of ['manifest.last-good', 'manifest.last-good.sig']) fs.rmSync(path.join(state, f));
  fs.appendFileSync(path.join(state, 'manifest'), 'f\t0644\t1\t' + '0'.repeat(64) + '\tzz\t\n');
  const r = guard('verify', '--root', root, '--state', state);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /signature does not verify/);
  fs.symlinkSync(root, path.join(dir, 'link'));
  const s = guard('baseline', '--root', path.join(dir, 'link'), '--state', state);
  assert.notEqual(s.status, 0);
  assert.match(s.stderr, /symlink/);
});

test('run restores modified, truncated, deleted, chmod, symlinked and renamed-over files and quarantines additions', async (t) => {
  const { root, state } = tree();
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  const p = spawn(BIN, ['guard', 'run', '--root', root, '--state', state, '--inotify']);
  // a failed assertion must not leave the agent running (the test process would never end)
  t.after(() => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  await sleep(400);
  const f = (n) => path.join(root, n);
  fs.writeFileSync(f('index.html'), 'defaced');
  await sleep(100);
  fs.truncateSync(f('a/other.html'), 0);
  await sleep(100);
  fs.rmSync(f('a/b/page.html'));
  await sleep(100);
  fs.chmodSync(f('index.html'), 0o666);
  await sleep(100);
  fs.symlinkSync('/etc/passwd', path.join(root, '..', 'sym'));
  fs.renameSync(path.join(root, '..', 'sym'), f('a/other.html'));
  await sleep(100);
  fs.writeFileSync(f('evil'), 'x');
  fs.renameSync(f('evil'), f('a/b/page.html'));
  await sleep(100);
  // a tree dropped in at once, as an attacker would (built outside, renamed in): the agent
  // quarantines a directory made in the root before anything can be written into it
  const drop = path.join(root, '..', 'drop');
  fs.mkdirSync(path.join(drop, 'deep/er'), { recursive: true });
  fs.writeFileSync(path.join(drop, 'deep/er/x.php'), '<?php');
  fs.renameSync(drop, f('new'));
  fs.writeFileSync(f('added.html'), 'x');
  await sleep(800);
  p.kill('SIGTERM');
  await new Promise((r) => p.on('exit', r));
  const events = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(events.some((e) => e.event === 'restored' && e.path === 'index.html'));
  assert.ok(events.some((e) => e.event === 'quarantined' && e.path === 'new'));
  assert.ok(events.some((e) => e.event === 'quarantined' && e.path === 'added.html'));
  assert.equal(guard('verify', '--root', root, '--state', state).status, 0);
  assert.equal(fs.readFileSync(f('a/b/page.html'), 'utf8'), 'page\n');
  assert.ok(fs.readdirSync(path.join(state, 'quarantine')).length >= 2);
});

test('a write storm still ends with the tree identical to the manifest', async (t) => {
  const { root, state } = tree();
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(root, 'a', `f${i}.html`), `${i}\n`);
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  const p = spawn(BIN, ['guard', 'run', '--root', root, '--state', state]);
  t.after(() => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); });
  p.stdout.resume();
  await sleep(400);
  for (let round = 0; round < 20; round++)
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(root, 'a', `f${i}.html`), 'storm');
  await sleep(1500);
  p.kill('SIGTERM');
  await new Promise((r) => p.on('exit', r));
  assert.equal(guard('verify', '--root', root, '--state', state).status, 0);
});

test('--block is refused as not yet available; --server needs --token and an agent token', () => {
  const { root, state } = tree();
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  assert.notEqual(guard('run', '--root', root, '--state', state, '--block').status, 0);
  assert.equal(guard('run', '--root', root, '--state', state, '--server', 'https://x').status, 2);
  const r = guard('run', '--root', root, '--state', state, '--server', 'ftp://x', '--token', 'xat_x');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /http/);
});
