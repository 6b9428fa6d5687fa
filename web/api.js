// The public API over fetch, and the signed-in session kept in localStorage.
//
// The session (token, user, expiry) lives in localStorage so that a reopened tab, or a second
// tab, is still signed in while the token is valid; every tab reads it afresh at each request,
// so a token refreshed by one tab is the one all tabs use. Signing out clears it, and the
// `storage` event tells the other tabs (see app.js).
import { t } from './i18n.js';

const TOKEN_KEY = 'consilium.token';
const USER_KEY = 'consilium.user';
const EXPIRES_KEY = 'consilium.expires';
// Milliseconds the browser's clock is ahead of the server's (from the token's `iat`).
const SKEW_KEY = 'consilium.skew';
// The lifetime of a token of this sign-in (ms): what a refresh normally gives.
const LIFETIME_KEY = 'consilium.lifetime';
// Set when the current token is the last of its sign-in (the twelve hours are over).
const FINAL_KEY = 'consilium.final';
// Why the last session ended ('expired', 'signed_out', 'renew'), for the other tabs.
const ENDED_KEY = 'consilium.ended';
// Per tab: where to go back to after signing in again, and the notice the sign-in page shows.
const AFTER_LOGIN_KEY = 'consilium.after-login';
const NOTICE_KEY = 'consilium.notice';

// The sign-in pages themselves are never a page to come back to.
const SIGN_IN_HASH = /^#\/(login|sign-in|signed-in)(\?|$)/;

const SESSION_KEYS = [TOKEN_KEY, USER_KEY, EXPIRES_KEY, SKEW_KEY, LIFETIME_KEY, FINAL_KEY];

// localStorage can be missing or refuse writes (private modes, quotas): the session then lives
// in this page only.
const memory = new Map();
function read(key) {
  try { return localStorage.getItem(key); } catch { return memory.has(key) ? memory.get(key) : null; }
}
function write(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, String(value));
  } catch {
    if (value === null || value === undefined) memory.delete(key);
    else memory.set(key, String(value));
  }
}
function tabRead(key) {
  try { return sessionStorage.getItem(key); } catch { return null; }
}
function tabWrite(key, value) {
  try {
    if (value === null || value === undefined) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, String(value));
  } catch { /* this tab forgets it */ }
}

/** The `iat` and `exp` claims of a JWT (seconds), or null; the signature is the server's business. */
export function tokenTimes(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return null;
    return { iat: claims.iat, exp: claims.exp };
  } catch {
    return null;
  }
}

// Tabs opened before the session moved to localStorage kept it in sessionStorage: carry it over.
(function migrateTabSession() {
  const legacy = tabRead(TOKEN_KEY);
  if (!legacy) return;
  if (!read(TOKEN_KEY)) {
    write(TOKEN_KEY, legacy);
    write(USER_KEY, tabRead(USER_KEY));
    write(EXPIRES_KEY, tabRead(EXPIRES_KEY));
  }
  for (const key of [TOKEN_KEY, USER_KEY, EXPIRES_KEY]) tabWrite(key, null);
}());

export class ApiError extends Error {
  constructor(status, problem) {
    const detail = (problem && (problem.detail || problem.title)) || t('auth.http', { status });
    super(detail);
    this.status = status;
    this.code = problem && problem.code;
    this.field = problem && problem.field;
    // Every item a refused submission lacks (API.md section 13), when that is why.
    this.missing = problem && Array.isArray(problem.missing) ? problem.missing : undefined;
  }
}

export const session = {
  get token() { return read(TOKEN_KEY); },
  get user() {
    const raw = read(USER_KEY);
    try { return raw ? JSON.parse(raw) : null; } catch { return null; }
  },
  /** When the token expires (milliseconds since the epoch, on this browser's clock), if known. */
  get expiresAt() {
    const at = Date.parse(read(EXPIRES_KEY) || '');
    if (Number.isNaN(at)) return null;
    return at + (Number(read(SKEW_KEY)) || 0);
  },
  /** Whether a token is kept but its time is over. */
  get expired() {
    const at = this.expiresAt;
    return Boolean(this.token && at !== null && at <= Date.now());
  },
  /** The usual lifetime of this sign-in's tokens (milliseconds), if known. */
  get lifetime() {
    const ms = Number(read(LIFETIME_KEY));
    return ms > 0 ? ms : null;
  },
  /** Whether the current token is the last of its sign-in: it can no longer be refreshed. */
  get final() { return read(FINAL_KEY) === '1'; },
  markFinal() { write(FINAL_KEY, '1'); },
  /**
   * Keeps a login (or refresh) response. `signIn` is true for a password or OIDC sign-in, which
   * starts a new chain of tokens (and forgets how the previous session ended).
   */
  save(token, user, expiresAt, { signIn = false } = {}) {
    const times = tokenTimes(token);
    if (times) {
      write(SKEW_KEY, Date.now() - times.iat * 1000);
      const lifetime = (times.exp - times.iat) * 1000;
      const usual = this.lifetime;
      if (signIn || !usual) {
        write(LIFETIME_KEY, lifetime);
        write(FINAL_KEY, null);
      } else if (lifetime < usual - 2000) {
        // A refresh that gives less than the usual lifetime stops at the sign-in's twelfth hour.
        write(FINAL_KEY, '1');
      }
    } else if (signIn) {
      write(SKEW_KEY, null);
      write(LIFETIME_KEY, null);
      write(FINAL_KEY, null);
    }
    write(EXPIRES_KEY, expiresAt || null);
    write(USER_KEY, JSON.stringify(user));
    if (signIn) {
      write(ENDED_KEY, null);
      tabWrite(NOTICE_KEY, null);
    }
    // The token last: the other tabs react to it (app.js) and then read the rest.
    write(TOKEN_KEY, token);
  },
  /** Updates the kept user (after PATCH /api/me), without touching the token. */
  saveUser(user) { write(USER_KEY, JSON.stringify(user)); },
  /** Forgets the session in every tab; `reason` tells the other tabs why ('expired', 'signed_out'…). */
  clear(reason) {
    if (reason) write(ENDED_KEY, reason);
    for (const key of SESSION_KEYS) if (key !== TOKEN_KEY) write(key, null);
    write(TOKEN_KEY, null);
  },
  /** Why the last session ended, as told by the tab that ended it. */
  get endedBecause() { return read(ENDED_KEY); },
};

/** Whether `hash` is one of the sign-in pages (`#/login`, `#/sign-in?error=…`, `#/signed-in?code=…`). */
export function isSignInHash(hash) { return SIGN_IN_HASH.test(hash || ''); }

/**
 * Remembers, in this tab, the page to come back to after signing in again, and whose page it
 * was: someone else signing in on the same computer starts from their own dossiers.
 */
export function rememberReturn(hash, userId) {
  if (!hash || SIGN_IN_HASH.test(hash)) return;
  tabWrite(AFTER_LOGIN_KEY, JSON.stringify({ hash, user: userId || null }));
}

/**
 * The page to come back to, without forgetting it: `{hash, user}` or null. A sign-in through
 * the identity provider carries it there and back as `return_to` (login.js).
 */
export function peekReturn() {
  const raw = tabRead(AFTER_LOGIN_KEY);
  if (!raw) return null;
  let saved;
  try { saved = JSON.parse(raw); } catch { saved = { hash: raw, user: null }; }
  if (!saved || typeof saved.hash !== 'string' || !saved.hash.startsWith('#/') || SIGN_IN_HASH.test(saved.hash)) return null;
  return { hash: saved.hash, user: saved.user || null };
}

/** The page to go back to after `userId` signed in, once (or null). */
export function takeReturn(userId) {
  const saved = peekReturn();
  tabWrite(AFTER_LOGIN_KEY, null);
  if (!saved) return null;
  if (saved.user && userId && saved.user !== userId) return null;
  return saved.hash;
}

/**
 * A notice for the sign-in page (a catalogue key), kept in this tab across the redirect;
 * `drafts` says that typed input is kept and will come back after signing in.
 */
export function setNotice(key, { drafts = false } = {}) {
  tabWrite(NOTICE_KEY, JSON.stringify({ key, drafts: Boolean(drafts) }));
}

/** The notice for the sign-in page, once: `{key, drafts}` or null. */
export function takeNotice() {
  const raw = tabRead(NOTICE_KEY);
  tabWrite(NOTICE_KEY, null);
  if (!raw) return null;
  try {
    const notice = JSON.parse(raw);
    return notice && typeof notice.key === 'string' ? notice : null;
  } catch {
    return { key: raw, drafts: false };
  }
}

/**
 * Revokes `token`'s sign-in at the server (`POST /api/auth/logout`: every token refreshed from
 * it), without waiting for or reporting the answer: the pages forget the token either way.
 */
export function revoke(token) {
  if (!token) return Promise.resolve();
  return fetch('/api/auth/logout', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    keepalive: true,
  }).then(() => {}, () => {});
}

// Called when the server says the token is no longer good (set by app.js).
let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(fn) { onUnauthenticated = fn; }
/** For requests made outside `api()` (the inbox's event stream) that get a 401. */
export function signalUnauthenticated() { onUnauthenticated(); }

async function problemOf(res) {
  try { return await res.json(); } catch { return null; }
}

function offline() {
  return new ApiError(0, { detail: t('auth.offline') });
}

/**
 * One API call. A 401 ends the session (the pages ask to sign in again) unless `quiet401`; a
 * 401 for a token that another tab has meanwhile replaced is tried once more with the new one.
 */
export async function api(method, path, body, { quiet401 = false } = {}) {
  const token = session.token;
  const send = (bearer) => {
    const headers = { Accept: 'application/json' };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const init = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init);
  };
  let res;
  try {
    res = await send(token);
    if (res.status === 401 && token && session.token && session.token !== token && path !== '/api/auth/login') {
      res = await send(session.token);
    }
  } catch {
    throw offline();
  }
  if (res.status === 204) return null;
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && token && !quiet401 && path !== '/api/auth/login') onUnauthenticated();
    throw new ApiError(res.status, problem);
  }
  return res.json();
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => api('PATCH', path, body);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Uploads one file as multipart (`file`, optional `kind`) with XMLHttpRequest, for its upload
 * progress events. Resolves with the Attachment.
 */
export function upload(dossierId, file, kind, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/dossiers/${encodeURIComponent(dossierId)}/attachments`);
    xhr.setRequestHeader('Authorization', `Bearer ${session.token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
    xhr.onload = () => {
      if (xhr.status === 201 || xhr.status === 200) resolve(xhr.response);
      else {
        if (xhr.status === 401) onUnauthenticated();
        reject(new ApiError(xhr.status, xhr.response));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, { detail: t('auth.upload.interrupted') }));
    xhr.onabort = () => reject(new ApiError(0, { detail: t('auth.upload.cancelled') }));
    const form = new FormData();
    if (kind) form.append('kind', kind);
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/**
 * Downloads a protected resource: fetched with the bearer header as a blob, then saved
 * through a temporary object URL.
 */
export async function download(path, fallbackName) {
  const token = session.token;
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw offline();
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && token) onUnauthenticated();
    throw new ApiError(res.status, problem);
  }
  const blob = await res.blob();
  const disposition = res.headers.get('Content-Disposition') || '';
  const match = /filename="([^"]+)"/.exec(disposition);
  const name = match ? match[1] : fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

/**
 * A protected resource as a Blob (frames, thumbnails): fetched with the bearer header, since an
 * <img src> cannot carry it. `signal` aborts it. Throws ApiError like `api()`.
 */
export async function fetchBlob(path, { signal } = {}) {
  const token = session.token;
  let res;
  try {
    res = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw offline();
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && token) onUnauthenticated();
    throw new ApiError(res.status, problem);
  }
  return res.blob();
}
