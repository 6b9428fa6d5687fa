// The board's template (API.md section 13): the fields a board asks for, as form controls (one
// per type), their values read and checked as the server checks them (type, bounds, step; every
// error at once), what changed since the dossier was saved, and what submission still lacks.
import { get } from '../api.js';
import { h } from '../dom.js';
import { t, currentLang } from '../i18n.js';

/** The template of a board that has none (what GET gives before any PUT). */
export const EMPTY_TEMPLATE = Object.freeze({ fields: [], requires_attachment: [], version: 0 });

// The server's bound (src/domain/template.rs); the server checks it again.
const TEXT_MAX = 5000;
const KINDS = ['imaging', 'note', 'report'];

function normalise(tpl) {
  return {
    fields: Array.isArray(tpl && tpl.fields) ? tpl.fields : [],
    requires_attachment: Array.isArray(tpl && tpl.requires_attachment) ? tpl.requires_attachment : [],
    version: Number(tpl && tpl.version) || 0,
  };
}

/** GET /api/boards/{id}/template; a template that cannot be read is empty and `failed`. */
export async function loadTemplate(boardId) {
  if (!boardId) return EMPTY_TEMPLATE;
  try {
    return normalise(await get(`/api/boards/${encodeURIComponent(boardId)}/template`));
  } catch {
    return { ...EMPTY_TEMPLATE, failed: true };
  }
}

/** The templates of these boards, as a Map from board id. */
export async function loadTemplates(boardIds) {
  const ids = [...new Set(boardIds.filter(Boolean))];
  const loaded = await Promise.all(ids.map((id) => loadTemplate(id)));
  return new Map(ids.map((id, i) => [id, loaded[i]]));
}

/** Whether the template on hand is the one the dossier follows (else the server decides). */
export function templateApplies(dossier, template) {
  if (!dossier || dossier.template_version === null || dossier.template_version === undefined) return true;
  return dossier.template_version === template.version;
}

function hasValue(v) {
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

// --- Words -----------------------------------------------------------------------------------

function locale() { return currentLang() === 'fr' ? 'fr-FR' : 'en-GB'; }

/** A number as the page's language writes it: « 0,5 » in French. */
export function formatNumber(x) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 6 }).format(Number(x));
}

/** A « YYYY-MM-DD » date in words: « 3 novembre 2025 ». */
export function formatDate(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(ymd));
  if (!m) return String(ymd);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}

function boolText(v) { return v ? t('dossier.tpl.yes') : t('dossier.tpl.no'); }

/** A stored value as words, for `def` (or, without it, by its JSON type). */
export function valueText(def, value) {
  const type = def ? def.type : null;
  if (Array.isArray(value)) return value.map(String).join(t('dossier.list_separator'));
  if (typeof value === 'boolean') return boolText(value);
  if (typeof value === 'number') return formatNumber(value);
  if (type === 'date' || (!def && /^\d{4}-\d{2}-\d{2}$/.test(String(value)))) return formatDate(value);
  return String(value);
}

/** The bounds of a number field in words, or null. */
export function boundsText(def) {
  if (def.type !== 'number') return null;
  const has = (v) => typeof v === 'number' && Number.isFinite(v);
  const vars = { min: has(def.min) ? formatNumber(def.min) : '', max: has(def.max) ? formatNumber(def.max) : '', step: has(def.step) ? formatNumber(def.step) : '' };
  const which = [has(def.min) && has(def.max) ? 'between' : has(def.min) ? 'min' : has(def.max) ? 'max' : null, has(def.step) ? 'step' : null]
    .filter(Boolean).join('_');
  return which ? t(`dossier.tpl.bounds.${which}`, vars) : null;
}

/** What a kind of attachment is called in a list of what the board asks for: « une imagerie ». */
export function kindNeeded(kind) {
  return KINDS.includes(kind) ? t(`dossier.tpl.requires.${kind}`) : kind;
}

/** The kind as it completes « une pièce jointe de type … ». */
export function kindName(kind) {
  return KINDS.includes(kind) ? t(`dossier.tpl.kind.${kind}`) : kind;
}

// --- Checks ----------------------------------------------------------------------------------

/** Why `value` does not fit `def` (as the server says it), or null. */
export function valueProblem(def, value) {
  if (!hasValue(value)) return null;
  switch (def.type) {
    case 'text':
      if (typeof value !== 'string') return t('dossier.tpl.error.type');
      if (value.trim().length > TEXT_MAX) return t('dossier.error.too_long', { max: TEXT_MAX });
      return null;
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return t('dossier.tpl.error.not_number');
      const lo = typeof def.min === 'number' ? def.min : null;
      const hi = typeof def.max === 'number' ? def.max : null;
      if ((lo !== null && value < lo) || (hi !== null && value > hi)) {
        if (lo !== null && hi !== null) return t('dossier.tpl.error.between', { min: formatNumber(lo), max: formatNumber(hi) });
        if (lo !== null) return t('dossier.tpl.error.min', { min: formatNumber(lo) });
        return t('dossier.tpl.error.max', { max: formatNumber(hi) });
      }
      if (typeof def.step === 'number' && def.step > 0) {
        const from = lo ?? 0;
        const k = (value - from) / def.step;
        if (Math.abs(k - Math.round(k)) > 1e-9) {
          const round = (x) => Math.round(x * 1e9) / 1e9;
          return t('dossier.tpl.error.step', {
            step: formatNumber(def.step),
            below: formatNumber(round(from + Math.floor(k) * def.step)),
            above: formatNumber(round(from + Math.ceil(k) * def.step)),
          });
        }
      }
      return null;
    }
    case 'date': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
      if (!m) return t('dossier.tpl.error.date');
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
        return t('dossier.tpl.error.date');
      }
      return null;
    }
    case 'choice':
      return (def.choices || []).includes(value) ? null : t('dossier.tpl.error.choice');
    case 'multi_choice':
      if (!Array.isArray(value) || !value.every((v) => (def.choices || []).includes(v))) return t('dossier.tpl.error.choice');
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : t('dossier.tpl.error.type');
    default:
      return null;
  }
}

/**
 * A server problem on `fields.<key>` (its `detail` is English, see src/domain/template.rs) in
 * the page's language; null when its wording is not known.
 */
export function fieldProblemMessage(text) {
  let m;
  const num = (s) => formatNumber(Number(s));
  if ((m = /must be between (\S+) and (\S+)/.exec(text))) return t('dossier.tpl.error.between', { min: num(m[1]), max: num(m[2]) });
  if ((m = /must be at least (\S+)/.exec(text))) return t('dossier.tpl.error.min', { min: num(m[1]) });
  if ((m = /must be at most (\S+)/.exec(text))) return t('dossier.tpl.error.max', { max: num(m[1]) });
  if ((m = /must be a multiple of (\S+)/.exec(text))) return t('dossier.tpl.error.multiple', { step: num(m[1]) });
  if (/must be a date/.test(text)) return t('dossier.tpl.error.date');
  if (/must be a finite number|must be a number value/.test(text)) return t('dossier.tpl.error.not_number');
  if (/choices|given twice/.test(text)) return t('dossier.tpl.error.choice');
  if (/not a field of the board's template/.test(text)) return t('dossier.tpl.error.unknown');
  if (/must be a \w+ value/.test(text)) return t('dossier.tpl.error.type');
  return null;
}

// --- Controls --------------------------------------------------------------------------------

function describedBy(...ids) { return ids.filter(Boolean).join(' '); }

/**
 * One field of the template as a control (or a fieldset of them) with its label, help, bounds
 * and error box. Returns { def, box, main, read(), setActive(on) }; `read()` gives
 * { value } (null when empty) or { error }.
 */
function buildField(def, { idBase, name, value, requiredMark }) {
  const helpId = def.help ? `${idBase}-hint` : null;
  const bounds = boundsText(def);
  const boundsId = bounds ? `${idBase}-bounds` : null;
  const errorId = `${idBase}-error`;
  const described = describedBy(helpId, boundsId, errorId);
  const mark = def.required && requiredMark
    ? h('span', { class: 'submit-mark', 'aria-hidden': 'true' }, ' †') : null;
  const help = def.help ? h('div', { class: 'hint', id: helpId }, def.help) : null;
  const boundsEl = bounds ? h('div', { class: 'hint df-bounds', id: boundsId }, bounds) : null;
  const error = h('div', { class: 'field-error', id: errorId, hidden: true });
  const common = { 'data-summary-name': def.label, 'data-tpl-key': def.key };
  let main;
  let read;
  let box;

  const simpleBox = (control) => h('div', { class: 'field df-field', 'data-field-box': `fields.${def.key}` },
    h('div', { class: 'field-control' }, h('label', { for: idBase }, def.label, mark), control),
    help, boundsEl, error);

  switch (def.type) {
    case 'number': {
      main = h('input', {
        id: idBase, name, type: 'number', inputmode: 'decimal', ...common, 'aria-describedby': described,
        min: typeof def.min === 'number' ? def.min : null, max: typeof def.max === 'number' ? def.max : null,
        step: typeof def.step === 'number' ? def.step : 'any',
        value: typeof value === 'number' ? String(value) : '',
      });
      read = () => {
        if (main.validity.badInput) return { error: t('dossier.tpl.error.not_number') };
        const raw = main.value.trim();
        if (!raw) return { value: null };
        const x = Number(raw);
        return Number.isFinite(x) ? { value: x } : { error: t('dossier.tpl.error.not_number') };
      };
      box = simpleBox(main);
      break;
    }
    case 'date': {
      main = h('input', { id: idBase, name, type: 'date', ...common, 'aria-describedby': described, value: typeof value === 'string' ? value : '' });
      read = () => {
        if (main.validity.badInput) return { error: t('dossier.tpl.error.date') };
        return { value: main.value || null };
      };
      box = simpleBox(main);
      break;
    }
    case 'choice': {
      const choices = [...(def.choices || [])];
      // A value an older version of the template allowed: kept on screen rather than lost.
      if (typeof value === 'string' && value && !choices.includes(value)) choices.push(value);
      main = h('select', { id: idBase, name, ...common, 'aria-describedby': described },
        h('option', { value: '' }, t('dossier.tpl.choose')),
        choices.map((c) => h('option', { value: c, selected: c === value }, c)));
      read = () => ({ value: main.value || null });
      box = simpleBox(main);
      break;
    }
    case 'multi_choice': {
      const chosen = Array.isArray(value) ? value : [];
      const boxes = (def.choices || []).map((c, i) => h('input', {
        type: 'checkbox', id: i === 0 ? idBase : `${idBase}-${i}`, name, value: c, checked: chosen.includes(c),
        ...(i === 0 ? common : {}),
      }));
      main = boxes[0] || h('input', { type: 'checkbox', id: idBase, name, disabled: true, ...common });
      read = () => {
        const picked = boxes.filter((b) => b.checked).map((b) => b.value);
        return { value: picked.length ? picked : null };
      };
      box = h('fieldset', { class: 'field df-field df-group', 'data-field-box': `fields.${def.key}`, 'aria-describedby': described },
        h('legend', {}, def.label, mark),
        h('div', { class: 'choice-list' }, boxes.map((b) => h('label', { class: 'choice' }, b, ' ', b.value))),
        help, boundsEl, error);
      break;
    }
    case 'boolean': {
      const yes = h('input', { type: 'radio', id: idBase, name, value: 'true', checked: value === true, ...common });
      const no = h('input', { type: 'radio', id: `${idBase}-no`, name, value: 'false', checked: value === false });
      main = yes;
      const clearBtn = h('button', {
        type: 'button', class: 'link-button df-clear', id: `${idBase}-clear`,
        'aria-label': t('dossier.tpl.clear_label', { field: def.label }),
        onclick: () => {
          yes.checked = false;
          no.checked = false;
          yes.dispatchEvent(new Event('change', { bubbles: true }));
          yes.focus();
        },
      }, t('dossier.tpl.clear'));
      read = () => ({ value: yes.checked ? true : no.checked ? false : null });
      // « Effacer la réponse » only when there is one.
      const follow = () => { clearBtn.hidden = !yes.checked && !no.checked; };
      yes.addEventListener('change', follow);
      no.addEventListener('change', follow);
      follow();
      box = h('fieldset', { class: 'field df-field df-group', 'data-field-box': `fields.${def.key}`, 'aria-describedby': described },
        h('legend', {}, def.label, mark),
        h('div', { class: 'choice-list' },
          h('label', { class: 'choice' }, yes, ' ', t('dossier.tpl.yes')),
          h('label', { class: 'choice' }, no, ' ', t('dossier.tpl.no')),
          clearBtn),
        help, boundsEl, error);
      break;
    }
    default: { // text, and a type this page does not know
      main = h('textarea', { id: idBase, name, rows: 3, maxlength: TEXT_MAX, ...common, 'aria-describedby': described });
      main.value = value === null || value === undefined ? '' : String(value);
      read = () => ({ value: main.value.trim() ? main.value.trim() : null });
      box = simpleBox(main);
    }
  }
  return {
    def,
    box,
    main,
    read,
    setActive(on) {
      if (on) main.setAttribute('data-field', `fields.${def.key}`);
      else main.removeAttribute('data-field');
    },
  };
}

/**
 * The template of one board as a group of controls in a form. `values`: the dossier's saved
 * values (for its own board). `applies`: whether `template` is the one the values follow (the
 * required checks are then ours; else they are left to the server).
 * → { el (null when the template asks nothing), boardId, template, setActive(on), values(),
 *     check({ forSubmit }), changes(original) }
 */
export function templateGroup({ prefix, boardId, template, values = {}, applies = true, note = null }) {
  const tpl = template || EMPTY_TEMPLATE;
  const name = (key) => `fields.${boardId}.${key}`;
  const fields = tpl.fields.map((def) => buildField(def, {
    idBase: `${prefix}-${boardId}-${def.key}`, name: name(def.key), value: values ? values[def.key] : undefined, requiredMark: true,
  }));
  const kinds = tpl.requires_attachment || [];
  let el = null;
  if (fields.length || kinds.length || tpl.failed) {
    el = h('fieldset', { class: 'df-fields', 'data-board-id': boardId, hidden: true },
      h('legend', {}, t('dossier.tpl.legend')),
      tpl.failed ? h('p', { class: 'warning-text' }, t('dossier.tpl.load_failed')) : null,
      fields.length ? h('p', { class: 'hint' }, t('dossier.tpl.intro')) : null,
      note ? h('p', { class: 'hint df-version-note' }, note) : null,
      fields.map((f) => f.box),
      kinds.length ? h('p', { class: 'hint df-requires' }, t('dossier.tpl.requires_in_form', {
        list: kinds.map(kindNeeded).join(t('dossier.list_separator')),
      })) : null);
  }

  function read() {
    const out = {};
    const errors = [];
    for (const f of fields) {
      const r = f.read();
      if (r.error) { errors.push({ field: `fields.${f.def.key}`, message: r.error }); continue; }
      const problem = valueProblem(f.def, r.value);
      if (problem) errors.push({ field: `fields.${f.def.key}`, message: problem });
      out[f.def.key] = r.value;
    }
    return { values: out, errors };
  }

  return {
    el,
    boardId,
    template: tpl,
    setActive(on) {
      if (el) el.hidden = !on;
      for (const f of fields) f.setActive(on);
    },
    /** The values given (none empty), for a new dossier. */
    values() {
      const out = {};
      for (const [k, v] of Object.entries(read().values)) if (hasValue(v)) out[k] = v;
      return out;
    },
    /** Every problem of the values at once; with `forSubmit`, the required fields left empty too. */
    check({ forSubmit = false } = {}) {
      const { values: now, errors } = read();
      if (forSubmit && applies) {
        for (const f of fields) {
          if (f.def.required && !hasValue(now[f.def.key]) && !errors.some((e) => e.field === `fields.${f.def.key}`)) {
            errors.push({ field: `fields.${f.def.key}`, message: t('dossier.tpl.error.required_to_submit') });
          }
        }
        // In the template's order, as the summary lists them.
        const order = new Map(fields.map((f, i) => [`fields.${f.def.key}`, i]));
        errors.sort((a, b) => order.get(a.field) - order.get(b.field));
      }
      return errors;
    },
    /** What differs from `original` (the saved values): changed values, and null for a cleared one. */
    changes(original = {}) {
      const out = {};
      const saved = original || {};
      for (const [k, v] of Object.entries(read().values)) {
        const before = saved[k];
        if (!hasValue(v) && !hasValue(before)) continue;
        if (JSON.stringify(v) === JSON.stringify(before)) continue;
        out[k] = hasValue(v) ? v : null;
      }
      return out;
    },
  };
}

// --- What submission lacks -------------------------------------------------------------------

/** The kinds of attachment the template asks for that the dossier does not have. */
export function missingKinds(dossier, template) {
  const have = new Set((dossier.attachments || []).map((a) => a.kind));
  return (template.requires_attachment || []).filter((k) => !have.has(k));
}

/**
 * What the saved dossier lacks to follow its template, as the server's `missing` names them
 * (`fields.<key>`, `attachments.<kind>`); nothing when the template on hand is not the
 * dossier's (the server then says).
 */
export function templateMissing(dossier, template) {
  if (!templateApplies(dossier, template)) return [];
  const values = dossier.fields || {};
  return [
    ...template.fields.filter((f) => f.required && !hasValue(values[f.key])).map((f) => `fields.${f.key}`),
    ...missingKinds(dossier, template).map((k) => `attachments.${k}`),
  ];
}

/** One item of `missing` in a list of what submission needs: « EDSS », « une pièce jointe de type imagerie ». */
export function missingPhrase(item, template) {
  if (item === 'question' || item === 'consent') return t(`dossier.submit.needs.${item}`);
  if (item.startsWith('fields.')) {
    const key = item.slice(7);
    const def = (template ? template.fields : []).find((f) => f.key === key);
    return def ? def.label : key;
  }
  if (item.startsWith('attachments.')) return t('dossier.submit.needs.attachment', { kind: kindName(item.slice(12)) });
  return item;
}

/**
 * The server's `missing` (or ours) as form errors, every one: the question, the consent and the
 * fields at their controls (by label; the raw key when the current template no longer has it),
 * the attachments as links to the upload form.
 */
export function missingErrors(items, template) {
  return items.map((item) => {
    if (item === 'question') return { field: 'question', message: t('dossier.error.question_to_submit') };
    if (item === 'consent') return { field: 'consent', message: t('dossier.error.consent_to_submit') };
    if (item.startsWith('fields.')) {
      return { field: item, name: missingPhrase(item, template), message: t('dossier.tpl.error.required_to_submit') };
    }
    if (item.startsWith('attachments.')) {
      const kind = item.slice(12);
      return {
        field: null,
        attachment: kind,
        name: t('dossier.submit.needs.attachment_name', { kind: kindName(kind) }),
        message: t('dossier.submit.needs.attachment_where'),
        link: { href: '#u-file', focus: () => focusUpload(kind) },
      };
    }
    return { field: null, message: item };
  });
}

/** Takes the referrer to the upload form, with the kind the board asks for chosen. */
export function focusUpload(kind) {
  const kindSelect = document.getElementById('u-kind');
  if (kindSelect && [...kindSelect.options].some((o) => o.value === kind)) kindSelect.value = kind;
  const file = document.getElementById('u-file');
  if (file) {
    file.scrollIntoView({ block: 'center' });
    file.focus();
  }
}

// --- Reading a dossier's values --------------------------------------------------------------

/**
 * The dossier's values as a list of facts: the template's labels, in its order (the current
 * template: when the dossier followed another version, the labels of the keys it still has, the
 * raw key for the others). Null when there is nothing to show.
 */
export function templateFacts(dossier, template) {
  const values = dossier.fields || {};
  const tpl = template || EMPTY_TEMPLATE;
  const known = new Set(tpl.fields.map((f) => f.key));
  const extra = Object.keys(values).filter((k) => !known.has(k));
  if (!tpl.fields.length && !extra.length) return null;
  const notGiven = () => h('span', { class: 'muted' }, t('dossier.page.not_given'));
  const row = (label, key, def, value) => [
    h('dt', {}, label),
    h('dd', { 'data-field-key': key, class: def && def.type === 'text' ? 'prewrap' : null },
      hasValue(value) ? valueText(def, value) : notGiven()),
  ];
  const other = templateApplies(dossier, tpl) ? null
    : h('p', { class: 'hint df-version-note' }, t('dossier.tpl.version_differs', { theirs: dossier.template_version, current: tpl.version }));
  return h('div', { class: 'template-values', id: 'dossier-fields' },
    h('h3', {}, t('dossier.tpl.legend')),
    other,
    h('dl', { class: 'facts template-facts' },
      tpl.fields.map((def) => row(def.label, def.key, def, values[def.key])),
      extra.map((key) => row(key, key, null, values[key]))));
}
