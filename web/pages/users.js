// The accounts, for administrators (`GET /api/users`): each account's link to the person's
// identity at the identity provider, `external_id` (their RPPS number for Pro Santé Connect),
// which lets them sign in through it. `PATCH /api/users/{id} {"external_id"}` sets it (an empty
// value clears it); an identifier already linked to another account is refused (409).
import { get, patch } from '../api.js';
import {
  h, replace, field, clearErrors, showError,
} from '../dom.js';
import { isAdmin } from '../context.js';
import { stackTable } from '../boards/ui.js';
import { t } from '../i18n.js';

function roleText(role) {
  const key = `auth.users.role.${role}`;
  const words = t(key);
  return words === key ? role : words;
}

function externalIdCell(user) {
  return user.external_id
    ? h('span', { class: 'mono' }, user.external_id)
    : h('span', { class: 'muted' }, t('auth.users.not_linked'));
}

export async function usersPage(main) {
  if (!isAdmin()) {
    replace(main, h('h1', {}, t('auth.users.title')), h('p', { class: 'muted' }, t('auth.users.forbidden')));
    return undefined;
  }
  let users = (await get('/api/users')).items;
  const tableBox = h('div', { id: 'users-list' });
  const editBox = h('div', { id: 'user-edit-box' });

  function drawTable() {
    replace(tableBox, users.length ? stackTable({
      id: 'users-table',
      caption: t('auth.users.table'),
      className: 'users-table',
      columns: [
        { label: t('auth.users.col.name') }, { label: t('auth.users.col.email') },
        { label: t('auth.users.col.role') }, { label: t('auth.users.col.external_id') },
        { label: t('auth.users.col.actions') }],
      rows: users.map((user) => ({
        props: { 'data-user-id': user.id },
        cells: [
          user.name,
          h('span', { class: 'user-email' }, user.email),
          roleText(user.role),
          externalIdCell(user),
          h('button', {
            type: 'button',
            class: 'secondary',
            'data-edit-user': user.id,
            'aria-label': t('auth.users.edit.label', { name: user.name }),
            onclick: () => openEditor(user.id),
          }, t('auth.users.edit')),
        ],
      })),
    }) : h('p', { class: 'muted' }, t('auth.users.empty')));
  }

  /** The button that opened the editor of `id`, to go back to once it closes. */
  const editButton = (id) => tableBox.querySelector(`[data-edit-user="${CSS.escape(id)}"]`);

  function closeEditor(id) {
    replace(editBox);
    const back = editButton(id);
    if (back) back.focus();
  }

  function openEditor(id) {
    const user = users.find((u) => u.id === id);
    if (!user) return;
    const input = h('input', {
      id: 'user-external-id', type: 'text', name: 'external_id', value: user.external_id || '',
      autocomplete: 'off', spellcheck: 'false', maxlength: '255', 'data-field': 'external_id',
    });
    const save = h('button', { type: 'submit', id: 'user-save' }, t('auth.users.save'));
    const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite', id: 'user-status' });
    const form = h('form', { novalidate: true, 'aria-labelledby': 'user-edit-h', id: 'user-edit-form' },
      h('p', { class: 'form-error', role: 'alert', hidden: true }),
      field(t('auth.users.external_id'), input, { hint: t('auth.users.external_id.hint') }),
      h('div', { class: 'actions' }, save,
        h('button', { type: 'button', class: 'secondary', onclick: () => closeEditor(id) }, t('auth.users.close'))),
      status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      status.textContent = '';
      const value = input.value.trim();
      save.disabled = true;
      try {
        const updated = await patch(`/api/users/${encodeURIComponent(id)}`, { external_id: value || null });
        users = users.map((u) => (u.id === id ? updated : u));
        drawTable();
        input.value = updated.external_id || '';
        status.textContent = updated.external_id
          ? t('auth.users.saved', { name: updated.name })
          : t('auth.users.cleared', { name: updated.name });
      } catch (err) {
        if (err.status === 409) showError(form, { field: 'external_id', message: t('auth.users.external_id.taken') });
        else if (err.status === 400) showError(form, { field: err.field || 'external_id', message: err.message });
        else showError(form, err);
      } finally {
        save.disabled = false;
      }
    });
    const heading = h('h2', { id: 'user-edit-h', tabindex: '-1' }, t('auth.users.edit.title', { name: user.name }));
    replace(editBox, h('section', { class: 'card narrow user-edit', id: 'user-edit', 'aria-labelledby': 'user-edit-h' },
      heading,
      h('p', { class: 'muted user-email' }, user.email),
      form));
    heading.focus();
  }

  drawTable();
  replace(main,
    h('h1', {}, t('auth.users.title')),
    h('p', { class: 'muted' }, t('auth.users.intro')),
    tableBox,
    editBox);
  return undefined;
}
