// Commands to the room: each is sent with a request id and settled by the room's `ack` or
// `error` for that id.

/**
 * `showError(text)` shows (or, with '', clears) the room's error line. Call `attach(client)`
 * with the RoomClient before sending.
 */
export function commandChannel({ showError }) {
  const pending = new Map(); // request id → { onAck, onError }
  let client = null;

  return {
    attach(c) { client = c; },

    /** Sends a command; returns its request id, or null when it could not be sent. */
    send(cmd, { onAck, onError } = {}) {
      showError('');
      try {
        const id = client.send(cmd);
        pending.set(id, { onAck, onError });
        return id;
      } catch (err) {
        showError(err.message);
        if (onError) onError(err.message);
        return null;
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
      showError(`The room refused that: ${msg.message}`);
      if (p && p.onError) p.onError(msg.message);
    },
  };
}
