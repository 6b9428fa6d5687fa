// Decisions with filters; exports (CSV, JSON, FHIR) for the board's coordinators and admins.
import { get, query, download } from '../api.js';
import { h, replace, badge, fmtTime, field, clearErrors, showError } from '../dom.js';
import { boardsWithRoles, may } from '../context.js';

export async function decisionsPage(main) {
  const boards = await boardsWithRoles();
  const boardSel = h('select', { id: 'f-board', 'data-field': 'board_id' },
    h('option', { value: '' }, 'All boards'),
    boards.map((b) => h('option', { value: b.id }, b.name)));
  const from = h('input', { id: 'f-from', type: 'date', 'data-field': 'from' });
  const to = h('input', { id: 'f-to', type: 'date', 'data-field': 'to' });
  const button = h('button', { type: 'submit' }, 'Show');
  const form = h('form', { class: 'card', novalidate: true, id: 'decision-filters', 'aria-label': 'Filter decisions' },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' }, field('Board', boardSel), field('From (day)', from), field('To (day, inclusive)', to)),
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
      replace(exportsBox, exportable
        ? h('p', { class: 'hint' }, 'Choose a board you coordinate to export its decisions.') : null);
      return;
    }
    const status = h('span', { role: 'status', class: 'muted', id: 'export-status' });
    const exportButton = (format, label, ext) => h('button', {
      type: 'button', class: 'secondary', id: `export-${format}`,
      onclick: async () => {
        status.textContent = `Preparing the ${label} export…`;
        try {
          const name = await download(`/api/exports/decisions${query({ format, ...filters() })}`, `decisions.${ext}`);
          status.textContent = `Saved ${name}.`;
        } catch (err) { status.textContent = `Export failed: ${err.message}`; }
      },
    }, `Export ${label}`);
    replace(exportsBox, h('div', { class: 'actions' }, exportButton('csv', 'CSV', 'csv'),
      exportButton('json', 'JSON', 'json'), exportButton('fhir', 'FHIR', 'fhir.json'), status));
  }

  async function load() {
    clearErrors(form);
    renderExports();
    try {
      const { items } = await get(`/api/decisions${query(filters())}`);
      replace(results, items.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'decisions-table' },
        h('caption', { class: 'visually-hidden' }, 'Decisions'),
        h('thead', {}, h('tr', {}, ['Decided', 'Dossier', 'Proposal', 'Status', 'Outcome', 'Tally', 'Quorum', 'Recommendation', 'Record'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, items.map((d) => {
          const pdfStatus = h('span', { role: 'status', class: 'muted' });
          return h('tr', { 'data-decision-id': d.id },
            h('td', {}, fmtTime(d.decided_at)),
            h('td', {}, h('a', { href: `#/dossiers/${d.dossier_id}` }, refs.get(d.dossier_id) || 'dossier')),
            h('td', {}, d.proposal),
            h('td', {}, badge(d.status)),
            h('td', {}, d.outcome || '—'),
            h('td', {}, Object.entries(d.tally).map(([o, n]) => `${o}: ${n}`).join(', ')),
            h('td', {}, d.quorum.met ? 'met' : 'not met', ` (${d.quorum.voters})`),
            h('td', { class: 'prewrap' }, d.summary),
            h('td', {}, h('button', {
              type: 'button', class: 'secondary', 'aria-label': `Printable record of the decision on ${refs.get(d.dossier_id) || 'this dossier'}`,
              onclick: async () => {
                try { await download(`/api/decisions/${d.id}/report.pdf`, `decision-${d.id}.pdf`); pdfStatus.textContent = ''; } catch (err) { pdfStatus.textContent = err.message; }
              },
            }, 'PDF'), pdfStatus));
        }))))
        : h('p', { class: 'muted' }, 'No decision matches.'));
    } catch (err) {
      replace(results);
      showError(form, err);
    }
  }

  boardSel.addEventListener('change', renderExports);
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  replace(main, h('h1', {}, 'Decisions'), form, exportsBox, results);
  await load();
}
