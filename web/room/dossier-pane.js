// The dossier under review: the focused dossier's case, its imaging (the room's viewer, kept
// while the focus stays) and attachments, fetched when the focus moves.
import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { attachmentTable } from '../attachments.js';
import { refName, statusBadge } from './store.js';

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
        if (mine !== token) return;
        imaging.show(d);
        replace(info, caseOf(d));
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
