// A dossier's attachments as the dossier page and the live room show them.
import { download } from './api.js';
import { h, fmtBytes } from './dom.js';
import { t, currentLang } from './i18n.js';

function dicomFacts(dicom) {
  if (!dicom) return null;
  return h('dl', { class: 'facts dicom' },
    h('dt', {}, 'Modality'), h('dd', {}, dicom.modality || '—'),
    h('dt', {}, 'Study'), h('dd', {}, dicom.study_description || '—'),
    h('dt', {}, 'Series'), h('dd', {}, dicom.series_description || '—'),
    h('dt', {}, 'Instances'), h('dd', {}, String(dicom.instances ?? '—')));
}

/**
 * The attachments table of a dossier: download buttons, delete buttons when `onDelete` is given,
 * and a "Voir" button on DICOM attachments when `onView(attachment)` is given.
 */
export function attachmentTable(attachments, { onDelete, onView } = {}) {
  if (!attachments.length) return h('p', { class: 'muted' }, 'No attachments.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'attachments' },
    h('thead', {}, h('tr', {}, ['File and SHA-256', 'Kind', 'Size', 'DICOM', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, attachments.map((a) => {
      const status = h('span', { role: 'status', class: 'muted' });
      const dl = h('button', {
        type: 'button', class: 'secondary', 'aria-label': `Download ${a.filename}`,
        onclick: async () => {
          status.textContent = '';
          try { await download(`/api/attachments/${a.id}/content`, a.filename); } catch (err) { status.textContent = err.message; }
        },
      }, 'Download');
      const del = onDelete ? h('button', {
        type: 'button', class: 'danger', 'aria-label': `Delete ${a.filename}`,
        onclick: () => onDelete(a, status),
      }, 'Delete') : null;
      const view = onView && a.dicom ? h('button', {
        type: 'button', class: 'view-images', lang: currentLang(), 'aria-label': t('viewer.open.label', { file: a.filename }),
        onclick: () => onView(a),
      }, t('viewer.open')) : null;
      return h('tr', { 'data-attachment-id': a.id },
        h('td', {}, a.filename, a.deidentified ? h('div', { class: 'hint' }, 'de-identified') : null,
          h('span', { class: 'mono sha256', title: 'SHA-256 of the stored bytes' }, a.sha256)),
        h('td', {}, a.kind),
        h('td', {}, fmtBytes(a.size)),
        h('td', {}, dicomFacts(a.dicom) || '—'),
        h('td', {}, h('div', { class: 'actions' }, view, dl, del), status));
    }))));
}
