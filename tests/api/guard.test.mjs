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

// fanotify needs CAP_SYS_ADMIN (CI runs as root); elsewhere the agent falls back to inotify
const ROOT = process.getuid?.() === 0;
const MODES = [['inotify', ['--inotify']], ['fanotify', []]];

for (const [mode, flags] of MODES)
test(`run (${mode}) restores modified, truncated, deleted, chmod, symlinked and renamed-over files and quarantines additions`, async (t) => {
  const { root, state } = tree();
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  const p = spawn(BIN, ['guard', 'run', '--root', root, '--state', state, ...flags]);
  let err = '';
  p.stderr.on('data', (d) => (err += d));
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
  fs.writeFileSync(path.join(root, '..', 'evil'), 'x');
  fs.renameSync(path.join(root, '..', 'evil'), f('a/b/page.html'));
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
  if (mode === 'fanotify' && ROOT) {
    assert.match(err, /\(fanotify\)/);
    // the kernel names who did it: this test's own process wrote index.html
    const e = events.find((x) => x.event === 'restored' && x.path === 'index.html' && x.kind === 'modified');
    assert.equal(e.pid, process.pid);
    assert.equal(e.exe, fs.readlinkSync('/proc/self/exe'));
  }
});

for (const [mode, flags] of MODES)
test(`a write storm (${mode}) still ends with the tree identical to the manifest`, async (t) => {
  const { root, state } = tree();
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(root, 'a', `f${i}.html`), `${i}\n`);
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  const p = spawn(BIN, ['guard', 'run', '--root', root, '--state', state, ...flags]);
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

for (const [mode, flags] of MODES)
test(`a queue overflow (${mode}) triggers a full scan at once and the tree ends identical`, async (t) => {
  const { root, state } = tree();
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(root, 'a', `f${i}.html`), `${i}\n`);
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  const p = spawn(BIN, ['guard', 'run', '--root', root, '--state', state, ...flags]);
  t.after(() => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  await sleep(400);
  // the agent stopped while far more events than the kernel queues (16,384) happen: the kernel
  // merges the events of one file, so 17,000 files are dropped in, and the approved ones changed
  p.kill('SIGSTOP');
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(root, 'a', `f${i}.html`), 'storm');
  for (let i = 0; i < 17000; i++) fs.writeFileSync(path.join(root, 'a', `drop${i}.php`), '<?php');
  p.kill('SIGCONT');
  let until = Date.now() + 30000;
  while (!out.includes('"event":"overflow_rescan"') && Date.now() < until) await sleep(100);
  assert.ok(out.includes('"event":"overflow_rescan"'), 'the overflow was reported');
  // the full scan: every approved file back, every dropped one in quarantine
  until = Date.now() + 60000;
  while (guard('verify', '--root', root, '--state', state).status !== 0 && Date.now() < until) await sleep(500);
  p.kill('SIGTERM');
  await new Promise((r) => p.on('exit', r));
  assert.equal(guard('verify', '--root', root, '--state', state).status, 0);
  assert.equal(fs.readFileSync(path.join(root, 'a', 'f7.html'), 'utf8'), '7\n');
  assert.ok(fs.readdirSync(path.join(state, 'quarantine')).length >= 17000);
});

test('--block: a reader of a tampered file gets EPERM or the approved page, never the tampered bytes', { skip: !ROOT && 'needs CAP_SYS_ADMIN' }, async (t) => {
  const { root, state } = tree();
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  const p = spawn(BIN, ['guard', 'run', '--root', root, '--state', state, '--block']);
  t.after(() => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); });
  let out = '', err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  await sleep(400);
  assert.match(err, /opens of tampered files denied/);
  const page = path.join(root, 'index.html');
  const counts = { approved: 0, denied: 0, tampered: 0, writeDenied: 0 };
  for (let i = 0; i < 300; i++) {
    try { fs.writeFileSync(page, `defaced ${i}\n`); } catch (e) { assert.equal(e.code, 'EPERM'); counts.writeDenied++; continue; }
    try {
      const body = fs.readFileSync(page, 'utf8');
      if (body === '<h1>ok</h1>\n') counts.approved++; else counts.tampered++;
    } catch (e) {
      assert.equal(e.code, 'EPERM');
      counts.denied++;
    }
  }
  // an added file is refused as well: its writer's open is denied, or its readers' (then it
  // is quarantined)
  try { fs.writeFileSync(path.join(root, 'a', 'shell.php'), '<?php'); } catch (e) { assert.equal(e.code, 'EPERM'); }
  let addedRead = 'none';
  try { addedRead = fs.readFileSync(path.join(root, 'a', 'shell.php'), 'utf8'); } catch (e) { addedRead = e.code; }
  assert.ok(addedRead === 'EPERM' || addedRead === 'ENOENT', `added file read: ${addedRead}`);
  // files outside the root are never held up
  fs.writeFileSync(path.join(root, '..', 'outside'), 'x');
  assert.equal(fs.readFileSync(path.join(root, '..', 'outside'), 'utf8'), 'x');
  await sleep(500);
  p.kill('SIGTERM');
  await new Promise((r) => p.on('exit', r));
  assert.equal(counts.tampered, 0, JSON.stringify(counts));
  assert.ok(counts.denied + counts.writeDenied > 0, JSON.stringify(counts));
  const events = out.trim().split('\n').map((l) => JSON.parse(l));
  const denied = events.find((e) => e.event === 'denied' && e.path === 'index.html');
  assert.equal(denied.kind, 'modified');
  assert.equal(denied.pid, process.pid);
  assert.equal(fs.readFileSync(page, 'utf8'), '<h1>ok</h1>\n');
  assert.equal(guard('verify', '--root', root, '--state', state).status, 0);
  // the agent gone, the kernel allows again (fail-open)
  fs.writeFileSync(page, 'after');
  assert.equal(fs.readFileSync(page, 'utf8'), 'after');
});

test('--block with --inotify is a usage error; --server needs --token and an agent token', () => {
  const { root, state } = tree();
  assert.equal(guard('baseline', '--root', root, '--state', state).status, 0);
  assert.equal(guard('run', '--root', root, '--state', state, '--block', '--inotify').status, 2);
  assert.equal(guard('run', '--root', root, '--state', state, '--server', 'https://x').status, 2);
  const r = guard('run', '--root', root, '--state', state, '--server', 'ftp://x', '--token', 'xat_x');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /http/);
});
