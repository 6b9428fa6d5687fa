// Staying signed in while working (API.md section 16): while the person uses the pages, their
// token is exchanged for a fresh one (`POST /api/auth/refresh`) a while before it expires, so
// that a meeting or a half-typed dossier is not cut by the one-hour token.
//
// - Only while the person is active: a key, a click, a pointer move, a scroll or an input in
//   the last half hour (in any tab of this browser), an open live room, or a page holding the
//   session with holdActive(). Someone away from the screen is not kept signed in: when their
//   token runs out, the pages go to the sign-in page (their drafts are kept, see drafts.js).
// - One tab refreshes for all (a Web Lock where the browser has them); the others read the
//   new token from localStorage.
// - A network failure is retried with a growing delay (up to 30 s), and at once when the
//   browser is back online.
// - Twelve hours after the sign-in the server gives no more tokens (the last ones end exactly
//   then, or the refresh answers 401 while the token still works): a polite warning says how
//   many minutes are left, so that the person saves their work and signs in again.
import { session, api, ApiError, signalUnauthenticated } from './api.js';
import { startInbox } from './inbox.js';
import { h, replace } from './dom.js';
import { t, tn } from './i18n.js';

const ACTIVE_WITHIN_MS = 30 * 60 * 1000;
const ACTIVITY_KEY = 'consilium.active-at';
const SHARE_ACTIVITY_EVERY_MS = 10 * 1000;
const MAX_RETRY_MS = 30 * 1000;
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'input', 'scroll'];

let localActivity = Date.now();
let sharedAt = 0;
let lastKick = 0;
let timer = null;
let started = false;
let listening = false;
let running = null;
let failures = 0;
let retryAt = 0;
let holds = 0;
let renewHandler = null;
let shownText = '';

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/**
 * How the checks are paced, from the lifetime of this sign-in's tokens (one hour by default):
 * refresh in the last third (at most 5 min before the end), check every tenth (at most every
 * 30 s), warn in the last half (at most 10 min before the end).
 */
function timing() {
  const lifetime = session.lifetime || 3600 * 1000;
  return {
    lead: clamp(lifetime / 3, 5000, 5 * 60 * 1000),
    tick: clamp(lifetime / 10, 1000, 30 * 1000),
    warn: clamp(lifetime / 2, 10000, 10 * 60 * 1000),
  };
}

function sharedActivity() {
  try { return Number(localStorage.getItem(ACTIVITY_KEY)) || 0; } catch { return 0; }
}

function inLiveRoom() {
  return /^#\/sessions\/[^/?]+\/live(?:[/?]|$)/.test(location.hash);
}

function isActive(now) {
  return holds > 0 || inLiveRoom() || now - Math.max(localActivity, sharedActivity()) <= ACTIVE_WITHIN_MS;
}

function markActive() {
  const now = Date.now();
  localActivity = now;
  if (now - sharedAt > SHARE_ACTIVITY_EVERY_MS) {
    sharedAt = now;
    try { localStorage.setItem(ACTIVITY_KEY, String(now)); } catch { /* this tab only */ }
  }
  // Back at the keyboard with a token about to end: refresh now rather than at the next tick.
  if (started && !running && now - lastKick > 1000) {
    const expires = session.expiresAt;
    if (expires && !session.final && expires - now <= timing().lead) {
      lastKick = now;
      check();
    }
  }
}

/**
 * Keeps the session going while the caller needs it whatever the person does (a page where
 * they listen rather than type). Returns the function that lets go.
 */
export function holdActive() {
  holds += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds -= 1;
    markActive();
  };
}

/** What the warning's "sign in again now" button does (app.js). */
export function setRenewHandler(fn) { renewHandler = fn; }

function warningBox() { return document.getElementById('session-warning'); }

function hideWarning() {
  const box = warningBox();
  shownText = '';
  if (box && !box.hidden) { replace(box); box.hidden = true; }
}

function showWarning(text, offerRenew) {
  const box = warningBox();
  if (!box || text === shownText) return;
  shownText = text;
  const parts = [h('span', { id: 'session-warning-text' }, text)];
  if (offerRenew && renewHandler) {
    parts.push(' ', h('button', { type: 'button', class: 'secondary', id: 'session-renew', onclick: () => renewHandler() },
      t('auth.ending.renew')));
  }
  replace(box, ...parts);
  box.hidden = false;
}

/** Shows, updates or hides the warning for a session that will end in `left` ms. */
function updateWarning(left) {
  const { warn } = timing();
  if (left > warn || (!session.final && failures === 0)) { hideWarning(); return; }
  const minutes = Math.max(1, Math.ceil(left / 60000));
  if (session.final) showWarning(tn('auth.ending', minutes), true);
  else showWarning(tn('auth.ending.offline', minutes), false);
}

function noteFailure() {
  failures += 1;
  retryAt = Date.now() + Math.min(MAX_RETRY_MS, 1000 * 2 ** (failures - 1));
}

/** A refresh answered 401: either the twelve hours are over (the token still works) or it was revoked. */
async function whyRefused(token) {
  try {
    const me = await api('GET', '/api/me', undefined, { quiet401: true });
    if (session.token !== token) return;
    session.saveUser(me);
    session.markFinal();
    failures = 0;
    retryAt = 0;
  } catch (err) {
    if (session.token !== token) return;
    if (err instanceof ApiError && err.status === 401) signalUnauthenticated();
    else noteFailure();
  }
}

function refresh(token) {
  if (running) return running;
  const work = async () => {
    // Another tab may have refreshed while this one waited for the lock.
    if (session.token !== token) return;
    try {
      const res = await api('POST', '/api/auth/refresh', {}, { quiet401: true });
      // Signed out (or in as someone else) meanwhile: keep what is there.
      if (session.token !== token) return;
      session.save(res.token, res.user, res.expires_at);
      failures = 0;
      retryAt = 0;
      startInbox();
    } catch (err) {
      if (session.token !== token) return;
      if (err instanceof ApiError && err.status === 401) await whyRefused(token);
      else noteFailure();
    }
  };
  running = (async () => {
    try {
      if (navigator.locks && navigator.locks.request) await navigator.locks.request('consilium.refresh', work);
      else await work();
    } catch {
      noteFailure();
    } finally {
      running = null;
    }
  })();
  return running;
}

/** Refreshes the token if it is due and the person active; keeps the warning up to date. */
export async function check() {
  const token = session.token;
  const expires = session.expiresAt;
  if (!token || !expires) { hideWarning(); return; }
  const now = Date.now();
  const left = expires - now;
  if (left <= 0) {
    // Over: the pages ask to sign in again (drafts are kept).
    hideWarning();
    signalUnauthenticated();
    return;
  }
  if (!session.final && left <= timing().lead && isActive(now) && now >= retryAt) {
    await refresh(token);
  }
  const after = session.expiresAt;
  if (session.token && after) updateWarning(after - Date.now());
  else hideWarning();
}

function schedule() {
  clearTimeout(timer);
  if (!started) return;
  let delay = timing().tick;
  if (retryAt) delay = Math.min(delay, Math.max(250, retryAt - Date.now()));
  timer = setTimeout(async () => {
    try { await check(); } finally { schedule(); }
  }, delay);
}

function listen() {
  if (listening) return;
  listening = true;
  for (const ev of ACTIVITY_EVENTS) addEventListener(ev, markActive, { passive: true, capture: true });
  addEventListener('online', () => {
    if (!started) return;
    retryAt = 0;
    check();
  });
  document.addEventListener('visibilitychange', () => {
    if (started && document.visibilityState === 'visible') check();
  });
}

/** Starts following the signed-in session (idempotent). */
export function startKeepAlive() {
  listen();
  if (started) return;
  markActive();
  started = true;
  check();
  schedule();
}

/** Stops (signed out): no more refreshes, no warning. */
export function stopKeepAlive() {
  started = false;
  clearTimeout(timer);
  timer = null;
  failures = 0;
  retryAt = 0;
  hideWarning();
}
