// Settings: who you are, sign out (this device or everywhere), your profile
// (with the city and genres recommendations start from, and a venue's
// address, capacity and opening hours, and its photos), show alerts, your discovery choices
// (taste matching, public boards, sharing your listening), change password,
// and app passwords for Subsonic apps.

import { h, announce } from '../dom.js';
import { t, formatDateTime } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { navigate, setTitle } from '../router.js';
import { failure, section } from '../components/states.js';
import { genrePicker } from '../components/genres.js';
import { labelledFields } from '../components/fields.js';
import { onSubmit } from '../components/form.js';
import { placeCombobox } from '../components/placecombobox.js';
import { venuePhotoEditor } from '../components/venuephotos.js';

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
    ...(user.role === 'venue' ? [venuePhotoEditor()] : []),
    showAlerts(),
    discoveryChoices(),
    h('section', { class: 'stack' }, h('h2', { id: 'password-heading' }, t.settings.password), form),
    yourData(),
    deleteAccount(),
    subsonicApps(user));
  setTitle(t.settings.title);
  return null;
}

/** A venue's address, capacity and opening hours: the fields, and `body()`, the `venue` of PATCH /me. */
function venueFields(user) {
  const p = t.profileEdit;
  const details = user.venue ?? {};
  const { rows, controls } = labelledFields('venue', [
    { name: 'address', label: p.address, attributes: { maxlength: '300', autocomplete: 'street-address' } },
    { name: 'capacity', label: p.capacity, hint: p.capacityHint, attributes: { type: 'number', min: '1', max: '1000000', step: '1', inputmode: 'numeric' } },
    { name: 'openingHours', label: p.openingHours, hint: p.openingHoursHint, tag: 'textarea', attributes: { maxlength: '500', rows: '3' } },
  ]);
  controls.address.value = details.address ?? '';
  controls.capacity.value = details.capacity ?? '';
  controls.openingHours.value = details.openingHours ?? '';
  const body = () => {
    const capacity = controls.capacity.value.trim();
    return {
      address: controls.address.value.trim(),
      openingHours: controls.openingHours.value.trim(),
      ...(capacity ? { capacity: Number(capacity) } : { clearCapacity: true }),
    };
  };
  return { element: h('fieldset', { class: 'stack' }, h('legend', {}, p.venue), rows), body };
}

/** Display name, bio, city and favourite genres (PATCH /me): the city and genres are what recommendations start from. */
function editProfile(user) {
  const displayName = h('input', { id: 'profile-name', name: 'displayName', maxlength: '80', required: true, value: user.displayName });
  const bio = h('textarea', { id: 'profile-bio', name: 'bio', rows: '4', maxlength: '1000' });
  bio.value = user.bio ?? '';
  const city = placeCombobox({ id: 'profile-city', label: t.profileEdit.city, hint: t.profileEdit.cityHint, value: user.city ?? '' });
  const venue = user.role === 'venue' ? venueFields(user) : null;
  const genres = genrePicker(user.genres ?? []);
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const submit = h('button', { type: 'submit' }, t.profileEdit.save);
  const form = h('form', { class: 'stack form', 'aria-labelledby': 'profile-heading', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'profile-name' }, t.profileEdit.displayName), displayName),
    h('div', { class: 'field' }, h('label', { for: 'profile-bio' }, t.profileEdit.bio), bio),
    city.element,
    venue?.element,
    genres.element,
    errors, status, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    status.textContent = '';
    const picked = genres.picked();
    if (picked.length > 10) {
      errors.replaceChildren(failure({ message: t.welcome.tooManyGenres }));
      return;
    }
    submit.disabled = true;
    try {
      const profile = await api.patch('/me', {
        displayName: displayName.value.trim(), bio: bio.value, city: city.input.value.trim(), genres: picked, venue: venue?.body(),
      });
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

/** Show alerts (`showAlertRadiusKm` of the notification settings, which are replaced whole): how near a show must be to be announced. */
function showAlerts() {
  const s = t.alerts;
  const body = h('div');
  section(body, () => api.get('/me/notification-settings'), (settings) => {
    const { rows, controls } = labelledFields('alerts', [
      { name: 'showAlertRadiusKm', label: s.radius, hint: s.radiusHint, attributes: { type: 'number', min: '0', max: '500', step: '1', inputmode: 'numeric', required: true } },
    ]);
    controls.showAlertRadiusKm.value = settings.showAlertRadiusKm ?? 25;
    const errors = h('div');
    const status = h('p', { role: 'status' });
    const submit = h('button', { type: 'submit' }, s.save);
    const form = h('form', { class: 'stack form', 'aria-labelledby': 'alerts-heading', novalidate: true }, rows, errors, status, submit);
    let current = settings;
    onSubmit(form, { button: submit, errors, status }, async () => {
      current = await api.put('/me/notification-settings', { ...current, showAlertRadiusKm: Number(controls.showAlertRadiusKm.value) });
      controls.showAlertRadiusKm.value = current.showAlertRadiusKm ?? controls.showAlertRadiusKm.value;
      return s.saved;
    });
    return form;
  });
  return h('section', { class: 'stack', 'aria-labelledby': 'alerts-heading' },
    h('h2', { id: 'alerts-heading' }, s.title), h('p', {}, s.lead), body);
}

/** The three discovery choices (GET and PATCH /me/discovery-settings), saved together. */
function discoveryChoices() {
  const s = t.settings.discovery;
  const body = h('div');
  const form = () => {
    const { rows, controls, fill } = labelledFields('discovery', [
      { name: 'tasteMatching', label: s.tasteMatching, hint: s.tasteMatchingHint, attributes: { type: 'checkbox' } },
      { name: 'publicBoards', label: s.publicBoards, hint: s.publicBoardsHint, attributes: { type: 'checkbox' } },
      { name: 'publicListening', label: s.publicListening, hint: s.publicListeningHint, attributes: { type: 'checkbox' } },
    ]);
    const errors = h('div');
    const status = h('p', { role: 'status' });
    const submit = h('button', { type: 'submit' }, s.save);
    const element = h('form', { class: 'stack form', 'aria-labelledby': 'discovery-heading', novalidate: true }, rows, errors, status, submit);
    onSubmit(element, { button: submit, errors, status }, async () => {
      const saved = await api.patch('/me/discovery-settings', Object.fromEntries(Object.entries(controls).map(([name, box]) => [name, box.checked])));
      fill(saved);
      return s.saved;
    });
    return { element, fill };
  };
  section(body, () => api.get('/me/discovery-settings'), (choices) => {
    const made = form();
    made.fill(choices);
    return made.element;
  });
  return h('section', { class: 'stack', 'aria-labelledby': 'discovery-heading' },
    h('h2', { id: 'discovery-heading' }, s.title), h('p', {}, s.lead), body);
}

/** Subsonic apps: the server address, and app passwords or API keys made, listed and revoked here. */
function subsonicApps(user) {
  const s = t.settings.apps;
  const list = h('ul', { class: 'stack', 'aria-labelledby': 'apps-list-heading' });
  const listErrors = h('div');
  const load = async () => {
    listErrors.replaceChildren();
    try {
      const { items } = await api.get('/me/app-passwords');
      list.replaceChildren(...(items.length ? items.map(row) : [h('li', { class: 'hint' }, s.none)]));
    } catch (error) {
      listErrors.replaceChildren(failure(error, load));
    }
  };
  const row = (item) => {
    const revoke = h('button', { type: 'button', 'aria-label': s.revokeNamed(item.name) }, s.revoke);
    revoke.addEventListener('click', async () => {
      revoke.disabled = true;
      try {
        await api.del(`/me/app-passwords/${encodeURIComponent(item.id)}`);
        announce(s.revoked(item.name));
        await load();
      } catch (error) {
        revoke.disabled = false;
        listErrors.replaceChildren(failure(error));
      }
    });
    const used = item.lastUsedAt ? s.lastUsed(new Date(item.lastUsedAt).toLocaleString()) : s.neverUsed;
    return h('li', { class: 'button-row' },
      h('span', {}, `${item.name} — ${item.kind === 'apiKey' ? s.kindKey : s.kindPassword} — ${used}`), revoke);
  };
  const name = h('input', { id: 'app-name', maxlength: '60', required: true, autocomplete: 'off' });
  const kind = h('select', { id: 'app-kind' },
    h('option', { value: 'password' }, s.kindPassword), h('option', { value: 'apiKey' }, s.kindKey));
  const errors = h('div');
  const secret = h('div', { role: 'status' });
  const submit = h('button', { type: 'submit' }, s.create);
  const form = h('form', { class: 'stack form', 'aria-labelledby': 'apps-heading', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'app-name' }, s.name), name),
    h('div', { class: 'field' }, h('label', { for: 'app-kind' }, s.kind), kind),
    errors, secret, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    secret.replaceChildren();
    submit.disabled = true;
    try {
      const made = await api.post('/me/app-passwords', { name: name.value.trim(), kind: kind.value });
      form.reset();
      secret.replaceChildren(h('p', {}, s.shownOnce(made.name)), h('p', {}, h('code', { class: 'secret' }, made.secret)));
      await load();
    } catch (error) {
      errors.replaceChildren(failure(error));
    } finally {
      submit.disabled = false;
    }
  });
  load();
  return h('section', { class: 'stack', 'aria-labelledby': 'apps-heading' },
    h('h2', { id: 'apps-heading' }, s.title),
    h('p', {}, s.lead),
    h('dl', {},
      h('dt', {}, s.server), h('dd', {}, h('code', {}, window.location.origin)),
      h('dt', {}, s.username), h('dd', {}, h('code', {}, user.username))),
    h('p', { class: 'hint' }, s.howTo),
    h('h3', { id: 'apps-list-heading' }, s.yours), list, listErrors,
    form);
}

/** "Your data": request an export, see the last ones, download a ready one. */
function yourData() {
  const s = t.settings.data;
  const list = h('ul', { class: 'stack' });
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const when = (item) => new Date(item.createdAt).toLocaleString();
  const load = async () => {
    try {
      const { items } = await api.get('/me/exports');
      list.replaceChildren(...(items.length === 0 ? [h('li', {}, s.none)] : items.map((item) => {
        if (item.status !== 'ready' || !item.downloadUrl) {
          return h('li', {}, item.status === 'failed' ? s.failed(when(item)) : s.pending(when(item)));
        }
        const button = h('button', { type: 'button', 'aria-label': s.downloadNamed(when(item)) }, s.download);
        button.addEventListener('click', async () => {
          errors.replaceChildren();
          try {
            await api.download(item.downloadUrl, `based-export-${item.id}.zip`);
          } catch (error) {
            errors.replaceChildren(failure(error));
          }
        });
        return h('li', { class: 'button-row' }, h('span', {}, s.ready(when(item))), button);
      })));
    } catch (error) {
      errors.replaceChildren(failure(error));
    }
  };
  const request = h('button', { type: 'button' }, s.request);
  request.addEventListener('click', async () => {
    errors.replaceChildren();
    request.disabled = true;
    try {
      await api.post('/me/exports');
      status.textContent = s.requested;
      announce(s.requested);
      await load();
    } catch (error) {
      errors.replaceChildren(failure(error));
    } finally {
      request.disabled = false;
    }
  });
  load();
  return h('section', { class: 'stack', 'aria-labelledby': 'data-heading' },
    h('h2', { id: 'data-heading' }, s.title), h('p', {}, s.lead), h('div', { class: 'button-row' }, request), status, list, errors);
}

/** "Delete your account": confirmed with the password, done after a 7-day grace period in which it can be cancelled. */
function deleteAccount() {
  const s = t.settings.erase;
  const body = h('div', { class: 'stack' });
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const scheduled = (erasure) => {
    const cancel = h('button', { type: 'button' }, s.cancel);
    cancel.addEventListener('click', async () => {
      errors.replaceChildren();
      cancel.disabled = true;
      try {
        await api.del('/me/erasure');
        status.textContent = s.cancelled;
        announce(s.cancelled);
        ask();
      } catch (error) {
        cancel.disabled = false;
        errors.replaceChildren(failure(error));
      }
    });
    body.replaceChildren(
      h('p', {}, erasure.status === 'erasing' ? s.erasing : s.scheduled(formatDateTime(erasure.eraseAt))),
      erasure.status === 'erasing' ? '' : h('div', { class: 'button-row' }, cancel));
  };
  const ask = () => {
    const password = h('input', { id: 'erase-password', type: 'password', autocomplete: 'current-password', required: true });
    const submit = h('button', { type: 'submit' }, s.request);
    const form = h('form', { class: 'stack form', 'aria-labelledby': 'erase-heading', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'erase-password' }, s.password), password), submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      errors.replaceChildren();
      status.textContent = '';
      submit.disabled = true;
      try {
        const erasure = await api.post('/me/erasure', { password: password.value });
        status.textContent = s.requested;
        announce(s.requested);
        scheduled(erasure);
      } catch (error) {
        submit.disabled = false;
        errors.replaceChildren(failure(error));
      }
    });
    body.replaceChildren(form);
  };
  const load = async () => {
    errors.replaceChildren();
    try {
      const erasure = await api.get('/me/erasure');
      if (erasure) scheduled(erasure);
      else ask();
    } catch (error) {
      errors.replaceChildren(failure(error, load));
    }
  };
  load();
  return h('section', { class: 'stack', 'aria-labelledby': 'erase-heading' },
    h('h2', { id: 'erase-heading' }, s.title), h('p', {}, s.lead), body, status, errors);
}
