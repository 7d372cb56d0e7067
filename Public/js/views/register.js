// Register: username, email, password and a role (listener, artist or venue).

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { navigate, setTitle } from '../router.js';
import { failure } from '../components/states.js';
import { nextPath } from './signin.js';

export function render(container, { query }) {
  if (api.isSignedIn()) {
    navigate(nextPath(query), { replace: true });
    return null;
  }
  const field = (id, label, attributes, hint) => h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id, required: true, 'aria-describedby': hint ? `${id}-hint` : null, ...attributes }),
    hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null);
  const roles = h('fieldset', { class: 'field roles' },
    h('legend', {}, t.register.role),
    Object.entries(t.register.roles).map(([value, label], position) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: 'role', value, checked: position === 0 }), label)));
  const errors = h('div', { class: 'form-errors' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t.register.submit);
  const form = h('form', { class: 'stack form', novalidate: true },
    field('username', t.register.username, { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' }, t.register.usernameHint),
    field('email', t.register.email, { type: 'email', autocomplete: 'email' }),
    field('password', t.register.password, { type: 'password', autocomplete: 'new-password' }, t.register.passwordHint),
    roles, errors, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    errors.replaceChildren();
    const data = new FormData(form);
    try {
      await api.register({
        username: String(data.get('username')).trim(),
        email: String(data.get('email')).trim(),
        password: String(data.get('password')),
        role: String(data.get('role')),
      });
      const next = nextPath(query);
      navigate(`/welcome${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`, { replace: true });
    } catch (error) {
      errors.replaceChildren(failure(error));
      submit.disabled = false;
    }
  });
  container.append(h('div', { class: 'narrow' },
    h('h1', {}, t.register.title),
    form,
    h('p', {}, t.register.haveAccount, ' ', h('a', { href: '/sign-in' }, t.register.signIn))));
  setTitle(t.register.title);
  return null;
}
