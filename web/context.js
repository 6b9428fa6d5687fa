// What the pages need to know about the signed-in user: their boards (fetched once per
// sign-in), what the server lets them do, and their language.
import { get, session } from './api.js';
import { setLang, currentLang } from './i18n.js';

let cache = null;
let listCache = null;

export function forgetBoards() { cache = null; listCache = null; }

/** Every board as `GET /api/boards` gives it (each with `can`), fetched once per sign-in. */
export function boardList() {
  if (!listCache) {
    listCache = get('/api/boards').then((res) => res.items, (err) => { listCache = null; throw err; });
  }
  return listCache;
}

/** Every board, each with `myRole`: 'coordinator', 'member' or null. Admins see all. */
export async function boardsWithRoles() {
  if (cache) return cache;
  const me = session.user;
  const items = await boardList();
  const withRoles = await Promise.all(items.map(async (board) => {
    let myRole = null;
    let members = [];
    try {
      members = (await get(`/api/boards/${board.id}/members`)).items;
      const mine = members.find((m) => m.user.id === me.id);
      myRole = mine ? mine.role : null;
    } catch { /* a board whose members are hidden from us: not ours */ }
    return { ...board, myRole, members };
  }));
  cache = withRoles;
  return cache;
}

export function isAdmin() {
  const me = session.user;
  return Boolean(me && me.role === 'admin');
}

/**
 * Whether the signed-in user runs boards: an administrator, or someone the server lets plan
 * sessions or export on at least one board (a coordinator). They get the queue and the reports.
 */
export async function coordinatesAnyBoard() {
  if (isAdmin()) return true;
  const boards = await boardList();
  return boards.some((b) => may(b, 'plan_sessions') || may(b, 'export'));
}

/**
 * Whether the server lets the signed-in user do `action` on a board, session, dossier or room:
 * every such object comes with `can`, e.g. `{"can": {"submit": true, …}}`. The pages show an
 * action when the server says so, and never work it out from roles and statuses themselves.
 */
export function may(thing, action) {
  return Boolean(thing && thing.can && thing.can[action] === true);
}

/**
 * Uses `code` ('fr' or 'en', e.g. the user's `locale`) for the words to come, and tells the
 * browser (and screen readers) the page's language. Returns whether the language changed.
 */
export function applyLocale(code) {
  const before = currentLang();
  if (code) setLang(code);
  document.documentElement.lang = currentLang();
  return currentLang() !== before;
}
