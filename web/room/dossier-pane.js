// The dossier under review: the focused dossier's case, the facts its board's template asks for
// (labelled from the board's template; a key the template no longer has is shown as it is), its
// imaging (the room's viewer, kept while the focus stays) and attachments, fetched when the
// focus moves.
import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { attachmentTable } from '../attachments.js';
import { refName, statusBadge, listOf } from './store.js';

/** The words for `key.value`, or the value itself when the catalogue has none. */
function word(key, value) {
  const text = t(`${key}.${value}`);
  return text === `${key}.${value}` ? value : text;
}

function caseOf(d) {
  const p = d.patient;
  const referrer = d.referrer.organization
    ? t('room.dossier.referrer.org', { name: d.referrer.name, organization: d.referrer.organization })
    : d.referrer.name;
  return [
    h('h3', { id: 'focus-title' }, t('room.dossier.name', { reference: d.reference, title: d.title })),
    h('p', { class: 'case-line' }, statusBadge(d.status), ' ', h('span', { class: `badge urgency-${d.urgency}` }, word('room.urgency', d.urgency))),
    h('dl', { class: 'facts' },
      h('dt', {}, t('room.dossier.referrer')), h('dd', {}, referrer),
      h('dt', {}, t('room.dossier.patient')), h('dd', {}, p.pseudonym),
      p.birth_year ? [h('dt', {}, t('room.dossier.birth_year')), h('dd', {}, String(p.birth_year))] : null,
      p.sex ? [h('dt', {}, t('room.dossier.sex')), h('dd', {}, word('room.sex', p.sex))] : null,
      h('dt', {}, t('room.dossier.question')), h('dd', { class: 'prewrap' }, d.question || '—'),
      h('dt', {}, t('room.dossier.history')), h('dd', { class: 'prewrap' }, d.history || '—')),
  ];
}

const localeTag = () => (currentLang() === 'fr' ? 'fr-FR' : 'en-GB');

/** A field's value in the reader's words: yes/no, a number, a date, a list, a text. */
export function fieldValue(def, value) {
  if (typeof value === 'boolean') return value ? t('room.fields.yes') : t('room.fields.no');
  if (typeof value === 'number') return new Intl.NumberFormat(localeTag(), { maximumFractionDigits: 6 }).format(value);
  if (Array.isArray(value)) return value.length ? listOf(value.map((v) => fieldValue(null, v))) : '—';
  if (typeof value === 'string') {
    const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (date && (!def || def.type === 'date')) {
      const d = new Date(Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])));
      if (!Number.isNaN(d.getTime())) return new Intl.DateTimeFormat(localeTag(), { dateStyle: 'long', timeZone: 'UTC' }).format(d);
    }
    return value;
  }
  return value === null || value === undefined ? '—' : JSON.stringify(value);
}

/** The dossier's field values, in the template's order, then the keys it does not know. */
function fieldsOf(d, template) {
  const values = d.fields || {};
  const given = (k) => Object.hasOwn(values, k) && values[k] !== null && values[k] !== '' && !(Array.isArray(values[k]) && !values[k].length);
  const defs = (template && template.fields) || [];
  const known = defs.filter((f) => given(f.key));
  const unknown = Object.keys(values).filter((k) => given(k) && !defs.some((f) => f.key === k)).sort();
  if (!known.length && !unknown.length) return null;
  const item = (key, label, def, raw) => h('div', { class: 'case-field', 'data-key': key },
    h('dt', { class: raw ? 'raw-key' : null }, label),
    h('dd', { class: def && def.type === 'text' ? 'prewrap' : null }, fieldValue(def, values[key])));
  const written = d.template_version && template && template.version && d.template_version !== template.version;
  return [
    h('h4', { id: 'focus-fields-h' }, t('room.dossier.fields')),
    written ? h('p', { class: 'hint' }, t('room.dossier.fields.version', { version: d.template_version })) : null,
    h('dl', { class: 'case-fields', id: 'focus-fields', 'aria-labelledby': 'focus-fields-h' },
      known.map((f) => item(f.key, f.label, f, false)),
      unknown.map((k) => item(k, k, null, true))),
  ];
}

/**
 * `imaging`: the room's viewer (web/viewer/room-imaging.js), shown for the focused dossier. Its
 * element stays in place while the case and attachments around it are redrawn, so that a
 * reconnection or a closed vote neither reloads the images nor takes the keyboard focus away.
 */
export function dossierPane({ state, imaging }) {
  const noFocus = () => h('p', { class: 'muted' }, t('room.dossier.nofocus'));
  const info = h('div', {}, noFocus());
  const files = h('div', { class: 'room-files' });
  const box = h('div', { id: 'focus' }, info, imaging.el, files);
  let token = 0; // only the latest fetch may render
  // Board id → its template (a promise), read again when a dossier was written against a newer one.
  const templates = new Map();
  async function templateOf(d) {
    if (!d.board_id) return null;
    let cached = templates.get(d.board_id);
    if (cached) {
      const known = await cached;
      if (known && d.template_version && d.template_version > known.version) cached = null;
    }
    if (!cached) {
      cached = get(`/api/boards/${d.board_id}/template`).catch(() => null);
      templates.set(d.board_id, cached);
    }
    return cached;
  }

  return {
    el: h('section', { class: 'card', 'aria-labelledby': 'focus-h' },
      h('h2', { id: 'focus-h' }, t('room.dossier.title')), box),

    /** Shows `state.current`, fetched afresh. */
    async render() {
      const mine = ++token;
      const id = state.current;
      if (!id) {
        imaging.show(null);
        replace(info, noFocus());
        replace(files);
        return;
      }
      try {
        const d = await get(`/api/dossiers/${id}`);
        const template = d.fields && Object.keys(d.fields).length ? await templateOf(d) : null;
        if (mine !== token) return;
        imaging.show(d);
        replace(info, caseOf(d), fieldsOf(d, template));
        replace(files, h('h4', {}, t('room.dossier.attachments')), attachmentTable(d.attachments, { onView: (a) => imaging.open(a.id) }));
      } catch (err) {
        if (mine !== token) return;
        imaging.show(null);
        replace(info, h('p', {}, refName(state, id)), h('p', { class: 'muted' }, t('room.dossier.error', { message: err.message })));
        replace(files);
      }
    },
  };
}
