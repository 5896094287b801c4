// Browser test of 通知 and 系统任务, in headless Chromium against a real `xinan serve` and a
// fake WeCom robot on loopback: the system administrator adds a WeCom channel through the
// dialog, presses 发送测试消息, the robot receives the test message and the message shows as
// 已送达; on 模板 a template with an unknown variable is refused in the dialog, a good one is
// saved and used by the next test message, and 恢复默认 brings the default back; on 系统任务
// the kinds are listed and 立即运行 puts a run in the history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, waitFor, auditRows } from '../lib/server.mjs';
import { STRONG, adminClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

let server; let admin; let browser; let robot; let ui; const seen = [];

before(async () => {
  server = await startServer();
  admin = await adminClient(server);
  robot = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise((r) => robot.listen(0, '127.0.0.1', r));
  browser = await launch();
  // one sign-in: a TOTP code is accepted once
  ui = await newPage(browser);
  await uiSignIn(ui.page, server.url, 'admin', STRONG, admin.totpSecret);
});

after(async () => {
  await browser?.close();
  await server.stop();
  robot.close();
});

test('a WeCom channel set up in the UI receives the test message and shows it delivered', async () => {
  const { page, problems, shot } = ui;
  await page.goto(`${server.url}/settings/notify`);
  await page.getByTestId('notify-page').waitFor();
  await page.getByTestId('channel-add').click();
  await page.getByTestId('channel-name').fill('值班群');
  await page.getByTestId('channel-url').fill(`http://127.0.0.1:${robot.address().port}/cgi-bin/webhook/send?key=k1`);
  await page.getByTestId('channel-save').click();
  await page.getByTestId('channel-dialog').waitFor({ state: 'hidden' });
  const row = page.getByTestId('channels-table').locator('tr', { hasText: '值班群' });
  await row.waitFor();
  await row.getByText('发送测试消息').click();
  await page.getByTestId('notify-notice').waitFor();
  await waitFor(() => seen.length === 1, 'the robot receiving the test message');
  assert.match(seen[0].text.content, /这是信安发出的测试消息（渠道：值班群）/);
  await page.getByRole('tab', { name: '消息' }).click();
  await waitFor(async () => {
    await page.getByText('刷新').click();
    return (await page.locator('[data-state="sent"]').count()) > 0;
  }, 'the message shown as delivered');
  assert.equal(auditRows(server.db, 'notify.channel_create').length, 1);
  assert.equal(auditRows(server.db, 'notify.channel_test').length, 1);
  await shot('notify-messages');
  assert.deepEqual(problems, []);
});

test('模板: an unknown variable is refused, a saved template is what the robot receives, 恢复默认 restores', async () => {
  const { page, problems, shot, quiet } = ui;
  await page.goto(`${server.url}/settings/notify`);
  await page.getByTestId('notify-page').waitFor();
  await page.getByRole('tab', { name: '模板' }).click();
  await page.getByTestId('template-edit-notify.test').click();
  const input = page.getByTestId('template-input');
  await input.fill('值班提醒：{owner} ');
  await page.getByTestId('template-var-channel').click();
  assert.equal(await input.inputValue(), '值班提醒：{owner} {channel}');
  quiet.on = true; // the 400 is the answer the dialog shows
  await page.getByTestId('template-save').click();
  await page.getByTestId('template-error').getByText('模板中有未知变量 {owner}', { exact: false }).waitFor();
  quiet.on = false;
  await input.fill('值班提醒：渠道 ');
  await page.getByTestId('template-var-channel').click();
  await page.getByTestId('template-save').click();
  await page.getByTestId('template-dialog').waitFor({ state: 'hidden' });
  await page.getByTestId('template-customized-notify.test').waitFor();
  assert.equal(await page.getByTestId('template-text-notify.test').innerText(), '值班提醒：渠道 {channel}');
  await shot('notify-templates');

  const before = seen.length;
  await page.getByRole('tab', { name: '渠道' }).click();
  await page.getByTestId('channels-table').locator('tr', { hasText: '值班群' }).getByText('发送测试消息').click();
  await waitFor(() => seen.length === before + 1, 'the robot receiving the second test message');
  assert.equal(seen[before].text.content, '【测试消息】\n值班提醒：渠道 值班群');

  await page.getByRole('tab', { name: '模板' }).click();
  await page.getByTestId('template-restore-notify.test').click();
  await page.getByRole('button', { name: '恢复默认' }).last().click();
  await page.getByTestId('template-customized-notify.test').waitFor({ state: 'detached' });
  assert.match(await page.getByTestId('template-text-notify.test').innerText(), /这是信安发出的测试消息（渠道：\{channel\}）/);
  assert.equal(auditRows(server.db, 'notify.template_update').length, 2);
  assert.deepEqual(problems, []);
});

test('系统任务 lists the kinds and 立即运行 adds a run to the history', async () => {
  const { page, problems, shot } = ui;
  await page.goto(`${server.url}/settings/jobs`);
  await page.getByTestId('jobs-page').waitFor();
  await page.getByTestId('jobs-table').getByText('审计记录保留期清理').waitFor();
  await page.getByTestId('jobs-run-jobs.purge').click();
  await page.getByTestId('jobs-notice').waitFor();
  await waitFor(() => auditRows(server.db, 'jobs.run').length === 1, 'the audited run now');
  await waitFor(async () => {
    const r = await admin.call('GET', '/api/jobs/runs?kind=jobs.purge');
    return r.json.items.length >= 2;
  }, 'the second run');
  await page.getByText('刷新').click();
  await page.getByTestId('jobs-runs').getByText('任务记录保留期清理').first().waitFor();
  await shot('jobs');
  assert.deepEqual(problems, []);
});
