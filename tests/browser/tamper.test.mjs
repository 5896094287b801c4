// Browser test of 防篡改 (anti-tamper), in headless Chromium against a real `xinan serve` and a
// real guard agent (`xinan guard run … --server … --token …`) on a temporary document root.
//
// Requirements: MON-4 (web page anti-tamper: changes that did not come through review are
// undone and reported), MON-10 (alarms and their handling).
//
// The system administrator issues a token of scope guard; the agent makes its baseline and
// runs against the server. A page is defaced: the agent restores it and reports it. A duty
// officer opens 防篡改: the agent 在线 with its document root, the entries it guards and a
// heartbeat moments ago, and the event 已恢复 / 修改 on index.html with its time to restore in
// ms; the enrolment steps show this server's address, without the link to issue a token (that
// is the system administrator's). The system administrator sees that link, and on 栏目与来源
// the external CMS's deliveries with the note that none is configured, and a webshell dropped
// into the root quarantined, its file on the server, with the link 下载隔离文件 that downloads it
// as an octet-stream attachment. Screenshots go to
// tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, startServer, tempDir, waitFor } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee, grantedClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { agentSummary, durationText, quarantineFile, relativeTime } from '../../web/src/guard.js';

describe('the guard helpers, without a browser', () => {
  test('a heartbeat as a relative time, in Chinese and English', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const us = (msAgo) => (now - msAgo) * 1000;
    assert.equal(relativeTime(us(2000), now, 'zh-CN'), '刚刚');
    assert.equal(relativeTime(us(42_000), now, 'zh-CN'), '42秒前');
    assert.equal(relativeTime(us(3 * 60_000 + 5000), now, 'zh-CN'), '3分钟前');
    assert.equal(relativeTime(us(2 * 3600_000), now, 'zh-CN'), '2小时前');
    assert.equal(relativeTime(us(5 * 86400_000), now, 'zh-CN'), '5天前');
    assert.equal(relativeTime(us(-10_000), now, 'zh-CN'), '刚刚', 'a clock a little ahead');
    assert.equal(relativeTime(us(3 * 60_000), now, 'en'), '3 min ago');
    assert.equal(relativeTime(0, now, 'zh-CN'), '—');
  });
  test('the time to restore, and the counts by state', () => {
    assert.equal(durationText('restored', 0.4213), '0.42 ms');
    assert.equal(durationText('restored', 3.14), '3.1 ms');
    assert.equal(durationText('quarantined', 250.4), '250 ms');
    assert.equal(durationText('overflow_rescan', 0), '—');
    assert.equal(durationText('difference', 1), '—');
    assert.deepEqual(
      agentSummary([
        { state: 'online', events: [{ event: 'restored' }, { event: 'overflow_rescan' }] },
        { state: 'offline', events: [{ event: 'quarantined' }] },
      ]),
      { online: 1, offline: 1, tampering: 2, total: 2 },
    );
  });
  test('where a quarantined file is: a download, on the server, or on the host only', () => {
    const q = { event: 'quarantined', found: 'ab'.repeat(32) };
    assert.deepEqual(quarantineFile({ ...q, quarantine_file: true }, true), { state: 'download', href: `/api/guard/quarantine/${q.found}` });
    assert.deepEqual(quarantineFile({ ...q, quarantine_file: true }, false), { state: 'server' });
    assert.deepEqual(quarantineFile({ ...q, quarantine_file: false }, true), { state: 'host' });
    assert.equal(quarantineFile({ event: 'quarantined' }, true), null, 'a directory: no digest, no file');
    assert.equal(quarantineFile({ event: 'restored', quarantine_file: true }, true), null);
  });
});

let srv; let browser; let admin; let duty; let token; let root; let state; let agent;

function guard(...args) {
  const p = spawn(BIN, ['guard', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  p.out = '';
  p.err = '';
  p.stdout.on('data', (d) => { p.out += d; });
  p.stderr.on('data', (d) => { p.err += d; });
  return p;
}

const agents = async () => (await duty.call('GET', '/api/guard/agents')).json.items;

describe('防篡改', { timeout: 180_000 }, () => {
  before(async () => {
    const dir = tempDir();
    srv = await startServer({ dir });
    admin = await adminClient(srv);
    const sec = await enrolledAppointee(srv, admin, 'zhouan', 'secadmin', { realName: '周安全' });
    duty = await grantedClient(srv, admin, sec, 'duty1', 'duty', { realName: '王值班' });
    const r = await admin.call('POST', '/api/agents/tokens', { name: '门户网站服务器', scope: 'guard', expires_days: 30 });
    assert.equal(r.status, 201, r.body);
    token = r.json.token;
    root = join(dir, 'www');
    state = join(dir, 'guard-state');
    mkdirSync(join(root, 'news'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<h1>门户网站</h1>\n');
    writeFileSync(join(root, 'news/1.html'), '<p>新闻</p>\n');
    const b = guard('baseline', '--root', root, '--state', state);
    const code = await new Promise((res) => b.on('exit', res));
    assert.equal(code, 0, b.err);
    agent = guard('run', '--root', root, '--state', state, '--server', srv.url, '--token', token);
    browser = await launch();
  });

  after(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGKILL');
      await new Promise((r) => agent.on('exit', r));
    }
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  test('a defaced page is restored, and the duty officer sees the agent 在线 and the event 已恢复', async () => {
    await waitFor(async () => (await agents()).some((a) => a.state === 'online' && a.entries > 0), 'the heartbeat');
    writeFileSync(join(root, 'index.html'), '<h1>hacked</h1>');
    await waitFor(async () => (await agents())[0].events.some((e) => e.event === 'restored' && e.path === 'index.html'), 'the restore reported');
    assert.equal(readFileSync(join(root, 'index.html'), 'utf8'), '<h1>门户网站</h1>\n');
    const a = (await agents())[0];
    const ev = a.events.find((e) => e.event === 'restored' && e.path === 'index.html');

    const D = await newPage(browser);
    const page = D.page;
    await uiSignIn(page, srv.url, 'duty1', STRONG);
    await page.getByTestId('nav-tamper').click();
    await page.waitForURL(`${srv.url}/tamper`);
    await page.getByTestId('tamper-page').waitFor();
    assert.equal(await page.getByTestId('module-badge').count(), 0, 'no longer under construction');

    const stateTag = page.getByTestId(`guard-state-${a.id}`);
    await stateTag.waitFor();
    assert.equal(await stateTag.getAttribute('data-state'), 'online');
    assert.equal((await stateTag.innerText()).trim(), '在线');
    assert.match(await page.getByTestId(`guard-agent-${a.id}`).innerText(), /门户网站服务器/);
    assert.equal((await page.getByTestId(`guard-root-${a.id}`).innerText()).trim(), root);
    assert.equal((await page.getByTestId(`guard-entries-${a.id}`).innerText()).trim(), String(a.entries));
    assert.match((await page.getByTestId(`guard-seen-${a.id}`).innerText()).trim(), /^(刚刚|\d+秒前|1分钟前)$/);
    assert.equal((await page.getByTestId('tamper-count-online').getAttribute('data-count')), '1');

    const tag = page.getByTestId(`guard-event-${a.id}-${ev.seq}`);
    assert.equal((await tag.innerText()).trim(), '已恢复');
    const row = page.getByTestId(`guard-events-${a.id}`).locator('tr', { has: tag });
    const text = await row.innerText();
    assert.match(text, /修改/);
    assert.match(text, /index\.html/);
    assert.match((await page.getByTestId(`guard-ms-${a.id}-${ev.seq}`).innerText()).trim(), /^\d+(\.\d+)? ms$/);

    // how to enrol another: this server's address in the command; issuing tokens is not theirs
    assert.match(await page.getByTestId('tamper-run-cmd').innerText(), new RegExp(`--server ${srv.url.replace(/\./g, '\\.')} --token`));
    // nothing published here: only the local baseline is offered, no site key
    assert.equal(await page.getByTestId('tamper-enrol-published').count(), 0);
    assert.equal(await page.getByTestId('tamper-tokens-link').count(), 0);
    await D.shot('tamper-duty');

    // in English
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal((await stateTag.innerText()).trim(), 'Online');
    assert.equal((await tag.innerText()).trim(), 'Restored');
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');

    assert.deepEqual(await D.cspViolations(), []);
    assert.deepEqual(D.problems, []);
    await D.context.close();
  });

  test('the system administrator: the link to issue a token; a quarantined file to download; the CMS deliveries, not configured', async () => {
    // a webshell dropped into the root: quarantined, and its file sent to the server
    writeFileSync(join(root, 'shell.php'), '<?php system($_GET["c"]);');
    await waitFor(async () => (await agents())[0].events.some((e) => e.path === 'shell.php' && e.quarantine_file === true), 'the quarantined file on the server', 60000)
      .catch(async (e) => {
        const pending = join(state, 'uploads.pending');
        throw new Error(`${e.message}; events ${JSON.stringify((await agents())[0].events.filter((x) => x.path === 'shell.php'))}; ` +
          `uploads.pending ${existsSync(pending) ? JSON.stringify(readFileSync(pending, 'utf8')) : 'none'}; agent ${agent.err.slice(-2000)}`);
      });
    const a = (await agents())[0];
    const ev = a.events.find((e) => e.path === 'shell.php' && e.quarantine_file === true);
    const A = await newPage(browser);
    const page = A.page;
    await uiSignIn(page, srv.url, 'admin', STRONG, admin.totpSecret);
    await page.goto(`${srv.url}/tamper`);
    await page.getByTestId('tamper-page').waitFor();
    const link = page.getByTestId(`guard-file-${a.id}-${ev.seq}`);
    await link.waitFor();
    assert.equal(await link.getAttribute('data-state'), 'download');
    assert.equal((await link.innerText()).trim(), '下载隔离文件');
    const href = await link.getAttribute('href');
    assert.equal(href, `/api/guard/quarantine/${ev.found}`);
    const got = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), text: await r.text() };
    }, href);
    assert.equal(got.status, 200);
    assert.equal(got.type, 'application/octet-stream');
    assert.match(got.disposition, /^attachment; filename="shell\.php\.quarantine"/);
    assert.equal(got.text, '<?php system($_GET["c"]);');
    await A.shot('tamper-quarantine-download');
    await page.getByTestId('tamper-tokens-link').click();
    await page.waitForURL(`${srv.url}/accounts/agents`);
    await page.getByTestId('agents-table').getByText('门户网站服务器').waitFor();

    await page.goto(`${srv.url}/publish/columns`);
    const panel = page.getByTestId('cms-panel');
    await panel.waitFor();
    assert.equal(await panel.getAttribute('data-configured'), 'false');
    assert.match(await page.getByTestId('cms-not-configured').innerText(), /publish\.cms_url/);
    assert.match(await panel.innerText(), /外部 CMS 推送记录/);
    await A.shot('publish-cms-not-configured');
    assert.deepEqual(await A.cspViolations(), []);
    assert.deepEqual(A.problems, []);
    await A.context.close();
  });
});
