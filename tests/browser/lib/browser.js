// Headless Chromium (Debian's) through playwright-core: one browser per test file, one context
// per person; console errors, page errors and CSP violations fail the test.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { REPO } from './server.js';

export const SCREENSHOTS = path.join(REPO, 'test-artifacts', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

/** A new browser context for one person, on a laptop-half-screen viewport. */
export async function personPage(browser, server, { width = 1000, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.problems = problems;
  page.baseUrl = server.url;
  return page;
}

/** Messages the browser logs for expected failures (a 4xx the page shows to the user). */
const EXPECTED = [/Failed to load resource: the server responded with a status of 4\d\d/];

export function assertNoProblems(page) {
  const real = page.problems.filter((p) => !EXPECTED.some((re) => re.test(p)));
  assert.deepEqual(real, [], `browser problems on ${page.url()}`);
}

/** Signs in through the sign-in page, by its fields' ids (the page speaks French or English). */
export async function signIn(page, user) {
  await page.goto(`${page.baseUrl}/#/login`);
  await page.locator('#login-email').fill(user.email);
  await page.locator('#login-password').fill(user.password);
  await page.locator('#login-submit').click();
  await page.locator('#sign-out').waitFor();
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
