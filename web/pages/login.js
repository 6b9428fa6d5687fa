// Sign-in and sign-out.
import { post, session } from '../api.js';
import { h, replace, field, clearErrors, showError } from '../dom.js';
import { forgetBoards } from '../context.js';
import { stopInbox } from '../inbox.js';

export async function loginPage(main) {
  const email = h('input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true, 'data-field': 'email' });
  const password = h('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true, 'data-field': 'password' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'page-title' },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    field('E-mail', email),
    field('Password', password),
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!email.value.trim()) { showError(form, { field: 'email', message: 'Enter your e-mail address.' }); return; }
    if (!password.value) { showError(form, { field: 'password', message: 'Enter your password.' }); return; }
    button.disabled = true;
    try {
      const res = await post('/api/auth/login', { email: email.value.trim(), password: password.value });
      session.save(res.token, res.user, res.expires_at);
      forgetBoards();
      const next = sessionStorage.getItem('consilium.after-login');
      sessionStorage.removeItem('consilium.after-login');
      location.hash = next && next !== '#/login' ? next : '#/dossiers';
    } catch (err) {
      showError(form, { message: err.status === 401 ? 'Wrong e-mail or password.' : err.message });
      password.value = '';
      button.disabled = false;
    }
  });
  replace(main,
    h('h1', { id: 'page-title', tabindex: '-1' }, 'Sign in to Consilium'),
    h('p', { class: 'muted' }, 'Telexpertise case review for expert boards.'),
    form);
}

export async function logout() {
  stopInbox();
  try { await post('/api/auth/logout'); } catch { /* the token is dropped either way */ }
  session.clear();
  forgetBoards();
  location.hash = '#/login';
}
