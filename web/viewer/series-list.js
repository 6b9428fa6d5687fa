// The series of the viewer's attachments, each a button with a thumbnail of its middle frame;
// the series on screen is pressed.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { framePath, frameUrl } from './frames.js';

const THUMB_SIZE = 128;

export function seriesName(series) {
  return series.series_description || t('viewer.series.untitled');
}

/** `onChoose(series)` when a series' button is pressed. */
export function seriesList({ onChoose }) {
  const list = h('ul', { class: 'viewer-series', 'aria-label': t('viewer.series') });
  const status = h('p', { class: 'muted viewer-series-status', role: 'status' });
  const urls = new Set();
  const controller = new AbortController();
  let buttons = new Map(); // series_uid → button

  async function thumbnail(img, series) {
    const middle = Math.floor(series.frames / 2);
    try {
      const url = await frameUrl(framePath(series.attachment_id, series.series_uid, middle, { size: THUMB_SIZE }), controller.signal);
      if (controller.signal.aborted) { URL.revokeObjectURL(url); return; }
      urls.add(url);
      img.src = url;
    } catch {
      img.classList.add('viewer-thumb-missing');
    }
  }

  function item(series) {
    const name = seriesName(series);
    const img = h('img', { class: 'viewer-thumb', alt: t('viewer.thumb.alt', { description: name }), width: 64, height: 64 });
    const button = h('button', {
      type: 'button', class: 'viewer-series-button', 'aria-pressed': 'false',
      'aria-label': t('viewer.series.choose', { description: name }),
      'data-series-uid': series.series_uid,
      onclick: () => onChoose(series),
    }, img, h('span', { class: 'viewer-series-text' },
      h('span', { class: 'viewer-series-name' }, name),
      h('span', { class: 'hint' }, `${series.modality || '—'} · ${series.frames}`)));
    buttons.set(series.series_uid, button);
    thumbnail(img, series);
    return h('li', {}, button);
  }

  return {
    el: h('div', { class: 'viewer-series-box' }, status, list),

    /** Shows "loading" until `show` is called. */
    loading() { status.textContent = t('viewer.series.loading'); },

    /** The series, each with its `attachment_id`; `problems` are lines to show above them. */
    show(series, problems = []) {
      buttons = new Map();
      replace(list, series.map(item));
      const lines = [...problems];
      if (!series.length && !problems.length) lines.push(t('viewer.series.none'));
      status.textContent = lines.join(' ');
    },

    /** Marks the series on screen. */
    select(seriesUid) {
      for (const [uid, button] of buttons) button.setAttribute('aria-pressed', uid === seriesUid ? 'true' : 'false');
    },

    destroy() {
      controller.abort();
      for (const url of urls) URL.revokeObjectURL(url);
      urls.clear();
    },
  };
}
