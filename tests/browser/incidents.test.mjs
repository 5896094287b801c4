// Browser test of the incident board and page, in headless Chromium on a phone-sized viewport
// against a real `xinan serve` whose clock the test moves (XINAN_TEST_CLOCK).
//
// Requirements: INC-1 (kinds and their procedures), INC-2 (the 10-minute clock counted down,
// red when overdue, escalated, met by the person on duty), INC-4 (the closing report).
//
// A duty officer (值班员) signs in on a 390 px wide screen, reports a defacement from the
// board, lands on its page with the clocks counting down and the procedure as a checklist,
// ticks a step and writes a note. The clock is moved past 10 minutes: the board shows the
// leaders' clock red and the page shows the escalation on the timeline; the officer confirms
// the clock with a note and it turns green. Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, appointedClient, grantedClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { countdown, span } from '../../web/src/incident-clock.js';

describe('the countdown, without a browser', () => {
  test('time left, time over, met and suspended', () => {
    const due = 1_000_000_000;
    assert.equal(span(65e6), '1:05');
    assert.equal(span(3723e6), '1:02:03');
    assert.equal(countdown({ state: 'running', due_at: due }, due - 65e6).state, 'running');
    assert.equal(countdown({ state: 'running', due_at: due }, due + 1).state, 'overdue');
    assert.equal(countdown({ state: 'met', due_at: due }, due + 1e9).state, 'met');
    assert.equal(countdown({ state: 'suspended', due_at: due }, due + 1e9).state, 'suspended');
  });
});

let srv; let browser; let S; let clock; let offset = 0;
const move = (s) => { offset += s; writeFileSync(clock, String(offset)); };

describe('incidents on a phone', { timeout: 240_000 }, () => {
  before(async () => {
    const dir = tempDir();
    clock = join(dir, 'clock');
    writeFileSync(clock, '0');
    srv = await startServer({ dir, env: { XINAN_TEST_CLOCK: clock } });
    const admin = await adminClient(srv);
    const sec = await appointedClient(srv, admin, 'sec1', 'secadmin');
    await grantedClient(srv, admin, sec, 'duty1', 'duty', { realName: '王值班' });
    browser = await launch();
    S = await newPage(browser);
    await S.page.setViewportSize({ width: 390, height: 844 });
    await uiSignIn(S.page, srv.url, 'duty1', STRONG);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  test('a duty officer reports a defacement, works it, and meets the overdue clock', async () => {
    const page = S.page;
    await page.goto(`${srv.url}/incidents`);
    await page.getByTestId('incidents-page').waitFor();
    await page.getByTestId('incident-open').click();
    await page.getByTestId('incident-kind').click();
    await page.getByTestId('incident-kind-defacement').click();
    await page.getByTestId('incident-title').fill('门户网站首页被篡改');
    await page.getByTestId('incident-note').fill('首页出现不明图片，已截图');
    await page.getByTestId('incident-submit').click();
    await page.waitForURL(/\/incidents\/\d+$/);
    await page.getByTestId('clock-inform_leaders').waitFor();
    assert.equal(await page.getByTestId('clock-inform_leaders').getAttribute('data-state'), 'running');
    assert.match(await page.getByTestId('clock-inform_leaders-label').innerText(), /剩余 \d+:\d\d/);
    for (const key of ['on_site', 'site_restored', 'report_authorities']) await page.getByTestId(`clock-${key}`).waitFor();
    assert.match(await page.getByTestId('incident-title').innerText(), /门户网站首页被篡改/);
    // the procedure: the first step ticked
    await page.getByTestId('step-1').getByRole('button').click();
    await page.locator('[data-testid="step-1"][data-done="true"]').waitFor();
    await page.getByTestId('incident-note-input').fill('已将服务器断网隔离');
    await page.getByTestId('incident-note-add').click();
    await page.getByTestId('incident-timeline').getByText('已将服务器断网隔离').waitFor();
    await S.shot('incident-phone-running');

    // eleven minutes on: red on the board and escalated on the page
    move(11 * 60);
    await page.goto(`${srv.url}/incidents`);
    const card = page.locator('[data-testid^="incident-card-"]').first();
    await card.waitFor();
    await page.locator('[data-testid$="-clock-inform_leaders"][data-state="overdue"]').first().waitFor();
    assert.match(await page.locator('[data-testid$="-clock-inform_leaders"]').first().innerText(), /超时/);
    await S.shot('incident-phone-board-overdue');
    await card.click();
    await page.getByTestId('clock-inform_leaders').waitFor();
    // the escalation job runs on the moved clock within a couple of seconds; the page reads again every 15 s
    for (let i = 0; i < 20; i++) {
      if (await page.locator('[data-type="escalated"]').count()) break;
      await new Promise((r) => setTimeout(r, 1000));
      if (i % 5 === 4) await page.reload();
    }
    await page.locator('[data-type="escalated"]').first().waitFor();
    assert.equal(await page.getByTestId('clock-inform_leaders').getAttribute('data-state'), 'overdue');

    await page.getByTestId('clock-inform_leaders-meet').click();
    await page.locator('.el-message-box textarea').fill('已电话报告张局长');
    await page.locator('.el-message-box .el-button--primary').click();
    await page.locator('[data-testid="clock-inform_leaders"][data-state="met"]').waitFor();
    assert.match(await page.getByTestId('clock-inform_leaders').innerText(), /王值班/);
    await S.shot('incident-phone-met');
    // the report to send upward downloads as a PDF
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('incident-report-pdf').click()]);
    assert.match(dl.suggestedFilename(), /事件报告-\d+\.pdf$/);
    assert.deepEqual(S.problems, []);
    assert.deepEqual(await S.cspViolations(), []);
  });
  test('a plan is registered, flagged until drilled, and a drill recorded with its records', async () => {
    const page = S.page;
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${srv.url}/incidents/plans`);
    await page.getByTestId('plans-page').waitFor();
    await page.getByTestId('plan-new').click();
    await page.getByTestId('plan-title').fill('网站安全应急预案');
    await page.getByTestId('plan-scope').fill('区政府门户网站');
    await page.getByTestId('plan-kind-defacement').click();
    await page.getByTestId('plan-kind-site_down').click();
    await page.getByTestId('plan-save').click();
    const due = page.locator('[data-testid^="plan-due-"]');
    await due.first().waitFor();
    assert.equal((await due.first().innerText()).trim(), '本年度未演练');
    await page.locator('[data-testid^="plan-drill-"]').first().click();
    await page.getByTestId('drill-title').fill('网页篡改应急演练');
    await page.getByTestId('drill-command').fill('总指挥：张领导');
    await page.getByTestId('drill-save').click();
    // the records and the analysis are required: the server names what is missing
    await page.getByTestId('drill-error').waitFor();
    assert.match(await page.getByTestId('drill-error').innerText(), /演练记录/);
    await page.getByTestId('drill-records').fill('09:00 发现篡改，09:05 隔离');
    await page.getByTestId('drill-analysis').fill('处置及时');
    await page.getByTestId('drill-save').click();
    await page.getByTestId('drills-table').getByText('网页篡改应急演练').waitFor();
    await due.first().waitFor({ state: 'detached' });
    await S.shot('incident-plans');
    assert.deepEqual(S.problems, []);
  });
});
