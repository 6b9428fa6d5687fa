// The dossiers pages' words in English (merged by ../i18n.js; keys prefixed 'dossiers.' where new).
export default {
};
