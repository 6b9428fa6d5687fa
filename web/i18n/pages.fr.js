// The pages pages' words in French (merged by ../i18n.js; keys prefixed 'pages.' where new).
export default {
  'queue.title': 'File d’attente',
  'reports.title': 'Rapport d’activité',
};
