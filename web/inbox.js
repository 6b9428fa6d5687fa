// The inbox's unread count, live (API.md section 12): `GET /api/me/events` is a Server-Sent
// Events stream that needs the bearer header, which EventSource cannot send, so it is read with
// fetch() and parsed here. The stream reconnects with capped exponential backoff (1 s → 30 s)
// when it ends or fails, and stops on sign-out or when the token changes. The top bar's badge
// (`#inbox-badge`) and the inbox page follow the count.
import { session, signalUnauthenticated } from './api.js';
import { h } from './dom.js';
import { t, tn } from './i18n.js';

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30000;

/**
 * Parses the complete events out of `buffer` (text received so far). Returns them as
 * `{type, data}` (type `message` unless an `event:` line says otherwise) and the incomplete
 * rest, to be prefixed to the next chunk. Comments (`: keep-alive`) are skipped.
 */
export function parseEvents(buffer) {
  let text = buffer;
  let tail = '';
  // A CR at the very end may be the first half of a CRLF split across chunks.
  if (text.endsWith('\r')) { tail = '\r'; text = text.slice(0, -1); }
  text = text.replace(/\r\n?/g, '\n');
  const blocks = text.split('\n\n');
  const rest = blocks.pop() + tail;
  const events = [];
  for (const block of blocks) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (name === 'event') type = value;
      else if (name === 'data') data.push(value);
    }
    if (data.length) events.push({ type, data: data.join('\n') });
  }
  return { events, rest };
}

let unread = null;
const listeners = new Set();

function setUnread(n) {
  if (n === unread) return;
  unread = n;
  paintBadge();
  for (const fn of listeners) {
    try { fn(n); } catch { /* one listener's failure must not starve the others */ }
  }
}

/** The unread count last told by the server, or null before the stream has said it. */
export function unreadCount() { return unread; }

/** Calls `fn(count)` whenever the unread count changes; returns the unsubscribe function. */
export function onUnreadChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

class UnreadStream {
  constructor(token) {
    this.token = token;
    this.attempt = 0;
    this.stopped = false;
    this.controller = null;
    this.timer = null;
    this.onOnline = () => {
      if (this.stopped || this.controller) return;
      clearTimeout(this.timer);
      this.connect();
    };
  }

  start() {
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.timer);
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  async connect() {
    if (this.stopped) return;
    if (session.token !== this.token) { this.stop(); return; } // signed out, or someone else
    const controller = new AbortController();
    this.controller = controller;
    try {
      const res = await fetch('/api/me/events', {
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: controller.signal,
      });
      if (res.status === 401) {
        this.stop();
        if (session.token === this.token) signalUnauthenticated();
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseEvents(buffer + decoder.decode(value, { stream: true }));
        buffer = parsed.rest;
        for (const event of parsed.events) this.receive(event);
      }
    } catch {
      // Aborted (stopped), refused or cut: reconnect below unless stopped.
    }
    if (this.controller === controller) this.controller = null;
    if (!this.stopped) this.scheduleReconnect();
  }

  receive(event) {
    if (event.type !== 'unread') return;
    let n;
    try { n = JSON.parse(event.data).unread; } catch { return; }
    if (!Number.isInteger(n) || n < 0) return;
    this.attempt = 0; // the stream works: the next drop starts again from the shortest wait
    setUnread(n);
  }

  scheduleReconnect() {
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.attempt);
    const delay = Math.min(MAX_BACKOFF_MS, base * (0.75 + Math.random() * 0.5));
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

let stream = null;

/** Follows the signed-in user's unread count (idempotent; restarts for another token). */
export function startInbox() {
  const token = session.token;
  if (!token) { stopInbox(); return; }
  if (stream && stream.token === token && !stream.stopped) return;
  stopInbox();
  stream = new UnreadStream(token);
  stream.start();
}

/** Stops following (sign-out); the count is forgotten. */
export function stopInbox() {
  if (stream) stream.stop();
  stream = null;
  unread = null;
}

function paintBadge(badge = document.getElementById('inbox-badge')) {
  if (!badge) return;
  badge.replaceChildren();
  badge.classList.toggle('has-unread', Boolean(unread));
  if (unread === null) {
    badge.removeAttribute('data-unread'); // not known yet: the stream has not spoken
    return;
  }
  badge.dataset.unread = String(unread);
  badge.append(
    h('span', { class: 'count', 'aria-hidden': 'true' }, String(unread)),
    h('span', { class: 'visually-hidden' }, tn('inbox.unread', unread)));
}

/** The top bar's link to the inbox, with its live unread badge. */
export function inboxLink(current) {
  const badge = h('span', { id: 'inbox-badge', class: 'inbox-badge', 'aria-live': 'polite', 'aria-atomic': 'true' });
  paintBadge(badge);
  return h('a', { href: '#/notifications', id: 'inbox-link', 'aria-current': current ? 'page' : null },
    t('inbox.link'), ' ', badge);
}
