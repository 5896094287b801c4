// Who a request comes from, and what one client can take from the others (AUD-1, ACC-11):
// the address recorded in the trail and in sessions, X-Forwarded-For only from a trusted proxy,
// the failure limit per address (not one bucket for everyone), failures summarised per source
// and minute, the per-address connection cap, the request-head deadline, and the body framing
// rules. Clients send from several loopback addresses (127.0.0.2, 127.0.0.3 …).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, request, sqliteRows } from '../lib/server.mjs';
import { Client, adminClient, totp, STRONG } from '../lib/session.mjs';

let server;
let admin;

before(async () => {
  server = await startServer({ env: { XINAN_HTTP_TRUSTED_PROXIES: '127.0.0.50, 127.0.1.0/24' } });
  admin = await adminClient(server);
});
after(async () => { await server.stop(); });

const loginRows = (db) => sqliteRows(db,
  "SELECT actor_name, source, result, detail FROM audit_log WHERE action = 'auth.login' ORDER BY seq");

test('the client address is recorded in the audit record and in the session', async () => {
  const c = new Client(server.url, { from: '127.0.0.2' });
  const r = await c.login('admin', STRONG, totp(admin.totpSecret, 1));
  assert.equal(r.status, 200);
  assert.ok(r.json.user, r.body);
  const rows = loginRows(server.db);
  const last = rows[rows.length - 1];
  assert.equal(last.source, '127.0.0.2');
  const s = await c.call('GET', '/api/me/sessions');
  const mine = s.json.items.find((i) => i.current);
  assert.equal(mine.source, '127.0.0.2');
});

test('X-Forwarded-For names the client only when a trusted proxy sends it', async () => {
  // through a trusted proxy: the right-most address that is not a proxy is the client
  let c = new Client(server.url, { from: '127.0.0.50' });
  let r = await c.call('POST', '/api/auth/login', { account: 'nobody-1', password: 'x' },
    { 'X-Forwarded-For': '203.0.113.9, 198.51.100.7, 127.0.1.20' });
  assert.equal(r.status, 401);
  let rows = loginRows(server.db);
  assert.equal(rows[rows.length - 1].source, '198.51.100.7');
  // from an address that is no proxy the header is the client's own word: ignored
  c = new Client(server.url, { from: '127.0.0.51' });
  r = await c.call('POST', '/api/auth/login', { account: 'nobody-2', password: 'x' },
    { 'X-Forwarded-For': '198.51.100.8' });
  assert.equal(r.status, 401);
  rows = loginRows(server.db);
  assert.equal(rows[rows.length - 1].source, '127.0.0.51');
  // a malformed hop stops the walk at the last good address
  c = new Client(server.url, { from: '127.0.0.50' });
  r = await c.call('POST', '/api/auth/login', { account: 'nobody-3', password: 'x' },
    { 'X-Forwarded-For': '198.51.100.9, not-an-address' });
  rows = loginRows(server.db);
  assert.equal(rows[rows.length - 1].source, '127.0.0.50');
});

test('failed sign-ins from one address do not lock out the others', async () => {
  const attacker = new Client(server.url, { from: '127.0.0.3' });
  let limited = 0;
  for (let i = 0; i < 60; i++) {
    const r = await attacker.login(`guess${i}`, 'wrong-password-1');
    if (r.status === 429) limited++;
    else assert.equal(r.status, 401);
  }
  assert.ok(limited >= 5, `the attacker's address is refused after its failures (${limited})`);
  // the attacker's address is refused even with the right password …
  const same = new Client(server.url, { from: '127.0.0.3' });
  assert.equal((await same.login('admin', STRONG)).status, 429);
  // … while everyone else signs in
  const other = new Client(server.url, { from: '127.0.0.4' });
  const r = await other.login('admin', STRONG);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.need_totp, true, 'the password was accepted: the second factor is asked');
});

test('bad agent tokens from one source are limited and summarised, not recorded one by one', async () => {
  const before = sqliteRows(server.db,
    "SELECT count(*) AS n FROM audit_log WHERE action = 'auth.agent_check'")[0].n;
  const statuses = {};
  for (let i = 0; i < 120; i++) {
    const r = await request(server.url, '/api/agents/whoami', {
      from: '127.0.0.5', headers: { Authorization: `Bearer xat_${'a'.repeat(22)}.${'b'.repeat(43)}` },
    });
    statuses[r.status] = (statuses[r.status] || 0) + 1;
  }
  assert.equal(statuses[401] + statuses[429], 120);
  assert.ok(statuses[429] >= 60, JSON.stringify(statuses));
  const individual = sqliteRows(server.db,
    "SELECT count(*) AS n FROM audit_log WHERE action = 'auth.agent_check' AND source = '127.0.0.5'")[0].n;
  assert.ok(individual <= 10, `at most the first few of each minute on their own (${individual})`);
  assert.ok(sqliteRows(server.db, "SELECT count(*) AS n FROM audit_log WHERE action = 'auth.agent_check'")[0].n - before <= 10);
  // another source still gets its own record
  const r = await request(server.url, '/api/agents/whoami', {
    from: '127.0.0.6', headers: { Authorization: 'Bearer nonsense' },
  });
  assert.equal(r.status, 401);
  assert.equal(sqliteRows(server.db,
    "SELECT count(*) AS n FROM audit_log WHERE action = 'auth.agent_check' AND source = '127.0.0.6'")[0].n, 1);
  // health is never refused to the limited address
  assert.equal((await request(server.url, '/api/health', { from: '127.0.0.5' })).status, 200);
});

test('the summary of a flood carries its count per source (written at the latest at shutdown)', async () => {
  const s = await startServer();
  try {
    for (let i = 0; i < 40; i++) {
      await request(s.url, '/api/agents/whoami', { from: '127.0.0.7', headers: { Authorization: 'Bearer bad' } });
    }
  } finally {
    assert.equal(await s.stop(), 0);
  }
  const rows = sqliteRows(s.db,
    "SELECT source, result, detail FROM audit_log WHERE action = 'audit.failures_summary' ORDER BY seq");
  const total = rows.filter((r) => r.source === '127.0.0.7')
    .reduce((n, r) => n + JSON.parse(r.detail).count, 0);
  const individual = sqliteRows(s.db,
    "SELECT count(*) AS n FROM audit_log WHERE action = 'auth.agent_check' AND source = '127.0.0.7'")[0].n;
  assert.equal(total + individual, 40, 'every failure is either recorded or counted');
  assert.ok(individual >= 1 && individual <= 10);
  assert.equal(rows[0].result, 'denied');
});

/** Opens a connection from `from` that sends a request head one byte every `everyMs`. */
function trickle(port, from, everyMs) {
  const head = 'GET /api/health HTTP/1.1\r\nHost: x\r\n' + 'X-Slow: ' + 'a'.repeat(4000);
  const sock = net.connect({ port, host: '127.0.0.1', localAddress: from });
  const state = { closed: false, closedAt: 0, started: Date.now(), sock };
  let i = 0;
  const timer = setInterval(() => { if (i < head.length && !sock.destroyed) sock.write(head[i++]); }, everyMs);
  sock.on('close', () => { state.closed = true; state.closedAt = Date.now(); clearInterval(timer); });
  sock.on('error', () => {});
  state.stop = () => { clearInterval(timer); sock.destroy(); };
  return state;
}

test('slow clients: a cap per address, and a whole-head deadline that trickled bytes do not extend', async () => {
  const s = await startServer({
    env: { XINAN_HTTP_MAX_CONNECTIONS: '60', XINAN_HTTP_MAX_CONNECTIONS_PER_IP: '10', XINAN_HTTP_HEADER_TIMEOUT: '3' },
  });
  const slow = [];
  // waits until `done()` holds or `ms` have passed (a loaded machine accepts connections late)
  const until = async (done, ms) => {
    const end = Date.now() + ms;
    while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  };
  try {
    for (let i = 0; i < 80; i++) slow.push(trickle(s.port, '127.0.0.8', 200));
    // well before the 3 s head deadline, everything past the cap of 10 is closed
    await until(() => slow.filter((c) => c.closed).length >= 70, 2000);
    const refused = slow.filter((c) => c.closed).length;
    assert.ok(refused >= 70, `connections past the per-address cap are closed at once (${refused})`);
    assert.ok(refused < 80, 'the ten within the cap are still open before their deadline');
    // the server still answers everyone else while the slow ones hang on
    const r = await request(s.url, '/api/health', { from: '127.0.0.9' });
    assert.equal(r.status, 200);
    // within a few seconds the trickling heads are cut off, though each byte came in time
    await until(() => slow.every((c) => c.closed), 8000);
    assert.equal(slow.filter((c) => !c.closed).length, 0, 'every slow head is closed at its deadline');
    const m = await request(s.url, '/metrics');
    assert.match(m.body, /xinan_http_refused_total\{reason="header_timeout"\} ([1-9]\d*)/);
    assert.match(m.body, /xinan_http_refused_total\{reason="connections_per_ip"\} ([1-9]\d*)/);
  } finally {
    for (const c of slow) c.stop();
    await s.stop();
  }
});

test('a trusted proxy is not capped per address', async () => {
  const s = await startServer({
    env: { XINAN_HTTP_MAX_CONNECTIONS_PER_IP: '3', XINAN_HTTP_TRUSTED_PROXIES: '127.0.0.60' },
  });
  const conns = [];
  try {
    for (let i = 0; i < 8; i++) conns.push(trickle(s.port, '127.0.0.60', 1000));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(conns.filter((c) => c.closed).length, 0);
  } finally {
    for (const c of conns) c.stop();
    await s.stop();
  }
});

/** Sends a chunked body of `total` bytes in 64 KiB chunks; resolves with what the server said and
 * how much it took before it closed. */
function chunkedUpload(port, path, total) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let sent = 0; let answer = ''; let done = false;
    const finish = () => { if (!done) { done = true; resolve({ sent, answer }); } };
    sock.on('data', (d) => { answer += d.toString('latin1'); });
    sock.on('close', finish);
    sock.on('error', finish);
    sock.on('connect', () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const data = Buffer.alloc(65536, 0x20);
      const chunk = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
      const pump = () => {
        while (sent < total && !sock.destroyed) {
          sent += data.length;
          if (!sock.write(chunk)) { sock.once('drain', pump); return; }
        }
        if (!sock.destroyed) sock.end('0\r\n\r\n');
      };
      pump();
    });
    setTimeout(() => { sock.destroy(); finish(); }, 20000);
  });
}

test('a chunked body past http.max_body is not read to its end', async () => {
  const r = await chunkedUpload(server.port, '/api/auth/login', 200 * 1024 * 1024);
  assert.ok(r.sent < 100 * 1024 * 1024, `the server closed long before 200 MiB (${r.sent} sent)`);
  assert.doesNotMatch(r.answer, /^HTTP\/1\.1 [23]/);
});

test('Content-Length together with Transfer-Encoding is refused (request smuggling)', async () => {
  const answer = await new Promise((resolve) => {
    const sock = net.connect({ port: server.port, host: '127.0.0.1' });
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('close', () => resolve(data));
    sock.on('error', () => resolve(data));
    const body = '{"account":"a","password":"b"}';
    sock.on('connect', () => sock.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
      + `Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`));
    setTimeout(() => { sock.destroy(); resolve(data); }, 5000);
  });
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.match(answer, /"code":"bad_framing"/);
});
