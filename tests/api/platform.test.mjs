// API tests of the platform against a real `xinan serve` over loopback: health, metrics,
// errors, static files and traversal, limits, idle connections, shutdown. Platform frame for
// every requirement; AUD-1's "nothing changes on bad input" is checked by dumping the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, rawExchange, dumpDb } from '../lib/server.mjs';
import { adminClient, userClient } from '../lib/session.mjs';

let srv;
before(async () => { srv = await startServer({ env: { XINAN_HTTP_IDLE_TIMEOUT: '2' } }); });
after(async () => { await srv.stop(); srv.cleanup(); });

function assertSecurityHeaders(h) {
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
  assert.match(h['content-security-policy'], /script-src 'self'/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['referrer-policy'], 'no-referrer');
  assert.match(h['x-request-id'], /^[0-9a-f]{16}$/);
}

function assertJsonError(r, status, code) {
  assert.equal(r.status, status, r.body);
  assert.match(r.headers['content-type'], /^application\/json/);
  const body = JSON.parse(r.body);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(typeof body.error.field, 'string');
  assert.equal(body.error.request_id, r.headers['x-request-id']);
  return body;
}

test('GET /api/health reports database, schema, version and uptime', async () => {
  const r = await request(srv.url, '/api/health');
  assert.equal(r.status, 200);
  assertSecurityHeaders(r.headers);
  assert.equal(r.headers['cache-control'], 'no-store');
  const h = JSON.parse(r.body);
  assert.equal(h.status, 'ok');
  assert.equal(h.database.ok, true);
  assert.ok(h.database.schema_version >= 1);
  assert.match(h.version, /^\d+\.\d+\.\d+$/);
  assert.equal(typeof h.uptime_s, 'number');
  assert.match(h.time, /\+08:00$/);
});

test('GET /api/health, public, carries no filesystem path; the system administrator reads them at /api/system/status', async () => {
  const r = await request(srv.url, '/api/health');
  assert.equal(r.status, 200);
  const h = JSON.parse(r.body);
  assert.equal(h.database.path, undefined);
  assert.ok(!r.body.includes(srv.dir), r.body);
  assert.ok(!r.body.includes('xinan.db'), r.body);
  assert.doesNotMatch(r.body, /"\//);

  let s = await request(srv.url, '/api/system/status');
  assert.equal(s.status, 401);
  const admin = await adminClient(srv);
  s = await admin.call('GET', '/api/system/status');
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.status, 'ok');
  assert.equal(s.json.database.ok, true);
  assert.equal(s.json.database.path, srv.db);
  assert.equal(s.json.audit.witness, `${srv.db}.witness`);
  assert.equal(s.json.lexicons.source, 'path');
  assert.ok(s.json.lexicons.count >= 1 && s.json.lexicons.entries > 0);
  assert.deepEqual(s.json.warnings, []);
  assert.match(s.json.version, /^\d+\.\d+\.\d+$/);
  // anyone else: refused
  const staff = await userClient(srv, admin, 'pingtai1');
  s = await staff.call('GET', '/api/system/status');
  assert.equal(s.status, 403);
});

test('HEAD /api/health answers without a body', async () => {
  const r = await request(srv.url, '/api/health', { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(r.raw.length, 0);
});

test('GET /metrics counts requests by route and status in Prometheus text', async () => {
  await request(srv.url, '/api/health');
  await request(srv.url, '/api/does-not-exist');
  const r = await request(srv.url, '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  assert.match(r.body, /xinan_http_requests_total\{route="\/api\/health",method="GET",status="200"\} [1-9]/);
  assert.match(r.body, /xinan_http_requests_total\{route="unmatched",method="\*",status="404"\} [1-9]/);
  assert.match(r.body, /# TYPE xinan_http_request_duration_seconds histogram/);
  assert.match(r.body, /xinan_http_request_duration_seconds_bucket\{le="\+Inf"\} [1-9]/);
  assert.match(r.body, /xinan_db_statements_total [1-9]/);
  assert.match(r.body, /# TYPE xinan_db_transaction_duration_seconds histogram/);
  assert.match(r.body, /process_resident_memory_bytes [1-9]/);
});

test('an unknown API route is a 404 JSON error, never the UI', async () => {
  assertJsonError(await request(srv.url, '/api/nope'), 404, 'not_found');
  assertJsonError(await request(srv.url, '/api/nope/deeper'), 404, 'not_found');
});

test('a wrong method is 405 with Allow', async () => {
  for (const method of ['POST', 'DELETE', 'PUT']) {
    const r = await request(srv.url, '/api/health', { method, headers: { 'content-type': 'application/json' }, body: '{}' });
    assertJsonError(r, 405, 'method_not_allowed');
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
});

test('the UI is served from the binary with the right types and caching', async () => {
  const index = await request(srv.url, '/');
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html; charset=utf-8/);
  assert.equal(index.headers['cache-control'], 'no-cache');
  assertSecurityHeaders(index.headers);
  const script = index.body.match(/src="(\/assets\/[^"]+\.js)"/);
  assert.ok(script, 'index.html references a hashed script');
  const js = await request(srv.url, script[1], { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(js.status, 200);
  assert.match(js.headers['content-type'], /^text\/javascript/);
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(js.headers['content-encoding'], 'gzip');
  // a client that refuses gzip (q=0), or names only another coding, gets the plain bytes
  for (const ae of ['gzip;q=0', 'br, gzip ; q=0.000', 'x-gzip']) {
    const plain = await request(srv.url, script[1], { headers: { 'accept-encoding': ae } });
    assert.equal(plain.headers['content-encoding'], undefined, ae);
  }
  const again = await request(srv.url, script[1], { headers: { 'if-none-match': js.headers.etag } });
  assert.equal(again.status, 304);
});

test('UI routes fall back to index.html; missing files and API paths do not', async () => {
  const index = await request(srv.url, '/');
  for (const path of ['/audit', '/accounts/users', '/settings']) {
    const r = await request(srv.url, path);
    assert.equal(r.status, 200, path);
    assert.equal(r.body, index.body);
  }
  assertJsonError(await request(srv.url, '/assets/missing-file.js'), 404, 'not_found');
  assertJsonError(await request(srv.url, '/favicon-none.png'), 404, 'not_found');
  assertJsonError(await request(srv.url, '/api/health/extra'), 404, 'not_found');
});

test('traversal, encoded dots, NUL and over-long paths get 404 and no file', async () => {
  const attempts = [
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E%2f%2E%2E%2fetc%2fpasswd',
    '/assets/..%2f..%2fetc%2fpasswd',
    '/index.html%00.js',
    '/a%00',
    '/..%5c..%5cetc%5cpasswd',
    '/' + 'a'.repeat(4000),
    '/api/%2e%2e/health',
  ];
  for (const path of attempts) {
    const r = await request(srv.url, path);
    assert.equal(r.status, 404, path);
    assert.ok(!r.body.includes('root:'), path);
    assert.match(r.headers['content-type'], /^application\/json/, path);
  }
});

test('a client that connects and sends nothing is dropped after the idle timeout', async () => {
  const r = await rawExchange(srv.port, null, { timeoutMs: 10000 });
  assert.equal(r.closedByServer, true, 'server closed the idle connection');
  assert.ok(r.ms >= 1500, `closed after ${r.ms} ms, idle timeout is 2 s`);
});

test('an over-large request head is refused', async () => {
  const r = await rawExchange(srv.port, `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`);
  assert.match(r.data, /^HTTP\/1\.1 (413|431)/);
});

test('bad requests leave stored data unchanged', async () => {
  const before = dumpDb(srv.db);
  await request(srv.url, '/api/health', { method: 'POST', body: 'x' });
  await request(srv.url, '/%2e%2e/etc/passwd');
  await request(srv.url, '/api/nope', { method: 'DELETE' });
  assert.equal(dumpDb(srv.db), before);
});
