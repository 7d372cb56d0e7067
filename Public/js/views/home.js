// Home: new tracks from the artists you follow, and upcoming shows.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { setTitle } from '../router.js';
import { section, empty } from '../components/states.js';
import { trackList } from '../components/tracklist.js';
import { eventList } from '../components/eventlist.js';

async function followedTracks(username, signal) {
  const following = await api.get(`/users/${encodeURIComponent(username)}/following?limit=50`, { signal });
  const artists = following.items.map((entry) => entry.user).filter((user) => user.role === 'artist').slice(0, 12);
  const pages = await Promise.all(artists.map((artist) =>
    api.get(`/users/${encodeURIComponent(artist.username)}/tracks?limit=5`, { signal }).catch(() => ({ items: [] }))));
  return pages.flatMap((page) => page.items)
    .filter((track) => track.state === 'ready')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, 12);
}

export function render(container) {
  const controller = new AbortController();
  const { signal } = controller;
  const user = store.get().user;
  const tracks = h('div');
  const shows = h('div');
  container.append(
    h('h1', {}, t.home.title),
    h('p', { class: 'lead' }, t.home.greeting(user.displayName)),
    h('section', { 'aria-labelledby': 'home-following' }, h('h2', { id: 'home-following' }, t.home.following), tracks),
    h('section', { 'aria-labelledby': 'home-shows' }, h('h2', { id: 'home-shows' }, t.home.shows), shows,
      h('p', {}, h('a', { href: '/events' }, t.home.allEvents))));
  setTitle(t.home.title);
  section(tracks, () => followedTracks(user.username, signal), (items) => items.length
    ? trackList(items)
    : empty(t.home.followingEmpty, h('a', { href: '/search' }, t.home.findArtists)), { signal });
  section(shows, () => api.get('/events?limit=5', { signal }), (page) => eventList(page.items),
    { isEmpty: (page) => page.items.length === 0, emptyMessage: t.home.showsEmpty, signal });
  return () => controller.abort();
}
