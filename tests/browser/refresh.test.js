// Staying signed in while working (issue 15, API.md section 16): with one-hour tokens cut to
// 90 seconds, a clinician who keeps using the pages gets a fresh token before the old one
// ends (the page exchanges it by itself in the token's last third, web/keepalive.js), stays on
// the page, and the new token works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld } from './lib/world.js';
import { launch, personPage, signIn, assertNoProblems } from './lib/browser.js';

let server;
let browser;

before(async () => {
  server = await startServer({ env: { CONSILIUM_TOKEN_TTL_SECS: '90' } });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

test('an active user’s token is refreshed before it expires', { timeout: 120000 }, async () => {
  const world = await buildWorld(server);
  const page = await personPage(browser, server);
  await signIn(page, world.referrer);
  // The session is kept in localStorage (shared by the tabs), under web/api.js's keys.
  const first = await page.evaluate(() => localStorage.getItem('consilium.token'));
  const expires = await page.evaluate(() => localStorage.getItem('consilium.expires'));
  assert.ok(first, 'the sign-in keeps the token');
  assert.ok(expires, 'the sign-in keeps the expiry');
  // The person works: typing and clicking count as activity.
  await page.keyboard.press('Tab');
  await page.mouse.click(5, 5);
  await page.waitForFunction(
    (old) => localStorage.getItem('consilium.token') !== old,
    first,
    { timeout: 80000, polling: 500 },
  );
  const refreshedAt = Date.now();
  const second = await page.evaluate(() => localStorage.getItem('consilium.token'));
  const later = await page.evaluate(() => localStorage.getItem('consilium.expires'));
  assert.ok(Date.parse(later) > Date.parse(expires), 'the new token ends later');
  assert.ok(refreshedAt < Date.parse(expires), 'refreshed before the old token ended');
  // Still signed in, and the new token is the one the pages use.
  await page.goto(`${server.url}/#/dossiers`);
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
  const status = await page.evaluate(async (token) => (await fetch('/api/me', {
    headers: { Authorization: `Bearer ${token}` },
  })).status, second);
  assert.equal(status, 200);
  assertNoProblems(page);
});
