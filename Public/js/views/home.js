// Home: the listener's recommendation shelves first (for you, local this
// week, because you liked…, each track with its reason; shows near them),
// then the newest tracks, what the people you follow released and announced
// (suggestions near you while that is empty), and upcoming shows.

import { h } from '../dom.js';
import { t, formatDateTime } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { setTitle } from '../router.js';
import { section, empty } from '../components/states.js';
import { trackList, recommendationList, userPath } from '../components/tracklist.js';
import { eventList, eventPath } from '../components/eventlist.js';
import { playlistPath } from '../components/playlistlist.js';

function feedItem(item) {
  if (item.kind === 'release' && item.release) {
    const release = item.release;
    return h('li', { class: 'card' },
      h('a', { href: `/releases/${encodeURIComponent(release.id)}`, class: 'card-title' }, release.title),
      h('p', { class: 'meta' }, h('a', { href: userPath(release.artist) }, release.artist.displayName), ` · ${t.release.kinds[release.kind] ?? release.kind}`));
  }
  if (item.kind === 'event' && item.event) {
    const event = item.event;
    return h('li', { class: 'card' },
      h('a', { href: eventPath(event), class: 'card-title' }, event.title),
      h('p', { class: 'meta' }, h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt)), ` · ${t.events.at(event.venue.displayName)}`));
  }
  if (item.kind === 'playlist' && item.playlist) {
    return h('li', { class: 'card' },
      h('a', { href: playlistPath(item.playlist), class: 'card-title' }, item.playlist.title),
      h('p', { class: 'meta' }, t.home.playlistBy(item.playlist.owner.displayName)));
  }
  return null;
}

function feed(page) {
  const items = page.items.map(feedItem).filter(Boolean);
  if (items.length === 0) return empty(t.home.feedEmpty, h('a', { href: '/search' }, t.home.findArtists));
  return h('div', {}, page.suggested ? h('p', { class: 'meta' }, t.home.feedSuggested) : null, h('ul', { class: 'card-list' }, items));
}

/** One shelf: a section named by its heading, its tracks (played as recommendations) and its shows. */
function shelf({ id, title, items = [], events = [] }) {
  const heading = `home-shelf-${id}`;
  return h('section', { 'aria-labelledby': heading, class: 'shelf' },
    h('h2', { id: heading }, title),
    items.length ? recommendationList(items, { source: 'recommendation' }) : null,
    events.length ? eventList(events) : null);
}

/** The shelves, or what would fill them: genres and a city in Settings, or some listening. */
function shelves(home) {
  const filled = home.shelves.filter((entry) => entry.items?.length || entry.events?.length);
  if (filled.length === 0) {
    return empty(t.home.shelvesEmpty,
      h('p', {}, h('a', { href: '/settings' }, t.home.shelvesSettings)),
      h('p', {}, h('a', { href: '/search' }, t.home.shelvesListen)));
  }
  return h('div', { class: 'shelves' }, filled.map(shelf));
}

export function render(container) {
  const controller = new AbortController();
  const { signal } = controller;
  const user = store.get().user;
  const recommended = h('div');
  const tracks = h('div');
  const following = h('div');
  const shows = h('div');
  container.append(
    h('h1', {}, t.home.title),
    h('p', { class: 'lead' }, t.home.greeting(user.displayName)),
    recommended,
    h('section', { 'aria-labelledby': 'home-tracks' }, h('h2', { id: 'home-tracks' }, t.home.newTracks), tracks),
    h('section', { 'aria-labelledby': 'home-feed' }, h('h2', { id: 'home-feed' }, t.home.feed), following),
    h('section', { 'aria-labelledby': 'home-shows' }, h('h2', { id: 'home-shows' }, t.home.shows), shows,
      h('p', {}, h('a', { href: '/events' }, t.home.allEvents))));
  setTitle(t.home.title);
  section(recommended, () => api.get('/me/home', { signal }), shelves, { signal });
  section(tracks, () => api.get('/browse/tracks?sort=newest&limit=10', { signal }), (page) => trackList(page.items),
    { isEmpty: (page) => page.items.length === 0, emptyMessage: t.home.newTracksEmpty, signal });
  section(following, () => api.get('/feed?limit=10', { signal }), feed, { signal });
  section(shows, () => api.get('/events?limit=5', { signal }), (page) => eventList(page.items),
    { isEmpty: (page) => page.items.length === 0, emptyMessage: t.home.showsEmpty, signal });
  return () => controller.abort();
}
