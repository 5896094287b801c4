// Headless Chromium for the browser tests (Debian's /usr/bin/chromium through playwright-core),
// with what every browser test records: console errors, uncaught page errors, failed requests
// and CSP violations; screenshots go to tests/output/ (git-ignored).
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { totp } from './session.mjs';

export const OUTPUT_DIR = fileURLToPath(new URL('../output/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launch() {
  await mkdir(OUTPUT_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// An HTTP answer the page asked for and handles itself (a 401 before sign-in, a refusal it
// shows) is logged by Chromium as "Failed to load resource"; that is not a page error.
const HANDLED_HTTP = /^Failed to load resource: the server responded with a status of (40[0-9]|4[1-2][0-9]|50[0-9])/;

/**
 * A fresh browser context (its own cookies) and page. Resolves to
 * { context, page, problems, shot(name), cspViolations(), quiet } where `problems` collects
 * console errors, page errors and failed requests while `quiet.on` is false.
 */
export async function newPage(browser, { locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1366, height: 800 },
    locale,
    timezoneId: 'Asia/Shanghai',
    reducedMotion: 'reduce', // no transitions half-way through in screenshots
    acceptDownloads: true,
  });
  await context.addInitScript(() => {
    window.__xnCspViolations = [];
    window.__xnDialogs = 0;
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__xnCspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  const quiet = { on: false };
  page.on('console', (msg) => {
    if (msg.type() !== 'error' || quiet.on) return;
    if (HANDLED_HTTP.test(msg.text())) return;
    problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    // A navigation cancels requests in flight: that is not an error.
    const reason = req.failure()?.errorText || '';
    if (!quiet.on && reason !== 'net::ERR_ABORTED') problems.push(`requestfailed: ${req.url()} ${reason}`);
  });
  // A script dialog (alert/confirm) would mean injected markup ran.
  page.on('dialog', async (d) => {
    problems.push(`dialog: ${d.type()} ${d.message()}`);
    await d.dismiss();
  });
  return {
    context,
    page,
    problems,
    quiet,
    shot: (name) => page.screenshot({ path: `${OUTPUT_DIR}${name}.png`, fullPage: true }),
    cspViolations: () => page.evaluate(() => window.__xnCspViolations || []),
  };
}

/**
 * Signs in through the login page: account and password, then the TOTP code when asked.
 * The code is the one of the next 30-second step (the server accepts ±1 step and never the
 * step already used, e.g. by the enrolment just before).
 */
export async function uiSignIn(page, baseUrl, account, password, totpSecret) {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-account').fill(account);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  if (totpSecret) {
    await page.getByTestId('login-code').waitFor();
    await page.getByTestId('login-code').fill(totp(totpSecret, 1));
    await page.getByTestId('login-submit').click();
  }
  await page.getByTestId('login-page').waitFor({ state: 'detached' });
}
