// Key images: the "Image clé" button that marks the frame on screen with a note (0–500
// characters), and the list of the key images marked on the dossier's imaging in this session.
import { h, replace, uid } from '../dom.js';
import { timeOf } from '../room/store.js';
import { t } from '../i18n.js';
import { framePath, frameUrl } from './frames.js';
import { seriesName } from './series-list.js';

const MAX_NOTE = 500;

/**
 * `mark(cmd, {onAck, onError})` sends the room's `mark`; `show(attachmentId, seriesUid, frame)`
 * brings a key image on screen.
 */
export function keyImages({ mark, show }) {
  const noteId = uid('key-note');
  const status = h('p', { class: 'hint', role: 'status' });
  const markButton = h('button', { type: 'button', class: 'secondary', id: 'key-image-button' }, t('key.button'));
  const note = h('textarea', { id: noteId, rows: 2, maxlength: MAX_NOTE, class: 'key-note' });
  const count = h('span', { class: 'hint', 'aria-live': 'off' }, t('key.count', { n: 0 }));
  const what = h('p', { class: 'hint' });
  const save = h('button', { type: 'submit' }, t('key.save'));
  const form = h('form', { class: 'key-form', novalidate: true, hidden: true },
    what,
    h('div', { class: 'field' }, h('label', { for: noteId }, t('key.note')), note, count),
    h('div', { class: 'actions' }, save,
      h('button', { type: 'button', class: 'secondary', onclick: () => close() }, t('key.cancel'))));
  const list = h('ul', { class: 'key-images', id: 'key-images' });
  const thumbs = new Map(); // key → object URL
  const controller = new AbortController();
  let viewer = null;
  let all = []; // every key_image event seen, in seq order
  let target = null; // { series, frame } being marked
  let allowed = false;

  function close() {
    form.hidden = true;
    markButton.hidden = !allowed || !viewer || !viewer.current();
    target = null;
    markButton.focus();
  }

  markButton.addEventListener('click', () => {
    target = viewer && viewer.current();
    if (!target) return;
    what.textContent = `${t('viewer.counter', { n: target.frame + 1, total: target.series.frames })} · ${seriesName(target.series)}`;
    note.value = '';
    count.textContent = t('key.count', { n: 0 });
    status.textContent = '';
    form.hidden = false;
    markButton.hidden = true;
    note.focus();
  });
  note.addEventListener('input', () => { count.textContent = t('key.count', { n: note.value.length }); });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!target) return;
    if (note.value.length > MAX_NOTE) { status.textContent = t('key.too.long'); note.focus(); return; }
    save.disabled = true;
    const cmd = {
      type: 'mark', attachment_id: target.series.attachment_id, series_uid: target.series.series_uid,
      frame: target.frame, note: note.value.trim(),
    };
    mark(cmd, {
      onAck: () => { save.disabled = false; close(); status.textContent = t('key.saved'); },
      onError: (message) => { save.disabled = false; status.textContent = message; },
    });
  });

  async function thumbnail(img, k) {
    const key = `${k.attachment_id}|${k.series_uid}|${k.frame}`;
    let url = thumbs.get(key);
    if (!url) {
      try {
        url = await frameUrl(framePath(k.attachment_id, k.series_uid, k.frame, { size: 64 }), controller.signal);
      } catch { return; }
      if (controller.signal.aborted) { URL.revokeObjectURL(url); return; }
      thumbs.set(key, url);
    }
    img.src = url;
  }

  function item(k) {
    const series = viewer.seriesOf(k.attachment_id, k.series_uid);
    const name = series ? seriesName(series) : k.series_uid;
    const img = h('img', { class: 'key-thumb', alt: '', width: 48, height: 48 });
    thumbnail(img, k);
    return h('li', { 'data-frame': k.frame, 'data-series-uid': k.series_uid },
      img,
      h('div', { class: 'key-text' },
        h('strong', {}, t('key.item', { n: k.frame + 1, series: name })),
        k.note ? h('div', { class: 'prewrap' }, k.note) : null,
        h('div', { class: 'hint' }, t('key.by', { name: k.by ? k.by.name : '—', time: timeOf(k.at) }))),
      h('button', {
        type: 'button', class: 'secondary', 'aria-label': t('key.show.label', { n: k.frame + 1, series: name }),
        onclick: () => show(k.attachment_id, k.series_uid, k.frame),
      }, t('key.show')));
  }

  function render() {
    const shown = viewer ? all.filter((k) => viewer.seriesOf(k.attachment_id, k.series_uid)) : [];
    replace(list, shown.length ? shown.map(item) : h('li', { class: 'muted' }, t('key.none')));
    if (form.hidden) markButton.hidden = !allowed || !viewer || !viewer.current();
  }

  return {
    el: h('div', { class: 'key-box' },
      h('div', { class: 'actions' }, markButton), form, status,
      h('h4', {}, t('key.title')), list),

    /** The viewer whose series the list names and the button marks; `may`: whether to offer marking. */
    attach(v, may) {
      if (v !== viewer && !form.hidden) { form.hidden = true; target = null; }
      viewer = v;
      allowed = Boolean(may);
      render();
    },

    /** A `key_image` event (kept once per seq). */
    add(event) {
      if (all.some((k) => k.seq === event.seq)) return;
      all.push(event);
      render();
    },

    render,

    destroy() {
      controller.abort();
      for (const url of thumbs.values()) URL.revokeObjectURL(url);
      thumbs.clear();
    },
  };
}
