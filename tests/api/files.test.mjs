// Evidence files against a real server and a real clamd (PUB-12): the streamed upload and the
// streamed download of a multi-MiB file with its digest, the Chinese name in
// Content-Disposition, deduplication, refusals at upload (types that do not match, bad names,
// empty files, over the bound, declared or chunked) with nothing stored, who may read what, the
// EICAR test file quarantined, and a clamd outage that leaves a scan pending until clamd is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startServer, request, sqlite, auditRows, waitFor } from '../lib/server.mjs';
import { adminClient, appointedClient, userClient } from '../lib/session.mjs';
import { startClamd, EICAR, EICAR_SIGNATURE } from '../lib/clamd.mjs';

const MAX = 8 << 20; // files.max_size for this server

let clamd;
let srv;
let admin;
let alice;
let bob;
let sec;

before(async () => {
  clamd = await startClamd();
  srv = await startServer({ env: { XINAN_FILES_CLAMD: clamd.socket, XINAN_FILES_MAX_SIZE: String(MAX) } });
  admin = await adminClient(srv);
  alice = await userClient(srv, admin, 'alice');
  bob = await userClient(srv, admin, 'bob', { realName: '王芳' });
  sec = await appointedClient(srv, admin, 'sec1', 'secadmin', { realName: '王强' });
});
after(async () => {
  await srv.stop();
  srv.cleanup();
  await clamd.stop();
});

/** POSTs body to /api/files as client; name is percent-encoded unless `raw` gives the header. */
function upload(client, name, body, { raw, headers = {} } = {}) {
  const h = { Cookie: client.cookie, 'X-CSRF-Token': client.csrf, 'Content-Type': 'application/octet-stream', ...headers };
  if (raw !== undefined) h['X-Filename'] = raw;
  else if (name !== undefined) h['X-Filename'] = encodeURIComponent(name);
  return request(srv.url, '/api/files', { method: 'POST', headers: h, body }).then((r) => {
    let json = null;
    try { json = JSON.parse(r.body); } catch { /* not JSON */ }
    return { ...r, json };
  });
}

function get(client, path) {
  return request(srv.url, path, { headers: { Cookie: client.cookie } });
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
/** A PDF as libmagic sees one: the header, then random bytes. */
const pdf = (size) => Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(size - 15)]);
const counts = () => sqlite(srv.db, 'SELECT (SELECT count(*) FROM file_blob) || \',\' || (SELECT count(*) FROM file_chunk) || \',\' || (SELECT count(*) FROM evidence_file)');

test('a multi-MiB file goes up and comes back byte for byte, its digest and Chinese name intact', async () => {
  const body = pdf(5 * (1 << 20) + 12345);
  const name = '检查报告（2026年第一季度）.pdf';
  const up = await upload(alice, name, body);
  assert.equal(up.status, 201, up.body);
  assert.equal(up.json.digest, `sha256:${sha256(body)}`);
  assert.equal(up.json.size, body.length);
  assert.equal(up.json.type, 'application/pdf');
  assert.equal(up.json.scan, 'clean');
  assert.ok(Number.isInteger(up.json.id));
  // six chunk rows of at most 1 MiB
  const chunks = JSON.parse(`[${sqlite(srv.db, `SELECT group_concat(length(data)) FROM file_chunk WHERE blob_id = (SELECT blob_id FROM evidence_file WHERE id = ${up.json.id})`)}]`);
  assert.deepEqual(chunks, [1, 1, 1, 1, 1].map(() => 1 << 20).concat([12345]));

  const down = await get(alice, `/api/files/${up.json.id}`);
  assert.equal(down.status, 200);
  assert.equal(down.raw.length, body.length);
  assert.equal(sha256(down.raw), sha256(body));
  assert.equal(down.headers['content-type'], 'application/pdf');
  assert.equal(down.headers['x-content-type-options'], 'nosniff');
  const cd = down.headers['content-disposition'];
  assert.match(cd, /^attachment; /);
  const star = cd.match(/filename\*=UTF-8''([^;]+)/);
  assert.ok(star, cd);
  assert.equal(decodeURIComponent(star[1]), name);
  assert.match(cd, /filename="[\x20-\x7e]+\.pdf"/);

  const meta = await alice.call('GET', `/api/files/${up.json.id}/meta`);
  assert.equal(meta.status, 200, meta.body);
  assert.equal(meta.json.name, name);
  assert.equal(meta.json.scan_text, '无毒');
  assert.equal(meta.json.uploaded_by, alice.id);

  // every download is on the trail
  const rows = auditRows(srv.db, 'file.download').filter((a) => a.object_id === String(up.json.id));
  assert.equal(rows.length, 1);
  assert.equal(rows[0].actor_name, 'alice');
  assert.equal(rows[0].result, 'ok');
  assert.equal(auditRows(srv.db, 'file.upload').filter((a) => a.object_id === String(up.json.id)).length, 1);
  assert.ok(auditRows(srv.db, 'file.scan').some((a) => JSON.parse(a.detail).digest === up.json.digest));
});

test('the same bytes uploaded again are stored once', async () => {
  const body = pdf(1500000);
  const a = await upload(alice, '甲.pdf', body);
  assert.equal(a.status, 201, a.body);
  const before = counts().split(',').map(Number);
  const b = await upload(bob, '乙.pdf', body);
  assert.equal(b.status, 201, b.body);
  assert.notEqual(a.json.id, b.json.id);
  assert.equal(a.json.digest, b.json.digest);
  const after = counts().split(',').map(Number);
  assert.deepEqual(after, [before[0], before[1], before[2] + 1]);
  const down = await get(bob, `/api/files/${b.json.id}`);
  assert.equal(sha256(down.raw), sha256(body));
});

test('content that does not match its extension is refused and nothing is stored', async () => {
  const before = counts();
  const elf = readFileSync('/bin/true');
  const cases = [
    ['报告.pdf', elf],
    ['photo.jpg', Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n')],
    ['notes.txt', Buffer.from('<html><head><title>x</title></head><body>hi</body></html>\n')],
    ['scan.png', pdf(4000)],
  ];
  for (const [name, body] of cases) {
    const r = await upload(alice, name, body);
    assert.equal(r.status, 400, `${name}: ${r.body}`);
    assert.equal(r.json.error.code, 'type_mismatch', name);
    assert.equal(r.json.error.field, 'file', name);
  }
  for (const name of ['page.html', 'image.svg', 'run.exe', 'script.js', 'noextension']) {
    const r = await upload(alice, name, Buffer.from('hello\n'));
    assert.equal(r.status, 400, `${name}: ${r.body}`);
    assert.equal(r.json.error.code, 'bad_extension', name);
    assert.equal(r.json.error.field, 'filename', name);
  }
  assert.equal(counts(), before);
});

test('bad names, a missing name and an empty file are refused naming the field', async () => {
  const before = counts();
  const body = Buffer.from('证据材料\n');
  const bad = [
    ['a/b.txt', 'bad_filename'],
    ['..\\b.txt', 'bad_filename'],
    ['../etc.txt', 'bad_filename'],
    ['a..b.txt', 'bad_filename'],
    ['.hidden.txt', 'bad_filename'],
    ['invoice\u202Etxt.exe.txt', 'bidi_control'],
    ['tab\there.txt', 'bad_text'],
    ['zero\u200Bwidth.txt', 'invisible_char'],
    ['=cmd.txt', 'bad_start'],
    [`${'长'.repeat(90)}.txt`, 'too_long'],
  ];
  for (const [name, code] of bad) {
    const r = await upload(alice, name, body);
    assert.equal(r.status, 400, `${JSON.stringify(name)}: ${r.body}`);
    assert.equal(r.json.error.field, 'filename', name);
    assert.equal(r.json.error.code, code, name);
  }
  for (const raw of ['a%00b.txt', 'a%01b.txt', 'bad%zz.txt', 'trail%2', '%FF%FE.txt']) {
    const r = await upload(alice, undefined, body, { raw });
    assert.equal(r.status, 400, `${raw}: ${r.body}`);
    assert.equal(r.json.error.field, 'filename', raw);
  }
  let r = await upload(alice, undefined, body);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.field, 'filename');
  r = await upload(alice, 'empty.txt', Buffer.alloc(0));
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.code, 'empty_file');
  assert.equal(r.json.error.field, 'file');
  assert.equal(counts(), before);
});

test('a body over files.max_size is refused with 413, declared or chunked, and nothing is stored', async () => {
  const before = counts();
  const big = pdf(MAX + 1);
  let r = await upload(alice, 'big.pdf', big);
  assert.equal(r.status, 413, r.body);
  assert.equal(r.json.error.field, 'file');
  // chunked: no length announced, so the bound is found while the chunks are being stored
  r = await upload(alice, 'big.pdf', big, { headers: { 'Transfer-Encoding': 'chunked' } });
  assert.equal(r.status, 413, r.body);
  assert.equal(r.json.error.field, 'file');
  assert.equal(counts(), before);
  // exactly the bound is fine
  r = await upload(alice, 'edge.pdf', pdf(MAX), { headers: { 'Transfer-Encoding': 'chunked' } });
  assert.equal(r.status, 201, r.body);
});

test('only the uploader and holders of file.read read a file; signed-out callers nobody', async () => {
  const up = await upload(alice, '会议纪要.txt', Buffer.from('会议纪要：演练于下午三点开始。\n'));
  assert.equal(up.status, 201, up.body);
  assert.equal(up.json.type, 'text/plain');
  let r = await get(bob, `/api/files/${up.json.id}`);
  assert.equal(r.status, 403, r.body);
  r = await get(bob, `/api/files/${up.json.id}/meta`);
  assert.equal(r.status, 403, r.body);
  assert.ok(auditRows(srv.db, 'file.download').some((a) => a.actor_name === 'bob' && a.result === 'denied'));
  r = await get(sec, `/api/files/${up.json.id}`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, '会议纪要：演练于下午三点开始。\n');
  r = await request(srv.url, `/api/files/${up.json.id}`);
  assert.equal(r.status, 401);
  r = await get(alice, '/api/files/999999');
  assert.equal(r.status, 404);
  // an upload needs the CSRF token like any change
  r = await request(srv.url, '/api/files', { method: 'POST', headers: { Cookie: alice.cookie, 'X-Filename': 'a.txt' }, body: 'x' });
  assert.equal(r.status, 403);
});

test('the EICAR test file is quarantined: its uploader cannot see it, the security administrator can', async () => {
  const before = auditRows(srv.db, 'file.scan').length;
  const up = await upload(alice, 'eicar.txt', EICAR);
  assert.equal(up.status, 201, up.body);
  assert.equal(up.json.scan, 'infected');
  let r = await get(alice, `/api/files/${up.json.id}`);
  assert.equal(r.status, 404, r.body);
  r = await get(alice, `/api/files/${up.json.id}/meta`);
  assert.equal(r.status, 404, r.body);
  r = await get(bob, `/api/files/${up.json.id}`);
  assert.equal(r.status, 404, r.body);
  r = await sec.call('GET', `/api/files/${up.json.id}/meta`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.scan, 'infected');
  assert.equal(r.json.scan_text, '已隔离');
  assert.match(r.json.signature, new RegExp(EICAR_SIGNATURE.replaceAll('.', '\\.')));
  const scans = auditRows(srv.db, 'file.scan').slice(before);
  assert.ok(scans.some((a) => JSON.parse(a.detail).scan === 'infected'));
  assert.ok(auditRows(srv.db, 'file.download').some((a) => a.actor_name === 'alice' && a.object_id === String(up.json.id) && a.result === 'denied'));
});

test('with clamd stopped an upload stays pending, is not downloadable, and is scanned once clamd is back', async () => {
  await clamd.stop();
  try {
    const body = Buffer.from('值班记录：一切正常。\n');
    const up = await upload(alice, '值班记录.txt', body);
    assert.equal(up.status, 201, up.body);
    assert.equal(up.json.scan, 'pending');
    let r = await get(alice, `/api/files/${up.json.id}`);
    assert.equal(r.status, 409, r.body);
    assert.equal(JSON.parse(r.body).error.code, 'scan_pending');
    r = await alice.call('GET', `/api/files/${up.json.id}/meta`);
    assert.equal(r.json.scan, 'pending');
    assert.equal(r.json.scan_text, '待查毒');
    await clamd.start();
    const meta = await waitFor(async () => {
      const m = await alice.call('GET', `/api/files/${up.json.id}/meta`);
      return m.json.scan !== 'pending' && m.json;
    }, 'the pending scan', 60000);
    assert.equal(meta.scan, 'clean');
    r = await get(alice, `/api/files/${up.json.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.body, body.toString());
  } finally {
    await clamd.start().catch(() => {});
  }
});

test("the files list: a person's own uploads newest first with their state and uploader, paged; file.read sees all, infected only file.quarantine", async () => {
  const carol = await userClient(srv, admin, 'carol', { realName: '陈静' });
  const names = ['第一份.txt', '第二份.pdf', '第三份.txt'];
  const ids = [];
  for (const [i, name] of names.entries()) {
    const body = name.endsWith('.pdf') ? pdf(3000) : Buffer.from(`材料 ${i}\n`);
    const up = await upload(carol, name, body);
    assert.equal(up.status, 201, up.body);
    ids.push(up.json.id);
  }
  const eicar = await upload(carol, '可疑.txt', EICAR);
  assert.equal(eicar.json.scan, 'infected');

  let r = await carol.call('GET', '/api/files');
  assert.equal(r.status, 200, r.body);
  // the infected upload is hidden from its uploader as everywhere else
  assert.deepEqual(r.json.items.map((f) => f.id), [...ids].reverse());
  assert.equal(r.json.next, null);
  const [third, second] = r.json.items;
  assert.equal(third.name, '第三份.txt');
  assert.equal(third.scan, 'clean');
  assert.equal(third.scan_text, '无毒');
  assert.equal(third.uploader, '陈静');
  assert.equal(third.uploaded_by, carol.id);
  assert.equal(third.type, 'text/plain');
  assert.equal(third.size, Buffer.byteLength('材料 2\n'));
  assert.ok(Number.isInteger(third.uploaded_at) && third.uploaded_at_text);
  assert.equal(second.type, 'application/pdf');
  assert.equal(second.size, 3000);

  // paged: two, then the one left
  r = await carol.call('GET', '/api/files?limit=2');
  assert.deepEqual(r.json.items.map((f) => f.id), [ids[2], ids[1]]);
  assert.equal(r.json.next, ids[1]);
  r = await carol.call('GET', `/api/files?limit=2&cursor=${r.json.next}`);
  assert.deepEqual(r.json.items.map((f) => f.id), [ids[0]]);
  assert.equal(r.json.next, null);

  // someone else sees none of carol's files; holders of file.read see them; infected content
  // only the security administrator (file.quarantine)
  r = await bob.call('GET', '/api/files?limit=200');
  assert.ok(r.json.items.every((f) => f.uploaded_by === bob.id), r.body);
  assert.ok(r.json.items.length >= 1);
  const all = [];
  for (let cursor = ''; ;) {
    r = await sec.call('GET', `/api/files?limit=3${cursor && `&cursor=${cursor}`}`);
    assert.equal(r.status, 200, r.body);
    all.push(...r.json.items);
    if (r.json.next === null) break;
    cursor = r.json.next;
  }
  const seen = all.map((f) => f.id);
  assert.deepEqual(seen, [...seen].sort((a, b) => b - a), 'newest first');
  assert.equal(new Set(seen).size, seen.length, 'no file twice across pages');
  for (const id of [...ids, eicar.json.id]) assert.ok(seen.includes(id), `sec sees ${id}`);
  assert.equal(all.find((f) => f.id === eicar.json.id).scan, 'infected');
  assert.ok(all.some((f) => f.uploader === '王芳'));

  // bad paging input names its parameter; signed-out callers get nothing
  for (const [q, field] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=x', 'limit'], ['cursor=-1', 'cursor'], ['cursor=abc', 'cursor']]) {
    r = await carol.call('GET', `/api/files?${q}`);
    assert.equal(r.status, 400, `${q}: ${r.body}`);
    assert.equal(r.json.error.field, field, q);
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/, q);
  }
  r = await request(srv.url, '/api/files');
  assert.equal(r.status, 401);
});

test('without clamd configured files are stored unscanned (未查毒) and readable', async () => {
  const other = await startServer();
  try {
    const a = await adminClient(other);
    const h = { Cookie: a.cookie, 'X-CSRF-Token': a.csrf, 'X-Filename': encodeURIComponent('说明.txt') };
    const r = await request(other.url, '/api/files', { method: 'POST', headers: h, body: '说明\n' });
    assert.equal(r.status, 201, r.body);
    const j = JSON.parse(r.body);
    assert.equal(j.scan, 'unscanned');
    const m = await a.call('GET', `/api/files/${j.id}/meta`);
    assert.equal(m.json.scan_text, '未查毒');
    const d = await request(other.url, `/api/files/${j.id}`, { headers: { Cookie: a.cookie } });
    assert.equal(d.status, 200);
    assert.equal(d.body, '说明\n');
  } finally {
    await other.stop();
    other.cleanup();
  }
});
