// Browser test of the generic register page, in headless Chromium against a real
// `xinan serve`.
//
// Requirements: LED-1 (the device register kept as data), LED-4 (lending as a transition with
// its own fields), AUD-1 (every change in the row's history).
//
// A 设备管理员 opens 台账管理, adds a device: a wrong IP address is refused with the field's
// Chinese message under it and nothing stored; corrected, the device is listed. The row is
// opened, lent with a borrower and a return date (外借), and its history shows both steps with
// the person who did them. A CSV with one bad address among good rows is refused whole, its
// faults listed by row and column in Chinese; corrected, it imports. A device is retired with a
// reason (none: the field's message, nothing changed): it leaves the list, its history keeps the
// reason. A change of 涉密设备 (four-eyes) waits in 待确认变更 until a second 设备管理员 agrees
// there (the one who asked cannot); a scanned form is attached to a row from its 附件 tab.
// Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { STRONG, adminClient, appointedClient, grantedClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

let srv; let browser; let S; let dev; let dev2;

describe('the register page', { timeout: 240_000 }, () => {
  before(async () => {
    srv = await startServer();
    const admin = await adminClient(srv);
    const sec = await appointedClient(srv, admin, 'sec1', 'secadmin');
    dev = await grantedClient(srv, admin, sec, 'dev1', 'device_admin', { realName: '设备员' });
    dev2 = await grantedClient(srv, admin, sec, 'dev2', 'device_admin', { realName: '复核员' });
    browser = await launch();
    S = await newPage(browser);
    await uiSignIn(S.page, srv.url, 'dev1', STRONG);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  test('a device administrator adds a device, lends it and reads its history', async () => {
    const page = S.page;
    await page.goto(`${srv.url}/ledgers?r=devices`);
    await page.getByTestId('registers-page').waitFor();
    await page.getByTestId('register-new').click();
    await page.getByTestId('field-asset_no').fill('ZC-2026-001');
    await page.getByTestId('field-type').click();
    await page.getByRole('option', { name: '服务器' }).click();
    await page.getByTestId('field-ip').fill('10.1.1.300');
    await page.getByTestId('field-secret').click();
    await page.getByRole('option', { name: '否' }).click();
    await page.getByTestId('register-save').click();
    await page.getByText('IP 地址：应为 IPv4 地址').waitFor();
    await S.shot('register-bad-ip');
    await page.getByTestId('field-ip').fill('10.1.1.30');
    await page.getByTestId('register-save').click();
    await page.getByTestId('register-notice').waitFor();
    const row = page.getByTestId('register-table').getByText('ZC-2026-001');
    await row.waitFor();
    assert.equal(await page.getByTestId('register-table').getByText('10.1.1.30').count(), 1);

    await row.click();
    await page.getByTestId('register-step-lend').click();
    await page.getByTestId('step-borrower').click();
    await page.getByRole('option', { name: /设备员/ }).click();
    const date = page.locator('.el-dialog .el-date-editor input');
    await date.fill('2026-12-31');
    await date.press('Enter');
    await page.getByTestId('register-step-run').click();
    await page.getByTestId('register-notice').getByText(/已办理「外借」/).waitFor();
    await page.getByTestId('register-table').getByText('借出').waitFor();
    await page.getByTestId('register-table').getByText('ZC-2026-001').click();
    await page.getByRole('tab', { name: '变更记录' }).click();
    const history = page.getByTestId('register-history');
    await history.getByText('设备员 登记').waitFor();
    await history.getByText(/设备员 办理：外借/).waitFor();
    await S.shot('register-history');
    assert.deepEqual(S.problems, []);
    assert.deepEqual(await S.cspViolations(), []);
  });

  test('a CSV with a bad address is refused whole, its faults listed in Chinese; corrected, it imports', async () => {
    const page = S.page;
    await page.keyboard.press('Escape');
    await page.goto(`${srv.url}/ledgers?r=devices`);
    await page.getByTestId('register-table').getByText('ZC-2026-001').waitFor();
    const csv = (ip) => Buffer.from(`\ufeff编号,资产编号,设备类型,IP 地址,涉密设备\r\n,ZC-2026-101,服务器,10.1.1.41,否\r\n,ZC-2026-102,打印机/复印机,${ip},否\r\n`);
    const input = page.getByTestId('register-import-file');
    await input.setInputFiles({ name: '设备.csv', mimeType: 'text/csv', buffer: csv('10.1.1.999') });
    const dialog = page.getByTestId('register-bad-rows');
    await dialog.getByText('未导入任何记录').first().waitFor();
    const table = page.getByTestId('register-bad-rows-table');
    await table.getByText('IP 地址', { exact: true }).waitFor();
    await table.getByText(/应为 IPv4 地址/).waitFor();
    assert.equal((await table.locator('tbody tr').first().locator('td').first().innerText()).trim(), '3');
    await S.shot('register-import-bad-rows');
    await dialog.getByRole('button', { name: '完成' }).click();
    assert.equal(await page.getByTestId('register-table').getByText('ZC-2026-101').count(), 0, 'nothing stored');
    await input.setInputFiles({ name: '设备.csv', mimeType: 'text/csv', buffer: csv('10.1.1.42') });
    await page.getByTestId('register-notice').getByText('已导入：新增 2 条，更新 0 条').waitFor();
    await page.getByTestId('register-table').getByText('ZC-2026-102').waitFor();
    assert.deepEqual(S.problems, []);
  });

  test('a device is retired with a reason: it leaves the list and its history keeps the reason', async () => {
    const page = S.page;
    const row = (await dev.call('GET', '/api/registers/devices/rows')).json.rows.find((r) => r.asset_no === 'ZC-2026-102');
    assert.ok(row);
    await page.getByTestId('register-table').getByText('ZC-2026-102').click();
    await page.getByTestId('register-retire').click();
    const dialog = page.getByTestId('register-retire-dialog');
    await dialog.waitFor();
    await page.getByTestId('register-retire-run').click();
    await dialog.locator('.el-form-item__error', { hasText: '注销原因' }).waitFor();
    assert.equal((await dev.call('GET', `/api/registers/devices/rows/${row.id}`)).status, 200, 'nothing changed');
    await page.getByTestId('register-retire-reason').fill('打印机已报废');
    await page.getByTestId('register-retire-run').click();
    await page.getByTestId('register-notice').getByText(`已注销 #${row.id}`).waitFor();
    await page.getByTestId('register-table').getByText('ZC-2026-101').waitFor();
    assert.equal(await page.getByTestId('register-table').getByText('ZC-2026-102').count(), 0);
    assert.equal((await dev.call('GET', `/api/registers/devices/rows/${row.id}`)).status, 404);
    const hist = (await dev.call('GET', `/api/registers/devices/rows/${row.id}/history`)).json;
    assert.ok(hist.some((h) => h.kind === 'retire' && h.reason === '打印机已报废'), JSON.stringify(hist));
    await S.shot('register-retired');
    assert.deepEqual(S.problems, []);
  });

  test('a classified-flag change waits for a second keeper, who agrees in 待确认变更; a scan is attached to the row', async () => {
    const row = (await dev.call('GET', '/api/registers/devices/rows')).json.rows.find((r) => r.asset_no === 'ZC-2026-101');
    let r = await dev.call('PATCH', `/api/registers/devices/rows/${row.id}`, { secret: 'yes', reason: '改存涉密数据' });
    assert.equal(r.status, 202, r.body);
    const pendingId = r.json.pending_id;
    // the one who asked sees it waiting and cannot agree to it
    const page = S.page;
    await page.goto(`${srv.url}/ledgers?r=devices`);
    await page.getByTestId('register-pending').click();
    const dialog = page.getByTestId('register-pending-dialog');
    await dialog.getByText('涉密设备 → 是').waitFor();
    await dialog.getByText('改存涉密数据').waitFor();
    await page.getByTestId(`register-pending-approve-${pendingId}`).click();
    await page.getByTestId('register-error').waitFor();
    assert.equal((await dev.call('GET', `/api/registers/devices/rows/${row.id}`)).json.secret, 'no', 'nothing changed');
    await page.getByTestId('register-pending-dialog').getByRole('button', { name: '完成' }).click();

    // a second device administrator agrees from the page
    const S2 = await newPage(browser);
    await uiSignIn(S2.page, srv.url, 'dev2', STRONG);
    await S2.page.goto(`${srv.url}/ledgers?r=devices`);
    await S2.page.getByTestId('register-pending').click();
    await S2.page.getByTestId(`register-pending-approve-${pendingId}`).click();
    await S2.page.getByTestId('register-notice').getByText(`已同意，#${row.id} 的变更已生效`).waitFor();
    await S2.page.getByTestId('register-pending-dialog').getByText('已同意').waitFor();
    await S2.shot('register-pending-approved');
    assert.equal((await dev.call('GET', `/api/registers/devices/rows/${row.id}`)).json.secret, 'yes');
    assert.deepEqual(S2.problems, []);
    await S2.page.context().close();

    // the lending form, scanned, attached to the row
    await page.goto(`${srv.url}/ledgers?r=devices`);
    await page.getByTestId('register-table').getByText('ZC-2026-101').click();
    await page.getByRole('tab', { name: /附件/ }).click();
    await page.getByTestId('register-attachments').getByText('暂无附件').waitFor();
    await page.getByTestId('register-attach-note').fill('外借审批单扫描件');
    await page.getByTestId('register-attach-file').setInputFiles({ name: '外借审批单.txt', mimeType: 'text/plain', buffer: Buffer.from('外借审批单：ZC-2026-101，借用人 设备员。\n') });
    await page.getByTestId('register-notice').getByText('已上传附件：外借审批单.txt').waitFor();
    const files = page.getByTestId('register-attachments');
    await files.getByText('外借审批单.txt').waitFor();
    await files.getByText('外借审批单扫描件').waitFor();
    await S.shot('register-attachment');
    const detail = (await dev.call('GET', `/api/registers/devices/rows/${row.id}`)).json;
    assert.equal(detail.attachments.length, 1);
    assert.equal(detail.attachments[0].note, '外借审批单扫描件');
    assert.deepEqual(S.problems, []);
  });
});
