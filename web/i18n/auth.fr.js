// The auth pages' words in French (merged by ../i18n.js; keys prefixed 'auth.' where new).
export default {
};
