// Publishing review (PUB-1..13): the class × level matrix as a table, 一事一审 and separation
// (the author never reviews, one person decides one level), the checks with reasons kept by
// the right level, attachments clean first, the archived review form, release to the static
// site with its signed manifest, withdrawal, scheduled publication and the re-check; bad input
// refused with nothing stored. People act in their own roles: 信息员, 一/二/三级审核, 领导.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { startServer, tempDir, waitFor, auditRows, sqlite, request } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient, userClient, STRONG } from '../lib/session.mjs';
import { startClamd, EICAR } from '../lib/clamd.mjs';

let server; let clamd; let admin; let sec; let editor; let editor2; let rev1; let rev1b; let rev2; let rev3; let lead;
let dual; let column; let column2;

const withRole = (account, role, realName) => grantedClient(server, admin, sec, account, role, { realName });

/** Grants one more role the four-eyes way; the person signs in again. */
async function addRole(c, account, role) {
  let r = await admin.call('POST', `/api/users/${c.id}/roles`, { role, reason: '兼任' });
  assert.equal(r.status, 201, r.body);
  r = await sec.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
  r = await c.login(account, STRONG);
  assert.equal(r.status, 200, r.body);
}

function upload(client, name, body) {
  const headers = { Cookie: client.cookie, 'X-CSRF-Token': client.csrf, 'Content-Type': 'application/octet-stream', 'X-Filename': encodeURIComponent(name) };
  return request(server.url, '/api/files', { method: 'POST', headers, body }).then((r) => ({ ...r, json: JSON.parse(r.body) }));
}

const count = (table) => Number(sqlite(server.db, `SELECT count(*) FROM ${table}`));
const body = (text) => `<p>${text}</p>`;

before(async () => {
  clamd = await startClamd();
  const dir = tempDir();
  server = await startServer({ dir, env: { XINAN_FILES_CLAMD: clamd.socket, XINAN_PUBLISH_SITE_ROOT: join(dir, 'site') } });
  server.site = join(dir, 'site');
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '周安全' });
  editor = await withRole('editor1', 'editor', '王编辑');
  editor2 = await withRole('editor2', 'editor', '陈编辑');
  rev1 = await withRole('rev1', 'reviewer1', '刘一审');
  rev1b = await withRole('rev1b', 'reviewer1', '孙一审');
  rev2 = await withRole('rev2', 'reviewer2', '钱二审');
  rev3 = await withRole('rev3', 'reviewer3', '吴三审');
  lead = await withRole('lead1', 'leader', '郑领导');
  dual = await withRole('dual1', 'reviewer1', '冯双岗');
  await addRole(dual, 'dual1', 'reviewer2');
  let r = await admin.call('POST', '/api/columns', { name: '通知公告', path: 'tzgg', stale_days: 14 });
  assert.equal(r.status, 201, r.body);
  column = r.json.id;
  r = await admin.call('POST', '/api/columns', { name: '政务动态', path: 'zwdt/dt', stale_days: 7 });
  column2 = r.json.id;
});

after(async () => {
  await server.stop();
  await clamd.stop();
});

async function draft(c, fields = {}) {
  const r = await c.call('POST', '/api/content', { title: '关于开展网络安全检查的通知', column_id: column, class: 'A', body_html: body('各单位：请于本月底前完成自查。'), classified: false, ...fields });
  assert.equal(r.status, 201, r.body);
  return r.json;
}

const REVIEWERS = () => ({ 1: rev1, 2: rev2, 3: rev3, 4: lead });
const WRONG = () => ({ 1: rev2, 2: rev3, 3: lead, 4: rev1 });

const MATRIX = [
  { cls: 'A', major: false, levels: [1] },
  { cls: 'B', major: false, levels: [1, 2] },
  { cls: 'C', major: false, levels: [1, 2, 3] },
  { cls: 'C', major: true, levels: [1, 2, 3, 4] },
];

for (const row of MATRIX) {
  test(`PUB-2: class ${row.cls}${row.major ? ' (major incident)' : ''} passes levels ${row.levels.join(', ')} in order, each by its own reviewer`, async () => {
    const item = await draft(editor, { class: row.cls, major: row.major, title: `${row.cls}类稿件${row.major ? '（重大）' : ''}` });
    assert.equal(item.state, 'draft');
    assert.equal(item.levels_needed, row.levels.length);
    // nobody reviews a draft
    let r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
    assert.equal(r.status, 409, r.body);
    r = await editor.call('POST', `/api/content/${item.id}/submit`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.state, 'review');
    for (const level of row.levels) {
      assert.equal(r.json.level, level);
      // the wrong level is refused and changes nothing
      const before = count('content_step');
      const wrong = await WRONG()[level].call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
      assert.equal(wrong.status, 403, wrong.body);
      assert.equal(wrong.json.error.code, 'wrong_level');
      assert.equal(count('content_step'), before);
      r = await REVIEWERS()[level].call('POST', `/api/content/${item.id}/review`, { decision: 'approve', comment: `第${level}级同意` });
      assert.equal(r.status, 200, r.body);
    }
    assert.equal(r.json.state, 'approved');
    assert.deepEqual(r.json.steps.map((s) => [s.level, s.decision]), row.levels.map((l) => [l, 'approve']));
    for (const s of r.json.steps) {
      assert.equal(s.digest, r.json.digest, 'each decision carries the version digest');
      const rec = sqlite(server.db, `SELECT action || ',' || object_id FROM audit_log WHERE seq = ${s.audit_seq}`);
      assert.equal(rec, `content.review,${item.id}`, 'the audit record number of the decision');
    }
    assert.equal(r.json.form, true);
    // approved: no further decision
    r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
    assert.equal(r.status, 409);
  });
}

test('PUB-7: the author never reviews their own item; one person decides at most one level', async () => {
  const author = await withRole('edrev', 'editor', '何兼职');
  await addRole(author, 'edrev', 'reviewer1');
  const own = await draft(author);
  await author.call('POST', `/api/content/${own.id}/submit`);
  let r = await author.call('POST', `/api/content/${own.id}/review`, { decision: 'approve' });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, 'own_item');
  assert.match(r.json.error.message, /作者/);

  const item = await draft(editor, { class: 'B' });
  await editor.call('POST', `/api/content/${item.id}/submit`);
  r = await dual.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.level, 2);
  // the level-2 queue of the person who decided level 1 does not hold it
  const queue = await dual.call('GET', '/api/content?queue=2');
  assert.ok(!queue.json.items.some((i) => i.id === item.id));
  r = await dual.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, 'two_levels');
  assert.ok(auditRows(server.db, 'content.review').some((x) => x.result === 'denied'), 'the refusal is audited');
  r = await rev2.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.json.state, 'approved');
});

test('return with a comment sends the item back; the author edits (a new version) and submits again', async () => {
  const item = await draft(editor, { class: 'B' });
  await editor.call('POST', `/api/content/${item.id}/submit`);
  let r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'return' });
  assert.equal(r.status, 400, 'a return needs a comment');
  assert.equal(r.json.error.field, 'comment');
  r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'return', comment: '请补充检查范围' });
  assert.equal(r.json.state, 'draft');
  assert.equal(r.json.returned, true);
  // only the author edits
  r = await editor2.call('PATCH', `/api/content/${item.id}`, { body_html: body('篡改') });
  assert.equal(r.status, 403);
  r = await editor.call('PATCH', `/api/content/${item.id}`, { body_html: body('各单位：请于本月底前完成自查，范围包括门户网站和政务新媒体。') });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.version, 2);
  assert.equal(r.json.versions.length, 2);
  r = await editor.call('POST', `/api/content/${item.id}/submit`);
  assert.equal(r.json.level, 1);
  // the same reviewer may decide level 1 again in the new submission
  r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
  // level 2 amends the text (a version of its own) and then approves; its diff starts from
  // the version level 1 saw
  r = await rev2.call('GET', `/api/content/${item.id}`);
  assert.equal(r.json.seen_version, 2);
  r = await rev2.call('POST', `/api/content/${item.id}/review`, { decision: 'amend', comment: '规范表述', body_html: body('各单位：请于本月 30 日前完成自查。') });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.version, 3);
  assert.equal(r.json.versions.at(-1).kind, 'amend');
  const v2 = await rev2.call('GET', `/api/content/${item.id}/versions/2`);
  assert.match(v2.json.body_text, /门户网站/);
  r = await rev2.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.json.state, 'approved');
  assert.equal(r.json.body_text.trim(), '各单位：请于本月 30 日前完成自查。');
});

test('PUB-5, PUB-8: a sensitive word or wording error blocks approval until kept with a written reason', async () => {
  const item = await draft(editor, { title: '商品推广', body_html: body('本店全网最低价，欢迎选购。中华人名共和国') });
  assert.ok(item.checks.hits.length >= 2, JSON.stringify(item.checks));
  let r = await editor.call('POST', `/api/content/${item.id}/submit`);
  assert.equal(r.status, 200, r.body);
  r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.status, 409, r.body);
  assert.equal(r.json.error.code, 'unresolved_hits');
  assert.equal(r.json.state, undefined);
  const keys = [...new Set(item.checks.hits.map((h) => h.key))];
  // a reason for one hit only is not enough, and nothing of the refused decision stays
  r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve', reasons: [{ hit: keys[0], reason: '引用原文' }] });
  assert.equal(r.status, 409, r.body);
  assert.equal(Number(sqlite(server.db, `SELECT count(*) FROM content_reason WHERE item_id = ${item.id}`)), 0);
  r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve', reasons: keys.map((k) => ({ hit: k, reason: '引用当事方原文，予以保留' })) });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'approved');
  assert.ok(r.json.checks.hits.every((h) => h.reason && h.reason.by === '刘一审'));
});

test('PUB-9: a citizen ID never passes; a phone number needs a level-2 reviewer’s reason, even on class A', async () => {
  let r = await editor.call('POST', '/api/content', { title: '公示', column_id: column, class: 'A', body_html: body('申请人身份证号 11010519491231002X'), classified: false });
  assert.equal(r.status, 201);
  r = await editor.call('POST', `/api/content/${r.json.id}/submit`);
  assert.equal(r.status, 409, r.body);
  assert.equal(r.json.error.code, 'personal_data');

  const item = await draft(editor, { body_html: body('咨询电话：13800138000') });
  assert.equal(item.levels_needed, 2, 'personal data takes a class A item to level 2');
  await editor.call('POST', `/api/content/${item.id}/submit`);
  const hit = item.checks.hits.find((h) => h.kind === 'pii');
  r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve', reasons: [{ hit: hit.key, reason: '办公电话' }] });
  assert.equal(r.status, 403, r.body);
  assert.equal(r.json.error.code, 'level2_only');
  r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.level, 2);
  r = await rev2.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.status, 409);
  r = await rev2.call('POST', `/api/content/${item.id}/review`, { decision: 'approve', reasons: [{ hit: hit.key, reason: '单位公开的咨询电话' }] });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'approved');
});

test('PUB-12: an infected attachment is refused; one not yet clean holds level 1 back', async () => {
  const bad = await upload(editor, 'virus.txt', EICAR);
  assert.equal(bad.status, 201, bad.body);
  const before = count('content_item');
  let r = await editor.call('POST', '/api/content', { title: '附件', column_id: column, class: 'A', body_html: body('见附件'), classified: false, files: [bad.json.id] });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.field, 'files');
  assert.equal(count('content_item'), before, 'nothing stored');
  // someone else's file cannot be attached
  const other = await upload(editor2, '说明.txt', Buffer.from('检查说明\n'));
  r = await editor.call('POST', '/api/content', { title: '附件', column_id: column, class: 'A', body_html: body('见附件'), classified: false, files: [other.json.id] });
  assert.equal(r.status, 400);
  const good = await upload(editor, '通知.txt', Buffer.from('通知正文\n'));
  await waitFor(async () => (await editor.call('GET', `/api/files/${good.json.id}/meta`)).json.scan === 'clean', 'clean');
  const item = await draft(editor, { files: [good.json.id] });
  assert.equal(item.files.length, 1);
  await editor.call('POST', `/api/content/${item.id}/submit`);
  r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  assert.equal(r.status, 200, r.body);
});

test('bad input: classified, no declaration, unknown class, missing column, reprint not on the list, too large, not UTF-8, wrong types', async () => {
  await sec.call('POST', '/api/publish/sources', { name: '新华网', url: 'https://www.news.cn/' });
  const before = count('content_item');
  const cases = [
    [{ classified: true }, 400, 'classified'],
    [{ classified: undefined }, 400, 'classified'],
    [{ class: 'D' }, 400, 'class'],
    [{ column_id: 99999 }, 400, 'column_id'],
    [{ source: { kind: 'reprint', name: '某论坛', url: 'https://bbs.example/' } }, 400, 'source'],
    [{ title: '' }, 400, 'title'],
    [{ title: '=HYPERLINK("x")' }, 400, 'title'],
    [{ major: true }, 400, 'major'],
    [{ body_html: 'x'.repeat(2 * 1024 * 1024 + 1) }, 400, 'body_html'],
    [{ body_html: '<script>alert(1)</script>' }, 400, 'body_html'],
    [{ column_id: '1' }, 400, 'column_id'],
  ];
  for (const [fields, status, field] of cases) {
    const r = await editor.call('POST', '/api/content', { title: '测试', column_id: column, class: 'A', body_html: body('正文'), classified: false, ...fields });
    assert.equal(r.status, status, `${JSON.stringify(fields).slice(0, 80)}: ${r.body.slice(0, 200)}`);
    assert.equal(r.json.error.field, field, JSON.stringify(fields).slice(0, 80));
    assert.match(r.json.error.message, /[\u4e00-\u9fa5]/, 'a Chinese message');
  }
  const raw = Buffer.concat([Buffer.from('{"title":"测试","column_id":1,"class":"A","classified":false,"body_html":"<p>'), Buffer.from([0xff, 0xfe]), Buffer.from('</p>"}')]);
  const r = await editor.call('POST', '/api/content', raw);
  assert.equal(r.status, 400);
  assert.equal(count('content_item'), before, 'nothing stored');
  // a reprint from a listed source is fine
  const ok = await draft(editor, { source: { kind: 'reprint', name: '新华网', url: 'https://www.news.cn/a.html' } });
  assert.equal(ok.source_kind, 'reprint');
  // strangers and the wrong roles
  assert.equal((await rev1.call('POST', '/api/content', { title: 'x' })).status, 403);
  assert.equal((await editor.call('POST', '/api/columns', { name: 'x', path: 'x', stale_days: 1 })).status, 403);
  assert.equal((await admin.call('POST', '/api/columns', { name: '重复', path: 'tzgg', stale_days: 1 })).status, 409);
  assert.equal((await admin.call('POST', '/api/columns', { name: '坏路径', path: '../etc', stale_days: 1 })).status, 400);
  assert.equal((await editor.call('POST', '/api/publish/sources', { name: 'x', url: 'https://x.cn/' })).status, 403);
});

test('the body is sanitised on the server: script, handlers and javascript: URLs never reach the site', async () => {
  const item = await draft(editor, { body_html: '<p onclick="steal()">正文<script>alert(1)</script><a href="javascript:alert(1)">链接</a><img src="x" onerror="bad()"></p>' });
  assert.doesNotMatch(item.body_html, /script|onclick|onerror|javascript:/i);
  assert.match(item.body_html, /正文/);
});

let published;
test('release: the published page holds the approved text exactly, the index lists it, the manifest is signed; withdrawal removes both', async () => {
  const item = await draft(editor, { title: '2026年网络安全宣传周活动安排', column_id: column2, body_html: '<p>活动时间：9月第三周。</p><p>地点：市民中心。</p>' });
  await editor.call('POST', `/api/content/${item.id}/submit`);
  let r = await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve', comment: '同意' });
  assert.equal(r.json.state, 'approved');
  // only an approved item goes out, and only by one who may publish
  r = await rev2.call('POST', `/api/content/${item.id}/publish`, {});
  assert.equal(r.status, 403);
  r = await editor.call('POST', `/api/content/${item.id}/publish`, {});
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'published');
  assert.equal(r.json.published_path, `zwdt/dt/${item.id}.html`);
  published = r.json;
  const page = readFileSync(join(server.site, r.json.published_path), 'utf8');
  assert.ok(page.includes(r.json.body_html), 'the approved body, byte for byte');
  assert.ok(page.includes('2026年网络安全宣传周活动安排'));
  const index = readFileSync(join(server.site, 'zwdt/dt/index.html'), 'utf8');
  assert.ok(index.includes(`${item.id}.html`));
  assert.ok(readFileSync(join(server.site, 'index.html'), 'utf8').includes('政务动态'));
  r = await editor.call('POST', `/api/content/${item.id}/publish`, {});
  assert.equal(r.status, 409, 'published twice');
  // the signed manifest lists the page with its digest
  const state = join(server.dir, 'publish');
  await waitFor(() => existsSync(join(state, 'manifest')) && readFileSync(join(state, 'manifest'), 'utf8').includes(`${item.id}.html`), 'manifest');
  const manifest = readFileSync(join(state, 'manifest'));
  const sig = readFileSync(join(state, 'manifest.sig'));
  const pub = Buffer.from(readFileSync(join(state, 'manifest.pub'), 'utf8').trim(), 'hex');
  const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });
  assert.ok(verify(null, manifest, key, sig), 'the manifest verifies with the server key');
  assert.match(manifest.toString(), /^xinan-guard-manifest 1\n/);
  assert.match(manifest.toString(), /\nd\t0755\t0\t-\tzwdt\t\n/);

  r = await editor.call('POST', `/api/content/${item.id}/withdraw`, { reason: '活动取消' });
  assert.equal(r.status, 403, 'the editor may not withdraw');
  r = await rev1.call('POST', `/api/content/${item.id}/withdraw`, {});
  assert.equal(r.status, 400, 'a reason is required');
  r = await rev1.call('POST', `/api/content/${item.id}/withdraw`, { reason: '活动取消' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'withdrawn');
  assert.equal(existsSync(join(server.site, published.published_path)), false);
  assert.ok(!readFileSync(join(server.site, 'zwdt/dt/index.html'), 'utf8').includes(`${item.id}.html`));
  await waitFor(() => !readFileSync(join(state, 'manifest'), 'utf8').includes(`${item.id}.html`), 'manifest without the page');
  assert.equal(auditRows(server.db, 'content.withdraw').filter((x) => x.result === 'ok').length, 1);
});

test('PUB-3: the review form is a PDF with the title and each reviewer, the same bytes every time', async () => {
  const item = await draft(editor, { class: 'C', title: '重要会议报道' });
  let r = await editor.call('GET', `/api/content/${item.id}/form.pdf`);
  assert.equal(r.status, 409, 'no form before the review ends');
  await editor.call('POST', `/api/content/${item.id}/submit`);
  await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve', comment: '内容属实' });
  await rev2.call('POST', `/api/content/${item.id}/review`, { decision: 'approve', comment: '同意发布' });
  await rev3.call('POST', `/api/content/${item.id}/review`, { decision: 'approve', comment: '同意' });
  const get = () => request(server.url, `/api/content/${item.id}/form.pdf`, { headers: { Cookie: editor.cookie } });
  const a = await get();
  const b = await get();
  assert.equal(a.status, 200);
  assert.equal(a.headers['content-type'], 'application/pdf');
  const dir = tempDir();
  writeFileSync(join(dir, 'a.pdf'), a.raw);
  assert.equal(Buffer.compare(a.raw, b.raw), 0, 'the same bytes');
  const text = spawnSync('pdftotext', [join(dir, 'a.pdf'), '-'], { encoding: 'utf8' }).stdout;
  for (const s of ['重要会议报道', '刘一审', '钱二审', '吴三审', '王编辑', '内容属实'])
    assert.ok(text.includes(s), `${s} in the form: ${text.slice(0, 400)}`);
});

test('scheduled publication goes out at its time', async () => {
  const item = await draft(editor, { title: '定时发布的稿件' });
  await editor.call('POST', `/api/content/${item.id}/submit`);
  await rev1b.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  const at = new Date(Date.now() + 2000).toISOString();
  let r = await editor.call('POST', `/api/content/${item.id}/publish`, { at });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'scheduled');
  r = await editor.call('POST', `/api/content/${item.id}/publish`, { at: 'tomorrow' });
  assert.equal(r.status, 400);
  await waitFor(async () => (await editor.call('GET', `/api/content/${item.id}`)).json.state === 'published', 'published at its time', 20000);
});

test('PUB-6: a lexicon change re-checks the site and tells the level-1 reviewers of a new hit', async () => {
  const item = await draft(editor, { title: '复查样稿', body_html: body('本周开展新型诈骗话术宣传。') });
  await editor.call('POST', `/api/content/${item.id}/submit`);
  await rev1.call('POST', `/api/content/${item.id}/review`, { decision: 'approve' });
  await editor.call('POST', `/api/content/${item.id}/publish`, {});
  const r = await request(server.url, '/api/lexicons/recheck/import', { method: 'POST', headers: { Cookie: sec.cookie, 'X-CSRF-Token': sec.csrf, 'Content-Type': 'text/plain' }, body: '诈骗话术,fraud,high\n' });
  assert.ok(r.status === 200 || r.status === 201, r.body);
  await waitFor(async () => (await editor.call('GET', `/api/content/${item.id}`)).json.recheck_hits === 1, 're-checked', 20000);
  assert.ok(auditRows(server.db, 'content.recheck').length >= 1);
  const queue = await rev1.call('GET', '/api/content?state=published');
  assert.ok(queue.json.items.find((i) => i.id === item.id).recheck_hits === 1);
});

test('the whole site is rendered again from the database: pages, indexes, home, manifest', async () => {
  const items = (await editor.call('GET', '/api/content?state=published')).json.items;
  assert.ok(items.length >= 2);
  for (const i of items) rmSync(join(server.site, i.published_path));
  let r = await editor.call('POST', '/api/publish/site/rebuild');
  assert.equal(r.status, 403);
  r = await admin.call('POST', '/api/publish/site/rebuild');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.pages, items.length);
  for (const i of items) assert.ok(existsSync(join(server.site, i.published_path)), i.published_path);
  assert.equal(auditRows(server.db, 'publish.site_rebuild').filter((x) => x.result === 'ok').length, 1);
});

test('PUB-11: a public message goes to its department, is answered, approved by the head and published; reminders by the promised day', async () => {
  const head = await userClient(server, admin, 'head1', { realName: '钱科长' });
  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  const dept = (await admin.call('POST', '/api/org', { parent_id: root, name: '城管科', kind: 'department', head_user_id: head.id })).json.id;
  let r = await editor.call('POST', '/api/messages', { subject: '小区路灯不亮', body: '幸福小区 3 栋旁的路灯已坏两周。', author: '张先生', contact: '138****0000', channel: 'web' });
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  assert.equal(r.json.state, 'received');
  r = await editor.call('POST', '/api/messages', { subject: '', body: 'x', author: '张' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'subject');
  r = await editor.call('POST', `/api/messages/${id}/answer`, { answer: '已修复' });
  assert.equal(r.status, 409, 'not assigned yet');
  r = await editor.call('POST', `/api/messages/${id}/assign`, { department_id: 99999, promise_days: 5 });
  assert.equal(r.status, 400);
  r = await editor.call('POST', `/api/messages/${id}/assign`, { department_id: dept, promise_days: 0 });
  assert.equal(r.status, 400);
  r = await editor.call('POST', `/api/messages/${id}/assign`, { department_id: dept, promise_days: 5 });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.department, '城管科');
  assert.match(r.json.due_date, /^\d{4}-\d{2}-\d{2}$/);
  r = await editor.call('POST', `/api/messages/${id}/answer`, { answer: '您好，路灯已于本周修复。感谢您的监督。' });
  assert.equal(r.json.state, 'answered');
  const bell = await head.call('GET', '/api/me/notifications');
  assert.ok(JSON.stringify(bell.json).includes('网友留言答复待您审核'), 'the head is told');
  // the head, who holds no publishing permission, finds it waiting for their review; no one else does
  assert.equal((await head.call('GET', '/api/messages')).status, 403);
  r = await head.call('GET', '/api/messages/to-review');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.items.map((m) => [m.id, m.state, m.answer]), [[id, 'answered', '您好，路灯已于本周修复。感谢您的监督。']]);
  assert.deepEqual((await rev1.call('GET', '/api/messages/to-review')).json.items, []);
  // only the department's head reviews
  r = await rev1.call('POST', `/api/messages/${id}/review`, { approve: true });
  assert.equal(r.status, 403, r.body);
  r = await head.call('POST', `/api/messages/${id}/review`, { approve: false });
  assert.equal(r.status, 400, 'sending back needs a comment');
  r = await head.call('POST', `/api/messages/${id}/review`, { approve: false, comment: '请写明修复日期' });
  assert.equal(r.json.state, 'assigned');
  r = await editor.call('POST', `/api/messages/${id}/publish`);
  assert.equal(r.status, 409, 'not approved');
  r = await editor.call('POST', `/api/messages/${id}/answer`, { answer: '您好，路灯已于 12 月 5 日修复。感谢您的监督。' });
  r = await head.call('POST', `/api/messages/${id}/review`, { approve: true });
  assert.equal(r.json.state, 'approved');
  assert.deepEqual((await head.call('GET', '/api/messages/to-review')).json.items, [], 'reviewed: no longer waiting');
  r = await editor.call('POST', `/api/messages/${id}/publish`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'published');
  const pageText = readFileSync(join(server.site, r.json.path), 'utf8');
  assert.ok(pageText.includes('12 月 5 日修复') && pageText.includes('小区路灯不亮'));
  assert.ok(readFileSync(join(server.site, 'hudong/index.html'), 'utf8').includes(`${id}.html`));
  for (const a of ['message.create', 'message.assign', 'message.answer', 'message.review', 'message.publish'])
    assert.ok(auditRows(server.db, a).some((x) => x.result === 'ok'), a);

  // a message promised for the next working day is reminded once that day is tomorrow
  r = await editor.call('POST', '/api/messages', { subject: '公交站牌缺失', body: '人民路站牌被撞倒。', author: '李女士' });
  const m2 = r.json.id;
  r = await editor.call('POST', `/api/messages/${m2}/assign`, { department_id: dept, promise_days: 1 });
  const tomorrow = new Date(Date.now() + 8 * 3600e3 + 86400e3).toISOString().slice(0, 10);
  assert.equal((await admin.call('POST', '/api/jobs/publish.messages/run')).status, 202);
  const due = r.json.due_date <= tomorrow;
  await waitFor(async () => {
    const msgs = (await admin.call('GET', '/api/notify/messages?limit=50')).json;
    return !due || JSON.stringify(msgs).includes('公交站牌缺失');
  }, 'reminded');
});

test('PUB-10: a draft answers a window unit’s written request from the requests register', async () => {
  const reqRow = await sec.call('POST', '/api/registers/service_requests/rows', { kind: 'publication', applicant: editor.id, subject: '社保科申请发布年度缴费基数调整通知', detail: '附书面申请' });
  assert.equal(reqRow.status, 201, reqRow.body);
  let r = await editor.call('POST', '/api/content', { title: '发布申请稿', column_id: column, class: 'A', body_html: body('按申请发布'), classified: false, request_id: 999999 });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'request_id');
  r = await editor.call('POST', '/api/content', { title: '发布申请稿', column_id: column, class: 'A', body_html: body('按申请发布'), classified: false, request_id: reqRow.json.id });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.request_row_id, reqRow.json.id);
});

test('lists: my drafts, my queue by level, by state', async () => {
  const mine = await editor2.call('GET', '/api/content?mine=true');
  assert.ok(mine.json.items.every((i) => i.author === '陈编辑'));
  const item = await draft(editor2, { class: 'B' });
  await editor2.call('POST', `/api/content/${item.id}/submit`);
  let q = await rev1.call('GET', '/api/content?queue=1');
  assert.ok(q.json.items.some((i) => i.id === item.id));
  q = await rev2.call('GET', '/api/content?queue=1');
  assert.deepEqual(q.json.items, [], 'not a level-1 reviewer: an empty queue');
  q = await rev2.call('GET', '/api/content?queue=mine');
  assert.ok(!q.json.items.some((i) => i.id === item.id), 'level 1 first');
  assert.equal((await rev1.call('GET', '/api/content?state=nope')).status, 400);
  assert.equal((await rev1.call('GET', '/api/content?queue=9')).status, 400);
});
