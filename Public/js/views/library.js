// Library: liked tracks and what you played recently.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { setTitle } from '../router.js';
import { section } from '../components/states.js';
import { trackList } from '../components/tracklist.js';

/** Entries may be tracks or `{track, …}` wrappers (a like's or a play's time). */
const tracksOf = (page) => (page.items ?? []).map((item) => item.track ?? item).filter((track) => track && track.id);

export function render(container) {
  const controller = new AbortController();
  const { signal } = controller;
  const likes = h('div');
  const history = h('div');
  container.append(
    h('h1', {}, t.library.title),
    h('section', { 'aria-labelledby': 'library-likes' }, h('h2', { id: 'library-likes' }, t.library.likes), likes),
    h('section', { 'aria-labelledby': 'library-history' }, h('h2', { id: 'library-history' }, t.library.history), history));
  setTitle(t.library.title);
  section(likes, () => api.get('/me/likes/tracks?limit=50', { signal }).then(tracksOf), (tracks) => trackList(tracks),
    { isEmpty: (tracks) => tracks.length === 0, emptyMessage: t.library.likesEmpty, signal });
  section(history, () => api.get('/me/history?limit=50', { signal }).then(tracksOf), (tracks) => trackList(tracks),
    { isEmpty: (tracks) => tracks.length === 0, emptyMessage: t.library.historyEmpty, signal });
  return () => controller.abort();
}
