// The live review room: agenda, focused dossier, presence, chat, votes, chair controls and the
// decisions taken, over the room protocol with automatic reconnection. This page wires the
// room's parts (web/room/) to the room's messages; what the user may do (chair, vote) is what
// the server says in `welcome`.
import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { RoomClient } from '../live.js';
import { roomState, applyWelcome, refName, timeOf } from '../room/store.js';
import { commandChannel } from '../room/commands.js';
import { roomHeader } from '../room/header.js';
import { agendaPanel } from '../room/agenda.js';
import { dossierPane } from '../room/dossier-pane.js';
import { chairControls } from '../room/chair-controls.js';
import { openVotes, decisionList } from '../room/votes.js';
import { presencePanel } from '../room/presence.js';
import { chatPanel } from '../room/chat.js';
import { roomImaging } from '../viewer/room-imaging.js';

export async function roomPage(main, sessionId) {
  const state = roomState(await get(`/api/sessions/${sessionId}`));

  const header = roomHeader(sessionId);
  const { showError } = header;
  const commands = commandChannel({ showError });
  const send = (cmd, handlers) => commands.send(cmd, handlers);

  let client = null;
  const agenda = agendaPanel({ state, focus: (dossierId) => send({ type: 'focus', dossier_id: dossierId }) });
  const chat = chatPanel({ send });
  // Views are ephemeral and frequent: sent without a request id, dropped while disconnected
  // (the presenter sends the current one again after the next welcome).
  const imaging = roomImaging({
    state, send, notice: (text) => chat.notice(text),
    sendView: (view) => { if (client) client.sendRaw({ type: 'view', ...view }); },
  });
  const pane = dossierPane({ state, imaging });
  const votes = openVotes({ state, send, showError });
  const chair = chairControls({ state, hasOpenVote: (id) => votes.hasOpenVote(id), send, showError });
  const decisions = decisionList({ state });
  const presence = presencePanel({ state });

  replace(main,
    header.el,
    h('div', { class: 'room' },
      agenda.el,
      h('div', {}, pane.el, chair.el, votes.el, decisions.el),
      h('div', {}, presence.el, chat.el)));

  async function refreshSession() {
    try {
      state.session = await get(`/api/sessions/${sessionId}`);
      agenda.render();
      chair.render();
    } catch { /* kept as it was */ }
  }

  const handlers = {
    welcome(msg) {
      applyWelcome(state, msg);
      votes.reset(msg.open_votes);
      header.showSession(msg.session);
      agenda.render(); presence.render(); votes.render(); chair.render();
      imaging.welcome(msg);
      pane.render();
    },
    presence(msg) {
      state.participants = msg.participants;
      presence.render();
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
        ? `${timeOf(msg.at)} ${msg.by.name} focused ${refName(state, msg.dossier_id)}.`
        : `${timeOf(msg.at)} ${msg.by.name} moved on to another case.`);
      agenda.render(); chair.render();
      pane.render();
    },
    vote_opened(msg) {
      votes.opened(msg.vote);
      chat.notice(`${timeOf(msg.at)} ${msg.by.name} opened a vote: ${msg.vote.proposal}`);
      votes.render(); chair.render();
    },
    tally(msg) {
      votes.tally(msg.vote_id, msg.cast);
    },
    vote_closed(msg) {
      votes.closed(msg.vote_id);
      decisions.add(msg.decision);
      const outcome = msg.decision.outcome || msg.decision.status.replace('_', ' ');
      chat.notice(`${timeOf(msg.at)} ${msg.by.name} closed the vote on ${refName(state, msg.decision.dossier_id)}: ${outcome}.`);
      votes.render(); decisions.render(); chair.render();
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
    presence.setStale(name !== 'open');
  }

  header.showSession(state.session);
  agenda.render(); votes.render(); decisions.render(); chair.render();
  client = new RoomClient(sessionId, { onMessage, onState });
  commands.attach(client);
  client.start();
  return () => { client.stop(); imaging.stop(); };
}
