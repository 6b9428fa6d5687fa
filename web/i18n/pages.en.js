// The pages pages' words in English (merged by ../i18n.js; keys prefixed 'pages.' where new).
export default {
  'queue.title': 'Queue',
  'reports.title': 'Activity report',
};
