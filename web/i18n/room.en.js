// The room pages' words in English (merged by ../i18n.js; keys prefixed 'room.' where new).
export default {
};
