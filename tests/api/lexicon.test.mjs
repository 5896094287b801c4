// Lexicon administration against a real server (PUB-8: keyword lists updated regularly, every
// change on the audit trail): list, import (replace and merge), the check using the new words
// at once, export round-trips, bad imports refused by line with nothing changed, the
// permission, the cached image across a restart, and a truncated image file that must not
// bring the server down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, request, dumpDb, auditRows } from '../lib/server.mjs';
import { adminClient, enrolledAppointee, userClient } from '../lib/session.mjs';

let srv;
let admin;
let sec;
let editor;

before(async () => {
  srv = await startServer();
  admin = await adminClient(srv);
  sec = await enrolledAppointee(srv, admin, 'sec1', 'secadmin', { realName: '王强' });
  editor = await userClient(srv, admin, 'editor1');
});
after(async () => { await srv.stop(); srv.cleanup(); });

/** Sends a text/plain body to the import endpoint. */
function importText(client, name, text, mode, type = 'text/plain; charset=utf-8') {
  const q = mode ? `?mode=${mode}` : '';
  return request(srv.url, `/api/lexicons/${name}/import${q}`, {
    method: 'POST',
    headers: { 'Content-Type': type, Cookie: client.cookie, 'X-CSRF-Token': client.csrf },
    body: text,
  });
}

async function checkText(text) {
  const r = await editor.call('POST', '/api/text/check', { text, pii: false });
  assert.equal(r.status, 200, r.body);
  return r.json.hits;
}

test('the shipped lexicons were imported once at the first start and are listed', async () => {
  const r = await sec.call('GET', '/api/lexicons');
  assert.equal(r.status, 200, r.body);
  const names = r.json.items.map((i) => i.name);
  assert.deepEqual(names, ['advertising', 'forbidden', 'whitelist', 'wording']);
  for (const item of r.json.items) {
    assert.ok(item.entries > 0, item.name);
    assert.ok(Array.isArray(item.categories) && item.categories.length > 0);
    assert.match(item.digest, /^(b2|sm3):[0-9a-f]{64}$/);
    assert.match(item.updated_at_text, /\+08:00$/);
    assert.equal(item.updated_by, 'xinan');
  }
  const seeded = auditRows(srv.db, 'lexicon.import');
  assert.equal(seeded.length, 4);
  assert.ok(seeded.every((a) => a.actor_name === 'xinan' && a.result === 'ok'));
});

test('import → the check finds the new word → export round-trips, all audited', async () => {
  assert.equal((await checkText('这是测试禁词甲的句子')).length, 0);
  const text = '# 本地词库\n测试禁词甲\n乙丙丁戊,political,high\n';
  let r = await importText(sec, 'local', text);
  assert.equal(r.status, 200, r.body);
  const res = JSON.parse(r.body);
  assert.deepEqual({ ...res, digest: undefined },
    { name: 'local', mode: 'replace', entries: 2, added: 2, removed: 0, digest: undefined });

  const hits = await checkText('这是测试 禁-词甲的句子，还有乙丙丁戊');
  const local = hits.filter((h) => h.lexicon === 'local');
  assert.deepEqual(local.map((h) => h.entry), ['测试禁词甲', '乙丙丁戊']);
  assert.equal(local[1].category, 'political');
  assert.equal(local[1].severity, 'high');

  r = await request(srv.url, '/api/lexicons/local/export', { headers: { Cookie: sec.cookie } });
  assert.equal(r.status, 200);
  assert.equal(r.body, text);
  assert.match(r.headers['content-type'], /^text\/plain; charset=utf-8/);
  assert.equal(r.headers['content-disposition'], 'attachment; filename="local.txt"');

  // the record holds counts and the digest of the new text, never its words
  const rec = auditRows(srv.db, 'lexicon.import').at(-1);
  assert.equal(rec.actor_name, 'sec1');
  assert.equal(rec.object_id, 'local');
  const detail = JSON.parse(rec.detail);
  assert.deepEqual(detail, { mode: 'replace', entries: 2, added: 2, removed: 0, bytes: Buffer.byteLength(text), digest: res.digest });
  assert.ok(!rec.detail.includes('测试禁词甲'));
  const exp = auditRows(srv.db, 'lexicon.export').at(-1);
  assert.equal(exp.actor_name, 'sec1');
  assert.equal(JSON.parse(exp.detail).digest, res.digest);
});

test('merge adds new entries and replaces the line of an existing one; replace removes', async () => {
  let r = await importText(sec, 'local', '新增词条\n乙丙丁戊,political,low\n', 'merge');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body).entries, 3);
  assert.equal(JSON.parse(r.body).added, 1);
  assert.equal(JSON.parse(r.body).removed, 0);
  r = await request(srv.url, '/api/lexicons/local/export', { headers: { Cookie: sec.cookie } });
  assert.equal(r.body, '# 本地词库\n测试禁词甲\n乙丙丁戊,political,low\n新增词条\n');
  const hit = (await checkText('乙丙丁戊')).find((h) => h.lexicon === 'local');
  assert.equal(hit.severity, 'low');

  r = await importText(sec, 'local', '新增词条\n');
  assert.equal(r.status, 200, r.body);
  const res = JSON.parse(r.body);
  assert.equal(res.entries, 1);
  assert.equal(res.added, 0);
  assert.equal(res.removed, 2);
  assert.equal((await checkText('测试禁词甲')).filter((h) => h.lexicon === 'local').length, 0);
  assert.equal((await checkText('新增词条')).filter((h) => h.lexicon === 'local').length, 1);
});

test('a bad import is refused naming its lines, and nothing changes', async () => {
  const before = dumpDb(srv.db);
  const bad = '好词一\n,political\n好词二\n坏词,political,urgent\n\u0001控制\n';
  const r = await importText(sec, 'local', bad);
  assert.equal(r.status, 400, r.body);
  const e = JSON.parse(r.body).error;
  assert.equal(e.code, 'bad_lexicon');
  assert.equal(e.field, 'body');
  assert.match(e.message, /3 行有误/);
  assert.match(e.message, /第 2 行/);
  assert.match(e.message, /第 4 行/);
  assert.match(e.message, /第 5 行/);
  assert.doesNotMatch(e.message, /第 1 行|第 3 行/);
  // not UTF-8, a bad name, a bad mode, the wrong type
  assert.equal((await importText(sec, 'local', Buffer.from([0xe6, 0xb3, 0x0a]))).status, 400);
  assert.equal(JSON.parse((await importText(sec, 'Bad.Name', '词\n')).body).error.code, 'bad_name');
  // the personal-data detectors report under "pii": no lexicon may take that name
  assert.equal(JSON.parse((await importText(sec, 'pii', '词\n')).body).error.code, 'bad_name');
  assert.equal(JSON.parse((await importText(sec, 'local', '词\n', 'append')).body).error.field, 'mode');
  // a malformed mode is refused, not taken as absent (which would mean replace)
  assert.equal(JSON.parse((await importText(sec, 'local', '词\n', 'merge%ZZ')).body).error.field, 'mode');
  assert.equal((await importText(sec, 'local', '词\n', null, 'application/json')).status, 415);
  assert.equal(dumpDb(srv.db), before);
  assert.equal((await checkText('好词一')).filter((h) => h.lexicon === 'local').length, 0);
  const exp = await request(srv.url, '/api/lexicons/local/export', { headers: { Cookie: sec.cookie } });
  assert.equal(exp.body, '新增词条\n');
  assert.equal((await request(srv.url, '/api/lexicons/nosuch/export', { headers: { Cookie: sec.cookie } })).status, 404);
});

test('a body over 16 MiB is 413 and changes nothing', async () => {
  const before = dumpDb(srv.db);
  const r = await importText(sec, 'big', '词'.repeat(6 * 1024 * 1024));
  assert.equal(r.status, 413, r.body.slice(0, 200));
  assert.equal(dumpDb(srv.db), before);
});

test('people without text.lexicon get 403, and the refusal is recorded', async () => {
  for (const client of [editor, admin]) {
    assert.equal((await client.call('GET', '/api/lexicons')).status, 403);
    assert.equal((await request(srv.url, '/api/lexicons/local/export', { headers: { Cookie: client.cookie } })).status, 403);
    const r = await importText(client, 'local', '越权词\n');
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body).error.code, 'forbidden');
  }
  assert.equal((await checkText('越权词')).length, 0);
  const denied = auditRows(srv.db, 'text.lexicon').filter((a) => a.result === 'denied');
  for (const who of ['editor1', 'admin']) {
    assert.deepEqual(denied.filter((a) => a.actor_name === who).map((a) => a.object_id),
      ['/api/lexicons', '/api/lexicons/:name/export', '/api/lexicons/:name/import']);
  }
});

test('a restart loads the cached image; a truncated image neither crashes nor misleads', async () => {
  const images = () => readdirSync(srv.dir).filter((f) => /^lexicons-[0-9a-f]{32}\.xlex$/.test(f));
  assert.equal(images().length, 1, 'one image, the previous ones removed');
  const image = join(srv.dir, images()[0]);
  assert.ok(statSync(image).size > 4096);
  // truncated and overwritten while the server holds it: checks go on
  truncateSync(image, 4096);
  writeFileSync(image, 'not a lexicon');
  const hits = await checkText('新增词条，法轮功');
  assert.deepEqual(hits.map((h) => h.entry), ['新增词条', '法轮功']);
  assert.equal(srv.proc.exitCode, null);
  assert.equal(srv.proc.signalCode, null);

  // a restart refuses the damaged image, compiles from the database and writes a good one
  assert.equal(await srv.stop(), 0);
  srv = await startServer({ dir: srv.dir, db: srv.db });
  editor.base = srv.url;
  assert.deepEqual((await checkText('新增词条，法轮功')).map((h) => h.entry), ['新增词条', '法轮功']);
  assert.ok(statSync(image).size > 4096);
  assert.equal(auditRows(srv.db, 'lexicon.import').filter((a) => a.actor_name === 'xinan').length, 4, 'not seeded again');
  // and the next restart loads it as it is
  assert.equal(await srv.stop(), 0);
  srv = await startServer({ dir: srv.dir, db: srv.db, env: { XINAN_LOG_LEVEL: 'debug' } });
  assert.match(srv.logs(), /text\.image_loaded/);
  editor.base = srv.url;
  assert.equal((await checkText('新增词条')).length, 1);
});
