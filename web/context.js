// What the pages need to know about the signed-in user: their boards (fetched once per
// sign-in), and what the server lets them do.
import { get, session } from './api.js';

let cache = null;

export function forgetBoards() { cache = null; }

/** Every board, each with `myRole`: 'coordinator', 'member' or null. Admins see all. */
export async function boardsWithRoles() {
  if (cache) return cache;
  const me = session.user;
  const { items } = await get('/api/boards');
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
 * Whether the server lets the signed-in user do `action` on a board, session, dossier or room:
 * every such object comes with `can`, e.g. `{"can": {"submit": true, …}}`. The pages show an
 * action when the server says so, and never work it out from roles and statuses themselves.
 */
export function may(thing, action) {
  return Boolean(thing && thing.can && thing.can[action] === true);
}
