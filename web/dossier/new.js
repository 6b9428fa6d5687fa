// « Nouveau dossier »: a draft, with the board it is referred to. The clinical question and the
// consent may wait (they are needed to submit); what is typed survives a reload (drafts.js).
import { post } from '../api.js';
import { h, replace } from '../dom.js';
import { boardsWithRoles } from '../context.js';
import { t, currentLang } from '../i18n.js';
import { buildDossierForm } from './form.js';
import { showFormErrors, clearFormErrors, problemErrors } from './fields.js';
import { keepFormDraft } from './draft.js';

export async function newDossierPage(main) {
  const boards = await boardsWithRoles();
  const button = h('button', { type: 'submit', id: 'create-dossier' }, t('dossier.new.create'));
  const { form, body, check } = buildDossierForm({
    prefix: 'd', boards, id: 'new-dossier-form', label: t('dossier.new.title'),
    buttons: [button, h('a', { class: 'button secondary', href: '#/dossiers' }, t('dossier.new.cancel'))],
  });
  const draft = keepFormDraft(form, 'dossier-new');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const errors = check();
    if (errors.length) { showFormErrors(form, errors); return; }
    button.disabled = true;
    try {
      const created = await post('/api/dossiers', body());
      draft.clear();
      location.hash = `#/dossiers/${created.id}`;
    } catch (err) {
      showFormErrors(form, problemErrors(err));
      button.disabled = false;
    }
  });
  replace(main, h('div', { class: 'dossier-new', lang: currentLang() },
    h('h1', {}, t('dossier.new.title')),
    h('p', { class: 'muted' }, t('dossier.new.intro')),
    form));
}
