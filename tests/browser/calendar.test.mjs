// Browser test of the working-day calendar page, in headless Chromium against a real
// `xinan serve` whose clock reads 15 November 2026 (XINAN_TEST_CLOCK).
//
// Requirements: OBL (deadlines in working days by the State Council's holidays and adjusted
// working days; a year without data estimated and said so; a warning from 1 November while
// next year is missing), AUD-1 (the import on the audit trail).
//
// The home page warns that 2027 is missing. The security administrator opens 合规日历 → 工作日历,
// sees 2026 as built in with its notice, the Spring Festival and the adjusted Saturday in the
// month grid and the list; 2027 marked 估算; a deadline reaching into 2027 tagged 估算. A file
// with an impossible date and a duplicate is refused with its lines in a table and nothing
// stored; the corrected text is imported, shown as 已导入 with its days, recorded on the audit
// trail, and the home page's warning is gone. Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditRows, sqliteRows, startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { monthWeeks, refusalOf } from '../../web/src/calendar-api.js';

describe('the month grid and refusals, without a browser', () => {
  test('a month is cut into weeks from Sunday', () => {
    const feb = monthWeeks(2026, 2); // 1 February 2026 is a Sunday
    assert.deepEqual(feb[0], [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(feb.length, 4);
    const jan = monthWeeks(2025, 1); // 1 January 2025 is a Wednesday
    assert.deepEqual(jan[0], [null, null, null, 1, 2, 3, 4]);
    assert.deepEqual(jan.at(-1), [26, 27, 28, 29, 30, 31, null]);
  });
  test('a refusal keeps its whole-file entries (line 0)', () => {
    assert.deepEqual(refusalOf({ lines: [{ line: 3, code: 'bad_date', reason: 'x' }, { line: 0, code: 'no_notice', reason: 'y' }], more: 2 }),
      { lines: [{ line: 3, code: 'bad_date', reason: 'x' }, { line: 0, code: 'no_notice', reason: 'y' }], more: 2 });
    assert.equal(refusalOf({ message: '…' }), null);
  });
});

const BAD_2027 = 'year 2027\nnotice 测试通知\n2027-01-01 holiday 元旦\n2027-02-30 holiday 春节\n2027-01-01 holiday 元旦\n';
const GOOD_2027 = 'year 2027\nnotice 测试通知（仅用于测试）\n2027-01-01 holiday 元旦\n2027-01-02 holiday 元旦\n2027-01-03 holiday 元旦\n2027-01-09 workday 元旦调休上班\n';

let srv;
let browser;
let admin;
let sec;
let S;
let work;

describe('the working-day calendar page', { timeout: 240_000 }, () => {
  before(async () => {
    const dir = tempDir();
    const clock = join(dir, 'clock');
    writeFileSync(clock, `${Math.round((Date.parse('2026-11-15T10:00:00+08:00') - Date.now()) / 1000)}\n`);
    srv = await startServer({ dir, env: { XINAN_TEST_CLOCK: clock } });
    admin = await adminClient(srv);
    sec = await enrolledAppointee(srv, admin, 'wangqiang', 'secadmin', { realName: '王强' });
    work = mkdtempSync(join(tmpdir(), 'xinan-cal-'));
    writeFileSync(join(work, '2027.txt'), BAD_2027);
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

  test('the home page warns that next year is missing', async () => {
    const page = S.page;
    await page.goto(`${srv.url}/`);
    const warning = page.getByTestId('calendar-warning');
    await warning.waitFor();
    assert.match(await warning.innerText(), /尚未导入 2027 年的节假日安排/);
    await S.shot('calendar-home-warning-zh');
  });

  test('the security administrator reaches 工作日历 and sees 2026 as built in', async () => {
    const page = S.page;
    await page.getByTestId('nav-calendar').click();
    await page.waitForURL(`${srv.url}/calendar`);
    await page.getByTestId('tab-workdays').click();
    await page.waitForURL(`${srv.url}/calendar/workdays`);
    await page.getByTestId('calendar-page').waitFor();
    await page.getByTestId('calendar-grid').waitFor();
    assert.equal((await page.getByTestId('calendar-source').innerText()).trim(), '内置');
    assert.match(await page.getByTestId('calendar-notice').innerText(), /国办发明电〔2025〕7号/);
    assert.match(await page.getByTestId('calendar-counts').innerText(), /放假 33 天，调休上班 6 天/);
    const kind = (date) => page.locator(`[data-date="${date}"]`).getAttribute('data-kind');
    assert.equal(await kind('2026-02-14'), 'workday'); // a Saturday worked
    assert.equal(await kind('2026-02-16'), 'holiday');
    assert.equal(await kind('2026-10-07'), 'holiday');
    assert.equal(await kind('2026-10-08'), 'work');
    assert.equal(await kind('2026-10-11'), 'rest');
    assert.equal(await page.locator('[data-date="2026-02-16"]').getAttribute('title'), '春节');
    await S.shot('calendar-2026-grid-zh');
    await page.getByTestId('calendar-view-list').click();
    await page.getByTestId('calendar-list').waitFor();
    const dates = await page.getByTestId('calendar-list-date').allInnerTexts();
    assert.equal(dates.length, 39);
    assert.equal(dates[0], '2026-01-01');
    await page.getByText('调休上班').first().waitFor();
    await page.getByTestId('calendar-view').getByText('月历').click();
  });

  test('2027 has no data: marked 估算, and a deadline reaching it too', async () => {
    const page = S.page;
    await page.getByTestId('calendar-year').click();
    await page.locator('.el-select-dropdown__item', { hasText: '2027' }).click();
    await page.getByTestId('calendar-estimated').waitFor();
    assert.equal((await page.getByTestId('calendar-source').innerText()).trim(), '估算');
    assert.equal(await page.locator('[data-date="2027-01-01"]').getAttribute('data-kind'), 'work');
    // from 15 November 2026 (the server's today), 40 working days reach into 2027
    const n = page.getByTestId('calendar-deadline').locator('.el-input-number input');
    await n.fill('40');
    await page.getByTestId('deadline-compute').click();
    await page.getByTestId('deadline-result').waitFor();
    assert.match(await page.getByTestId('deadline-result').innerText(), /2027-01-08/);
    await page.getByTestId('deadline-estimated').waitFor();
    await S.shot('calendar-2027-estimated-zh');
  });

  test('a bad file is refused with its lines listed, and nothing is stored', async () => {
    const page = S.page;
    await page.getByTestId('calendar-import').click();
    const dialog = page.getByTestId('calendar-import-dialog');
    await dialog.waitFor();
    await page.getByTestId('cal-import-file').setInputFiles(join(work, '2027.txt'));
    assert.equal((await page.getByTestId('cal-import-file-name').innerText()).trim(), '2027.txt');
    await page.getByTestId('cal-import-submit').click();
    await page.getByTestId('cal-import-refusal').waitFor();
    assert.match(await page.getByTestId('cal-import-error').innerText(), /导入被拒绝，未作任何更改/);
    assert.deepEqual(await page.getByTestId('cal-refused-line').allInnerTexts(), ['4', '5']);
    const reasons = await page.getByTestId('cal-refused-reason').allInnerTexts();
    assert.match(reasons[0], /日期 2027-02-30 不存在/);
    assert.match(reasons[1], /重复（第 3 行已列出）/);
    await S.shot('calendar-import-refused-zh');
    assert.deepEqual(sqliteRows(srv.db, 'SELECT year FROM calendar_year'), []);
    assert.equal(auditRows(srv.db, 'calendar.import').length, 0);
  });

  test('the corrected text is imported, shown and recorded; the warning goes', async () => {
    const page = S.page;
    await page.getByTestId('cal-source-paste').click();
    await page.getByTestId('cal-import-paste').fill(GOOD_2027);
    await page.getByTestId('cal-import-submit').click();
    await page.getByTestId('calendar-import-dialog').waitFor({ state: 'hidden' });
    await page.getByText('2027 年的节假日安排已导入：放假 3 天，调休上班 1 天').waitFor();
    assert.equal((await page.getByTestId('calendar-source').innerText()).trim(), '已导入');
    assert.match(await page.getByTestId('calendar-notice').innerText(), /测试通知（仅用于测试）[\s\S]*wangqiang/);
    assert.equal(await page.locator('[data-date="2027-01-01"]').getAttribute('data-kind'), 'holiday');
    assert.equal(await page.locator('[data-date="2027-01-09"]').getAttribute('data-kind'), 'workday');
    assert.equal(await page.getByTestId('calendar-estimated').count(), 0);
    assert.equal(await page.getByTestId('calendar-warning').count(), 0);
    await S.shot('calendar-2027-imported-zh');
    const rec = auditRows(srv.db, 'calendar.import');
    assert.equal(rec.length, 1);
    assert.deepEqual([rec[0].actor_name, rec[0].object_id, rec[0].result], ['wangqiang', '2027', 'ok']);
    await page.goto(`${srv.url}/`);
    await page.getByTestId('home-page').waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(await page.getByTestId('calendar-warning').count(), 0);
    assert.deepEqual(S.problems, []);
  });
});
