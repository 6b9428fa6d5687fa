// The room pages' words in French (merged by ../i18n.js; keys prefixed 'room.' where new).
export default {
};
