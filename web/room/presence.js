// Who is in the room, with their specialty and room role; marked stale while disconnected.
import { h, replace } from '../dom.js';

const ROLE_TEXT = { coordinator: 'chair', member: 'member', referrer: 'referrer', admin: 'admin' };

export function presencePanel({ state }) {
  const list = h('ul', { class: 'presence', id: 'presence' });
  const stale = h('p', { class: 'hint', hidden: true }, 'As of the last connection.');

  return {
    el: h('section', { class: 'card', 'aria-labelledby': 'presence-h' },
      h('h2', { id: 'presence-h' }, 'Present'), stale, list),

    render() {
      replace(list, state.participants.map((p) => h('li', { 'data-user-id': p.user.id },
        h('strong', {}, p.user.name), state.you && p.user.id === state.you.id ? ' (you)' : '',
        h('div', { class: 'hint' }, [p.user.specialty, ROLE_TEXT[p.role] || p.role].filter(Boolean).join(' · ')))));
    },

    /** While not connected, the list is as of the last connection. */
    setStale(isStale) {
      stale.hidden = !isStale;
    },
  };
}
