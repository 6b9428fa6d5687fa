// The live review room: agenda, focused dossier, presence, chat, votes, chair controls and the
// decisions taken, over the room protocol with automatic reconnection. This page wires the
// room's parts (web/room/) to the room's messages; what the user may do (chair, vote) is what
// the server says in `welcome`. For the chair and the voters the votes come first in the main
// column, above the dossier; while the room is not connected its action buttons wait (and say
// why), and what is typed stays.
import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { RoomClient } from '../live.js';
import { roomState, applyWelcome, setParticipants, rememberAgenda, refName, timeOf } from '../room/store.js';
import { commandChannel } from '../room/commands.js';
import { connectionGate } from '../room/connection.js';
import { roomHeader } from '../room/header.js';
import { agendaPanel } from '../room/agenda.js';
import { dossierPane } from '../room/dossier-pane.js';
import { chairControls } from '../room/chair-controls.js';
import { openVotes, decisionList } from '../room/votes.js';
import { presencePanel } from '../room/presence.js';
import { chatPanel } from '../room/chat.js';
import { roomImaging } from '../viewer/room-imaging.js';

/** How a closed vote ended, in a few words for the discussion's notice. */
function outcomeWords(decision) {
  return decision.status === 'decided' && decision.outcome ? decision.outcome : t(`room.outcome.${decision.status}`);
}

export async function roomPage(main, sessionId) {
  const state = roomState(await get(`/api/sessions/${sessionId}`));

  const header = roomHeader(sessionId);
  const { showError } = header;
  const gate = connectionGate(main);
  const commands = commandChannel({ showError });
  const send = (cmd, handlers) => commands.send(cmd, handlers);

  let client = null;
  const votes = openVotes({ state, send, showError, gate });
  const hasOpenVote = (id) => votes.hasOpenVote(id);
  const agenda = agendaPanel({ state, focus: (dossierId) => send({ type: 'focus', dossier_id: dossierId }), hasOpenVote, gate });
  const chat = chatPanel({ sessionId, send, gate, showError });
  // Views are ephemeral and frequent: sent without a request id, dropped while disconnected
  // (the presenter sends the current one again after the next welcome).
  const imaging = roomImaging({
    state, send, notice: (text) => chat.notice(text),
    sendView: (view) => { if (client) client.sendRaw({ type: 'view', ...view }); },
  });
  const pane = dossierPane({ state, imaging });
  const chair = chairControls({ state, hasOpenVote, send, showError, gate });
  const decisions = decisionList({ state });
  const presence = presencePanel({ state });
  const column = h('div', { class: 'room-main' });

  /** The votes first for who chairs or votes; the dossier first for the others. */
  function arrange() {
    const order = state.can.chair || state.can.vote
      ? [chair.el, votes.el, pane.el, decisions.el]
      : [pane.el, chair.el, votes.el, decisions.el];
    if (order.some((el, i) => column.children[i] !== el)) column.append(...order);
  }

  arrange();
  replace(main,
    header.el,
    h('div', { class: 'room' },
      agenda.el,
      column,
      h('div', { class: 'room-side' }, presence.el, chat.el)));

  // The board's quorum rule, for a vote nobody has voted on yet.
  get(`/api/boards/${state.session.board_id}`).then((board) => { state.board = board; votes.participants(); }, () => {});

  /**
   * What the room did to the agenda on closing a vote, shown at once (the session is fetched
   * afresh after): decided, the dossier stays; without quorum or tied, it leaves the agenda.
   */
  function settleAgenda(decision) {
    const agendaNow = state.session.agenda;
    const item = agendaNow.find((a) => a.dossier_id === decision.dossier_id);
    if (!item) {
      if (!state.known.has(decision.dossier_id)) learnDossier(decision.dossier_id);
      return;
    }
    if (decision.status === 'decided') item.status = 'decided';
    else state.session = { ...state.session, agenda: agendaNow.filter((a) => a !== item) };
  }

  /** The reference and title of a dossier that left the agenda before this page opened. */
  async function learnDossier(id) {
    state.known.set(id, null);
    try {
      const d = await get(`/api/dossiers/${id}`);
      state.known.set(id, { dossier_id: d.id, reference: d.reference, title: d.title, status: d.status });
      agenda.render(); votes.render(); decisions.render();
    } catch { state.known.delete(id); }
  }

  async function refreshSession() {
    try {
      state.session = await get(`/api/sessions/${sessionId}`);
      rememberAgenda(state);
      agenda.render();
      chair.render();
    } catch { /* kept as it was */ }
  }

  const handlers = {
    welcome(msg) {
      applyWelcome(state, msg);
      votes.reset(msg);
      header.showSession(msg.session);
      arrange();
      agenda.render(); presence.render(); votes.render(); chair.render();
      imaging.welcome(msg);
      pane.render();
      commands.resend();
    },
    presence(msg) {
      setParticipants(state, msg.participants);
      presence.render();
      votes.participants();
      imaging.participants();
    },
    presenter(msg) { imaging.presenter(msg); },
    view(msg) { imaging.view(msg); },
    key_image(msg) { imaging.keyImage(msg); },
    chat(msg) {
      chat.said(msg);
    },
    focus(msg) {
      state.current = msg.dossier_id;
      // A referrer is told the focus moved away from their case, not where (dossier_id null).
      chat.notice(msg.dossier_id
        ? t('room.notice.focus', { time: timeOf(msg.at), name: msg.by.name, dossier: refName(state, msg.dossier_id) })
        : t('room.notice.focus.elsewhere', { time: timeOf(msg.at), name: msg.by.name }));
      agenda.render(); chair.render();
      pane.render();
    },
    vote_opened(msg) {
      votes.opened(msg.vote);
      chat.notice(t('room.notice.opened', { time: timeOf(msg.at), name: msg.by.name, proposal: msg.vote.proposal }));
      votes.render(); chair.render(); agenda.render();
    },
    tally(msg) {
      votes.tally(msg);
    },
    vote_closed(msg) {
      votes.closed(msg.vote_id);
      decisions.add(msg.decision);
      settleAgenda(msg.decision);
      chat.notice(t('room.notice.closed', {
        time: timeOf(msg.at), name: msg.by.name, dossier: refName(state, msg.decision.dossier_id), outcome: outcomeWords(msg.decision),
      }));
      votes.render(); decisions.render(); chair.render(); agenda.render();
      // The dossier's status moved on (decided, or back to the queue): the agenda and the case.
      refreshSession();
      if (msg.decision.dossier_id === state.current) pane.render();
    },
    ack(msg) { commands.acked(msg); },
    error(msg) { commands.refused(msg); },
  };

  function onMessage(msg) {
    // Other types (pong, and those of later versions) are ignored.
    if (Object.hasOwn(handlers, msg.type)) handlers[msg.type](msg);
  }

  function onState(name, detail) {
    header.showConnection(name, detail);
    gate.set(name, detail);
    presence.setStale(name !== 'open');
  }

  header.showSession(state.session);
  agenda.render(); votes.render(); decisions.render(); chair.render();
  client = new RoomClient(sessionId, { onMessage, onState });
  commands.attach(client);
  client.start();
  return () => { client.stop(); imaging.stop(); };
}
