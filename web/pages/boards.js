// The coordinator's pages: boards, a board's queue, sessions, members, settings and dossier
// template (a session's page: session.js; the weekly slot: schedule.js; the settings:
// ../boards/settings.js; the template: ../boards/template.js).
import { get, post, query } from '../api.js';
import { h, replace, field, clearErrors, showError, toUtc } from '../dom.js';
import { boardsWithRoles, forgetBoards, isAdmin, may } from '../context.js';
import { t, tn, formatTime } from '../i18n.js';
import { scheduleCard } from './schedule.js';
import { settingsCard } from '../boards/settings.js';
import { templateCard } from '../boards/template.js';
import { statusBadge, stackTable, coordPage } from '../boards/ui.js';

function roleText(role) {
  return role ? t(`boards.role.${role}`) : t('boards.role.admin');
}

export async function boardsPage(main) {
  coordPage(main);
  const boards = await boardsWithRoles();
  const mine = boards.filter((b) => b.myRole || isAdmin());
  const coordinates = boards.some((b) => b.myRole === 'coordinator' || may(b, 'export'));
  replace(main,
    h('h1', {}, t('boards.title')),
    coordinates ? h('ul', { class: 'page-links', 'aria-label': t('boards.links') },
      h('li', {}, h('a', { href: '#/queue' }, t('boards.links.queue'))),
      h('li', {}, h('a', { href: '#/reports' }, t('boards.links.reports')))) : null,
    mine.length ? h('ul', { class: 'card board-list', id: 'board-list' }, mine.map((b) => h('li', {},
      h('a', { href: `#/boards/${b.id}` }, b.name), ' ',
      h('span', { class: 'muted' }, t('boards.list.role', { role: roleText(b.myRole) })),
      b.description ? h('div', { class: 'hint' }, b.description) : null)))
      : h('p', { class: 'muted' }, t('boards.none')));
}

function sessionForm(board, onCreated) {
  const title = h('input', { id: 's-title', type: 'text', required: true, maxlength: 200, 'data-field': 'title' });
  const when = h('input', { id: 's-when', type: 'datetime-local', required: true, 'data-field': 'scheduled_at' });
  const video = h('input', { id: 's-video', type: 'url', 'data-field': 'video_url', placeholder: 'https://' });
  const button = h('button', { type: 'submit' }, t('boards.session_form.submit'));
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-session-h' },
    h('h3', { id: 'new-session-h' }, t('boards.session_form.title')),
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' },
      field(t('boards.session_form.name'), title),
      field(t('boards.session_form.when'), when, { hint: t('boards.session_form.when.hint') }),
      field(t('boards.session_form.video'), video, { hint: t('boards.session_form.video.hint') })),
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!title.value.trim()) { showError(form, { field: 'title', message: t('boards.session_form.name.missing') }); return; }
    if (!when.value) { showError(form, { field: 'scheduled_at', message: t('boards.session_form.when.missing') }); return; }
    const body = { title: title.value.trim(), scheduled_at: toUtc(when.value) };
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

/** The quorum rule and the ballots' visibility, as everyone on the page reads them. */
function ruleFacts(board) {
  const q = board.quorum || {};
  const required = q.required_specialties || [];
  return h('dl', { class: 'facts board-facts', id: 'board-rule' },
    h('dt', {}, t('boards.rule.min_voters')), h('dd', {}, String(q.min_voters)),
    h('dt', {}, t('boards.rule.min_specialties')), h('dd', {}, String(q.min_specialties)),
    h('dt', {}, t('boards.rule.required')), h('dd', {}, required.length ? required.join(', ') : t('boards.rule.required.none')),
    h('dt', {}, t('boards.rule.ballots')), h('dd', { id: 'board-ballots' },
      board.show_ballots_to_referrer ? t('boards.rule.ballots.shown') : t('boards.rule.ballots.hidden')),
    typeof board.follow_up_days === 'number' ? [
      h('dt', {}, t('boards.rule.follow_up')),
      h('dd', { id: 'board-follow-up' }, board.follow_up_days > 0
        ? tn('boards.rule.follow_up.after', board.follow_up_days) : t('boards.rule.follow_up.none'))] : null);
}

function queueSection(items) {
  return h('section', { class: 'card', 'aria-labelledby': 'queue-h' },
    h('h2', { id: 'queue-h' }, t('boards.queue.title')),
    items.length ? stackTable({
      id: 'queue',
      caption: t('boards.queue.title'),
      columns: [
        { label: t('boards.queue.reference') }, { label: t('boards.queue.dossier') }, { label: t('boards.queue.urgency') },
        { label: t('boards.queue.referrer') }, { label: t('boards.queue.submitted') }],
      rows: items.map((d) => ({
        props: { 'data-dossier-id': d.id },
        cells: [
          h('a', { href: `#/dossiers/${d.id}` }, d.reference), d.title,
          d.urgency === 'priority' ? h('strong', { class: 'urgency-priority' }, t('boards.urgency.priority')) : t('boards.urgency.routine'),
          d.referrer.organization
            ? t('boards.queue.referrer.with_org', { name: d.referrer.name, organization: d.referrer.organization })
            : d.referrer.name,
          formatTime(d.submitted_at)],
      })),
    }) : h('p', { class: 'muted' }, t('boards.queue.empty')));
}

function sessionsSection(board, sessions) {
  // The coming sessions first, soonest first; then the past and cancelled ones, latest first.
  const coming = (s) => s.status === 'planned' || s.status === 'live';
  const sorted = [
    ...sessions.filter(coming).sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at)),
    ...sessions.filter((s) => !coming(s)).sort((a, b) => b.scheduled_at.localeCompare(a.scheduled_at)),
  ];
  return h('section', { class: 'card', 'aria-labelledby': 'sessions-h' },
    h('h2', { id: 'sessions-h' }, t('boards.sessions.title')),
    sorted.length ? h('ul', { id: 'sessions', class: 'session-list' }, sorted.map((s) => h('li', {},
      h('a', { href: `#/sessions/${s.id}` }, s.title), ' ',
      h('span', {}, t('boards.sessions.when', { date: formatTime(s.scheduled_at) })), ' ',
      statusBadge('session', s.status), ' ',
      h('span', { class: 'muted' }, tn('boards.sessions.agenda', s.agenda.length)))))
      : h('p', { class: 'muted' }, t('boards.sessions.none')),
    may(board, 'plan_sessions') ? sessionForm(board, (s) => { location.hash = `#/sessions/${s.id}`; }) : null);
}

function membersSection(members) {
  return h('section', { class: 'card', 'aria-labelledby': 'members-h' },
    h('h2', { id: 'members-h' }, t('boards.members.title')),
    members.length ? stackTable({
      id: 'members',
      caption: t('boards.members.title'),
      columns: [{ label: t('boards.members.name') }, { label: t('boards.members.specialty') },
        { label: t('boards.members.organization') }, { label: t('boards.members.role') }],
      rows: members.map((m) => ({
        props: { 'data-user-id': m.user.id },
        cells: [m.user.name, m.user.specialty || '—', m.user.organization || '—', roleText(m.role)],
      })),
    }) : h('p', { class: 'muted' }, t('boards.members.none')));
}

export async function boardPage(main, id) {
  coordPage(main);
  // The board itself is read afresh (its settings may just have changed); the members too.
  const [board, queue, sessions, members, template] = await Promise.all([
    get(`/api/boards/${id}`),
    get(`/api/dossiers${query({ board_id: id, status: 'submitted' })}`),
    get(`/api/boards/${id}/sessions`),
    get(`/api/boards/${id}/members`).then((r) => r.items).catch(() => []),
    get(`/api/boards/${id}/template`).catch(() => null),
  ]);
  const schedule = await scheduleCard(board, {
    coordinates: may(board, 'plan_sessions'),
    onPlanned: () => boardPage(main, id),
  });
  const settings = may(board, 'edit') ? settingsCard(board, {
    onSaved: async () => {
      forgetBoards();
      await boardPage(main, id);
      const status = main.querySelector('#bs-status');
      if (status) status.textContent = t('boards.settings.saved');
      main.querySelector('#settings-h')?.focus();
    },
  }) : null;
  const queueItems = [...queue.items].sort((a, b) => (a.submitted_at || '').localeCompare(b.submitted_at || ''));
  replace(main,
    h('h1', {}, board.name),
    board.description ? h('p', { class: 'prewrap', id: 'board-description' }, board.description) : null,
    h('section', { class: 'card', 'aria-labelledby': 'rule-h' },
      h('h2', { id: 'rule-h' }, t('boards.rule.title')),
      ruleFacts(board)),
    queueSection(queueItems),
    schedule,
    sessionsSection(board, sessions.items),
    membersSection(members),
    templateCard(board, template, { editable: may(board, 'edit') }),
    settings);
  const heading = main.querySelector('#settings-h');
  if (heading) heading.setAttribute('tabindex', '-1');
}
