// The edit form of a dossier's case (the referrer, while `can.edit`): every field at once, saved
// with PATCH /api/dossiers/{id}. Unsaved typing survives a reload (drafts.js).
import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { buildDossierForm } from './form.js';
import { showFormErrors, clearFormErrors, problemErrors } from './fields.js';
import { keepFormDraft } from './draft.js';
import { missingErrors } from './template.js';

/**
 * caseEditor(state) → { form, save(), showErrors(errors, intro), check(opts), focusFirst(), close(),
 * boardId(), template() }. While the dossier is a draft the form offers its board (`state.boards`,
 * from GET /api/boards); once submitted the board is fixed and only named. The board templates'
 * fields come from `state.templates` (loaded before the form is opened).
 */
export function caseEditor(state) {
  const dossier = state.dossier;
  const save = h('button', { type: 'submit', id: 'save-dossier' }, t('dossier.edit.save'));
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'cancel-edit' }, t('dossier.edit.cancel'));
  const movable = dossier.status === 'draft' && Array.isArray(state.boards);
  const built = buildDossierForm({
    prefix: 'e', dossier, boards: movable ? state.boards : null, templates: state.templates,
    id: 'edit-dossier-form', label: t('dossier.edit.form_label'), buttons: [save, cancel], card: false,
  });
  const { form, check, controls } = built;
  if (!movable) {
    form.querySelector('.marks-legend').after(h('p', { class: 'hint board-fixed' },
      t('dossier.edit.board_fixed', { board: state.board ? state.board.name : '—' })));
  }
  const draft = keepFormDraft(form, `dossier-edit-${dossier.id}`);

  /** The PATCH body; the board only when it changes (the server refuses it once submitted). */
  function body() {
    const out = built.body();
    if ('board_id' in out && out.board_id === state.dossier.board_id) delete out.board_id;
    // Only the values that changed; a cleared one is sent as null.
    const fields = built.fieldChanges(state.dossier.fields || {});
    if (Object.keys(fields).length) out.fields = fields;
    return out;
  }

  const editor = {
    form,
    check,
    /** The template of the board chosen in the form. */
    template() { return built.activeTemplate(); },
    /** The board chosen in the form (the dossier's own when the form does not offer it). */
    boardId() { return controls.board ? controls.board.value : state.dossier.board_id; },
    showErrors(errors, intro) { showFormErrors(form, errors, { intro }); },
    focusFirst() { controls.title.focus(); },
    /** Saves the form; the saved dossier, or null when something is refused (shown in the form). */
    async save() {
      clearFormErrors(form);
      // Once submitted, a dossier keeps what submission needed.
      const errors = check({ forSubmit: state.dossier.status !== 'draft' });
      if (errors.length) { showFormErrors(form, errors); return null; }
      save.disabled = true;
      try {
        const saved = await api('PATCH', `/api/dossiers/${state.dossier.id}`, body());
        draft.clear();
        return saved;
      } catch (err) {
        // A submitted dossier keeps what submission needed: the server lists what would be lost.
        showFormErrors(form, problemErrors(err, { missing: (items) => missingErrors(items, built.activeTemplate()) }));
        return null;
      } finally {
        save.disabled = false;
      }
    },
    /** Leaves the form, dropping what was typed. */
    close() {
      draft.clear();
      state.editor = null;
      state.render();
      document.getElementById('edit-dossier')?.focus();
    },
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const saved = await editor.save();
    if (!saved) return;
    state.editor = null;
    state.set(saved, t('dossier.edit.saved'));
    document.getElementById('case-h')?.focus();
  });
  cancel.addEventListener('click', () => editor.close());
  return editor;
}
