// A dossier's attachments as the dossier page and the live room show them. A table on a wide
// screen (the DICOM facts under the file's name); on a narrow one each attachment becomes a card
// (css/dossiers.css). Long names wrap.
import { download } from './api.js';
import { h } from './dom.js';
import { t, currentLang, formatTime } from './i18n.js';
import { formatSize, kindText } from './dossier/words.js';

function dicomFacts(dicom) {
  if (!dicom) return null;
  return h('dl', { class: 'facts dicom' },
    h('dt', {}, t('attach.dicom.modality')), h('dd', {}, dicom.modality || '—'),
    h('dt', {}, t('attach.dicom.study')), h('dd', {}, dicom.study_description || '—'),
    h('dt', {}, t('attach.dicom.series')), h('dd', {}, dicom.series_description || '—'),
    h('dt', {}, t('attach.dicom.instances')), h('dd', {}, String(dicom.instances ?? '—')));
}

function cell(column, ...content) {
  return h('td', { 'data-label': t(`attach.col.${column}`), class: `att-${column}` }, ...content);
}

/**
 * The attachments table of a dossier: download buttons, delete buttons when `onDelete(attachment,
 * statusElement)` is given (the caller asks for confirmation), and a « Voir » button on DICOM
 * attachments when `onView(attachment)` is given.
 */
export function attachmentTable(attachments, { onDelete, onView } = {}) {
  if (!attachments.length) return h('p', { class: 'muted', lang: currentLang() }, t('attach.none'));
  return h('div', { class: 'table-wrap', lang: currentLang() }, h('table', { class: 'attachments stackable' },
    h('caption', { class: 'visually-hidden' }, t('attach.caption')),
    h('thead', {}, h('tr', {},
      ['file', 'kind', 'size'].map((c) => h('th', { scope: 'col' }, t(`attach.col.${c}`))),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('attach.col.actions'))))),
    h('tbody', {}, attachments.map((a) => {
      const status = h('span', { role: 'status', class: 'muted' });
      const dl = h('button', {
        type: 'button', class: 'secondary', 'aria-label': t('attach.download.label', { name: a.filename }),
        onclick: async () => {
          status.textContent = '';
          try { await download(`/api/attachments/${a.id}/content`, a.filename); } catch (err) { status.textContent = t('attach.download.failed', { detail: err.message }); }
        },
      }, t('attach.download'));
      const del = onDelete ? h('button', {
        type: 'button', class: 'danger', 'aria-label': t('attach.delete.label', { name: a.filename }),
        onclick: () => onDelete(a, status),
      }, t('attach.delete')) : null;
      const view = onView && a.dicom ? h('button', {
        type: 'button', class: 'view-images', 'aria-label': t('viewer.open.label', { file: a.filename }),
        onclick: () => onView(a),
      }, t('viewer.open')) : null;
      return h('tr', { 'data-attachment-id': a.id },
        cell('file',
          h('span', { class: 'att-name' }, a.filename),
          a.deidentified ? h('div', { class: 'hint' }, t('attach.deidentified')) : null,
          a.created_at ? h('div', { class: 'hint' }, t('attach.added', { when: formatTime(a.created_at) })) : null,
          dicomFacts(a.dicom),
          h('span', { class: 'mono sha256', title: t('attach.sha256.title') }, a.sha256)),
        cell('kind', kindText(a.kind)),
        cell('size', formatSize(a.size)),
        cell('actions', h('div', { class: 'actions' }, view, dl, del), status));
    }))));
}
