// The signed-in user's preferences: their language (API.md section 16), how notifications are
// mailed, and the secret address of their calendar feed (section 12).
import {
  api, get, post, patch, session,
} from '../api.js';
import { h, replace, clearErrors, showError } from '../dom.js';
import { applyLocale } from '../context.js';
import { keepDraft } from '../drafts.js';
import { t, currentLang } from '../i18n.js';

const LANGUAGES = ['fr', 'en'];
// Set when the language was just saved: the page, drawn again in the new language, says so.
let languageJustSaved = false;

const MAIL_CHOICES = ['immediate', 'daily_digest', 'off'];

function mailForm(current) {
  const save = h('button', { type: 'submit', id: 'prefs-mail-save' }, t('prefs.mail.save'));
  const saved = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite', id: 'prefs-mail-status' });
  const form = h('form', { novalidate: true, 'aria-labelledby': 'prefs-mail-h' },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('fieldset', { 'aria-describedby': 'prefs-mail-hint' },
      h('legend', {}, t('prefs.mail.legend')),
      MAIL_CHOICES.map((choice) => h('div', { class: 'field inline' },
        h('input', {
          type: 'radio', name: 'mail', id: `prefs-mail-${choice}`, value: choice, checked: choice === current, 'data-field': 'mail',
        }),
        h('label', { for: `prefs-mail-${choice}` }, t(`prefs.mail.${choice}`))))),
    h('p', { class: 'hint', id: 'prefs-mail-hint' }, t('prefs.mail.hint')),
    h('div', { class: 'actions' }, save), saved);
  // A choice made but not saved survives a session that ends meanwhile.
  const draft = keepDraft(form, 'prefs-mail');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    saved.textContent = '';
    const chosen = form.querySelector('input[name="mail"]:checked');
    if (!chosen) return;
    save.disabled = true;
    try {
      const prefs = await api('PUT', '/api/me/preferences', { mail: chosen.value });
      form.querySelector(`#prefs-mail-${prefs.mail}`).checked = true;
      draft.clear();
      saved.textContent = t('prefs.mail.saved');
    } catch (err) {
      showError(form, err);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

/** Copies `input`'s text: the Clipboard API where allowed, else the selection. */
async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.focus();
    input.select();
    try { return document.execCommand('copy'); } catch { return false; }
  }
}

function calendarCard() {
  const subscribe = h('button', { type: 'button', id: 'calendar-subscribe', 'aria-describedby': 'calendar-renew' }, t('prefs.calendar.subscribe'));
  const result = h('div', { id: 'calendar-feed' });
  const errorLine = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite', id: 'calendar-status' });
  subscribe.addEventListener('click', async () => {
    subscribe.disabled = true;
    errorLine.hidden = true;
    status.textContent = '';
    try {
      const { url } = await post('/api/me/calendar');
      const input = h('input', {
        id: 'calendar-url', type: 'text', readonly: true, value: url, class: 'mono', 'aria-describedby': 'calendar-warning', spellcheck: 'false',
      });
      const copyButton = h('button', { type: 'button', class: 'secondary', id: 'calendar-copy' }, t('prefs.calendar.copy'));
      copyButton.addEventListener('click', async () => {
        copyButton.disabled = true;
        status.textContent = (await copy(input)) ? t('prefs.calendar.copied') : t('prefs.calendar.copy_failed');
        copyButton.disabled = false;
      });
      replace(result,
        h('div', { class: 'field' }, h('label', { for: 'calendar-url' }, t('prefs.calendar.url')), input),
        h('div', { class: 'actions' }, copyButton),
        h('p', { class: 'warning', id: 'calendar-warning' }, t('prefs.calendar.warning')));
      status.textContent = t('prefs.calendar.ready');
      input.focus();
      input.select();
    } catch (err) {
      errorLine.textContent = err.message;
      errorLine.hidden = false;
    } finally {
      subscribe.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'prefs-calendar-h' },
    h('h2', { id: 'prefs-calendar-h' }, t('prefs.calendar.title')),
    h('p', {}, t('prefs.calendar.intro')),
    h('p', { class: 'hint', id: 'calendar-renew' }, t('prefs.calendar.renew')),
    h('div', { class: 'actions' }, subscribe),
    errorLine, result, status);
}

/**
 * The language of the pages, mails and printed records (`PATCH /api/me {"locale"}`); saving
 * draws the page again in the chosen language.
 */
function languageCard() {
  const user = session.user;
  const current = (user && LANGUAGES.includes(user.locale)) ? user.locale : currentLang();
  const save = h('button', { type: 'submit', id: 'prefs-lang-save' }, t('auth.prefs.lang.save'));
  const status = h('p', {
    class: 'hint', role: 'status', 'aria-live': 'polite', id: 'prefs-lang-status',
  }, languageJustSaved ? t('auth.prefs.lang.saved') : '');
  languageJustSaved = false;
  const form = h('form', { novalidate: true, 'aria-labelledby': 'prefs-lang-h', id: 'prefs-lang-form' },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('fieldset', { 'aria-describedby': 'prefs-lang-hint' },
      h('legend', {}, t('auth.prefs.lang.legend')),
      LANGUAGES.map((code) => h('div', { class: 'field inline' },
        h('input', {
          type: 'radio', name: 'locale', id: `prefs-lang-${code}`, value: code, checked: code === current, 'data-field': 'locale',
        }),
        h('label', { for: `prefs-lang-${code}`, lang: code }, t(`auth.lang.${code}`))))),
    h('p', { class: 'hint', id: 'prefs-lang-hint' }, t('auth.prefs.lang.hint')),
    h('div', { class: 'actions' }, save), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    status.textContent = '';
    const chosen = form.querySelector('input[name="locale"]:checked');
    if (!chosen) return;
    save.disabled = true;
    try {
      const me = await patch('/api/me', { locale: chosen.value });
      session.saveUser(me);
      applyLocale(me.locale);
      languageJustSaved = true;
      window.dispatchEvent(new Event('consilium:rerender'));
    } catch (err) {
      showError(form, err);
      save.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'prefs-lang-h' },
    h('h2', { id: 'prefs-lang-h' }, t('auth.prefs.lang.title')),
    form);
}

export async function preferencesPage(main) {
  const prefs = await get('/api/me/preferences');
  replace(main,
    h('h1', {}, t('prefs.title')),
    h('p', {}, h('a', { href: '#/notifications' }, t('inbox.title'))),
    languageCard(),
    h('section', { class: 'card', 'aria-labelledby': 'prefs-mail-h' },
      h('h2', { id: 'prefs-mail-h' }, t('prefs.mail.title')),
      mailForm(prefs.mail)),
    calendarCard());
}
