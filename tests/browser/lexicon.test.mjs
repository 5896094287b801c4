// Browser test of the lexicon page, in headless Chromium against a real `xinan serve`.
//
// Requirements: PUB-8 (keyword lists kept up to date by the security administrator, every
// import and export on the audit trail), PUB-5 and PUB-13 (the check finds sensitive words and
// wording errors, also written with spaces or full-width letters), PUB-9 (personal data shown
// masked only), ACC-6 (the system administrator does not keep the lexicons).
//
// First, without a browser: the conversion of the server's UTF-8 byte offsets to string
// indices (web/src/text-offsets.js) against node's own UTF-8 encoder. Then the security
// administrator opens 信息发布审核 → 敏感词库, sees the seeded lexicons, imports a new one from a
// file with a Chinese entry, finds that entry with the check panel in a sentence that hides it
// with a space and full-width letters (after an emoji, so byte and string offsets differ), sees
// exactly it marked, exports it back, and has a bad file refused with its bad lines in a table
// (line number, content, the server's Chinese reason) and nothing changed, and a text with
// more bad lines than the server lists told how many more there are. An editor gets the
// check panel only; the system administrator gets neither (only the columns of the module).
// Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditRows, startServer } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee, userClient } from '../lib/session.mjs';
import { OUTPUT_DIR, launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { byteOffsetsToIndices, highlightSegments, utf8Length } from '../../web/src/text-offsets.js';
import { refusalOf, splitLines } from '../../web/src/lexicon-api.js';

describe('UTF-8 byte offsets to string indices', () => {
  // Strings of ASCII, Latin, Chinese (3 bytes), full-width forms and characters beyond the BMP
  // (4 bytes, 2 UTF-16 units).
  const SAMPLES = ['abc', 'é ß', '法轮功', '法 轮-功', 'ＦＬＧ１３８', '😀这里有测试 禁词ＸＹ吗', '𠀀𠀁a中😀', '', 'a\nb\r\n中'];

  test('every character boundary maps to its index, as node encodes the string', () => {
    for (const text of SAMPLES) {
      assert.equal(utf8Length(text), Buffer.byteLength(text, 'utf8'), text);
      const bounds = [];
      for (let i = 0; i <= text.length; i++) {
        const code = text.charCodeAt(i - 1);
        if (i > 0 && i < text.length && code >= 0xd800 && code <= 0xdbff) continue; // inside a pair
        bounds.push([Buffer.byteLength(text.slice(0, i), 'utf8'), i]);
      }
      const map = byteOffsetsToIndices(text, bounds.map(([b]) => b));
      for (const [b, i] of bounds) assert.equal(map.get(b), i, `${text} at byte ${b}`);
    }
  });

  test('Chinese is 3 bytes a character, an emoji 4 bytes and 2 units', () => {
    const map = byteOffsetsToIndices('a😀中b', [0, 1, 5, 8, 9, 100]);
    assert.deepEqual([...map.entries()].sort((x, y) => x[0] - y[0]), [[0, 0], [1, 1], [5, 3], [8, 4], [9, 5], [100, 5]]);
  });

  test('overlapping hits cut the text into pieces that join back to it', () => {
    const text = '全网最低价格，最低价';
    const hits = [
      { start: 0, end: 15 }, // 全网最低价
      { start: 6, end: 15 }, // 最低价
      { start: 21, end: 30 }, // 最低价 (after the full-width comma, 3 bytes)
      { start: 9, end: 9 }, // empty: left out
    ];
    const pieces = highlightSegments(text, hits);
    assert.equal(pieces.map((p) => p.text).join(''), text);
    assert.deepEqual(pieces, [
      { text: '全网', hits: [0] },
      { text: '最低价', hits: [0, 1] },
      { text: '格，', hits: [] },
      { text: '最低价', hits: [2] },
    ]);
  });

  test('lines are numbered as the server numbers them', () => {
    assert.deepEqual(splitLines('\ufeff# c\n词,a\r\n\n词二\n'), ['\ufeff# c', '词,a', '', '词二']);
    assert.deepEqual(splitLines('一\n二'), ['一', '二']);
  });

  test('a refusal is read from its structured lines, never from its message', () => {
    const lines = [{ line: 2, code: 'bad_severity', reason: '严重程度…' }, { line: 7, code: 'entry_empty', reason: '词条…' }];
    assert.deepEqual(refusalOf({ code: 'bad_lexicon', message: '词库有 5 行有误…', lines, more: 3 }), { total: 5, lines, more: 3 });
    assert.deepEqual(refusalOf({ lines: [{ line: 0 }, null, { line: 4 }] }), { total: 1, lines: [{ line: 4, code: '', reason: '' }], more: 0 });
    // a message alone, or no error object, lists nothing
    assert.equal(refusalOf({ code: 'bad_lexicon', message: '词库有 1 行有误，未作任何更改：第 2 行：…' }), null);
    assert.equal(refusalOf(undefined), null);
  });
});

let srv;
let browser;
let admin;
let sec;
let editor;
let S; // the security administrator's tab
let work; // files to upload

// What the lexicon table shows: [[name, entries], …]
async function tableRows(page) {
  await page.getByTestId('lexicon-table').locator('tbody tr').first().waitFor();
  return page.getByTestId('lexicon-table').locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => [
      r.querySelector('[data-testid="lexicon-name"]').textContent.trim(),
      Number(r.querySelector('[data-testid="lexicon-entries"]').textContent.trim()),
    ]),
  );
}

const GOOD = '# 本地词库（测试）\n测试禁词XY,political,high\n另一个词条\n';
// Three kinds of bad line between good ones, and a text with more bad lines than are listed.
const BAD = '好词一\n坏词,political,urgent\n好词二\n,political\n# 注释\n！？…\n';
const BAD_REASONS = [
  [2, 'bad_severity', '严重程度（第 3 列）只能是 low、medium、high 或 1、2、3，留空即 medium'],
  [4, 'entry_empty', '词条（第 1 列）为空，每行以词条开头，格式为 词条,类别,严重程度,建议'],
  [6, 'entry_only_noise', '词条（第 1 列）只有空格、标点或符号，没有可检测的文字'],
];
const MANY_BAD = Array.from({ length: 13 }, (_, i) => `词${i},类别,最高`).join('\n');
const SENTENCE = '😀这里有测试 禁词ＸＹ吗？电话 13800138000。';

describe('the lexicon page', { timeout: 240_000 }, () => {
  before(async () => {
    srv = await startServer();
    admin = await adminClient(srv);
    // The first security administrator, appointed at once, with TOTP.
    sec = await enrolledAppointee(srv, admin, 'wangqiang', 'secadmin', { realName: '王强' });
    // An editor (content.draft), granted through four-eyes by the security administrator.
    editor = await userClient(srv, admin, 'bianji', { realName: '李编' });
    let r = await admin.call('POST', `/api/users/${editor.id}/roles`, { role: 'editor', reason: '信息员' });
    r = await sec.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'approve' });
    assert.equal(r.status, 200, r.body);

    work = mkdtempSync(join(tmpdir(), 'xinan-lex-'));
    writeFileSync(join(work, 'local.txt'), GOOD);
    writeFileSync(join(work, 'bad.txt'), BAD);

    browser = await launch();
    S = await newPage(browser);
    await uiSignIn(S.page, srv.url, 'wangqiang', STRONG, sec.totpSecret);
  });

  after(async () => {
    if (browser) await browser.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (srv) {
      await srv.stop();
      srv.cleanup();
    }
  });

  test('the security administrator reaches 敏感词库 through 信息发布审核', async () => {
    const page = S.page;
    await page.goto(`${srv.url}/`);
    await page.getByTestId('nav-publish').click();
    // the security administrator keeps the reprint sources and the lexicons, and reviews nothing
    await page.waitForURL(`${srv.url}/publish/columns`);
    await page.getByTestId('publish-columns-page').waitFor();
    assert.deepEqual(
      await page.locator('[data-testid="module-tabs"] a').evaluateAll((els) => els.map((e) => e.textContent.trim())),
      ['栏目与来源', '敏感词库'],
    );
    await page.getByTestId('tab-lexicons').click();
    await page.waitForURL(`${srv.url}/publish/lexicons`);
    await page.getByTestId('lexicons-page').waitFor();
  });

  test('the list shows the seeded lexicons as the server has them', async () => {
    const page = S.page;
    const api = (await sec.call('GET', '/api/lexicons')).json.items;
    assert.deepEqual(api.map((i) => i.name), ['advertising', 'forbidden', 'whitelist', 'wording']);
    assert.deepEqual(await tableRows(page), api.map((i) => [i.name, i.entries]));
    assert.ok(api.every((i) => i.entries > 0));
    assert.match(await page.getByTestId('lexicon-audit-note').innerText(), /审计日志.*lexicon\.import.*lexicon\.export/);
    // categories as tags, in Chinese
    const forbidden = page.getByTestId('lexicon-table').locator('tbody tr', { hasText: 'forbidden' });
    assert.ok((await forbidden.locator('.el-tag').allInnerTexts()).includes('分裂国家'));
    await S.shot('lexicons-list-zh');
  });

  test('a new lexicon imported from a file appears with its count, and is recorded', async () => {
    const page = S.page;
    await page.getByTestId('lexicon-new').click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.waitFor();
    await page.getByTestId('import-name').fill('Local');
    await dialog.getByText('名称只能由汉字、小写字母').waitFor();
    assert.equal(await page.getByTestId('import-submit').isDisabled(), true);
    await page.getByTestId('import-name').fill('local');
    await page.getByTestId('import-file').setInputFiles(join(work, 'local.txt'));
    await page.getByTestId('import-preview').waitFor();
    assert.equal(await page.getByTestId('import-count').getAttribute('data-lines'), '3');
    assert.match(await page.getByTestId('import-count').innerText(), /共 3 行，其中词条 2 行/);
    assert.equal((await page.getByTestId('import-file-name').innerText()).trim(), 'local.txt');
    assert.match(await page.getByTestId('import-preview').innerText(), /测试禁词XY,political,high/);
    await S.shot('lexicons-import-zh');
    await page.getByTestId('import-submit').click();
    await page.getByTestId('lexicon-notice').waitFor();
    assert.match(await page.getByTestId('lexicon-notice').innerText(), /词库 local 已替换导入：现有 2 条，新增 2 条，删除 0 条[\s\S]*已记入审计日志/);
    const rows = await tableRows(page);
    assert.deepEqual(rows.find(([n]) => n === 'local'), ['local', 2]);
    const row = page.getByTestId('lexicon-table').locator('tbody tr', { hasText: 'local' });
    assert.equal((await row.getByTestId('lexicon-updated-by').innerText()).trim(), 'wangqiang');
    const rec = auditRows(srv.db, 'lexicon.import').at(-1);
    assert.deepEqual([rec.actor_name, rec.object_id, rec.result], ['wangqiang', 'local', 'ok']);
    assert.equal(JSON.parse(rec.detail).entries, 2);
  });

  test('the check finds the new entry behind a space and full-width letters and marks exactly it', async () => {
    const page = S.page;
    await page.getByTestId('check-text').fill(SENTENCE);
    await page.getByTestId('check-run').click();
    await page.getByTestId('check-summary').waitFor();
    // What the server reports, asked directly: the page must show the same hits.
    const answer = (await sec.call('POST', '/api/text/check', { text: SENTENCE, pii: true })).json;
    assert.deepEqual(answer.hits.map((h) => h.lexicon), ['local', 'pii']);
    assert.equal(await page.getByTestId('check-summary').getAttribute('data-count'), String(answer.count));
    const marks = await page.getByTestId('check-mark').allTextContents();
    assert.deepEqual(marks, ['测试 禁词ＸＹ', '13800138000']);
    // the marked text, plain pieces included, is the sentence itself
    assert.equal(await page.getByTestId('check-preview').textContent(), SENTENCE);
    const beforeMark = await page.getByTestId('check-preview').evaluate((el) => {
      const range = document.createRange();
      range.setStart(el, 0);
      range.setEndBefore(el.querySelector('mark'));
      return range.toString();
    });
    assert.equal(beforeMark, '😀这里有');
    assert.deepEqual(await page.getByTestId('hit-entry').allTextContents(), ['测试禁词XY', '—']);
    // personal data only masked
    assert.deepEqual(await page.getByTestId('hit-text').allTextContents(), ['测试 禁词ＸＹ', '138****8000']);
    assert.doesNotMatch(await page.getByTestId('check-hits').innerText(), /13800138000/);
    assert.match(await page.getByTestId('check-hits').innerText(), /政治|political/);
    await page.getByTestId('check-panel').screenshot({ path: `${OUTPUT_DIR}lexicons-check-zh.png` });
  });

  test('export downloads the same entries, and is recorded', async () => {
    const page = S.page;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lexicon-export-local').click()]);
    assert.equal(download.suggestedFilename(), 'local.txt');
    const text = readFileSync(await download.path(), 'utf8');
    assert.equal(text, GOOD);
    await page.getByTestId('lexicon-notice').getByText('已导出 local.txt').waitFor();
    const rec = auditRows(srv.db, 'lexicon.export').at(-1);
    assert.deepEqual([rec.actor_name, rec.object_id, rec.result], ['wangqiang', 'local', 'ok']);
  });

  test('a bad file is refused with its bad lines in a table, and nothing changes', async () => {
    const page = S.page;
    const before = await tableRows(page);
    const imports = auditRows(srv.db, 'lexicon.import').length;
    await page.getByTestId('lexicon-import-local').click();
    await page.getByTestId('import-dialog').waitFor();
    await page.getByTestId('mode-merge').click();
    assert.match(await page.getByTestId('mode-help').innerText(), /已有的词条以本次那一行为准/);
    await page.getByTestId('import-file').setInputFiles(join(work, 'bad.txt'));
    await page.getByTestId('import-preview').waitFor();
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-error').waitFor();
    const err = await page.getByTestId('import-error').innerText();
    assert.match(err, /导入被拒绝，词库未作任何更改/);
    assert.match(err, /共 3 行有误，请按下表逐行修改后重新导入/);
    // 行号, 内容, 原因: one row per bad line, the reasons in Chinese as the server gives them
    assert.deepEqual(await page.getByTestId('refused-line').allTextContents(), BAD_REASONS.map(([n]) => String(n)));
    assert.deepEqual(await page.getByTestId('refused-reason').allTextContents(), BAD_REASONS.map(([, , r]) => r));
    assert.deepEqual(
      await page.getByTestId('refused-reason').evaluateAll((els) => els.map((e) => e.dataset.code)),
      BAD_REASONS.map(([, c]) => c),
    );
    const table = await page.getByTestId('refused-lines').innerText();
    assert.match(table, /行号[\s\S]*内容[\s\S]*原因/);
    assert.match(table, /坏词,political,urgent/);
    assert.match(table, /！？…/);
    assert.doesNotMatch(table, /好词一|好词二|注释/);
    assert.equal(await page.getByTestId('refused-more').count(), 0);
    await S.shot('lexicons-refused-zh');
    // the page shows what the server lists, asked directly
    const direct = await fetch(`${srv.url}/api/lexicons/local/import?mode=merge`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8', Cookie: sec.cookie, 'X-CSRF-Token': sec.csrf },
      body: BAD,
    });
    const refusal = refusalOf((await direct.json()).error);
    assert.deepEqual(refusal.lines.map((l) => [l.line, l.code, l.reason]), BAD_REASONS);
    assert.equal(refusal.total, 3);

    // more bad lines than the server lists: ten in the table, the rest counted
    await page.getByTestId('source-paste').click();
    await page.getByTestId('import-paste').fill(MANY_BAD);
    await page.getByTestId('import-submit').click();
    await page.getByTestId('refused-more').waitFor();
    assert.deepEqual(
      await page.getByTestId('refused-line').allTextContents(),
      Array.from({ length: 10 }, (_, i) => String(i + 1)),
    );
    assert.equal(await page.getByTestId('refused-more').getAttribute('data-more'), '3');
    assert.match(await page.getByTestId('refused-more').innerText(), /另有 3 行有误未列出/);
    assert.match(await page.getByTestId('import-error').innerText(), /共 13 行有误/);
    assert.ok((await page.getByTestId('refused-reason').allTextContents()).every((r) => r.startsWith('严重程度（第 3 列）')));

    await page.getByTestId('import-dialog').getByRole('button', { name: '取消' }).click();
    assert.deepEqual(await tableRows(page), before);
    assert.equal(auditRows(srv.db, 'lexicon.import').length, imports, 'no import recorded');
    const r = await sec.call('GET', '/api/lexicons/local/export');
    assert.equal(r.body, GOOD);
  });

  test('an editor may try the check but not see the lexicons', async () => {
    const E = await newPage(browser);
    try {
      await uiSignIn(E.page, srv.url, 'bianji', STRONG);
      await E.page.goto(`${srv.url}/publish/lexicons`);
      await E.page.getByTestId('check-panel').waitFor();
      assert.equal(await E.page.getByTestId('lexicon-list').count(), 0);
      await E.page.getByTestId('check-text').fill('这里有测试禁词ＸＹ');
      await E.page.getByTestId('check-run').click();
      assert.deepEqual(await E.page.getByTestId('check-mark').allTextContents(), ['测试禁词ＸＹ']);
      assert.deepEqual(E.problems, []);
    } finally {
      await E.context.close();
    }
  });

  test('the system administrator sees the columns of the module but not the lexicon page', async () => {
    const A = await newPage(browser);
    try {
      await uiSignIn(A.page, srv.url, 'admin', STRONG, admin.totpSecret);
      await A.page.getByTestId('side-nav').waitFor();
      // the module shows them the columns they keep (栏目与来源), never the lexicons
      await A.page.getByTestId('nav-publish').click();
      await A.page.waitForURL(`${srv.url}/publish/columns`);
      assert.equal(await A.page.getByTestId('tab-lexicons').count(), 0);
      await A.page.goto(`${srv.url}/publish/lexicons`);
      await A.page.getByTestId('forbidden-page').waitFor();
      assert.equal((await A.page.getByTestId('forbidden-path').innerText()).trim(), '/publish/lexicons');
      assert.equal(await A.page.getByTestId('lexicons-page').count(), 0);
      await A.shot('lexicons-forbidden-zh');
      assert.deepEqual(A.problems, []);
    } finally {
      await A.context.close();
    }
  });

  test('no page errors and no CSP violations', async () => {
    assert.deepEqual(await S.cspViolations(), []);
    assert.deepEqual(S.problems, []);
  });
});
