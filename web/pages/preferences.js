// The signed-in user's preferences (API.md section 12): how notifications are mailed, and the
// secret address of their calendar feed.
import { api, get, post } from '../api.js';
import { h, replace, clearErrors, showError } from '../dom.js';
import { t } from '../i18n.js';

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

export async function preferencesPage(main) {
  const prefs = await get('/api/me/preferences');
  replace(main,
    h('h1', {}, t('prefs.title')),
    h('p', {}, h('a', { href: '#/notifications' }, t('inbox.title'))),
    h('section', { class: 'card', 'aria-labelledby': 'prefs-mail-h' },
      h('h2', { id: 'prefs-mail-h' }, t('prefs.mail.title')),
      mailForm(prefs.mail)),
    calendarCard());
}
