// The activity report's monthly chart: received dossiers beside decisions, as plain inline SVG
// (no library). The picture is one image for assistive technologies (its title and summary);
// the figures themselves are in the table that goes with it.
import { t } from '../i18n.js';
import { localeTag } from '../boards/ui.js';

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A round top for the axis: 1, 2, 5, 10, 20, 50… at or above `max` (at least 4). */
export function niceMax(max) {
  if (max <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= max) return m * power;
  return 10 * power;
}

/** The month's name, long or short ('2026-03' → « mars » / « mars »; 'janv.'). */
export function monthName(month, style = 'long') {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(localeTag(), { month: style, timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 15)));
}

let chartCount = 0;

/**
 * The chart of `byMonth` ([{month, received, decided}]) for `year`; `describedBy` is the id of
 * the table with the same figures.
 */
export function monthlyChart(byMonth, year, { describedBy } = {}) {
  chartCount += 1;
  const ids = { title: `chart-title-${chartCount}`, desc: `chart-desc-${chartCount}`, hatch: `chart-hatch-${chartCount}` };
  const W = 640;
  const H = 280;
  const left = 40;
  const right = 8;
  const top = 12;
  const bottom = 36;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const max = niceMax(Math.max(0, ...byMonth.flatMap((m) => [m.received, m.decided])));
  const y = (v) => top + plotH - (v / max) * plotH;
  const slot = plotW / Math.max(1, byMonth.length);
  const bar = Math.min(18, slot * 0.34);
  const totalReceived = byMonth.reduce((n, m) => n + m.received, 0);
  const totalDecided = byMonth.reduce((n, m) => n + m.decided, 0);

  const ticks = [0, max / 4, max / 2, (3 * max) / 4, max];
  const fmt = new Intl.NumberFormat(localeTag(), { maximumFractionDigits: 1 });

  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', focusable: 'false',
    'aria-labelledby': ids.title, 'aria-describedby': [ids.desc, describedBy].filter(Boolean).join(' '),
    preserveAspectRatio: 'xMidYMid meet', 'data-max': max,
  },
  s('title', { id: ids.title }, t('reports.chart.title', { year })),
  s('desc', { id: ids.desc }, t('reports.chart.desc', { received: totalReceived, decided: totalDecided, year })),
  s('defs', {},
    s('pattern', { id: ids.hatch, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      s('rect', { width: 6, height: 6, class: 'chart-decided-bg' }),
      s('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'chart-hatch-line' }))),
  // Grid and axis values.
  s('g', { class: 'chart-grid' }, ticks.map((v) => s('g', {},
    s('line', { x1: left, x2: W - right, y1: y(v), y2: y(v) }),
    s('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'chart-axis' }, fmt.format(v))))),
  // Bars and month names.
  s('g', { class: 'chart-bars' }, byMonth.map((m, i) => {
    const cx = left + slot * i + slot / 2;
    return s('g', { 'data-month': m.month },
      s('rect', {
        class: 'chart-received', x: cx - bar - 1, y: y(m.received), width: bar, height: Math.max(0, top + plotH - y(m.received)),
        'data-value': m.received,
      }),
      s('rect', {
        class: 'chart-decided', x: cx + 1, y: y(m.decided), width: bar, height: Math.max(0, top + plotH - y(m.decided)),
        fill: `url(#${ids.hatch})`, 'data-value': m.decided,
      }),
      s('text', { x: cx, y: H - bottom + 16, 'text-anchor': 'middle', class: 'chart-month chart-month-long' }, monthName(m.month, 'short')),
      s('text', { x: cx, y: H - bottom + 16, 'text-anchor': 'middle', class: 'chart-month chart-month-short' }, monthName(m.month, 'narrow')));
  })),
  s('line', { class: 'chart-baseline', x1: left, x2: W - right, y1: top + plotH, y2: top + plotH }));
  return svg;
}

/**
 * One horizontal bar split in parts (the follow-ups: applied, partly, not applied, no answer),
 * drawn in CSS pixels (no viewBox: the text keeps its size on a phone) with widths in percent.
 * `parts`: [{ key, value, className }]; `label`: the whole picture in words (it is one image for
 * assistive technologies; the legend beside it carries the same figures as text).
 */
export function stackedBar(parts, { label, id } = {}) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  let at = 0;
  return s('svg', {
    class: 'stacked-bar', id, role: 'img', 'aria-label': label, focusable: 'false', width: '100%', height: 28, 'data-total': total,
  },
  s('rect', { class: 'stacked-bg', x: 0, y: 0, width: '100%', height: 28, rx: 3 }),
  parts.filter((p) => p.value > 0).map((p) => {
    const x = total ? (at / total) * 100 : 0;
    const w = total ? (p.value / total) * 100 : 0;
    at += p.value;
    return s('rect', {
      class: `stacked-part ${p.className}`, 'data-part': p.key, 'data-value': p.value,
      x: `${x}%`, y: 0, width: `${w}%`, height: 28,
    });
  }));
}

/**
 * Counts per value as horizontal bars, one row per value: its name above, the bar and the count
 * below (CSS pixels, widths in percent of the box, so that a phone reads it at full size).
 * `rows`: [{ value, label, count }]. Hidden from assistive technologies: the table beside it
 * holds the same figures.
 */
export function countBars(rows, { id } = {}) {
  const rowH = 42;
  const max = Math.max(1, ...rows.map((r) => r.count));
  const fmt = new Intl.NumberFormat(localeTag());
  const span = 82; // percent of the width the longest bar takes; the count goes after it
  return s('svg', {
    class: 'count-bars', id, 'aria-hidden': 'true', focusable: 'false', width: '100%', height: rows.length * rowH + 2, 'data-max': max,
  },
  rows.map((r, i) => {
    const w = (r.count / max) * span;
    const y = i * rowH;
    return s('g', { 'data-value': r.value, 'data-count': r.count },
      s('text', { class: 'count-label', x: 0, y: y + 15 }, r.label),
      s('rect', { class: 'count-track', x: 0, y: y + 21, width: `${span}%`, height: 14, rx: 2 }),
      r.count > 0 ? s('rect', { class: 'count-bar', x: 0, y: y + 21, width: `${w}%`, height: 14, rx: 2 }) : null,
      s('text', { class: 'count-value', x: `${w + 1.5}%`, y: y + 33 }, fmt.format(r.count)));
  }));
}
