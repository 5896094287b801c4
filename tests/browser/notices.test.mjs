// Browser test of a security notice reaching its reader through the bell (RSK-3, ZJ 41), in
// headless Chromium against a real `xinan serve`. The security administrator sends a
// vulnerability notice to 技术人员; a member signs in, sees the bell's count, opens the item and
// lands on 安全通报, opens the notice there and its reading is recorded (已读, and the sender's
// count 1/1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { STRONG, adminClient, appointedClient, userClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

let srv; let browser; let sec; let tech;

describe('a notice from the bell', { timeout: 180_000 }, () => {
  before(async () => {
    srv = await startServer();
    const admin = await adminClient(srv);
    sec = await appointedClient(srv, admin, 'sec1', 'secadmin', { realName: '周安全' });
    tech = await userClient(srv, admin, 'tech1', { realName: '技术员' });
    const g = await admin.call('POST', '/api/notify/groups', { name: '技术人员', members: [{ user_id: tech.id }], channels: [1] });
    assert.equal(g.status, 201, g.body);
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  test('the reader opens the notice from the bell and the sender sees it read', async () => {
    const r = await sec.call('POST', '/api/notices', { kind: 'vulnerability', title: 'OpenSSH 高危漏洞通报', body: '请于本周内升级所有服务器的 OpenSSH。', group: '技术人员' });
    assert.equal(r.status, 200, r.body);
    const id = r.json.items[0].id;
    const S = await newPage(browser);
    await uiSignIn(S.page, srv.url, 'tech1', STRONG);
    await S.page.getByTestId('bell-count').filter({ hasText: '1' }).waitFor();
    await S.page.getByTestId('bell').click();
    await S.page.getByTestId('bell-item-oblig.notice').click();
    await S.page.waitForURL('**/calendar/notices');
    await S.page.getByTestId('notices-page').waitFor();
    assert.equal(await S.page.getByTestId(`notice-state-${id}`).getAttribute('data-state'), 'unread');
    await S.page.getByTestId(`notice-open-${id}`).click();
    assert.match(await S.page.getByTestId('notice-body').innerText(), /升级所有服务器的 OpenSSH/);
    await S.page.getByTestId('notice-read-at').waitFor();
    await S.shot('notice-from-bell');
    await S.page.getByTestId('notice-close').click();
    await S.page.getByTestId(`notice-state-${id}`).and(S.page.locator('[data-state="read"]')).waitFor();
    const all = (await sec.call('GET', '/api/notices')).json.items.find((n) => n.id === id);
    assert.equal(all.read, 1);
    assert.equal(all.recipients, 1);
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });
});
