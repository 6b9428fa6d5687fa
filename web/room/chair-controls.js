// The chair's controls: open a vote on the focused dossier. Shown when the server says this
// user chairs the room (`state.can.chair`).
import { h, replace, field } from '../dom.js';
import { agendaItem, refName } from './store.js';

function note(text) {
  return h('section', { class: 'card', 'aria-label': 'Chair controls' }, h('h2', {}, 'Chair'), h('p', { class: 'muted' }, text));
}

/**
 * `hasOpenVote(dossierId)`: whether a vote is open on that dossier; `send(cmd, handlers)` sends
 * a room command; `showError(text)` shows the room's error line.
 */
export function chairControls({ state, hasOpenVote, send, showError }) {
  const box = h('div', { id: 'chair-controls' });

  function openVoteForm(dossierId) {
    const proposal = h('input', { id: 'vote-proposal', type: 'text', maxlength: 2000 });
    const options = h('textarea', { id: 'vote-options', rows: 3 });
    options.value = 'Approve\nReject\nMore investigations';
    const button = h('button', { type: 'submit' }, 'Open the vote');
    const form = h('form', { class: 'card', novalidate: true, id: 'open-vote-form', 'aria-labelledby': 'chair-h' },
      h('h2', { id: 'chair-h' }, 'Chair: open a vote'),
      h('p', { class: 'hint' }, `On ${refName(state, dossierId)}`),
      field('Proposal', proposal),
      field('Options', options, { hint: 'One option per line, 2 to 10.' }),
      h('div', { class: 'actions' }, button));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const opts = options.value.split('\n').map((s) => s.trim()).filter(Boolean);
      if (!proposal.value.trim()) { showError('Write the proposal to vote on.'); proposal.focus(); return; }
      if (opts.length < 2) { showError('Give at least two options, one per line.'); options.focus(); return; }
      button.disabled = true;
      send({ type: 'open_vote', dossier_id: dossierId, proposal: proposal.value.trim(), options: opts }, {
        onError: () => { button.disabled = false; },
      });
    });
    return form;
  }

  return {
    el: box,

    render() {
      if (!state.can.chair) { replace(box); return; }
      const id = state.current;
      const focused = agendaItem(state, id);
      if (focused && focused.status === 'decided') {
        replace(box, note('This dossier is decided; focus the next one on the agenda.'));
      } else if (!id) {
        replace(box, note('Focus a dossier of the agenda to open a vote on it.'));
      } else if (hasOpenVote(id)) {
        replace(box, note('A vote is open on this dossier; close it below.'));
      } else {
        replace(box, openVoteForm(id));
      }
    },
  };
}
