// One dossier: its case (editable by the referrer while `can.edit`), the actions the server
// allows (`can`), the board's decision, the attachments and the image viewer.
import { api, get } from '../api.js';
import { h, replace } from '../dom.js';
import { boardsWithRoles, may } from '../context.js';
import { decisionPanel } from '../decision.js';
import { attachmentTable } from '../attachments.js';
import { createViewer } from '../viewer/viewer.js';
import { t, currentLang } from '../i18n.js';
import { metaLine, caseFacts } from './case.js';
import { uploadForm } from './upload.js';
import { caseEditor } from './editor.js';
import { dossierActions } from './actions.js';
import { confirmDialog } from './confirm.js';
import { problemText } from './fields.js';

export async function dossierPage(main, id) {
  const [first, boards] = await Promise.all([get(`/api/dossiers/${id}`), boardsWithRoles()]);
  let dossier = first;
  const live = h('div', { role: 'status', 'aria-live': 'polite', class: 'visually-hidden', id: 'dossier-live' });
  const attStatus = h('p', { class: 'form-error', role: 'alert', hidden: true, id: 'attachments-error' });

  const state = {
    get dossier() { return dossier; },
    /** Every board (GET /api/boards): where a draft may be moved. */
    boards,
    /** The dossier's board as last saved. */
    get board() { return boardById(dossier.board_id); },
    boardById,
    editor: null, // the edit form while open; kept across re-renders
    set(next, message) {
      dossier = next;
      render();
      if (message) live.textContent = message;
    },
    async reload() { dossier = await get(`/api/dossiers/${dossier.id}`); render(); },
    render: () => render(),
    announce(message) { live.textContent = message; },
  };

  function boardById(boardId) { return boards.find((b) => b.id === boardId) || null; }

  // Built once, so that the progress bar, warnings and result stay across re-renders.
  let uploader = null;

  // The image viewer over the DICOM attachments, opened by « Voir »; kept across re-renders,
  // closed when one of its attachments is gone.
  let imaging = null; // { viewer, section, ids }
  function closeViewer() {
    if (!imaging) return;
    imaging.viewer.destroy();
    imaging.section.remove();
    imaging = null;
  }
  function openViewer(attachment) {
    if (!imaging) {
      const dicom = dossier.attachments.filter((a) => a.dicom);
      const viewer = createViewer({ attachments: dicom });
      const close = h('button', { type: 'button', class: 'secondary', id: 'close-viewer', onclick: () => closeViewer() }, t('viewer.close'));
      const section = h('section', { class: 'card', lang: currentLang(), 'aria-labelledby': 'viewer-h', id: 'viewer-section' },
        h('div', { class: 'viewer-head' }, h('h2', { id: 'viewer-h' }, t('viewer.title')), close), viewer.el);
      imaging = { viewer, section, ids: new Set(dicom.map((a) => a.id)) };
      render();
    }
    imaging.section.scrollIntoView({ block: 'start' });
    imaging.viewer.ready.then(() => imaging && imaging.viewer.openAttachment(attachment.id));
  }

  async function deleteAttachment(a) {
    attStatus.hidden = true;
    const yes = await confirmDialog({
      title: t('attach.delete.confirm_title'),
      message: t('attach.delete.confirm', { name: a.filename }),
      confirmLabel: t('attach.delete'),
      danger: true,
    });
    if (!yes) return;
    try {
      await api('DELETE', `/api/attachments/${a.id}`);
      await state.reload();
      live.textContent = t('attach.deleted', { name: a.filename });
      document.getElementById('att-h')?.focus();
    } catch (err) {
      attStatus.textContent = problemText(err);
      attStatus.hidden = false;
    }
  }

  function render() {
    if (!may(dossier, 'edit')) state.editor = null;
    if (imaging && [...imaging.ids].some((aid) => !dossier.attachments.some((a) => a.id === aid))) closeViewer();
    const canUpload = may(dossier, 'upload');
    if (canUpload && !uploader) uploader = uploadForm({ current: () => dossier, onChanged: () => state.reload() });
    const actions = dossierActions(state, { openEditor });
    const caseBody = state.editor ? state.editor.form : caseFacts(dossier);
    replace(main, h('div', { class: 'dossier-page', lang: currentLang() },
      h('h1', { class: 'dossier-heading' }, t('dossier.page.heading', { reference: dossier.reference, title: dossier.title })),
      live,
      metaLine(dossier, state.board),
      actions,
      dossier.decision ? decisionPanel(dossier.decision, { headingLevel: 'h2', title: t('dossier.decision.of_board') }) : null,
      h('section', { class: 'card case', 'aria-labelledby': 'case-h' },
        h('div', { class: 'section-head' },
          h('h2', { id: 'case-h', tabindex: '-1' }, t('dossier.page.case')),
          !state.editor && may(dossier, 'edit')
            ? h('button', { type: 'button', class: 'secondary', id: 'edit-dossier', onclick: () => openEditor() },
              dossier.status === 'draft' ? t('dossier.edit.open_draft') : t('dossier.edit.open'))
            : null),
        caseBody),
      h('section', { class: 'card', 'aria-labelledby': 'att-h' },
        h('h2', { id: 'att-h', tabindex: '-1' }, t('attach.title')),
        attStatus,
        attachmentTable(dossier.attachments, {
          onView: openViewer,
          onDelete: may(dossier, 'delete_attachments') ? (a) => deleteAttachment(a) : null,
        }),
        canUpload ? uploader : null),
      imaging ? imaging.section : null));
  }

  /** Opens the edit form; `errors` (what submission lacks) are shown in it at once. */
  async function openEditor(errors) {
    if (!state.editor) {
      state.editor = caseEditor(state);
      render();
    }
    if (errors && errors.length) state.editor.showErrors(errors, t('dossier.submit.missing_intro'));
    else state.editor.focusFirst();
  }

  render();
  // The decision arrives while the page is open: look again now and then until it is decided.
  const poll = setInterval(async () => {
    if (['decided', 'withdrawn', 'draft'].includes(dossier.status) || state.editor) return;
    try {
      const fresh = await get(`/api/dossiers/${id}`);
      if (fresh.status !== dossier.status || (fresh.decision && fresh.decision.id) !== (dossier.decision && dossier.decision.id)) {
        state.set(fresh, t('dossier.page.now', { status: t(`dossier.status.${fresh.status}`) }));
      }
    } catch { /* shown on the next navigation */ }
  }, 5000);
  return () => { clearInterval(poll); closeViewer(); };
}
