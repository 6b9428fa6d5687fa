// What the referrer may do with the whole dossier, as the server's `can` says: submit it to the
// board (checked first, every missing item named at once, then confirmed), and withdraw it.
import { post } from '../api.js';
import { h } from '../dom.js';
import { may } from '../context.js';
import { t, tn } from '../i18n.js';
import { confirmDialog } from './confirm.js';
import { missingToSubmit } from './form.js';
import { problemErrors, problemText, missingOf } from './fields.js';
import { missingErrors, missingKinds, missingPhrase, templateApplies } from './template.js';

/** dossierActions(state, { openEditor(errors, intro) }) → the actions bar of the dossier page. */
export function dossierActions(state, { openEditor }) {
  const dossier = state.dossier;
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, id: 'dossier-actions-error' });
  const showError = (message) => { error.textContent = message; error.hidden = false; };
  // What submission lacks when none of it is in the edit form (attachments only).
  const gate = h('div', { class: 'error-summary', id: 'submit-missing', role: 'alert', tabindex: '-1', hidden: true });
  const bar = h('div', { class: 'actions dossier-actions', role: 'group', 'aria-label': t('dossier.actions.label') });

  /** The board the dossier goes to: the one chosen in the open form, else its own. */
  function boardName() {
    const chosen = state.editor ? state.boardById(state.editor.boardId()) : state.board;
    return chosen ? chosen.name : '—';
  }

  /** The template of the board the dossier goes to: the one chosen in the open form, else its own. */
  function template() {
    return state.editor ? state.editor.template() : state.templateFor(state.dossier.board_id);
  }

  /**
   * Shows every missing item at once: in the edit form (opened if need be) when something of
   * the form is missing, each at its control; else (only attachments) above the actions.
   */
  async function showMissing(errors) {
    const intro = tn('dossier.submit.missing_intro', errors.length);
    if (errors.some((e) => e.field)) {
      await openEditor(errors, intro);
      return;
    }
    gate.replaceChildren(
      h('p', { class: 'error-summary-title' }, intro),
      h('ul', {}, errors.map((e) => h('li', {}, h('a', {
        href: e.link ? e.link.href : '#att-h',
        onclick: (ev) => { ev.preventDefault(); if (e.link) e.link.focus(); },
      }, t('dossier.errors.item', { field: e.name, message: e.message }))))));
    gate.hidden = false;
    gate.focus();
  }

  async function submit(button) {
    error.hidden = true;
    gate.hidden = true;
    const current = state.dossier;
    // What submission needs, from the open form if it is open, else from the saved dossier.
    const tpl = template();
    let missing;
    if (state.editor) {
      // The attachments the chosen board asks for (left to the server when the dossier follows
      // another version of its board's template).
      const own = state.editor.boardId() === current.board_id;
      const kinds = !own || templateApplies(current, tpl) ? missingKinds(current, tpl) : [];
      missing = [...state.editor.check({ forSubmit: true }), ...missingErrors(kinds.map((k) => `attachments.${k}`), tpl)];
    } else {
      missing = missingErrors(missingToSubmit(current, tpl), tpl);
    }
    if (missing.length) {
      await showMissing(missing);
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
      const items = missingOf(err);
      // The server knows best (e.g. a dossier written against another version of the template).
      if (items) await showMissing(missingErrors(items, state.templateFor(state.dossier.board_id)));
      else if (err && err.status === 400 && err.field) await openEditor(problemErrors(err));
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
    const tpl = state.templateFor(dossier.board_id);
    const missing = missingToSubmit(dossier, tpl);
    const button = h('button', { type: 'button', id: 'submit-dossier', onclick: () => submit(button) }, t('dossier.submit.button'));
    bar.append(button);
    if (missing.length && !state.editor) {
      bar.append(h('span', { class: 'hint', id: 'submit-hint' }, t('dossier.submit.needs', {
        list: missing.map((m) => missingPhrase(m, tpl)).join(t('dossier.list_separator')),
      })));
      button.setAttribute('aria-describedby', 'submit-hint');
    }
  }
  if (may(dossier, 'withdraw')) {
    const button = h('button', { type: 'button', class: 'secondary danger-outline', id: 'withdraw-dossier', onclick: () => withdraw(button) }, t('dossier.withdraw.button'));
    bar.append(button);
  }
  if (!bar.childElementCount) return error;
  return h('div', { class: 'dossier-actions-box' }, error, gate, bar);
}
