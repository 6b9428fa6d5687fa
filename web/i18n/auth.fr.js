// The auth pages' words in French (merged by ../i18n.js; keys prefixed 'auth.' where new):
// sign-in, the session's life, drafts, the language choice, and the main navigation ('nav.').
export default {
  // Main navigation and the pages' frame.
  'nav.main': 'Navigation principale',
  'nav.skip': 'Aller au contenu',
  'nav.dossiers': 'Dossiers',
  'nav.boards': 'Groupes et séances',
  'nav.decisions': 'Décisions',
  'nav.queue': 'File d’attente',
  'nav.reports': 'Rapports',
  'nav.signout': 'Se déconnecter',
  'nav.whoami.specialty': '{name} ({specialty})',
  'nav.loading': 'Chargement…',
  'nav.error.title': 'Cette page ne peut pas être affichée',
  'nav.error.back': 'Retour aux dossiers',
  'nav.title': '{title} · Consilium',
  'nav.title.login': 'Connexion',
  'nav.title.dossiers': 'Dossiers',
  'nav.title.dossier_new': 'Nouveau dossier',
  'nav.title.dossier': 'Dossier',
  'nav.title.boards': 'Groupes et séances',
  'nav.title.board': 'Groupe',
  'nav.title.session': 'Séance',
  'nav.title.room': 'Salle de réunion',
  'nav.title.decisions': 'Décisions',
  'nav.title.queue': 'File d’attente',
  'nav.title.reports': 'Rapports',
  'nav.title.notifications': 'Notifications',
  'nav.title.preferences': 'Préférences',

  // Sign-in.
  'auth.login.title': 'Connexion à Consilium',
  'auth.login.intro': 'Télé-expertise et réunions de concertation pluridisciplinaire des réseaux experts.',
  'auth.login.required': 'Les champs marqués d’un astérisque (*) sont obligatoires.',
  'auth.login.email': 'Adresse e-mail',
  'auth.login.password': 'Mot de passe',
  'auth.login.submit': 'Se connecter',
  'auth.login.busy': 'Connexion…',
  'auth.login.email.missing': 'Saisissez votre adresse e-mail.',
  'auth.login.password.missing': 'Saisissez votre mot de passe.',
  'auth.login.wrong': 'Adresse e-mail ou mot de passe incorrect.',
  'auth.login.password_off': 'La connexion par mot de passe est désactivée : utilisez la connexion de votre établissement.',
  'auth.login.rate_limited': 'Trop de tentatives de connexion : patientez quelques minutes avant de réessayer.',
  'auth.login.unavailable': 'Le service ne répond pas correctement ; réessayez dans un instant.',
  'auth.login.failed': 'La connexion a échoué : {message}',
  'auth.lang.fr': 'Français',
  'auth.lang.en': 'English',
  'auth.lang.switch.fr': 'Afficher en français',
  'auth.lang.switch.en': 'Show in English',

  // Why the sign-in page is shown.
  'auth.notice.expired': 'Votre session a expiré ; reconnectez-vous.',
  'auth.notice.signed_out_elsewhere': 'La session a été fermée dans un autre onglet ; reconnectez-vous pour continuer.',
  'auth.notice.renew': 'Reconnectez-vous pour ouvrir une nouvelle session.',
  'auth.notice.signed_out': 'Vous êtes déconnecté de Consilium.',
  'auth.notice.drafts': 'Votre saisie non enregistrée est conservée : vous la retrouverez après la connexion.',

  // The session's end, announced while working.
  'auth.ending.one': 'Votre session se termine dans {count} minute ; enregistrez votre travail, puis reconnectez-vous.',
  'auth.ending.other': 'Votre session se termine dans {count} minutes ; enregistrez votre travail, puis reconnectez-vous.',
  'auth.ending.offline.one': 'Le serveur ne répond pas : sans retour de la connexion, votre session se termine dans {count} minute. Enregistrez votre travail dès que possible.',
  'auth.ending.offline.other': 'Le serveur ne répond pas : sans retour de la connexion, votre session se termine dans {count} minutes. Enregistrez votre travail dès que possible.',
  'auth.ending.renew': 'Se reconnecter maintenant',

  // Errors of the requests themselves.
  'auth.offline': 'Le serveur est injoignable ; vérifiez la connexion et réessayez.',
  'auth.http': 'Le serveur a répondu par une erreur ({status}).',
  'auth.upload.interrupted': 'L’envoi a été interrompu ; réessayez.',
  'auth.upload.cancelled': 'L’envoi a été annulé.',

  // Drafts of forms.
  'auth.draft.restored': 'Votre saisie non enregistrée a été restaurée.',
  'auth.draft.discard': 'Effacer cette saisie',

  // The language preference.
  'auth.prefs.lang.title': 'Langue',
  'auth.prefs.lang.legend': 'Langue de Consilium',
  'auth.prefs.lang.hint': 'Celle des pages, des courriels et des fiches RCP imprimables.',
  'auth.prefs.lang.save': 'Enregistrer la langue',
  'auth.prefs.lang.saved': 'Langue enregistrée.',
};
