// The public API over fetch, with the bearer token kept in sessionStorage.

const TOKEN_KEY = 'consilium.token';
const USER_KEY = 'consilium.user';
const EXPIRES_KEY = 'consilium.expires';

export class ApiError extends Error {
  constructor(status, problem) {
    const detail = (problem && (problem.detail || problem.title)) || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.code = problem && problem.code;
    this.field = problem && problem.field;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  get user() {
    const raw = sessionStorage.getItem(USER_KEY);
    try { return raw ? JSON.parse(raw) : null; } catch { return null; }
  },
  /** When the token expires (milliseconds since the epoch), if known. */
  get expiresAt() {
    const at = Date.parse(sessionStorage.getItem(EXPIRES_KEY) || '');
    return Number.isNaN(at) ? null : at;
  },
  save(token, user, expiresAt) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    if (expiresAt) sessionStorage.setItem(EXPIRES_KEY, expiresAt);
    else sessionStorage.removeItem(EXPIRES_KEY);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    sessionStorage.removeItem(EXPIRES_KEY);
  },
};

// Called when the server says the token is no longer good (set by app.js).
let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(fn) { onUnauthenticated = fn; }
/** For requests made outside `api()` (the inbox's event stream) that get a 401. */
export function signalUnauthenticated() { onUnauthenticated(); }

async function problemOf(res) {
  try { return await res.json(); } catch { return null; }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached; check the connection and try again.' });
  }
  if (res.status === 204) return null;
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && token && path !== '/api/auth/login') onUnauthenticated();
    throw new ApiError(res.status, problem);
  }
  return res.json();
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);

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
    xhr.onerror = () => reject(new ApiError(0, { detail: 'The upload was interrupted; try again.' }));
    xhr.onabort = () => reject(new ApiError(0, { detail: 'The upload was cancelled.' }));
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
  const res = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
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
    throw new ApiError(0, { detail: 'The server cannot be reached; check the connection and try again.' });
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && token) onUnauthenticated();
    throw new ApiError(res.status, problem);
  }
  return res.blob();
}
