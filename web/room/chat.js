// The room's discussion: chat lines and the room's own notices, and the form to write. What is
// typed is kept (in this tab's session storage) until it is sent: a dropped connection or a
// reload does not lose it, and it goes once the room is back.
import { h, field } from '../dom.js';
import { t } from '../i18n.js';
import { timeOf } from './store.js';

function draftStore(key) {
  return {
    get() { try { return sessionStorage.getItem(key) || ''; } catch { return ''; } },
    set(text) {
      try {
        if (text) sessionStorage.setItem(key, text);
        else sessionStorage.removeItem(key);
      } catch { /* private mode: kept in the field only */ }
    },
  };
}

/** `send(cmd, handlers)` sends a room command; `gate`: the connection gate. */
export function chatPanel({ sessionId, send, gate, showError }) {
  const draft = draftStore(`consilium.room-chat.${sessionId}`);
  const log = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': t('room.chat.log'), id: 'chat-log', tabindex: '0' });
  const input = h('input', { id: 'chat-text', type: 'text', maxlength: 4000, autocomplete: 'off' });
  input.value = draft.get();
  const conn = gate.note();
  const button = gate.button({ type: 'submit', 'aria-describedby': conn.id }, t('room.chat.send'));
  const form = h('form', { id: 'chat-form', novalidate: true, 'aria-label': t('room.chat.form') },
    field(t('room.chat.message'), input),
    h('div', { class: 'actions' }, button, conn));

  input.addEventListener('input', () => draft.set(input.value));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (!gate.online) { showError(gate.reason()); return; }
    const restore = () => { if (!input.value) { input.value = text; draft.set(text); } };
    const sent = send({ type: 'chat', text }, { onError: restore });
    if (sent) { input.value = ''; draft.set(''); }
  });

  /** Appends a line; follows the end of the log unless the reader has scrolled up. */
  function line(parts, cls) {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    log.append(h('p', { class: cls }, parts));
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  return {
    el: h('section', { class: 'card', 'aria-labelledby': 'chat-h' }, h('h2', { id: 'chat-h' }, t('room.chat.title')), log, form),

    /** A `chat` message. */
    said(msg) {
      line([h('span', { class: 'muted' }, `${timeOf(msg.at)} `), h('span', { class: 'who' }, t('room.chat.who', { name: msg.by.name })), ' ', msg.text]);
    },

    /** A notice of the room (focus moved, vote opened or closed). */
    notice(text) {
      line(text, 'sys');
    },
  };
}
