// The dossier under review: the focused dossier's case, its imaging (the room's viewer, kept
// while the focus stays) and attachments, fetched when the focus moves.
import { get } from '../api.js';
import { h, replace, badge } from '../dom.js';
import { attachmentTable } from '../attachments.js';
import { refName } from './store.js';

const NO_FOCUS = 'The chair has not focused a dossier yet.';

function caseOf(d) {
  const p = d.patient;
  const org = d.referrer.organization ? ` (${d.referrer.organization})` : '';
  return [
    h('h3', { id: 'focus-title' }, `${d.reference} — ${d.title}`),
    h('p', {}, badge(d.status), ` · ${d.urgency} · referred by ${d.referrer.name}${org}`),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Patient'), h('dd', {}, `${p.pseudonym}${p.birth_year ? `, born ${p.birth_year}` : ''}${p.sex ? `, ${p.sex}` : ''}`),
      h('dt', {}, 'Question'), h('dd', { class: 'prewrap' }, d.question || '—'),
      h('dt', {}, 'History'), h('dd', { class: 'prewrap' }, d.history || '—')),
  ];
}

/**
 * `imaging`: the room's viewer (web/viewer/room-imaging.js), shown for the focused dossier. Its
 * element stays in place while the case and attachments around it are redrawn, so that a
 * reconnection or a closed vote neither reloads the images nor takes the keyboard focus away.
 */
export function dossierPane({ state, imaging }) {
  const info = h('div', {}, h('p', { class: 'muted' }, NO_FOCUS));
  const files = h('div');
  const box = h('div', { id: 'focus' }, info, imaging.el, files);
  let token = 0; // only the latest fetch may render

  return {
    el: h('section', { class: 'card', 'aria-labelledby': 'focus-h' },
      h('h2', { id: 'focus-h' }, 'Dossier under review'), box),

    /** Shows `state.current`, fetched afresh. */
    async render() {
      const mine = ++token;
      const id = state.current;
      if (!id) {
        imaging.show(null);
        replace(info, h('p', { class: 'muted' }, NO_FOCUS));
        replace(files);
        return;
      }
      try {
        const d = await get(`/api/dossiers/${id}`);
        if (mine !== token) return;
        imaging.show(d);
        replace(info, caseOf(d));
        replace(files, h('h4', {}, 'Attachments'), attachmentTable(d.attachments, { onView: (a) => imaging.open(a.id) }));
      } catch (err) {
        if (mine !== token) return;
        imaging.show(null);
        replace(info, h('p', {}, refName(state, id)), h('p', { class: 'muted' }, `The dossier cannot be shown: ${err.message}`));
        replace(files);
      }
    },
  };
}
