// The pages' words, in one place: French first (the service's users are French boards), English
// second. `t(key, vars)` picks the language of the page (`consilium.lang` in localStorage,
// else French) and fills `{name}` placeholders. A key missing in English falls back to French;
// a key missing everywhere shows as itself, so that a typo is visible rather than blank.
// The catalogues are `i18n/fr.js` and `i18n/en.js` (the imaging viewer, meetings, the inbox)
// and `i18n/<area>.<lang>.js` for the sign-in and session, dossiers, room and other pages, and
// the dossier page's PACS panel.

import fr from './i18n/fr.js';
import en from './i18n/en.js';
import authFr from './i18n/auth.fr.js';
import authEn from './i18n/auth.en.js';
import dossiersFr from './i18n/dossiers.fr.js';
import dossiersEn from './i18n/dossiers.en.js';
import roomFr from './i18n/room.fr.js';
import roomEn from './i18n/room.en.js';
import pagesFr from './i18n/pages.fr.js';
import pagesEn from './i18n/pages.en.js';
import pacsFr from './i18n/pacs.fr.js';
import pacsEn from './i18n/pacs.en.js';

// One catalogue per language, from one file per area of the pages (a key is defined once).
const MESSAGES = {
  fr: { ...fr, ...authFr, ...dossiersFr, ...roomFr, ...pagesFr, ...pacsFr },
  en: { ...en, ...authEn, ...dossiersEn, ...roomEn, ...pagesEn, ...pacsEn },
};

const LANG_KEY = 'consilium.lang';

function storedLang() {
  try { return globalThis.localStorage ? localStorage.getItem(LANG_KEY) : null; } catch { return null; }
}

let lang = MESSAGES[storedLang()] ? storedLang() : 'fr';

/** The language in use: 'fr' or 'en'. */
export function currentLang() { return lang; }

/** Chooses the language of the words to come, and remembers it. */
export function setLang(code) {
  if (!MESSAGES[code]) return;
  lang = code;
  try { localStorage.setItem(LANG_KEY, code); } catch { /* private mode: this page only */ }
}

/** The words for `key` in the page's language, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = MESSAGES[lang][key] ?? MESSAGES.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(vars, name) ? String(vars[name]) : whole));
}

/** How many, with the plural rules of the page's language: `{key}.one` or `{key}.other`. */
export function tn(key, count) {
  const form = new Intl.PluralRules(lang === 'fr' ? 'fr-FR' : 'en-GB').select(count);
  return t(`${key}.${form === 'one' ? 'one' : 'other'}`, { count });
}

/** An instant in the reader's local time, worded in the page's language. */
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short' });
}
