// Discover: the swipe deck (one track at a time, "Like" or "Pass"), listeners
// near you with similar taste (when taste matching is on; why not, when it is
// off), and the charts: top local artists this week and the busiest venues,
// filtered by city and genre (kept in the query, so a reload shows the same).

import { h } from '../dom.js';
import { t, formatPercent } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { setTitle, setQuery } from '../router.js';
import { section, empty } from '../components/states.js';
import { userPath } from '../components/tracklist.js';
import { swipeDeck } from '../components/swipedeck.js';
import { rankedUsers } from '../components/rankedlist.js';

/** The listeners near you, or why there are none. */
function neighbours(result, user) {
  if (result.off) {
    return empty(t.discover.neighboursOff, h('p', {}, h('a', { href: '/settings' }, t.discover.neighboursSettings)));
  }
  if (result.items.length === 0) {
    return user.city
      ? empty(t.discover.neighboursEmpty)
      : empty(t.discover.neighboursNoCity, h('p', {}, h('a', { href: '/settings' }, t.discover.neighboursSettings)));
  }
  return h('ul', { class: 'card-list' }, result.items.map((entry) => h('li', { class: 'card' },
    h('a', { href: userPath(entry.user), class: 'card-title' }, entry.user.displayName ?? entry.user.username),
    h('p', { class: 'meta' }, `@${entry.user.username} · ${t.discover.alike(formatPercent(entry.percent / 100))}`))));
}

export function render(container, { query }) {
  const controller = new AbortController();
  const { signal } = controller;
  const user = store.get().user;

  const near = h('div');
  const city = h('input', {
    id: 'chart-city', name: 'city', autocomplete: 'address-level2', maxlength: '100',
    value: query.get('city') ?? user.city ?? '', 'aria-describedby': 'chart-city-hint',
  });
  const chosenGenre = query.get('genre') ?? '';
  const genres = [...t.welcome.genreList, ...(chosenGenre && !t.welcome.genreList.includes(chosenGenre) ? [chosenGenre] : [])];
  const genre = h('select', { id: 'chart-genre', name: 'genre' },
    h('option', { value: '', selected: chosenGenre === '' }, t.discover.anyGenre),
    genres.map((name) => h('option', { value: name, selected: name === chosenGenre }, name)));
  const form = h('form', { class: 'chart-filters', 'aria-label': t.discover.chartFilters, novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'chart-city' }, t.discover.city), city,
      h('p', { class: 'hint', id: 'chart-city-hint' }, t.discover.cityHint)),
    h('div', { class: 'field' }, h('label', { for: 'chart-genre' }, t.discover.genre), genre),
    h('div', { class: 'chart-filters-actions' }, h('button', { type: 'submit' }, t.discover.showCharts)));
  const localMeta = h('p', { class: 'meta' });
  const local = h('div');
  const venuesMeta = h('p', { class: 'meta' });
  const venues = h('div');

  container.append(
    h('h1', {}, t.discover.title),
    h('p', { class: 'lead' }, t.discover.lead),
    h('section', { 'aria-labelledby': 'discover-deck', class: 'discover-block' },
      h('h2', { id: 'discover-deck' }, t.discover.deck), swipeDeck({ signal })),
    h('section', { 'aria-labelledby': 'discover-neighbours', class: 'discover-block' },
      h('h2', { id: 'discover-neighbours' }, t.discover.neighbours), near),
    h('section', { 'aria-labelledby': 'discover-charts', class: 'discover-block' },
      h('h2', { id: 'discover-charts' }, t.discover.charts), form,
      h('section', { 'aria-labelledby': 'discover-local-chart' },
        h('h3', { id: 'discover-local-chart' }, t.discover.localChart), localMeta, local),
      h('section', { 'aria-labelledby': 'discover-venues-chart' },
        h('h3', { id: 'discover-venues-chart' }, t.discover.venuesChart), venuesMeta, venues)));
  setTitle(t.discover.title);

  section(near, async () => {
    const choices = await api.get('/me/discovery-settings', { signal });
    if (!choices.tasteMatching) return { off: true };
    try {
      return await api.get('/me/taste-neighbours?limit=10', { signal });
    } catch (error) {
      // Turned off in another tab since.
      if (error.code === 'taste_matching_off') return { off: true };
      throw error;
    }
  }, (result) => neighbours(result, user), { signal });

  // A newer choice of filters aborts the charts still loading for the older one.
  let chartLoad = new AbortController();
  signal.addEventListener('abort', () => chartLoad.abort());
  const charts = () => {
    chartLoad.abort();
    chartLoad = new AbortController();
    const chartSignal = chartLoad.signal;
    const where = city.value.trim();
    const kind = genre.value;
    const params = new URLSearchParams();
    if (where) params.set('city', where);
    if (kind) params.set('genre', kind);
    localMeta.textContent = [where || t.discover.everywhere, kind || t.discover.anyGenre].join(' · ');
    venuesMeta.textContent = where || t.discover.everywhere;
    section(local, () => api.get(`/charts/local?${params}`, { signal: chartSignal }),
      (chart) => rankedUsers(chart.items.map((entry) => ({ user: entry.artist, count: t.discover.listeners(entry.listeners) }))),
      { isEmpty: (chart) => chart.items.length === 0, emptyMessage: t.discover.localEmpty, signal: chartSignal });
    const venueParams = new URLSearchParams(where ? { city: where } : {});
    section(venues, () => api.get(`/charts/venues?${venueParams}`, { signal: chartSignal }),
      (chart) => rankedUsers(chart.items.map((entry) => ({ user: entry.venue, count: t.discover.shows(entry.shows) }))),
      { isEmpty: (chart) => chart.items.length === 0, emptyMessage: t.discover.venuesEmpty, signal: chartSignal });
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setQuery({ city: city.value.trim(), genre: genre.value });
    charts();
  });
  charts();
  return () => controller.abort();
}
