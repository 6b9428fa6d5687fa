// The session's agenda, with the focused dossier marked; the chair focuses a dossier from here.
import { h, replace, badge } from '../dom.js';

/** `focus(dossierId)` asks the room to focus a dossier; offered when `state.can.chair`. */
export function agendaPanel({ state, focus }) {
  const list = h('ol', { class: 'agenda-list', id: 'room-agenda' });

  function item(a) {
    const current = a.dossier_id === state.current;
    return h('li', { 'aria-current': current ? 'true' : null, 'data-dossier-id': a.dossier_id },
      h('div', {}, h('strong', {}, a.reference), ' ', badge(a.status)),
      h('div', {}, a.title),
      state.can.chair && !current ? h('button', {
        type: 'button', class: 'secondary', 'aria-label': `Focus ${a.reference}`,
        onclick: () => focus(a.dossier_id),
      }, 'Focus') : null,
      current ? h('div', { class: 'hint' }, 'under review') : null);
  }

  return {
    el: h('section', { class: 'card agenda-col', 'aria-labelledby': 'agenda-h' },
      h('h2', { id: 'agenda-h' }, 'Agenda'), list),

    render() {
      const agenda = state.session.agenda;
      replace(list, agenda.length ? agenda.map(item) : h('li', { class: 'muted' }, 'The agenda is empty.'));
    },
  };
}
