// The room's head line: the session's title, the connection state, the video call link, the
// way back to the session page; and the room's error line below it.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';

export function roomHeader(sessionId) {
  const title = h('h1', {});
  const status = h('span', { class: 'conn conn-connecting', role: 'status', id: 'room-status', 'aria-live': 'polite', 'data-state': 'connecting' }, t('room.conn.connecting'));
  const videoSlot = h('span');
  const errorLine = h('p', { class: 'room-error', role: 'alert', id: 'room-error', hidden: true });
  let connectionError = false; // the error line tells of the connection, to clear once back

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = !message;
    connectionError = false;
  }

  return {
    el: [
      h('div', { class: 'room-head' }, title, status, videoSlot,
        h('a', { href: `#/sessions/${sessionId}` }, t('room.head.session'))),
      errorLine,
    ],
    showError,

    /** The session's title and video call link. */
    showSession(session) {
      title.textContent = session.title;
      replace(videoSlot, session.video_url
        ? h('a', { class: 'button secondary', href: session.video_url, target: '_blank', rel: 'noopener noreferrer', id: 'video-link' }, t('room.head.video'))
        : null);
    },

    /** The RoomClient's state: 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed'. */
    showConnection(name, detail = {}) {
      status.className = `conn conn-${name}`;
      let text = t(`room.conn.${name}`);
      if (name === 'reconnecting' && detail.attempt) text = t('room.conn.reconnecting.attempt', { attempt: detail.attempt });
      if (name === 'failed' && detail.message) text = t('room.conn.failed.detail', { message: detail.message });
      status.textContent = text;
      status.dataset.state = name;
      if (name === 'failed') {
        showError(detail.message || t('room.conn.failed'));
        connectionError = true;
      }
      if (name === 'open' && (connectionError || errorLine.textContent === t('room.conn.not_connected'))) showError('');
    },
  };
}
