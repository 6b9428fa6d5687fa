// One open vote: its proposal and blind count; for the chair and the voters, who has voted (never
// for what) and whether the quorum would be met if it closed now; a ballot form when the server
// lets this user vote (showing their own ballot, also after a reload), the close form when they
// chair, with a confirmation before closing without quorum.
import { h, replace, field, uid } from '../dom.js';
import { t, tn, formatTime } from '../i18n.js';
import { plural, listOf } from './store.js';

/** The quorum of a vote nobody has voted on yet, from the board's rule. */
export function emptyQuorum(rule) {
  const r = rule || { min_voters: 0, min_specialties: 0, required_specialties: [] };
  const required = r.required_specialties || [];
  return {
    met: r.min_voters === 0 && r.min_specialties === 0 && required.length === 0,
    voters: 0,
    specialties: [],
    missing_specialties: [...required],
    missing_voters: r.min_voters,
    missing_specialty_count: r.min_specialties,
    rule: r,
  };
}

/** Where the quorum stands, e.g. "2 votants sur 3 requis — spécialité manquante : neuroradiology". */
export function quorumDetails(q) {
  const rule = q.rule || {};
  const parts = [plural('room.quorum.voters', q.voters, { min: rule.min_voters ?? '?' })];
  const specialties = (q.specialties || []).length;
  if ((rule.min_specialties || 0) > 1 || q.missing_specialty_count > 0) {
    parts.push(plural('room.quorum.specialties', specialties, { min: rule.min_specialties }));
  }
  const missing = q.missing_specialties || [];
  if (missing.length) parts.push(plural('room.quorum.missing', missing.length, { list: listOf(missing) }));
  return parts.join(t('room.quorum.separator'));
}

function ballotForm(vote, { send, showError, gate, onCast }) {
  const groupName = uid('ballot');
  const radios = vote.options.map((o, i) => {
    const id = `${groupName}-${i}`;
    return h('div', { class: 'field inline' },
      h('input', { type: 'radio', name: groupName, id, value: o }), h('label', { for: id }, o));
  });
  const comment = h('textarea', { id: `${groupName}-comment`, rows: 2, maxlength: 4000 });
  const conn = gate.note();
  const button = gate.button({ type: 'submit', class: 'cast-button', 'aria-describedby': conn.id }, t('room.ballot.cast'));
  const mineLine = h('p', { class: 'my-ballot', role: 'status', hidden: true });
  const form = h('form', { novalidate: true, class: 'cast-form' },
    h('fieldset', {}, h('legend', {}, t('room.ballot.legend')), radios),
    field(t('room.ballot.comment'), comment),
    h('div', { class: 'actions' }, button, conn), mineLine);
  let dirty = false; // changed since the ballot last shown: a welcome does not overwrite it
  form.addEventListener('input', () => { dirty = true; });

  function showMine(ballot) {
    mineLine.textContent = ballot ? t('room.ballot.mine', { option: ballot.option }) : '';
    mineLine.hidden = !ballot;
    button.textContent = ballot ? t('room.ballot.change') : t('room.ballot.cast');
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!gate.online) { showError(gate.reason()); return; }
    const chosen = form.querySelector(`input[name="${groupName}"]:checked`);
    if (!chosen) { showError(t('room.ballot.choose')); radios[0].querySelector('input').focus(); return; }
    gate.busy(button, true);
    const cmd = { type: 'cast', vote_id: vote.id, option: chosen.value };
    const rationale = comment.value.trim();
    if (rationale) cmd.comment = rationale;
    send(cmd, {
      onAck: () => {
        dirty = false;
        gate.busy(button, false);
        const ballot = { option: chosen.value, comment: rationale || null };
        showMine(ballot);
        onCast(ballot);
      },
      onError: () => { gate.busy(button, false); },
    });
  });

  return {
    el: form,
    /** The caller's ballot as the room keeps it (`null`: none). */
    setMine(ballot) {
      showMine(ballot);
      if (dirty || !ballot) return;
      for (const r of form.querySelectorAll(`input[name="${groupName}"]`)) r.checked = r.value === ballot.option;
      comment.value = ballot.comment || '';
    },
  };
}

/** The confirmation asked before closing a vote whose quorum is not met. */
function confirmDialog() {
  const titleId = uid('confirm-h');
  const text = h('p', { class: 'confirm-text' });
  const cancel = h('button', { type: 'submit', value: 'cancel', class: 'secondary', autofocus: true }, t('room.close.confirm.cancel'));
  const dialog = h('dialog', { class: 'confirm-close', 'aria-labelledby': titleId },
    h('form', { method: 'dialog' },
      h('h3', { id: titleId }, t('room.close.confirm.title')),
      text,
      h('p', { class: 'hint' }, t('room.close.confirm.effect')),
      h('div', { class: 'actions' },
        cancel,
        h('button', { type: 'submit', value: 'close', class: 'danger confirm-close-anyway' }, t('room.close.confirm.ok')))));
  return {
    el: dialog,
    /** Resolves true when the chair closes anyway. */
    ask(details) {
      text.textContent = t('room.close.confirm', { details });
      dialog.returnValue = '';
      return new Promise((resolve) => {
        dialog.addEventListener('close', () => resolve(dialog.returnValue === 'close'), { once: true });
        dialog.showModal();
        cancel.focus();
      });
    },
  };
}

function closeForm(vote, { send, showError, gate, quorumNow }) {
  const summary = h('textarea', { id: `close-summary-${vote.id}`, rows: 3, maxlength: 4000 });
  const conn = gate.note();
  const button = gate.button({ type: 'submit', class: 'danger close-button', 'aria-describedby': conn.id }, t('room.close.button'));
  const confirm = confirmDialog();
  const form = h('form', { novalidate: true, class: 'close-form' },
    field(t('room.close.summary'), summary),
    h('div', { class: 'actions' }, button, conn),
    confirm.el);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!gate.online) { showError(gate.reason()); return; }
    if (!summary.value.trim()) { showError(t('room.close.summary.missing')); summary.focus(); return; }
    const q = quorumNow();
    if (q && !q.met) {
      gate.busy(button, true);
      const anyway = await confirm.ask(quorumDetails(q));
      gate.busy(button, false);
      if (!anyway) { button.focus(); return; }
      if (!gate.online) { showError(gate.reason()); return; }
    }
    gate.busy(button, true);
    send({ type: 'close_vote', vote_id: vote.id, summary: summary.value.trim() }, {
      onError: () => { gate.busy(button, false); },
    });
  });
  return form;
}

/**
 * A vote's card. `state`: the room's state (what this user may do, who is present, the board's
 * rule); `title` names the dossier; `nameOf(userId)` the User of a voter, or null; `send`,
 * `showError` and `gate` as for the room's commands. The count is unknown (null) until told.
 */
export function voteCard(vote, { state, title, send, showError, gate, nameOf }) {
  const can = state.can;
  const card = { vote, cast: null, mine: null, standing: null };
  const count = h('p', { class: 'cast-count', 'aria-live': 'polite' });
  const quorumLine = h('p', { class: 'quorum-line' });
  const voted = h('p', { class: 'voted-line' });
  const waiting = h('p', { class: 'waiting-line hint' });
  const standingBox = (can.chair || can.vote)
    ? h('div', { class: 'standing', id: `standing-${vote.id}`, 'aria-live': 'polite', 'aria-label': t('room.standing.label') }, quorumLine, voted, waiting)
    : null;
  const ballot = can.vote ? ballotForm(vote, { send, showError, gate, onCast: (b) => { card.mine = b; } }) : null;

  /** The quorum as if the vote closed now: as the room last said, else from the board's rule. */
  function quorumNow() {
    if (card.standing && card.standing.quorum) return card.standing.quorum;
    return state.board ? emptyQuorum(state.board.quorum) : null;
  }

  function who(id) {
    const u = nameOf(id);
    if (!u) return t('room.standing.someone');
    return u.specialty ? t('room.standing.person', { name: u.name, specialty: u.specialty }) : u.name;
  }

  function renderStanding() {
    if (!standingBox) return;
    const q = quorumNow();
    if (q) {
      quorumLine.textContent = t(q.met ? 'room.quorum.met' : 'room.quorum.unmet', { details: quorumDetails(q) });
      quorumLine.dataset.met = String(q.met);
    } else {
      quorumLine.textContent = '';
    }
    const ids = card.standing ? card.standing.voters || [] : [];
    replace(voted, ids.length
      ? plural('room.standing.voted', ids.length, { names: listOf(ids.map(who)) })
      : t('room.standing.nobody'));
    const notYet = state.participants
      .filter((p) => (p.role === 'member' || p.role === 'coordinator') && !ids.includes(p.user.id))
      .map((p) => p.user.name);
    waiting.textContent = notYet.length ? plural('room.standing.waiting', notYet.length, { names: listOf(notYet) }) : '';
    waiting.hidden = !notYet.length;
  }

  function show() {
    count.textContent = card.cast === null ? t('room.cast.unknown') : tn('room.cast', card.cast);
  }

  card.el = h('section', { class: 'card vote', 'data-vote-id': vote.id, 'aria-label': t('room.vote.label', { proposal: vote.proposal }) },
    h('h3', {}, vote.proposal),
    h('p', { class: 'hint' }, t('room.vote.opened', { dossier: title, time: formatTime(vote.opened_at) })),
    count,
    standingBox,
    ballot ? ballot.el : null,
    can.chair ? [h('h4', {}, t('room.close.title')), closeForm(vote, { send, showError, gate, quorumNow })] : null);

  /**
   * The count of ballots cast. A `tally` only raises it (an older one may come late); a
   * `welcome` says where it stands now (`exact`).
   */
  card.setCast = (n, { exact = false } = {}) => {
    card.cast = exact ? n : Math.max(card.cast || 0, n);
    show();
  };

  /** Who has voted and the quorum so far (`{voters, quorum}`), from a `tally` or a `welcome`. */
  card.setStanding = (standing) => {
    if (standing) card.standing = standing;
    renderStanding();
  };

  /** This user's own ballot as the room keeps it (from a `welcome`). */
  card.setMine = (b) => {
    card.mine = b;
    if (ballot) ballot.setMine(b);
  };

  /** Who is present changed, or the voters' names became known. */
  card.renderStanding = renderStanding;

  show();
  renderStanding();
  return card;
}
