// Browser test of inspections, rectification and security notices, in headless Chromium against
// a real `xinan serve` and a real clamd.
//
// Requirements: RSK-1/RSK-2 (self-inspections and risk assessments as a checklist of the
// catalogue; an issue becomes a rectification with an owner and a deadline, reported done by its
// owner and verified by someone else), RSK-3 (notices to a group with read receipts).
//
// The security administrator opens 合规日历 → 检查评估 and starts a self-inspection of three
// ids (a missing name refused under its field), records 符合 for one and an issue for another
// (the note asked for under the row first) and sends the issue to a 网络管理员 as a
// rectification (its description asked for under its field first). The 网络管理员 finds it in
// 整改 → 我的整改 and reports it done with a clean evidence file; the security administrator
// verifies it (sending back without a note refused under the note) and 合规报告 shows RSK-2 符合.
// A notice sent to a group of two (an unknown group refused under its field) is opened by one
// member, marked 已读, and shows 1/2 已读 to the sender. Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee, grantedClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { startClamd } from '../lib/clamd.mjs';
import { chosenIds, idsOfAreas, inspectionDone, myOpen, noteRequired, progressPercent, readCount, toVerify } from '../../web/src/inspections.js';

describe('the inspection helpers, without a browser', () => {
  test('progress, the chosen ids, whose rectification is whose, read counts', () => {
    assert.equal(progressPercent({ items: 3, checked: 2 }), 67);
    assert.equal(progressPercent({ items: 0, checked: 0 }), 0);
    assert.ok(inspectionDone({ items: 2, checked: 2, open_rectifications: 0 }));
    assert.ok(!inspectionDone({ items: 2, checked: 2, open_rectifications: 1 }));
    assert.ok(!inspectionDone({ items: 2, checked: 1, open_rectifications: 0 }));
    const cat = [{ id: 'ACC-1', area: 'ACC' }, { id: 'ACC-2', area: 'ACC' }, { id: 'AUD-1', area: 'AUD' }];
    assert.equal(chosenIds(cat, 'all', ['ACC-1']), null);
    assert.deepEqual(chosenIds(cat, 'chosen', ['AUD-1', 'ACC-1', 'NOPE-1', 'ACC-1']), ['ACC-1', 'AUD-1']);
    assert.deepEqual(idsOfAreas(cat, ['ACC']), ['ACC-1', 'ACC-2']);
    assert.ok(!noteRequired('ok') && noteRequired('issue') && noteRequired('na'));
    const rects = [
      { id: 1, owner_id: 7, state: 'open' },
      { id: 2, owner_id: 7, state: 'done' },
      { id: 3, owner_id: 8, state: 'done' },
      { id: 4, owner_id: 8, state: 'verified' },
    ];
    assert.deepEqual(myOpen(rects, 7).map((r) => r.id), [1]);
    assert.deepEqual(toVerify(rects, 7).map((r) => r.id), [3]);
    assert.deepEqual(toVerify(rects, 9).map((r) => r.id), [2, 3]);
    assert.equal(readCount({ read: 3, recipients: 5 }), '3/5');
  });
});

let srv; let clamd; let browser; let admin; let sec; let net; let lead; let work;
let secPage = null; // the security administrator's page, signed in once (a TOTP step is used once)

// The error Element Plus shows under the form item holding the test id.
const fieldError = (page, dialogId, testId) =>
  page.getByTestId(dialogId).locator('.el-form-item').filter({ has: page.getByTestId(testId) }).locator('.el-form-item__error');

describe('inspections, rectification and notices', { timeout: 300_000 }, () => {
  before(async () => {
    clamd = await startClamd();
    srv = await startServer({ env: { XINAN_FILES_CLAMD: clamd.socket } });
    admin = await adminClient(srv);
    sec = await enrolledAppointee(srv, admin, 'zhouan', 'secadmin', { realName: '周安全' });
    net = await grantedClient(srv, admin, sec, 'net1', 'network_admin', { realName: '郑网络' });
    lead = await grantedClient(srv, admin, sec, 'lead1', 'leader', { realName: '张领导' });
    work = tempDir();
    writeFileSync(join(work, '设备台账补登.txt'), '机房服务器 2 台已补登\n');
    browser = await launch();
  });

  after(async () => {
    if (secPage) await secPage.context.close();
    if (browser) await browser.close();
    if (srv) await srv.stop();
    if (clamd) await clamd.stop();
  });

  test('the security administrator starts a self-inspection, records findings and assigns a rectification', async () => {
    const before = (await lead.call('GET', '/api/compliance')).json.items.find((i) => i.id === 'RSK-2');
    assert.equal(before.status, 'no_evidence');
    secPage = await newPage(browser);
    const S = secPage;
    const page = S.page;
    await uiSignIn(page, srv.url, 'zhouan', STRONG, sec.totpSecret);
    await page.getByTestId('nav-calendar').click();
    await page.getByTestId('tab-inspections').click();
    await page.waitForURL(`${srv.url}/calendar/inspections`);
    await page.getByTestId('inspections-page').waitFor();

    await page.getByTestId('inspections-start').click();
    const dialog = 'inspection-start-dialog';
    await page.getByTestId(dialog).waitFor();
    await page.getByTestId('inspection-scope-chosen').click();
    await page.getByTestId('inspection-ids').click();
    for (const id of ['ACC-8', 'AUD-3', 'LED-1']) await page.getByTestId(`inspection-id-${id}`).click();
    assert.match(await page.getByTestId('inspection-chosen-count').innerText(), /已选 3 项/);
    // no name: the server's message under the name
    await page.getByTestId(dialog).locator('.el-dialog__title').click();
    await page.getByTestId('inspection-start-submit').click();
    const titleError = fieldError(page, dialog, 'inspection-title');
    await titleError.waitFor();
    assert.match(await titleError.innerText(), /检查名称/);
    assert.equal((await sec.call('GET', '/api/inspections')).json.items.length, 0, 'nothing stored');
    await page.getByTestId('inspection-title').fill('2026 年下半年安全自查');
    await page.getByTestId('inspection-start-submit').click();
    await page.waitForURL(/\/calendar\/inspections\/\d+$/);
    await page.getByTestId('inspection-page').waitFor();
    const id = Number(page.url().split('/').pop());
    for (const req of ['ACC-8', 'AUD-3', 'LED-1']) await page.getByTestId(`insp-row-${req}`).waitFor();
    assert.equal((await page.getByTestId('inspection-title-text').innerText()).trim(), '2026 年下半年安全自查');
    assert.equal(await page.getByTestId('inspection-progress').getAttribute('data-items'), '3');

    // 符合 needs no note
    await page.getByTestId('insp-finding-ACC-8-ok').click();
    await page.getByTestId('insp-save-ACC-8').click();
    await page.locator('[data-testid="insp-row-ACC-8"][data-finding="ok"]').waitFor();
    assert.match(await page.getByTestId('insp-saved-ACC-8').innerText(), /符合 · 周安全/);
    // an issue does: the server's message under the row, then saved with one
    await page.getByTestId('insp-finding-LED-1-issue').click();
    await page.getByTestId('insp-save-LED-1').click();
    const rowError = page.getByTestId('insp-error-LED-1');
    await rowError.waitFor();
    assert.match(await rowError.innerText(), /检查记录/);
    assert.equal(await rowError.getAttribute('data-field'), 'note');
    await page.getByTestId('insp-note-LED-1').fill('机房两台服务器未登记');
    await page.getByTestId('insp-save-LED-1').click();
    await page.locator('[data-testid="insp-row-LED-1"][data-finding="issue"]').waitFor();
    assert.equal(await page.getByTestId('insp-error-LED-1').count(), 0);
    await page.locator('[data-testid="inspection-progress"][data-checked="2"]').waitFor();
    assert.equal(await page.getByTestId('inspection-issue-count').getAttribute('data-count'), '1');
    // only the issue is sent for rectification
    assert.equal(await page.getByTestId('insp-rectify-ACC-8').count(), 0);
    assert.equal(await page.getByTestId('insp-rectify-AUD-3').count(), 0);

    await page.getByTestId('insp-rectify-LED-1').click();
    const rd = 'rectify-dialog';
    await page.getByTestId(rd).waitFor();
    assert.match(await page.getByTestId(rd).innerText(), /机房两台服务器未登记/);
    await page.getByTestId('rectify-submit').click();
    const descError = fieldError(page, rd, 'rectify-description');
    await descError.waitFor();
    assert.match(await descError.innerText(), /整改/);
    await page.getByTestId('rectify-description').fill('补登设备台账');
    await page.getByTestId('rectify-owner').click();
    await page.getByTestId('rectify-owner-net1').click();
    await page.getByTestId('rectify-days').locator('input').fill('5');
    await S.shot('inspection-rectify');
    await page.getByTestId('rectify-submit').click();
    await page.getByTestId(rd).waitFor({ state: 'hidden' });
    const rect = page.getByTestId('insp-rect-LED-1');
    await rect.waitFor();
    assert.match(await rect.innerText(), /整改中\s*郑网络/);
    assert.match(await page.getByTestId('inspection-notice').innerText(), /已下发整改 LED-1：责任人 郑网络/);
    assert.equal(await page.getByTestId('insp-rectify-LED-1').count(), 0, 'one open rectification at a time');
    await S.shot('inspection-checklist');

    const api = (await sec.call('GET', `/api/inspections/${id}`)).json;
    assert.deepEqual(api.checklist.map((c) => [c.req_id, c.finding]), [['ACC-8', 'ok'], ['AUD-3', ''], ['LED-1', 'issue']]);
    assert.equal(api.rectifications[0].owner, '郑网络');
    assert.equal(api.rectifications[0].description, '补登设备台账');

    // the list shows its progress
    await page.getByTestId('inspection-back').click();
    await page.waitForURL(`${srv.url}/calendar/inspections`);
    await page.locator(`[data-testid="inspection-progress-${id}"][data-checked="2"][data-items="3"]`).waitFor();
    assert.equal((await page.getByTestId(`inspection-open-rects-${id}`).innerText()).trim(), '1');
    assert.deepEqual(await S.cspViolations(), []);
    assert.deepEqual(S.problems, []);
  });

  test('the 网络管理员 reports the rectification done with a clean evidence file', async () => {
    const [item] = (await net.call('GET', '/api/rectifications?state=open')).json.items;
    const S = await newPage(browser);
    const page = S.page;
    await uiSignIn(page, srv.url, 'net1', STRONG);
    await page.getByTestId('nav-calendar').click();
    await page.getByTestId('tab-rectifications').click();
    await page.waitForURL(`${srv.url}/calendar/rectifications`);
    await page.getByTestId('rectifications-page').waitFor();
    await page.locator('[data-testid="rect-view-mine"][data-count="1"]').waitFor();
    // not a security administrator: no verification, no list of all
    assert.equal(await page.getByTestId('rect-view-verify').count(), 0);
    assert.equal((await page.getByTestId(`rect-description-${item.id}`).innerText()).trim(), '补登设备台账');

    await page.getByTestId(`rect-done-${item.id}`).click();
    const dialog = 'rect-done-dialog';
    await page.getByTestId(dialog).waitFor();
    await page.getByTestId('rect-done-submit').click();
    const noteError = fieldError(page, dialog, 'rect-done-note');
    await noteError.waitFor();
    assert.match(await noteError.innerText(), /整改情况/);
    await page.getByTestId('rect-done-note').fill('已补登两台服务器');
    await page.getByTestId('rect-done-input').setInputFiles(join(work, '设备台账补登.txt'));
    await page.locator('[data-testid="rect-done-scan"][data-scan="clean"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('rect-done-submit').click();
    await page.getByTestId(dialog).waitFor({ state: 'hidden' });
    assert.match(await page.getByTestId('rectifications-notice').innerText(), /已提交整改结果：LED-1 补登设备台账/);
    await page.locator(`[data-testid="rect-state-${item.id}"][data-state="done"]`).waitFor();
    assert.equal((await page.getByTestId(`rect-state-${item.id}`).innerText()).trim(), '待验证');
    assert.equal(await page.getByTestId(`rect-done-${item.id}`).count(), 0);
    await page.locator('[data-testid="rect-view-mine"][data-count="0"]').waitFor();
    await S.shot('rectification-done');
    const api = (await net.call('GET', '/api/rectifications')).json.items.find((r) => r.id === item.id);
    assert.equal(api.state, 'done');
    assert.ok(api.file_id > 0, 'the evidence file is kept with it');
    assert.deepEqual(await S.cspViolations(), []);
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });

  test('the security administrator verifies it and 合规报告 shows RSK-2 符合', async () => {
    const page = secPage.page;
    await page.getByTestId('tab-rectifications').click();
    await page.waitForURL(`${srv.url}/calendar/rectifications`);
    await page.getByTestId('rect-view-verify').click();
    await page.locator('[data-testid="rect-view-verify"][data-count="1"]').waitFor();
    const [item] = (await sec.call('GET', '/api/rectifications?state=done')).json.items;
    await page.getByTestId(`rect-verify-${item.id}`).click();
    const dialog = 'rect-verify-dialog';
    await page.getByTestId(dialog).waitFor();
    assert.match(await page.getByTestId(dialog).innerText(), /已补登两台服务器/);
    // the owner's evidence file, as uploaded
    await page.keyboard.press('Escape');
    await page.getByTestId(dialog).waitFor({ state: 'hidden' });
    const [got] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`rect-file-${item.id}`).click()]);
    assert.equal(readFileSync(await got.path(), 'utf8'), '机房服务器 2 台已补登\n');
    await page.getByTestId(`rect-verify-${item.id}`).click();
    await page.getByTestId(dialog).waitFor();
    // sending back needs a note
    await page.getByTestId('rect-verify-approve-no').click();
    await page.getByTestId('rect-verify-submit').click();
    const noteError = fieldError(page, dialog, 'rect-verify-note');
    await noteError.waitFor();
    assert.match(await noteError.innerText(), /验证意见/);
    assert.equal((await sec.call('GET', '/api/rectifications?state=done')).json.items.length, 1, 'nothing changed');
    await page.getByTestId('rect-verify-approve-yes').click();
    await page.getByTestId('rect-verify-note').fill('已现场核实');
    await page.getByTestId('rect-verify-submit').click();
    await page.getByTestId(dialog).waitFor({ state: 'hidden' });
    assert.match(await page.getByTestId('rectifications-notice').innerText(), /已验证通过：LED-1（郑网络）/);
    await page.getByTestId('rect-view-all').click();
    await page.locator(`[data-testid="rect-state-${item.id}"][data-state="verified"]`).waitFor();
    assert.equal((await page.getByTestId(`rect-state-${item.id}`).innerText()).trim(), '已验证');
    await secPage.shot('rectification-verified');

    await page.getByTestId('tab-compliance').click();
    await page.waitForURL(`${srv.url}/calendar/compliance`);
    await page.getByTestId('compliance-search').fill('RSK-2');
    const status = page.getByTestId('compliance-row-status-RSK-2');
    await status.waitFor();
    assert.equal(await status.getAttribute('data-status'), 'met');
    assert.equal((await status.innerText()).trim(), '符合');
    assert.deepEqual(await secPage.cspViolations(), []);
    assert.deepEqual(secPage.problems, []);
  });

  test('a notice to a group is read by a member and shows 1/2 已读 to its sender', async () => {
    const g = await admin.call('POST', '/api/notify/groups', { name: '技术人员', members: [{ user_id: net.id }, { user_id: lead.id }], channels: [1] });
    assert.equal(g.status, 201, g.body);
    const page = secPage.page;
    await page.getByTestId('tab-notices').click();
    await page.waitForURL(`${srv.url}/calendar/notices`);
    await page.getByTestId('notices-page').waitFor();
    await page.getByTestId('notices-send').click();
    const dialog = 'notice-send-dialog';
    await page.getByTestId(dialog).waitFor();
    await page.getByTestId('notice-kind-vulnerability').click();
    await page.getByTestId('notice-title').fill('OpenSSH 高危漏洞通报');
    await page.getByTestId('notice-body-input').fill('请于本周内升级所有服务器的 OpenSSH。');
    // the security administrator holds no notify.manage: the group is named
    await page.getByTestId('notice-group').fill('不存在的组');
    await page.getByTestId('notice-send-submit').click();
    const groupError = fieldError(page, dialog, 'notice-group');
    await groupError.waitFor();
    assert.match(await groupError.innerText(), /通知组“不存在的组”不存在或没有成员/);
    await page.getByTestId('notice-group').fill('技术人员');
    await page.getByTestId('notice-send-submit').click();
    await page.getByTestId(dialog).waitFor({ state: 'hidden' });
    assert.match(await page.getByTestId('notices-notice').innerText(), /已发送“OpenSSH 高危漏洞通报”，接收人 2 名/);
    const [n] = (await sec.call('GET', '/api/notices')).json.items;
    const receipts = page.getByTestId(`notice-receipts-${n.id}`);
    assert.equal((await receipts.innerText()).trim(), '0/2 已读');

    const R = await newPage(browser);
    await uiSignIn(R.page, srv.url, 'net1', STRONG);
    await R.page.getByTestId('nav-calendar').click();
    await R.page.getByTestId('tab-notices').click();
    await R.page.waitForURL(`${srv.url}/calendar/notices`);
    const state = R.page.getByTestId(`notice-state-${n.id}`);
    await state.waitFor();
    assert.equal((await state.innerText()).trim(), '未读');
    assert.equal(await R.page.getByTestId(`notice-receipts-${n.id}`).count(), 0, 'a recipient sees no one else’s reading');
    await R.page.getByTestId(`notice-open-${n.id}`).click();
    await R.page.getByTestId('notice-dialog').waitFor();
    assert.match(await R.page.getByTestId('notice-body').innerText(), /请于本周内升级所有服务器的 OpenSSH/);
    await R.page.getByTestId('notice-read-at').waitFor();
    await R.shot('notice-read');
    await R.page.getByTestId('notice-close').click();
    await R.page.locator(`[data-testid="notice-state-${n.id}"][data-state="read"]`).waitFor();
    assert.equal((await state.innerText()).trim(), '已读');
    assert.deepEqual(await R.cspViolations(), []);
    assert.deepEqual(R.problems, []);
    await R.context.close();

    await page.getByTestId('notices-refresh').click();
    await page.locator(`[data-testid="notice-receipts-${n.id}"][data-read="1"]`).waitFor();
    assert.equal((await receipts.innerText()).trim(), '1/2 已读');
    await secPage.shot('notice-receipts');
    assert.deepEqual(await secPage.cspViolations(), []);
    assert.deepEqual(secPage.problems, []);
  });
});
