// The live review room: agenda, focused dossier, presence, chat, votes, chair controls and the
// decisions taken, over the room protocol with automatic reconnection.
import { get } from '../api.js';
import { h, replace, badge, fmtTime, field, uid } from '../dom.js';
import { RoomClient } from '../live.js';
import { attachmentTable } from '../attachments.js';
import { decisionPanel } from '../decision.js';

const ROLE_TEXT = { coordinator: 'chair', member: 'member', referrer: 'referrer', admin: 'admin' };
const STATE_TEXT = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Disconnected',
  closed: 'Left the room',
};

function timeOf(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export async function roomPage(main, sessionId) {
  const state = {
    session: await get(`/api/sessions/${sessionId}`),
    you: null,
    myRole: null,
    participants: [],
    current: null,
    votes: new Map(), // vote id → { vote, cast, mine, card }
    decisions: [],
    pending: new Map(), // request id → { onAck, onError }
  };

  // The page's fixed parts, built once; their contents are updated as messages arrive.
  const status = h('span', { class: 'conn conn-connecting', role: 'status', id: 'room-status', 'aria-live': 'polite' }, STATE_TEXT.connecting);
  const errorLine = h('p', { class: 'room-error', role: 'alert', id: 'room-error', hidden: true });
  const videoSlot = h('span');
  const title = h('h1', {}, state.session.title);
  const agendaList = h('ol', { class: 'agenda-list', id: 'room-agenda' });
  const focusBox = h('div', { id: 'focus' }, h('p', { class: 'muted' }, 'The chair has not focused a dossier yet.'));
  const chairBox = h('div', { id: 'chair-controls' });
  const votesBox = h('div', { id: 'votes' });
  const decisionsBox = h('div', { id: 'decisions' });
  const presenceList = h('ul', { class: 'presence', id: 'presence' });
  const presenceStale = h('p', { class: 'hint', hidden: true }, 'As of the last connection.');
  const chatLog = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Discussion so far', id: 'chat-log', tabindex: '0' });
  const chatInput = h('input', { id: 'chat-text', type: 'text', maxlength: 4000, autocomplete: 'off' });
  const chatForm = h('form', { id: 'chat-form', novalidate: true, 'aria-label': 'Send to the room' },
    field('Chat message', chatInput), h('button', { type: 'submit' }, 'Send'));

  replace(main,
    h('div', { class: 'room-head' }, title, status, videoSlot,
      h('a', { href: `#/sessions/${sessionId}` }, 'Session page')),
    errorLine,
    h('div', { class: 'room' },
      h('section', { class: 'card agenda-col', 'aria-labelledby': 'agenda-h' }, h('h2', { id: 'agenda-h' }, 'Agenda'), agendaList),
      h('div', {},
        h('section', { class: 'card', 'aria-labelledby': 'focus-h' }, h('h2', { id: 'focus-h' }, 'Dossier under review'), focusBox),
        chairBox,
        h('section', { 'aria-labelledby': 'votes-h' }, h('h2', { id: 'votes-h' }, 'Open votes'), votesBox),
        h('section', { 'aria-labelledby': 'decisions-h' }, h('h2', { id: 'decisions-h' }, 'Decisions in this session'), decisionsBox)),
      h('div', {},
        h('section', { class: 'card', 'aria-labelledby': 'presence-h' }, h('h2', { id: 'presence-h' }, 'Present'), presenceStale, presenceList),
        h('section', { class: 'card', 'aria-labelledby': 'chat-h' }, h('h2', { id: 'chat-h' }, 'Discussion'), chatLog, chatForm))));

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = !message;
  }

  const isChair = () => state.myRole === 'coordinator';
  const canVote = () => state.myRole === 'coordinator' || state.myRole === 'member';

  function command(cmd, { onAck, onError } = {}) {
    showError('');
    try {
      const id = client.send(cmd);
      state.pending.set(id, { onAck, onError });
      return id;
    } catch (err) {
      showError(err.message);
      if (onError) onError(err.message);
      return null;
    }
  }

  function logLine(parts, cls) {
    const atBottom = chatLog.scrollTop + chatLog.clientHeight >= chatLog.scrollHeight - 8;
    chatLog.append(h('p', { class: cls }, parts));
    if (atBottom) chatLog.scrollTop = chatLog.scrollHeight;
  }

  function agendaItem(dossierId) {
    return state.session.agenda.find((a) => a.dossier_id === dossierId);
  }

  function refName(dossierId) {
    const a = agendaItem(dossierId);
    return a ? `${a.reference} — ${a.title}` : 'a dossier';
  }

  function renderVideo() {
    replace(videoSlot, state.session.video_url
      ? h('a', { class: 'button secondary', href: state.session.video_url, target: '_blank', rel: 'noopener noreferrer', id: 'video-link' }, 'Open the video call')
      : null);
  }

  function renderAgenda() {
    replace(agendaList, state.session.agenda.length ? state.session.agenda.map((a) => h('li', {
      'aria-current': a.dossier_id === state.current ? 'true' : null, 'data-dossier-id': a.dossier_id,
    },
    h('div', {}, h('strong', {}, a.reference), ' ', badge(a.status)),
    h('div', {}, a.title),
    isChair() && a.dossier_id !== state.current ? h('button', {
      type: 'button', class: 'secondary', 'aria-label': `Focus ${a.reference}`,
      onclick: () => command({ type: 'focus', dossier_id: a.dossier_id }),
    }, 'Focus') : null,
    a.dossier_id === state.current ? h('div', { class: 'hint' }, 'under review') : null))
      : h('li', { class: 'muted' }, 'The agenda is empty.'));
  }

  function renderPresence() {
    replace(presenceList, state.participants.map((p) => h('li', { 'data-user-id': p.user.id },
      h('strong', {}, p.user.name), state.you && p.user.id === state.you.id ? ' (you)' : '',
      h('div', { class: 'hint' }, [p.user.specialty, ROLE_TEXT[p.role] || p.role].filter(Boolean).join(' · ')))));
  }

  let focusToken = 0;
  async function renderFocus() {
    const token = ++focusToken;
    if (!state.current) {
      replace(focusBox, h('p', { class: 'muted' }, 'The chair has not focused a dossier yet.'));
      renderChair();
      return;
    }
    try {
      const d = await get(`/api/dossiers/${state.current}`);
      if (token !== focusToken) return;
      const p = d.patient;
      replace(focusBox,
        h('h3', { id: 'focus-title' }, `${d.reference} — ${d.title}`),
        h('p', {}, badge(d.status), ` · ${d.urgency} · referred by ${d.referrer.name}${d.referrer.organization ? ` (${d.referrer.organization})` : ''}`),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Patient'), h('dd', {}, `${p.pseudonym}${p.birth_year ? `, born ${p.birth_year}` : ''}${p.sex ? `, ${p.sex}` : ''}`),
          h('dt', {}, 'Question'), h('dd', { class: 'prewrap' }, d.question || '—'),
          h('dt', {}, 'History'), h('dd', { class: 'prewrap' }, d.history || '—')),
        h('h4', {}, 'Attachments'),
        attachmentTable(d.attachments));
    } catch (err) {
      if (token !== focusToken) return;
      replace(focusBox, h('p', {}, refName(state.current)), h('p', { class: 'muted' }, `The dossier cannot be shown: ${err.message}`));
    }
    renderChair();
  }

  function renderChair() {
    if (!isChair()) { replace(chairBox); return; }
    const openForFocus = [...state.votes.values()].some((v) => v.vote.dossier_id === state.current);
    const focused = agendaItem(state.current);
    if (focused && focused.status === 'decided') {
      replace(chairBox, h('section', { class: 'card', 'aria-label': 'Chair controls' },
        h('h2', {}, 'Chair'), h('p', { class: 'muted' }, 'This dossier is decided; focus the next one on the agenda.')));
      return;
    }
    if (!state.current || openForFocus) {
      replace(chairBox, h('section', { class: 'card', 'aria-label': 'Chair controls' },
        h('h2', {}, 'Chair'),
        h('p', { class: 'muted' }, state.current ? 'A vote is open on this dossier; close it below.' : 'Focus a dossier of the agenda to open a vote on it.')));
      return;
    }
    const proposal = h('input', { id: 'vote-proposal', type: 'text', maxlength: 2000 });
    const options = h('textarea', { id: 'vote-options', rows: 3 });
    options.value = 'Approve\nReject\nMore investigations';
    const button = h('button', { type: 'submit' }, 'Open the vote');
    const form = h('form', { class: 'card', novalidate: true, id: 'open-vote-form', 'aria-labelledby': 'chair-h' },
      h('h2', { id: 'chair-h' }, 'Chair: open a vote'),
      h('p', { class: 'hint' }, `On ${refName(state.current)}`),
      field('Proposal', proposal),
      field('Options', options, { hint: 'One option per line, 2 to 10.' }),
      h('div', { class: 'actions' }, button));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const opts = options.value.split('\n').map((s) => s.trim()).filter(Boolean);
      if (!proposal.value.trim()) { showError('Write the proposal to vote on.'); proposal.focus(); return; }
      if (opts.length < 2) { showError('Give at least two options, one per line.'); options.focus(); return; }
      button.disabled = true;
      command({ type: 'open_vote', dossier_id: state.current, proposal: proposal.value.trim(), options: opts }, {
        onError: () => { button.disabled = false; },
      });
    });
    replace(chairBox, form);
  }

  function castText(v) {
    return v.cast === null ? 'Ballots cast: shown after the next ballot' : `${v.cast} have voted`;
  }

  function voteCard(vote) {
    const entry = { vote, cast: null, mine: null, card: null };
    const count = h('p', { class: 'cast-count', 'aria-live': 'polite' });
    const mineLine = h('p', { class: 'my-ballot', role: 'status' });
    entry.update = () => {
      count.textContent = castText(entry);
      mineLine.textContent = entry.mine ? `Your ballot: ${entry.mine}` : '';
    };
    const parts = [
      h('h3', {}, vote.proposal),
      h('p', { class: 'hint' }, `${refName(vote.dossier_id)} · opened ${fmtTime(vote.opened_at)}`),
      count,
    ];
    if (canVote()) {
      const groupName = uid('ballot');
      const radios = vote.options.map((o, i) => {
        const id = `${groupName}-${i}`;
        return h('div', { class: 'field inline' },
          h('input', { type: 'radio', name: groupName, id, value: o }), h('label', { for: id }, o));
      });
      const comment = h('textarea', { id: `${groupName}-comment`, rows: 2, maxlength: 4000 });
      const button = h('button', { type: 'submit' }, 'Cast ballot');
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
        command(cmd, {
          onAck: () => { entry.mine = chosen.value; entry.update(); button.disabled = false; button.textContent = 'Change ballot'; },
          onError: () => { button.disabled = false; },
        });
      });
      parts.push(form);
    }
    if (isChair()) {
      const summary = h('textarea', { id: `close-summary-${vote.id}`, rows: 3, maxlength: 4000 });
      const button = h('button', { type: 'submit', class: 'danger' }, 'Close the vote');
      const form = h('form', { novalidate: true, class: 'close-form' },
        field('Recommendation (summary of the decision)', summary),
        h('div', { class: 'actions' }, button));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (!summary.value.trim()) { showError('Write the recommendation before closing the vote.'); summary.focus(); return; }
        button.disabled = true;
        command({ type: 'close_vote', vote_id: vote.id, summary: summary.value.trim() }, {
          onError: () => { button.disabled = false; },
        });
      });
      parts.push(h('h4', {}, 'Chair'), form);
    }
    entry.card = h('section', { class: 'card vote', 'data-vote-id': vote.id, 'aria-label': `Vote: ${vote.proposal}` }, parts);
    entry.update();
    return entry;
  }

  function addVote(vote, cast) {
    if (state.votes.has(vote.id)) return;
    const entry = voteCard(vote);
    if (cast !== undefined) entry.cast = cast;
    entry.update();
    state.votes.set(vote.id, entry);
  }

  function renderVotes() {
    const cards = [...state.votes.values()].map((v) => v.card);
    replace(votesBox, cards.length ? cards : h('p', { class: 'muted', id: 'no-votes' }, 'No vote is open.'));
  }

  function renderDecisions() {
    replace(decisionsBox, state.decisions.length
      ? [...state.decisions].reverse().map((d) => decisionPanel(d, { title: `Decision on ${refName(d.dossier_id)}` }))
      : h('p', { class: 'muted' }, 'No decision yet.'));
  }

  async function refreshSession() {
    try { state.session = await get(`/api/sessions/${sessionId}`); renderAgenda(); renderChair(); } catch { /* kept as it was */ }
  }

  function onMessage(msg) {
    switch (msg.type) {
      case 'welcome': {
        state.session = msg.session;
        state.you = msg.you;
        state.participants = msg.participants;
        const me = msg.participants.find((p) => p.user.id === msg.you.id);
        state.myRole = me ? me.role : null;
        state.current = msg.current_dossier_id;
        // The open votes as of now; any kept count stays (it only grows while a vote is open).
        const old = state.votes;
        state.votes = new Map();
        for (const v of msg.open_votes) {
          const prev = old.get(v.id);
          if (prev) state.votes.set(v.id, prev);
          else addVote(v);
        }
        title.textContent = msg.session.title;
        renderVideo(); renderAgenda(); renderPresence(); renderVotes(); renderFocus();
        break;
      }
      case 'presence':
        state.participants = msg.participants;
        renderPresence();
        break;
      case 'chat':
        logLine([h('span', { class: 'muted' }, `${timeOf(msg.at)} `), h('span', { class: 'who' }, `${msg.by.name}: `), msg.text]);
        break;
      case 'focus':
        state.current = msg.dossier_id;
        // A referrer is told the focus moved away from their case, not where (dossier_id null).
        logLine(msg.dossier_id
          ? `${timeOf(msg.at)} ${msg.by.name} focused ${refName(msg.dossier_id)}.`
          : `${timeOf(msg.at)} ${msg.by.name} moved on to another case.`, 'sys');
        renderAgenda(); renderFocus();
        break;
      case 'vote_opened':
        addVote(msg.vote, 0);
        logLine(`${timeOf(msg.at)} ${msg.by.name} opened a vote: ${msg.vote.proposal}`, 'sys');
        renderVotes(); renderChair();
        break;
      case 'tally': {
        const v = state.votes.get(msg.vote_id);
        if (v) { v.cast = Math.max(v.cast || 0, msg.cast); v.update(); }
        break;
      }
      case 'vote_closed': {
        state.votes.delete(msg.vote_id);
        if (!state.decisions.some((d) => d.id === msg.decision.id)) state.decisions.push(msg.decision);
        const outcome = msg.decision.outcome || msg.decision.status.replace('_', ' ');
        logLine(`${timeOf(msg.at)} ${msg.by.name} closed the vote on ${refName(msg.decision.dossier_id)}: ${outcome}.`, 'sys');
        renderVotes(); renderDecisions(); renderChair();
        refreshSession();
        if (msg.decision.dossier_id === state.current) renderFocus();
        break;
      }
      case 'ack': {
        const p = state.pending.get(msg.request_id);
        state.pending.delete(msg.request_id);
        if (p && p.onAck) p.onAck(msg);
        break;
      }
      case 'error': {
        const p = msg.request_id ? state.pending.get(msg.request_id) : null;
        if (msg.request_id) state.pending.delete(msg.request_id);
        showError(`The room refused that: ${msg.message}`);
        if (p && p.onError) p.onError(msg.message);
        break;
      }
      default:
        break; // pong and future message types
    }
  }

  function onState(name, detail = {}) {
    status.className = `conn conn-${name}`;
    let text = STATE_TEXT[name] || name;
    if (name === 'reconnecting' && detail.attempt) text = `Reconnecting… (attempt ${detail.attempt})`;
    if (name === 'failed' && detail.message) text = `Disconnected: ${detail.message}`;
    status.textContent = text;
    status.dataset.state = name;
    presenceStale.hidden = name === 'open';
    if (name === 'failed') showError(detail.message || 'Disconnected from the room.');
    if (name === 'open' && errorLine.textContent.startsWith('Not connected')) showError('');
  }

  chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = chatInput.value.trim();
    if (!text) return;
    const sent = command({ type: 'chat', text }, { onError: () => { if (!chatInput.value) chatInput.value = text; } });
    if (sent) chatInput.value = '';
  });

  renderVideo(); renderAgenda(); renderVotes(); renderDecisions();
  const client = new RoomClient(sessionId, { onMessage, onState });
  client.start();
  return () => client.stop();
}
