// The dossier under review: the focused dossier's case, its imaging (the room's viewer, kept
// while the focus stays) and attachments, fetched when the focus moves.
import { get } from '../api.js';
import { h, replace, badge } from '../dom.js';
import { attachmentTable } from '../attachments.js';
import { refName } from './store.js';

const NO_FOCUS = 'The chair has not focused a dossier yet.';

function caseOf(d, imaging) {
  const p = d.patient;
  const org = d.referrer.organization ? ` (${d.referrer.organization})` : '';
  return [
    h('h3', { id: 'focus-title' }, `${d.reference} — ${d.title}`),
    h('p', {}, badge(d.status), ` · ${d.urgency} · referred by ${d.referrer.name}${org}`),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Patient'), h('dd', {}, `${p.pseudonym}${p.birth_year ? `, born ${p.birth_year}` : ''}${p.sex ? `, ${p.sex}` : ''}`),
      h('dt', {}, 'Question'), h('dd', { class: 'prewrap' }, d.question || '—'),
      h('dt', {}, 'History'), h('dd', { class: 'prewrap' }, d.history || '—')),
    imaging.el,
    h('h4', {}, 'Attachments'),
    attachmentTable(d.attachments, { onView: (a) => imaging.open(a.id) }),
  ];
}

/** `imaging`: the room's viewer (web/viewer/room-imaging.js), shown for the focused dossier. */
export function dossierPane({ state, imaging }) {
  const box = h('div', { id: 'focus' }, h('p', { class: 'muted' }, NO_FOCUS));
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
        replace(box, h('p', { class: 'muted' }, NO_FOCUS));
        return;
      }
      try {
        const d = await get(`/api/dossiers/${id}`);
        if (mine !== token) return;
        imaging.show(d);
        replace(box, caseOf(d, imaging));
      } catch (err) {
        if (mine !== token) return;
        imaging.show(null);
        replace(box, h('p', {}, refName(state, id)), h('p', { class: 'muted' }, `The dossier cannot be shown: ${err.message}`));
      }
    },
  };
}
