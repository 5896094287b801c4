// Browser test of the duty roster (值班表) and the periodic duties (周期职责), in headless
// Chromium against a real `xinan serve` whose rules' clock reads 29 September 2026, two days
// before the National Day holiday (XINAN_TEST_CLOCK), and a real clamd.
//
// Requirements: MON-2 (读网值班 with its check-in), ORG-4 (a leader on duty on holidays and key
// dates), OBL (periodic duties due on working days, overdue, completed by evidence).
//
// The security administrator opens 网站监测 → 值班表, plans today for a 值班员, then 1 October (a
// holiday): without a leader the server's message shows under the leader's field, with one the
// day is planned; 9 October is marked a key date and asks for a leader. On 1 October the person
// on duty checks in with an anomaly that opens an incident, whose page opens from the notice;
// another 值班员 sees it is not theirs. A leader's dashboard lists the overdue duties. The system
// administrator, owner of the weekly backup, attaches a note and a clean file to its overdue
// week and sees it 已完成. Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee, grantedClient, nextTotpStep } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { startClamd } from '../lib/clamd.mjs';
import { filterDuties, mayAttach, mayCheckIn, peopleOfRole, shiftMonth } from '../../web/src/monitor.js';

describe('the roster and duty helpers, without a browser', () => {
  test('months, who checks in, the people of a role', () => {
    assert.equal(shiftMonth('2026-12', 1), '2027-01');
    assert.equal(shiftMonth('2026-01', -1), '2025-12');
    assert.equal(shiftMonth('2026-09', 1), '2026-10');
    const day = { date: '2026-10-01', on_duty: { id: 7 } };
    assert.ok(mayCheckIn(day, '2026-10-01', 7));
    assert.ok(!mayCheckIn(day, '2026-10-01', 8));
    assert.ok(!mayCheckIn(day, '2026-09-30', 7));
    assert.ok(!mayCheckIn({ date: '2026-10-01', on_duty: null }, '2026-10-01', 7));
    const users = [
      { id: 1, status: 'active', roles: 'duty' },
      { id: 2, status: 'active', roles: 'leader,staff' },
      { id: 3, status: 'disabled', roles: 'duty' },
      { id: 4, status: 'active', roles: 'dutyx' },
    ];
    assert.deepEqual(peopleOfRole(users, 'duty').map((u) => u.id), [1]);
    assert.deepEqual(peopleOfRole(users, 'leader').map((u) => u.id), [2]);
  });
  test('who may attach evidence; the filter', () => {
    const d = { evidence_kind: 'file', state: 'due', mine: false };
    assert.ok(!mayAttach(d, false));
    assert.ok(mayAttach(d, true));
    assert.ok(mayAttach({ ...d, mine: true }, false));
    assert.ok(!mayAttach({ ...d, mine: true, state: 'done' }, false));
    assert.ok(!mayAttach({ ...d, evidence_kind: 'training' }, true));
    const items = [{ state: 'due', mine: true }, { state: 'overdue', mine: false }, { state: 'due', mine: false }];
    assert.equal(filterDuties(items, { state: 'due' }).length, 2);
    assert.equal(filterDuties(items, { state: 'due', mine: true }).length, 1);
    assert.equal(filterDuties(items, {}).length, 3);
  });
});

const columns = [];
let srv; let clamd; let browser; let clockFile; let admin; let sec; let duty; let lead; let work;

/** Sets the rules' clock to a Shanghai wall time, "2026-09-29T10:00". */
function clockAt(local) {
  const target = Date.parse(`${local}:00+08:00`);
  writeFileSync(clockFile, String(Math.round((target - Date.now()) / 1000)));
}

// The error Element Plus shows under the form item holding the test id.
const fieldError = (page, dialogId, testId) =>
  page.getByTestId(dialogId).locator('.el-form-item').filter({ has: page.getByTestId(testId) }).locator('.el-form-item__error');

async function pick(page, selectId, optionId) {
  await page.getByTestId(selectId).click();
  await page.getByTestId(optionId).click();
}

describe('the duty roster and the periodic duties', { timeout: 300_000 }, () => {
  before(async () => {
    clamd = await startClamd();
    const dir = tempDir();
    clockFile = join(dir, 'clock');
    clockAt('2026-09-29T10:00');
    srv = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile, XINAN_FILES_CLAMD: clamd.socket } });
    admin = await adminClient(srv);
    sec = await enrolledAppointee(srv, admin, 'zhouan', 'secadmin', { realName: '周安全' });
    duty = await grantedClient(srv, admin, sec, 'duty1', 'duty', { realName: '王值班' });
    await grantedClient(srv, admin, sec, 'duty2', 'duty', { realName: '李值班' });
    lead = await grantedClient(srv, admin, sec, 'lead1', 'leader', { realName: '张领导' });
    for (const [name, path] of [['通知公告', 'tzgg'], ['政务动态', 'zwdt']])
      columns.push((await admin.call('POST', '/api/columns', { name, path, stale_days: 14 })).json.id);
    work = tempDir();
    writeFileSync(join(work, '备份日志-第40周.txt'), '2026-09-28 全量备份完成\n');
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    if (clamd) await clamd.stop();
  });

  test('the security administrator plans today and a holiday with a leader, and marks a key date', async () => {
    const S = await newPage(browser);
    const page = S.page;
    await uiSignIn(page, srv.url, 'zhouan', STRONG, sec.totpSecret);
    await page.getByTestId('nav-monitor').click();
    await page.waitForURL(`${srv.url}/monitor`);
    await page.getByTestId('tab-duty-roster').click();
    await page.waitForURL(`${srv.url}/monitor/duty`);
    await page.getByTestId('duty-page').waitFor();
    // the server's month and today, not the browser's
    await page.getByTestId('duty-day-2026-09-29').waitFor();
    assert.match(await page.getByTestId('duty-table').innerText(), /今天/);
    // not on duty: the security administrator has no check-in form
    assert.equal(await page.getByTestId('duty-checkin').count(), 0);
    // the past is not planned
    assert.equal(await page.getByTestId('duty-plan-2026-09-28').count(), 0);

    await page.getByTestId('duty-plan-2026-09-29').click();
    await page.getByTestId('duty-plan-dialog').waitFor();
    await pick(page, 'duty-plan-user', 'duty-plan-user-duty1');
    await page.getByTestId('duty-plan-submit').click();
    await page.getByTestId('duty-plan-dialog').waitFor({ state: 'hidden' });
    await page.locator('[data-testid="duty-person-2026-09-29"]', { hasText: '王值班' }).waitFor();

    // October: 1 October is a holiday and needs a leader
    await page.getByTestId('duty-next').click();
    await page.getByTestId('duty-day-2026-10-01').waitFor();
    await page.getByTestId('duty-holiday-2026-10-01').waitFor();
    assert.equal((await page.getByTestId('duty-leader-2026-10-01').innerText()).trim(), '须安排带班领导');
    assert.equal(await page.getByTestId('duty-holiday-2026-10-10').count(), 0, '10 October is an adjusted working day');
    await page.getByTestId('duty-plan-2026-10-01').click();
    await page.getByTestId('duty-plan-dialog').waitFor();
    assert.match(await page.getByTestId('duty-plan-dialog').innerText(), /节假日须安排带班领导/);
    await pick(page, 'duty-plan-user', 'duty-plan-user-duty1');
    await page.getByTestId('duty-plan-submit').click();
    const leaderError = fieldError(page, 'duty-plan-dialog', 'duty-plan-leader');
    await leaderError.waitFor();
    assert.match(await leaderError.innerText(), /节假日和重要时间节点须安排带班领导/);
    assert.equal((await lead.call('GET', '/api/duty/roster?month=2026-10')).json.days[0].on_duty, null, 'nothing stored');
    await S.shot('duty-plan-no-leader');
    await pick(page, 'duty-plan-leader', 'duty-plan-leader-lead1');
    await page.getByTestId('duty-plan-submit').click();
    await page.getByTestId('duty-plan-dialog').waitFor({ state: 'hidden' });
    await page.locator('[data-testid="duty-leader-2026-10-01"]', { hasText: '张领导' }).waitFor();
    assert.equal((await page.getByTestId('duty-person-2026-10-01').innerText()).trim(), '王值班');

    // a key date on a working day asks for a leader too
    await page.getByTestId('duty-keydate-2026-10-09').click();
    await page.getByTestId('duty-key-dialog').waitFor();
    await page.getByTestId('duty-key-name').fill('重要会议期间');
    await page.getByTestId('duty-key-submit').click();
    await page.getByTestId('duty-key-dialog').waitFor({ state: 'hidden' });
    assert.equal((await page.getByTestId('duty-key-2026-10-09').innerText()).trim(), '重要会议期间');
    assert.equal((await page.getByTestId('duty-leader-2026-10-09').innerText()).trim(), '须安排带班领导');

    const api = (await lead.call('GET', '/api/duty/roster?month=2026-10')).json;
    assert.equal(api.days[0].leader.name, '张领导');
    assert.equal(api.days[8].key_date, '重要会议期间');
    assert.equal(await page.getByTestId('duty-gaps').getAttribute('data-count'), String(api.gaps));
    assert.equal(await page.getByTestId('duty-without-leader').getAttribute('data-count'), String(api.without_leader));
    await S.shot('duty-roster-october');
    assert.deepEqual(await S.cspViolations(), []);
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });

  test('on the holiday the person on duty checks in with an anomaly that opens an incident', async () => {
    clockAt('2026-10-01T08:40');
    const S = await newPage(browser);
    const page = S.page;
    await uiSignIn(page, srv.url, 'duty1', STRONG);
    await page.getByTestId('nav-monitor').click();
    await page.waitForURL(`${srv.url}/monitor`);
    await page.getByTestId('tab-duty-roster').click();
    await page.waitForURL(`${srv.url}/monitor/duty`);
    const form = page.getByTestId('duty-checkin');
    await page.getByTestId('duty-checkin-read').waitFor();
    assert.match(await form.innerText(), /今日值班签到（2026-10-01）/);
    // the incident is offered once an anomaly is written
    assert.equal(await page.getByTestId('duty-checkin-incident').count(), 0);
    await page.getByTestId('duty-checkin-read').fill('门户网站首页及各栏目');
    // the website's columns, each ticked as it is read
    await page.getByTestId(`duty-column-${columns[0]}`).click();
    await page.getByTestId(`duty-column-${columns[1]}`).click();
    assert.match(await form.innerText(), /已阅读的栏目（2\/2）/);
    await page.getByTestId('duty-checkin-anomaly').fill('“通知公告”栏目出现乱码');
    await page.getByTestId('duty-checkin-incident').click();
    await page.getByTestId('duty-checkin-submit').click();
    const notice = page.getByTestId('duty-notice');
    await notice.waitFor();
    const m = (await notice.innerText()).match(/已签到，并已登记安全事件 #(\d+)/);
    assert.ok(m, await notice.innerText());
    const incident = Number(m[1]);
    const checkins = page.getByTestId('duty-checkins-2026-10-01');
    await checkins.waitFor();
    assert.match(await checkins.innerText(), /门户网站首页及各栏目/);
    assert.match(await checkins.innerText(), /异常：“通知公告”栏目出现乱码/);
    assert.match(await checkins.innerText(), /已读栏目：通知公告、政务动态/);
    assert.match(await page.getByTestId('duty-checkin-count').innerText(), /今日已签到 1 次/);
    // the handover for whoever is on duty next
    await page.getByTestId('duty-handover-note').fill('乱码已报事件，待修复后复查');
    await page.getByTestId('duty-handover-submit').click();
    await page.getByTestId('duty-notice').filter({ hasText: '已交班' }).waitFor();
    assert.match(await page.getByTestId('duty-handover-2026-10-01').innerText(), /交班：乱码已报事件，待修复后复查/);
    assert.equal(await page.getByTestId('duty-handover-note').count(), 0, 'once a day');
    await S.shot('duty-checked-in');
    const inc = await lead.call('GET', `/api/incidents/${incident}`);
    assert.equal(inc.json.source, 'duty');
    await page.getByTestId('duty-notice-incident').click();
    await page.waitForURL(`${srv.url}/incidents/${incident}`);
    await page.getByTestId('incident-page').waitFor();
    assert.deepEqual(S.problems, []);
    await S.context.close();

    // another 值班员 is told whose day it is
    const O = await newPage(browser);
    await uiSignIn(O.page, srv.url, 'duty2', STRONG);
    await O.page.goto(`${srv.url}/monitor/duty`);
    const other = O.page.getByTestId('duty-checkin-not-mine');
    await other.waitFor();
    assert.match(await other.innerText(), /今天的值班人员是 王值班/);
    assert.equal(await O.page.getByTestId('duty-checkin-read').count(), 0);
    assert.deepEqual(O.problems, []);
    await O.context.close();
  });

  test('the person on duty asks a swap with a reason and a leader approves it', async () => {
    clockAt('2026-10-01T09:00');
    let r = await sec.call('POST', '/api/duty/roster', { date: '2026-10-02', user_id: duty.id, leader_id: lead.id });
    assert.equal(r.status, 200, r.body);
    const S = await newPage(browser);
    const page = S.page;
    await uiSignIn(page, srv.url, 'duty1', STRONG);
    await page.goto(`${srv.url}/monitor/duty`);
    await page.getByTestId('duty-day-2026-10-02').waitFor();
    // only one's own days carry the button
    assert.equal(await page.getByTestId('duty-swap-2026-09-30').count(), 0);
    await page.getByTestId('duty-swap-2026-10-02').click();
    const dialog = 'duty-swap-dialog';
    await page.getByTestId(dialog).waitFor();
    // oneself is not offered as the stand-in
    await page.getByTestId('duty-swap-to').click();
    const offered = await page.locator('[data-testid^="duty-swap-to-"]').evaluateAll((els) => els.map((e) => e.innerText.trim()));
    assert.deepEqual(offered.filter(Boolean), ['李值班']);
    await page.locator('[data-testid^="duty-swap-to-"]', { hasText: '李值班' }).click();
    // the reason is required: the server's message under its field, nothing asked
    await page.getByTestId('duty-swap-submit').click();
    const reasonError = fieldError(page, dialog, 'duty-swap-reason');
    await reasonError.waitFor();
    assert.match(await reasonError.innerText(), /换班原因/);
    assert.equal((await lead.call('GET', '/api/duty/swaps')).json.items.length, 0);
    await page.getByTestId('duty-swap-reason').fill('参加上级组织的培训');
    await page.getByTestId('duty-swap-submit').click();
    await page.getByTestId(dialog).waitFor({ state: 'hidden' });
    assert.match(await page.getByTestId('duty-notice').innerText(), /已提交 2026-10-02 的换班申请/);
    const swap = (await lead.call('GET', '/api/duty/swaps')).json.items[0];
    assert.equal(swap.state, 'pending');
    assert.equal((await page.getByTestId(`duty-swap-state-${swap.id}`).innerText()).trim(), '待审批');
    // the person who asked cannot decide
    assert.equal(await page.getByTestId(`duty-swap-approve-${swap.id}`).count(), 0);
    await S.context.close();

    const L = await newPage(browser);
    await uiSignIn(L.page, srv.url, 'lead1', STRONG);
    await L.page.goto(`${srv.url}/monitor/duty`);
    await L.page.getByTestId(`duty-swap-approve-${swap.id}`).click();
    await L.page.locator(`[data-testid="duty-swap-state-${swap.id}"]`, { hasText: '已批准' }).waitFor();
    await L.page.locator('[data-testid="duty-person-2026-10-02"]', { hasText: '李值班' }).waitFor();
    assert.equal(await L.page.getByTestId(`duty-swap-approve-${swap.id}`).count(), 0, 'decided once');
    r = await lead.call('GET', '/api/duty/roster?month=2026-10');
    assert.equal(r.json.days[1].on_duty.name, '李值班');
    await L.shot('duty-swap-approved');
    assert.deepEqual(L.problems, []);
    await L.context.close();
  });

  test('a leader’s dashboard lists the overdue duties', async () => {
    const overdue = (await lead.call('GET', '/api/obligations?state=overdue')).json.items;
    assert.ok(overdue.some((i) => i.key === 'backup_weekly' && i.period === 'W2026-09-28'), JSON.stringify(overdue.map((i) => i.key)));
    const S = await newPage(browser);
    const page = S.page;
    await uiSignIn(page, srv.url, 'lead1', STRONG);
    await page.goto(`${srv.url}/calendar`);
    await page.getByTestId('dashboard-page').waitFor();
    await page.locator(`[data-testid="dash-duties-overdue"][data-count="${overdue.length}"]`).waitFor();
    await page.getByTestId('dash-duty-backup_weekly-W2026-09-28').waitFor();
    assert.match(await page.getByTestId('dash-duty-backup_weekly-W2026-09-28').innerText(), /每周全量备份及备份日志/);
    // the sites card: none watched yet
    assert.match(await page.getByTestId('dash-sites').innerText(), /尚未添加监测网站/);
    await S.shot('dashboard-duties');
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });

  test('the owner of the weekly backup attaches evidence to its overdue week and sees it 已完成', async () => {
    const S = await newPage(browser);
    const page = S.page;
    await uiSignIn(page, srv.url, 'admin', STRONG, admin.totpSecret);
    await page.getByTestId('nav-calendar').click();
    await page.waitForURL(`${srv.url}/calendar`);
    await page.getByTestId('tab-duties').click();
    await page.waitForURL(`${srv.url}/calendar/duties`);
    await page.getByTestId('duties-page').waitFor();
    assert.match(await page.getByTestId('duties-today').innerText(), /2026-10-01/);
    await page.getByTestId('duties-mine').click();
    const state = page.getByTestId('duty-state-backup_weekly-W2026-09-28');
    await state.waitFor();
    assert.equal(await state.getAttribute('data-state'), 'overdue');
    assert.equal((await state.innerText()).trim(), '已逾期');
    // only the system administrator's duties are listed
    const titles = await page.locator('[data-testid^="duty-title-"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.ok(titles.every((id) => ['backup_daily', 'backup_weekly', 'restore_drill'].some((k) => id === `duty-title-${k}`)), titles.join(','));

    await page.getByTestId('duty-attach-backup_weekly-W2026-09-28').click();
    const dialog = 'duty-evidence-dialog';
    await page.getByTestId(dialog).waitFor();
    // the server's messages under their fields: the note first, then the file
    await page.getByTestId('duty-evidence-submit').click();
    const noteError = fieldError(page, dialog, 'duty-evidence-note');
    await noteError.waitFor();
    assert.match(await noteError.innerText(), /完成情况说明/);
    await page.getByTestId('duty-evidence-note').fill('第 40 周全量备份及日志');
    await page.getByTestId('duty-evidence-submit').click();
    const fileError = fieldError(page, dialog, 'duty-evidence-pick');
    await fileError.waitFor();
    assert.match(await fileError.innerText(), /须附上证据文件/);
    await page.getByTestId('duty-evidence-input').setInputFiles(join(work, '备份日志-第40周.txt'));
    await page.locator('[data-testid="duty-evidence-scan"][data-scan="clean"]').waitFor({ timeout: 30_000 });
    await S.shot('duty-evidence');
    await page.getByTestId('duty-evidence-submit').click();
    await page.getByTestId(dialog).waitFor({ state: 'hidden' });
    assert.match(await page.getByTestId('duties-notice').innerText(), /已提交证据：每周全量备份及备份日志（W2026-09-28）/);
    await page.locator('[data-testid="duty-state-backup_weekly-W2026-09-28"][data-state="done"]').waitFor();
    assert.equal((await state.innerText()).trim(), '已完成');
    assert.match(await page.getByTestId('duty-evidence-backup_weekly-W2026-09-28').innerText(), /第 40 周全量备份及日志/);
    assert.equal(await page.getByTestId('duty-attach-backup_weekly-W2026-09-28').count(), 0);
    await S.shot('duty-done');

    const api = (await sec.call('GET', '/api/obligations')).json.items.find((i) => i.key === 'backup_weekly' && i.period === 'W2026-09-28');
    assert.equal(api.state, 'done');
    assert.equal(api.evidence[0].text, '第 40 周全量备份及日志');
    assert.deepEqual(await S.cspViolations(), []);
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });

  test('the security administrator adds a duty of the unit’s own, fulfilled by a register’s entries', async () => {
    const S = await newPage(browser);
    const page = S.page;
    await nextTotpStep(); // signed in already in this suite: a new code
    await uiSignIn(page, srv.url, 'zhouan', STRONG, sec.totpSecret);
    await page.goto(`${srv.url}/calendar/duties`);
    await page.getByTestId('duties-page').waitFor();
    await page.getByTestId('duties-add').click();
    const dialog = page.getByTestId('duty-add-dialog');
    await dialog.waitFor();
    // an id not in the catalogue: the server's message under its field, nothing added
    await page.getByTestId('duty-add-title').fill('安全责任书季度核对');
    await page.getByTestId('duty-add-reqs').fill('ORG-99');
    const secRole = (await sec.call('GET', '/api/roles')).json.items.find((r) => r.code === 'secadmin').name;
    await page.getByTestId('duty-add-owner').click();
    await page.getByRole('option', { name: secRole, exact: true }).click();
    await page.getByTestId('duty-add-rule').click();
    await page.getByRole('option', { name: '每季度' }).click();
    await page.getByTestId('duty-add-evidence').click();
    await page.getByRole('option', { name: '以「安全责任书」本期的登记自动认定' }).click();
    await page.getByTestId('duty-add-submit').click();
    await fieldError(page, 'duty-add-dialog', 'duty-add-reqs').waitFor();
    assert.ok(!(await sec.call('GET', '/api/obligations')).json.items.some((i) => i.title === '安全责任书季度核对'));
    await page.getByTestId('duty-add-reqs').fill('ORG-3');
    await S.shot('duty-add');
    await page.getByTestId('duty-add-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.match(await page.getByTestId('duties-notice').innerText(), /已新增周期职责：安全责任书季度核对/);
    const added = (await sec.call('GET', '/api/obligations')).json.items.find((i) => i.title === '安全责任书季度核对');
    assert.equal(added.evidence_kind, 'register:letters');
    assert.equal(added.rule, 'quarterly');
    assert.equal(added.owner, 'secadmin');
    assert.equal((await page.getByTestId(`duty-auto-${added.key}`).innerText()).trim(), '以「安全责任书」本期的登记自动认定');
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });

  test('the security administrator gives a duty to a named person, fulfilled by a job’s runs, and gives it back to a role', async () => {
    const S = await newPage(browser);
    const page = S.page;
    await nextTotpStep();
    await uiSignIn(page, srv.url, 'zhouan', STRONG, sec.totpSecret);
    await page.goto(`${srv.url}/calendar/duties`);
    await page.getByTestId('duties-page').waitFor();
    await page.getByTestId('duties-add').click();
    const dialog = page.getByTestId('duty-add-dialog');
    await dialog.waitFor();
    await page.getByTestId('duty-add-title').fill('已发布内容每周复查');
    await page.getByTestId('duty-add-reqs').fill('PUB-6');
    await pick(page, 'duty-add-owner', 'duty-add-owner-user-duty1');
    await page.getByTestId('duty-add-rule').click();
    await page.getByRole('option', { name: '每周', exact: true }).click();
    await pick(page, 'duty-add-evidence', 'duty-add-evidence-job-publish.recheck');
    await S.shot('duty-add-person');
    await page.getByTestId('duty-add-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    const added = (await sec.call('GET', '/api/obligations')).json.items.find((i) => i.title === '已发布内容每周复查');
    assert.equal(added.owner, `user:${duty.id}`);
    assert.equal(added.owner_kind, 'person');
    assert.equal(added.evidence_kind, 'job:publish.recheck');
    assert.equal((await page.getByTestId(`duty-owner-${added.key}`).innerText()).trim(), '王值班');
    // the weekly re-check has run at start-up: the week is evidenced by its runs
    assert.equal(added.state, 'done', JSON.stringify(added));
    assert.match(await page.getByTestId(`duty-evidence-${added.key}-${added.period}`).innerText(), /已发布内容复查/);
    // back to a role through 修改
    await page.getByTestId(`duty-edit-${added.key}`).click();
    await page.getByTestId('duty-edit-dialog').waitFor();
    const secRole = (await sec.call('GET', '/api/roles')).json.items.find((r) => r.code === 'secadmin').name;
    await page.getByTestId('duty-edit-owner').click();
    await page.getByRole('option', { name: secRole, exact: true }).click();
    await page.getByTestId('duty-edit-submit').click();
    await page.getByTestId('duty-edit-dialog').waitFor({ state: 'hidden' });
    await page.getByTestId(`duty-owner-${added.key}`).filter({ hasText: secRole }).waitFor();
    const after = (await sec.call('GET', '/api/obligations')).json.items.find((i) => i.title === '已发布内容每周复查');
    assert.equal(after.owner, 'secadmin');
    assert.deepEqual(S.problems, []);
    await S.context.close();
  });
});
