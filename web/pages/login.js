// Sign-in and sign-out. The sign-in page says why the previous session ended (kept across the
// redirect in this tab, see app.js), and leads back to the page the person was on.
import {
  post, session, takeNotice, setNotice, takeReturn, revoke,
} from '../api.js';
import { h, replace, field, clearErrors, showError } from '../dom.js';
import { forgetBoards, applyLocale } from '../context.js';
import { stopInbox } from '../inbox.js';
import { stopKeepAlive } from '../keepalive.js';
import { forgetDrafts } from '../drafts.js';
import { t, currentLang } from '../i18n.js';

// Notices that only confirm (read politely); the others tell of a session that was cut.
const CONFIRMATIONS = new Set(['auth.notice.signed_out']);

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
  replace(main,
    h('h1', { id: 'page-title', tabindex: '-1' }, t('auth.login.title')),
    h('p', { class: 'muted' }, t('auth.login.intro')),
    noticeBox(notice),
    form,
    languageSwitch());
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
