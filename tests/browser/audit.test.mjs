// Browser test of the audit pages, in headless Chromium against a real `xinan serve`.
//
// Requirements: AUD-3 (the audit administrator reads the trail; nobody else), AUD-4
// (statistics), AUD-2 (the integrity check), AUD-7 (device logs). The audit administrator
// opens /audit, filters with a Chinese substring, sees the statistics charts drawn and downloads
// the CSV export (UTF-8 with a BOM, for Excel).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { renameSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

let srv;
let browser;
let admin;
let auditor;
let tab;
let page;

const byId = (id) => page.getByTestId(id);

describe('the audit pages', { timeout: 240_000 }, () => {
  before(async () => {
    srv = await startServer();
    admin = await adminClient(srv);
    // Something to find: an account whose real name is Chinese (in the record's detail).
    let r = await admin.call('POST', '/api/users', { account: 'zhangwei', real_name: '张伟', staff_type: 'staff' });
    assert.equal(r.status, 201, r.body);
    // The first audit administrator: appointed at once while nobody could approve.
    auditor = await enrolledAppointee(srv, admin, 'zhaomin', 'auditor', { realName: '赵敏' });

    browser = await launch();
    tab = await newPage(browser);
    page = tab.page;
    await uiSignIn(page, srv.url, 'zhaomin', STRONG, auditor.totpSecret);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) {
      await srv.stop();
      srv.cleanup();
    }
  });

  test('the endpoints are where this test expects them', async () => {
    const r = await auditor.call('GET', '/api/audit/records?limit=1');
    assert.equal(r.status, 200, r.body);
  });

  test('the auditor sees the audit module, not the accounts', async () => {
    await page.goto(`${srv.url}/`);
    await byId('side-nav').waitFor();
    assert.equal(await byId('nav-audit').count(), 1);
    assert.equal(await byId('nav-accounts').count(), 0);
    await byId('nav-audit').click();
    await page.waitForURL(`${srv.url}/audit`);
    await byId('audit-page').waitFor();
    assert.deepEqual(
      await page.locator('[data-testid="module-tabs"] a').evaluateAll((els) => els.map((e) => e.textContent.trim())),
      ['审计记录', '设备日志'],
    );
  });

  test('filter with a Chinese substring, open a record\'s detail', async () => {
    await page.goto(`${srv.url}/audit`);
    await byId('records-table').waitFor();
    // The full-text index is filled in the background: search until the record is found.
    const deadline = Date.now() + 20_000;
    for (;;) {
      await byId('filter-q').fill('张伟');
      await byId('filter-search').click();
      await page.waitForFunction(() => !document.querySelector('[data-testid="records-table"] .el-loading-mask'));
      if ((await page.locator('[data-testid="records-table"] tbody tr').count()) > 0) break;
      assert.ok(Date.now() < deadline, 'no record found for 张伟');
      await page.waitForTimeout(500);
    }
    assert.match(await byId('records-total').innerText(), /共 \d+ 条|超过 \d+ 条/);
    await byId('record-detail').first().click();
    await byId('record-detail-json').waitFor();
    assert.match(await byId('record-detail-json').innerText(), /张伟/);
    await tab.shot('audit-records-zh');
    await page.keyboard.press('Escape');
  });

  test('the statistics charts are drawn', async () => {
    await page.getByRole('tab', { name: '统计分析' }).click();
    await byId('audit-charts').waitFor();
    for (const key of ['day', 'hour', 'action', 'actor', 'result']) {
      await page.locator(`[data-testid="chart-${key}"] canvas`).waitFor();
    }
    await tab.shot('audit-stats-zh');
  });

  test('the CSV export downloads with a BOM', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), byId('export-csv').click()]);
    const bytes = await readFile(await download.path());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.match(bytes.toString('utf8'), /张伟/);
  });

  test('the integrity check runs from the page and joins the history', async () => {
    await page.goto(`${srv.url}/audit`);
    await page.getByRole('tab', { name: '完整性校验' }).click();
    await byId('verify-run').click();
    await page.getByText('审计记录完整，未发现篡改').first().waitFor();
    await byId('verify-history').getByText('手动校验').first().waitFor();
    assert.equal(await byId('verify-witness').getAttribute('data-found'), 'true');
    assert.match(await byId('verify-witness').innerText(), /已与见证文件比对/);
    await tab.shot('audit-verify-zh');
  });

  test('AUD-2: without the witness file the check says that the newest records are unguarded', async () => {
    renameSync(`${srv.db}.witness`, `${srv.db}.witness.away`);
    try {
      await byId('verify-run').click();
      await page.locator('[data-testid="verify-witness"][data-found="false"]').waitFor();
      assert.match(await byId('verify-witness').innerText(), /未找到见证文件：若最新的记录被删除，本次校验无法发现/);
      await byId('verify-history').getByText('完整（无见证文件）').first().waitFor();
    } finally {
      renameSync(`${srv.db}.witness.away`, `${srv.db}.witness`);
    }
  });

  test('the records page forward and back by their cursor', async () => {
    // Every read of the trail is itself a record (AUD-1): enough of them for a second page.
    for (let i = 0; i < 55; i++) assert.equal((await auditor.call('GET', '/api/audit/records?limit=1')).status, 200);
    const records = () => page.waitForResponse((res) => new URL(res.url()).pathname === '/api/audit/records');
    let [res] = await Promise.all([records(), page.goto(`${srv.url}/audit`)]);
    const first = await res.json();
    assert.equal(new URL(res.url()).searchParams.get('before'), null);
    assert.equal(first.items.length, 50);
    assert.ok(first.next_before_seq !== null);
    await byId('page-next').waitFor();
    assert.equal(await byId('page-prev').isDisabled(), true);

    [res] = await Promise.all([records(), byId('page-next').click()]);
    const second = await res.json();
    assert.equal(new URL(res.url()).searchParams.get('before'), String(first.next_before_seq));
    assert.ok(second.items.length > 0);
    assert.ok(second.items.every((r) => r.seq < Math.min(...first.items.map((x) => x.seq))));
    await page.waitForFunction(() => !document.querySelector('[data-testid="page-prev"]').disabled);

    [res] = await Promise.all([records(), byId('page-prev').click()]);
    assert.equal(new URL(res.url()).searchParams.get('before'), null);
    await page.waitForFunction(() => document.querySelector('[data-testid="page-prev"]').disabled);
    assert.equal(await byId('page-next').isDisabled(), false);
  });

  test('no page errors and no CSP violations', async () => {
    assert.deepEqual(await tab.cspViolations(), []);
    assert.deepEqual(tab.problems, []);
  });
});
