// Unsaved form values kept across a reload or a new sign-in, through ../drafts.js. Guarded: if
// keeping fails, the form works as before, without the safety net.
import { keepDraft } from '../drafts.js';

const NOTHING_KEPT = Object.freeze({ clear() {}, discard() {}, restored: false });

/** keepDraft(form, key), or an object whose clear() does nothing if it cannot keep the form. */
export function keepFormDraft(form, key) {
  try {
    const kept = keepDraft(form, key);
    if (kept && typeof kept.clear === 'function') return kept;
  } catch { /* nothing kept */ }
  return NOTHING_KEPT;
}
