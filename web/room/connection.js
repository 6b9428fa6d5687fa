// The room connection's state where the actions are: every button that sends a room command is
// made here, and is disabled (with the reason beside it and in its tooltip) while the room is not
// connected; each action row carries a small note that says how the connection stands. What the
// person typed stays in its field meanwhile.
import { h, uid } from '../dom.js';
import { t } from '../i18n.js';

/** `root`: the element holding the room's controls (the page's main element). */
export function connectionGate(root) {
  let name = 'connecting';
  let detail = {};

  const online = () => name === 'open';

  function reason() {
    if (name === 'reconnecting') {
      return detail.attempt ? t('room.conn.reason.reconnecting.attempt', { attempt: detail.attempt }) : t('room.conn.reason.reconnecting');
    }
    if (name === 'failed') return detail.message ? t('room.conn.reason.failed.detail', { message: detail.message }) : t('room.conn.reason.failed');
    if (name === 'closed') return t('room.conn.reason.closed');
    return t('room.conn.reason.connecting');
  }

  function paintButton(button) {
    button.disabled = button.dataset.busy === 'true' || !online();
    if (online()) button.removeAttribute('title');
    else button.title = reason();
  }

  function paintNote(note) {
    note.className = `conn-note conn-note-${name}`;
    note.dataset.state = name;
    note.textContent = online() ? t('room.conn.note.open') : reason();
  }

  return {
    get online() { return online(); },

    /** The RoomClient's state: 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed'. */
    set(state, info = {}) {
      name = state;
      detail = info;
      for (const b of root.querySelectorAll('button[data-needs-room]')) paintButton(b);
      for (const n of root.querySelectorAll('.conn-note')) paintNote(n);
    },

    /** A button that sends a room command (h()'s props and children). */
    button(props, ...children) {
      const b = h('button', { ...props, 'data-needs-room': '' }, ...children);
      paintButton(b);
      return b;
    },

    /** A command of this button is under way (true) or settled (false). */
    busy(button, isBusy) {
      button.dataset.busy = isBusy ? 'true' : 'false';
      paintButton(button);
    },

    /** The connection's note, to put beside the buttons it governs. */
    note() {
      const note = h('span', { id: uid('conn-note') });
      paintNote(note);
      return note;
    },

    /** Why the actions wait, while not connected ('' when connected). */
    reason() { return online() ? '' : reason(); },
  };
}
