// A board's dossier template (API.md section 13) on the board's page: the typed facts the board
// needs before it can decide. Its coordinators and the administrators (`can.edit`) edit it —
// fields added, changed, moved and removed, the kinds of attachment a dossier needs — and save
// it as a new version; every other reader sees it as a table. Every faulty control is shown at
// once, next to itself, before anything is sent, by the server's own rules
// (src/domain/template.rs); what the server still refuses (`fields[2].choices`) lands next to
// the same control of the same field.
import { api } from '../api.js';
import { h, field, clearErrors } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { fieldError, stackTable, localeTag } from './ui.js';

export const FIELD_TYPES = ['text', 'number', 'date', 'choice', 'multi_choice', 'boolean'];
export const ATTACHMENT_KINDS = ['imaging', 'note', 'report'];

// The server's bounds.
const KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_FIELDS = 100;
const MAX_CHOICES = 100;
const LABEL_MAX = 200;
const HELP_MAX = 1000;
const CHOOSING = new Set(['choice', 'multi_choice']);
// Rust's `char::is_control`: the Cc category.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/; // eslint-disable-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/; // eslint-disable-line no-control-regex

const length = (s) => [...s].length;

/** The choices typed one per line (blank lines dropped, each trimmed). */
export function parseChoices(text) {
  return String(text).split('\n').map((s) => s.trim()).filter(Boolean);
}

/** A decimal number typed with a comma or a point: the number, `null` when blank, NaN otherwise. */
export function parseDecimal(text) {
  const s = String(text ?? '').trim().replace(/\s/g, '').replace(',', '.');
  if (!s) return null;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return Number.NaN;
  const n = Number(s);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** A number as the reader types it (decimal comma in French), '' when absent. */
function decimalText(n) {
  if (typeof n !== 'number') return '';
  return currentLang() === 'fr' ? String(n).replace('.', ',') : String(n);
}

/** A number in the reader's conventions, for reading. */
function decimal(n) {
  return new Intl.NumberFormat(localeTag(), { maximumFractionDigits: 6 }).format(n);
}

/** A key suggested from a label: « Poussées (12 mois) » → `poussees_12_mois`. */
export function keyFrom(label) {
  return label.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '_').replace(/^[^a-z]+/, '').slice(0, 40).replace(/_+$/, '');
}

/**
 * Checks the rows as the server will and builds the body of the PUT. `rows`: the editor's
 * fields as typed ({key, label, type, required, choices: text, min, max, step: text, help});
 * `kinds`: the required attachment kinds. Returns `{ body, problems }`, each problem
 * `{ index, prop, message }` (`index` null for the whole template).
 */
export function checkTemplate(rows, kinds) {
  const problems = [];
  const add = (index, prop, message) => problems.push({ index, prop, message });
  if (rows.length > MAX_FIELDS) add(null, 'fields', t('boards.template.err.fields_many', { max: MAX_FIELDS }));
  const keys = new Map();
  const fields = rows.map((r, i) => {
    const key = r.key.trim();
    const label = r.label.trim();
    const help = r.help.trim();
    const f = { key, label, type: r.type, required: Boolean(r.required) };
    if (!key) add(i, 'key', t('boards.template.err.key_missing'));
    else if (!KEY_PATTERN.test(key)) add(i, 'key', t('boards.template.err.key_invalid'));
    else if (keys.has(key)) add(i, 'key', t('boards.template.err.key_twice', { key, number: keys.get(key) + 1 }));
    else keys.set(key, i);
    if (!label) add(i, 'label', t('boards.template.err.label_missing'));
    else if (length(label) > LABEL_MAX) add(i, 'label', t('boards.template.err.label_long', { max: LABEL_MAX }));
    else if (CONTROL.test(label)) add(i, 'label', t('boards.template.err.control'));
    if (!FIELD_TYPES.includes(r.type)) add(i, 'type', t('boards.template.err.type'));
    if (CHOOSING.has(r.type)) {
      const choices = parseChoices(r.choices);
      f.choices = choices;
      const seen = new Set();
      const twice = choices.find((c) => (seen.has(c) ? true : (seen.add(c), false)));
      if (!choices.length) add(i, 'choices', t('boards.template.err.choices_missing'));
      else if (choices.length > MAX_CHOICES) add(i, 'choices', t('boards.template.err.choices_many', { max: MAX_CHOICES }));
      else if (twice !== undefined) add(i, 'choices', t('boards.template.err.choices_twice', { choice: twice }));
      else if (choices.some((c) => length(c) > LABEL_MAX)) add(i, 'choices', t('boards.template.err.choices_long', { max: LABEL_MAX }));
      else if (choices.some((c) => CONTROL.test(c))) add(i, 'choices', t('boards.template.err.control'));
    }
    if (r.type === 'number') {
      const n = {};
      for (const prop of ['min', 'max', 'step']) {
        const v = parseDecimal(r[prop]);
        if (Number.isNaN(v)) add(i, prop, t('boards.template.err.number'));
        else if (v !== null) { n[prop] = v; f[prop] = v; }
      }
      if (n.min !== undefined && n.max !== undefined && n.min > n.max) add(i, 'min', t('boards.template.err.min_above'));
      if (n.step !== undefined && n.step <= 0) add(i, 'step', t('boards.template.err.step'));
    }
    if (help) {
      if (length(help) > HELP_MAX) add(i, 'help', t('boards.template.err.help_long', { max: HELP_MAX }));
      else if (CONTROL_BUT_LINES.test(help)) add(i, 'help', t('boards.template.err.control'));
      f.help = help;
    }
    return f;
  });
  const requires = ATTACHMENT_KINDS.filter((k) => kinds.includes(k));
  return { body: { fields, requires_attachment: requires }, problems };
}

/**
 * The problem the server named (`fields[2].choices[0]`, `fields[0].key`…) as the editor shows
 * it: `{ index, prop, message }` in the page's words (the server's own are English), or null.
 */
export function serverProblem(err) {
  const name = (err && err.field) || '';
  const detail = (err && err.message) || '';
  const m = /^fields\[(\d+)\]\.(key|label|type|choices|min|max|step|help)\b/.exec(name);
  if (!m) {
    if (name === 'fields') return { index: null, prop: 'fields', message: t('boards.template.err.fields_many', { max: MAX_FIELDS }) };
    if (name.startsWith('requires_attachment')) return { index: null, prop: 'requires_attachment', message: t('boards.template.err.attachments') };
    return null;
  }
  const index = Number(m[1]);
  const prop = m[2];
  const message = {
    key: () => (/twice/.test(detail) ? t('boards.template.err.key_taken') : t('boards.template.err.key_invalid')),
    label: () => t('boards.template.err.label_invalid', { max: LABEL_MAX }),
    type: () => t('boards.template.err.type'),
    choices: () => (/twice/.test(detail) ? t('boards.template.err.choices_dup')
      : /only for/.test(detail) ? t('boards.template.err.choices_only') : t('boards.template.err.choices_invalid', { max: MAX_CHOICES })),
    min: () => (/above max/.test(detail) ? t('boards.template.err.min_above') : t('boards.template.err.number')),
    max: () => t('boards.template.err.number'),
    step: () => (/above 0/.test(detail) ? t('boards.template.err.step') : t('boards.template.err.number')),
    help: () => t('boards.template.err.help_long', { max: HELP_MAX }),
  }[prop]();
  return { index, prop, message };
}

function typeName(type) {
  const key = `boards.template.type.${type}`;
  const text = t(key);
  return text === key ? type : text;
}

function kindName(kind) {
  return t(`boards.template.attachment.${kind}`);
}

/** What the field's choices, bounds and help say, one line each. */
function particulars(f) {
  const lines = [];
  if (f.choices && f.choices.length) lines.push(t('boards.template.read.choices', { choices: f.choices.join(' · ') }));
  const hasMin = typeof f.min === 'number';
  const hasMax = typeof f.max === 'number';
  if (hasMin && hasMax) lines.push(t('boards.template.read.between', { min: decimal(f.min), max: decimal(f.max) }));
  else if (hasMin) lines.push(t('boards.template.read.at_least', { min: decimal(f.min) }));
  else if (hasMax) lines.push(t('boards.template.read.at_most', { max: decimal(f.max) }));
  if (typeof f.step === 'number') lines.push(t('boards.template.read.step', { step: decimal(f.step) }));
  if (f.help) lines.push(t('boards.template.read.help', { help: f.help }));
  return lines.length ? lines.map((l) => h('div', {}, l)) : '—';
}

/** The template as read by the board's members (and the coordinators, in the editor's stead). */
export function templateView(template) {
  const kinds = template.requires_attachment || [];
  return h('div', { id: 'template-view' },
    template.fields.length ? stackTable({
      id: 'template-fields',
      caption: t('boards.template.read.caption'),
      columns: [
        { label: t('boards.template.read.label') }, { label: t('boards.template.read.key') },
        { label: t('boards.template.read.type') }, { label: t('boards.template.read.required') },
        { label: t('boards.template.read.particulars') }],
      rows: template.fields.map((f) => ({
        props: { 'data-key': f.key },
        cells: [f.label, h('code', {}, f.key), typeName(f.type),
          f.required ? t('boards.template.read.required.yes') : t('boards.template.read.required.no'), particulars(f)],
      })),
    }) : h('p', { class: 'muted' }, t('boards.template.read.none')),
    h('p', { id: 'template-attachments' }, kinds.length
      ? t('boards.template.read.attachments', { kinds: kinds.map(kindName).join(', ') })
      : t('boards.template.read.attachments.none')));
}

/** A field of a saved template as the editor holds it (text as typed). */
function rowFrom(f) {
  return {
    key: f.key, label: f.label, type: f.type, required: Boolean(f.required),
    choices: (f.choices || []).join('\n'), min: decimalText(f.min), max: decimalText(f.max), step: decimalText(f.step),
    help: f.help || '', open: false, keyAuto: false,
  };
}

function newRow() {
  return {
    key: '', label: '', type: 'text', required: false, choices: '', min: '', max: '', step: '', help: '', open: true, keyAuto: true,
  };
}

function versionText(version) {
  return version > 0 ? t('boards.template.version', { version }) : t('boards.template.version.none');
}

/** The editor: `template` is the board's current one (version 0 when none). */
function templateEditor(board, initial, versionLine) {
  let saved = initial;
  let rows = saved.fields.map(rowFrom);

  const list = h('ol', { id: 'tpl-fields', class: 'tpl-fields', 'aria-labelledby': 'tpl-fields-h' });
  const empty = h('p', { class: 'muted', id: 'tpl-empty' }, t('boards.template.empty'));
  const add = h('button', { type: 'button', class: 'secondary', id: 'tpl-add' }, t('boards.template.add'));
  const kindBoxes = ATTACHMENT_KINDS.map((k) => h('input', {
    type: 'checkbox', id: `tpl-att-${k}`, value: k, 'data-field': 'requires_attachment',
    checked: (saved.requires_attachment || []).includes(k),
  }));
  const attachmentsError = h('div', { class: 'field-error', id: 'tpl-attachments-error', hidden: true });
  const attachments = h('fieldset', { id: 'tpl-attachments', class: 'tpl-attachments', 'aria-describedby': 'tpl-attachments-hint tpl-attachments-error' },
    h('legend', {}, t('boards.template.attachments')),
    h('p', { class: 'hint', id: 'tpl-attachments-hint' }, t('boards.template.attachments.hint')),
    h('div', { class: 'tpl-kinds' }, kindBoxes.map((box) => h('div', { class: 'field inline' },
      box, h('label', { for: box.id }, kindName(box.value))))),
    attachmentsError);
  const save = h('button', { type: 'submit', id: 'tpl-save' }, t('boards.template.save'));
  const reset = h('button', { type: 'button', class: 'secondary', id: 'tpl-reset' }, t('boards.template.reset'));
  const summary = h('div', { class: 'form-error', role: 'alert', id: 'tpl-summary', hidden: true });
  const status = h('p', { class: 'hint', role: 'status', id: 'tpl-status', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, id: 'template-form', 'aria-labelledby': 'template-h' },
    summary,
    h('h3', { id: 'tpl-fields-h' }, t('boards.template.fields')),
    empty, list,
    h('div', { class: 'actions' }, add),
    attachments,
    h('div', { class: 'actions' }, save, reset),
    status);

  const titleOf = (row, i) => (row.label.trim()
    ? t('boards.template.field.title', { number: i + 1, label: row.label.trim() })
    : t('boards.template.field.title.new', { number: i + 1 }));
  const metaOf = (row) => [row.key.trim() || t('boards.template.field.no_key'), typeName(row.type),
    row.required ? t('boards.template.field.required') : null].filter(Boolean).join(' · ');

  function renderRow(row, i) {
    const id = (prop) => `tpl-f${i}-${prop}`;
    const named = (prop) => `fields[${i}].${prop}`;
    const title = h('h4', { class: 'tpl-title', id: id('title') }, titleOf(row, i));
    const meta = h('p', { class: 'tpl-meta muted', id: id('meta') }, metaOf(row));
    const legend = h('legend', { class: 'visually-hidden' }, titleOf(row, i));
    const refresh = () => {
      title.textContent = titleOf(row, i);
      legend.textContent = titleOf(row, i);
      meta.textContent = metaOf(row);
      up.setAttribute('aria-label', t('boards.template.up.label', { title: titleOf(row, i) }));
      down.setAttribute('aria-label', t('boards.template.down.label', { title: titleOf(row, i) }));
      remove.setAttribute('aria-label', t('boards.template.remove.label', { title: titleOf(row, i) }));
      toggle.setAttribute('aria-label', t(row.open ? 'boards.template.close.label' : 'boards.template.edit.label', { title: titleOf(row, i) }));
    };

    const key = h('input', {
      id: id('key'), type: 'text', 'data-field': named('key'), value: row.key, maxlength: 40, autocomplete: 'off',
      spellcheck: 'false', autocapitalize: 'none', required: true,
      oninput: (e) => { row.key = e.target.value; row.keyAuto = false; refresh(); },
    });
    const label = h('input', {
      id: id('label'), type: 'text', 'data-field': named('label'), value: row.label, maxlength: LABEL_MAX, required: true,
      oninput: (e) => {
        row.label = e.target.value;
        if (row.keyAuto) { row.key = keyFrom(row.label); key.value = row.key; }
        refresh();
      },
    });
    const type = h('select', {
      id: id('type'), 'data-field': named('type'),
      onchange: (e) => { row.type = e.target.value; shown(); refresh(); },
    }, FIELD_TYPES.map((ty) => h('option', { value: ty, selected: ty === row.type }, typeName(ty))));
    const required = h('input', {
      id: id('required'), type: 'checkbox', 'data-field': named('required'), checked: row.required,
      onchange: (e) => { row.required = e.target.checked; refresh(); },
    });
    const choices = h('textarea', {
      id: id('choices'), rows: 4, 'data-field': named('choices'),
      oninput: (e) => { row.choices = e.target.value; },
    });
    choices.value = row.choices;
    const number = (prop) => h('input', {
      id: id(prop), type: 'text', inputmode: 'decimal', 'data-field': named(prop), value: row[prop], autocomplete: 'off',
      oninput: (e) => { row[prop] = e.target.value; },
    });
    const min = number('min');
    const max = number('max');
    const step = number('step');
    const help = h('textarea', {
      id: id('help'), rows: 2, 'data-field': named('help'), maxlength: HELP_MAX,
      oninput: (e) => { row.help = e.target.value; },
    });
    help.value = row.help;

    const choiceBox = h('div', { class: 'tpl-choices' },
      field(t('boards.template.field.choices'), choices, { hint: t('boards.template.field.choices.hint', { max: MAX_CHOICES }) }));
    const numberBox = h('div', { class: 'row tpl-numbers' },
      field(t('boards.template.field.min'), min, { hint: t('boards.template.field.number.hint') }),
      field(t('boards.template.field.max'), max, { hint: t('boards.template.field.number.hint') }),
      field(t('boards.template.field.step'), step, { hint: t('boards.template.field.step.hint') }));
    const shown = () => {
      choiceBox.hidden = !CHOOSING.has(row.type);
      numberBox.hidden = row.type !== 'number';
    };
    shown();

    const body = h('fieldset', { class: 'tpl-body', id: id('body'), hidden: !row.open },
      legend,
      h('div', { class: 'row' },
        field(t('boards.template.field.label'), label),
        field(t('boards.template.field.key'), key, { hint: t('boards.template.field.key.hint') })),
      h('div', { class: 'row' },
        field(t('boards.template.field.type'), type),
        h('div', { class: 'tpl-required' }, field(t('boards.template.field.required.label'), required, {
          inline: true, hint: t('boards.template.field.required.hint'),
        }))),
      choiceBox, numberBox,
      field(t('boards.template.field.help'), help, { hint: t('boards.template.field.help.hint') }));

    const toggle = h('button', {
      type: 'button', class: 'secondary', id: id('toggle'), 'aria-expanded': String(row.open), 'aria-controls': id('body'),
      onclick: () => {
        row.open = !row.open;
        body.hidden = !row.open;
        toggle.setAttribute('aria-expanded', String(row.open));
        toggle.textContent = row.open ? t('boards.template.close') : t('boards.template.edit');
        refresh();
        if (row.open) label.focus();
      },
    }, row.open ? t('boards.template.close') : t('boards.template.edit'));
    const up = h('button', {
      type: 'button', class: 'secondary', id: id('up'), disabled: i === 0, onclick: () => move(i, -1, 'up'),
    }, t('boards.template.up'));
    const down = h('button', {
      type: 'button', class: 'secondary', id: id('down'), disabled: i === rows.length - 1, onclick: () => move(i, 1, 'down'),
    }, t('boards.template.down'));
    const remove = h('button', {
      type: 'button', class: 'secondary danger-text', id: id('remove'), onclick: () => removeRow(i),
    }, t('boards.template.remove'));
    refresh();

    return h('li', { class: 'tpl-field', 'data-index': i, 'aria-labelledby': id('title') },
      h('div', { class: 'tpl-head' },
        h('div', { class: 'tpl-name' }, title, meta),
        h('div', { class: 'tpl-buttons' }, toggle, up, down, remove)),
      body);
  }

  function render() {
    list.replaceChildren(...rows.map(renderRow));
    empty.hidden = rows.length > 0;
    list.hidden = rows.length === 0;
  }

  function move(i, by, which) {
    const j = i + by;
    if (j < 0 || j >= rows.length) return;
    [rows[i], rows[j]] = [rows[j], rows[i]];
    clearErrors(form);
    render();
    status.textContent = t('boards.template.moved', { label: rows[j].label.trim() || rows[j].key || '—', position: j + 1 });
    const target = document.getElementById(`tpl-f${j}-${which}`);
    (target && !target.disabled ? target : document.getElementById(`tpl-f${j}-${which === 'up' ? 'down' : 'up'}`))?.focus();
  }

  function removeRow(i) {
    const [gone] = rows.splice(i, 1);
    clearErrors(form);
    render();
    status.textContent = t('boards.template.removed', { label: gone.label.trim() || gone.key || '—' });
    const next = document.getElementById(`tpl-f${Math.min(i, rows.length - 1)}-toggle`);
    (next || add).focus();
  }

  add.addEventListener('click', () => {
    rows.push(newRow());
    render();
    status.textContent = '';
    document.getElementById(`tpl-f${rows.length - 1}-label`).focus();
  });

  reset.addEventListener('click', () => {
    rows = saved.fields.map(rowFrom);
    for (const box of kindBoxes) box.checked = (saved.requires_attachment || []).includes(box.value);
    clearErrors(form);
    render();
    status.textContent = t('boards.template.reset.done');
  });

  function controlOf(p) {
    if (p.index === null) return p.prop === 'requires_attachment' ? kindBoxes[0] : add;
    return document.getElementById(`tpl-f${p.index}-${p.prop}`);
  }

  function showProblems(problems) {
    // The fields at fault are opened, so that their controls show.
    for (const p of problems) if (p.index !== null && rows[p.index] && !rows[p.index].open) rows[p.index].open = true;
    render();
    for (const p of problems) {
      if (p.index !== null) fieldError(controlOf(p), p.message);
      else if (p.prop === 'requires_attachment') { attachmentsError.textContent = p.message; attachmentsError.hidden = false; }
    }
    const where = (p) => (p.index === null
      ? (p.prop === 'requires_attachment' ? t('boards.template.attachments') : t('boards.template.fields'))
      : t('boards.template.errors.where', {
        title: titleOf(rows[p.index], p.index),
        control: controlOf(p)?.labels?.[0]?.textContent || p.prop,
      }));
    summary.replaceChildren(
      h('p', {}, problems.length === 1 ? t('boards.template.errors.one') : t('boards.template.errors.other', { count: problems.length })),
      h('ul', {}, problems.map((p) => {
        const control = controlOf(p);
        return h('li', {}, control ? h('a', {
          href: `#${control.id}`,
          onclick: (e) => { e.preventDefault(); control.focus(); },
        }, t('boards.template.errors.item', { where: where(p), message: p.message }))
          : t('boards.template.errors.item', { where: where(p), message: p.message }));
      })));
    summary.hidden = false;
    controlOf(problems[0])?.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    attachmentsError.hidden = true;
    summary.hidden = true;
    summary.replaceChildren();
    status.textContent = '';
    const kinds = kindBoxes.filter((b) => b.checked).map((b) => b.value);
    const { body, problems } = checkTemplate(rows, kinds);
    if (problems.length) { showProblems(problems); return; }
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    try {
      saved = await api('PUT', `/api/boards/${board.id}/template`, body);
      rows = saved.fields.map(rowFrom);
      for (const box of kindBoxes) box.checked = (saved.requires_attachment || []).includes(box.value);
      render();
      versionLine.textContent = versionText(saved.version);
      versionLine.dataset.version = String(saved.version);
      status.textContent = t('boards.template.saved', { version: saved.version });
    } catch (err) {
      const p = err.status === 400 ? serverProblem(err) : null;
      if (p) showProblems([p]);
      else {
        summary.replaceChildren(h('p', {}, err.status === 403
          ? t('boards.template.forbidden') : t('boards.template.failed', { detail: err.message })));
        summary.hidden = false;
      }
    } finally {
      save.disabled = false;
      save.removeAttribute('aria-busy');
    }
  });

  render();
  return form;
}

/**
 * The template's card on the board's page: `template` as GET returned it (null when it could
 * not be read); `editable` for the board's coordinators and the administrators.
 */
export function templateCard(board, template, { editable }) {
  const heading = h('h2', { id: 'template-h' }, t('boards.template.title'));
  if (!template) {
    return h('section', { class: 'card', id: 'board-template-card', 'aria-labelledby': 'template-h' },
      heading, h('p', { class: 'muted' }, t('boards.template.unreadable')));
  }
  const versionLine = h('p', { id: 'tpl-version', class: 'tpl-version', 'data-version': template.version }, versionText(template.version));
  return h('section', { class: 'card', id: 'board-template-card', 'aria-labelledby': 'template-h' },
    heading,
    h('p', { class: 'hint' }, editable ? t('boards.template.intro.edit') : t('boards.template.intro.read')),
    versionLine,
    editable ? templateEditor(board, template, versionLine) : templateView(template));
}
