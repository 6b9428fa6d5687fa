// The chair's controls: open a vote on the focused dossier. Shown when the server says this
// user chairs the room (`state.can.chair`). The form being written is kept across redraws (a
// reconnection, a closed vote elsewhere) until its vote is open.
import { h, replace, field } from '../dom.js';
import { t } from '../i18n.js';
import { agendaItem, refName } from './store.js';

function note(text) {
  return h('section', { class: 'card chair-note', 'aria-labelledby': 'chair-h' },
    h('h2', { id: 'chair-h' }, t('room.chair.title')), h('p', { class: 'muted' }, text));
}

/** The last decision of this session on the dossier, if any. */
function lastDecision(state, dossierId) {
  return [...state.decisions].reverse().find((d) => d.dossier_id === dossierId) || null;
}

/**
 * `hasOpenVote(dossierId)`: whether a vote is open on that dossier; `send(cmd, handlers)` sends
 * a room command; `showError(text)` shows the room's error line; `gate`: the connection gate.
 */
export function chairControls({ state, hasOpenVote, send, showError, gate }) {
  const box = h('div', { id: 'chair-controls' });
  let kept = null; // { dossierId, form }: the open-vote form being written

  function openVoteForm(dossierId) {
    const proposal = h('input', { id: 'vote-proposal', type: 'text', maxlength: 2000 });
    const options = h('textarea', { id: 'vote-options', rows: 3 });
    options.value = t('room.chair.options.default');
    const conn = gate.note();
    const button = gate.button({ type: 'submit', 'aria-describedby': conn.id }, t('room.chair.open'));
    const form = h('form', { class: 'card', novalidate: true, id: 'open-vote-form', 'aria-labelledby': 'chair-h' },
      h('h2', { id: 'chair-h' }, t('room.chair.open.title')),
      h('p', { class: 'hint' }, t('room.chair.on', { dossier: refName(state, dossierId) })),
      field(t('room.chair.proposal'), proposal),
      field(t('room.chair.options'), options, { hint: t('room.chair.options.hint') }),
      h('div', { class: 'actions' }, button, conn));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!gate.online) { showError(gate.reason()); return; }
      const opts = options.value.split('\n').map((s) => s.trim()).filter(Boolean);
      if (!proposal.value.trim()) { showError(t('room.chair.proposal.missing')); proposal.focus(); return; }
      if (opts.length < 2) { showError(t('room.chair.options.missing')); options.focus(); return; }
      gate.busy(button, true);
      send({ type: 'open_vote', dossier_id: dossierId, proposal: proposal.value.trim(), options: opts }, {
        onAck: () => { gate.busy(button, false); if (kept && kept.form === form) kept = null; },
        onError: () => { gate.busy(button, false); },
      });
    });
    return { dossierId, form };
  }

  return {
    el: box,

    render() {
      if (!state.can.chair) { replace(box); return; }
      const id = state.current;
      const focused = agendaItem(state, id);
      if (!id) {
        replace(box, note(t('room.chair.nofocus')));
      } else if (focused && focused.status === 'decided') {
        replace(box, note(t('room.chair.decided')));
      } else if (!focused) {
        // Off the agenda: requeued after a vote without quorum or tied (or taken off it).
        const last = lastDecision(state, id);
        replace(box, note(last && last.status !== 'decided' ? t(`room.chair.left.${last.status}`) : t('room.chair.offagenda')));
      } else if (hasOpenVote(id)) {
        // The vote's card, right below, has the close form.
        replace(box);
      } else {
        if (!kept || kept.dossierId !== id) kept = openVoteForm(id);
        if (kept.form.parentNode !== box) replace(box, kept.form);
      }
    },
  };
}
