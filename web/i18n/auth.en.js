// The auth pages' words in English (merged by ../i18n.js; keys prefixed 'auth.' where new).
export default {
};
