// Commands to the room: each is sent with a request id and settled by the room's `ack` or
// `error` for that id. A command still unanswered when the connection drops is sent again, with
// the same request id, after the next `welcome`: the room applies a request id once and
// acknowledges it again, so nothing is lost and nothing is done twice.
import { t } from '../i18n.js';

/**
 * `showError(text)` shows (or, with '', clears) the room's error line. Call `attach(client)`
 * with the RoomClient before sending.
 */
export function commandChannel({ showError }) {
  const pending = new Map(); // request id → { cmd, onAck, onError }
  let client = null;

  return {
    attach(c) { client = c; },

    /** Sends a command; returns its request id, or null when it could not be sent. */
    send(cmd, { onAck, onError } = {}) {
      showError('');
      try {
        const id = client.send(cmd);
        pending.set(id, { cmd, onAck, onError });
        return id;
      } catch (err) {
        showError(err.message);
        if (onError) onError(err.message);
        return null;
      }
    },

    /** After a `welcome`: the commands sent before the drop and not answered go again. */
    resend() {
      for (const [id, p] of pending) {
        try { client.send(p.cmd, id); } catch { return; }
      }
    },

    /** The room's `ack` message. */
    acked(msg) {
      const p = pending.get(msg.request_id);
      pending.delete(msg.request_id);
      if (p && p.onAck) p.onAck(msg);
    },

    /** The room's `error` message. */
    refused(msg) {
      const p = msg.request_id ? pending.get(msg.request_id) : null;
      if (msg.request_id) pending.delete(msg.request_id);
      showError(t('room.error.refused', { message: msg.message }));
      if (p && p.onError) p.onError(msg.message);
    },
  };
}
