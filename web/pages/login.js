// Sign-in and sign-out. The sign-in page says why the previous session ended (kept across the
// redirect in this tab, see app.js), and leads back to the page the person was on.
//
// When the server names an identity provider (`GET /api/auth/providers`), the page leads to it
// first; the password form stays, or — when password sign-in is kept for administrators only —
// waits behind a disclosure. The provider's sign-in ends on `#/signed-in?code=…` (exchanged here
// for a session) or, failed, on `#/sign-in?error=<code>`, which the page tells in words.
import {
  api, get, post, session, takeNotice, setNotice, takeReturn, peekReturn, revoke,
} from '../api.js';
import { h, replace, field, clearErrors, showError } from '../dom.js';
import { forgetBoards, applyLocale } from '../context.js';
import { stopInbox } from '../inbox.js';
import { stopKeepAlive } from '../keepalive.js';
import { forgetDrafts } from '../drafts.js';
import { t, currentLang } from '../i18n.js';

// Notices that only confirm (read politely); the others tell of a session that was cut.
const CONFIRMATIONS = new Set(['auth.notice.signed_out']);

// Why a sign-in through the identity provider failed (`#/sign-in?error=<code>`): the server's
// codes, and `code_used` for a one-time code that no longer works (`#/signed-in`).
const OIDC_ERRORS = new Set([
  'cancelled', 'provider_error', 'bad_state', 'expired', 'token_exchange', 'bad_token',
  'missing_claim', 'unknown_account', 'account_exists', 'disabled', 'unavailable',
  'bad_return_to', 'code_used',
]);

/** The query of the page's hash (`#/sign-in?error=…`). */
function hashParams() {
  const hash = location.hash || '';
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

/** The words for a failed sign-in through the provider, in an alert; null without one. */
function oidcErrorBox(code) {
  if (!code) return null;
  const key = OIDC_ERRORS.has(code) ? `auth.oidc.error.${code}` : 'auth.oidc.error.other';
  return h('div', { class: 'login-notice login-error', id: 'login-oidc-error', role: 'alert' },
    h('p', {}, t(key)));
}

/**
 * The way to the identity provider: a link to `/start` that brings the person back to the page
 * they were on (kept in this tab, see api.js), else to their dossiers.
 */
function providerBox(oidc) {
  const saved = peekReturn();
  const returnTo = `/${saved ? saved.hash : '#/dossiers'}`;
  const href = `${oidc.start}?return_to=${encodeURIComponent(returnTo)}`;
  return h('section', { class: 'card narrow login-sso', 'aria-labelledby': 'login-sso-h' },
    h('h2', { id: 'login-sso-h' }, t('auth.oidc.title')),
    h('p', { class: 'hint', id: 'login-sso-hint' }, t('auth.oidc.hint')),
    h('p', { class: 'login-sso-action' },
      h('a', {
        class: 'button sso-button', id: 'login-sso', href, 'aria-describedby': 'login-sso-hint',
      }, t('auth.oidc.button', { label: oidc.label }))));
}

/** How one may sign in here; when the server cannot say, the password form as ever. */
async function providers() {
  try {
    const res = await get('/api/auth/providers');
    return {
      password: res.password !== false,
      oidc: res.oidc && typeof res.oidc.label === 'string' && typeof res.oidc.start === 'string' && res.oidc.start.startsWith('/')
        ? res.oidc : null,
    };
  } catch {
    return { password: true, oidc: null };
  }
}

/** A label with the mark of a required field (the mark itself is not read out: `required` is). */
function requiredLabel(text) {
  return [text, h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ' *')];
}

/** The words for a refused sign-in. */
function loginErrorText(err) {
  switch (err.status) {
    case 401: return t('auth.login.wrong');
    case 403: return t('auth.login.password_off');
    case 429: return t('auth.login.rate_limited');
    case 0: return err.message;
    default:
      return err.status >= 500 ? t('auth.login.unavailable') : t('auth.login.failed', { message: err.message });
  }
}

function noticeBox(notice) {
  if (!notice) return null;
  const polite = CONFIRMATIONS.has(notice.key);
  return h('div', {
    class: polite ? 'login-notice confirm' : 'login-notice', id: 'login-notice', role: polite ? 'status' : 'alert',
  },
  h('p', {}, t(notice.key)),
  notice.drafts ? h('p', {}, t('auth.notice.drafts')) : null);
}

/** A link to read the page in the other language, before signing in. */
function languageSwitch() {
  const other = currentLang() === 'fr' ? 'en' : 'fr';
  const button = h('button', {
    type: 'button', class: 'link-button', id: 'login-language', lang: other,
  }, t(`auth.lang.switch.${other}`));
  button.addEventListener('click', () => {
    applyLocale(other);
    window.dispatchEvent(new Event('consilium:rerender'));
  });
  return h('p', { class: 'login-language' }, button);
}

export async function loginPage(main) {
  const notice = takeNotice();
  const oidcError = hashParams().get('error');
  const ways = await providers();
  const email = h('input', {
    id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true, 'aria-required': 'true', 'data-field': 'email',
  });
  const password = h('input', {
    id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true, 'aria-required': 'true', 'data-field': 'password',
  });
  const button = h('button', { type: 'submit', id: 'login-submit' }, t('auth.login.submit'));
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'page-title', id: 'login-form' },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('p', { class: 'hint', id: 'login-required' }, t('auth.login.required')),
    field(requiredLabel(t('auth.login.email')), email),
    field(requiredLabel(t('auth.login.password')), password),
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!email.value.trim()) { showError(form, { field: 'email', message: t('auth.login.email.missing') }); return; }
    if (!password.value) { showError(form, { field: 'password', message: t('auth.login.password.missing') }); return; }
    button.disabled = true;
    button.textContent = t('auth.login.busy');
    try {
      const res = await post('/api/auth/login', { email: email.value.trim(), password: password.value });
      forgetBoards();
      session.save(res.token, res.user, res.expires_at, { signIn: true });
      applyLocale(res.user && res.user.locale);
      location.hash = takeReturn(res.user && res.user.id) || '#/dossiers';
    } catch (err) {
      if (err.status === 400 && err.field) showError(form, err);
      else showError(form, { message: loginErrorText(err) });
      password.value = '';
      button.disabled = false;
      button.textContent = t('auth.login.submit');
      if (err.status === 401) password.focus();
    }
  });
  let passwordPart = form;
  if (ways.oidc && !ways.password) {
    // Password sign-in is for administrators only: out of the way, one click away.
    passwordPart = h('details', { class: 'card narrow login-admin', id: 'login-admin' },
      h('summary', {}, t('auth.oidc.admin')),
      h('p', { class: 'hint' }, t('auth.oidc.admin.hint')),
      form);
    form.classList.remove('card', 'narrow');
  } else if (ways.oidc) {
    passwordPart = [h('h2', { class: 'login-or', id: 'login-password-h' }, t('auth.oidc.or')), form];
    form.setAttribute('aria-labelledby', 'login-password-h');
  }
  replace(main,
    h('h1', { id: 'page-title', tabindex: '-1' }, t('auth.login.title')),
    h('p', { class: 'muted' }, t('auth.login.intro')),
    oidcErrorBox(oidcError),
    noticeBox(notice),
    ways.oidc ? providerBox(ways.oidc) : null,
    passwordPart,
    languageSwitch());
}

/** Where to go once signed in through the provider: a page of this service, else the dossiers. */
function landing(returnTo) {
  if (typeof returnTo === 'string' && returnTo.startsWith('/#/') && !returnTo.startsWith('/#/signed-in')) {
    return returnTo.slice(1);
  }
  return '#/dossiers';
}

/**
 * `#/signed-in?code=…`: back from the identity provider. The one-time code becomes a session,
 * kept as a password sign-in's is; then on to the page the person came from. A code that no
 * longer works leads back to the sign-in page, which says so.
 */
export async function signedInPage(main) {
  const code = hashParams().get('code');
  replace(main,
    h('h1', { tabindex: '-1' }, t('auth.oidc.signing_in')),
    h('p', { class: 'muted', role: 'status' }, t('nav.loading')));
  // The code works once: it leaves the address bar and the history at once.
  history.replaceState(null, '', `${location.pathname}${location.search}#/signed-in`);
  if (!code) {
    location.replace('#/sign-in?error=code_used');
    return;
  }
  const saved = peekReturn();
  let res;
  try {
    res = await api('POST', '/api/auth/oidc/exchange', { code }, { quiet401: true });
  } catch (err) {
    const error = err.status === 401 || err.status === 400 ? 'code_used' : 'unavailable';
    location.replace(`#/sign-in?error=${error}`);
    return;
  }
  forgetBoards();
  session.save(res.token, res.user, res.expires_at, { signIn: true });
  applyLocale(res.user && res.user.locale);
  takeReturn(null);
  let to = landing(res.return_to);
  // The page kept was someone else's: this person starts from their own dossiers.
  if (saved && saved.user && res.user && saved.user !== res.user.id && to === saved.hash) to = '#/dossiers';
  location.replace(to);
}

/**
 * Signs out on purpose: the sign-in is revoked at the server (every tab of this browser follows,
 * see app.js), and the person's drafts are erased — a shared workstation keeps no clinical text.
 */
export async function logout() {
  const user = session.user;
  const token = session.token;
  stopInbox();
  stopKeepAlive();
  if (user) forgetDrafts(user.id);
  takeReturn(null);
  session.clear('signed_out');
  forgetBoards();
  // The confirmation replaces any earlier notice.
  setNotice('auth.notice.signed_out');
  location.hash = '#/login';
  await revoke(token);
}
