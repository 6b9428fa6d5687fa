// Sign-in through an identity provider, for the browser tests: the real test provider
// (tests/oidc/provider.mjs, panva's oidc-provider) started and stopped, the service's settings
// that point at it, accounts made over REST, the provider's own login page, and axe-core on a
// page (whose context must bypass the service's Content-Security-Policy).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cli, REPO } from './server.js';
import { Rest, PASSWORD } from './rest.js';

const PROVIDER = path.join(REPO, 'tests', 'oidc', 'provider.mjs');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export const CLIENT_ID = 'consilium';
/** The password of every account at the test provider (`dr.martin`, `dr.nouveau`). */
export const PROVIDER_PASSWORD = 'e-CPS-test-1234';
/** `dr.martin`'s SubjectNameID (an RPPS-like number). */
export const MARTIN_RPPS = '810001234567';
export const LABEL = 'Pro Santé Connect';

/** Starts the provider on a free loopback port; resolves once it prints `ready <issuer>`. */
export async function startProvider() {
  const secret = randomBytes(24).toString('hex');
  const child = spawn(process.execPath, [PROVIDER, '--client-id', CLIENT_ID, '--client-secret', secret, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8000); });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const issuer = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the provider did not start in 30 s:\n${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ready (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the provider exited (${code}):\n${stderr}`)); });
  });
  return {
    issuer,
    secret,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
    get log() { return stderr; },
  };
}

/** The service's settings for `provider` (link mode unless `provision` says otherwise). */
export function oidcEnv(provider, extra = {}) {
  return {
    CONSILIUM_OIDC_ISSUER: provider.issuer,
    CONSILIUM_OIDC_CLIENT_ID: CLIENT_ID,
    CONSILIUM_OIDC_CLIENT_SECRET: provider.secret,
    CONSILIUM_OIDC_CLAIM: 'SubjectNameID',
    CONSILIUM_OIDC_LABEL: LABEL,
    CONSILIUM_OIDC_PROVISION: 'link',
    ...extra,
  };
}

let counter = 0;

/**
 * A fresh administrator (made by the CLI), signed in over REST, who makes accounts:
 * `{ rest, token, email, password, person(name) }`.
 */
export async function adminOf(server) {
  counter += 1;
  const tag = `${process.pid}-${counter}`;
  const rest = new Rest(server.url);
  const email = `oidc-admin-${tag}@test.consilium`;
  await cli(server.dataDir, ['user', 'add', '--email', email, '--name', 'Ada Admin', '--password', PASSWORD, '--role', 'admin']);
  const token = await rest.login(email);
  let people = 0;
  return {
    rest, token, email, password: PASSWORD,
    /** A clinician's account, `external_id` set when given. */
    async person(name, externalId) {
      people += 1;
      const personEmail = `oidc-${tag}-${people}@test.consilium`;
      let user = await rest.call('POST', '/api/users', token, { email: personEmail, name, password: PASSWORD });
      if (externalId) user = await rest.call('PATCH', `/api/users/${user.id}`, token, { external_id: externalId });
      return { ...user, email: personEmail, password: PASSWORD };
    },
  };
}

/** Signs in on the provider's own login page (French, labelled fields), once the browser is there. */
export async function signInAtProvider(page, provider, login) {
  await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`));
  await page.getByLabel('Identifiant').fill(login);
  await page.getByLabel('Mot de passe').fill(PROVIDER_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/**
 * A page whose context bypasses the CSP (for axe's injected script), its console errors and
 * page errors kept in `page.problems` as `personPage` does.
 */
export async function auditPage(browser, server) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  page.baseUrl = server.url;
  return page;
}

/** axe-core's serious and critical violations on the page as it stands, one line each. */
export async function axeFailures(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] }))
    .violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })));
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.join(', ')}`);
}
