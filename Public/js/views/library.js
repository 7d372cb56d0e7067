// Library: your playlists (and a new one), liked tracks, what you played recently, and a link to your tickets.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { navigate, setTitle } from '../router.js';
import { section } from '../components/states.js';
import { trackList } from '../components/tracklist.js';
import { playlistList, playlistPath } from '../components/playlistlist.js';
import { playlistForm } from '../components/playlistform.js';

/** Entries may be tracks or `{track, …}` wrappers (a like's or a play's time). */
const tracksOf = (page) => (page.items ?? []).map((item) => item.track ?? item).filter((track) => track && track.id);

/** "New playlist": a button that opens the form; a made playlist opens at once. */
function newPlaylist() {
  const form = playlistForm({
    submit: t.playlist.create,
    save: async (body) => {
      const playlist = await api.post('/playlists', body);
      navigate(playlistPath(playlist));
      return playlist;
    },
  });
  form.id = 'new-playlist-form';
  form.hidden = true;
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'new-playlist-form' }, t.playlist.newPlaylist);
  toggle.addEventListener('click', () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) form.querySelector('input')?.focus();
  });
  return h('div', { class: 'stack' }, toggle, form);
}

export function render(container) {
  const controller = new AbortController();
  const { signal } = controller;
  const playlists = h('div');
  const likes = h('div');
  const history = h('div');
  container.append(
    h('h1', {}, t.library.title),
    h('p', {}, h('a', { href: '/tickets' }, t.events.myTickets)),
    h('section', { 'aria-labelledby': 'library-playlists' }, h('h2', { id: 'library-playlists' }, t.library.playlists), newPlaylist(), playlists),
    h('section', { 'aria-labelledby': 'library-likes' }, h('h2', { id: 'library-likes' }, t.library.likes), likes),
    h('section', { 'aria-labelledby': 'library-history' }, h('h2', { id: 'library-history' }, t.library.history), history));
  setTitle(t.library.title);
  section(playlists, () => api.get('/me/playlists?limit=50', { signal }), (page) => playlistList(page.items),
    { isEmpty: (page) => page.items.length === 0, emptyMessage: t.library.playlistsEmpty, signal });
  section(likes, () => api.get('/me/likes/tracks?limit=50', { signal }).then(tracksOf), (tracks) => trackList(tracks),
    { isEmpty: (tracks) => tracks.length === 0, emptyMessage: t.library.likesEmpty, signal });
  section(history, () => api.get('/me/history?limit=50', { signal }).then(tracksOf), (tracks) => trackList(tracks),
    { isEmpty: (tracks) => tracks.length === 0, emptyMessage: t.library.historyEmpty, signal });
  return () => controller.abort();
}
