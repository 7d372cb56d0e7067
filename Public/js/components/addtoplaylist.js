// "Add to playlist" on a track: a disclosure that lists the playlists the
// user can edit (their own and collaborative ones) and adds the track to one.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { loading, failure } from './states.js';
import { onSubmit } from './form.js';

export function addToPlaylist(track, signal) {
  const s = t.playlist;
  const body = h('div', { class: 'stack' });
  const details = h('details', { class: 'disclosure add-to-playlist' }, h('summary', {}, s.addTo), body);
  let loaded = false;

  const form = (playlists) => {
    const select = h('select', { id: 'add-to-playlist-choice', name: 'playlist' },
      playlists.map((playlist) => h('option', { value: playlist.id }, playlist.title)));
    const errors = h('div');
    const status = h('p', { role: 'status' });
    const button = h('button', { type: 'submit', class: 'primary' }, s.addButton);
    const element = h('form', { class: 'stack form' },
      h('div', { class: 'field' }, h('label', { for: 'add-to-playlist-choice' }, s.addChoose), select),
      errors, h('div', { class: 'button-row' }, button), status);
    onSubmit(element, { button, errors, status }, async () => {
      const playlist = await api.post(`/playlists/${encodeURIComponent(select.value)}/tracks`, { trackIds: [track.id] });
      return s.added(playlist.title);
    });
    return element;
  };

  const load = async () => {
    body.replaceChildren(loading());
    try {
      const me = store.get().user;
      const page = await api.get('/me/playlists?limit=100', { signal });
      if (signal.aborted) return;
      // Followed playlists are listed too; only the owner's and collaborative ones take tracks (the API refuses others in words).
      const editable = page.items.filter((playlist) => playlist.owner.id === me?.id || playlist.collaborative);
      body.replaceChildren(editable.length ? form(editable)
        : h('p', {}, s.addNone, ' ', h('a', { href: '/library' }, s.addMake)));
      loaded = true;
    } catch (error) {
      if (!signal.aborted) body.replaceChildren(failure(error, load));
    }
  };
  details.addEventListener('toggle', () => {
    if (details.open && !loaded) load();
  });
  return details;
}
