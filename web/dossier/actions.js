// What the referrer may do with the whole dossier, as the server's `can` says: submit it to the
// board (checked first, every missing item named at once, then confirmed), and withdraw it.
import { post } from '../api.js';
import { h } from '../dom.js';
import { may } from '../context.js';
import { t } from '../i18n.js';
import { confirmDialog } from './confirm.js';
import { missingToSubmit } from './form.js';
import { problemErrors, problemText } from './fields.js';

/** dossierActions(state, { openEditor(errors) }) → the actions bar of the dossier page. */
export function dossierActions(state, { openEditor }) {
  const dossier = state.dossier;
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, id: 'dossier-actions-error' });
  const showError = (message) => { error.textContent = message; error.hidden = false; };
  const bar = h('div', { class: 'actions dossier-actions', role: 'group', 'aria-label': t('dossier.actions.label') });

  /** The board the dossier goes to: the one chosen in the open form, else its own. */
  function boardName() {
    const chosen = state.editor ? state.boardById(state.editor.boardId()) : state.board;
    return chosen ? chosen.name : '—';
  }

  async function submit(button) {
    error.hidden = true;
    const current = state.dossier;
    // What submission needs, from the open form if it is open, else from the saved dossier.
    const missing = state.editor ? state.editor.check({ forSubmit: true }) : missingToSubmit(current);
    if (missing.length) {
      if (state.editor) state.editor.showErrors(missing, t('dossier.submit.missing_intro'));
      else await openEditor(missing);
      return;
    }
    const yes = await confirmDialog({
      title: t('dossier.submit.confirm_title'),
      message: t('dossier.submit.confirm', { reference: current.reference, board: boardName() }),
      confirmLabel: t('dossier.submit.confirm_ok'),
    });
    if (!yes) return;
    button.disabled = true;
    try {
      if (state.editor) {
        const saved = await state.editor.save();
        if (!saved) { button.disabled = false; return; }
      }
      const done = await post(`/api/dossiers/${current.id}/submit`);
      state.editor = null;
      state.set(done, t('dossier.submit.done'));
      document.getElementById('dossier-status')?.closest('p')?.setAttribute('tabindex', '-1');
      document.getElementById('dossier-status')?.closest('p')?.focus();
    } catch (err) {
      button.disabled = false;
      if (err && err.status === 400 && err.field) await openEditor(problemErrors(err));
      else showError(problemText(err));
    }
  }

  async function withdraw(button) {
    error.hidden = true;
    const yes = await confirmDialog({
      title: t('dossier.withdraw.confirm_title'),
      message: t('dossier.withdraw.confirm', { reference: state.dossier.reference }),
      confirmLabel: t('dossier.withdraw.confirm_ok'),
      danger: true,
    });
    if (!yes) return;
    button.disabled = true;
    try {
      const done = await post(`/api/dossiers/${state.dossier.id}/withdraw`);
      state.editor = null;
      state.set(done, t('dossier.withdraw.done'));
    } catch (err) {
      button.disabled = false;
      showError(problemText(err));
    }
  }

  if (may(dossier, 'submit')) {
    const missing = missingToSubmit(dossier);
    const button = h('button', { type: 'button', id: 'submit-dossier', onclick: () => submit(button) }, t('dossier.submit.button'));
    bar.append(button);
    if (missing.length && !state.editor) {
      bar.append(h('span', { class: 'hint', id: 'submit-hint' }, t('dossier.submit.needs', {
        list: missing.map((m) => t(`dossier.submit.needs.${m.field}`)).join(t('dossier.list_separator')),
      })));
      button.setAttribute('aria-describedby', 'submit-hint');
    }
  }
  if (may(dossier, 'withdraw')) {
    const button = h('button', { type: 'button', class: 'secondary danger-outline', id: 'withdraw-dossier', onclick: () => withdraw(button) }, t('dossier.withdraw.button'));
    bar.append(button);
  }
  if (!bar.childElementCount) return error;
  return h('div', { class: 'dossier-actions-box' }, error, bar);
}
