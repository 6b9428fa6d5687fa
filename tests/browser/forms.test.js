// Forms: bad input shows the field's error next to the field (from the server's problem
// document), sign-in failures and sign-out, and a keyboard-only sign-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld } from './lib/world.js';
import { launch, personPage, signIn, screenshot, assertNoProblems } from './lib/browser.js';

let server;
let browser;
let world;

before(async () => {
  server = await startServer();
  world = await buildWorld(server);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

test('sign-in with the keyboard, a wrong password, and sign-out', { timeout: 60000 }, async () => {
  const page = await personPage(browser, server);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Sign in to Consilium' }).waitFor();

  await page.getByLabel('E-mail').fill(world.referrer.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong e-mail or password.' }).waitFor();

  // Keyboard only: the e-mail field, Tab to the password, Enter to sign in.
  await page.getByLabel('E-mail').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(world.referrer.email);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password');
  await page.keyboard.type(world.referrer.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'My dossiers' }).waitFor();
  // After navigation the focus is on the page's heading.
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Consilium' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('consilium.token')), null);
  await page.goto(`${server.url}/#/dossiers`);
  await page.getByRole('heading', { name: 'Sign in to Consilium' }).waitFor();
  assertNoProblems(page);
});

test('a form with bad input shows the field’s error', { timeout: 60000 }, async () => {
  const page = await personPage(browser, server);
  await signIn(page, world.referrer);
  await page.getByRole('link', { name: 'New dossier' }).click();
  await page.getByRole('heading', { name: 'New dossier' }).waitFor();
  await page.getByLabel('Board').selectOption({ label: world.board.name });
  await page.getByLabel('Title', { exact: true }).fill('Optic neuritis, MOG antibodies?');
  await page.getByLabel('Pseudonym').fill('SEP-0007');
  await page.getByLabel('Birth year').fill('1850');
  await page.getByLabel('Clinical question').fill('Treat as MOGAD?');

  // The server refuses the birth year; the page says so next to that field, and focuses it.
  await page.getByRole('button', { name: 'Create draft' }).click();
  const birthYear = page.getByLabel('Birth year');
  const error = page.locator('#d-birth-year-error');
  await error.waitFor();
  assert.match(await error.innerText(), /^Must be between 1900 and \d{4}$/);
  assert.equal(await birthYear.getAttribute('aria-invalid'), 'true');
  assert.match(await birthYear.getAttribute('aria-describedby'), /d-birth-year-error/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'd-birth-year');
  await screenshot(page, '02-new-dossier-error');

  // Another field: the title is required.
  await birthYear.fill('1990');
  await page.getByLabel('Title', { exact: true }).fill('   ');
  await page.getByRole('button', { name: 'Create draft' }).click();
  await page.locator('#d-title-error', { hasText: /empty|required/i }).waitFor();
  assert.equal(await page.locator('#d-birth-year-error').isHidden(), true, 'the fixed field is clear');

  // Nothing was created by the refused attempts.
  const token = await world.rest.login(world.referrer.email);
  assert.equal((await world.rest.call('GET', '/api/dossiers', token)).items.length, 0);

  // Submitting without consent: the error shows at the consent box of the dossier page.
  await page.getByLabel('Title', { exact: true }).fill('Optic neuritis, MOG antibodies?');
  await page.getByRole('button', { name: 'Create draft' }).click();
  await page.getByRole('button', { name: 'Submit to the board' }).click();
  const consentError = page.locator('#dp-consent-error');
  await consentError.waitFor();
  assert.match(await consentError.innerText(), /consent must be recorded/);
  // The box is replaced by "recorded" once the server has it: click, not check(), which
  // would look for the box's state after it has left the page.
  await page.getByLabel('The patient has consented to this referral').click();
  await page.getByText('recorded', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Submit to the board' }).click();
  await page.locator('#dossier-status', { hasText: 'Submitted' }).waitFor();
  assertNoProblems(page);
});
