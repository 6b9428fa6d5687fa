// The room's head line: the session's title, the connection state, the video call link, the
// way back to the session page; and the room's error line below it.
import { h, replace } from '../dom.js';

const STATE_TEXT = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Disconnected',
  closed: 'Left the room',
};

export function roomHeader(sessionId) {
  const title = h('h1', {});
  const status = h('span', { class: 'conn conn-connecting', role: 'status', id: 'room-status', 'aria-live': 'polite' }, STATE_TEXT.connecting);
  const videoSlot = h('span');
  const errorLine = h('p', { class: 'room-error', role: 'alert', id: 'room-error', hidden: true });

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = !message;
  }

  return {
    el: [
      h('div', { class: 'room-head' }, title, status, videoSlot,
        h('a', { href: `#/sessions/${sessionId}` }, 'Session page')),
      errorLine,
    ],
    showError,

    /** The session's title and video call link. */
    showSession(session) {
      title.textContent = session.title;
      replace(videoSlot, session.video_url
        ? h('a', { class: 'button secondary', href: session.video_url, target: '_blank', rel: 'noopener noreferrer', id: 'video-link' }, 'Open the video call')
        : null);
    },

    /** The RoomClient's state: 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed'. */
    showConnection(name, detail = {}) {
      status.className = `conn conn-${name}`;
      let text = STATE_TEXT[name] || name;
      if (name === 'reconnecting' && detail.attempt) text = `Reconnecting… (attempt ${detail.attempt})`;
      if (name === 'failed' && detail.message) text = `Disconnected: ${detail.message}`;
      status.textContent = text;
      status.dataset.state = name;
      if (name === 'failed') showError(detail.message || 'Disconnected from the room.');
      if (name === 'open' && errorLine.textContent.startsWith('Not connected')) showError('');
    },
  };
}
