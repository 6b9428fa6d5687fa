// What the browser can check about a file before sending it: its size against the server's
// limit, whether a « .dcm » really is DICOM, and whether the same bytes are already attached.

// CONSILIUM_MAX_UPLOAD_BYTES' documented default (API.md §1). Every Dossier carries the server's
// setting as `max_upload_bytes`, used from the start; a 413 naming another limit (a server of an
// older version, a proxy in front) is remembered for the dossiers that do not carry one.
export const DEFAULT_MAX_UPLOAD_BYTES = 4294967296;
const LEARNED_KEY = 'consilium.maxUploadBytes';
// Hashing reads the whole file in memory: only below this size.
export const HASH_MAX_BYTES = 64 * 1024 * 1024;

function learned() {
  try {
    const n = Number(sessionStorage.getItem(LEARNED_KEY));
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch { return null; }
}

/** The server's limit if the page knows it (carried by the dossier, else learned), else null. */
export function knownUploadLimit(dossier) {
  const given = dossier && Number(dossier.max_upload_bytes);
  if (Number.isFinite(given) && given > 0) return given;
  return learned();
}

/** The largest attachment to send: the known limit, else the documented default. */
export function uploadLimit(dossier) {
  return knownUploadLimit(dossier) ?? DEFAULT_MAX_UPLOAD_BYTES;
}

/** Remembers the limit a 413 names (« …the limit of N bytes »); returns it, or null. */
export function learnLimit(err) {
  const m = err && err.status === 413 && /limit of (\d+) bytes/.exec(err.message || '');
  if (!m) return null;
  const n = Number(m[1]);
  try { sessionStorage.setItem(LEARNED_KEY, String(n)); } catch { /* this page only */ }
  return n;
}

export function hasDicomName(name) {
  return /\.(dcm|dicom)$/i.test(name || '');
}

/** Whether the file starts like DICOM: « DICM » at byte 128 (Part 10), or at 0 (no preamble). */
export async function looksLikeDicom(file) {
  const head = new Uint8Array(await file.slice(0, 132).arrayBuffer());
  const dicm = (at) => head.length >= at + 4 && String.fromCharCode(...head.subarray(at, at + 4)) === 'DICM';
  return dicm(128) || dicm(0);
}

/** Whether the file is a zip (a DICOM series may come zipped: the server de-identifies it). */
export async function looksLikeZip(file) {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
}

/** SHA-256 of the file, in hex; null when it is too big to hash here or the browser cannot. */
export async function sha256Hex(file) {
  if (file.size > HASH_MAX_BYTES || !globalThis.crypto || !crypto.subtle) return null;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Another attachment with these bytes, if any. */
export function sameBytes(attachments, sha256, exceptId = null) {
  if (!sha256) return null;
  return (attachments || []).find((a) => a.sha256 === sha256 && a.id !== exceptId) || null;
}
