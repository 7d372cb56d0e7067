// What only a playlist's owner does on its page: edit its details, invite and
// remove collaborators, delete it (after a confirmation in the page).

import { h, announce } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { navigate } from '../router.js';
import { failure } from './states.js';
import { playlistForm } from './playlistform.js';
import { onSubmit } from './form.js';
import { userPath } from './tracklist.js';

/**
 * `path` is the playlist's API path, `current()` the PlaylistDetail shown,
 * `adopt(detail)` redraws the page with a new one.
 */
export function ownerControls({ path, current, adopt }) {
  const s = t.playlist;
  const playlist = current();
  const form = playlistForm({
    values: playlist,
    submit: s.save,
    done: s.saved,
    save: async (body) => adopt(await api.patch(path, body)),
  });
  const collaborators = h('div');
  const section = h('div', { class: 'stack owner-controls' },
    h('details', { class: 'disclosure' }, h('summary', {}, s.edit), form),
    h('section', { class: 'stack', 'aria-labelledby': 'playlist-collaborators' },
      h('h2', { id: 'playlist-collaborators' }, s.collaborators), collaborators, inviteForm()),
    deleteControl());

  function paintCollaborators() {
    const people = current().collaborators;
    const errors = h('div');
    collaborators.replaceChildren(people.length
      ? h('ul', { class: 'card-list' }, people.map((user) => h('li', { class: 'card button-row spread' },
        h('a', { href: userPath(user) }, user.displayName),
        h('button', { type: 'button', onclick: async () => {
          errors.replaceChildren();
          try {
            adopt(await api.del(`${path}/collaborators/${encodeURIComponent(user.username)}`));
            paintCollaborators();
            announce(s.collaboratorRemoved(user.displayName));
            section.querySelector('#invite-username')?.focus();
          } catch (error) {
            errors.replaceChildren(failure(error));
          }
        } }, s.removeCollaborator(user.displayName)))))
      : h('p', { class: 'meta' }, s.noCollaborators), errors);
  }

  function inviteForm() {
    const input = h('input', { id: 'invite-username', name: 'username', required: true, autocomplete: 'off', spellcheck: 'false' });
    const errors = h('div');
    const status = h('p', { role: 'status' });
    const button = h('button', { type: 'submit' }, s.invite);
    const element = h('form', { class: 'stack form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'invite-username' }, s.inviteLabel), input,
        h('p', { class: 'hint', id: 'invite-hint' }, s.inviteHint)),
      errors, h('div', { class: 'button-row' }, button), status);
    input.setAttribute('aria-describedby', 'invite-hint');
    onSubmit(element, { button, errors, status }, async () => {
      const username = input.value.trim().replace(/^@/, '');
      if (!username) return null;
      // Only a collaborative playlist takes collaborators; inviting someone says that is wanted.
      if (!current().collaborative) {
        adopt(await api.patch(path, { collaborative: true }));
        const box = form.querySelector('input[name=collaborative]');
        if (box) box.checked = true;
      }
      const detail = await api.put(`${path}/collaborators/${encodeURIComponent(username)}`);
      adopt(detail);
      paintCollaborators();
      const added = detail.collaborators.find((user) => user.username.toLowerCase() === username.toLowerCase());
      input.value = '';
      return s.invited(added?.displayName ?? username);
    });
    return element;
  }

  function deleteControl() {
    const errors = h('div');
    const question = h('div', { class: 'confirm stack', hidden: true });
    const open = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false' }, s.delete);
    const close = () => {
      question.hidden = true;
      open.setAttribute('aria-expanded', 'false');
      open.focus();
    };
    open.addEventListener('click', () => {
      const title = current().title;
      const yes = h('button', { type: 'button', class: 'danger', onclick: async () => {
        errors.replaceChildren();
        try {
          await api.del(path);
          announce(s.deleted(title));
          navigate('/library');
        } catch (error) {
          errors.replaceChildren(failure(error));
        }
      } }, s.confirmDeleteYes);
      question.replaceChildren(h('p', {}, s.confirmDelete(title)),
        h('div', { class: 'button-row' }, yes, h('button', { type: 'button', onclick: close }, s.keep)));
      question.hidden = false;
      open.setAttribute('aria-expanded', 'true');
      yes.focus();
    });
    return h('div', { class: 'stack' }, open, question, errors);
  }

  paintCollaborators();
  return section;
}
