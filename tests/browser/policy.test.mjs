// Browser test of the password policy page, in headless Chromium against a real `xinan serve`.
//
// Requirements: ACC-8/ACC-9 (the security administrator makes a profile stricter, never weaker
// than the regulatory minimum; the forms' hints follow the policy in force), ACC-6 (only the
// security administrator's policy.manage opens the page).
// The security administrator raises the users' minimum length and sees it saved; tries a
// length below the minimum and sees the Chinese refusal beside the input, with nothing stored;
// sends a value the server refuses and sees the server's Chinese message; uploads a weak-password
// list by pasting and sees its count. An ordinary user's password page then lists the new length.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee, userClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

let srv;
let browser;
let admin; // API client of the system administrator
let sec; // API client of the security administrator
let S; // the security administrator's tab
let page;

const byId = (id) => page.getByTestId(id);

async function stored(profile) {
  const r = await sec.call('GET', '/api/policy');
  assert.equal(r.status, 200, r.body);
  return r.json.items.find((p) => p.profile === profile);
}

describe('the password policy page', { timeout: 180_000 }, () => {
  before(async () => {
    srv = await startServer();
    admin = await adminClient(srv);
    sec = await enrolledAppointee(srv, admin, 'wangfang', 'secadmin', { realName: '王芳' });
    browser = await launch();
    S = await newPage(browser);
    page = S.page;
    await uiSignIn(page, srv.url, 'wangfang', STRONG, sec.totpSecret);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) {
      await srv.stop();
      srv.cleanup();
    }
  });

  test('the security administrator sees each profile\'s minimum beside the value in force', async () => {
    await page.goto(`${srv.url}/accounts/policy`);
    await byId('policy-page').waitFor();
    await byId('policy-user').waitFor();
    assert.match(await byId('policy-user').innerText(), /普通用户/);
    assert.match(await byId('policy-admin').innerText(), /管理员/);
    const row = byId('policy-admin').locator('tr[data-key="classes"]');
    assert.match(await row.innerText(), /字母、数字、特殊符号/);
    assert.equal(await byId('policy-user-min_length').locator('input').inputValue(), '10');
    await S.shot('policy-page');
  });

  test('raising the users\' minimum length is saved', async () => {
    const input = byId('policy-user-min_length').locator('input');
    await input.fill('12');
    await input.press('Tab');
    await byId('policy-save-user').click();
    await page.getByText('普通用户口令策略已保存').waitFor();
    const user = await stored('user');
    assert.equal(user.effective.min_length, 12);
    assert.deepEqual(user.overrides, { min_length: 12 });
    await page.waitForFunction(() => /wangfang/.test(document.querySelector('[data-testid="policy-updated-user"]')?.textContent || ''));
  });

  test('a value below the minimum is refused in Chinese and nothing weaker is stored', async () => {
    const input = byId('policy-admin-min_length').locator('input');
    await input.fill('8');
    await input.press('Tab');
    const hint = byId('policy-hint-admin-min_length');
    await hint.waitFor();
    assert.equal((await hint.innerText()).trim(), '不能低于最低要求 10，策略只能加严');
    assert.equal(await input.inputValue(), '10');
    await S.shot('policy-refused');
    // the server's own refusal is shown as it comes: a history longer than it allows
    const history = byId('policy-user-history').locator('input');
    await history.fill('30');
    await history.press('Tab');
    await byId('policy-save-user').click();
    const err = byId('policy-error-user');
    await err.waitFor();
    assert.match(await err.innerText(), /不得重复使用的历史密码个数必须在 0 到 24 之间/);
    const user = await stored('user');
    assert.equal(user.effective.history, 6);
    assert.equal(user.effective.min_length, 12);
    const adm = await stored('admin');
    assert.equal(adm.effective.min_length, 10);
    assert.equal(adm.updated_at, null);
  });

  test('a pasted weak-password list is uploaded; its count shows, its entries never', async () => {
    await page.locator('textarea#weak-text').fill('# 泄露口令\nHuangshan2024abc\nhuangshan2024ABC\nqwerty123456\n');
    await byId('weak-list-upload').click();
    await byId('weak-list-count').waitFor();
    assert.equal((await byId('weak-list-count').innerText()).trim(), '现有 2 条');
    assert.ok(!(await byId('weak-list').innerText()).toLowerCase().includes('huangshan'));
    // a file that is not UTF-8 is refused with the server's message
    await byId('weak-list-file').setInputFiles({ name: 'bad.txt', mimeType: 'text/plain', buffer: Buffer.from([0x61, 0x0a, 0xc3, 0x28, 0x0a]) });
    await byId('weak-list-upload').click();
    await byId('weak-list-error').waitFor();
    assert.match(await byId('weak-list-error').innerText(), /第 2 行不是有效的 UTF-8 文本/);
    assert.equal((await sec.call('GET', '/api/policy/weak-list')).json.entries, 2);
    assert.deepEqual(S.problems, []);
    assert.deepEqual(await S.cspViolations(), []);
  });

  test('an ordinary user\'s password page lists the length in force; the policy page is closed to them', async () => {
    await userClient(srv, admin, 'lina', { realName: '李娜' }); // its 12-character password meets the new minimum
    const U = await newPage(browser);
    try {
      await uiSignIn(U.page, srv.url, 'lina', STRONG);
      await U.page.goto(`${srv.url}/password`);
      const rule = U.page.locator('[data-testid="pw-rules"] li[data-rule="min_length"]');
      await U.page.waitForFunction(() => /12/.test(document.querySelector('li[data-rule="min_length"]')?.textContent || ''));
      assert.match(await rule.innerText(), /长度不少于 12 个字符/);
      // HS 附件4 §6 holds for every account: no meaningful word, ordinary users included
      assert.equal(await U.page.locator('li[data-rule="dictionary"]').count(), 1, 'the dictionary rule is listed');
      await U.page.goto(`${srv.url}/accounts/policy`);
      await U.page.getByTestId('forbidden-page').waitFor();
      assert.deepEqual(U.problems, []);
    } finally {
      await U.context.close();
    }
  });
});
