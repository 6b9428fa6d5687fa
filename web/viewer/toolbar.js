// The viewer's controls: previous / next, the slider through the series with its counter
// ("Image 12 / 40"), the window (the file's own or a preset), and the zoom.
import { h, replace, uid } from '../dom.js';
import { t } from '../i18n.js';

export const PRESETS = ['brain', 'subdural', 'stroke', 'bone', 'soft_tissue', 'lung'];

/** The window as a select value: 'default', a preset, 'custom' (wc/ww) or 'presenter'. */
export function windowValue(win) {
  if (!win) return 'default';
  if (win.wc !== undefined && win.ww !== undefined) return 'custom';
  return win.preset || 'default';
}

/**
 * Callbacks: `goTo(n)` (0-based), `step(delta)`, `setWindow(value)` with a value of
 * `windowValue`, `zoomBy(factor)`, `fit()`.
 */
export function toolbar({ goTo, step, setWindow, zoomBy, fit }) {
  const sliderId = uid('viewer-slider');
  const windowId = uid('viewer-window');
  const slider = h('input', { type: 'range', id: sliderId, min: 0, max: 0, step: 1, value: 0, class: 'viewer-slider', 'aria-label': t('viewer.slider') });
  const counter = h('output', { class: 'viewer-counter', for: sliderId, 'aria-live': 'off' });
  const prev = h('button', { type: 'button', class: 'secondary icon', 'aria-label': t('viewer.prev'), title: t('viewer.prev'), onclick: () => step(-1) }, '▲');
  const next = h('button', { type: 'button', class: 'secondary icon', 'aria-label': t('viewer.next'), title: t('viewer.next'), onclick: () => step(1) }, '▼');
  const select = h('select', { id: windowId, class: 'viewer-window' });
  const zoomOut = h('button', { type: 'button', class: 'secondary icon', 'aria-label': t('viewer.zoom.out'), title: t('viewer.zoom.out'), onclick: () => zoomBy(0.8) }, '−');
  const zoomIn = h('button', { type: 'button', class: 'secondary icon', 'aria-label': t('viewer.zoom.in'), title: t('viewer.zoom.in'), onclick: () => zoomBy(1.25) }, '+');
  const zoomFit = h('button', { type: 'button', class: 'secondary', 'aria-label': t('viewer.zoom.fit'), title: t('viewer.zoom.fit'), onclick: () => fit() }, t('viewer.zoom.fit.short'));
  const zoomText = h('span', { class: 'hint viewer-zoom-level' });

  slider.addEventListener('input', () => goTo(Number(slider.value)));
  select.addEventListener('change', () => setWindow(select.value));

  let extras = { custom: null, presenter: false };

  // The options are rebuilt only when they change (not on every frame), so that an open list
  // stays open while the frames go by.
  let optionsKey = '';
  function options(current) {
    const list = [['default', t('viewer.window.default')]];
    if (extras.presenter) list.push(['presenter', t('viewer.window.presenter')]);
    for (const p of PRESETS) list.push([p, t(`viewer.preset.${p}`)]);
    if (extras.custom) list.push(['custom', t('viewer.window.custom', { center: extras.custom.wc, width: extras.custom.ww })]);
    const key = JSON.stringify(list);
    if (key !== optionsKey) {
      optionsKey = key;
      replace(select, list.map(([v, text]) => h('option', { value: v }, text)));
    }
    if (select.value !== current) select.value = current;
  }

  options('default');

  return {
    el: h('div', { class: 'viewer-toolbar' },
      h('div', { class: 'viewer-nav' }, prev, slider, next, counter),
      h('div', { class: 'viewer-tools' },
        h('label', { for: windowId }, t('viewer.window')), select,
        h('span', { class: 'viewer-zoom', role: 'group', 'aria-label': t('viewer.zoom') }, zoomOut, zoomIn, zoomFit, zoomText))),

    /** Frame `n` (0-based) of `total`. */
    showFrame(n, total) {
      const text = t('viewer.counter', { n: total ? n + 1 : 0, total });
      slider.max = String(Math.max(0, total - 1));
      if (slider.value !== String(n)) slider.value = String(n);
      slider.disabled = total <= 1;
      slider.setAttribute('aria-valuetext', text);
      counter.textContent = text;
      prev.disabled = n <= 0;
      next.disabled = n >= total - 1;
    },

    /**
     * The window in use (a `windowValue`); `custom` is the `{wc, ww}` to offer, `presenter`
     * whether "the presenter's window" is offered (a follower who chose their own).
     */
    showWindow(value, { custom = null, presenter = false } = {}) {
      extras = { custom, presenter };
      options(value);
    },

    showZoom(zoom) {
      zoomText.textContent = t('viewer.zoom.level', { percent: Math.round(zoom * 100) });
      zoomOut.disabled = zoom <= 1;
    },
  };
}
