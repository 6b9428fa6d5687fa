// Sessions that last the meeting (API.md sections 4 and 16), in French first. Tokens live 24 s
// here instead of an hour, so that "a two-hour meeting" is a minute:
// - an active clinician typing a dossier crosses several token lifetimes without ever seeing
//   the sign-in page, and keeps what they typed;
// - a session that really ends (revoked from elsewhere) sends them to the sign-in page with the
//   French notice; signing in again leads back to their page with their unsaved input;
// - near the end of the twelve hours (the server refuses to refresh) a warning counts the
//   minutes, and at the end the sign-in page says the session expired;
// - a reopened tab is still signed in; signing out in one tab signs out the others;
// - the pages are French by default, English once chosen in the preferences, and the choice
//   is the user's (it follows them to another browser).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld } from './lib/world.js';
import { launch, personPage, screenshot, assertNoProblems } from './lib/browser.js';

const TTL_SECS = 24;

let server;
let browser;

before(async () => {
  server = await startServer({ env: { CONSILIUM_TOKEN_TTL_SECS: String(TTL_SECS) } });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Signs in through the French sign-in page (already shown, or opened). */
async function signInFr(page, user, { open = true, signOut = 'Se déconnecter' } = {}) {
  if (open) await page.goto(`${page.baseUrl}/#/login`);
  await page.getByRole('heading', { name: 'Connexion à Consilium' }).waitFor();
  await page.getByLabel('Adresse e-mail').fill(user.email);
  await page.getByLabel('Mot de passe').fill(user.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('button', { name: signOut }).waitFor();
}

const storedToken = (page) => page.evaluate(() => localStorage.getItem('consilium.token'));

/** The status of GET /api/me with `token`, from the page. */
const meStatus = (page, token) => page.evaluate(async (bearer) => (await fetch('/api/me', {
  headers: { Authorization: `Bearer ${bearer}` },
})).status, token);

/** Records every hash the page goes through (the sign-in page must never show up). */
const recordHashes = (page) => page.evaluate(() => {
  window.seenHashes = [location.hash];
  addEventListener('hashchange', () => window.seenHashes.push(location.hash));
});

describe('long work', { concurrency: true }, () => {
  test('an active clinician crosses several token lifetimes without signing in again, and keeps what they typed', { timeout: 150000 }, async () => {
    const world = await buildWorld(server);
    const page = await personPage(browser, server);
    await signInFr(page, world.referrer);
    await page.goto(`${server.url}/#/dossiers/new`);
    await page.locator('#new-dossier-form').waitFor();
    await recordHashes(page);

    await page.locator('#d-board').selectOption(world.board.id);
    await page.locator('#d-title').fill('SEP récurrente-rémittente, deuxième ligne ?');
    await page.locator('#d-pseudonym').fill('PSN-7731');
    await page.locator('#d-question').click();
    await page.keyboard.type('Faut-il passer à un traitement de haute efficacité');

    const first = await storedToken(page);
    const firstExpiry = Date.parse(await page.evaluate(() => localStorage.getItem('consilium.expires')));
    const tokens = new Set([first]);
    // The meeting goes on: the clinician writes the history bit by bit and moves the pointer.
    const history = 'Poussées en 2024 et 2025, IRM active.';
    const started = Date.now();
    let typed = 0;
    while (Date.now() - started < 2.7 * TTL_SECS * 1000) {
      await page.mouse.move(100 + Math.random() * 600, 200 + Math.random() * 400);
      if (typed < history.length) {
        await page.locator('#d-history').focus();
        await page.keyboard.press('End');
        await page.keyboard.type(history.slice(typed, typed + 2));
        typed += 2;
      }
      tokens.add(await storedToken(page));
      await sleep(1500);
    }
    tokens.add(await storedToken(page));
    await screenshot(page, 'session-life-long-work');

    // Several lifetimes went by: the first token is over, and at least two refreshes happened.
    assert.ok(Date.now() > firstExpiry + 2000, 'the first token has expired meanwhile');
    assert.ok(tokens.size >= 3, `the token was refreshed at least twice (${tokens.size - 1} refreshes)`);
    assert.equal(await meStatus(page, first), 401, 'the first token no longer works');
    assert.equal(await meStatus(page, await storedToken(page)), 200, 'the current token works');

    // Never the sign-in page; still the form, with everything typed.
    const seen = await page.evaluate(() => window.seenHashes);
    assert.ok(!seen.some((hash) => hash.startsWith('#/login')), `no sign-in page (went through ${seen.join(', ')})`);
    assert.equal(new URL(page.url()).hash, '#/dossiers/new');
    assert.equal(await page.getByRole('heading', { name: 'Connexion à Consilium' }).count(), 0);
    assert.equal(await page.locator('#d-title').inputValue(), 'SEP récurrente-rémittente, deuxième ligne ?');
    assert.equal(await page.locator('#d-pseudonym').inputValue(), 'PSN-7731');
    assert.equal(await page.locator('#d-question').inputValue(), 'Faut-il passer à un traitement de haute efficacité');
    assert.equal(await page.locator('#d-history').inputValue(), history);
    assert.equal(await page.locator('#session-warning').isVisible(), false, 'no warning: the session goes on');
    assertNoProblems(page);
  });

  test('a refresh that fails on the network is tried again, with a warning meanwhile', { timeout: 120000 }, async () => {
    const world = await buildWorld(server);
    const page = await personPage(browser, server);
    await signInFr(page, world.specialists[1]);
    await page.goto(`${server.url}/#/decisions`);
    await page.getByRole('heading', { name: 'Décisions' }).waitFor();
    await page.evaluate(() => {
      window.warnings = [];
      const box = document.getElementById('session-warning');
      new MutationObserver(() => { if (!box.hidden) window.warnings.push(box.textContent); })
        .observe(box, { childList: true, subtree: true, attributes: true });
    });
    // The first two attempts find no network.
    let attempts = 0;
    await page.route('**/api/auth/refresh', (route) => {
      attempts += 1;
      if (attempts <= 2) return route.abort('internetdisconnected');
      return route.continue();
    });
    const first = await storedToken(page);
    await page.mouse.move(300, 300);
    await page.waitForFunction((old) => localStorage.getItem('consilium.token') !== old, first, { timeout: TTL_SECS * 1000, polling: 200 });
    assert.ok(attempts >= 3, `tried again after the failures (${attempts} attempts)`);
    const warnings = await page.evaluate(() => window.warnings);
    assert.ok(warnings.some((w) => /Le serveur ne répond pas : sans retour de la connexion, votre session se termine dans 1 minute/.test(w)),
      `the failure was told (${JSON.stringify(warnings)})`);
    // Refreshed: the warning is gone, the page is still there.
    await page.locator('#session-warning').waitFor({ state: 'hidden' });
    assert.equal(new URL(page.url()).hash, '#/decisions');
    assert.equal(await meStatus(page, await storedToken(page)), 200);
    await page.unroute('**/api/auth/refresh');
    // The network failures the test made are logged by the browser; nothing else may be.
    page.problems.splice(0, page.problems.length, ...page.problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')));
    assertNoProblems(page);
  });

  test('near the twelfth hour a warning counts the minutes, then the sign-in page says the session expired', { timeout: 120000 }, async () => {
    const world = await buildWorld(server);
    const page = await personPage(browser, server);
    // The server refuses to refresh, as it does twelve hours after the sign-in.
    await page.route('**/api/auth/refresh', (route) => route.fulfill({
      status: 401,
      contentType: 'application/problem+json',
      body: JSON.stringify({
        type: 'about:blank', title: 'Unauthorized', status: 401, code: 'unauthenticated',
        detail: 'the sign-in is more than 12 hours old: please sign in again',
      }),
    }));
    await signInFr(page, world.specialists[0]);
    await page.goto(`${server.url}/#/decisions`);
    const warning = page.locator('#session-warning');
    await warning.waitFor({ state: 'visible', timeout: TTL_SECS * 1000 });
    const text = await warning.textContent();
    assert.match(text, /Votre session se termine dans 1 minute ; enregistrez votre travail/);
    assert.equal(await page.getByRole('button', { name: 'Se reconnecter maintenant' }).count(), 1);
    assert.equal(new URL(page.url()).hash, '#/decisions', 'still working while the token lasts');
    await screenshot(page, 'session-life-ending-warning');

    // The token runs out: the sign-in page, with the notice, and no warning left.
    await page.getByText('Votre session a expiré ; reconnectez-vous.').waitFor({ timeout: TTL_SECS * 1000 });
    assert.equal(new URL(page.url()).hash, '#/login');
    assert.equal(await warning.isVisible(), false);
    await page.unroute('**/api/auth/refresh');
    await signInFr(page, world.specialists[0], { open: false });
    assert.equal(new URL(page.url()).hash, '#/decisions', 'back on the page after signing in');
    assertNoProblems(page);
  });
});

test('a session ended elsewhere: the French notice, then back to the page with the unsaved input', { timeout: 90000 }, async () => {
  const world = await buildWorld(server);
  const page = await personPage(browser, server);
  await signInFr(page, world.coordinator);
  await page.goto(`${server.url}/#/preferences`);
  const never = page.locator('#prefs-mail-off');
  await never.waitFor();
  assert.equal(await never.isChecked(), false);
  await never.check();
  // The draft is written a moment after the input.
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('consilium.draft.') && k.endsWith('.prefs-mail')));

  // Signed out elsewhere (another device, or an administrator): the whole chain is revoked.
  const token = await storedToken(page);
  const res = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 204);

  // The clinician saves: the server says the session is over.
  await page.locator('#prefs-mail-save').click();
  await page.getByText('Votre session a expiré ; reconnectez-vous.').waitFor();
  assert.equal(new URL(page.url()).hash, '#/login');
  await page.getByText('Votre saisie non enregistrée est conservée').waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Connexion à Consilium' }).count(), 1);
  // Required fields are marked and the errors are words.
  assert.equal(await page.locator('#login-email').getAttribute('aria-required'), 'true');
  await page.getByText('Les champs marqués d’un astérisque (*) sont obligatoires.').waitFor();
  await screenshot(page, 'session-life-expired-notice');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Saisissez votre adresse e-mail.').waitFor();
  await page.getByLabel('Adresse e-mail').fill(world.coordinator.email);
  await page.getByLabel('Mot de passe').fill('pas le bon mot de passe');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Adresse e-mail ou mot de passe incorrect.').waitFor();

  // Signing in again: back on the preferences, the unsaved choice restored.
  await signInFr(page, world.coordinator, { open: false });
  assert.equal(new URL(page.url()).hash, '#/preferences');
  await page.getByText('Votre saisie non enregistrée a été restaurée.').waitFor();
  assert.equal(await page.locator('#prefs-mail-off').isChecked(), true, 'the choice made before the end is back');
  await screenshot(page, 'session-life-draft-restored');
  await page.locator('#prefs-mail-save').click();
  await page.getByText('Préférence enregistrée.').waitFor();
  // Saved: the draft is gone, and the server has the choice.
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('consilium.draft.')).length), 0);
  const prefs = await world.rest.call('GET', '/api/me/preferences', await storedToken(page));
  assert.equal(prefs.mail, 'off');
  assertNoProblems(page);
});

test('a half-typed dossier survives the end of its session', { timeout: 90000 }, async () => {
  const world = await buildWorld(server);
  const page = await personPage(browser, server);
  await signInFr(page, world.referrer);
  await page.goto(`${server.url}/#/dossiers/new`);
  await page.locator('#new-dossier-form').waitFor();
  await page.locator('#d-board').selectOption(world.board.id);
  await page.locator('#d-title').fill('Névrite optique, anticorps anti-MOG ?');
  await page.locator('#d-pseudonym').fill('PSN-4410');
  await page.locator('#d-question').fill('Faut-il un traitement de fond');

  // Revoked elsewhere; the referrer then tries to create the draft.
  const token = await storedToken(page);
  const res = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 204);
  await page.locator('#create-dossier').click();
  await page.getByText('Votre session a expiré ; reconnectez-vous.').waitFor();
  assert.equal(new URL(page.url()).hash, '#/login');

  await signInFr(page, world.referrer, { open: false });
  assert.equal(new URL(page.url()).hash, '#/dossiers/new');
  await page.getByText('Votre saisie non enregistrée a été restaurée.').waitFor();
  assert.equal(await page.locator('#d-board').inputValue(), world.board.id);
  assert.equal(await page.locator('#d-title').inputValue(), 'Névrite optique, anticorps anti-MOG ?');
  assert.equal(await page.locator('#d-pseudonym').inputValue(), 'PSN-4410');
  assert.equal(await page.locator('#d-question').inputValue(), 'Faut-il un traitement de fond');
  await screenshot(page, 'session-life-dossier-restored');

  // Created this time: the draft is forgotten.
  await page.locator('#create-dossier').click();
  await page.waitForURL(/#\/dossiers\/[0-9a-f-]{36}$/);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('consilium.draft.')).length), 0);
  assertNoProblems(page);
});

test('a reopened tab is still signed in; signing out in one tab signs out the others', { timeout: 60000 }, async () => {
  const world = await buildWorld(server);
  const page = await personPage(browser, server);
  const context = page.context();
  await signInFr(page, world.referrer);
  await page.close();

  // The tab is reopened (same browser): still signed in, no sign-in page.
  const reopened = await context.newPage();
  reopened.problems = [];
  reopened.on('pageerror', (err) => reopened.problems.push(`page error: ${err.message}`));
  await reopened.goto(`${server.url}/#/decisions`);
  await reopened.getByRole('button', { name: 'Se déconnecter' }).waitFor();
  assert.equal(new URL(reopened.url()).hash, '#/decisions');
  assert.equal(await reopened.getByRole('heading', { name: 'Connexion à Consilium' }).count(), 0);

  // A second tab; signing out in the first signs this one out too.
  const second = await context.newPage();
  await second.goto(`${server.url}/#/dossiers`);
  await second.getByRole('button', { name: 'Se déconnecter' }).waitFor();
  const token = await storedToken(second);
  // Something typed in the second tab is kept as a draft…
  await second.goto(`${server.url}/#/dossiers/new`);
  await second.locator('#d-title').fill('Brouillon à ne pas laisser sur ce poste');
  await second.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('consilium.draft.')));
  await reopened.getByRole('button', { name: 'Se déconnecter' }).click();
  await reopened.getByText('Vous êtes déconnecté de Consilium.').waitFor();
  await second.getByText('La session a été fermée dans un autre onglet ; reconnectez-vous pour continuer.').waitFor();
  assert.equal(new URL(second.url()).hash, '#/login');
  assert.equal(await storedToken(second), null);
  // …and signing out on purpose leaves no clinical text on this computer.
  assert.equal(await second.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('consilium.draft.')).length), 0);
  // The sign-out revoked the token at the server too.
  assert.equal(await meStatus(second, token), 401);
  await screenshot(second, 'session-life-signed-out-elsewhere');

  // And a tab opened now is not signed in.
  const third = await context.newPage();
  await third.goto(`${server.url}/#/dossiers`);
  await third.getByRole('heading', { name: 'Connexion à Consilium' }).waitFor();
  assert.deepEqual(reopened.problems, []);
  await context.close();
});

test('French by default, English once chosen, and the choice is the user’s', { timeout: 60000 }, async () => {
  const world = await buildWorld(server);
  const page = await personPage(browser, server);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Connexion à Consilium' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  await signInFr(page, world.coordinator);
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  for (const name of ['Dossiers', 'Groupes et séances', 'Décisions', 'File d’attente', 'Rapports']) {
    await nav.getByRole('link', { name, exact: true }).waitFor();
  }
  assert.match(await page.title(), /· Consilium$/);

  await page.getByRole('link', { name: 'Préférences' }).click();
  await page.getByRole('heading', { name: 'Langue', exact: true }).waitFor();
  await page.getByLabel('English').check();
  await page.getByRole('button', { name: 'Enregistrer la langue' }).click();
  await page.getByText('Language saved.').waitFor();
  const navEn = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Dossiers', 'Boards & sessions', 'Decisions', 'Queue', 'Reports']) {
    await navEn.getByRole('link', { name, exact: true }).waitFor();
  }
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('heading', { name: 'Preferences' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.getByLabel('English').isChecked(), true);
  await screenshot(page, 'session-life-english');

  // The server keeps the choice: another browser shows English once this user signs in.
  const me = await world.rest.call('GET', '/api/me', await storedToken(page));
  assert.equal(me.locale, 'en');
  const elsewhere = await personPage(browser, server);
  await signInFr(elsewhere, world.coordinator, { signOut: 'Sign out' });
  await elsewhere.getByRole('link', { name: 'Boards & sessions' }).waitFor();
  assert.equal(await elsewhere.evaluate(() => document.documentElement.lang), 'en');

  // A referrer who runs no board has no queue or reports.
  const referrer = await personPage(browser, server);
  const boardsAnswered = referrer.waitForResponse((r) => new URL(r.url()).pathname === '/api/boards');
  await signInFr(referrer, world.referrer);
  await referrer.getByRole('link', { name: 'Groupes et séances' }).waitFor();
  await boardsAnswered;
  await referrer.evaluate(() => new Promise((resolve) => { setTimeout(resolve, 300); }));
  assert.equal(await referrer.getByRole('link', { name: 'File d’attente' }).count(), 0);
  assert.equal(await referrer.getByRole('link', { name: 'Rapports' }).count(), 0);
  assertNoProblems(page);
  assertNoProblems(elsewhere);
  assertNoProblems(referrer);
});
