// The viewer's main image: fitted to its box, zoomed about a centre given in the frame's own
// pixels (so that every screen shows the same part of the image), scrolled by the wheel and the
// keys, zoomed by Ctrl + wheel, panned by dragging. Loading and error states over it.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 10;
const WHEEL_STEP_PX = 100;

export function clampZoom(z) {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Number.isFinite(z) ? z : 1));
}

/**
 * Callbacks: `step(delta)`, `jump('first'|'last')`, `page(sign)`, `zoomBy(factor, anchor)` with
 * the anchor in frame pixels (or null for the centre), `panBy(dx, dy)` in frame pixels, `fit()`.
 */
export function stage({ step, jump, page, zoomBy, panBy, fit, retry }) {
  const img = h('img', { class: 'viewer-image', alt: '', draggable: 'false' });
  const overlay = h('div', { class: 'viewer-overlay', role: 'status', 'aria-live': 'polite' });
  const box = h('div', {
    class: 'viewer-stage', tabindex: '0', role: 'group', 'aria-label': t('viewer.stage.label'),
  }, img, overlay);
  let geometry = { columns: 1, rows: 1 };
  let view = { zoom: 1, center: [0.5, 0.5] };
  let shownUrl = null;
  let wheelRest = 0;

  function scale() {
    const fitScale = Math.min(box.clientWidth / geometry.columns, box.clientHeight / geometry.rows);
    return (fitScale > 0 ? fitScale : 1) * view.zoom;
  }

  function layout() {
    const s = scale();
    const [cx, cy] = view.center;
    img.style.width = `${geometry.columns * s}px`;
    img.style.height = `${geometry.rows * s}px`;
    img.style.transform = `translate(${box.clientWidth / 2 - cx * s}px, ${box.clientHeight / 2 - cy * s}px)`;
  }

  /** Where a screen point of the box falls in frame pixels. */
  function toFrame(clientX, clientY) {
    const r = box.getBoundingClientRect();
    const s = scale();
    return [view.center[0] + (clientX - r.left - r.width / 2) / s, view.center[1] + (clientY - r.top - r.height / 2) / s];
  }

  box.addEventListener('wheel', (e) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? box.clientHeight : 1;
    if (e.ctrlKey || e.metaKey) {
      zoomBy(Math.exp(-e.deltaY * unit * 0.002), toFrame(e.clientX, e.clientY));
      return;
    }
    wheelRest += e.deltaY * unit;
    const steps = Math.trunc(wheelRest / WHEEL_STEP_PX);
    if (steps) {
      wheelRest -= steps * WHEEL_STEP_PX;
      step(steps);
    }
  }, { passive: false });

  let drag = null;
  box.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
    box.setPointerCapture(e.pointerId);
    box.classList.add('dragging');
  });
  box.addEventListener('pointermove', (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    const s = scale();
    const dx = (e.clientX - drag.x) / s;
    const dy = (e.clientY - drag.y) / s;
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (dx || dy) panBy(-dx, -dy);
  });
  const endDrag = (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    drag = null;
    box.classList.remove('dragging');
  };
  box.addEventListener('pointerup', endDrag);
  box.addEventListener('pointercancel', endDrag);

  const KEYS = {
    ArrowUp: () => step(-1), ArrowLeft: () => step(-1),
    ArrowDown: () => step(1), ArrowRight: () => step(1),
    PageUp: () => page(-1), PageDown: () => page(1),
    Home: () => jump('first'), End: () => jump('last'),
    '+': () => zoomBy(1.25, null), '=': () => zoomBy(1.25, null),
    '-': () => zoomBy(0.8, null), 0: () => fit(),
  };
  box.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const action = KEYS[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  });

  const resize = typeof ResizeObserver === 'function' ? new ResizeObserver(() => layout()) : null;
  if (resize) resize.observe(box);

  return {
    el: box,

    /** The frame's size in its own pixels (columns × rows). */
    setGeometry(columns, rows) {
      geometry = { columns: Math.max(1, columns || 1), rows: Math.max(1, rows || 1) };
      layout();
    },

    /** `{zoom, center:[x, y]}`, the centre in frame pixels. */
    setView(next) {
      view = next;
      layout();
    },

    /** Shows an object URL as frame `n`; `data-frame` is set once the picture is on screen. */
    show(url, n, alt) {
      img.alt = alt;
      if (url === shownUrl) return;
      shownUrl = url;
      const done = () => {
        if (shownUrl !== url) return;
        img.dataset.frame = String(n);
        replace(overlay);
        box.classList.remove('loading', 'failed');
      };
      img.onload = done;
      img.src = url;
      if (img.complete && img.naturalWidth) done();
    },

    /** The series whose frames are on screen, for tests and tools reading the page. */
    mark(seriesUid, attachmentId) {
      img.dataset.seriesUid = seriesUid || '';
      img.dataset.attachmentId = attachmentId || '';
    },

    loading() {
      box.classList.add('loading');
      replace(overlay, h('span', { class: 'viewer-overlay-text' }, t('viewer.image.loading')));
    },

    failed(message) {
      box.classList.remove('loading');
      box.classList.add('failed');
      replace(overlay, h('span', { class: 'viewer-overlay-text' }, message),
        retry ? h('button', { type: 'button', class: 'secondary', onclick: () => retry() }, t('viewer.image.retry')) : null);
    },

    focus() { box.focus(); },

    destroy() { if (resize) resize.disconnect(); },
  };
}
