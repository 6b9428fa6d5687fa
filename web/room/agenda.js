// The session's agenda, with the focused dossier and the dossiers under vote marked; the chair
// focuses a dossier from here.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { statusBadge } from './store.js';

/**
 * `focus(dossierId)` asks the room to focus a dossier; offered when `state.can.chair`.
 * `hasOpenVote(dossierId)`: whether a vote is open on it. `gate`: the connection gate.
 */
export function agendaPanel({ state, focus, hasOpenVote, gate }) {
  const list = h('ol', { class: 'agenda-list', id: 'room-agenda' });

  function item(a) {
    const current = a.dossier_id === state.current;
    const voting = hasOpenVote(a.dossier_id);
    return h('li', { 'aria-current': current ? 'true' : null, 'data-dossier-id': a.dossier_id },
      h('div', {}, h('strong', {}, a.reference), ' ', statusBadge(a.status),
        voting ? [' ', h('span', { class: 'badge agenda-vote' }, t('room.agenda.voting'))] : null),
      h('div', { class: 'agenda-title' }, a.title),
      state.can.chair && !current ? gate.button({
        type: 'button', class: 'secondary', 'data-action': 'focus',
        'aria-label': t('room.agenda.focus.label', { reference: a.reference }),
        onclick: () => focus(a.dossier_id),
      }, t('room.agenda.focus')) : null,
      current ? h('div', { class: 'hint' }, t('room.agenda.current')) : null);
  }

  /** A dossier that left the agenda in this session (a vote without quorum, or tied). */
  function departed(decision) {
    const a = state.known.get(decision.dossier_id);
    const current = decision.dossier_id === state.current;
    return h('li', { class: 'agenda-left', 'aria-current': current ? 'true' : null, 'data-dossier-id': decision.dossier_id },
      h('div', {}, h('strong', {}, a ? a.reference : t('room.dossier.unknown')), ' ', statusBadge(decision.status)),
      a ? h('div', { class: 'agenda-title' }, a.title) : null,
      h('div', { class: 'hint' }, t('room.agenda.left')));
  }

  /** The latest decision of each dossier no longer on the agenda. */
  function left() {
    const on = new Set(state.session.agenda.map((a) => a.dossier_id));
    const latest = new Map();
    for (const d of state.decisions) if (!on.has(d.dossier_id)) latest.set(d.dossier_id, d);
    return [...latest.values()];
  }

  return {
    el: h('section', { class: 'card agenda-col', 'aria-labelledby': 'agenda-h' },
      h('h2', { id: 'agenda-h' }, t('room.agenda.title')), list),

    render() {
      const items = [...state.session.agenda.map(item), ...left().map(departed)];
      replace(list, items.length ? items : h('li', { class: 'muted' }, t('room.agenda.empty')));
    },
  };
}
