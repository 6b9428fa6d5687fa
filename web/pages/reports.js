// The yearly activity report of a board, with charts and its PDF (filled by the pages work of
// issue 15).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';

export async function reportsPage(container) {
  replace(container, h('h1', {}, t('reports.title')));
}
