// Staying signed in while working (API.md section 16): while the person uses the pages, their
// token is exchanged for a fresh one (`POST /api/auth/refresh`) a few minutes before it
// expires, so that a meeting or a half-typed dossier is not cut by the one-hour token. Twelve
// hours after the sign-in the server refuses, and the pages ask to sign in again. Someone away
// from the keyboard for half an hour is not kept signed in.
import { session, post } from './api.js';
import { startInbox } from './inbox.js';

const CHECK_MS = 30 * 1000;
const REFRESH_BEFORE_MS = 5 * 60 * 1000;
const ACTIVE_WITHIN_MS = 30 * 60 * 1000;

let lastActivity = Date.now();
let timer = null;
let running = false;

function markActive() { lastActivity = Date.now(); }

/** Refreshes the token if it expires soon and the person was active lately. */
export async function refreshIfDue(now = Date.now()) {
  const token = session.token;
  const expires = session.expiresAt;
  if (running || !token || !expires) return false;
  const left = expires - now;
  if (left > REFRESH_BEFORE_MS || left <= 0 || now - lastActivity > ACTIVE_WITHIN_MS) return false;
  running = true;
  try {
    const res = await post('/api/auth/refresh');
    // Signed out (or in as someone else) meanwhile: keep what is there.
    if (session.token !== token) return false;
    session.save(res.token, res.user, res.expires_at);
    startInbox();
    return true;
  } catch {
    // A 401 goes through the api's handler (sign in again); a network error is tried again at
    // the next check.
    return false;
  } finally {
    running = false;
  }
}

export function startKeepAlive() {
  if (timer) return;
  for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchstart', 'input']) {
    addEventListener(ev, markActive, { passive: true, capture: true });
  }
  timer = setInterval(() => { refreshIfDue(); }, CHECK_MS);
}
