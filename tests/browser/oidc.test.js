// Sign-in through the hospital's identity provider (API.md section 14), in French, against a
// real OpenID provider (tests/oidc/provider.mjs) with its own login page:
// - an account an administrator linked (external_id = the RPPS number) signs in through the
//   provider's button, and lands back on the page that asked for a sign-in;
// - a person the provider knows but no account is linked to ends on the sign-in page, told why
//   (French, then English);
// - with password sign-in switched off, the form waits behind the administrators' disclosure,
//   under the provider's button; administrators still sign in with it, clinicians are told no;
// - the accounts page sets, shows and clears the identifier, and says so when another account
//   has it already.
// The new pages pass axe-core (serious and critical violations fail).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import {
  launch, personPage, screenshot, assertNoProblems, signInByApi,
} from './lib/browser.js';
import {
  startProvider, oidcEnv, adminOf, signInAtProvider, auditPage, axeFailures, MARTIN_RPPS, LABEL,
} from './lib/oidc.js';

const SSO_BUTTON = `Se connecter avec ${LABEL}`;
const UNKNOWN_FR = 'Votre identité a bien été vérifiée, mais aucun compte Consilium n’y est relié. '
  + 'Demandez à un administrateur de renseigner votre identifiant (RPPS) sur votre compte.';
const UNKNOWN_EN = 'Your identity was verified, but no Consilium account is linked to it. '
  + 'Ask an administrator to enter your identifier (RPPS) on your account.';
const TAKEN_FR = 'Cet identifiant est déjà relié à un autre compte Consilium. '
  + 'Retirez-le d’abord de l’autre compte, ou vérifiez le numéro.';

let provider;
let server; // link mode, password sign-in open
let browser;

before(async () => {
  provider = await startProvider();
  server = await startServer({ env: oidcEnv(provider) });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
  if (provider) await provider.stop();
});

const storedToken = (page) => page.evaluate(() => localStorage.getItem('consilium.token'));

test('a linked account signs in through the provider and comes back to the page it asked for', { timeout: 90000 }, async () => {
  const admin = await adminOf(server);
  const martin = await admin.person('Dr Claire Martin', MARTIN_RPPS);
  assert.equal(martin.external_id, MARTIN_RPPS);
  const page = await personPage(browser, server);
  // The service sends the browser back with a one-time code (`/#/signed-in?code=…`).
  const codes = [];
  page.on('response', (res) => {
    const to = res.headers().location;
    if (to && to.startsWith('/#/signed-in?code=')) codes.push(to);
  });

  // A protected page asks for a sign-in: the provider's button leads there and back.
  await page.goto(`${server.url}/#/dossiers`);
  await page.getByRole('heading', { name: 'Connexion à Consilium' }).waitFor();
  assert.equal(new URL(page.url()).hash, '#/login');
  const sso = page.getByRole('link', { name: SSO_BUTTON });
  const href = new URL(await sso.getAttribute('href'), server.url);
  assert.equal(href.pathname, '/api/auth/oidc/start');
  assert.equal(href.searchParams.get('return_to'), '/#/dossiers');
  // Passwords are still open to everyone here: the form is shown, after the button.
  assert.equal(await page.locator('#login-email').isVisible(), true);
  await screenshot(page, 'oidc-sign-in');
  await sso.click();

  await signInAtProvider(page, provider, 'dr.martin');
  await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
  assert.equal(new URL(page.url()).origin, server.url);
  assert.equal(new URL(page.url()).hash, '#/dossiers', 'the one-time code left the address bar');
  assert.match(await page.locator('#whoami').innerText(), /Dr Claire Martin/);
  const token = await storedToken(page);
  const me = await admin.rest.call('GET', '/api/me', token);
  assert.equal(me.id, martin.id);
  assert.equal(me.external_id, MARTIN_RPPS);
  await screenshot(page, 'oidc-signed-in');

  // Signed out, then back from another page: the provider remembers them, the page is kept.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByText('Vous êtes déconnecté de Consilium.').waitFor();
  await page.goto(`${server.url}/#/preferences`);
  await page.getByRole('link', { name: SSO_BUTTON }).click();
  await page.getByRole('heading', { name: 'Préférences' }).waitFor();
  assert.equal(new URL(page.url()).hash, '#/preferences');
  assert.notEqual(await storedToken(page), token, 'a new sign-in');

  // The first code worked once: used again, the sign-in page says so.
  assert.equal(codes.length, 2);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByText('Vous êtes déconnecté de Consilium.').waitFor();
  await page.goto(`${server.url}${codes[0]}`);
  await page.getByRole('alert').filter({ hasText: 'Ce lien de connexion a déjà servi ou a expiré.' }).waitFor();
  assert.equal(await storedToken(page), null);
  assertNoProblems(page);
  await page.context().close();
});

test('a person no account is linked to is told so on the sign-in page, in French then English', { timeout: 90000 }, async () => {
  const admin = await adminOf(server);
  // An account exists, but it is not linked to dr.nouveau's identity.
  await admin.person('Dr Paul Nouveau');
  const page = await personPage(browser, server);
  await page.goto(`${server.url}/#/login`);
  await page.getByRole('link', { name: SSO_BUTTON }).click();
  await signInAtProvider(page, provider, 'dr.nouveau');

  const alert = page.locator('#login-oidc-error');
  await alert.waitFor();
  assert.equal(await alert.getAttribute('role'), 'alert');
  assert.equal((await alert.innerText()).trim(), UNKNOWN_FR);
  assert.match(new URL(page.url()).hash, /^#\/sign-in\?error=unknown_account$/);
  await page.getByRole('heading', { name: 'Connexion à Consilium' }).waitFor();
  await page.getByRole('link', { name: SSO_BUTTON }).waitFor();
  assert.equal(await storedToken(page), null, 'not signed in');
  await screenshot(page, 'oidc-unknown-account');

  await page.getByRole('button', { name: 'Show in English' }).click();
  await page.getByRole('heading', { name: 'Sign in to Consilium' }).waitFor();
  assert.equal((await page.locator('#login-oidc-error').innerText()).trim(), UNKNOWN_EN);
  await page.getByRole('link', { name: `Sign in with ${LABEL}` }).waitFor();
  assertNoProblems(page);
  await page.context().close();
});

test('with password sign-in off, the form waits behind the administrators’ disclosure', { timeout: 90000 }, async () => {
  const closed = await startServer({ env: oidcEnv(provider, { CONSILIUM_PASSWORD_LOGIN: 'false' }) });
  const page = await auditPage(browser, closed);
  try {
    const admin = await adminOf(closed);
    const clinician = await admin.person('Dr Inès Interne');
    await page.goto(`${closed.url}/#/login`);
    const sso = page.getByRole('link', { name: SSO_BUTTON });
    await sso.waitFor();
    const disclosure = page.locator('details#login-admin');
    const summary = disclosure.locator('summary');
    assert.equal((await summary.innerText()).trim(), 'Connexion administrateur (mot de passe)');
    assert.equal(await disclosure.getAttribute('open'), null, 'closed at first');
    assert.equal(await page.locator('#login-email').isVisible(), false, 'the password form is hidden');
    assert.equal(await page.locator('#login-submit').isVisible(), false);
    assert.deepEqual(await axeFailures(page), [], 'axe on the sign-in page, disclosure closed');
    await screenshot(page, 'oidc-password-off');

    // A clinician's password is refused, in words.
    await summary.click();
    await page.getByLabel('Adresse e-mail').fill(clinician.email);
    await page.getByLabel('Mot de passe').fill(clinician.password);
    await page.locator('#login-submit').click();
    await page.getByText('La connexion par mot de passe est désactivée : utilisez la connexion de votre établissement.').waitFor();
    assert.deepEqual(await axeFailures(page), [], 'axe on the open disclosure with its error');

    // An administrator still signs in with a password.
    await page.getByLabel('Adresse e-mail').fill(admin.email);
    await page.getByLabel('Mot de passe').fill(admin.password);
    await page.locator('#login-submit').click();
    await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();

    // A failed sign-in through the provider, told on the same page (audited too).
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.goto(`${closed.url}/#/sign-in?error=bad_state`);
    await page.getByRole('alert').filter({ hasText: 'La connexion n’a pas pu être vérifiée (lien déjà utilisé, expiré ou ouvert dans un autre navigateur). Recommencez.' }).waitFor();
    await page.locator('details#login-admin').waitFor();
    assert.deepEqual(await axeFailures(page), [], 'axe on the sign-in page with a provider error');
    assertNoProblems(page);
  } finally {
    await page.context().close();
    await closed.remove();
  }
});

test('the accounts page sets and clears the provider identifier, and refuses a duplicate in words', { timeout: 90000 }, async () => {
  const admin = await adminOf(server);
  const first = await admin.person('Dr Aline Premier');
  const second = await admin.person('Dr Bruno Second');
  const rpps = '810005550001';
  const page = await auditPage(browser, server);
  await signInByApi(page, server.url, admin);
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Comptes' }).click();
  await page.getByRole('heading', { name: 'Comptes', level: 1 }).waitFor();
  const row = (user) => page.locator(`#users-table tr[data-user-id="${user.id}"]`);
  assert.match(await row(first).innerText(), /non relié/);

  // Set on the first account: saved, shown in the list, and kept by the server.
  await page.getByRole('button', { name: 'Modifier le compte de Dr Aline Premier' }).click();
  await page.getByRole('heading', { name: 'Compte de Dr Aline Premier' }).waitFor();
  const input = page.getByLabel('Identifiant fournisseur d’identité (RPPS)');
  assert.equal(await input.inputValue(), '');
  await input.fill(` ${rpps} `);
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Identifiant enregistré pour Dr Aline Premier.' }).waitFor();
  assert.equal(await input.inputValue(), rpps);
  assert.match(await row(first).innerText(), new RegExp(rpps));
  assert.equal((await admin.rest.call('GET', '/api/users', admin.token)).items.find((u) => u.id === first.id).external_id, rpps);
  assert.deepEqual(await axeFailures(page), [], 'axe on the accounts page with its editor');

  // The same identifier on the second account: refused, in words, next to the field.
  await page.getByRole('button', { name: 'Modifier le compte de Dr Bruno Second' }).click();
  await page.getByRole('heading', { name: 'Compte de Dr Bruno Second' }).waitFor();
  await input.fill(rpps);
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.locator('#user-external-id-error').filter({ hasText: TAKEN_FR }).waitFor();
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.match(await input.getAttribute('aria-describedby'), /user-external-id-error/);
  assert.match(await row(second).innerText(), /non relié/);
  const users = (await admin.rest.call('GET', '/api/users', admin.token)).items;
  assert.equal(users.find((u) => u.id === second.id).external_id, null);
  assert.deepEqual(await axeFailures(page), [], 'axe on the accounts page with the conflict');
  await screenshot(page, 'oidc-accounts-conflict');

  // Cleared on the first account: no longer linked.
  await page.getByRole('button', { name: 'Modifier le compte de Dr Aline Premier' }).click();
  await page.getByRole('heading', { name: 'Compte de Dr Aline Premier' }).waitFor();
  await input.fill('');
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Identifiant retiré : le compte de Dr Aline Premier n’est plus relié.' }).waitFor();
  assert.match(await row(first).innerText(), /non relié/);
  assert.equal((await admin.rest.call('GET', '/api/users', admin.token)).items.find((u) => u.id === first.id).external_id, null);
  assertNoProblems(page);
  await page.context().close();
});
