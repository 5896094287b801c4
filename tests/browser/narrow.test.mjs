// Browser test: the pages people work in every day are usable on a 1024 px wide screen (an
// office laptop, a projector): the page never scrolls sideways, and the last column of each
// table (where the actions are) is on screen without scrolling the table.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { STRONG, adminClient, enrolledAppointee } from '../lib/session.mjs';
import { launch, newPage, uiSignIn } from '../lib/browser.mjs';

let srv;
let browser;
let admin;
let auditor;

/** Whether the page fits: no sideways scroll of the document, every table's last header cell on
 * screen. */
async function fits(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const tables = [...document.querySelectorAll('.el-table')].filter((t) => t.offsetParent);
    const lastCells = tables.map((t) => {
      const cells = t.querySelectorAll('.el-table__header th');
      const last = cells[cells.length - 1];
      return last ? last.getBoundingClientRect().right : 0;
    });
    return { scrollWidth: doc.scrollWidth, width: window.innerWidth, tables: tables.length, lastCells };
  });
}

describe('pages at 1024 px', { timeout: 180_000 }, () => {
  before(async () => {
    srv = await startServer();
    admin = await adminClient(srv);
    for (const [account, name] of [['zhangwei', '张伟'], ['lina', '李娜'], ['wangfang', '王芳']]) {
      const r = await admin.call('POST', '/api/users', { account, real_name: name, staff_type: 'staff' });
      assert.equal(r.status, 201, r.body);
    }
    auditor = await enrolledAppointee(srv, admin, 'shenji', 'auditor', { realName: '审计员' });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  const pages = [
    ['the accounts page', () => ['admin', () => admin], '/accounts', 'accounts-table'],
    ['the audit page', () => ['shenji', () => auditor], '/audit', null],
  ];
  for (const [what, who, path] of pages) {
    test(`${what} fits a 1024 px screen`, async () => {
      const tab = await newPage(browser);
      try {
        await tab.page.setViewportSize({ width: 1024, height: 768 });
        const [account, client] = who();
        await uiSignIn(tab.page, srv.url, account, STRONG, client().totpSecret);
        await tab.page.goto(`${srv.url}${path}`);
        await tab.page.locator('.el-table').first().waitFor();
        await tab.page.waitForTimeout(300); // column widths settle after the first layout
        const f = await fits(tab.page);
        await tab.shot(`narrow-${path.slice(1)}`);
        assert.ok(f.scrollWidth <= f.width, `the page scrolls sideways: ${f.scrollWidth} > ${f.width}`);
        assert.ok(f.tables > 0);
        for (const right of f.lastCells) assert.ok(right <= f.width + 1, `a table's last column ends at ${right} px`);
      } finally {
        await tab.context.close();
      }
    });
  }
});
