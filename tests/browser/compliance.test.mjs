// Browser test of the compliance report (合规报告) and the leader's dashboard (领导看板), in
// headless Chromium against a real `xinan serve` and a real clamd.
//
// Requirements: RPT (every id of the catalogue with one of four statuses, its reason and
// evidence; not applicable only with a written reason by the security administrator; met by
// hand only with a clean evidence file and never over an automatic check; the PDF for
// inspectors; a leader's one-page dashboard).
//
// The security administrator opens 合规报告 and sees every id of data/requirements/catalogue.md,
// filters to 缺少证据, declares MON-9 不适用 (first without a reason: the server's message shows
// under the field), declares BAK-1 符合 with a note and an uploaded evidence file, finds 符合
// closed to an automatic check, and downloads the PDF. A leader opens the dashboard on a 390 px
// screen and sees the compliance summary the API gives, with the requirements not met; a duty
// officer sees only the cards of incidents and of the watched sites. Screenshots go to
// tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee, grantedClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { startClamd } from '../lib/clamd.mjs';
import { areasOf, decisionChoices, filterItems, metPercent } from '../../web/src/compliance.js';

const CATALOGUE = readFileSync(new URL('../../data/requirements/catalogue.md', import.meta.url), 'utf8');
const IDS = [...CATALOGUE.matchAll(/^- ([A-Z]{2,6}-\d{1,3}) /gm)].map((m) => m[1]);

describe('the report helpers, without a browser', () => {
  const items = [
    { id: 'ACC-8', area: 'ACC', area_title: '账号', text: '口令长度', status: 'met', automatic: true },
    { id: 'MON-9', area: 'MON', area_title: '监测', text: '私接无线网络', status: 'no_evidence', automatic: false },
    { id: 'MON-10', area: 'MON', area_title: '监测', text: 'IPv6', status: 'not_met', automatic: false, decision: { status: 'met' } },
  ];
  test('filter by area, status and a search in the id or text', () => {
    assert.deepEqual(filterItems(items, { area: 'MON' }).map((i) => i.id), ['MON-9', 'MON-10']);
    assert.deepEqual(filterItems(items, { status: 'no_evidence' }).map((i) => i.id), ['MON-9']);
    assert.deepEqual(filterItems(items, { q: ' mon-1 ' }).map((i) => i.id), ['MON-10']);
    assert.deepEqual(filterItems(items, { q: '无线' }).map((i) => i.id), ['MON-9']);
    assert.deepEqual(filterItems(items, { area: 'ACC', status: 'not_met' }), []);
    assert.deepEqual(areasOf(items), [{ area: 'ACC', title: '账号', count: 1 }, { area: 'MON', title: '监测', count: 2 }]);
  });
  test('the share met leaves out what does not apply; the choices follow the item', () => {
    assert.equal(metPercent({ met: 3, not_met: 1, not_applicable: 2, no_evidence: 0, total: 6 }), 75);
    assert.equal(metPercent({ met: 0, not_met: 0, not_applicable: 2, no_evidence: 0, total: 2 }), 0);
    assert.deepEqual(decisionChoices(items[0]), ['not_applicable']);
    assert.deepEqual(decisionChoices(items[1]), ['not_applicable', 'met']);
    assert.deepEqual(decisionChoices(items[2]), ['not_applicable', 'met', 'withdraw']);
  });
});

let srv; let clamd; let browser; let admin; let sec; let lead; let work;

describe('the compliance report and the dashboard', { timeout: 240_000 }, () => {
  before(async () => {
    clamd = await startClamd();
    srv = await startServer({ env: { XINAN_FILES_CLAMD: clamd.socket } });
    admin = await adminClient(srv);
    sec = await enrolledAppointee(srv, admin, 'zhouan', 'secadmin', { realName: '周安全' });
    lead = await grantedClient(srv, admin, sec, 'zhengld', 'leader', { realName: '郑领导' });
    await grantedClient(srv, admin, sec, 'duty1', 'duty', { realName: '王值班' });
    work = tempDir();
    writeFileSync(join(work, '备份日志.txt'), '2026-12-01 全量备份 完成\n');
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    if (clamd) await clamd.stop();
  });

  test('the security administrator reads every id, filters, decides and downloads the PDF', async () => {
    assert.ok(IDS.length >= 70, `catalogue ids: ${IDS.length}`);
    const S = await newPage(browser);
    const page = S.page;
    await uiSignIn(page, srv.url, 'zhouan', STRONG, sec.totpSecret);
    await page.getByTestId('nav-calendar').click();
    await page.waitForURL(`${srv.url}/calendar`);
    await page.getByTestId('tab-compliance').click();
    await page.waitForURL(`${srv.url}/calendar/compliance`);
    await page.getByTestId('compliance-page').waitFor();
    await page.getByTestId('compliance-id-ACC-1').waitFor();

    // every id of the catalogue, once, in its order
    const ids = async () =>
      page.locator('[data-testid="compliance-table"] .el-table__body [data-testid^="compliance-id-"]').evaluateAll((els) => els.map((el) => el.textContent.trim()));
    assert.deepEqual(await ids(), IDS);
    const summary = page.getByTestId('compliance-summary');
    assert.match(await summary.innerText(), new RegExp(`共 ${IDS.length} 项要求`));
    assert.match(await page.getByTestId('compliance-generated').innerText(), /生成于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    const count = async (s) => Number(await page.getByTestId(`compliance-count-${s}`).getAttribute('data-count'));
    const counts = {};
    for (const s of ['met', 'not_met', 'not_applicable', 'no_evidence']) counts[s] = await count(s);
    assert.equal(counts.met + counts.not_met + counts.not_applicable + counts.no_evidence, IDS.length);
    // the colours: 符合 green, 不符合 red, 缺少证据 orange
    assert.match(await page.getByTestId('compliance-row-status-ACC-8').getAttribute('class'), /el-tag--success/);
    assert.match(await page.getByTestId('compliance-row-status-INC-5').getAttribute('class'), /el-tag--danger/);
    assert.match(await page.getByTestId('compliance-row-status-MON-9').getAttribute('class'), /el-tag--warning/);
    assert.match(await page.getByTestId('compliance-reason-INC-5').innerText(), /预案/);
    await S.shot('compliance-all');

    // 缺少证据 only: MON-9 among them, nothing met
    await page.getByTestId('compliance-status').click();
    await page.getByTestId('compliance-status-no_evidence').click();
    await page.waitForURL(/status=no_evidence/);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="compliance-table"] .el-table__body [data-testid^="compliance-id-"]').length === n,
      counts.no_evidence,
    );
    const missing = await ids();
    assert.ok(missing.includes('MON-9'));
    assert.ok(!missing.includes('ACC-8'));
    const statuses = await page.locator('[data-testid^="compliance-row-status-"]').evaluateAll((els) => els.map((el) => el.dataset.status));
    assert.ok(statuses.every((s) => s === 'no_evidence'), statuses.join(','));

    // MON-9 不适用: without a reason the server's message shows under the field, nothing changes
    await page.getByTestId('compliance-decide-MON-9').click();
    const dialog = page.getByTestId('compliance-dialog');
    await dialog.waitFor();
    await page.getByTestId('compliance-choice-not_applicable').click();
    await page.getByTestId('compliance-decide-submit').click();
    const reasonItem = dialog.locator('.el-form-item').filter({ has: page.getByTestId('compliance-reason-input') });
    await reasonItem.locator('.el-form-item__error').waitFor();
    assert.match(await reasonItem.locator('.el-form-item__error').innerText(), /不适用理由/);
    assert.equal(await page.getByTestId('compliance-row-status-MON-9').getAttribute('data-status'), 'no_evidence');
    await S.shot('compliance-decide-no-reason');
    await page.getByTestId('compliance-reason-input').fill('本单位办公网络不设无线接入');
    await page.getByTestId('compliance-decide-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.match(await page.getByTestId('compliance-notice').innerText(), /已判定 MON-9：不适用/);
    // still filtered to 缺少证据: MON-9 has left the list; shown with every status it is grey
    await page.getByTestId('compliance-id-MON-9').waitFor({ state: 'detached' });
    assert.equal(await count('not_applicable'), counts.not_applicable + 1);
    assert.equal(await count('no_evidence'), counts.no_evidence - 1);
    await page.getByTestId('compliance-search').fill('MON-9');
    await page.getByTestId('compliance-status').click();
    await page.getByTestId('compliance-status-not_applicable').click();
    await page.getByTestId('compliance-id-MON-9').waitFor();
    const mon9 = page.getByTestId('compliance-row-status-MON-9');
    assert.equal(await mon9.getAttribute('data-status'), 'not_applicable');
    assert.equal((await mon9.innerText()).trim(), '不适用');
    assert.match(await mon9.getAttribute('class'), /el-tag--info/);
    assert.equal((await page.getByTestId('compliance-reason-MON-9').innerText()).trim(), '本单位办公网络不设无线接入');
    await S.shot('compliance-mon9-not-applicable');

    // the API agrees
    const api = await lead.call('GET', '/api/compliance');
    assert.equal(api.json.items.find((i) => i.id === 'MON-9').status, 'not_applicable');

    // an automatic check (INC-5) cannot be declared met by hand: the choice is closed
    await page.getByTestId('compliance-search').fill('INC-5');
    await page.getByTestId('compliance-status').click();
    await page.getByTestId('compliance-status-not_met').click();
    await page.getByTestId('compliance-decide-INC-5').click();
    await dialog.waitFor();
    assert.ok(await page.getByTestId('compliance-choice-met').locator('input').isDisabled());
    await dialog.getByRole('button', { name: '取消' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // BAK-1 符合 with a note and a clean evidence file; its evidence downloads
    await page.getByTestId('compliance-search').fill('BAK-1');
    await page.getByTestId('compliance-status').click();
    await page.getByTestId('compliance-status-no_evidence').click();
    await page.getByTestId('compliance-decide-BAK-1').click();
    await dialog.waitFor();
    await page.getByTestId('compliance-choice-met').click();
    await page.getByTestId('compliance-reason-input').fill('12 月备份日志');
    await page.getByTestId('compliance-file-input').setInputFiles(join(work, '备份日志.txt'));
    await page.locator('[data-testid="compliance-file-scan"][data-scan="clean"]').waitFor({ timeout: 30_000 });
    assert.equal((await page.getByTestId('compliance-file-name').innerText()).trim(), '备份日志.txt');
    await page.getByTestId('compliance-decide-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.match(await page.getByTestId('compliance-notice').innerText(), /已判定 BAK-1：符合/);
    await page.getByTestId('compliance-status').click();
    await page.getByTestId('compliance-status-met').click();
    const bak1 = page.getByTestId('compliance-row-status-BAK-1');
    await bak1.waitFor();
    assert.equal(await bak1.getAttribute('data-status'), 'met');
    const link = page.locator('[data-testid^="compliance-file-BAK-1-"]');
    const [got] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(got.suggestedFilename(), '备份日志.txt');
    assert.equal(readFileSync(await got.path(), 'utf8'), '2026-12-01 全量备份 完成\n');
    await S.shot('compliance-bak1-met');

    // the PDF for inspectors
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compliance-pdf').click()]);
    assert.equal(pdf.suggestedFilename(), '合规报告.pdf');
    const bytes = readFileSync(await pdf.path());
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(bytes.length > 10_000, `PDF of ${bytes.length} bytes`);
    assert.equal(await page.getByTestId('compliance-error').count(), 0);

    // the tab leads back to the whole report, the filter cleared
    await page.getByTestId('tab-compliance').click();
    await page.waitForURL(`${srv.url}/calendar/compliance`);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="compliance-table"] .el-table__body [data-testid^="compliance-id-"]').length === n,
      IDS.length,
    );
    assert.equal(await page.getByTestId('compliance-search').inputValue(), '');

    assert.deepEqual(await S.cspViolations(), []);
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });

  test('a leader opens the dashboard on a phone and sees the compliance summary', async () => {
    const S = await newPage(browser);
    const page = S.page;
    await page.setViewportSize({ width: 390, height: 844 });
    // a defacement found 20 minutes ago: the 10-minute clock to inform the leaders is overdue
    const detected = new Date(Date.now() - 20 * 60_000).toISOString();
    const inc = await lead.call('POST', '/api/incidents', { kind: 'defacement', title: '门户网站首页被篡改', detected_at: detected });
    assert.equal(inc.status, 201, inc.body);
    await uiSignIn(page, srv.url, 'zhengld', STRONG);
    await page.goto(`${srv.url}/calendar`);
    await page.getByTestId('dashboard-page').waitFor();
    const api = (await lead.call('GET', '/api/compliance')).json;
    const card = page.getByTestId('dash-compliance');
    await page.getByTestId('dash-compliance-met').waitFor();
    for (const s of ['met', 'not_met', 'not_applicable', 'no_evidence']) {
      assert.equal(Number(await page.getByTestId(`dash-compliance-${s}`).getAttribute('data-count')), api.summary[s], s);
    }
    assert.ok(api.summary.not_applicable >= 1 && api.summary.not_met >= 1);
    assert.match(await card.innerText(), new RegExp(`共 ${IDS.length} 项要求`));
    // the requirements not met, each with its reason
    for (const i of api.items.filter((x) => x.status === 'not_met').slice(0, 8)) {
      await page.getByTestId(`dash-not-met-${i.id}`).waitFor();
    }
    assert.match(await page.getByTestId('dash-not-met').innerText(), /INC-5\s*.*预案/);
    // the leader reads incidents, registers and content too: their cards are there
    for (const id of ['dash-incidents', 'dash-flags', 'dash-content']) await page.getByTestId(id).waitFor();
    await page.locator('[data-testid="dash-incidents-open"][data-count="1"]').waitFor();
    assert.equal(await page.getByTestId('dash-incidents-overdue').getAttribute('data-count'), '1');
    const row = page.getByTestId(`dash-incident-${inc.json.id}`);
    assert.match(await row.innerText(), /门户网站首页被篡改/);
    assert.equal(await row.locator('[data-state]').getAttribute('data-state'), 'overdue');
    assert.match(await row.locator('[data-state]').innerText(), /超时 \d+:\d\d/);
    // readable at 390 px: nothing scrolls sideways
    const wide = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(wide.scroll <= wide.width, `page ${wide.scroll} px wide on a ${wide.width} px screen`);
    await S.shot('dashboard-leader-phone');

    // a not-met id leads to the report filtered to it
    await page.getByTestId('dash-not-met-INC-5').click();
    await page.waitForURL(/\/calendar\/compliance\?q=INC-5/);
    await page.getByTestId('compliance-id-INC-5').waitFor();
    assert.equal(await page.locator('[data-testid^="compliance-id-"]').count(), 1);
    // a leader reads but does not decide
    assert.equal(await page.getByTestId('compliance-decide-INC-5').count(), 0);
    assert.deepEqual(await S.cspViolations(), []);
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });

  test('a duty officer sees only the cards of incidents and of the watched sites', async () => {
    const S = await newPage(browser);
    const page = S.page;
    await uiSignIn(page, srv.url, 'duty1', STRONG);
    await page.goto(`${srv.url}/calendar`);
    await page.getByTestId('dashboard-page').waitFor();
    await page.getByTestId('dash-incidents').waitFor();
    await page.getByTestId('dash-sites').waitFor();
    for (const id of ['dash-compliance', 'dash-flags', 'dash-content', 'dash-duties']) assert.equal(await page.getByTestId(id).count(), 0, id);
    // nor the report
    await page.goto(`${srv.url}/calendar/compliance`);
    await page.waitForURL(/\/403/);
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });
});
