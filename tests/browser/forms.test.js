// Forms, in French (the pages' default language): bad input shows the field's error next to the
// field (caught by the page itself, or from the server's problem document), sign-in failures
// and sign-out, and a keyboard-only sign-in.
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
  await page.getByRole('heading', { name: 'Connexion à Consilium' }).waitFor();

  await page.getByLabel('Adresse e-mail').fill(world.referrer.email);
  await page.getByLabel('Mot de passe').fill('not the password');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('alert').filter({ hasText: 'Adresse e-mail ou mot de passe incorrect.' }).waitFor();

  // Keyboard only: the e-mail field, Tab to the password, Enter to sign in.
  await page.getByLabel('Adresse e-mail').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(world.referrer.email);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password');
  await page.keyboard.type(world.referrer.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
  // After navigation the focus is on the page's heading.
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
  assert.ok(await page.evaluate(() => localStorage.getItem('consilium.token')), 'the session is kept');

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('heading', { name: 'Connexion à Consilium' }).waitFor();
  await page.locator('#login-notice', { hasText: 'Vous êtes déconnecté de Consilium.' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('consilium.token')), null);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('consilium.token')), null);
  await page.goto(`${server.url}/#/dossiers`);
  await page.getByRole('heading', { name: 'Connexion à Consilium' }).waitFor();
  assertNoProblems(page);
});

test('a form with bad input shows the field’s error', { timeout: 60000 }, async () => {
  const page = await personPage(browser, server);
  await signIn(page, world.referrer);
  // The dossiers the page sends to the server.
  const creations = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/dossiers') creations.push(req.url());
  });
  await page.getByRole('link', { name: 'Nouveau dossier' }).click();
  await page.getByRole('heading', { name: 'Nouveau dossier' }).waitFor();
  await page.getByLabel('Groupe').selectOption({ label: world.board.name });
  await page.getByLabel('Titre').fill('Optic neuritis, MOG antibodies?');
  await page.getByLabel('Pseudonyme').fill('SEP-0007');
  await page.getByLabel('Année de naissance').fill('1850');
  await page.getByLabel('Question clinique').fill('Treat as MOGAD?');

  // The page refuses the birth year before sending anything: the error is next to that field,
  // and the summary that takes the focus leads to it.
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  const birthYear = page.getByLabel('Année de naissance');
  const error = page.locator('#d-birth-year-error');
  await error.waitFor();
  assert.match(await error.innerText(), /^L’année de naissance doit être comprise entre 1900 et \d{4}\.$/);
  assert.equal(await birthYear.getAttribute('aria-invalid'), 'true');
  assert.match(await birthYear.getAttribute('aria-describedby'), /d-birth-year-error/);
  const summary = page.locator('#new-dossier-form .error-summary');
  assert.equal(await summary.locator('li').count(), 1);
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('error-summary')), true);
  await summary.getByRole('link', { name: /Année de naissance/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'd-birth-year');
  assert.equal(creations.length, 0, 'nothing sent');
  await screenshot(page, '02-new-dossier-error');

  // Another field: the title is required.
  await birthYear.fill('1990');
  await page.getByLabel('Titre').fill('   ');
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  await page.locator('#d-title-error', { hasText: 'Indiquez un titre.' }).waitFor();
  assert.equal(await page.getByLabel('Titre').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#d-birth-year-error').isHidden(), true, 'the fixed field is clear');
  assert.equal(await birthYear.getAttribute('aria-invalid'), null);
  assert.equal(creations.length, 0, 'nothing sent');

  // What only the server finds (a tab in the title) shows next to its field too, in French.
  await page.getByLabel('Titre').fill('Optic\tneuritis, MOG antibodies?');
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  await page.locator('#d-title-error', { hasText: 'caractères invisibles' }).waitFor();
  assert.equal(await page.getByLabel('Titre').getAttribute('aria-invalid'), 'true');
  assert.equal(creations.length, 1, 'sent once, and refused');

  // Nothing was created by the refused attempts.
  const token = await world.rest.login(world.referrer.email);
  assert.equal((await world.rest.call('GET', '/api/dossiers', token)).items.length, 0);

  // Submitting without consent: the edit form of the dossier page opens with the error at its
  // consent box, and no confirmation is asked.
  await page.getByLabel('Titre').fill('Optic neuritis, MOG antibodies?');
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  await page.getByRole('heading', { name: /Optic neuritis, MOG antibodies\?/ }).waitFor();
  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  const consentError = page.locator('#e-consent-error');
  await consentError.waitFor();
  assert.match(await consentError.innerText(), /consentement du patient doit être recueilli/);
  assert.equal(await page.locator('#e-consent').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#edit-dossier-form .error-summary li').count(), 1, 'only the consent is missing');
  assert.equal(await page.locator('dialog[open]').count(), 0);
  const [draft] = (await world.rest.call('GET', '/api/dossiers', token)).items;
  assert.equal(draft.status, 'draft');

  // The consent is recorded in the form; once saved, the page says so, and submitting works.
  await page.getByLabel('Le patient a consenti à cette demande d’avis').check();
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.locator('#dossier-consent', { hasText: 'Recueilli' }).waitFor();
  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  const dialog = page.getByRole('dialog', { name: 'Soumettre le dossier ?' });
  await dialog.getByRole('button', { name: 'Soumettre', exact: true }).click();
  await page.locator('#dossier-status', { hasText: 'Soumis' }).waitFor();
  const submitted = await world.rest.call('GET', `/api/dossiers/${draft.id}`, token);
  assert.equal(submitted.status, 'submitted');
  assert.equal(submitted.consent, true);
  assertNoProblems(page);
});
