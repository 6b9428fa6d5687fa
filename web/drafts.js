// Never lose typed input: a form that opts in keeps what the person types in localStorage
// (a moment after each change), gets it back when the same form is shown again — after signing
// in again, a reload, a reopened tab — and forgets it once it is submitted successfully.
//
//   import { keepDraft } from '../drafts.js';
//   const draft = keepDraft(formElement, 'dossier-new');        // after the form is built
//   form.addEventListener('submit', async (e) => {
//     …
//     const created = await post(…);
//     draft.clear();                                            // only on success
//   });
//
// - Call it once the form's controls exist (select options included): it restores the saved
//   values at once, firing `input`/`change` on each restored control so that counters and
//   dependent fields follow, and shows a short note with a "discard" button in the form.
// - The key names the form; add the thing's id when there are several (`dossier-edit-<id>`).
//   Drafts are kept per signed-in user: someone else signing in on the same computer never sees
//   them. They last a day, and explicit sign-out erases them (a shared workstation keeps no
//   clinical text); a session that merely expires keeps them for the next sign-in.
// - Saved: text-like inputs, textareas, selects, checkboxes and radio groups, by `name` (else
//   `id`). Never saved: passwords, files, hidden inputs, buttons, and any control (or fieldset)
//   marked `data-draft="off"`.
import { session } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const PREFIX = 'consilium.draft.';
const SAVE_AFTER_MS = 400;
/** How long a draft is kept: a clinician may come back the next morning. */
export const DRAFT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const SKIPPED_TYPES = new Set(['password', 'file', 'hidden', 'submit', 'button', 'reset', 'image']);

// The drafts of the forms on screen, for flushDrafts().
const live = new Set();

function storageKey(key, userId) { return `${PREFIX}${userId}.${key}`; }

function readDraft(storeKey) {
  try {
    const raw = localStorage.getItem(storeKey);
    if (!raw) return null;
    const draft = JSON.parse(raw);
    if (!draft || typeof draft.values !== 'object' || Date.now() - draft.savedAt > DRAFT_MAX_AGE_MS) {
      localStorage.removeItem(storeKey);
      return null;
    }
    return draft;
  } catch {
    return null;
  }
}

function controlsOf(form) {
  return [...form.elements].filter((el) => {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)) return false;
    if (SKIPPED_TYPES.has((el.type || '').toLowerCase())) return false;
    if (el.autocomplete === 'one-time-code') return false;
    if (el.closest('[data-draft="off"]')) return false;
    return Boolean(el.name || el.id);
  });
}

function nameOf(el) {
  return el.type === 'radio' ? (el.name || el.id) : (el.name && el.form && el.form.elements.namedItem(el.name) === el ? el.name : (el.id || el.name));
}

/** The form's current values, by control name. */
function valuesOf(form) {
  const values = {};
  for (const el of controlsOf(form)) {
    const name = nameOf(el);
    if (el.type === 'radio') {
      if (el.checked) values[name] = el.value;
      else if (!(name in values)) values[name] = null;
    } else if (el.type === 'checkbox') {
      values[name] = el.checked;
    } else if (el instanceof HTMLSelectElement && el.multiple) {
      values[name] = [...el.selectedOptions].map((o) => o.value);
    } else {
      values[name] = el.value;
    }
  }
  return values;
}

function sameValues(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Puts saved values back; returns whether anything changed. */
function applyValues(form, values) {
  let changed = false;
  for (const el of controlsOf(form)) {
    const name = nameOf(el);
    if (!Object.hasOwn(values, name)) continue;
    const value = values[name];
    let event = 'input';
    if (el.type === 'radio') {
      const checked = value !== null && el.value === value;
      if (el.checked === checked) continue;
      el.checked = checked;
      event = 'change';
    } else if (el.type === 'checkbox') {
      if (el.checked === Boolean(value)) continue;
      el.checked = Boolean(value);
      event = 'change';
    } else if (el instanceof HTMLSelectElement) {
      const wanted = Array.isArray(value) ? value : [value];
      const options = [...el.options];
      if (!wanted.every((v) => options.some((o) => o.value === v))) continue;
      const before = options.map((o) => o.selected).join();
      for (const o of options) o.selected = wanted.includes(o.value);
      if (options.map((o) => o.selected).join() === before) continue;
      event = 'change';
    } else {
      if (typeof value !== 'string' || el.value === value) continue;
      el.value = value;
    }
    changed = true;
    el.dispatchEvent(new Event(event, { bubbles: true }));
  }
  return changed;
}

const NOOP = Object.freeze({ clear() {}, save() {}, discard() {}, restored: false });

/**
 * Keeps `form`'s typed values under `key` for the signed-in user. Returns `{clear, save,
 * discard, restored}`: `clear()` after a successful submit (also stops a pending save),
 * `save()` writes now, `discard()` puts the form back as it was first shown and forgets the
 * draft; `restored` tells whether saved values were put back.
 */
export function keepDraft(form, key, { note = true } = {}) {
  const user = session.user;
  if (!form || !key || !user || !user.id) return NOOP;
  const storeKey = storageKey(key, user.id);
  const initial = valuesOf(form);
  let timer = null;
  let noteEl = null;

  const save = () => {
    clearTimeout(timer);
    timer = null;
    const values = valuesOf(form);
    try {
      if (sameValues(values, initial)) localStorage.removeItem(storeKey);
      else localStorage.setItem(storeKey, JSON.stringify({ savedAt: Date.now(), values }));
    } catch { /* storage full or refused: the form still works, unsaved */ }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_AFTER_MS);
  };
  const removeNote = () => { if (noteEl) { noteEl.remove(); noteEl = null; } };
  const handle = {
    restored: false,
    save,
    clear() {
      clearTimeout(timer);
      timer = null;
      try { localStorage.removeItem(storeKey); } catch { /* nothing kept */ }
      removeNote();
    },
    discard() {
      handle.clear();
      applyValues(form, initial);
      clearTimeout(timer);
      timer = null;
      try { localStorage.removeItem(storeKey); } catch { /* nothing kept */ }
    },
    get pending() { return timer !== null; },
    form,
  };

  const saved = readDraft(storeKey);
  if (saved && applyValues(form, saved.values)) {
    handle.restored = true;
    if (note) {
      const discard = h('button', { type: 'button', class: 'link-button draft-discard' }, t('auth.draft.discard'));
      noteEl = h('p', { class: 'draft-note', role: 'status' }, h('span', {}, t('auth.draft.restored')), ' ', discard);
      discard.addEventListener('click', () => {
        handle.discard();
        const first = controlsOf(form)[0];
        if (first) first.focus();
      });
      form.prepend(noteEl);
    }
  }
  // Restoring fired input events: what is on screen is now the draft; keep it as is.
  clearTimeout(timer);
  timer = null;

  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  live.add(handle);
  return handle;
}

/**
 * Writes every pending draft now (before a navigation, a sign-out redirect, or the page being
 * hidden), and lets go of the forms no longer on screen.
 */
export function flushDrafts() {
  for (const handle of [...live]) {
    if (handle.pending) handle.save();
    if (!handle.form.isConnected) live.delete(handle);
  }
}

/** Drops pending saves without writing them (the session was closed on purpose). */
export function abandonDrafts() {
  for (const handle of live) handle.clear();
  live.clear();
}

/** Erases every draft of `userId` (explicit sign-out), or every draft when no id is given. */
export function forgetDrafts(userId) {
  abandonDrafts();
  for (const k of draftKeys(userId ? `${PREFIX}${userId}.` : PREFIX)) {
    try { localStorage.removeItem(k); } catch { /* nothing kept */ }
  }
}

/** Whether `userId` has drafts kept (the sign-in page says they will come back). */
export function hasDrafts(userId) {
  if (!userId) return false;
  return draftKeys(`${PREFIX}${userId}.`).some((k) => readDraft(k) !== null);
}

function draftKeys(prefix) {
  const keys = [];
  try {
    for (let i = 0; i < localStorage.length; i += 1) {
      const k = localStorage.key(i);
      if (k && k.startsWith(prefix)) keys.push(k);
    }
  } catch { /* none */ }
  return keys;
}

/** Removes drafts older than a day (at start). */
export function pruneDrafts() {
  for (const k of draftKeys(PREFIX)) readDraft(k);
}

addEventListener('pagehide', flushDrafts);
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flushDrafts(); });
