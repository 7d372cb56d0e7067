// Venue studio's door staff: who may check tickets in at the venue's shows,
// added by username and removed one by one.

import { h, announce } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { loading, empty, failure } from './states.js';
import { onSubmit } from './form.js';
import { userPath } from './tracklist.js';

export function doorStaffSection(signal) {
  const s = t.studio;
  const list = h('div');
  const errors = h('div');
  const show = ({ items }) => {
    list.replaceChildren(items.length
      ? h('ul', { class: 'card-list' }, items.map((person) => h('li', { class: 'card button-row spread' },
        h('a', { href: userPath(person) }, `${person.displayName} (@${person.username})`),
        h('button', { type: 'button', onclick: async () => {
          errors.replaceChildren();
          try {
            show(await api.del(`/me/door-staff/${encodeURIComponent(person.username)}`));
            announce(s.doorStaffRemoved(person.displayName));
            username.focus();
          } catch (error) {
            errors.replaceChildren(failure(error));
          }
        } }, s.removeDoorStaff(person.displayName)))))
      : empty(s.doorStaffEmpty));
  };
  const load = async () => {
    list.replaceChildren(loading());
    try {
      const staff = await api.get('/me/door-staff', { signal });
      if (!signal.aborted) show(staff);
    } catch (error) {
      if (!signal.aborted) list.replaceChildren(failure(error, load));
    }
  };
  const username = h('input', { id: 'door-staff-username', name: 'username', required: true, autocomplete: 'off', spellcheck: 'false' });
  const formErrors = h('div');
  const status = h('p', { role: 'status' });
  const submit = h('button', { type: 'submit' }, s.addDoorStaff);
  const form = h('form', { class: 'stack form', 'aria-labelledby': 'door-staff-heading', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'door-staff-username' }, s.doorStaffUsername), username),
    formErrors, h('div', { class: 'button-row' }, submit), status);
  onSubmit(form, { button: submit, errors: formErrors, status }, async () => {
    const name = username.value.trim().replace(/^@/, '');
    show(await api.put(`/me/door-staff/${encodeURIComponent(name)}`));
    form.reset();
    return s.doorStaffAdded(name);
  });
  load();
  return h('section', { class: 'stack', 'aria-labelledby': 'door-staff-heading' },
    h('h2', { id: 'door-staff-heading' }, s.doorStaff), h('p', {}, s.doorStaffLead), list, errors, form);
}
