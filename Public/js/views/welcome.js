// Onboarding after registering: a city and favourite genres, which the
// recommendations start from before there is any listening history.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { navigate, setTitle } from '../router.js';
import { failure } from '../components/states.js';
import { genrePicker } from '../components/genres.js';
import { nextPath } from './signin.js';

export function render(container, { query }) {
  const user = store.get().user;
  const city = h('input', { id: 'welcome-city', name: 'city', autocomplete: 'address-level2', maxlength: '100', value: user.city ?? '', 'aria-describedby': 'welcome-city-hint' });
  const genres = genrePicker(user.genres ?? []);
  const errors = h('div', { class: 'form-errors' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t.welcome.save);
  const form = h('form', { class: 'stack form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'welcome-city' }, t.welcome.city), city,
      h('p', { id: 'welcome-city-hint', class: 'hint' }, t.welcome.cityHint)),
    genres.element, errors,
    h('div', { class: 'button-row' }, submit, h('a', { href: nextPath(query), class: 'button-link' }, t.welcome.skip)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const picked = genres.picked();
    if (picked.length > 10) {
      errors.replaceChildren(failure({ message: t.welcome.tooManyGenres }));
      return;
    }
    submit.disabled = true;
    try {
      const profile = await api.patch('/me', { city: city.value.trim(), genres: picked });
      store.set({ user: profile });
      navigate(nextPath(query), { replace: true });
    } catch (error) {
      errors.replaceChildren(failure(error));
      submit.disabled = false;
    }
  });
  container.append(h('div', { class: 'narrow' }, h('h1', {}, t.welcome.title), h('p', { class: 'lead' }, t.welcome.lead), form));
  setTitle(t.welcome.title);
  return null;
}
