// Decisions with filters; exports (CSV, CSV for French Excel, JSON, FHIR) for the board's
// coordinators and admins; each decision's printable record in the page's language.
import { get, query, download } from '../api.js';
import { h, replace, field, clearErrors, showError } from '../dom.js';
import { boardsWithRoles, may } from '../context.js';
import { t, tn, formatTime, currentLang } from '../i18n.js';
import { statusBadge, stackTable, coordPage } from '../boards/ui.js';

const EXPORTS = [
  { id: 'csv', params: { format: 'csv' }, name: 'decisions.csv' },
  { id: 'excel', params: { format: 'csv', dialect: 'excel-fr' }, name: 'decisions.csv' },
  { id: 'json', params: { format: 'json' }, name: 'decisions.json' },
  { id: 'fhir', params: { format: 'fhir' }, name: 'decisions.fhir.json' },
];

export async function decisionsPage(main) {
  coordPage(main);
  const boards = await boardsWithRoles();
  const boardSel = h('select', { id: 'f-board', 'data-field': 'board_id' },
    h('option', { value: '' }, t('decisions.filter.all_boards')),
    boards.map((b) => h('option', { value: b.id }, b.name)));
  const from = h('input', { id: 'f-from', type: 'date', 'data-field': 'from' });
  const to = h('input', { id: 'f-to', type: 'date', 'data-field': 'to' });
  const button = h('button', { type: 'submit' }, t('decisions.filter.show'));
  const form = h('form', { class: 'card', novalidate: true, id: 'decision-filters', 'aria-label': t('decisions.filter') },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' },
      field(t('decisions.filter.board'), boardSel),
      field(t('decisions.filter.from'), from),
      field(t('decisions.filter.to'), to)),
    h('div', { class: 'actions' }, button));
  const exportsBox = h('div', { id: 'exports' });
  const results = h('div', { id: 'decision-results', 'aria-live': 'polite' });

  // Dossier references for the table: the dossiers this user may see.
  let refs = new Map();
  try { refs = new Map((await get('/api/dossiers')).items.map((d) => [d.id, d.reference])); } catch { /* ids then */ }

  function filters() {
    return { board_id: boardSel.value, from: from.value, to: to.value };
  }

  // Exports are offered for a board whose `can.export` the server sets; for all boards, when
  // there is one at least (the export then holds the boards this user may export).
  function renderExports() {
    const board = boards.find((b) => b.id === boardSel.value);
    const exportable = boards.some((b) => may(b, 'export'));
    const allowed = board ? may(board, 'export') : exportable;
    if (!allowed) {
      replace(exportsBox, exportable ? h('p', { class: 'hint' }, t('decisions.export.choose')) : null);
      return;
    }
    const status = h('span', { role: 'status', class: 'muted', id: 'export-status' });
    const exportButton = (spec) => h('button', {
      type: 'button', class: 'secondary', id: `export-${spec.id}`,
      onclick: async (e) => {
        const btn = e.currentTarget;
        btn.disabled = true;
        status.textContent = t('decisions.export.preparing', { format: t(`decisions.export.${spec.id}`) });
        try {
          const name = await download(`/api/exports/decisions${query({ ...spec.params, ...filters() })}`, spec.name);
          status.textContent = t('decisions.export.saved', { file: name });
        } catch (err) {
          status.textContent = t('decisions.export.failed', { detail: err.message });
        } finally { btn.disabled = false; }
      },
    }, t(`decisions.export.${spec.id}`));
    replace(exportsBox, h('div', { class: 'actions', role: 'group', 'aria-label': t('decisions.export') },
      EXPORTS.map(exportButton), status));
  }

  const outcomeText = (d) => d.outcome || (d.status === 'decided' ? '—' : t(`decisions.status.${d.status}`));
  const tallyText = (d) => {
    const entries = Object.entries(d.tally || {});
    return entries.length ? entries.map(([o, n]) => t('decisions.tally.item', { option: o, count: n })).join(', ') : '—';
  };

  async function load() {
    clearErrors(form);
    renderExports();
    try {
      const { items } = await get(`/api/decisions${query(filters())}`);
      replace(results, items.length ? stackTable({
        id: 'decisions-table',
        caption: t('decisions.table'),
        columns: [
          { label: t('decisions.col.decided') }, { label: t('decisions.col.dossier') }, { label: t('decisions.col.proposal') },
          { label: t('decisions.col.status') }, { label: t('decisions.col.outcome') }, { label: t('decisions.col.tally') },
          { label: t('decisions.col.quorum') }, { label: t('decisions.col.summary'), className: 'prewrap' },
          { label: t('decisions.col.record') }],
        rows: items.map((d) => {
          const reference = refs.get(d.dossier_id);
          const pdfStatus = h('span', { role: 'status', class: 'muted' });
          return {
            props: { 'data-decision-id': d.id },
            cells: [
              formatTime(d.decided_at),
              h('a', { href: `#/dossiers/${d.dossier_id}` }, reference || t('decisions.dossier')),
              d.proposal,
              statusBadge('decision', d.status),
              outcomeText(d),
              tallyText(d),
              [d.quorum && d.quorum.met ? t('decisions.quorum.met') : t('decisions.quorum.not_met'), ' ',
                h('span', { class: 'muted' }, tn('decisions.quorum.voters', (d.quorum && d.quorum.voters) || 0))],
              d.summary,
              [h('button', {
                type: 'button',
                class: 'secondary',
                'aria-label': reference ? t('decisions.record.label', { reference }) : t('decisions.record.label.unknown'),
                onclick: async (e) => {
                  const btn = e.currentTarget;
                  btn.disabled = true;
                  pdfStatus.textContent = '';
                  try {
                    await download(`/api/decisions/${d.id}/report.pdf${query({ locale: currentLang() })}`, `decision-${d.id}.pdf`);
                  } catch (err) {
                    pdfStatus.textContent = t('decisions.record.failed', { detail: err.message });
                  } finally { btn.disabled = false; }
                },
              }, t('decisions.record')), pdfStatus],
            ],
          };
        }),
      }) : h('p', { class: 'muted' }, t('decisions.none')));
    } catch (err) {
      replace(results);
      showError(form, err);
    }
  }

  boardSel.addEventListener('change', renderExports);
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  replace(main, h('h1', {}, t('decisions.title')), form, exportsBox, results);
  await load();
}
