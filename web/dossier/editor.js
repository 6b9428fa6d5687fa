// The edit form of a dossier's case (the referrer, while `can.edit`): every field at once, saved
// with PATCH /api/dossiers/{id}. Unsaved typing survives a reload (drafts.js).
import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { buildDossierForm } from './form.js';
import { showFormErrors, clearFormErrors, problemErrors } from './fields.js';
import { keepFormDraft } from './draft.js';

/** caseEditor(state) → { form, save(), showErrors(errors, intro), check(opts), focusFirst(), close() } */
export function caseEditor(state) {
  const dossier = state.dossier;
  const save = h('button', { type: 'submit', id: 'save-dossier' }, t('dossier.edit.save'));
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'cancel-edit' }, t('dossier.edit.cancel'));
  const built = buildDossierForm({
    prefix: 'e', dossier, id: 'edit-dossier-form', label: t('dossier.edit.form_label'), buttons: [save, cancel], card: false,
  });
  const { form, body, check, controls } = built;
  // The board is chosen at creation; the API cannot move a dossier to another board.
  form.querySelector('.marks-legend').after(h('p', { class: 'hint board-fixed' },
    t('dossier.edit.board_fixed', { board: state.board ? state.board.name : '—' })));
  const draft = keepFormDraft(form, `dossier-edit-${dossier.id}`);

  const editor = {
    form,
    check,
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
        showFormErrors(form, problemErrors(err));
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
