// The live room's shared state. The page entry owns it and hands it to the modules that read
// it; only the page entry changes it, as the room's messages arrive.
import { may } from '../context.js';

/** The state of a room page before the room's `welcome`. */
export function roomState(session) {
  return {
    session, // the Session JSON; its agenda names the dossiers
    you: null, // the signed-in user, as the room knows them
    can: { chair: false, vote: false }, // what the server lets this user do in the room
    participants: [], // [{ user, role }]
    current: null, // the focused dossier's id
    decisions: [], // the decisions taken in this session, oldest first
  };
}

/** Takes in a `welcome`: the session, who is present, the focus and what the caller may do. */
export function applyWelcome(state, msg) {
  state.session = msg.session;
  state.you = msg.you;
  state.participants = msg.participants;
  state.current = msg.current_dossier_id;
  state.can = { chair: may(msg, 'chair'), vote: may(msg, 'vote') };
  // Marking key images: when the server says so; else the imaging module asks the room role.
  if (msg.can && Object.hasOwn(msg.can, 'mark')) state.can.mark = may(msg, 'mark');
}

export function agendaItem(state, dossierId) {
  return state.session.agenda.find((a) => a.dossier_id === dossierId);
}

/** "RCP-… — title" of a dossier on the agenda, for the messages and headings of the room. */
export function refName(state, dossierId) {
  const a = agendaItem(state, dossierId);
  return a ? `${a.reference} — ${a.title}` : 'a dossier';
}

/** Hours and minutes of a room event's time. */
export function timeOf(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
