// The test harness: starts a real `xinan serve` on an ephemeral loopback port with a fresh
// database in a temporary directory, and runs CLI commands. Shared by the API and browser tests.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import net from 'node:net';

export const BIN = process.env.XINAN_BIN || new URL('../../build/xinan', import.meta.url).pathname;
/** The project's own lexicons; servers run in a temporary directory, so they are named. */
export const LEXICONS = new URL('../../data/lexicons', import.meta.url).pathname;

const madeDirs = [];
process.on('exit', () => { for (const d of madeDirs) rmSync(d, { recursive: true, force: true }); });

/** A temporary directory, removed when the test process ends. */
export function tempDir(prefix = 'xinan-test-') {
  const d = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(d);
  return d;
}

/**
 * Starts a server. Options: env (extra XINAN_* variables), args (extra flags), dir (work
 * directory; a new temporary one by default), db (database path; dir/xinan.db by default).
 * Resolves to { url, port, dir, db, proc, logs(), stop(signal) }; stop resolves to the exit code.
 */
export async function startServer({ env = {}, args = [], dir, db } = {}) {
  dir = dir || tempDir();
  db = db || join(dir, 'xinan.db');
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--db', db, ...args], {
    cwd: dir,
    env: { ...process.env, XINAN_TEXT_LEXICONS: LEXICONS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    exited.then((code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  let stopped = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    db,
    proc,
    logs: () => stderr,
    stdout: () => stdout,
    exited,
    async stop(signal = 'SIGTERM') {
      if (!stopped) {
        proc.kill(signal);
        stopped = exited;
      }
      return stopped;
    },
    cleanup() { rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Runs `xinan ARGS` to completion: { status, stdout, stderr }. */
export function runXinan(args, { cwd, env = {}, input } = {}) {
  const r = spawnSync(BIN, args, { cwd, env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * One HTTP request with the path sent exactly as given (no normalisation of "..", no
 * re-encoding), so traversal attempts reach the server as an attacker would send them.
 * `from` is the local address to send from (127.0.0.2, 127.0.0.3 … are all loopback), so tests
 * can act as several clients. Resolves to { status, headers, body (string), raw (Buffer) }.
 */
export function request(base, path, { method = 'GET', headers = {}, body, from } = {}) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    // a body goes with its Content-Length, as browsers send it (node would send it chunked)
    if (body !== undefined && !Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h)))
      headers = { ...headers, 'Content-Length': Buffer.byteLength(body) };
    const opts = { host: u.hostname, port: u.port, method, path, headers, agent: false };
    if (from) opts.localAddress = from;
    const req = http.request(opts, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body: raw.toString('utf8'), raw });
      });
    });
    // a server that refuses a body early answers and closes while the body is still going out:
    // the write fails, and the answer that already came is what counts
    req.on('error', (e) => {
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET') setTimeout(() => reject(e), 2000);
      else reject(e);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Sends raw bytes on a TCP connection and collects what comes back until the server closes. */
export function rawExchange(port, bytes, { timeoutMs = 10000, from } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress: from });
    const chunks = [];
    const started = Date.now();
    const timer = setTimeout(() => { sock.destroy(); resolve({ data: Buffer.concat(chunks).toString('latin1'), closedByServer: false, ms: Date.now() - started }); }, timeoutMs);
    sock.on('connect', () => { if (bytes) sock.write(bytes); });
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', () => { clearTimeout(timer); resolve({ data: Buffer.concat(chunks).toString('latin1'), closedByServer: true, ms: Date.now() - started }); });
    sock.on('error', () => {});
  });
}

/** Runs one statement with the sqlite3 shell on `db`: its output, trimmed; throws on failure. */
export function sqlite(db, statement) {
  // the server's job runner writes now and then: wait for its lock as the server itself would
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs one query with `sqlite3 -json` on `db`: the rows as objects ([] when none). */
export function sqliteRows(db, query) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', '-json', db, query], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

/** The audit records of one action, read from the database itself, in chain order. */
export function auditRows(db, action) {
  const quoted = `'${String(action).replaceAll("'", "''")}'`;
  return sqliteRows(db,
    `SELECT actor_name, action, object_id, result, detail FROM audit_log WHERE action = ${quoted} ORDER BY seq`);
}

/** Polls `fn` until it returns something truthy, which it resolves to; throws after `ms`. */
export async function waitFor(fn, what, ms = 15000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A dump of the database's rows, to show that bad input changed nothing. */
export function dumpDb(db) {
  const r = spawnSync('sqlite3', [db, '.dump'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 .dump failed: ${r.stderr}`);
  return r.stdout;
}
