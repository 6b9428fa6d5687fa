// Consilium's pages: a single-page app with hash routes over the public API.
import { session, setUnauthenticatedHandler } from './api.js';
import { h, replace } from './dom.js';
import { forgetBoards } from './context.js';
import { loginPage, logout } from './pages/login.js';
import { dossierListPage, newDossierPage, dossierPage } from './pages/dossiers.js';
import { boardsPage, boardPage } from './pages/boards.js';
import { sessionPage } from './pages/session.js';
import { notificationsPage } from './pages/notifications.js';
import { preferencesPage } from './pages/preferences.js';
import { inboxLink, startInbox, stopInbox } from './inbox.js';
import { startKeepAlive } from './keepalive.js';
import { t } from './i18n.js';
import { roomPage } from './pages/room.js';
import { decisionsPage } from './pages/decisions.js';
import { queuePage } from './pages/queue.js';
import { reportsPage } from './pages/reports.js';

const routes = [
  [/^\/login$/, loginPage, 'Sign in', false],
  [/^\/dossiers$/, dossierListPage, 'Dossiers', true],
  [/^\/dossiers\/new$/, newDossierPage, 'New dossier', true],
  [/^\/dossiers\/([0-9a-f-]+)$/, dossierPage, 'Dossier', true],
  [/^\/boards$/, boardsPage, 'Boards', true],
  [/^\/boards\/([0-9a-f-]+)$/, boardPage, 'Board', true],
  [/^\/sessions\/([0-9a-f-]+)$/, sessionPage, 'Session', true],
  [/^\/sessions\/([0-9a-f-]+)\/live$/, roomPage, 'Live room', true],
  [/^\/decisions$/, decisionsPage, 'Decisions', true],
  [/^\/queue$/, queuePage, 'Queue', true],
  [/^\/reports$/, reportsPage, 'Reports', true],
  [/^\/notifications$/, notificationsPage, 'Notifications', true],
  [/^\/preferences$/, preferencesPage, 'Preferences', true],
];

const NAV = [
  ['#/dossiers', 'Dossiers'],
  ['#/boards', 'Boards & sessions'],
  ['#/decisions', 'Decisions'],
];

let cleanup = null;
let generation = 0;

function flash(message) {
  const el = document.getElementById('flash');
  el.textContent = message || '';
  el.hidden = !message;
}

function renderChrome(path) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('whoami');
  const user = session.user;
  if (!user) {
    stopInbox();
    replace(nav);
    replace(who);
    return;
  }
  startInbox();
  startKeepAlive();
  replace(nav, h('ul', {}, NAV.map(([href, text]) => h('li', {},
    h('a', { href, 'aria-current': path.startsWith(href.slice(1)) ? 'page' : null }, text)))));
  replace(who,
    h('span', {}, `${user.name}${user.specialty ? ` (${user.specialty})` : ''}`),
    inboxLink(path === '/notifications'),
    h('a', { href: '#/preferences', 'aria-current': path === '/preferences' ? 'page' : null }, t('prefs.link')),
    h('button', { type: 'button', id: 'sign-out', onclick: () => { logout(); } }, 'Sign out'));
}

async function route() {
  const gen = ++generation;
  if (cleanup) {
    try { cleanup(); } catch { /* a page's cleanup must not block navigation */ }
    cleanup = null;
  }
  flash('');
  const path = (location.hash || '#/dossiers').slice(1) || '/dossiers';
  const match = routes.map(([re, page, title, needsAuth]) => [re.exec(path), page, title, needsAuth])
    .find(([m]) => m);
  if (!match) {
    location.hash = session.token ? '#/dossiers' : '#/login';
    return;
  }
  const [m, page, title, needsAuth] = match;
  if (needsAuth && !session.token) {
    sessionStorage.setItem('consilium.after-login', `#${path}`);
    location.hash = '#/login';
    return;
  }
  if (!needsAuth && session.token) {
    location.hash = '#/dossiers';
    return;
  }
  renderChrome(path);
  document.title = `${title} · Consilium`;
  // Each navigation renders into its own container: a page still loading when the user moves
  // on writes into a detached element, never over the next page.
  const main = document.getElementById('main');
  const container = h('div', { class: 'page' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, container);
  try {
    const result = await page(container, ...m.slice(1));
    if (gen !== generation) {
      if (typeof result === 'function') result();
      return;
    }
    if (typeof result === 'function') cleanup = result;
    const h1 = container.querySelector('h1');
    if (h1) {
      if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
      document.title = `${h1.textContent} · Consilium`;
      h1.focus({ preventScroll: false });
    }
  } catch (err) {
    if (gen !== generation) return;
    replace(container, h('h1', { tabindex: '-1' }, 'This page could not be shown'),
      h('p', { class: 'form-error', role: 'alert' }, err.message || String(err)),
      h('p', {}, h('a', { href: '#/dossiers' }, 'Back to the dossiers')));
    container.querySelector('h1').focus();
  }
}

setUnauthenticatedHandler(() => {
  session.clear();
  forgetBoards();
  flash('Your session has ended; please sign in again.');
  if (location.hash !== '#/login') location.hash = '#/login';
});

window.addEventListener('hashchange', route);
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', route);
else route();
