// The live room's shared state. The page entry owns it and hands it to the modules that read
// it; only the page entry changes it, as the room's messages arrive.
import { h } from '../dom.js';
import { may } from '../context.js';
import { t, currentLang } from '../i18n.js';

/** The state of a room page before the room's `welcome`. */
export function roomState(session) {
  const state = {
    session, // the Session JSON; its agenda names the dossiers
    you: null, // the signed-in user, as the room knows them
    can: { chair: false, vote: false }, // what the server lets this user do in the room
    participants: [], // [{ user, role }]
    current: null, // the focused dossier's id
    decisions: [], // the decisions taken in this session, oldest first
    board: null, // the session's board (its quorum rule), once fetched
    members: new Map(), // user id → User: who was in the room, and the board's members once fetched
    known: new Map(), // dossier id → agenda item, of every agenda seen (a requeued dossier leaves it)
  };
  rememberAgenda(state);
  return state;
}

/** Keeps the names of the agenda's dossiers, for when one leaves it (no quorum, tie). */
export function rememberAgenda(state) {
  for (const a of state.session.agenda) state.known.set(a.dossier_id, a);
}

/** Takes in a `welcome`: the session, who is present, the focus and what the caller may do. */
export function applyWelcome(state, msg) {
  state.session = msg.session;
  rememberAgenda(state);
  state.you = msg.you;
  setParticipants(state, msg.participants);
  state.current = msg.current_dossier_id;
  state.can = { chair: may(msg, 'chair'), vote: may(msg, 'vote') };
  // Marking key images: when the server says so; else the imaging module asks the room role.
  if (msg.can && Object.hasOwn(msg.can, 'mark')) state.can.mark = may(msg, 'mark');
}

/** Who is present now; their names are kept for when they leave (a voter who dropped out). */
export function setParticipants(state, participants) {
  state.participants = participants;
  for (const p of participants) state.members.set(p.user.id, p.user);
}

export function agendaItem(state, dossierId) {
  return state.session.agenda.find((a) => a.dossier_id === dossierId);
}

/** "RCP-… — title" of a dossier on the agenda, for the messages and headings of the room. */
export function refName(state, dossierId) {
  const a = agendaItem(state, dossierId) || state.known.get(dossierId);
  return a ? t('room.dossier.name', { reference: a.reference, title: a.title }) : t('room.dossier.unknown');
}

/** Hours and minutes of a room event's time, in the page's language. */
export function timeOf(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString(currentLang() === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
}

/** A status (of a dossier, session or decision) as a badge, in the page's language. */
export function statusBadge(status) {
  const key = `room.status.${status}`;
  const text = t(key);
  return h('span', { class: `badge status-${status}` }, text === key ? status : text);
}

/** The user with this id, as far as the room knows: present, or a member of the board. */
export function userById(state, id) {
  const present = state.participants.find((p) => p.user.id === id);
  if (present) return present.user;
  if (state.you && state.you.id === id) return state.you;
  return state.members.get(id) || null;
}

/**
 * The words for `key` in the plural form that `count` takes in the page's language
 * (`key.one` or `key.other`), with `vars` (and `count`) filled in.
 */
export function plural(key, count, vars = {}) {
  const form = new Intl.PluralRules(currentLang() === 'fr' ? 'fr-FR' : 'en-GB').select(count);
  return t(`${key}.${form === 'one' ? 'one' : 'other'}`, { ...vars, count });
}

/** A list of names in the page's language ("A, B et C"). */
export function listOf(items) {
  try {
    return new Intl.ListFormat(currentLang() === 'fr' ? 'fr-FR' : 'en-GB', { style: 'long', type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}
