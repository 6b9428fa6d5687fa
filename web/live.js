// The live room client (API.md section 9): hello with `since`, sequence tracking, automatic
// reconnection with capped exponential backoff, request ids on commands. A socket closed with
// 4401 (the sign-in was revoked or has ended) ends the session for the whole app: the sign-in
// page, then back to the room.
import { session, signalUnauthenticated } from './api.js';
import { t } from './i18n.js';

/** Close codes after which retrying cannot help, with the key of what to tell the person. */
const FINAL_CLOSES = new Map([
  [4401, 'room.closed.4401'],
  [4403, 'room.closed.4403'],
  [4404, 'room.closed.4404'],
  [4429, 'room.closed.4429'],
]);

// `hidden` stands for an event this user may not see; it keeps the sequence gap-free.
// Ephemeral messages (`presence`, `tally`, `view`, `ack`, `error`, `pong`) carry no `seq` and are
// not tracked here: a `view` never counts as a missed event.
const DURABLE = new Set(['chat', 'focus', 'vote_opened', 'vote_closed', 'presenter', 'key_image', 'hidden']);
const MAX_BACKOFF_MS = 5000;

function newRequestId() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class RoomClient {
  /**
   * onMessage(msg): every message in order, durable events once each.
   * onState(state, detail): 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed'.
   */
  constructor(sessionId, { onMessage, onState }) {
    this.sessionId = sessionId;
    this.onMessage = onMessage;
    this.onState = onState;
    this.lastSeq = null;
    this.attempt = 0;
    this.ws = null;
    this.welcomed = false;
    this.stopped = false;
    this.timer = null;
    this.keepAlive = null;
    this.onOnline = () => { if (!this.ws && !this.stopped) this.reconnectNow(); };
  }

  start() {
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.timer);
    clearInterval(this.keepAlive);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, 'left the room');
    }
  }

  state(name, detail) { this.onState(name, detail); }

  connect() {
    clearTimeout(this.timer);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/api/sessions/${encodeURIComponent(this.sessionId)}/live`);
    this.ws = ws;
    this.welcomed = false;
    // The token the hello carries, to tell a 4401 for a token since replaced by another tab.
    let sentToken = null;
    this.state(this.lastSeq === null ? 'connecting' : 'reconnecting', { attempt: this.attempt });
    ws.addEventListener('open', () => {
      // The first join asks for the whole log (since 0), so that the chat and the decisions
      // already taken show; a reconnection asks for what it missed.
      sentToken = session.token;
      ws.send(JSON.stringify({ type: 'hello', token: sentToken, since: this.lastSeq === null ? 0 : this.lastSeq }));
    });
    ws.addEventListener('message', (e) => {
      if (this.ws !== ws) return;
      let msg;
      try { msg = JSON.parse(e.data); } catch { return; }
      this.receive(msg, ws);
    });
    ws.addEventListener('close', (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.welcomed = false;
      clearInterval(this.keepAlive);
      if (this.stopped) return;
      if (e.code === 4401) {
        // The token was replaced meanwhile (a refresh in this or another tab): try the new one.
        if (session.token && sentToken && session.token !== sentToken) { this.reconnectNow(); return; }
        this.state('failed', { message: t(FINAL_CLOSES.get(e.code)), code: e.code });
        this.stop();
        signalUnauthenticated();
        return;
      }
      if (FINAL_CLOSES.has(e.code)) {
        this.state('failed', { message: t(FINAL_CLOSES.get(e.code)), code: e.code });
        return;
      }
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt += 1;
    this.state('reconnecting', { attempt: this.attempt, delayMs: Math.round(delay) });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    clearTimeout(this.timer);
    this.connect();
  }

  receive(msg, ws) {
    if (msg.type === 'welcome') {
      this.welcomed = true;
      this.attempt = 0;
      if (this.lastSeq === null) this.lastSeq = 0;
      this.state('open');
      clearInterval(this.keepAlive);
      this.keepAlive = setInterval(() => this.sendRaw({ type: 'ping' }), 15000);
      this.onMessage(msg);
      return;
    }
    if (DURABLE.has(msg.type) && typeof msg.seq === 'number') {
      if (msg.seq <= this.lastSeq) return; // already seen (replay overlap)
      if (msg.seq > this.lastSeq + 1) {
        // A gap: something was missed. Reconnect and ask for it.
        ws.close(4000, 'gap in the event sequence');
        return;
      }
      this.lastSeq = msg.seq;
    }
    this.onMessage(msg);
  }

  get connected() { return Boolean(this.ws && this.welcomed && this.ws.readyState === WebSocket.OPEN); }

  sendRaw(obj) {
    if (this.connected) this.ws.send(JSON.stringify(obj));
  }

  /**
   * Sends a command; returns its request id. Throws when not connected. `requestId` is given
   * when a command unanswered before a drop goes again (the room applies it once).
   */
  send(command, requestId = newRequestId()) {
    if (!this.connected) throw new Error(t('room.conn.not_connected'));
    this.ws.send(JSON.stringify({ ...command, request_id: requestId }));
    return requestId;
  }
}
