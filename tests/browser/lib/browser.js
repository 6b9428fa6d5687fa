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

/**
 * Signs in through the sign-in page, by its fields' ids (the page speaks French or English);
 * `{ enter: true }` submits with Enter in the password field instead of the button.
 */
export async function signIn(page, user, { enter = false } = {}) {
  await page.goto(`${page.baseUrl}/#/login`);
  await page.locator('#login-email').fill(user.email);
  await page.locator('#login-password').fill(user.password);
  if (enter) await page.locator('#login-password').press('Enter');
  else await page.locator('#login-submit').click();
  await page.locator('#sign-out').waitFor();
}

/**
 * Signs in through the API and hands the page its session (when the sign-in page is not under
 * test), then opens `landing` and waits for its `heading` (by default « Mes dossiers » on the list).
 */
export async function signInByApi(page, baseUrl, person, { landing = '#/dossiers', heading = landing === '#/dossiers' ? 'Mes dossiers' : null } = {}) {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: person.email, password: person.password }),
  });
  assert.equal(res.status, 200);
  const login = await res.json();
  await page.goto(`${baseUrl}/#/login`);
  await page.evaluate(({ token, user, expires }) => {
    sessionStorage.setItem('consilium.token', token);
    sessionStorage.setItem('consilium.user', JSON.stringify(user));
    sessionStorage.setItem('consilium.expires', expires);
  }, { token: login.token, user: login.user, expires: login.expires_at });
  await page.goto(`${baseUrl}/${landing}`);
  await page.reload();
  if (heading) await page.getByRole('heading', { name: heading }).waitFor();
}

/**
 * How far the page reaches past the viewport's width (`scroll`, > 0: it scrolls sideways) and
 * the visible elements past the right edge that no box clips (`wide`, the first eight).
 */
export async function sidewaysOverflow(page) {
  return page.evaluate(() => {
    const inner = document.documentElement.clientWidth;
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
      }
      if (!clipped && r.right > inner + 0.5) wide.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} right=${Math.round(r.right)}`);
    }
    return { scroll: document.documentElement.scrollWidth - inner, wide: wide.slice(0, 8) };
  });
}

/** Fails when the page scrolls sideways, naming what sticks out; returns the overflow. */
export async function assertNoSidewaysScroll(page, what) {
  const o = await sidewaysOverflow(page);
  assert.ok(o.scroll <= 0, `${what}: the page scrolls ${o.scroll} px sideways (${o.wide.join(', ')})`);
  return o;
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
