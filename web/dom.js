// Small DOM helpers: elements are built with h(), never from HTML strings, so no user text is
// ever parsed as markup.

import { currentLang, t } from './i18n.js';

/** h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'text') {
      el.textContent = value;
    } else if (key === 'value') {
      el.value = value;
    } else if (key === 'checked' || key === 'disabled' || key === 'selected' || key === 'hidden') {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** `datetime-local` value (local time) → RFC 3339 UTC without fractions. */
export function toUtc(local) {
  const d = new Date(local);
  if (Number.isNaN(d.getTime())) return local;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 instant → `datetime-local` value (local time, to the minute). */
export function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

/** A size in the page's language: « 1,5 Mo », "1.5 MB". */
export function fmtBytes(n) {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
  let v = Number(n) || 0;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  const locale = currentLang() === 'fr' ? 'fr-FR' : 'en-GB';
  return new Intl.NumberFormat(locale, {
    style: 'unit', unit: units[i], unitDisplay: 'short', maximumFractionDigits: i === 0 ? 0 : 1,
  }).format(v);
}

/** A status as a badge, in the page's language (`status.<name>` in the catalogue). */
export function badge(status) {
  const key = `status.${status}`;
  const words = t(key);
  return h('span', { class: `badge status-${status}` }, words === key ? status : words);
}

/** A labelled form field. `input` is the control; its id ties the label and the error. */
export function field(labelText, input, { hint, inline } = {}) {
  const id = input.id;
  const error = h('div', { class: 'field-error', id: `${id}-error`, hidden: true });
  const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  input.setAttribute('aria-describedby', described);
  const label = h('label', { for: id }, labelText);
  const parts = inline ? [input, label] : [label, input];
  return h('div', { class: inline ? 'field inline' : 'field' },
    parts,
    hint ? h('div', { class: 'hint', id: `${id}-hint` }, hint) : null,
    error);
}

/** Clears the field errors of a form. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) { el.textContent = ''; el.hidden = true; }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const general = form.querySelector('.form-error');
  if (general) { general.textContent = ''; general.hidden = true; }
}

/**
 * Shows an API error on a form: next to the control whose data-field names the problem's
 * field, else in the form's general error line. Focuses the faulty control.
 */
export function showError(form, err) {
  const fieldName = err && err.field;
  const control = fieldName ? form.querySelector(`[data-field="${CSS.escape(fieldName)}"]`) : null;
  const message = (err && err.message) || t('error.generic');
  if (control) {
    // The server's detail starts with the field's wire name; next to the field it is noise.
    let text = message.startsWith(`${fieldName}: `) ? message.slice(fieldName.length + 2) : message;
    text = text.charAt(0).toUpperCase() + text.slice(1);
    const box = document.getElementById(`${control.id}-error`);
    control.setAttribute('aria-invalid', 'true');
    if (box) { box.textContent = text; box.hidden = false; }
    control.focus();
    return;
  }
  let general = form.querySelector('.form-error');
  if (!general) {
    general = h('p', { class: 'form-error', role: 'alert' });
    form.prepend(general);
  }
  general.textContent = message;
  general.hidden = false;
}

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
