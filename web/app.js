// Consilium's pages: a single-page app with hash routes over the public API.
//
// The session lasts the meeting (keepalive.js); when it does end, the sign-in page says why,
// and signing in again leads back to the page the person was on, their typed input restored
// (drafts.js). Every tab of the browser shares the session: signing in or out in one is
// followed by the others (the `storage` event).
import {
  session, get, setUnauthenticatedHandler, rememberReturn, setNotice, takeReturn, revoke, isSignInHash,
} from './api.js';
import { h, replace } from './dom.js';
import {
  forgetBoards, coordinatesAnyBoard, applyLocale, isAdmin,
} from './context.js';
import { loginPage, signedInPage, logout } from './pages/login.js';
import { dossierListPage, newDossierPage, dossierPage } from './pages/dossiers.js';
import { boardsPage, boardPage } from './pages/boards.js';
import { sessionPage } from './pages/session.js';
import { notificationsPage } from './pages/notifications.js';
import { preferencesPage } from './pages/preferences.js';
import { inboxLink, startInbox, stopInbox } from './inbox.js';
import { startKeepAlive, stopKeepAlive, setRenewHandler } from './keepalive.js';
import { flushDrafts, abandonDrafts, hasDrafts, pruneDrafts } from './drafts.js';
import { t } from './i18n.js';
import { roomPage } from './pages/room.js';
import { decisionsPage } from './pages/decisions.js';
import { queuePage } from './pages/queue.js';
import { reportsPage } from './pages/reports.js';
import { usersPage } from './pages/users.js';

// [path pattern, page, title key (until the page's own h1 names it), needs a signed-in user:
// true, false (a signed-in user goes on to their pages), or null (either)]. The sign-in page
// answers to `#/login` and to `#/sign-in?error=<code>` (a sign-in through the identity provider
// that failed); `#/signed-in?code=<one-time code>` is where the provider's sign-in ends.
const routes = [
  [/^\/(?:login|sign-in)(?:\?.*)?$/, loginPage, 'nav.title.login', false],
  [/^\/signed-in(?:\?.*)?$/, signedInPage, 'nav.title.signed_in', null],
  [/^\/dossiers$/, dossierListPage, 'nav.title.dossiers', true],
  [/^\/dossiers\/new$/, newDossierPage, 'nav.title.dossier_new', true],
  [/^\/dossiers\/([0-9a-f-]+)$/, dossierPage, 'nav.title.dossier', true],
  [/^\/boards$/, boardsPage, 'nav.title.boards', true],
  [/^\/boards\/([0-9a-f-]+)$/, boardPage, 'nav.title.board', true],
  [/^\/sessions\/([0-9a-f-]+)$/, sessionPage, 'nav.title.session', true],
  [/^\/sessions\/([0-9a-f-]+)\/live$/, roomPage, 'nav.title.room', true],
  [/^\/decisions$/, decisionsPage, 'nav.title.decisions', true],
  [/^\/queue$/, queuePage, 'nav.title.queue', true],
  [/^\/reports$/, reportsPage, 'nav.title.reports', true],
  [/^\/notifications$/, notificationsPage, 'nav.title.notifications', true],
  [/^\/preferences$/, preferencesPage, 'nav.title.preferences', true],
  [/^\/users$/, usersPage, 'nav.title.users', true],
];

const NAV = [
  ['#/dossiers', 'nav.dossiers'],
  ['#/boards', 'nav.boards'],
  ['#/decisions', 'nav.decisions'],
];
// For those who run boards: coordinators and administrators.
const COORDINATOR_NAV = [
  ['#/queue', 'nav.queue'],
  ['#/reports', 'nav.reports'],
];
// For administrators only: the accounts.
const ADMIN_NAV = [
  ['#/users', 'nav.users'],
];

// How another tab's ending of the session is told here.
const ENDED_NOTICES = {
  expired: 'auth.notice.expired',
  signed_out: 'auth.notice.signed_out_elsewhere',
  renew: 'auth.notice.renew',
};

let cleanup = null;
let generation = 0;
// The user whose pages are on screen (null on the sign-in page).
let shownUserId = null;
// Whether that user runs boards (the queue and reports entries), once known.
let runsBoards = null;

function flash(message) {
  const el = document.getElementById('flash');
  el.textContent = message || '';
  el.hidden = !message;
}

function currentPath() {
  return (location.hash || '#/dossiers').slice(1) || '/dossiers';
}

function navItem(href, key, path) {
  return h('li', {}, h('a', { href, 'aria-current': path.startsWith(href.slice(1)) ? 'page' : null }, t(key)));
}

function renderStatic() {
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('nav.skip');
  const nav = document.getElementById('nav');
  if (nav) nav.setAttribute('aria-label', t('nav.main'));
}

function renderChrome(path) {
  renderStatic();
  const nav = document.getElementById('nav');
  const who = document.getElementById('whoami');
  const user = session.user;
  if (!user || !session.token) {
    shownUserId = null;
    runsBoards = null;
    stopInbox();
    stopKeepAlive();
    replace(nav);
    replace(who);
    return;
  }
  if (shownUserId !== user.id) runsBoards = null;
  shownUserId = user.id;
  startInbox();
  startKeepAlive();
  const list = h('ul', {}, NAV.map(([href, key]) => navItem(href, key, path)),
    runsBoards ? COORDINATOR_NAV.map(([href, key]) => navItem(href, key, path)) : null,
    isAdmin() ? ADMIN_NAV.map(([href, key]) => navItem(href, key, path)) : null);
  replace(nav, list);
  if (runsBoards === null) {
    const userId = user.id;
    coordinatesAnyBoard().then((yes) => {
      if (shownUserId !== userId) return;
      runsBoards = yes;
      if (yes && list.isConnected) {
        const before = list.querySelector('a[href="#/users"]');
        for (const [href, key] of COORDINATOR_NAV) {
          list.insertBefore(navItem(href, key, currentPath()), before ? before.parentElement : null);
        }
      }
    }, () => { /* asked again at the next page */ });
  }
  replace(who,
    h('span', {}, user.specialty ? t('nav.whoami.specialty', { name: user.name, specialty: user.specialty }) : user.name),
    inboxLink(path === '/notifications'),
    h('a', { href: '#/preferences', 'aria-current': path === '/preferences' ? 'page' : null }, t('prefs.link')),
    h('button', { type: 'button', id: 'sign-out', onclick: () => { logout(); } }, t('nav.signout')));
}

async function route() {
  const gen = ++generation;
  flushDrafts();
  if (cleanup) {
    try { cleanup(); } catch { /* a page's cleanup must not block navigation */ }
    cleanup = null;
  }
  flash('');
  applyLocale();
  const path = currentPath();
  const match = routes.map(([re, page, title, needsAuth]) => [re.exec(path), page, title, needsAuth])
    .find(([m]) => m);
  if (!match) {
    location.hash = session.token ? '#/dossiers' : '#/login';
    return;
  }
  const [m, page, title, needsAuth] = match;
  if (needsAuth && !session.token) {
    rememberReturn(`#${path}`, null);
    location.hash = '#/login';
    return;
  }
  if (needsAuth && session.expired) {
    // A tab reopened after its token ran out.
    endSession('expired');
    return;
  }
  if (needsAuth === false && session.token) {
    if (session.expired) {
      session.clear('expired');
    } else {
      location.hash = takeReturn(session.user && session.user.id) || '#/dossiers';
      return;
    }
  }
  renderChrome(path);
  document.title = t('nav.title', { title: t(title) });
  // Each navigation renders into its own container: a page still loading when the user moves
  // on writes into a detached element, never over the next page.
  const main = document.getElementById('main');
  const container = h('div', { class: 'page' }, h('p', { class: 'muted' }, t('nav.loading')));
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
      document.title = t('nav.title', { title: h1.textContent });
      h1.focus({ preventScroll: false });
    }
  } catch (err) {
    if (gen !== generation) return;
    replace(container, h('h1', { tabindex: '-1' }, t('nav.error.title')),
      h('p', { class: 'form-error', role: 'alert' }, (err && err.message) || String(err)),
      h('p', {}, h('a', { href: '#/dossiers' }, t('nav.error.back'))));
    container.querySelector('h1').focus();
  }
}

/**
 * The session is over (`reason`: 'expired', 'signed_out' or 'renew'): keeps the typed input and
 * the page to come back to (unless the person signed out on purpose), forgets the session in
 * every tab, and shows the sign-in page with the reason.
 */
function endSession(reason) {
  if (!session.token && !shownUserId && isSignInHash(location.hash)) return;
  const userId = shownUserId || (session.user && session.user.id);
  if (reason === 'signed_out') abandonDrafts();
  else {
    flushDrafts();
    rememberReturn(location.hash || '#/dossiers', userId);
  }
  setNotice(ENDED_NOTICES[reason] || ENDED_NOTICES.expired, {
    drafts: reason !== 'signed_out' && Boolean(userId) && hasDrafts(userId),
  });
  // Pages still loading give up quietly rather than showing an error.
  generation += 1;
  stopInbox();
  stopKeepAlive();
  if (session.token) session.clear(reason);
  forgetBoards();
  shownUserId = null;
  if (location.hash !== '#/login') location.hash = '#/login';
  else route();
}

setUnauthenticatedHandler(() => endSession('expired'));
// Near the end of the twelve hours: sign in again now, keeping the page and its input.
setRenewHandler(() => {
  const token = session.token;
  endSession('renew');
  revoke(token);
});

/** Another tab signed in, out, refreshed the token, or changed the language. */
function onStorage(e) {
  if (e.storageArea !== localStorage) return;
  if (e.key === 'consilium.lang') {
    if (e.newValue) { applyLocale(e.newValue); renderChrome(currentPath()); }
    return;
  }
  if (e.key !== 'consilium.token' && e.key !== null) return;
  const user = session.user;
  if (!session.token) {
    if (shownUserId) endSession(session.endedBecause || 'expired');
    return;
  }
  if (!shownUserId) {
    // Signed in in another tab while this one waited on the sign-in page.
    applyLocale(user && user.locale);
    if (isSignInHash(location.hash) || !location.hash) {
      location.hash = takeReturn(user && user.id) || '#/dossiers';
    } else route();
    return;
  }
  if (user && user.id !== shownUserId) {
    // Someone else signed in on this browser: nothing of the previous person stays on screen.
    forgetBoards();
    applyLocale(user.locale);
    route();
    return;
  }
  // The same person's token was refreshed: the unread stream follows the new one.
  startInbox();
}

/** On load: the language of the signed-in user, checked against the server in the background. */
function start() {
  pruneDrafts();
  const user = session.user;
  if (session.token && !session.expired && user) {
    applyLocale(user.locale);
    const token = session.token;
    get('/api/me').then((me) => {
      if (session.token !== token) return;
      session.saveUser(me);
      if (applyLocale(me.locale)) route();
      else renderChrome(currentPath());
    }, () => { /* a 401 goes through the handler; otherwise the kept user serves */ });
  } else {
    applyLocale();
  }
  route();
}

window.addEventListener('hashchange', route);
window.addEventListener('storage', onStorage);
// A page that changed what the pages show (the language) asks for a new rendering.
window.addEventListener('consilium:rerender', route);
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
