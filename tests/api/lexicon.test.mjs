// Lexicon administration against a real server (PUB-8: keyword lists updated regularly, every
// change on the audit trail): list, import (replace and merge), the check using the new words
// at once, export round-trips, bad imports refused with their bad lines listed (number, code,
// Chinese reason, and how many more than are listed) and nothing changed, the permission, the cached image across a restart, and a truncated image file that must not
// bring the server down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, request, dumpDb, auditRows, tempDir } from '../lib/server.mjs';
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

test('a server started in an empty directory, text.lexicons left at its default, has the shipped lexicons built in', async () => {
  // cwd: a fresh directory without data/lexicons; no XINAN_TEXT_LEXICONS
  const other = await startServer({ dir: tempDir(), env: { XINAN_TEXT_LEXICONS: undefined } });
  try {
    const a = await adminClient(other);
    const s = await enrolledAppointee(other, a, 'sec1', 'secadmin', { realName: '王强' });
    const r = await s.call('GET', '/api/lexicons');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json.items.map((i) => i.name), ['advertising', 'forbidden', 'whitelist', 'wording']);
    assert.ok(r.json.items.every((i) => i.entries > 0 && i.updated_by === 'xinan'));
    const st = await a.call('GET', '/api/system/status');
    assert.equal(st.status, 200, st.body);
    assert.equal(st.json.lexicons.source, 'builtin');
    assert.equal(st.json.lexicons.path, 'data/lexicons');
    assert.ok(st.json.lexicons.entries > 0);
    assert.deepEqual(st.json.warnings, []);
    assert.doesNotMatch(other.logs(), /text\.no_lexicons/);
  } finally {
    await other.stop();
    other.cleanup();
  }
});

test('an explicitly configured lexicon directory that is missing is a warning in the system status', async () => {
  const other = await startServer({ env: { XINAN_TEXT_LEXICONS: '/nonexistent/lexicons' } });
  try {
    const a = await adminClient(other);
    const st = await a.call('GET', '/api/system/status');
    assert.equal(st.status, 200, st.body);
    assert.equal(st.json.lexicons.source, 'none');
    assert.equal(st.json.lexicons.entries, 0);
    assert.deepEqual(st.json.warnings.map((w) => w.code), ['no_lexicons']);
    assert.match(st.json.warnings[0].message, /未加载敏感词库/);
    assert.match(other.logs(), /text\.no_lexicons/);
  } finally {
    await other.stop();
    other.cleanup();
  }
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
  assert.match(e.request_id, /^[0-9a-f]{16}$/);
  // the message reads alone: the count, and the first line with its reason
  assert.match(e.message, /^词库有 3 行有误，未作任何更改：第 2 行：词条（第 1 列）为空/);
  assert.doesNotMatch(e.message, /第 1 行|第 3 行/);
  // the list names every bad line with a machine code and a Chinese reason
  assert.deepEqual(e.lines, [
    { line: 2, code: 'entry_empty', reason: '词条（第 1 列）为空，每行以词条开头，格式为 词条,类别,严重程度,建议' },
    { line: 4, code: 'bad_severity', reason: '严重程度（第 3 列）只能是 low、medium、high 或 1、2、3，留空即 medium' },
    { line: 5, code: 'control_char', reason: '含有控制字符（看不见的特殊字符，制表符除外），请删去后再导入' },
  ]);
  assert.equal(e.more, 0);
  // not UTF-8, a bad name, a bad mode, the wrong type
  const notUtf8 = JSON.parse((await importText(sec, 'local', Buffer.from([0x0a, 0xe6, 0xb3, 0x0a]))).body).error;
  assert.equal(notUtf8.code, 'bad_lexicon');
  assert.deepEqual(notUtf8.lines, [{ line: 2, code: 'not_utf8', reason: '不是 UTF-8 编码的文本，请把文件另存为 UTF-8 编码后再导入' }]);
  const badName = JSON.parse((await importText(sec, 'Bad.Name', '词\n')).body).error;
  assert.equal(badName.code, 'bad_name');
  assert.equal(badName.lines, undefined, 'a refusal not about lines lists none');
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

test('each reason a line can be refused for is named in Chinese by its column', async () => {
  const before = dumpDb(srv.db);
  const cases = [
    ['词,类别,严重', 'bad_severity', /^严重程度（第 3 列）只能是 low、medium、high/],
    [',类别', 'entry_empty', /^词条（第 1 列）为空/],
    ['！？…', 'entry_only_noise', /^词条（第 1 列）只有空格、标点或符号/],
    ['长'.repeat(65), 'entry_too_long', /^词条（第 1 列）过长，不计空格和标点至多 64 个字$/],
    [`甲${' '.repeat(1024)}乙`, 'entry_too_big', /^词条（第 1 列）过长，至多 64 个字，连同空格和标点不超过 1024 字节$/],
    [`词,${'类'.repeat(342)}`, 'category_too_long', /^类别（第 2 列）过长，至多 1024 字节/],
    [`词,类别,high,${'改'.repeat(342)}`, 'suggest_too_long', /^建议（第 4 列）过长，至多 1024 字节/],
    ['词\u007f', 'control_char', /^含有控制字符/],
  ];
  const text = cases.map(([line]) => `好词\n${line}`).join('\n');
  for (const mode of ['replace', 'merge']) {
    const r = await importText(sec, 'local', text, mode);
    assert.equal(r.status, 400, r.body);
    const e = JSON.parse(r.body).error;
    assert.equal(e.code, 'bad_lexicon');
    assert.deepEqual(e.lines.map((l) => [l.line, l.code]), cases.map(([, code], i) => [2 * i + 2, code]));
    e.lines.forEach((l, i) => assert.match(l.reason, cases[i][2], l.code));
    for (const l of e.lines) assert.doesNotMatch(l.reason, /entry|column|severity|longer|characters|bytes/, 'no English');
    assert.equal(e.more, 0);
  }
  assert.equal(dumpDb(srv.db), before);
});

test('more bad lines than are listed: the first ten, and how many more; nothing changes', async () => {
  const before = dumpDb(srv.db);
  const imports = auditRows(srv.db, 'lexicon.import').length;
  // 25 bad lines (every other line of 50), then a good one at the end
  const lines = [];
  for (let i = 0; i < 25; i++) lines.push(`好词${i}`, `坏词${i},类别,9`);
  lines.push('最后的好词');
  const r = await importText(sec, 'local', `${lines.join('\n')}\n`, 'merge');
  assert.equal(r.status, 400, r.body);
  const e = JSON.parse(r.body).error;
  assert.equal(e.code, 'bad_lexicon');
  assert.match(e.message, /^词库有 25 行有误，未作任何更改：第 2 行：/);
  assert.match(e.message, /；另有 \d+ 行有误$/);
  assert.equal(e.lines.length, 10);
  assert.deepEqual(e.lines.map((l) => l.line), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  assert.ok(e.lines.every((l) => l.code === 'bad_severity' && l.reason.startsWith('严重程度（第 3 列）')));
  assert.equal(e.more, 15);
  // a new lexicon refused is not created either
  const fresh = JSON.parse((await importText(sec, 'fresh', '好\n,x\n')).body).error;
  assert.deepEqual(fresh.lines.map((l) => [l.line, l.code]), [[2, 'entry_empty']]);
  assert.equal(dumpDb(srv.db), before);
  assert.equal(auditRows(srv.db, 'lexicon.import').length, imports);
  assert.ok(!(await sec.call('GET', '/api/lexicons')).json.items.some((i) => i.name === 'fresh'));
  const exp = await request(srv.url, '/api/lexicons/local/export', { headers: { Cookie: sec.cookie } });
  assert.equal(exp.body, '新增词条\n');
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
