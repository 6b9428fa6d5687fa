// The room's discussion: chat lines and the room's own notices, and the form to write.
import { h, field } from '../dom.js';
import { timeOf } from './store.js';

/** `send(cmd, handlers)` sends a room command. */
export function chatPanel({ send }) {
  const log = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Discussion so far', id: 'chat-log', tabindex: '0' });
  const input = h('input', { id: 'chat-text', type: 'text', maxlength: 4000, autocomplete: 'off' });
  const form = h('form', { id: 'chat-form', novalidate: true, 'aria-label': 'Send to the room' },
    field('Chat message', input),
    h('button', { type: 'submit' }, 'Send'));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const sent = send({ type: 'chat', text }, { onError: () => { if (!input.value) input.value = text; } });
    if (sent) input.value = '';
  });

  /** Appends a line; follows the end of the log unless the reader has scrolled up. */
  function line(parts, cls) {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    log.append(h('p', { class: cls }, parts));
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  return {
    el: h('section', { class: 'card', 'aria-labelledby': 'chat-h' }, h('h2', { id: 'chat-h' }, 'Discussion'), log, form),

    /** A `chat` message. */
    said(msg) {
      line([h('span', { class: 'muted' }, `${timeOf(msg.at)} `), h('span', { class: 'who' }, `${msg.by.name}: `), msg.text]);
    },

    /** A notice of the room (focus moved, vote opened or closed). */
    notice(text) {
      line(text, 'sys');
    },
  };
}
