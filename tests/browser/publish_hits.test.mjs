// Browser test of the check hits marked in place in the rich-text editor (PUB-5, PUB-8, PUB-9,
// PUB-13), in headless Chromium against a real `xinan serve`.
//
// An editor (信息员) types a body with 全网最低价 and a citizen's ID card number: before anything
// is saved the live check (POST /api/text/check) marks the words yellow (to handle) and the
// number red (to remove) inside the editor, each with its rule as the title. The draft is
// saved without the marks in its HTML; reopened, the editor marks the saved hits again. A
// level-1 reviewer who amends the submitted text sees the hit marked in the editor as well.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, appointedClient, grantedClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { hitRanges } from '../../web/src/hit-marks.js';

const ID_CARD = '11010519491231002X';

let srv; let browser; let admin; let sec; let editor; let column;
let itemId = 0;

describe('check hits marked in the editor', { timeout: 300_000 }, () => {
  before(async () => {
    srv = await startServer({ dir: tempDir() });
    admin = await adminClient(srv);
    sec = await appointedClient(srv, admin, 'sec1', 'secadmin', { realName: '周安全' });
    editor = await grantedClient(srv, admin, sec, 'editor1', 'editor', { realName: '王编辑' });
    await grantedClient(srv, admin, sec, 'rev1', 'reviewer1', { realName: '刘一审' });
    const r = await admin.call('POST', '/api/columns', { name: '通知公告', path: 'tzgg', stale_days: 14 });
    assert.equal(r.status, 201, r.body);
    column = r.json.id;
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) {
      await srv.stop();
      srv.cleanup();
    }
  });

  async function person(account) {
    const P = await newPage(browser);
    await uiSignIn(P.page, srv.url, account, STRONG);
    return P;
  }

  async function clean(P) {
    assert.deepEqual(P.problems, []);
    assert.deepEqual(await P.cspViolations(), []);
  }

  // the marks inside the editor: [{ text, cls, title }]
  const marks = (page) =>
    page.locator('[data-testid="editor-body"] .xn-hit').evaluateAll((els) => els.map((e) => ({ text: e.textContent, cls: e.className, title: e.title })));

  test('hits are placed by byte offsets into the laid-out document, or found by their words (no browser)', () => {
    // "甲乙" in one block (positions 1..2), "丙全网最低价" in the next (positions 5..10)
    const laid = { text: '甲乙\n丙全网最低价', pos: [1, 2, -1, 5, 6, 7, 8, 9, 10] };
    const start = Buffer.byteLength('甲乙\n丙');
    const hit = { text: '全网最低价', in: 'body', start, end: start + Buffer.byteLength('全网最低价') };
    assert.deepEqual(hitRanges(laid, [hit], '甲乙\n丙全网最低价\n').map(({ from, to }) => [from, to]), [[6, 11]]);
    // a text changed since the check: found by the words; a masked one is not found
    const masked = { text: '110***', in: 'body', start: 0, end: 3 };
    assert.deepEqual(hitRanges(laid, [hit, masked], '别的文字').map(({ from, to }) => [from, to]), [[6, 11]]);
    // a hit over a line end is one range per line
    assert.deepEqual(hitRanges(laid, [{ in: 'body', start: 0, end: start }], laid.text).map(({ from, to }) => [from, to]), [[1, 3], [5, 6]]);
  });

  test('the live check marks the hits in the editor while typing; the saved draft marks them again', async () => {
    const E = await person('editor1');
    try {
      const page = E.page;
      await page.goto(`${srv.url}/publish/new`);
      await page.getByTestId('item-title').fill('关于商品宣传用语的提醒');
      await page.getByTestId('item-column').click();
      await page.getByTestId(`item-column-${column}`).click();
      await page.getByTestId('editor-body').click();
      await page.keyboard.type('各单位：某店宣称全网最低价，请勿转发。');
      await page.keyboard.press('Enter');
      await page.keyboard.type(`来电人身份证号${ID_CARD}。`);
      const word = page.locator('[data-testid="editor-body"] .xn-hit.open', { hasText: '全网最低价' });
      await word.waitFor();
      await page.locator('[data-testid="editor-body"] .xn-hit.remove', { hasText: ID_CARD }).waitFor();
      const shown = await marks(page);
      assert.deepEqual(shown.map((m) => [m.text, m.cls]), [['全网最低价', 'xn-hit open'], [ID_CARD, 'xn-hit remove']]);
      assert.equal(shown[0].title, '全网最低价：修改或说明理由后保留');
      assert.match(shown[1].title, /：必须删除$/);
      assert.ok(!shown[1].title.includes(ID_CARD), 'personal data only masked in the title');
      // nothing saved before the author saves
      assert.equal(new URL(page.url()).pathname, '/publish/new');
      // a word removed: its mark goes after the next check
      await page.keyboard.press('Control+A');
      await page.keyboard.type('各单位：某店宣称全网最低价，请勿转发。');
      await page.locator('[data-testid="editor-body"] .xn-hit.remove').waitFor({ state: 'detached' });
      await word.waitFor();
      await E.shot('publish-hits-live');
      await page.getByTestId('item-declare').click();
      await page.getByTestId('item-save').click();
      await page.waitForURL(/\/publish\/items\/\d+$/);
      itemId = Number(new URL(page.url()).pathname.split('/').pop());
      const item = (await editor.call('GET', `/api/content/${itemId}`)).json;
      assert.ok(!/xn-hit|editor-hit/.test(item.body_html), item.body_html);
      assert.deepEqual(item.checks.hits.map((h) => h.text), ['全网最低价']);
      // the text checked is the editor's text line for line, so the offsets place the marks
      assert.equal(item.body_text.replace(/\n+$/, ''), '各单位：某店宣称全网最低价，请勿转发。');
      await clean(E);
    } finally {
      await E.context.close();
    }
    // reopened in a fresh page, without typing: the saved hits by their offsets
    const R = await person('editor1');
    try {
      const page = R.page;
      await page.goto(`${srv.url}/publish/items/${itemId}`);
      await page.locator('[data-testid="editor-body"] .xn-hit.open', { hasText: '全网最低价' }).waitFor();
      assert.deepEqual((await marks(R.page)).map((m) => [m.text, m.title]), [['全网最低价', '全网最低价：修改或说明理由后保留']]);
      // the side view marks it too
      assert.deepEqual(await page.getByTestId('item-body-text').getByTestId('hit-mark').allInnerTexts(), ['全网最低价']);
      await R.shot('publish-hits-reopened');
      await clean(R);
    } finally {
      await R.context.close();
    }
  });

  test('the reviewer who amends sees the hit marked in the editor', async () => {
    assert.ok(itemId, 'the draft of the test before');
    const r = await editor.call('POST', `/api/content/${itemId}/submit`);
    assert.equal(r.status, 200, r.body);
    const R = await person('rev1');
    try {
      const page = R.page;
      await page.goto(`${srv.url}/publish/items/${itemId}`);
      await page.getByTestId('review-amend').click();
      await page.locator('[data-testid="editor-body"] .xn-hit.open', { hasText: '全网最低价' }).waitFor();
      // a second occurrence typed by the reviewer is marked by the live check
      await page.getByTestId('editor-body').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('全网最低价');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="editor-body"] .xn-hit').length === 2);
      assert.deepEqual((await marks(page)).map((m) => m.text), ['全网最低价', '全网最低价']);
      await clean(R);
    } finally {
      await R.context.close();
    }
  });
});
