// The dossiers pages' words in French (merged by ../i18n.js; keys prefixed 'dossiers.' where new).
export default {
};
