// A confirmation asked in a real modal <dialog> (not window.confirm): a title, what will happen,
// and two buttons. Escape or « Annuler » says no. Resolves true only on the confirming button.
import { h, uid } from '../dom.js';
import { t, currentLang } from '../i18n.js';

/**
 * confirmDialog({ title, message, confirmLabel, cancelLabel, danger }) → Promise<boolean>
 * `danger`: the confirming button is red, and the focus starts on « Annuler ».
 */
export function confirmDialog({ title, message, confirmLabel, cancelLabel, danger = false }) {
  const id = uid('confirm');
  const previous = document.activeElement;
  const cancel = h('button', { type: 'submit', value: 'cancel', class: 'secondary', autofocus: danger || null },
    cancelLabel || t('dossier.confirm.cancel'));
  const ok = h('button', { type: 'submit', value: 'confirm', class: danger ? 'danger' : null, autofocus: danger ? null : true },
    confirmLabel || t('dossier.confirm.ok'));
  const dialog = h('dialog', {
    class: 'confirm-dialog', lang: currentLang(), 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-text`,
  },
  h('form', { method: 'dialog' },
    h('h2', { id: `${id}-title` }, title),
    h('p', { id: `${id}-text`, class: 'prewrap' }, message),
    h('div', { class: 'actions dialog-actions' }, cancel, ok)));
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const yes = dialog.returnValue === 'confirm';
      dialog.remove();
      if (previous && previous.isConnected && typeof previous.focus === 'function') previous.focus();
      resolve(yes);
    }, { once: true });
    dialog.showModal();
  });
}
