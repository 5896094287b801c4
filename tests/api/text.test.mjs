// POST /api/text/check against a real server: the editor's live check (PUB-5, PUB-8, PUB-9,
// PUB-13) and the platform's body rules: malformed JSON 400, over the limit 413, wrong type 415,
// bad fields 400 naming the field, and nothing stored on any of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, rawExchange, dumpDb } from '../lib/server.mjs';
import { adminClient, userClient } from '../lib/session.mjs';

let srv;
let editor;
before(async () => {
  srv = await startServer({ env: { XINAN_HTTP_MAX_BODY: '4096' } });
  editor = await userClient(srv, await adminClient(srv), 'editor1');
});
after(async () => { await srv.stop(); srv.cleanup(); });

const JSON_TYPE = { 'content-type': 'application/json' };
// an editor's session: the check is for signed-in people
const check = (body, headers = JSON_TYPE) => request(srv.url, '/api/text/check',
  { method: 'POST', headers: { ...headers, Cookie: editor.cookie, 'X-CSRF-Token': editor.csrf }, body });

test('without a session the check is refused', async () => {
  const r = await request(srv.url, '/api/text/check', { method: 'POST', headers: JSON_TYPE, body: '{"text":"a"}' });
  errorOf(r, 401, 'unauthenticated');
});

function errorOf(r, status, code) {
  assert.equal(r.status, status, r.body);
  const e = JSON.parse(r.body).error;
  assert.equal(e.code, code);
  assert.ok(e.message.length > 0);
  return e;
}

test('PUB-5/8/9/13: words, evasions, wording errors and personal data with byte offsets', async () => {
  const text = '中华人名共和国，手机 13800138000，法 轮-功，法輪功，身份证 11010519491231002X';
  const r = await check(JSON.stringify({ text }));
  assert.equal(r.status, 200, r.body);
  const body = JSON.parse(r.body);
  const buf = Buffer.from(text, 'utf8');
  const starts = body.hits.map((h) => h.start);
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b), 'hits in order of start');
  const wording = body.hits.find((h) => h.lexicon === 'wording');
  assert.equal(wording.suggest, '中华人民共和国');
  assert.equal(buf.subarray(wording.start, wording.end).toString(), '中华人名共和国');
  const evasions = body.hits.filter((h) => h.entry === '法轮功').map((h) => buf.subarray(h.start, h.end).toString());
  assert.deepEqual(evasions, ['法 轮-功', '法輪功']);
  const mobile = body.hits.find((h) => h.category === 'mobile');
  assert.equal(mobile.text, '138****8000');
  const id = body.hits.find((h) => h.category === 'id_card');
  assert.equal(id.text, '110105********002X');
  assert.ok(!r.body.includes('13800138000') && !r.body.includes('11010519491231002X'), 'numbers never echoed');
  assert.equal(body.count, body.hits.length);
  assert.equal(body.truncated, false);
});

test('pii:false and mode:longest are honoured', async () => {
  const r = await check(JSON.stringify({ text: '手机 13800138000', pii: false, mode: 'longest' }));
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).count, 0);
});

test('malformed JSON is 400 bad_json', async () => {
  for (const body of ['{"text":', '{text: 1}', '', '\u0000', '{"text":"a","text":"b"}', '[' .repeat(100) + ']'.repeat(100)]) {
    errorOf(await check(body), 400, 'bad_json');
  }
  errorOf(await check(Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d])), 400, 'bad_json');
});

test('a body over the limit is 413, by Content-Length or chunked', async () => {
  errorOf(await check(JSON.stringify({ text: 'x'.repeat(5000) })), 413, 'too_large');
  const chunked = `POST /api/text/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`
    + `1388\r\n${'x'.repeat(5000)}\r\n0\r\n\r\n`;
  const r = await rawExchange(srv.port, chunked);
  assert.match(r.data, /^HTTP\/1\.1 413/);
});

test('a body that is not application/json is 415', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'multipart/form-data; boundary=x']) {
    errorOf(await check('{"text":"a"}', { 'content-type': type }), 415, 'unsupported_media_type');
  }
  errorOf(await check('{"text":"a"}', {}), 415, 'unsupported_media_type');
  const ok = await check('{"text":"a"}', { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(ok.status, 200);
});

test('bad fields are 400 naming the field', async () => {
  assert.equal(errorOf(await check('{}'), 400, 'missing_field').field, 'text');
  assert.equal(errorOf(await check('{"text":5}'), 400, 'bad_field').field, 'text');
  assert.equal(errorOf(await check('{"text":"a\\u0001b"}'), 400, 'bad_field').field, 'text');
  assert.equal(errorOf(await check('{"text":"a","pii":"yes"}'), 400, 'bad_field').field, 'pii');
  assert.equal(errorOf(await check('{"text":"a","mode":"fast"}'), 400, 'bad_field').field, 'mode');
  errorOf(await check('["text"]'), 400, 'bad_json');
});

test('none of the bad requests changed stored data', async () => {
  const before = dumpDb(srv.db);
  await check('{"text":');
  await check(JSON.stringify({ text: 'x'.repeat(5000) }));
  await check('{"text":"a"}', { 'content-type': 'text/plain' });
  await check('{}');
  assert.equal(dumpDb(srv.db), before);
});
