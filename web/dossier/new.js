// « Nouveau dossier »: a draft, with the board it is referred to. The clinical question and the
// consent may wait (they are needed to submit); what is typed survives a reload (drafts.js).
import { post } from '../api.js';
import { h, replace } from '../dom.js';
import { boardsWithRoles } from '../context.js';
import { t, currentLang } from '../i18n.js';
import { buildDossierForm } from './form.js';
import { showFormErrors, clearFormErrors, problemErrors } from './fields.js';
import { keepFormDraft } from './draft.js';
import { loadTemplates } from './template.js';

export async function newDossierPage(main) {
  const boards = await boardsWithRoles();
  // Every board's fields are in the form from the start (shown for the board chosen), so that a
  // kept draft comes back with them.
  const templates = await loadTemplates(boards.map((b) => b.id));
  const button = h('button', { type: 'submit', id: 'create-dossier' }, t('dossier.new.create'));
  const { form, body, check, fieldValues } = buildDossierForm({
    prefix: 'd', boards, templates, id: 'new-dossier-form', label: t('dossier.new.title'),
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
      const request = body();
      const fields = fieldValues();
      if (Object.keys(fields).length) request.fields = fields;
      const created = await post('/api/dossiers', request);
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
