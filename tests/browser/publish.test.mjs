// Browser test of the publishing review (信息发布审核), in headless Chromium against a real
// `xinan serve` whose static site goes to a temporary directory (XINAN_PUBLISH_SITE_ROOT).
//
// Requirements: PUB-1 (the secrecy declaration), PUB-2 (a class B item through levels 1 and 2,
// 先审后发, 一事一审), PUB-3 (the review form's PDF), PUB-5/PUB-8 (a sensitive word marked in
// place, kept only with the reviewer's written reason), the release to the site.
//
// An editor (信息员) writes an item of class B in the rich-text editor, is stopped until the
// declaration is ticked, and submits it; the level-1 reviewer opens it from the queue, sees
// 全网最低价 marked in the body, is stopped until the reason is written, and approves; the
// level-2 reviewer sees the reason kept and approves; the editor publishes: the page shows the
// published path, the file is in the site directory with the approved text, and the review
// form downloads as a PDF. On a 390 px wide screen a reviewer works the queue and an item.
// Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, appointedClient, grantedClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { highlightSegments } from '../../web/src/text-offsets.js';

let srv; let site; let browser; let admin; let sec; let editor; let column;
let itemId = 0;

describe('publishing review in the browser', { timeout: 300_000 }, () => {
  before(async () => {
    const dir = tempDir();
    site = join(dir, 'site');
    srv = await startServer({ dir, env: { XINAN_PUBLISH_SITE_ROOT: site } });
    admin = await adminClient(srv);
    sec = await appointedClient(srv, admin, 'sec1', 'secadmin', { realName: '周安全' });
    editor = await grantedClient(srv, admin, sec, 'editor1', 'editor', { realName: '王编辑' });
    await grantedClient(srv, admin, sec, 'rev1', 'reviewer1', { realName: '刘一审' });
    await grantedClient(srv, admin, sec, 'rev2', 'reviewer2', { realName: '钱二审' });
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

  // Signs a person in on a fresh page; the caller closes its context.
  async function person(account, width = 1366) {
    const P = await newPage(browser);
    if (width !== 1366) await P.page.setViewportSize({ width, height: 844 });
    await uiSignIn(P.page, srv.url, account, STRONG);
    return P;
  }

  async function clean(P) {
    assert.deepEqual(P.problems, []);
    assert.deepEqual(await P.cspViolations(), []);
  }

  test('the hits of a title are marked by their byte offsets (no browser)', () => {
    const text = '本店全网最低价，欢迎选购。';
    const start = Buffer.byteLength('本店');
    const end = start + Buffer.byteLength('全网最低价');
    const pieces = highlightSegments(text, [{ start, end }]);
    assert.deepEqual(pieces.filter((p) => p.hits.length).map((p) => p.text), ['全网最低价']);
  });

  test('an editor writes a class B item in the editor, declares and submits it', async () => {
    const E = await person('editor1');
    try {
      const page = E.page;
      await page.goto(`${srv.url}/publish`);
      await page.getByTestId('publish-page').waitFor();
      await page.getByTestId('publish-new').click();
      await page.waitForURL(`${srv.url}/publish/new`);
      await page.getByTestId('item-title').fill('关于开展网络安全宣传周活动的通知');
      await page.getByTestId('item-column').click();
      await page.getByTestId(`item-column-${column}`).click();
      await page.getByTestId('item-class-B').click();
      assert.match(await page.getByTestId('item-levels-hint').innerText(), /一级、二级审核/);
      const body = page.getByTestId('editor-body');
      await body.click();
      await page.keyboard.type('各单位：宣传周期间请做好网站安全保障。');
      await page.keyboard.press('Enter');
      await page.keyboard.type('某店宣称全网最低价，请勿转发。');
      await page.getByTestId('tool-bold').click();
      await page.locator('[data-testid="tool-bold"].active').waitFor();
      await page.locator('[data-testid="editor-body"]:focus').waitFor();
      await page.keyboard.type('特此通知');
      // nothing is saved without the secrecy declaration
      await page.getByTestId('item-submit').click();
      assert.match(await page.getByTestId('item-form-error').innerText(), /不涉及国家秘密和工作秘密/);
      assert.equal(new URL(page.url()).pathname, '/publish/new');
      await page.getByTestId('item-declare').click();
      await E.shot('publish-editor');
      await page.getByTestId('item-submit').click();
      await page.waitForURL(/\/publish\/items\/\d+$/);
      itemId = Number(new URL(page.url()).pathname.split('/').pop());
      await page.locator('[data-testid="item-state"][data-state="review"]').waitFor();
      assert.match(await page.getByTestId('item-state').innerText(), /审核中.*一级审核/);
      assert.equal((await page.getByTestId('item-notice').innerText()).trim(), '已提交审核');
      assert.equal(await page.getByTestId('item-form').count(), 0, 'no editing under review');
      // the editor sees the hit marked too, and the levels ahead
      assert.deepEqual(await page.getByTestId('hit-mark').allInnerTexts(), ['全网最低价']);
      assert.equal(await page.getByTestId('level-1').getAttribute('data-state'), 'current');
      assert.equal(await page.getByTestId('level-2').getAttribute('data-state'), 'pending');
      const item = (await editor.call('GET', `/api/content/${itemId}`)).json;
      assert.equal(item.class, 'B');
      assert.equal(item.column_id, column);
      assert.match(item.body_html, /<strong>特此通知<\/strong>/);
      assert.match(item.body_html, /^<p>各单位：宣传周期间请做好网站安全保障。<\/p><p>某店宣称全网最低价/);
      assert.ok(item.body_text.includes('某店宣称全网最低价，请勿转发。'), item.body_text);
      await E.shot('publish-submitted');
      await clean(E);
    } finally {
      await E.context.close();
    }
  });

  test('the level-1 reviewer opens it from the queue, sees the hit in place, gives a reason and approves', async () => {
    assert.ok(itemId, 'the item of the test before');
    const R = await person('rev1');
    try {
      const page = R.page;
      await page.goto(`${srv.url}/publish`);
      await page.getByTestId(`queue-item-${itemId}`).waitFor();
      assert.equal((await page.getByTestId('queue-1-count').innerText()).trim(), '1');
      await R.shot('publish-queue');
      await page.getByTestId(`queue-item-${itemId}`).click();
      await page.waitForURL(`${srv.url}/publish/items/${itemId}`);
      await page.getByTestId('item-review').waitFor();
      // the hit marked where it is in the body text
      const mark = page.getByTestId('item-body-text').getByTestId('hit-mark');
      assert.deepEqual(await mark.allInnerTexts(), ['全网最低价']);
      assert.match(await mark.getAttribute('class'), /\bopen\b/);
      const text = await page.getByTestId('item-body-text').innerText();
      assert.ok(text.includes('某店宣称全网最低价，请勿转发。'), text);
      // approving without the reason is stopped on the page
      await page.getByTestId('review-approve').click();
      assert.match(await page.getByTestId('item-error').innerText(), /保留理由/);
      assert.equal(await page.getByTestId('level-1').getAttribute('data-state'), 'current');
      await page.getByTestId('hit-reason-input').fill('引用商家原话以提醒群众，予以保留');
      await page.getByTestId('review-comment').fill('同意');
      await page.getByTestId('review-approve').click();
      await page.locator('[data-testid="level-1"][data-state="done"]').waitFor();
      assert.match(await page.getByTestId('level-1').innerText(), /刘一审.*通过.*同意/s);
      assert.equal(await page.getByTestId('level-2').getAttribute('data-state'), 'current');
      assert.match(await page.getByTestId('hit-reason').innerText(), /刘一审.*引用商家原话/);
      assert.equal(await page.getByTestId('item-review').count(), 0, 'no second decision by the same person');
      await R.shot('publish-level1-approved');
      await clean(R);
    } finally {
      await R.context.close();
    }
  });

  test('the level-2 reviewer approves; the form is ready', async () => {
    const R = await person('rev2');
    try {
      const page = R.page;
      await page.goto(`${srv.url}/publish`);
      await page.getByTestId(`queue-item-${itemId}`).click();
      await page.getByTestId('item-review').waitFor();
      assert.match(await page.getByTestId('item-body-text').getByTestId('hit-mark').getAttribute('class'), /\bkept\b/);
      assert.equal(await page.getByTestId('hit-reason-input').count(), 0, 'the reason kept at level 1 holds');
      await page.getByTestId('review-approve').click();
      await page.locator('[data-testid="item-state"][data-state="approved"]').waitFor();
      assert.equal(await page.getByTestId('level-2').getAttribute('data-state'), 'done');
      await page.getByTestId('item-form-pdf').waitFor();
      await clean(R);
    } finally {
      await R.context.close();
    }
  });

  test('the editor publishes: the published path is shown, the page is on the site, the form downloads', async () => {
    const E = await person('editor1');
    try {
      const page = E.page;
      await page.goto(`${srv.url}/publish`);
      await page.getByTestId(`waiting-item-${itemId}`).click();
      await page.getByTestId('item-publish-now').click();
      await page.locator('[data-testid="item-state"][data-state="published"]').waitFor();
      const path = (await page.getByTestId('published-path').innerText()).trim();
      assert.equal(path, `tzgg/${itemId}.html`);
      const file = join(site, path);
      assert.ok(existsSync(file), `${file} on the site`);
      const html = readFileSync(file, 'utf8');
      assert.ok(html.includes('关于开展网络安全宣传周活动的通知'));
      assert.ok(html.includes('<strong>特此通知</strong>'));
      assert.equal(await page.getByTestId('item-withdraw').count(), 0, 'the editor may not withdraw');
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('item-form-pdf').click()]);
      assert.match(dl.suggestedFilename(), /审核表-\d+\.pdf$/);
      const saved = join(tempDir(), 'form.pdf');
      await dl.saveAs(saved);
      assert.equal(readFileSync(saved).subarray(0, 5).toString(), '%PDF-');
      await page.goto(`${srv.url}/publish`);
      await page.getByTestId(`recent-item-${itemId}`).waitFor();
      assert.match(await page.getByTestId(`recent-item-${itemId}`).innerText(), new RegExp(`tzgg/${itemId}\\.html`));
      await E.shot('publish-published');
      await clean(E);
    } finally {
      await E.context.close();
    }
  });

  test('on a 390 px wide screen the queue and the item page are usable', async () => {
    let r = await editor.call('POST', '/api/content', { title: '手机审核样稿', column_id: column, class: 'A', body_html: '<p>本周五下午开展消防演练。</p>', classified: false });
    assert.equal(r.status, 201, r.body);
    const id = r.json.id;
    r = await editor.call('POST', `/api/content/${id}/submit`);
    assert.equal(r.status, 200, r.body);
    const R = await person('rev1', 390);
    try {
      const page = R.page;
      // nothing wider than the screen, and every panel inside the main column
      const fits = () =>
        page.evaluate(() => {
          const main = document.querySelector('[data-testid="main-content"]').getBoundingClientRect();
          const panels = [...document.querySelectorAll('[data-testid="main-content"] .panel')];
          return document.documentElement.scrollWidth <= window.innerWidth + 1 && panels.every((p) => p.getBoundingClientRect().right <= main.right + 1);
        });
      await page.goto(`${srv.url}/publish`);
      const card = page.getByTestId(`queue-item-${id}`);
      await card.waitFor();
      assert.ok(await fits(), 'the workbench fits the screen');
      const box = await card.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `card inside the screen: ${JSON.stringify(box)}`);
      await R.shot('publish-phone-queue');
      await card.click();
      await page.getByTestId('item-review').waitFor();
      assert.ok(await fits(), 'the item page fits the screen');
      const approve = page.getByTestId('review-approve');
      await approve.scrollIntoViewIfNeeded();
      const b = await approve.boundingBox();
      assert.ok(b.x >= 0 && b.x + b.width <= 390, `approve inside the screen: ${JSON.stringify(b)}`);
      await approve.click();
      await page.locator('[data-testid="item-state"][data-state="approved"]').waitFor();
      await R.shot('publish-phone-item');
      await clean(R);
    } finally {
      await R.context.close();
    }
  });
  test('the system administrator adds a column; a bad path is refused with the server\'s reason', async () => {
    await sec.call('POST', '/api/publish/sources', { name: '新华网', url: 'https://www.news.cn/' });
    const A = await newPage(browser);
    try {
      const page = A.page;
      await uiSignIn(page, srv.url, 'admin', STRONG, admin.totpSecret);
      await page.getByTestId('nav-publish').click();
      await page.waitForURL(`${srv.url}/publish/columns`);
      await page.getByTestId('columns-table').getByText('通知公告').waitFor();
      // reprint sources are the security administrator's: listed, not kept here
      await page.getByTestId('sources-table').getByText('新华网').waitFor();
      assert.equal(await page.getByTestId('source-form').count(), 0);
      await page.getByTestId('column-name').fill('坏路径');
      await page.getByTestId('column-path').fill('../etc');
      await page.getByTestId('column-add').click();
      assert.match(await page.getByTestId('column-error').innerText(), /[\u4e00-\u9fa5]/);
      await page.getByTestId('column-name').fill('政务动态');
      await page.getByTestId('column-path').fill('zwdt/dt');
      await page.getByTestId('column-add').click();
      await page.getByTestId('columns-table').getByText('政务动态').waitFor();
      const cols = (await admin.call('GET', '/api/columns')).json.items;
      assert.ok(cols.some((c) => c.name === '政务动态' && c.path === 'zwdt/dt' && c.stale_days === 14));
      assert.ok(!cols.some((c) => c.name === '坏路径'));
      await A.shot('publish-columns');
      await clean(A);
    } finally {
      await A.context.close();
    }
  });
});
