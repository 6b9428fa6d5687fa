// The coordinator's queue: submitted dossiers of the boards they coordinate, waiting for a
// session (filled by the pages work of issue 15).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';

export async function queuePage(container) {
  replace(container, h('h1', {}, t('queue.title')));
}
