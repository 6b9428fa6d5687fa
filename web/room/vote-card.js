// One open vote: its proposal and blind count; a ballot form when the server lets this user
// vote, the close form when they chair.
import { h, fmtTime, field, uid } from '../dom.js';

function castText(cast) {
  return cast === null ? 'Ballots cast: shown after the next ballot' : `${cast} have voted`;
}

function ballotForm(vote, { send, showError, onCast }) {
  const groupName = uid('ballot');
  const radios = vote.options.map((o, i) => {
    const id = `${groupName}-${i}`;
    return h('div', { class: 'field inline' },
      h('input', { type: 'radio', name: groupName, id, value: o }), h('label', { for: id }, o));
  });
  const comment = h('textarea', { id: `${groupName}-comment`, rows: 2, maxlength: 4000 });
  const button = h('button', { type: 'submit' }, 'Cast ballot');
  const mineLine = h('p', { class: 'my-ballot', role: 'status' });
  const form = h('form', { novalidate: true, class: 'cast-form' },
    h('fieldset', {}, h('legend', {}, 'Your ballot'), radios),
    field('Rationale (optional)', comment),
    h('div', { class: 'actions' }, button), mineLine);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = form.querySelector(`input[name="${groupName}"]:checked`);
    if (!chosen) { showError('Choose an option before casting your ballot.'); radios[0].querySelector('input').focus(); return; }
    button.disabled = true;
    const cmd = { type: 'cast', vote_id: vote.id, option: chosen.value };
    if (comment.value.trim()) cmd.comment = comment.value.trim();
    send(cmd, {
      onAck: () => {
        mineLine.textContent = `Your ballot: ${chosen.value}`;
        button.disabled = false;
        button.textContent = 'Change ballot';
        onCast(chosen.value);
      },
      onError: () => { button.disabled = false; },
    });
  });
  return form;
}

function closeForm(vote, { send, showError }) {
  const summary = h('textarea', { id: `close-summary-${vote.id}`, rows: 3, maxlength: 4000 });
  const button = h('button', { type: 'submit', class: 'danger' }, 'Close the vote');
  const form = h('form', { novalidate: true, class: 'close-form' },
    field('Recommendation (summary of the decision)', summary),
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!summary.value.trim()) { showError('Write the recommendation before closing the vote.'); summary.focus(); return; }
    button.disabled = true;
    send({ type: 'close_vote', vote_id: vote.id, summary: summary.value.trim() }, {
      onError: () => { button.disabled = false; },
    });
  });
  return form;
}

/**
 * A vote's card. `can` is the room's { chair, vote } for this user; `title` names the dossier;
 * `send` and `showError` as for the room's commands. The count is unknown (null) until told.
 */
export function voteCard(vote, { can, title, send, showError }) {
  const card = { vote, cast: null, mine: null };
  const count = h('p', { class: 'cast-count', 'aria-live': 'polite' });
  const show = () => { count.textContent = castText(card.cast); };
  card.el = h('section', { class: 'card vote', 'data-vote-id': vote.id, 'aria-label': `Vote: ${vote.proposal}` },
    h('h3', {}, vote.proposal),
    h('p', { class: 'hint' }, `${title} · opened ${fmtTime(vote.opened_at)}`),
    count,
    can.vote ? ballotForm(vote, { send, showError, onCast: (option) => { card.mine = option; } }) : null,
    can.chair ? [h('h4', {}, 'Chair'), closeForm(vote, { send, showError })] : null);

  /** The count of ballots cast: it only grows while the vote is open. */
  card.setCast = (n) => {
    card.cast = Math.max(card.cast || 0, n);
    show();
  };
  show();
  return card;
}
