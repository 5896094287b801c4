// Browser test of 证据文件 (PUB-12, files room) in headless Chromium against a real
// `xinan serve` and a real clamd (tests/lib/clamd.mjs: a signature database made here that
// detects only the EICAR test file).
//
// A person with no administrative role signs in, reaches 证据文件 from the navigation, uploads a
// file with a Chinese name and sees it listed as 无毒 with their name as uploader, then downloads
// it: the browser's file carries the Chinese name and the same bytes, and the download is on
// the audit trail. An EICAR test file uploaded next is reported quarantined and does not appear
// in the uploader's list. Screenshots go to tests/output/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditRows, startServer, tempDir } from '../lib/server.mjs';
import { STRONG, adminClient, userClient } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';
import { startClamd, EICAR } from '../lib/clamd.mjs';

let clamd; let srv; let browser; let S; let work;
const NAME = '演练照片说明（第二季度）.txt';
const BODY = '2026年第二季度网站篡改应急演练：14:00 开始，14:25 恢复。\n';

describe('evidence files in the browser', { timeout: 240_000 }, () => {
  before(async () => {
    work = tempDir();
    await writeFile(join(work, NAME), BODY);
    await writeFile(join(work, 'eicar.txt'), EICAR);
    clamd = await startClamd();
    srv = await startServer({ env: { XINAN_FILES_CLAMD: clamd.socket } });
    const admin = await adminClient(srv);
    await userClient(srv, admin, 'liuyang', { realName: '刘洋' });
    browser = await launch();
    S = await newPage(browser);
    await uiSignIn(S.page, srv.url, 'liuyang', STRONG);
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) {
      await srv.stop();
      srv.cleanup();
    }
    if (clamd) await clamd.stop();
  });

  test('a person uploads a file, sees it listed as clean and downloads it', async () => {
    const page = S.page;
    // a member of staff reads none of the dashboard's cards: the module opens on 周期职责
    await page.getByTestId('nav-calendar').click();
    await page.waitForURL(`${srv.url}/calendar/duties`);
    await page.getByTestId('tab-files').click();
    await page.waitForURL(`${srv.url}/calendar/files`);
    await page.getByTestId('files-page').waitFor();
    assert.match(await page.getByTestId('files-table').innerText(), /暂无文件/);

    await page.getByTestId('files-input').setInputFiles(join(work, NAME));
    const notice = page.getByTestId('files-notice');
    await notice.waitFor();
    assert.match(await notice.innerText(), /已上传：演练照片说明（第二季度）\.txt（无毒）/);
    const row = page.getByTestId('files-table').locator('tbody tr').first();
    await row.getByText(NAME).waitFor();
    const text = await row.innerText();
    assert.match(text, /无毒/);
    assert.match(text, /刘洋/);
    assert.match(text, /text\/plain/);
    const id = (await row.locator('[data-testid^="files-scan-"]').getAttribute('data-testid')).replace('files-scan-', '');
    const tagClass = await page.getByTestId(`files-scan-${id}`).getAttribute('class');
    assert.match(tagClass, /el-tag--success/);
    await S.shot('files-listed-clean');

    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`files-download-${id}`).click()]);
    assert.equal(dl.suggestedFilename(), NAME);
    assert.equal(await readFile(await dl.path(), 'utf8'), BODY);
    const downloads = auditRows(srv.db, 'file.download').filter((a) => a.object_id === id);
    assert.equal(downloads.length, 1);
    assert.equal(downloads[0].actor_name, 'liuyang');
    assert.equal(downloads[0].result, 'ok');
  });

  test('an infected upload is reported quarantined and kept out of the uploader\'s list', async () => {
    const page = S.page;
    await page.getByTestId('files-input').setInputFiles(join(work, 'eicar.txt'));
    await page.getByTestId('files-notice').getByText('eicar.txt（已隔离）').waitFor();
    await page.getByTestId('files-table').locator('tbody tr').first().getByText(NAME).waitFor();
    const rows = await page.getByTestId('files-table').locator('tbody tr').count();
    assert.equal(rows, 1);
    assert.doesNotMatch(await page.getByTestId('files-table').innerText(), /eicar/);
    assert.deepEqual(S.problems, []);
    assert.deepEqual(await S.cspViolations(), []);
  });
});
