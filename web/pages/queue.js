// The coordinator's queue: the submitted dossiers of the boards they coordinate (every board
// for an administrator), oldest first, each with the next planned session of its board where
// the coordinator can put it on the agenda at once.
import { get, post, query } from '../api.js';
import { h, replace } from '../dom.js';
import { boardsWithRoles, isAdmin, may } from '../context.js';
import { t, tn, formatTime } from '../i18n.js';
import { stackTable, coordPage } from '../boards/ui.js';

/** The board's next session still to come (planned), soonest first. */
function nextSession(sessions, now = Date.now()) {
  return sessions
    .filter((s) => s.status === 'planned' && Date.parse(s.scheduled_at) >= now)
    .sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at))[0] || null;
}

export async function queuePage(container) {
  coordPage(container);
  const boards = await boardsWithRoles();
  const admin = isAdmin();
  const mine = boards.filter((b) => admin || b.myRole === 'coordinator');
  if (!mine.length) {
    replace(container, h('h1', {}, t('queue.title')), h('p', { class: 'muted', id: 'queue-none' }, t('queue.not_coordinator')));
    return;
  }
  const byId = new Map(mine.map((b) => [b.id, b]));
  const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite', id: 'queue-message' });
  const errorLine = h('p', { class: 'form-error', role: 'alert', id: 'queue-error', hidden: true });
  const body = h('div', { id: 'queue-body' });

  async function load() {
    // One list call: the server returns what the caller may see; the page keeps the boards
    // the caller coordinates (a coordinator may also refer dossiers to other boards).
    const [{ items }, sessionLists] = await Promise.all([
      get(`/api/dossiers${query({ status: 'submitted' })}`),
      Promise.all(mine.map((b) => get(`/api/boards/${b.id}/sessions`).then((r) => [b.id, r.items]).catch(() => [b.id, []]))),
    ]);
    const next = new Map(sessionLists.map(([id, list]) => [id, nextSession(list)]));
    const waiting = items
      .filter((d) => byId.has(d.board_id) && d.status === 'submitted')
      .sort((a, b) => (a.submitted_at || a.created_at).localeCompare(b.submitted_at || b.created_at));
    const priority = waiting.filter((d) => d.urgency === 'priority').length;

    const sessionCell = (d) => {
      const s = next.get(d.board_id);
      if (!s) {
        return h('span', {}, t('queue.session.none'), ' ',
          h('a', { href: `#/boards/${d.board_id}` }, t('queue.session.plan', { board: byId.get(d.board_id).name })));
      }
      const link = h('a', { href: `#/sessions/${s.id}` }, t('queue.session.link', { title: s.title, date: formatTime(s.scheduled_at) }));
      if (!may(s, 'manage_agenda')) return link;
      const add = h('button', {
        type: 'button',
        class: 'secondary',
        'data-action': 'schedule',
        'aria-label': t('queue.session.add.label', { reference: d.reference, date: formatTime(s.scheduled_at) }),
        onclick: async () => {
          add.disabled = true;
          errorLine.hidden = true;
          status.textContent = '';
          try {
            await post(`/api/sessions/${s.id}/agenda`, { dossier_id: d.id });
            await load();
            status.textContent = t('queue.session.added', { reference: d.reference, date: formatTime(s.scheduled_at) });
            container.querySelector('h1')?.focus();
          } catch (err) {
            errorLine.textContent = t('queue.session.add.failed', { reference: d.reference, detail: err.message });
            errorLine.hidden = false;
            add.disabled = false;
          }
        },
      }, t('queue.session.add'));
      return h('div', { class: 'queue-session' }, link, add);
    };

    replace(body,
      h('p', { id: 'queue-count' }, waiting.length
        ? [tn('queue.count', waiting.length), priority ? [' ', h('strong', {}, tn('queue.count.priority', priority))] : null]
        : t('queue.empty')),
      waiting.length ? stackTable({
        id: 'coordinator-queue',
        caption: t('queue.table'),
        columns: [
          { label: t('queue.col.submitted') }, { label: t('queue.col.dossier') }, { label: t('queue.col.board') },
          { label: t('queue.col.urgency') }, { label: t('queue.col.referrer') }, { label: t('queue.col.session') }],
        rows: waiting.map((d) => ({
          props: { 'data-dossier-id': d.id, class: d.urgency === 'priority' ? 'priority' : null },
          cells: [
            h('time', { datetime: d.submitted_at }, formatTime(d.submitted_at)),
            [h('a', { href: `#/dossiers/${d.id}` }, d.reference), h('div', {}, d.title)],
            byId.get(d.board_id).name,
            d.urgency === 'priority'
              ? h('strong', { class: 'urgency-priority' }, t('boards.urgency.priority'))
              : t('boards.urgency.routine'),
            [h('div', {}, d.referrer.organization || t('queue.organization.unknown')), h('div', { class: 'muted' }, d.referrer.name)],
            sessionCell(d)],
        })),
      }) : null);
  }

  replace(container,
    h('h1', {}, t('queue.title')),
    h('p', { class: 'muted' }, admin ? t('queue.intro.admin') : t('queue.intro')),
    status, errorLine, body);
  await load();
}
