// The yearly activity report of a board (API.md sections 10 and 16), for the board's
// coordinators and the administrators (`can.export`): the year's figures (the median and 90th
// percentile delays side by side), a monthly chart of dossiers received and decided (with its
// table), the follow-ups (was the advice applied?) as one split bar with its legend, one chart
// per choice or yes/no field of the board's template (with its table), the referring
// organisations, and the report as a PDF document, fetched with the bearer token.
import { get, query, download } from '../api.js';
import { h, replace, field, clearErrors, showError } from '../dom.js';
import { boardsWithRoles, may } from '../context.js';
import { t, tn, currentLang } from '../i18n.js';
import { formatDays, formatNumber, stackTable, coordPage } from '../boards/ui.js';
import { monthlyChart, monthName, stackedBar, countBars } from '../reports/chart.js';

const YEARS_SHOWN = 10;

function figure(id, label, value, hint) {
  return h('div', { class: 'figure', id },
    h('dt', {}, label),
    h('dd', {}, h('span', { class: 'figure-value' }, value), hint ? h('span', { class: 'hint figure-hint' }, hint) : null));
}

/** `key.one` or `key.other`, as `count` takes it in the page's language. */
function plural(key, count) {
  const form = new Intl.PluralRules(currentLang() === 'fr' ? 'fr-FR' : 'en-GB').select(count);
  return `${key}.${form === 'one' ? 'one' : 'other'}`;
}

function figures(report) {
  const followUp = report.follow_up;
  return h('dl', { class: 'figures', id: 'report-figures' },
    figure('fig-received', t('reports.fig.received'), formatNumber(report.dossiers_received)),
    figure('fig-decisions', t('reports.fig.decisions'), formatNumber(report.decisions)),
    figure('fig-no-quorum', t('reports.fig.no_quorum'), formatNumber(report.no_quorum)),
    figure('fig-median', t('reports.fig.median'), formatDays(report.median_days_to_decision),
      report.median_days_to_decision === null || report.median_days_to_decision === undefined ? t('reports.fig.median.none') : null),
    Object.hasOwn(report, 'p90_days_to_decision')
      ? figure('fig-p90', t('reports.fig.p90'), formatDays(report.p90_days_to_decision),
        typeof report.p90_days_to_decision === 'number' ? t('reports.fig.p90.hint') : t('reports.fig.median.none')) : null,
    followUp && typeof followUp.asked === 'number'
      ? figure('fig-follow-up', t('reports.fig.follow_up'), t(plural('reports.fig.follow_up.value', followUp.answered), {
        answered: formatNumber(followUp.answered), asked: formatNumber(followUp.asked),
      }), t('reports.fig.follow_up.hint', {
        yes: formatNumber(followUp.applied_yes || 0), partly: formatNumber(followUp.applied_partly || 0), no: formatNumber(followUp.applied_no || 0),
      })) : null);
}

/** The follow-ups of the year's decisions: asked, answered, and whether the advice was applied. */
function followUpSection(followUp) {
  const asked = followUp.asked || 0;
  const answered = followUp.answered || 0;
  const parts = [
    { key: 'yes', value: followUp.applied_yes || 0, className: 'part-yes' },
    { key: 'partly', value: followUp.applied_partly || 0, className: 'part-partly' },
    { key: 'no', value: followUp.applied_no || 0, className: 'part-no' },
    { key: 'unanswered', value: Math.max(0, asked - answered), className: 'part-unanswered' },
  ];
  const words = Object.fromEntries(parts.map((p) => [p.key, formatNumber(p.value)]));
  return h('section', { class: 'card', id: 'report-follow-up', 'aria-labelledby': 'follow-up-h' },
    h('h3', { id: 'follow-up-h' }, t('reports.follow_up.heading')),
    h('p', { id: 'follow-up-summary' }, asked
      ? t('reports.follow_up.summary', { asked: tn('reports.follow_up.asked', asked), answered: tn('reports.follow_up.answered', answered) })
      : t('reports.follow_up.none')),
    asked ? [
      stackedBar(parts, {
        id: 'follow-up-bar',
        label: t('reports.follow_up.bar', { asked: formatNumber(asked), ...words }),
      }),
      h('ul', { class: 'chart-legend follow-up-legend', id: 'follow-up-legend' }, parts.map((p) => h('li', { 'data-part': p.key, 'data-count': p.value },
        h('span', { class: `swatch swatch-${p.className}`, 'aria-hidden': 'true' }),
        t(`reports.follow_up.part.${p.key}`, { count: formatNumber(p.value) })))),
    ] : null,
    h('p', { class: 'hint' }, t('reports.follow_up.hint')));
}

/** The name of a value of a template field: « Oui » / « Non » for a yes/no field, else itself. */
function valueName(def, value) {
  if (def && def.type === 'boolean' && (value === 'true' || value === 'false')) return t(`reports.fields.${value}`);
  return value;
}

/** The values of a field in the template's order (its choices; yes before no), then any other. */
function orderedValues(def, counts) {
  const known = def ? (def.type === 'boolean' ? ['true', 'false'] : def.choices || []) : [];
  const rest = Object.keys(counts).filter((v) => !known.includes(v));
  return [...known.filter((v) => Object.hasOwn(counts, v)), ...rest];
}

/** One chart per choice or yes/no field of the template: dossiers per value, with its table. */
function fieldsSection(report, template) {
  const keys = Object.keys(report.fields || {});
  if (!keys.length) return null;
  const defs = new Map(((template && template.fields) || []).map((f) => [f.key, f]));
  // The template's order, then keys it no longer has.
  const order = [...[...defs.keys()].filter((k) => keys.includes(k)), ...keys.filter((k) => !defs.has(k))];
  return h('section', { class: 'card', id: 'report-fields', 'aria-labelledby': 'fields-h' },
    h('h3', { id: 'fields-h' }, t('reports.fields.heading')),
    h('p', { class: 'hint' }, t('reports.fields.hint')),
    h('div', { class: 'field-charts' }, order.map((key, i) => {
      const def = defs.get(key);
      const label = def ? def.label : key;
      const counts = report.fields[key] || {};
      const rows = orderedValues(def, counts).map((v) => ({ value: v, label: valueName(def, v), count: counts[v] }));
      const headingId = `field-chart-h-${i}`;
      return h('figure', { class: 'field-chart', 'data-key': key, 'aria-labelledby': headingId },
        h('h4', { id: headingId }, label),
        def && def.type === 'multi_choice' ? h('p', { class: 'hint' }, t('reports.fields.multi')) : null,
        countBars(rows),
        // A table shrinks no narrower than its content: the box around it hides it.
        h('div', { class: 'visually-hidden' }, h('table', { class: 'field-table', 'data-key': key },
          h('caption', {}, t('reports.fields.caption', { label, year: report.year })),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('reports.fields.value')),
            h('th', { scope: 'col' }, t('reports.fields.count')))),
          h('tbody', {}, rows.map((r) => h('tr', { 'data-value': r.value },
            h('th', { scope: 'row' }, r.label), h('td', {}, formatNumber(r.count))))))));
    })));
}

function monthsTable(report) {
  return stackTable({
    id: 'report-months',
    caption: t('reports.months.caption', { year: report.year }),
    captionHidden: false,
    columns: [{ label: t('reports.months.month') }, { label: t('reports.months.received') }, { label: t('reports.months.decided') }],
    rows: report.by_month.map((m) => ({
      props: { 'data-month': m.month },
      cells: [monthName(m.month, 'long'), formatNumber(m.received), formatNumber(m.decided)],
    })),
  });
}

function organisationsTable(report) {
  const rows = [...report.by_organization].sort((a, b) => b.received - a.received || a.organization.localeCompare(b.organization));
  return rows.length ? stackTable({
    id: 'report-organizations',
    caption: t('reports.orgs.caption', { year: report.year }),
    columns: [{ label: t('reports.orgs.organization') }, { label: t('reports.orgs.received') }],
    rows: rows.map((o) => ({
      cells: [o.organization === 'unspecified' ? t('reports.orgs.unspecified') : o.organization, formatNumber(o.received)],
    })),
  }) : h('p', { class: 'muted' }, t('reports.orgs.none'));
}

export async function reportsPage(container) {
  coordPage(container);
  const boards = (await boardsWithRoles()).filter((b) => may(b, 'export'));
  if (!boards.length) {
    replace(container, h('h1', {}, t('reports.title')), h('p', { class: 'muted', id: 'reports-none' }, t('reports.not_allowed')));
    return;
  }
  const thisYear = new Date().getFullYear();
  const boardSel = h('select', { id: 'r-board', 'data-field': 'board_id' }, boards.map((b) => h('option', { value: b.id }, b.name)));
  const yearSel = h('select', { id: 'r-year', 'data-field': 'year' },
    Array.from({ length: YEARS_SHOWN }, (_, i) => thisYear - i).map((y) => h('option', { value: y }, String(y))));
  const show = h('button', { type: 'submit', id: 'r-show' }, t('reports.show'));
  const form = h('form', { class: 'card', novalidate: true, id: 'report-form', 'aria-label': t('reports.form') },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' }, field(t('reports.board'), boardSel), field(t('reports.year'), yearSel)),
    h('div', { class: 'actions' }, show));
  const pdfStatus = h('span', { role: 'status', class: 'muted', id: 'report-pdf-status', 'aria-live': 'polite' });
  const pdfButton = h('button', { type: 'button', class: 'secondary', id: 'report-pdf' }, t('reports.pdf'));
  const result = h('div', { id: 'report-result', 'aria-live': 'polite', 'aria-busy': 'false' });

  pdfButton.addEventListener('click', async () => {
    pdfButton.disabled = true;
    pdfButton.setAttribute('aria-busy', 'true');
    pdfStatus.textContent = t('reports.pdf.preparing');
    try {
      const params = { board_id: boardSel.value, year: yearSel.value, locale: currentLang() };
      const file = await download(`/api/reports/activity.pdf${query(params)}`, `activite-${yearSel.value}.pdf`);
      pdfStatus.textContent = t('reports.pdf.done', { file });
    } catch (err) {
      pdfStatus.textContent = t('reports.pdf.failed', { detail: err.message });
    } finally {
      pdfButton.disabled = false;
      pdfButton.removeAttribute('aria-busy');
    }
  });

  async function load() {
    clearErrors(form);
    pdfStatus.textContent = '';
    result.setAttribute('aria-busy', 'true');
    const board = boards.find((b) => b.id === boardSel.value);
    try {
      const [report, template] = await Promise.all([
        get(`/api/reports/activity${query({ board_id: boardSel.value, year: yearSel.value })}`),
        get(`/api/boards/${boardSel.value}/template`).catch(() => null),
      ]);
      replace(result,
        h('h2', { id: 'report-h' }, t('reports.heading', { board: board ? board.name : '', year: report.year })),
        figures(report),
        h('section', { class: 'card', 'aria-labelledby': 'chart-h' },
          h('h3', { id: 'chart-h' }, t('reports.chart.heading')),
          h('ul', { class: 'chart-legend', 'aria-hidden': 'true' },
            h('li', {}, h('span', { class: 'swatch swatch-received' }), t('reports.chart.received')),
            h('li', {}, h('span', { class: 'swatch swatch-decided' }), t('reports.chart.decided'))),
          h('figure', { class: 'chart-figure', id: 'report-chart' }, monthlyChart(report.by_month, report.year)),
          h('details', { class: 'chart-data' },
            h('summary', {}, t('reports.chart.data')),
            monthsTable(report))),
        report.follow_up && typeof report.follow_up.asked === 'number' ? followUpSection(report.follow_up) : null,
        fieldsSection(report, template),
        h('section', { class: 'card', 'aria-labelledby': 'orgs-h' },
          h('h3', { id: 'orgs-h' }, t('reports.orgs.heading')),
          organisationsTable(report)),
        h('div', { class: 'actions' }, pdfButton, pdfStatus),
        h('p', { class: 'hint' }, t('reports.pdf.hint')));
    } catch (err) {
      replace(result);
      showError(form, err);
    } finally {
      result.setAttribute('aria-busy', 'false');
    }
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  replace(container,
    h('h1', {}, t('reports.title')),
    h('p', { class: 'muted' }, t('reports.intro')),
    form, result);
  await load();
}
