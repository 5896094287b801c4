// Browser test of 网友留言 (PUB-11) and 发布记录, in headless Chromium against a real
// `xinan serve` whose static site goes to a temporary directory (XINAN_PUBLISH_SITE_ROOT).
//
// An editor (信息员, who also publishes) enters a message through 登记留言, is told under the
// field when the subject is missing, assigns it to 城管科 (whose head is an ordinary account
// without any publishing permission) with a promise of 5 working days, and drafts the answer;
// an ordinary colleague who is not the head is refused with the server's Chinese reason; the
// head finds the answer through the user menu (留言答复审核) and approves it; the editor
// publishes it, sees its path, and the page is on the site. 发布记录 lists a published item
// with its path and a withdrawn one with who withdrew it and why, each leading to its page.
// Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, appointedClient, grantedClient, userClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

let srv; let site; let browser; let admin; let editor; let rev1; let head; let dept;
let messageId = 0;
let publishedItem = null; let withdrawnItem = null;

const SUBJECT = '幸福小区路灯不亮';
const ANSWER = '您好，幸福小区 3 栋旁的路灯已于 12 月 5 日修复。感谢您的监督。';

describe('public messages and the publication log in the browser', { timeout: 300_000 }, () => {
  before(async () => {
    const dir = tempDir();
    site = join(dir, 'site');
    srv = await startServer({ dir, env: { XINAN_PUBLISH_SITE_ROOT: site } });
    admin = await adminClient(srv);
    const sec = await appointedClient(srv, admin, 'sec1', 'secadmin', { realName: '周安全' });
    editor = await grantedClient(srv, admin, sec, 'editor1', 'editor', { realName: '王编辑' });
    rev1 = await grantedClient(srv, admin, sec, 'rev1', 'reviewer1', { realName: '刘一审' });
    // the head of 城管科: an ordinary account, no role at all
    head = await userClient(srv, admin, 'head1', { realName: '钱科长' });
    await userClient(srv, admin, 'clerk1', { realName: '孙科员' });
    const root = (await admin.call('GET', '/api/org')).json.items[0].id;
    let r = await admin.call('POST', '/api/org', { parent_id: root, name: '城管科', kind: 'department', head_user_id: head.id });
    assert.equal(r.status, 201, r.body);
    dept = r.json.id;
    // one item published and one withdrawn, for the publication log
    r = await admin.call('POST', '/api/columns', { name: '通知公告', path: 'tzgg', stale_days: 14 });
    assert.equal(r.status, 201, r.body);
    const column = r.json.id;
    const release = async (title) => {
      let x = await editor.call('POST', '/api/content', { title, column_id: column, class: 'A', body_html: `<p>${title}。</p>`, classified: false });
      assert.equal(x.status, 201, x.body);
      const id = x.json.id;
      x = await editor.call('POST', `/api/content/${id}/submit`);
      assert.equal(x.status, 200, x.body);
      x = await rev1.call('POST', `/api/content/${id}/review`, { decision: 'approve', comment: '同意' });
      assert.equal(x.json.state, 'approved', x.body);
      x = await editor.call('POST', `/api/content/${id}/publish`, {});
      assert.equal(x.status, 200, x.body);
      return x.json;
    };
    publishedItem = await release('关于调整办事大厅开放时间的通知');
    withdrawnItem = await release('消防演练安排');
    r = await rev1.call('POST', `/api/content/${withdrawnItem.id}/withdraw`, { reason: '演练改期' });
    assert.equal(r.status, 200, r.body);
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

  test('an editor enters a message, assigns it to 城管科 and drafts the answer', async () => {
    const E = await person('editor1');
    try {
      const page = E.page;
      await page.goto(`${srv.url}/publish`);
      await page.getByTestId('tab-publish-messages').click();
      await page.waitForURL(`${srv.url}/publish/messages`);
      await page.getByTestId('messages-page').waitFor();
      await page.getByTestId('msg-new').click();
      const dialog = page.getByTestId('msg-create-dialog');
      await page.getByTestId('msg-body').fill('幸福小区 3 栋旁的路灯已坏两周，夜间出行不便。');
      await page.getByTestId('msg-author').fill('张先生');
      await page.getByTestId('msg-contact').fill('138****0000');
      await page.getByTestId('msg-channel-phone').click();
      // the server's refusal under its field, nothing stored
      await page.getByTestId('msg-create-submit').click();
      const subjectError = dialog.locator('.el-form-item.is-error .el-form-item__error');
      await subjectError.waitFor();
      assert.match(await subjectError.innerText(), /留言标题/);
      assert.deepEqual((await editor.call('GET', '/api/messages')).json.items, []);
      await page.getByTestId('msg-subject').fill(SUBJECT);
      await page.getByTestId('msg-create-submit').click();
      await page.getByTestId('msg-drawer').waitFor();
      const list = (await editor.call('GET', '/api/messages')).json.items;
      assert.equal(list.length, 1);
      messageId = list[0].id;
      assert.equal(list[0].channel, 'phone');
      assert.equal(list[0].contact, '138****0000');
      assert.equal(await page.getByTestId('msg-drawer-state').getAttribute('data-state'), 'received');
      // no answer before it is assigned: only the assignment is offered
      assert.equal(await page.getByTestId('msg-answer-form').count(), 0);
      await page.getByTestId('msg-department').click();
      await page.locator('.msg-department-popper').getByText('城管科', { exact: true }).click();
      await page.getByTestId('msg-assign').click();
      await page.locator('[data-testid="msg-drawer-state"][data-state="assigned"]').waitFor();
      const due = (await editor.call('GET', '/api/messages')).json.items[0].due_date;
      assert.match(due, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal((await page.getByTestId('msg-drawer-due').innerText()).trim(), due);
      // an empty answer is refused under the answer field
      await page.getByTestId('msg-answer-submit').click();
      const answerError = page.getByTestId('msg-answer-form').locator('.el-form-item__error');
      await answerError.waitFor();
      assert.match(await answerError.innerText(), /答复内容/);
      await page.getByTestId('msg-answer').fill(ANSWER);
      await page.getByTestId('msg-answer-submit').click();
      await page.locator('[data-testid="msg-drawer-state"][data-state="answered"]').waitFor();
      assert.match(await page.getByTestId('msg-drawer-answer').innerText(), /12 月 5 日修复/);
      await E.shot('messages-answered');
      await page.keyboard.press('Escape');
      // the list: the state, the department and the promised day (not overdue)
      await page.locator(`[data-testid="msg-state-${messageId}"][data-state="answered"]`).waitFor();
      assert.equal(await page.getByTestId(`msg-due-${messageId}`).getAttribute('data-overdue'), 'false');
      assert.match(await page.locator(`.msg-row-${messageId}`).innerText(), /城管科/);
      await page.getByTestId('msg-filter-received').click();
      await page.waitForURL(/state=received/);
      await page.getByTestId('msg-table').getByText('暂无留言').waitFor();
      await page.getByTestId('msg-filter-answered').click();
      await page.getByTestId(`msg-subject-${messageId}`).waitFor();
      await clean(E);
    } finally {
      await E.context.close();
    }
  });

  test('one who is not the head of 城管科 is refused with the server\'s reason', async () => {
    // the answer is not waiting for a colleague who does not head 城管科
    const C = await person('clerk1');
    try {
      await C.page.goto(`${srv.url}/messages/review`);
      await C.page.getByTestId('msg-to-review').getByText('暂无待您审核的答复').waitFor();
      await clean(C);
    } finally {
      await C.context.close();
    }
    // an editor who is not the head is offered the review and refused by the server
    const E = await person('editor1');
    try {
      const page = E.page;
      await page.goto(`${srv.url}/publish/messages?state=answered`);
      await page.getByTestId(`msg-subject-${messageId}`).click();
      await page.getByTestId('msg-approve').click();
      const refusal = page.getByTestId('msg-act-error');
      await refusal.waitFor();
      assert.match(await refusal.innerText(), /只有承办部门负责人可以审核答复/);
      assert.equal((await editor.call('GET', '/api/messages')).json.items[0].state, 'answered');
      await clean(E);
    } finally {
      await E.context.close();
    }
  });

  test('the head, an ordinary user, finds the answer through the user menu and approves it', async () => {
    const H = await person('head1');
    try {
      const page = H.page;
      // no publishing module for the head
      assert.equal(await page.getByTestId('nav-publish').count(), 0);
      await page.getByTestId('user-menu').click();
      await page.getByTestId('menu-message-reviews').click();
      await page.waitForURL(`${srv.url}/messages/review`);
      await page.getByTestId(`review-msg-${messageId}`).click();
      await page.getByTestId('msg-drawer').waitFor();
      assert.match(await page.getByTestId('msg-drawer-answer').innerText(), /12 月 5 日修复/);
      assert.equal(await page.getByTestId('msg-assign-form').count(), 0);
      // sending back needs a comment: said under the comment field
      await page.getByTestId('msg-return').click();
      assert.match(await page.getByTestId('msg-review-form').locator('.el-form-item__error').innerText(), /审核意见/);
      await H.shot('messages-head-review');
      await page.getByTestId('msg-approve').click();
      await page.locator('[data-testid="msg-drawer-state"][data-state="approved"]').waitFor();
      const m = (await editor.call('GET', '/api/messages')).json.items[0];
      assert.equal(m.state, 'approved');
      assert.equal(m.reviewed_by, '钱科长');
      assert.equal(m.department_id, dept);
      await page.keyboard.press('Escape');
      await page.getByTestId('msg-to-review').getByText('暂无待您审核的答复').waitFor();
      await clean(H);
    } finally {
      await H.context.close();
    }
  });

  test('the editor publishes the answer and sees its path; the page is on the site', async () => {
    const E = await person('editor1');
    try {
      const page = E.page;
      await page.goto(`${srv.url}/publish/messages`);
      await page.locator(`[data-testid="msg-state-${messageId}"][data-state="approved"]`).waitFor();
      await page.getByTestId(`msg-subject-${messageId}`).click();
      await page.getByTestId('msg-publish').click();
      await page.locator('[data-testid="msg-drawer-state"][data-state="published"]').waitFor();
      const path = (await page.getByTestId('msg-drawer-path').innerText()).trim();
      assert.match(path, new RegExp(`${messageId}\\.html$`));
      const file = join(site, path);
      assert.ok(existsSync(file), `${file} on the site`);
      const html = readFileSync(file, 'utf8');
      assert.ok(html.includes(SUBJECT) && html.includes('12 月 5 日修复'));
      await E.shot('messages-published');
      await page.keyboard.press('Escape');
      await page.locator(`[data-testid="msg-state-${messageId}"][data-state="published"]`).waitFor();
      assert.equal(await page.getByTestId('msg-publish').count(), 0);
      await clean(E);
    } finally {
      await E.context.close();
    }
  });

  test('发布记录 lists the published item with its path, the withdrawn one with who and why', async () => {
    const E = await person('editor1');
    try {
      const page = E.page;
      await page.goto(`${srv.url}/publish`);
      await page.getByTestId('tab-publish-log').click();
      await page.waitForURL(`${srv.url}/publish/log`);
      const pub = page.getByTestId(`plog-path-${publishedItem.id}`);
      await pub.waitFor();
      assert.equal((await pub.innerText()).trim(), publishedItem.published_path);
      assert.match(await page.locator(`.plog-row-${publishedItem.id}`).innerText(), /通知公告/);
      assert.equal(await page.locator(`.plog-row-${withdrawnItem.id}`).count(), 0, 'withdrawn items in their own tab');
      await page.getByTestId('plog-tab-withdrawn').click();
      const w = page.getByTestId(`plog-withdrawal-${withdrawnItem.id}`);
      await w.waitFor();
      const text = await w.innerText();
      assert.match(text, /刘一审/);
      assert.match(text, /演练改期/);
      await E.shot('publish-log-withdrawn');
      await page.getByTestId('plog-tab-published').click();
      await page.getByTestId(`plog-item-${publishedItem.id}`).click();
      await page.waitForURL(`${srv.url}/publish/items/${publishedItem.id}`);
      await page.locator('[data-testid="item-state"][data-state="published"]').waitFor();
      await clean(E);
    } finally {
      await E.context.close();
    }
  });
});
