// Settings: who you are, sign out (this device or everywhere), change password.

import { h, announce } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { navigate, setTitle } from '../router.js';
import { failure } from '../components/states.js';

export function render(container) {
  const user = store.get().user;
  const errors = h('div');
  const signOut = async (everywhere) => {
    errors.replaceChildren();
    try {
      await api.signOut({ everywhere });
    } catch (error) {
      errors.replaceChildren(failure(error));
      return;
    }
    navigate('/sign-in', { replace: true });
  };
  const current = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true, 'aria-describedby': 'new-password-hint' });
  const passwordErrors = h('div');
  const status = h('p', { role: 'status' });
  const submit = h('button', { type: 'submit' }, t.settings.changePassword);
  const form = h('form', { class: 'stack form', 'aria-labelledby': 'password-heading', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'current-password' }, t.settings.currentPassword), current),
    h('div', { class: 'field' }, h('label', { for: 'new-password' }, t.settings.newPassword), next,
      h('p', { id: 'new-password-hint', class: 'hint' }, t.register.passwordHint)),
    passwordErrors, status, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    passwordErrors.replaceChildren();
    status.textContent = '';
    submit.disabled = true;
    try {
      await api.post('/me/password', { currentPassword: current.value, newPassword: next.value });
      form.reset();
      status.textContent = t.settings.passwordChanged;
      announce(t.settings.passwordChanged);
    } catch (error) {
      passwordErrors.replaceChildren(failure(error));
    } finally {
      submit.disabled = false;
    }
  });
  const profileForm = editProfile(user);
  container.append(
    h('h1', {}, t.settings.title),
    h('section', { 'aria-labelledby': 'account-heading', class: 'stack' },
      h('h2', { id: 'account-heading' }, t.settings.account),
      h('p', {}, t.settings.signedInAs(`@${user.username}`)),
      h('div', { class: 'button-row' },
        h('button', { type: 'button', onclick: () => signOut(false) }, t.settings.signOut),
        h('button', { type: 'button', onclick: () => signOut(true), 'aria-describedby': 'everywhere-hint' }, t.settings.signOutEverywhere)),
      h('p', { id: 'everywhere-hint', class: 'hint' }, t.settings.signOutEverywhereHint),
      errors),
    h('section', { class: 'stack' }, h('h2', { id: 'profile-heading' }, t.profileEdit.title), profileForm),
    h('section', { class: 'stack' }, h('h2', { id: 'password-heading' }, t.settings.password), form));
  setTitle(t.settings.title);
  return null;
}

/** Display name, bio and city (PATCH /me). */
function editProfile(user) {
  const displayName = h('input', { id: 'profile-name', name: 'displayName', maxlength: '80', required: true, value: user.displayName });
  const bio = h('textarea', { id: 'profile-bio', name: 'bio', rows: '4', maxlength: '1000' });
  bio.value = user.bio ?? '';
  const city = h('input', { id: 'profile-city', name: 'city', autocomplete: 'address-level2', maxlength: '100', value: user.city ?? '' });
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const submit = h('button', { type: 'submit' }, t.profileEdit.save);
  const form = h('form', { class: 'stack form', 'aria-labelledby': 'profile-heading', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'profile-name' }, t.profileEdit.displayName), displayName),
    h('div', { class: 'field' }, h('label', { for: 'profile-bio' }, t.profileEdit.bio), bio),
    h('div', { class: 'field' }, h('label', { for: 'profile-city' }, t.profileEdit.city), city),
    errors, status, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    status.textContent = '';
    submit.disabled = true;
    try {
      const profile = await api.patch('/me', { displayName: displayName.value.trim(), bio: bio.value, city: city.value.trim() });
      store.set({ user: profile });
      status.textContent = t.profileEdit.saved;
    } catch (error) {
      errors.replaceChildren(failure(error));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
