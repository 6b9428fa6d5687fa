// The open votes of the room, one card each, and the decisions taken in this session.
import { h, replace } from '../dom.js';
import { decisionPanel } from '../decision.js';
import { refName } from './store.js';
import { voteCard } from './vote-card.js';

/** The open votes. `send` and `showError` as for the room's commands. */
export function openVotes({ state, send, showError }) {
  const box = h('div', { id: 'votes' });
  let cards = new Map(); // vote id → card

  function add(vote) {
    const card = voteCard(vote, { can: state.can, title: refName(state, vote.dossier_id), send, showError });
    cards.set(vote.id, card);
    return card;
  }

  return {
    el: h('section', { 'aria-labelledby': 'votes-h' }, h('h2', { id: 'votes-h' }, 'Open votes'), box),

    hasOpenVote(dossierId) {
      return [...cards.values()].some((c) => c.vote.dossier_id === dossierId);
    },

    /** The open votes as of a `welcome`: a card already shown stays, with its count and ballot. */
    reset(votes) {
      const old = cards;
      cards = new Map();
      for (const v of votes) {
        if (old.has(v.id)) cards.set(v.id, old.get(v.id));
        else add(v);
      }
    },

    /** A vote just opened: nobody has voted yet. */
    opened(vote) {
      if (!cards.has(vote.id)) add(vote).setCast(0);
    },

    tally(voteId, cast) {
      const card = cards.get(voteId);
      if (card) card.setCast(cast);
    },

    closed(voteId) {
      cards.delete(voteId);
    },

    render() {
      const shown = [...cards.values()].map((c) => c.el);
      replace(box, shown.length ? shown : h('p', { class: 'muted', id: 'no-votes' }, 'No vote is open.'));
    },
  };
}

/** The decisions taken in this session, newest first. */
export function decisionList({ state }) {
  const box = h('div', { id: 'decisions' });
  return {
    el: h('section', { 'aria-labelledby': 'decisions-h' }, h('h2', { id: 'decisions-h' }, 'Decisions in this session'), box),

    add(decision) {
      if (!state.decisions.some((d) => d.id === decision.id)) state.decisions.push(decision);
    },

    render() {
      replace(box, state.decisions.length
        ? [...state.decisions].reverse().map((d) => decisionPanel(d, { title: `Decision on ${refName(state, d.dossier_id)}` }))
        : h('p', { class: 'muted' }, 'No decision yet.'));
    },
  };
}
