// « Mes dossiers »: the follow-ups due (« Suivis à renseigner »), the dossiers the user referred,
// then those of their boards. A table on a wide screen; each row becomes a card on a narrow one
// (css/dossiers.css), never sideways.
import { get, session } from '../api.js';
import { h, replace } from '../dom.js';
import { boardsWithRoles } from '../context.js';
import { t, currentLang } from '../i18n.js';
import { statusBadge, urgencyText, when } from './words.js';
import { dueFollowUps, myFollowUps } from './follow-up.js';

const COLUMNS = ['reference', 'title', 'board', 'status', 'urgency', 'submitted', 'decision'];

function cell(column, content, extra = {}) {
  return h('td', { 'data-label': t(`dossier.list.col.${column}`), ...extra }, content);
}

function dossierTable(items, boardsById, caption) {
  if (!items.length) return h('p', { class: 'muted' }, t('dossier.list.none'));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'dossier-table stackable' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, t(`dossier.list.col.${c}`))))),
    h('tbody', {}, items.map((d) => h('tr', { 'data-dossier-id': d.id },
      cell('reference', h('a', { href: `#/dossiers/${d.id}` }, d.reference), { class: 'dossier-ref' }),
      cell('title', d.title, { class: 'dossier-title' }),
      cell('board', boardsById.get(d.board_id) || '—'),
      cell('status', statusBadge(d.status), { class: 'dossier-status' }),
      cell('urgency', urgencyText(d.urgency)),
      cell('submitted', when(d.submitted_at)),
      cell('decision', d.decision ? (d.decision.outcome || statusBadge(d.decision.status)) : '—'))))));
}

export async function dossierListPage(main) {
  const me = session.user;
  const [{ items }, boards, due] = await Promise.all([get('/api/dossiers'), boardsWithRoles(), myFollowUps({ due: true })]);
  const boardsById = new Map(boards.map((b) => [b.id, b.name]));
  const mine = items.filter((d) => d.referrer.id === me.id);
  const others = items.filter((d) => d.referrer.id !== me.id);
  const newButton = h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/dossiers/new' }, t('dossier.list.new')));
  const page = h('div', { class: 'dossier-list', lang: currentLang() });
  if (!mine.length && others.length) {
    // A board member who refers nothing: the board's dossiers come first.
    replace(page,
      h('h1', {}, t('dossier.list.boards')),
      dossierTable(others, boardsById, t('dossier.list.boards')),
      h('h2', {}, t('dossier.list.referred')), newButton, h('p', { class: 'muted' }, t('dossier.list.none')));
  } else {
    replace(page,
      h('h1', {}, t('dossier.list.title')),
      dueFollowUps(due, mine),
      newButton,
      dossierTable(mine, boardsById, t('dossier.list.mine_caption')),
      others.length ? [h('h2', {}, t('dossier.list.boards')), dossierTable(others, boardsById, t('dossier.list.boards'))] : null);
  }
  replace(main, page);
}
