// The open votes of the room, one card each, and the decisions taken in this session.
import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { decisionPanel } from '../decision.js';
import { refName, userById } from './store.js';
import { voteCard } from './vote-card.js';

/** What became of the dossier, in a line (`prefix`: the key of a lead-in, e.g. "Last vote"). */
function outcomeLine(state, d, prefix) {
  const dossier = refName(state, d.dossier_id);
  const text = d.status === 'decided'
    ? t('room.decision.decided', { dossier, outcome: d.outcome })
    : t(`room.decision.${d.status}`, { dossier });
  return h('p', { class: `decision-line decision-line-${d.status}` }, prefix ? t(prefix, { text }) : text);
}

/** The open votes. `send`, `showError` and `gate` as for the room's commands. */
export function openVotes({ state, send, showError, gate }) {
  const box = h('div', { id: 'votes' });
  let cards = new Map(); // vote id → card
  let membersAsked = false;

  function nameOf(id) { return userById(state, id); }

  /** A voter who is not in the room: their name comes from the board's members, asked once. */
  async function learnNames(ids) {
    if (membersAsked || !ids.some((id) => !nameOf(id))) return;
    membersAsked = true;
    try {
      const { items } = await get(`/api/boards/${state.session.board_id}/members`);
      for (const m of items) state.members.set(m.user.id, m.user);
      for (const c of cards.values()) c.renderStanding();
    } catch { /* shown as "a member" */ }
  }

  function add(vote) {
    const card = voteCard(vote, { state, title: refName(state, vote.dossier_id), send, showError, gate, nameOf });
    cards.set(vote.id, card);
    return card;
  }

  function standing(card, s) {
    card.setStanding(s);
    // Names are shown to who chairs or votes only; a referrer does not ask for the members.
    if (s && s.voters && (state.can.chair || state.can.vote)) learnNames(s.voters);
  }

  return {
    el: h('section', { class: 'room-votes', 'aria-labelledby': 'votes-h' }, h('h2', { id: 'votes-h' }, t('room.votes.title')), box),

    hasOpenVote(dossierId) {
      return [...cards.values()].some((c) => c.vote.dossier_id === dossierId);
    },

    /**
     * The open votes as of a `welcome`: a card already shown stays, with what is typed in it;
     * its count, voters, quorum and this user's ballot are as the welcome says now.
     */
    reset(msg) {
      const old = cards;
      cards = new Map();
      const tallies = msg.tallies || {};
      const standings = msg.standings || {};
      const mine = Array.isArray(msg.my_ballots) ? new Map(msg.my_ballots.map((b) => [b.vote_id, b])) : null;
      for (const v of msg.open_votes) {
        const card = old.has(v.id) ? old.get(v.id) : add(v);
        cards.set(v.id, card);
        if (typeof tallies[v.id] === 'number') card.setCast(tallies[v.id], { exact: true });
        standing(card, standings[v.id] || null);
        if (mine) card.setMine(mine.get(v.id) || null);
      }
    },

    /** A vote just opened: nobody has voted yet. */
    opened(vote) {
      if (!cards.has(vote.id)) add(vote).setCast(0);
    },

    /** A `tally`: how many, who, and the quorum so far. */
    tally(msg) {
      const card = cards.get(msg.vote_id);
      if (!card) return;
      card.setCast(msg.cast);
      if (msg.voters || msg.quorum) standing(card, { voters: msg.voters || [], quorum: msg.quorum || null });
    },

    closed(voteId) {
      cards.delete(voteId);
    },

    /** Who is present changed: the "not yet voted" lines. */
    participants() {
      for (const c of cards.values()) c.renderStanding();
    },

    render() {
      const shown = [...cards.values()].map((c) => c.el);
      // With no vote open, what became of the last one, above the dossier.
      const last = state.decisions[state.decisions.length - 1];
      replace(box, shown.length ? shown : [
        h('p', { class: 'muted', id: 'no-votes' }, t('room.votes.none')),
        last ? h('div', { class: 'last-outcome' }, outcomeLine(state, last, 'room.votes.last')) : null,
      ]);
    },
  };
}


/** The decisions taken in this session, newest first. */
export function decisionList({ state }) {
  const box = h('div', { id: 'decisions' });
  return {
    el: h('section', { class: 'room-decisions', 'aria-labelledby': 'decisions-h' }, h('h2', { id: 'decisions-h' }, t('room.decisions.title')), box),

    add(decision) {
      if (!state.decisions.some((d) => d.id === decision.id)) state.decisions.push(decision);
    },

    render() {
      replace(box, state.decisions.length
        ? [...state.decisions].reverse().map((d) => h('div', { class: 'room-decision', 'data-dossier-id': d.dossier_id },
          outcomeLine(state, d),
          decisionPanel(d, { title: t('room.decision.title', { dossier: refName(state, d.dossier_id) }) })))
        : h('p', { class: 'muted' }, t('room.decisions.none')));
    },
  };
}
