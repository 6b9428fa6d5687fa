// The image viewer: the series of some DICOM attachments, the frame on screen with its window
// and zoom, and the controls. It knows nothing of the room: a change made by the user is told
// to `onChange(view, kind)`, and a view from elsewhere is shown with `applyView(view)`.
//
// A view is the room's shape (API.md section 11):
// {attachment_id, series_uid, frame, preset?, wc?, ww?, zoom, center:[x, y]}.
import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { FrameLoader } from './frames.js';
import { seriesList, seriesName } from './series-list.js';
import { stage as makeStage, clampZoom } from './stage.js';
import { toolbar as makeToolbar, windowValue } from './toolbar.js';

const SIZE_STEPS = [256, 512, 1024, 2048];
const LOADING_DELAY_MS = 150;

function errorText(err) {
  if (err && err.status === 415) return t('viewer.image.unsupported', { message: err.message });
  if (err && err.status === 0) return t('viewer.image.offline');
  return t('viewer.image.error', { message: (err && err.message) || String(err) });
}

/** `{preset}` or `{wc, ww}` out of a view. */
export function windowOf(view) {
  if (view && Number.isFinite(view.wc) && Number.isFinite(view.ww)) return { wc: view.wc, ww: view.ww };
  return { preset: (view && view.preset) || 'default' };
}

/**
 * `attachments`: Attachment objects (those without `dicom` are left out). `onChange(view, kind)`
 * with kind 'series' | 'frame' | 'zoom' | 'pan' | 'window' | 'presenter-window', for the
 * user's own changes only. `top` and `bottom`: elements shown above and below the image.
 */
export function createViewer({ attachments, onChange = () => {}, top = null, bottom = null }) {
  const loader = new FrameLoader();
  let all = []; // every series, each with attachment_id and filename
  let cur = null; // { series, frame, window, zoom, center }
  let size = null;
  let renderToken = 0;
  let loadingTimer = null;
  let offerPresenterWindow = false;

  const list = seriesList({ onChoose: (s) => { chooseSeries(s); emit('series'); } });
  const stageBox = makeStage({
    step: (d) => goTo(cur ? cur.frame + d : 0, 'frame'),
    page: (sign) => goTo(cur ? cur.frame + sign * Math.max(1, Math.round(cur.series.frames / 10)) : 0, 'frame'),
    jump: (where) => goTo(where === 'first' ? 0 : Infinity, 'frame'),
    zoomBy: (factor, anchor) => zoomBy(factor, anchor),
    panBy: (dx, dy) => panBy(dx, dy),
    fit: () => fit(),
    retry: () => render(),
  });
  const bar = makeToolbar({
    goTo: (n) => goTo(n, 'frame'),
    step: (d) => goTo(cur ? cur.frame + d : 0, 'frame'),
    setWindow: (value) => chooseWindow(value),
    zoomBy: (factor) => zoomBy(factor, null),
    fit: () => fit(),
  });
  const main = h('div', { class: 'viewer-main', hidden: true }, stageBox.el, bar.el);
  // The page around may be in another language: screen readers read these words in theirs.
  const el = h('section', { class: 'viewer', lang: currentLang(), 'aria-label': t('viewer.title') }, top, list.el, main, bottom);

  function view() {
    if (!cur) return null;
    const v = {
      attachment_id: cur.series.attachment_id,
      series_uid: cur.series.series_uid,
      frame: cur.frame,
      zoom: Math.round(cur.zoom * 1000) / 1000,
      center: cur.center.map((c) => Math.round(c * 10) / 10),
    };
    if (cur.window.wc !== undefined) { v.wc = cur.window.wc; v.ww = cur.window.ww; } else v.preset = cur.window.preset;
    return v;
  }

  function emit(kind) { if (cur) onChange(view(), kind); }

  function sizeFor(series) {
    const box = stageBox.el;
    const longest = Math.max(box.clientWidth, box.clientHeight) || 512;
    const wanted = longest * (window.devicePixelRatio || 1);
    const target = SIZE_STEPS.find((s) => s >= wanted) || SIZE_STEPS[SIZE_STEPS.length - 1];
    return Math.max(series.rows, series.columns) <= target ? null : target;
  }

  function chooseSeries(series, { frame = 0, keepWindow = true, draw = true } = {}) {
    const win = keepWindow && cur && cur.window.preset ? cur.window : { preset: 'default' };
    main.hidden = false;
    cur = {
      series,
      frame: Math.min(Math.max(0, frame), series.frames - 1),
      window: win,
      zoom: 1,
      center: [series.columns / 2, series.rows / 2],
    };
    list.select(series.series_uid);
    stageBox.mark(series.series_uid, series.attachment_id);
    stageBox.setGeometry(series.columns, series.rows);
    size = sizeFor(series);
    if (draw) render();
  }

  function render() {
    if (!cur) return;
    const { series, frame } = cur;
    bar.showFrame(frame, series.frames);
    bar.showWindow(windowValue(cur.window), { custom: cur.window.wc !== undefined ? cur.window : null, presenter: offerPresenterWindow });
    bar.showZoom(cur.zoom);
    stageBox.setView({ zoom: cur.zoom, center: cur.center });
    loader.setSource({ attachmentId: series.attachment_id, seriesUid: series.series_uid, frames: series.frames, window: cur.window, size });
    loader.focus(frame);
    const token = ++renderToken;
    clearTimeout(loadingTimer);
    loadingTimer = setTimeout(() => { if (token === renderToken) stageBox.loading(); }, LOADING_DELAY_MS);
    loader.load(frame).then((url) => {
      if (token !== renderToken) return;
      clearTimeout(loadingTimer);
      loader.pin(url);
      stageBox.show(url, frame, t('viewer.image.alt', { n: frame + 1, total: series.frames, description: seriesName(series) }));
    }, (err) => {
      if (token !== renderToken || (err && err.name === 'AbortError')) return;
      clearTimeout(loadingTimer);
      stageBox.failed(errorText(err));
    });
  }

  function goTo(n, kind) {
    if (!cur) return;
    const next = Math.min(Math.max(0, n), cur.series.frames - 1);
    if (next === cur.frame) { bar.showFrame(next, cur.series.frames); return; }
    cur.frame = next;
    render();
    emit(kind);
  }

  function clampCenter([x, y]) {
    return [Math.min(Math.max(0, x), cur.series.columns), Math.min(Math.max(0, y), cur.series.rows)];
  }

  function zoomBy(factor, anchor) {
    if (!cur) return;
    const zoom = clampZoom(cur.zoom * factor);
    if (zoom === cur.zoom) return;
    if (anchor) {
      // Keep the frame point under the pointer where it is.
      const k = cur.zoom / zoom;
      cur.center = clampCenter([anchor[0] - (anchor[0] - cur.center[0]) * k, anchor[1] - (anchor[1] - cur.center[1]) * k]);
    }
    cur.zoom = zoom;
    if (zoom === 1) cur.center = [cur.series.columns / 2, cur.series.rows / 2];
    stageBox.setView({ zoom: cur.zoom, center: cur.center });
    bar.showZoom(cur.zoom);
    emit('zoom');
  }

  function panBy(dx, dy) {
    if (!cur) return;
    cur.center = clampCenter([cur.center[0] + dx, cur.center[1] + dy]);
    stageBox.setView({ zoom: cur.zoom, center: cur.center });
    emit('pan');
  }

  function fit() {
    if (!cur) return;
    cur.zoom = 1;
    cur.center = [cur.series.columns / 2, cur.series.rows / 2];
    stageBox.setView({ zoom: cur.zoom, center: cur.center });
    bar.showZoom(cur.zoom);
    emit('zoom');
  }

  function chooseWindow(value) {
    if (!cur) return;
    if (value === 'presenter') { emit('presenter-window'); return; }
    if (value === 'custom') return; // already in use
    cur.window = { preset: value };
    render();
    emit('window');
  }

  function find(attachmentId, seriesUid) {
    return all.find((s) => s.attachment_id === attachmentId && s.series_uid === seriesUid);
  }

  async function loadSeries() {
    const dicom = attachments.filter((a) => a.dicom);
    list.loading();
    const problems = [];
    const found = await Promise.all(dicom.map(async (a) => {
      try {
        const { items } = await get(`/api/attachments/${a.id}/series`);
        return items.map((s) => ({ ...s, attachment_id: a.id, filename: a.filename }));
      } catch (err) {
        problems.push(t('viewer.series.error', { file: a.filename, message: err.message }));
        return [];
      }
    }));
    // A series without pixel data (a header-only file) has nothing to show.
    const empty = found.flat().filter((s) => !(s.frames > 0));
    for (const s of empty) problems.push(t('viewer.series.empty', { description: seriesName(s), file: s.filename }));
    all = found.flat().filter((s) => s.frames > 0);
    list.show(all, problems);
    if (all.length && !cur) chooseSeries(all[0]);
  }

  const ready = loadSeries();

  return {
    el,
    /** Resolves once the series are known. */
    ready,

    /** The view on screen (null before a series is shown). */
    getView: view,

    /** The series and frame on screen, for a key image. */
    current() { return cur ? { series: cur.series, frame: cur.frame } : null; },

    seriesOf(attachmentId, seriesUid) { return find(attachmentId, seriesUid) || null; },

    /**
     * Shows a view from elsewhere (never told to `onChange`). `keepWindow`: leave the window as
     * it is. Returns false when the view's series is not one of this viewer's.
     */
    applyView(v, { keepWindow = false } = {}) {
      const series = v && find(v.attachment_id, v.series_uid);
      if (!series) return false;
      if (!cur || cur.series !== series) chooseSeries(series, { draw: false });
      cur.frame = Math.min(Math.max(0, Number(v.frame) || 0), series.frames - 1);
      if (!keepWindow) cur.window = windowOf(v);
      cur.zoom = clampZoom(Number(v.zoom) || 1);
      cur.center = Array.isArray(v.center) && v.center.length === 2 && v.center.every(Number.isFinite)
        ? clampCenter(v.center) : [series.columns / 2, series.rows / 2];
      render();
      return true;
    },

    /** Shows the first series of an attachment, as the user's choice. */
    openAttachment(attachmentId) {
      const series = all.find((s) => s.attachment_id === attachmentId);
      if (series) { chooseSeries(series); emit('series'); stageBox.focus(); }
    },

    /** Shows a frame of a series, as the user's choice (a key image). */
    show(attachmentId, seriesUid, frame) {
      const series = find(attachmentId, seriesUid);
      if (!series) return;
      if (!cur || cur.series !== series) { chooseSeries(series, { frame }); emit('series'); } else goTo(frame, 'frame');
      stageBox.focus();
    },

    /** Whether the window select offers "the presenter's window". */
    offerPresenterWindow(on) {
      if (offerPresenterWindow === on) return;
      offerPresenterWindow = on;
      if (cur) bar.showWindow(windowValue(cur.window), { custom: cur.window.wc !== undefined ? cur.window : null, presenter: on });
    },

    /** Sets the window as if chosen elsewhere (not told to `onChange`). */
    setWindow(win) {
      if (!cur) return;
      cur.window = win;
      render();
    },

    focus() { stageBox.focus(); },

    destroy() {
      clearTimeout(loadingTimer);
      renderToken += 1;
      loader.destroy();
      list.destroy();
      stageBox.destroy();
      replace(el);
    },
  };
}
