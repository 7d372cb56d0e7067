// Sign in: "Username or email", "Password", "Sign in".

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { navigate, setTitle } from '../router.js';
import { failure } from '../components/states.js';

/** Where to go after signing in: a same-site path only. */
export function nextPath(query) {
  const next = query.get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function render(container, { query }) {
  if (api.isSignedIn()) {
    navigate(nextPath(query), { replace: true });
    return null;
  }
  const errors = h('div', { class: 'form-errors' });
  const login = h('input', { id: 'login', name: 'login', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t.signIn.submit);
  const form = h('form', { class: 'stack form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'login' }, t.signIn.login), login),
    h('div', { class: 'field' }, h('label', { for: 'password' }, t.signIn.password), password),
    errors,
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    errors.replaceChildren();
    try {
      await api.signIn(login.value.trim(), password.value);
      navigate(nextPath(query), { replace: true });
    } catch (error) {
      errors.replaceChildren(failure(error), ...(error.appeal ? [appealForm(error.appeal)] : []));
      submit.disabled = false;
      if (!error.appeal) password.focus();
    }
  });
  container.append(
    h('div', { class: 'narrow' },
      h('h1', {}, t.signIn.title),
      form,
      h('p', {}, t.signIn.noAccount, ' ', h('a', { href: `/register${query.get('next') ? `?next=${encodeURIComponent(query.get('next'))}` : ''}` }, t.signIn.register))));
  setTitle(t.signIn.title);
  return null;
}

/** A suspended or banned account appeals once, with the link its refused sign-in carried. */
function appealForm(grant) {
  const s = t.signIn.appeal;
  const text = h('textarea', { id: 'appeal-text', maxlength: '2000', rows: '4', required: true });
  const status = h('p', { role: 'status' });
  const errors = h('div');
  const send = h('button', { type: 'submit' }, s.send);
  const form = h('form', { class: 'stack form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'appeal-text' }, s.label), text), errors, send, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    send.disabled = true;
    try {
      await api.post('/moderation/appeals', { ...grant, text: text.value.trim() }, { auth: false });
      form.replaceChildren(h('p', { role: 'status' }, s.sent));
    } catch (error) {
      errors.replaceChildren(failure(error));
      send.disabled = false;
    }
  });
  return form;
}
