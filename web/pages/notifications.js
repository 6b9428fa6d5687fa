// The inbox (API.md section 12): the signed-in user's notifications, newest first. Opening one
// marks it read and follows its link; the list refreshes itself when the unread count changes
// (the event stream of inbox.js).
import { get, post, query } from '../api.js';
import { h, replace } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { onUnreadChange } from '../inbox.js';

/** A notification's link (`/#/sessions/ID`) as a hash of these pages, or null if it is not one. */
export function hashOf(link) {
  const m = /^\/?(#\/[A-Za-z0-9/_-]+)$/.exec(link || '');
  return m ? m[1] : null;
}

export async function notificationsPage(main) {
  let onlyUnread = false;
  let generation = 0;
  const list = h('div', { id: 'inbox-list' }, h('p', { class: 'muted' }, '…'));
  const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite', id: 'inbox-message' });
  const errorLine = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const fail = (err) => { errorLine.textContent = err.message; errorLine.hidden = false; };
  const readAll = h('button', { type: 'button', id: 'inbox-read-all', class: 'secondary', disabled: true }, t('inbox.read_all'));
  const show = h('select', { id: 'inbox-show' },
    h('option', { value: 'all' }, t('inbox.show.all')),
    h('option', { value: 'unread' }, t('inbox.show.unread')));

  async function open(n, e) {
    // A new tab or window: let the browser do it; the notification stays as it is.
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const target = e.currentTarget.getAttribute('href');
    if (!n.read_at) {
      try { await post(`/api/me/notifications/${n.id}/read`); } catch { /* still worth following */ }
    }
    location.hash = target;
  }

  async function markRead(n, button) {
    button.disabled = true;
    try {
      await post(`/api/me/notifications/${n.id}/read`);
      await load();
    } catch (err) {
      fail(err);
      button.disabled = false;
    }
  }

  function item(n) {
    const unread = !n.read_at;
    const target = hashOf(n.link);
    const subject = unread ? h('strong', {}, n.subject) : n.subject;
    return h('li', { class: unread ? 'notification unread' : 'notification', 'data-notification-id': n.id, 'data-kind': n.kind },
      h('div', { class: 'notification-subject' },
        target ? h('a', { href: target, onclick: (e) => open(n, e) }, subject) : subject,
        unread ? h('span', { class: 'badge status-unread' }, t('inbox.unread')) : null),
      h('div', { class: 'hint' },
        t(`inbox.kind.${n.kind}`), ' · ', h('time', { datetime: n.created_at }, formatTime(n.created_at))),
      unread && !target ? h('button', {
        type: 'button', class: 'secondary', onclick: (e) => markRead(n, e.currentTarget),
      }, t('inbox.read.mark')) : null);
  }

  async function load() {
    const gen = ++generation;
    let items;
    try {
      ({ items } = await get(`/api/me/notifications${query({ unread: onlyUnread ? 'true' : undefined })}`));
    } catch (err) {
      if (gen === generation) fail(err);
      return;
    }
    if (gen !== generation) return; // a newer load is on its way
    errorLine.hidden = true;
    readAll.disabled = !items.some((n) => !n.read_at);
    replace(list, items.length
      ? h('ul', { class: 'notifications', id: 'notifications', 'aria-label': t('inbox.list') }, items.map(item))
      : h('p', { class: 'muted' }, t(onlyUnread ? 'inbox.none.unread' : 'inbox.none')));
  }

  readAll.addEventListener('click', async () => {
    readAll.disabled = true;
    status.textContent = '';
    try {
      await post('/api/me/notifications/read-all');
      await load();
      status.textContent = t('inbox.read_all.done');
    } catch (err) {
      fail(err);
      readAll.disabled = false;
    }
  });
  show.addEventListener('change', () => { onlyUnread = show.value === 'unread'; load(); });

  await load();
  replace(main,
    h('h1', {}, t('inbox.title')),
    h('div', { class: 'actions' },
      h('div', { class: 'field inline' }, h('label', { for: 'inbox-show' }, t('inbox.show')), show),
      readAll,
      h('a', { href: '#/preferences' }, t('inbox.preferences'))),
    status,
    errorLine,
    h('section', { class: 'card' }, list));
  // New notifications, or ones read elsewhere: show them without a reload.
  return onUnreadChange(() => { load(); });
}
