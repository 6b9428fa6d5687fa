// The auth pages' words in English (merged by ../i18n.js; keys prefixed 'auth.' where new):
// sign-in, the session's life, drafts, the language choice, and the main navigation ('nav.').
export default {
  // Main navigation and the pages' frame.
  'nav.main': 'Main',
  'nav.skip': 'Skip to content',
  'nav.dossiers': 'Dossiers',
  'nav.boards': 'Boards & sessions',
  'nav.decisions': 'Decisions',
  'nav.queue': 'Queue',
  'nav.reports': 'Reports',
  'nav.signout': 'Sign out',
  'nav.whoami.specialty': '{name} ({specialty})',
  'nav.loading': 'Loading…',
  'nav.error.title': 'This page could not be shown',
  'nav.error.back': 'Back to the dossiers',
  'nav.title': '{title} · Consilium',
  'nav.title.login': 'Sign in',
  'nav.title.dossiers': 'Dossiers',
  'nav.title.dossier_new': 'New dossier',
  'nav.title.dossier': 'Dossier',
  'nav.title.boards': 'Boards & sessions',
  'nav.title.board': 'Board',
  'nav.title.session': 'Session',
  'nav.title.room': 'Live room',
  'nav.title.decisions': 'Decisions',
  'nav.title.queue': 'Queue',
  'nav.title.reports': 'Reports',
  'nav.title.notifications': 'Notifications',
  'nav.title.preferences': 'Preferences',

  // Sign-in.
  'auth.login.title': 'Sign in to Consilium',
  'auth.login.intro': 'Telexpertise case review for expert boards.',
  'auth.login.required': 'Fields marked with an asterisk (*) are required.',
  'auth.login.email': 'E-mail',
  'auth.login.password': 'Password',
  'auth.login.submit': 'Sign in',
  'auth.login.busy': 'Signing in…',
  'auth.login.email.missing': 'Enter your e-mail address.',
  'auth.login.password.missing': 'Enter your password.',
  'auth.login.wrong': 'Wrong e-mail or password.',
  'auth.login.password_off': 'Signing in with a password is turned off: use your hospital’s sign-in.',
  'auth.login.rate_limited': 'Too many sign-in attempts: wait a few minutes before trying again.',
  'auth.login.unavailable': 'The service is not answering properly; try again in a moment.',
  'auth.login.failed': 'Signing in failed: {message}',
  'auth.lang.fr': 'Français',
  'auth.lang.en': 'English',
  'auth.lang.switch.fr': 'Afficher en français',
  'auth.lang.switch.en': 'Show in English',

  // Why the sign-in page is shown.
  'auth.notice.expired': 'Your session has ended; please sign in again.',
  'auth.notice.signed_out_elsewhere': 'The session was closed in another tab; sign in again to go on.',
  'auth.notice.renew': 'Sign in again to start a new session.',
  'auth.notice.signed_out': 'You are signed out of Consilium.',
  'auth.notice.drafts': 'Your unsaved input is kept: you will find it again after signing in.',

  // The session's end, announced while working.
  'auth.ending.one': 'Your session ends in {count} minute; save your work, then sign in again.',
  'auth.ending.other': 'Your session ends in {count} minutes; save your work, then sign in again.',
  'auth.ending.offline.one': 'The server is not answering: unless the connection comes back, your session ends in {count} minute. Save your work as soon as you can.',
  'auth.ending.offline.other': 'The server is not answering: unless the connection comes back, your session ends in {count} minutes. Save your work as soon as you can.',
  'auth.ending.renew': 'Sign in again now',

  // Errors of the requests themselves.
  'auth.offline': 'The server cannot be reached; check the connection and try again.',
  'auth.http': 'The server answered with an error ({status}).',
  'auth.upload.interrupted': 'The upload was interrupted; try again.',
  'auth.upload.cancelled': 'The upload was cancelled.',

  // Drafts of forms.
  'auth.draft.restored': 'Your unsaved input has been restored.',
  'auth.draft.discard': 'Discard it',

  // The language preference.
  'auth.prefs.lang.title': 'Language',
  'auth.prefs.lang.legend': 'Language of Consilium',
  'auth.prefs.lang.hint': 'Used for the pages, the mails and the printable records.',
  'auth.prefs.lang.save': 'Save the language',
  'auth.prefs.lang.saved': 'Language saved.',
};
