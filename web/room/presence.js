// Who is in the room, with their specialty and room role; marked stale while disconnected.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';

export function presencePanel({ state }) {
  const list = h('ul', { class: 'presence', id: 'presence' });
  const stale = h('p', { class: 'hint', hidden: true }, t('room.presence.stale'));

  function role(r) {
    const key = `room.role.${r}`;
    const text = t(key);
    return text === key ? r : text;
  }

  return {
    el: h('section', { class: 'card', 'aria-labelledby': 'presence-h' },
      h('h2', { id: 'presence-h' }, t('room.presence.title')), stale, list),

    render() {
      replace(list, state.participants.map((p) => h('li', { 'data-user-id': p.user.id },
        h('strong', {}, state.you && p.user.id === state.you.id ? t('room.presence.you', { name: p.user.name }) : p.user.name),
        h('div', { class: 'hint' }, [p.user.specialty, role(p.role)].filter(Boolean).join(' · ')))));
    },

    /** While not connected, the list is as of the last connection. */
    setStale(isStale) {
      stale.hidden = !isStale;
    },
  };
}
