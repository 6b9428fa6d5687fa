// Small pieces shared by the coordinator's pages (boards, sessions, queue, decisions, report):
// status badges worded in the page's language, tables that become stacked cards on a phone,
// numbers and days in the reader's conventions.
import { h } from '../dom.js';
import { t, currentLang } from '../i18n.js';

/** The locale tag of the page's language, for Intl. */
export function localeTag() {
  return currentLang() === 'fr' ? 'fr-FR' : 'en-GB';
}

/**
 * A status badge: `kind` is 'dossier', 'session' or 'decision' (French agrees the word with
 * the thing: « soumis », « planifiée »).
 */
export function statusBadge(kind, status, props = {}) {
  const key = kind === 'session' ? `session.status.${status}` : `${kind === 'decision' ? 'decisions' : 'boards.dossier'}.status.${status}`;
  const text = t(key);
  return h('span', { class: `badge status-${status}`, ...props }, text === key ? status : text);
}

/** A number in the reader's conventions (decimal comma in French). */
export function formatNumber(n, digits = 0) {
  return new Intl.NumberFormat(localeTag(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

/** A count of days, e.g. « 12,5 jours » / "12.5 days"; `null` → « — ». */
export function formatDays(days) {
  if (days === null || days === undefined || Number.isNaN(Number(days))) return '—';
  return new Intl.NumberFormat(localeTag(), {
    style: 'unit', unit: 'day', unitDisplay: 'long', maximumFractionDigits: 1, minimumFractionDigits: 1,
  }).format(Number(days));
}

/**
 * A data table that reads as a table everywhere and shows as stacked cards below ~640 px
 * (CSS `.stack-table`): each cell carries its column's name in `data-label`. The explicit
 * roles keep the table's semantics when the CSS changes its display.
 * `columns`: [{ label, className? }]; `rows`: [{ props?, cells: [content…] }].
 */
export function stackTable({ id, caption, captionHidden = true, columns, rows, className = '' }) {
  return h('div', { class: 'table-wrap' }, h('table', { id, class: `stack-table ${className}`.trim(), role: 'table' },
    caption ? h('caption', { class: captionHidden ? 'visually-hidden' : null }, caption) : null,
    h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' },
      columns.map((c) => h('th', { scope: 'col', role: 'columnheader', class: c.className || null }, c.label)))),
    h('tbody', { role: 'rowgroup' }, rows.map((row) => h('tr', { role: 'row', ...(row.props || {}) },
      row.cells.map((cell, i) => h('td', { role: 'cell', 'data-label': columns[i].label, class: columns[i].className || null },
        h('div', { class: 'cell' }, cell))))))));
}

/** Shows `message` next to the control (its `${id}-error` box), without moving the focus. */
export function fieldError(control, message) {
  const box = document.getElementById(`${control.id}-error`);
  control.setAttribute('aria-invalid', 'true');
  if (box) { box.textContent = message; box.hidden = false; }
}

/** Marks a page's container as one of the coordinator's pages (scopes web/css/pages.css). */
export function coordPage(container) {
  container.classList.add('coord-page');
  return container;
}
