// A real OpenID provider for the sign-in tests: panva's oidc-provider (a certified
// implementation) on 127.0.0.1, with its own login page, RS256 ID tokens that carry the
// `SubjectNameID` claim as Pro Santé Connect's do, and a test-only control API.
//
//   node provider.mjs --client-id ID --client-secret SECRET [--port 0]
//
// Prints `ready <issuer>` once listening. Only loopback callbacks
// (http://127.0.0.1:<port>/api/auth/oidc/callback) are accepted as redirect URIs, since the
// service under test picks its port at start.
//
// Control API (test only):
//   POST /test/accounts {"<login>": {"password": "...", "claims": {...}}}   adds accounts
//   POST /test/tokens {"key": "real"|"foreign-same-kid"|"foreign-new-kid", "override": {...}}
//        from now on, re-signs the ID token of every token response with that key, its claims
//        overridden (e.g. {"nonce": "x"}, {"exp": 1}); {"key": "none"} stops.
//   GET  /test/last-token   the last ID token issued (as sent)

import http from 'node:http';
import { parseArgs } from 'node:util';
import * as jose from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
  },
});
if (!args['client-id'] || !args['client-secret']) {
  console.error('usage: node provider.mjs --client-id ID --client-secret SECRET [--port N]');
  process.exit(2);
}

const PASSWORD = 'e-CPS-test-1234';
const accounts = new Map(Object.entries({
  'dr.martin': {
    password: PASSWORD,
    claims: {
      SubjectNameID: '810001234567',
      email: 'martin@chu-test.example',
      email_verified: true,
      name: 'Dr Claire Martin',
      given_name: 'Claire',
      family_name: 'Martin',
    },
  },
  'dr.nouveau': {
    password: PASSWORD,
    claims: {
      SubjectNameID: '810009999999',
      email: 'nouveau@chu-test.example',
      email_verified: true,
      name: 'Dr Paul Nouveau',
    },
  },
}));

let tokenMode = { key: 'none', override: {} };
let lastIdToken = null;

const { publicKey, privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
// Keys the provider never publishes: tokens signed with them must be refused.
const foreign = await jose.generateKeyPair('RS256', { extractable: true });
void publicKey;

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(args.port), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: ['http://127.0.0.1/api/auth/oidc/callback'],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['consilium-test-cookie-key'] },
  claims: {
    openid: ['sub', 'SubjectNameID'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  // The scope's claims go into the ID token itself, as Pro Santé Connect's do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts.get(id);
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
  },
  // First-party client: consent is given once the person has signed in.
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Erreur</title><h1>Erreur</h1><pre>${escape(JSON.stringify(out))}</pre>`;
  },
});

// The service under test listens on a port it picks: any loopback callback of its path.
const exact = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function allowed(value) {
  return /^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/oidc\/callback$/.test(value) || exact.call(this, value);
};

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

function loginPage(uid, error) {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion — fournisseur d'identité de test</title></head>
<body>
<main>
<h1>Fournisseur d'identité de test</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label>Identifiant <input name="login" autocomplete="username" required></label>
  <label>Mot de passe <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Se connecter</button>
</form>
</main>
</body></html>`;
}

provider.use(async (ctx, next) => {
  // The login page and its form.
  const page = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (page) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== page[1]) ctx.throw(400, 'unknown interaction');
    if (ctx.method === 'GET' && !page[2]) {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid);
      return;
    }
    if (ctx.method === 'POST' && page[2]) {
      const form = new URLSearchParams(await readBody(ctx.req));
      const login = form.get('login') || '';
      const account = accounts.get(login);
      if (!account || account.password !== form.get('password')) {
        ctx.type = 'html';
        ctx.body = loginPage(details.uid, 'Identifiant ou mot de passe incorrect.');
        return;
      }
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: login } }, {
        mergeWithLastSubmission: false,
      });
      ctx.respond = false;
      return;
    }
  }
  // The test-only control API.
  if (ctx.path === '/test/accounts' && ctx.method === 'POST') {
    for (const [login, account] of Object.entries(JSON.parse(await readBody(ctx.req)))) {
      accounts.set(login, { password: account.password || PASSWORD, claims: account.claims || {} });
    }
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/test/tokens' && ctx.method === 'POST') {
    const mode = JSON.parse(await readBody(ctx.req));
    tokenMode = { key: mode.key || 'none', override: mode.override || {} };
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/test/last-token' && ctx.method === 'GET') {
    ctx.body = { id_token: lastIdToken };
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
    if (tokenMode.key !== 'none') {
      ctx.body.id_token = await resign(ctx.body.id_token);
    }
    lastIdToken = ctx.body.id_token;
  }
});

// The same claims (overridden as asked), signed with the real key or with one the provider
// never published.
async function resign(idToken) {
  const claims = { ...jose.decodeJwt(idToken), ...tokenMode.override };
  const header = jose.decodeProtectedHeader(idToken);
  const key = tokenMode.key === 'real' ? privateKey : foreign.privateKey;
  const kid = tokenMode.key === 'foreign-new-kid' ? 'not-published' : header.kid;
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

provider.on('server_error', (ctx, err) => console.error('provider error:', err));
server.on('request', provider.callback());
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
// A reader that went away must not bring the provider down.
process.stdout.on('error', () => {});
process.stdout.write(`ready ${issuer}\n`);
