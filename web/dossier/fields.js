// Form plumbing of the dossier pages: a labelled field with its hint and error box, required
// marks, every error shown at once (next to its field and in a summary at the top), and the
// server's problem documents turned into words next to the field they name.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { fieldProblemMessage } from './template.js';

/**
 * A labelled control. `required`: needed to save (marked « * », `required`, `aria-required`);
 * `neededToSubmit`: optional in a draft, needed to submit (marked, not `required`).
 */
export function formField(label, control, { hint, required = false, neededToSubmit = false, inline = false } = {}) {
  const id = control.id;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  control.setAttribute('aria-describedby', [hint ? hintId : null, errorId].filter(Boolean).join(' '));
  if (required) {
    control.required = true;
    control.setAttribute('aria-required', 'true');
  }
  const mark = required
    ? h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ' *')
    : neededToSubmit ? h('span', { class: 'submit-mark', 'aria-hidden': 'true' }, ' †') : null;
  const labelEl = h('label', { for: id }, label, mark);
  const parts = inline ? [control, labelEl] : [labelEl, control];
  return h('div', { class: inline ? 'field field-check' : 'field', 'data-field-box': control.getAttribute('data-field') },
    h('div', { class: inline ? 'field-control inline' : 'field-control' }, parts),
    hint ? h('div', { class: 'hint', id: hintId }, hint) : null,
    h('div', { class: 'field-error', id: errorId, hidden: true }));
}

/** The legend of the marks, shown once at the top of a form. */
export function marksLegend({ submitMark = false } = {}) {
  return h('p', { class: 'hint marks-legend' },
    t('dossier.form.required_legend'), submitMark ? [' ', t('dossier.form.submit_legend')] : null);
}

/** The box where a form lists all its errors at once. */
export function errorSummary() {
  return h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
}

/** Clears every error of `form`. */
export function clearFormErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) { el.textContent = ''; el.hidden = true; }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.error-summary, .form-error')) { el.replaceChildren(); el.hidden = true; }
}

/**
 * Shows every error of `errors` ([{field, message}]) at once: each next to the control whose
 * `data-field` it names, all of them in the summary (with links to the fields); a problem for no
 * field goes in the summary only. Moves the focus to the summary.
 */
export function showFormErrors(form, errors, { intro } = {}) {
  clearFormErrors(form);
  if (!errors.length) return;
  const summary = form.querySelector('.error-summary');
  const items = errors.map(({ field, message, name: given, link }) => {
    const control = field ? form.querySelector(`[data-field="${CSS.escape(field)}"]`) : null;
    if (!control) {
      // Something outside the form (an attachment to add): a link to where it is done.
      if (link) {
        return h('li', {}, h('a', {
          href: link.href,
          onclick: (e) => { e.preventDefault(); link.focus(); },
        }, given ? t('dossier.errors.item', { field: given, message }) : message));
      }
      return h('li', {}, given ? t('dossier.errors.item', { field: given, message }) : message);
    }
    control.setAttribute('aria-invalid', 'true');
    const box = form.querySelector(`#${CSS.escape(control.id)}-error`);
    if (box) { box.textContent = message; box.hidden = false; }
    const label = form.querySelector(`label[for="${CSS.escape(control.id)}"]`);
    const name = given || control.dataset.summaryName || (label ? label.firstChild.textContent : field);
    return h('li', {}, h('a', {
      href: `#${control.id}`,
      onclick: (e) => { e.preventDefault(); control.focus(); },
    }, t('dossier.errors.item', { field: name, message })));
  });
  if (!summary) { form.querySelector('[aria-invalid="true"]')?.focus(); return; }
  summary.replaceChildren(
    h('p', { class: 'error-summary-title' }, intro || (errors.length === 1 ? t('dossier.errors.one') : t('dossier.errors.many', { count: errors.length }))),
    h('ul', {}, items));
  summary.hidden = false;
  summary.focus();
}

const FIELD_NAMES = {
  board_id: 'dossier.field.board', title: 'dossier.field.title', 'patient.pseudonym': 'dossier.field.pseudonym',
  'patient.birth_year': 'dossier.field.birth_year', 'patient.sex': 'dossier.field.sex', question: 'dossier.field.question',
  history: 'dossier.field.history', urgency: 'dossier.field.urgency', consent: 'dossier.field.consent',
};

/**
 * A server problem about one field, in the page's language where its wording is known (the
 * server's `detail` is English and starts with the field's wire name), else as the server said.
 */
export function problemMessage(field, detail) {
  const text = String(detail || '').replace(new RegExp(`^${field ? field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '$^'}: `), '');
  let m;
  if (field && field.startsWith('fields.')) {
    const known = fieldProblemMessage(text);
    if (known) return known;
  }
  if (field === 'reason' && /say why/.test(text)) return t('followup.error.reason');
  if (field === 'applied') return t('followup.error.applied');
  if (/must not be empty/.test(text)) return t('dossier.error.required');
  if (field === 'board_id' && /no such board/.test(text)) return t('dossier.error.no_such_board');
  if ((m = /at most (\d+) characters/.exec(text))) return t('dossier.error.too_long', { max: m[1] });
  if ((m = /between (\d+) and (\d+)/.exec(text))) return t('dossier.error.birth_year', { min: m[1], max: m[2] });
  if (/control characters/.test(text)) return t('dossier.error.control');
  if (/clinical question is required/.test(text)) return t('dossier.error.question_to_submit');
  if (/consent must be recorded/.test(text)) return t('dossier.error.consent_to_submit');
  if (/is not a known field/.test(text) && field && FIELD_NAMES[field]) return t('dossier.error.unknown_field', { field: t(FIELD_NAMES[field]) });
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The items a 400 says submission lacks (`missing` of the problem document: `question`,
 * `consent`, `fields.<key>`, `attachments.<kind>`), read from its detail when the error does
 * not carry the list; null for any other error.
 */
export function missingOf(err) {
  if (!err || err.status !== 400) return null;
  if (Array.isArray(err.missing) && err.missing.length) return err.missing;
  const m = /^missing before submission: (.+)$/.exec(String(err.message || ''));
  return m ? m[1].split(',').map((s) => s.trim()).filter(Boolean) : null;
}

/**
 * An ApiError as a list of form errors: 400 on a field → that field; a 400 listing what
 * submission lacks → every item, through `missing(items)`; anything else → the summary.
 */
export function problemErrors(err, { missing } = {}) {
  const items = missing ? missingOf(err) : null;
  if (items) return missing(items);
  if (err && err.status === 400 && err.field) return [{ field: err.field, message: problemMessage(err.field, err.message) }];
  return [{ field: null, message: problemText(err) }];
}

/** A failure as a sentence for the page: the server's words for a 409, ours for the rest. */
export function problemText(err) {
  if (!err) return t('dossier.error.generic');
  if (err.status === 0) return t('dossier.error.network');
  if (err.status === 403) return t('dossier.error.forbidden');
  if (err.status === 404) return t('dossier.error.not_found');
  if (err.status === 409) return t('dossier.error.conflict', { detail: err.message });
  if (err.status === 413) return t('attach.error.too_large_server');
  if (err.status === 415) return t('attach.error.unsupported', { detail: err.message });
  if (err.status === 429) return t('dossier.error.rate_limited');
  if (err.status >= 500) return t('dossier.error.server');
  return err.message || t('dossier.error.generic');
}
