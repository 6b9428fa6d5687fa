// « Ajouter une pièce jointe »: the file and its kind, with safety nets before and after sending
// (size limit, a « .dcm » that is not DICOM, the same file twice) and the upload's progress.
import { api, upload } from '../api.js';
import { h, replace } from '../dom.js';
import { may } from '../context.js';
import { t } from '../i18n.js';
import { formField, errorSummary, showFormErrors, clearFormErrors, problemText } from './fields.js';
import { formatSize, kindText } from './words.js';
import {
  uploadLimit, knownUploadLimit, learnLimit, hasDicomName, looksLikeDicom, looksLikeZip, sha256Hex, sameBytes,
} from './upload-checks.js';

const KINDS = ['imaging', 'note', 'report', 'other'];

function fileHint(limit) {
  return limit ? t('attach.upload.file.hint', { max: formatSize(limit) }) : t('attach.upload.file.hint_nomax');
}

/**
 * uploadForm({ current, onChanged }): `current()` is the dossier as last loaded (its attachments
 * and `can`); `onChanged()` reloads it after an upload or a removal.
 */
export function uploadForm({ current, onChanged }) {
  const file = h('input', { id: 'u-file', type: 'file', name: 'file', 'data-field': 'file' });
  const kind = h('select', { id: 'u-kind', name: 'kind', 'data-field': 'kind' },
    h('option', { value: '' }, t('attach.kind.auto')),
    KINDS.map((k) => h('option', { value: k }, kindText(k))));
  const progress = h('progress', { id: 'u-progress', max: 100, value: 0, hidden: true, 'aria-label': t('attach.upload.progress') });
  const progressText = h('div', { class: 'muted', id: 'u-progress-text', 'aria-live': 'polite' });
  const warning = h('div', { class: 'upload-warning', id: 'upload-warning', role: 'alert', hidden: true });
  const result = h('div', { class: 'upload-status', role: 'status', 'aria-live': 'polite', id: 'upload-result' });
  const button = h('button', { type: 'submit', id: 'upload-button' }, t('attach.upload.send'));
  const form = h('form', { class: 'card upload-form', novalidate: true, 'aria-labelledby': 'upload-h' },
    h('h3', { id: 'upload-h' }, t('attach.upload.title')),
    errorSummary(),
    h('div', { class: 'row' },
      formField(t('attach.upload.file'), file, { hint: fileHint(knownUploadLimit(current())), required: true }),
      formField(t('attach.upload.kind'), kind, { hint: t('attach.upload.kind.hint') })),
    warning,
    h('div', { class: 'actions' }, button),
    progress, progressText, result);

  // A file the user already said to send despite a warning: not asked again.
  let acknowledged = { file: null, dicom: false, duplicate: false };

  // The warning on screen answers with one of its buttons, or 'dismissed' when another file is
  // chosen meanwhile.
  let pending = null;
  function settle(value) {
    warning.hidden = true;
    replace(warning);
    const resolve = pending;
    pending = null;
    if (resolve) resolve(value);
  }
  file.addEventListener('change', () => { if (pending) settle('dismissed'); });

  /** Shows a warning with its choices; resolves with the chosen value. */
  function ask(message, choices) {
    if (pending) settle('dismissed');
    return new Promise((resolve) => {
      pending = resolve;
      const buttons = choices.map(([value, label, cls]) => h('button', {
        type: 'button', class: cls || 'secondary', 'data-choice': value,
        onclick: () => settle(value),
      }, label));
      replace(warning, h('p', {}, message), h('div', { class: 'actions' }, buttons));
      warning.hidden = false;
      buttons[0].focus();
    });
  }

  function resetChoice() {
    file.value = '';
    kind.value = '';
    acknowledged = { file: null, dicom: false, duplicate: false };
  }

  async function checksBeforeSending(chosen) {
    const dossier = current();
    const limit = uploadLimit(dossier);
    if (chosen.size > limit) {
      showFormErrors(form, [{ field: 'file', message: t('attach.error.too_large', { size: formatSize(chosen.size), max: formatSize(limit) }) }]);
      return false;
    }
    if (acknowledged.file !== chosen) acknowledged = { file: chosen, dicom: false, duplicate: false };
    const dicom = await looksLikeDicom(chosen);
    if (hasDicomName(chosen.name) && !dicom && !acknowledged.dicom) {
      const choice = await ask(t('attach.warn.not_dicom', { name: chosen.name, kind: kindText(kind.value || 'other') }), [
        ['send', t('attach.warn.send_anyway')],
        ['kind', t('attach.warn.change_kind')],
        ['cancel', t('attach.warn.cancel')]]);
      if (choice === 'cancel') { resetChoice(); return false; }
      if (choice === 'dismissed') return false;
      acknowledged.dicom = true;
      if (choice === 'kind') { kind.focus(); return false; }
    }
    // DICOM and zips are de-identified on the server: their stored bytes differ from these.
    if (!dicom && !(await looksLikeZip(chosen)) && !acknowledged.duplicate) {
      const twin = sameBytes(dossier.attachments, await sha256Hex(chosen));
      if (twin) {
        const choice = await ask(t('attach.warn.duplicate', { name: twin.filename }), [
          ['cancel', t('attach.warn.cancel')],
          ['send', t('attach.warn.send_anyway')]]);
        if (choice === 'cancel') { resetChoice(); return false; }
        if (choice === 'dismissed') return false;
        acknowledged.duplicate = true;
      }
    }
    return true;
  }

  async function afterSending(att) {
    const dossier = current();
    const twin = sameBytes(dossier.attachments, att.sha256, att.id);
    if (!twin) return;
    const canRemove = may(dossier, 'delete_attachments');
    const choices = canRemove
      ? [['remove', t('attach.warn.remove_new'), 'danger'], ['keep', t('attach.warn.keep_both')]]
      : [['keep', t('attach.warn.ok')]];
    const choice = await ask(t('attach.warn.duplicate', { name: twin.filename }), choices);
    if (choice !== 'remove') return;
    try {
      await api('DELETE', `/api/attachments/${att.id}`);
      replace(result, h('span', { class: 'ok' }, t('attach.upload.removed', { name: att.filename })));
      await onChanged();
    } catch (err) {
      showFormErrors(form, [{ field: null, message: problemText(err) }]);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    replace(result);
    const chosen = file.files && file.files[0];
    if (!chosen) { showFormErrors(form, [{ field: 'file', message: t('attach.error.no_file') }]); return; }
    button.disabled = true;
    try {
      if (!(await checksBeforeSending(chosen))) return;
      progress.hidden = false;
      progress.value = 0;
      const att = await upload(current().id, chosen, kind.value, (loaded, total) => {
        const pct = total ? Math.floor((loaded / total) * 100) : 0;
        progress.value = pct;
        progressText.textContent = t('attach.upload.progress_text', { percent: pct, loaded: formatSize(loaded), total: formatSize(total) });
      });
      progress.value = 100;
      progressText.textContent = t('attach.upload.done_size', { size: formatSize(att.size) });
      replace(result, h('span', { class: 'ok' }, t('attach.upload.done', { name: att.filename })), ' ',
        h('span', { class: 'sha-line' }, t('attach.sha256'), ' ', h('span', { class: 'mono', id: 'uploaded-sha256' }, att.sha256)));
      const duplicateAccepted = acknowledged.duplicate;
      resetChoice();
      await onChanged();
      // Not awaited: the form is free again while the warning waits for an answer.
      if (!duplicateAccepted) afterSending(att).catch((err) => showFormErrors(form, [{ field: null, message: problemText(err) }]));
    } catch (err) {
      progress.hidden = true;
      progressText.textContent = '';
      if (err && err.status === 413) {
        const max = learnLimit(err);
        const hint = form.querySelector('#u-file-hint');
        if (max && hint) hint.textContent = fileHint(max);
        const message = max
          ? t('attach.error.too_large', { size: formatSize(chosen.size), max: formatSize(max) })
          : t('attach.error.too_large_server');
        showFormErrors(form, [{ field: 'file', message }]);
      } else {
        showFormErrors(form, [{ field: err && err.field === 'kind' ? 'kind' : null, message: problemText(err) }]);
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
