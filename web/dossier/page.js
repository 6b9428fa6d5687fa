// One dossier: its case (editable by the referrer while `can.edit`), the actions the server
// allows (`can`), the board's decision, the attachments (uploaded, or imported from the PACS:
// pacs.js) and the image viewer.
import { api, get, session } from '../api.js';
import { h, replace } from '../dom.js';
import { boardsWithRoles, may } from '../context.js';
import { decisionPanel } from '../decision.js';
import { attachmentTable } from '../attachments.js';
import { createViewer } from '../viewer/viewer.js';
import { t, currentLang } from '../i18n.js';
import { metaLine, caseFacts } from './case.js';
import { uploadForm } from './upload.js';
import { pacsPanel } from './pacs.js';
import { caseEditor } from './editor.js';
import { dossierActions } from './actions.js';
import { confirmDialog } from './confirm.js';
import { problemText } from './fields.js';
import { loadTemplates, templateFacts, templateApplies, missingKinds, kindNeeded, EMPTY_TEMPLATE } from './template.js';
import { followUpSection, myFollowUps } from './follow-up.js';

export async function dossierPage(main, id) {
  const [first, boards] = await Promise.all([get(`/api/dossiers/${id}`), boardsWithRoles()]);
  let dossier = first;
  // The board templates on hand (the dossier's board's from the start; every board's once the
  // edit form of a draft, which may move it, is opened), and the referrer's follow-up.
  const templates = new Map();
  let followUp = null;
  const [loaded] = await Promise.all([loadTemplates([first.board_id]), loadFollowUp()]);
  for (const [k, v] of loaded) templates.set(k, v);

  function isMine() { return Boolean(session.user && dossier.referrer && dossier.referrer.id === session.user.id); }

  /** The caller's follow-up of the dossier's decision, when they referred it and it is decided. */
  async function loadFollowUp() {
    followUp = null;
    if (dossier.status !== 'decided' || !dossier.decision || !isMine()) return;
    const items = await myFollowUps();
    followUp = items.find((f) => f.decision_id === dossier.decision.id) || null;
  }

  async function ensureTemplates(boardIds) {
    const wanted = boardIds.filter((b) => b && !templates.has(b));
    if (!wanted.length) return;
    for (const [k, v] of await loadTemplates(wanted)) templates.set(k, v);
  }
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
    /** The board templates loaded so far, by board id. */
    templates,
    /** A board's template (empty while not loaded, or when the board has none). */
    templateFor(boardId) { return templates.get(boardId) || EMPTY_TEMPLATE; },
    set(next, message) {
      dossier = next;
      render();
      if (message) live.textContent = message;
    },
    async reload() {
      dossier = await get(`/api/dossiers/${dossier.id}`);
      await Promise.all([ensureTemplates([dossier.board_id]), loadFollowUp()]);
      render();
    },
    render: () => render(),
    announce(message) { live.textContent = message; },
  };

  function boardById(boardId) { return boards.find((b) => b.id === boardId) || null; }

  // Built once, so that the progress bar, warnings and result stay across re-renders.
  let uploader = null;
  // « Depuis le PACS », for whoever may add attachments; built once too (its import's progress).
  let pacs = null;
  // The follow-up section, kept across re-renders while its state is the same (typed text stays).
  let followUpBox = null;
  function followUpView() {
    const decision = dossier.decision;
    const key = decision ? `${decision.id}:${decision.follow_up ? 'answered' : followUp ? 'open' : 'none'}` : 'none';
    if (!followUpBox || followUpBox.key !== key) {
      followUpBox = {
        key,
        el: followUpSection({
          dossier,
          item: followUp,
          onAnswered: async (message) => { await state.reload(); live.textContent = message; },
        }),
      };
    }
    return followUpBox.el;
  }

  /** « Ce groupe demande : une imagerie » while the dossier may still be completed. */
  function requiredAttachments() {
    if (!['draft', 'submitted', 'scheduled'].includes(dossier.status)) return null;
    const tpl = state.templateFor(dossier.board_id);
    if (!templateApplies(dossier, tpl) || !tpl.requires_attachment.length) return null;
    const lacking = missingKinds(dossier, tpl);
    return h('div', { class: 'required-attachments', id: 'required-attachments' },
      h('p', {}, t('dossier.tpl.requires', { list: tpl.requires_attachment.map(kindNeeded).join(t('dossier.list_separator')) })),
      lacking.length
        ? h('p', { class: 'warning-text', id: 'required-attachments-missing' }, t('dossier.tpl.requires_missing', {
          list: lacking.map(kindNeeded).join(t('dossier.list_separator')),
        }))
        : h('p', { class: 'ok' }, t('dossier.tpl.requires_done')));
  }

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
    if (canUpload && !pacs) pacs = pacsPanel({ current: () => dossier, onImported: () => state.reload() });
    const actions = dossierActions(state, { openEditor });
    const caseBody = state.editor ? state.editor.form : [caseFacts(dossier), templateFacts(dossier, state.templateFor(dossier.board_id))];
    replace(main, h('div', { class: 'dossier-page', lang: currentLang() },
      h('h1', { class: 'dossier-heading' }, t('dossier.page.heading', { reference: dossier.reference, title: dossier.title })),
      live,
      metaLine(dossier, state.board),
      actions,
      dossier.decision ? decisionPanel(dossier.decision, { headingLevel: 'h2', title: t('dossier.decision.of_board') }) : null,
      followUpView(),
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
        requiredAttachments(),
        attachmentTable(dossier.attachments, {
          onView: openViewer,
          onDelete: may(dossier, 'delete_attachments') ? (a) => deleteAttachment(a) : null,
        }),
        canUpload ? uploader : null,
        canUpload ? pacs.el : null),
      imaging ? imaging.section : null));
  }

  /** Opens the edit form; `errors` (what submission lacks) are shown in it at once. */
  async function openEditor(errors, intro) {
    if (!state.editor) {
      // A draft may move to another board: every board's fields are in its form.
      await ensureTemplates(dossier.status === 'draft' ? [dossier.board_id, ...boards.map((b) => b.id)] : [dossier.board_id]);
      if (!state.editor) {
        state.editor = caseEditor(state);
        render();
      }
    }
    if (errors && errors.length) state.editor.showErrors(errors, intro);
    else state.editor.focusFirst();
  }

  render();
  // The decision arrives while the page is open: look again now and then until it is decided.
  const poll = setInterval(async () => {
    if (['decided', 'withdrawn', 'draft'].includes(dossier.status) || state.editor) return;
    try {
      const fresh = await get(`/api/dossiers/${id}`);
      if (fresh.status !== dossier.status || (fresh.decision && fresh.decision.id) !== (dossier.decision && dossier.decision.id)) {
        dossier = fresh;
        await loadFollowUp();
        state.set(fresh, t('dossier.page.now', { status: t(`dossier.status.${fresh.status}`) }));
      }
    } catch { /* shown on the next navigation */ }
  }, 5000);
  return () => { clearInterval(poll); closeViewer(); if (pacs) pacs.stop(); };
}
