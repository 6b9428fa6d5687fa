// The coordinator's pages: boards, a board's queue and sessions (a session's page: session.js).
import { get, post, query } from '../api.js';
import { h, replace, badge, fmtTime, field, clearErrors, showError, toUtc } from '../dom.js';
import { boardsWithRoles, isAdmin, may } from '../context.js';
import { scheduleCard } from './schedule.js';

const ROLE_TEXT = { coordinator: 'Coordinator', member: 'Member' };

export async function boardsPage(main) {
  const boards = await boardsWithRoles();
  const mine = boards.filter((b) => b.myRole || isAdmin());
  replace(main,
    h('h1', {}, 'Boards & sessions'),
    mine.length ? h('ul', { class: 'card board-list' }, mine.map((b) => h('li', {},
      h('a', { href: `#/boards/${b.id}` }, b.name), ' — ',
      b.myRole ? ROLE_TEXT[b.myRole] : 'Administrator',
      b.description ? h('div', { class: 'hint' }, b.description) : null)))
      : h('p', { class: 'muted' }, 'You are not a member of any board. Referrers follow their dossiers on the Dossiers page.'));
}

function sessionForm(board, onCreated) {
  const title = h('input', { id: 's-title', type: 'text', required: true, maxlength: 200, 'data-field': 'title' });
  const when = h('input', { id: 's-when', type: 'datetime-local', required: true, 'data-field': 'scheduled_at' });
  const video = h('input', { id: 's-video', type: 'url', 'data-field': 'video_url', placeholder: 'https://' });
  const button = h('button', { type: 'submit' }, 'Plan session');
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-session-h' },
    h('h3', { id: 'new-session-h' }, 'Plan a session'),
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' }, field('Title', title), field('Date and time', when), field('Video call link', video, { hint: 'Optional; http or https.' })),
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!when.value) { showError(form, { field: 'scheduled_at', message: 'scheduled_at: choose the date and time' }); return; }
    const body = { title: title.value, scheduled_at: toUtc(when.value) };
    if (video.value.trim()) body.video_url = video.value.trim();
    button.disabled = true;
    try {
      const s = await post(`/api/boards/${board.id}/sessions`, body);
      onCreated(s);
    } catch (err) {
      showError(form, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function boardPage(main, id) {
  const boards = await boardsWithRoles();
  const board = boards.find((b) => b.id === id) || await get(`/api/boards/${id}`);
  const [queue, sessions] = await Promise.all([
    get(`/api/dossiers${query({ board_id: id, status: 'submitted' })}`),
    get(`/api/boards/${id}/sessions`),
  ]);
  const q = board.quorum || {};
  const schedule = await scheduleCard(board, {
    coordinates: may(board, 'plan_sessions'),
    onPlanned: () => boardPage(main, id),
  });
  replace(main,
    h('h1', {}, board.name),
    board.description ? h('p', {}, board.description) : null,
    h('p', { class: 'muted' }, `Quorum: ${q.min_voters} voters from ${q.min_specialties} specialties`,
      q.required_specialties && q.required_specialties.length ? `, including ${q.required_specialties.join(', ')}` : '', '.'),
    h('section', { class: 'card', 'aria-labelledby': 'queue-h' },
      h('h2', { id: 'queue-h' }, 'Queue: submitted dossiers'),
      queue.items.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'queue' },
        h('thead', {}, h('tr', {}, ['Reference', 'Title', 'Urgency', 'Referrer', 'Submitted'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, queue.items.map((d) => h('tr', { 'data-dossier-id': d.id },
          h('td', {}, h('a', { href: `#/dossiers/${d.id}` }, d.reference)), h('td', {}, d.title),
          h('td', {}, d.urgency === 'priority' ? h('strong', {}, 'priority') : 'routine'),
          h('td', {}, `${d.referrer.name}${d.referrer.organization ? `, ${d.referrer.organization}` : ''}`),
          h('td', {}, fmtTime(d.submitted_at)))))))
        : h('p', { class: 'muted' }, 'No dossier is waiting.')),
    schedule,
    h('section', { class: 'card', 'aria-labelledby': 'sessions-h' },
      h('h2', { id: 'sessions-h' }, 'Sessions'),
      sessions.items.length ? h('ul', { id: 'sessions' }, sessions.items.map((s) => h('li', {},
        h('a', { href: `#/sessions/${s.id}` }, s.title), ` — ${fmtTime(s.scheduled_at)} `, badge(s.status),
        ` · ${s.agenda.length} on the agenda`)))
        : h('p', { class: 'muted' }, 'No session yet.'),
      may(board, 'plan_sessions') ? sessionForm(board, (s) => { location.hash = `#/sessions/${s.id}`; }) : null),
    h('section', { class: 'card', 'aria-labelledby': 'members-h' },
      h('h2', { id: 'members-h' }, 'Members'),
      h('ul', {}, (board.members || []).map((m) => h('li', {},
        `${m.user.name}${m.user.specialty ? ` — ${m.user.specialty}` : ''} (${ROLE_TEXT[m.role] || m.role})`)))));
}
