// Radio: "Start radio" with a mood, or at once from a seed in the query
// (?track=ID, ?artist=username, ?playlist=ID, as the track and profile pages
// link here); then the station's tracks, each with its reason, and a status
// line. The station itself is radio.js's and plays on after the view is left.

import { h } from '../dom.js';
import { t } from '../strings.js';
import { setTitle, setQuery } from '../router.js';
import { empty, failure } from '../components/states.js';
import { trackRow } from '../components/tracklist.js';
import * as radio from '../radio.js';

/** The seed the query names, or null. */
function seedOf(query) {
  if (query.get('track')) return { trackId: query.get('track') };
  if (query.get('artist')) return { artist: query.get('artist') };
  if (query.get('playlist')) return { playlistId: query.get('playlist') };
  return null;
}

export function render(container, { query }) {
  const mood = h('select', { id: 'radio-mood', name: 'mood' },
    Object.entries(t.radio.moods).map(([value, label]) => h('option', { value, selected: value === 'chill' }, label)));
  const submit = h('button', { type: 'submit', class: 'primary' }, t.radio.start);
  const errors = h('div');
  const form = h('form', { class: 'stack form', 'aria-labelledby': 'radio-start-heading', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'radio-mood' }, t.radio.mood), mood),
    errors,
    h('div', { class: 'button-row' }, submit));
  const status = h('p', { role: 'status', class: 'meta' });
  const body = h('div');
  let list = null;

  let starting = false;
  const start = async (seed) => {
    errors.replaceChildren();
    starting = true;
    submit.disabled = true;
    status.textContent = t.radio.starting;
    try {
      await radio.start(seed);
    } catch (error) {
      if (!container.isConnected) return;
      status.textContent = '';
      errors.replaceChildren(failure(error, () => start(seed)));
    } finally {
      starting = false;
      submit.disabled = false;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    start({ mood: mood.value });
  });

  // The list grows as the station goes on: new rows are added, the shown ones (and the focus) stay.
  const show = (station) => {
    if (!station) {
      list = null;
      body.replaceChildren(empty(t.radio.none));
      if (!starting) status.textContent = '';
      return;
    }
    if (station.items.length === 0) {
      list = null;
      body.replaceChildren(empty(t.radio.empty));
      status.textContent = '';
      return;
    }
    if (!list || list.dataset.station !== station.id || list.children.length > station.items.length) {
      list = h('ol', { class: 'track-list', dataset: { station: station.id } });
      body.replaceChildren(list);
    }
    const tracks = station.items.map((item) => item.track);
    for (let position = list.children.length; position < station.items.length; position += 1) {
      list.append(trackRow(tracks[position], tracks, position, { reason: station.items[position].reason, play: radio.playFrom }));
    }
    body.querySelector(':scope > .state-error')?.remove();
    if (station.error) body.append(failure(station.error, radio.more));
    if (station.phase === 'finding') status.textContent = t.radio.finding;
    else if (station.phase === 'exhausted') status.textContent = t.radio.nothingMore;
    else status.textContent = t.radio.playing(station.items.length);
  };

  container.append(
    h('h1', {}, t.radio.title),
    h('p', { class: 'lead' }, t.radio.lead),
    h('section', { 'aria-labelledby': 'radio-start-heading', class: 'stack' },
      h('h2', { id: 'radio-start-heading' }, t.radio.startHeading), form),
    h('section', { 'aria-labelledby': 'radio-station' },
      h('h2', { id: 'radio-station' }, t.radio.station), status, body));
  setTitle(t.radio.title);

  const seed = seedOf(query);
  const unsubscribe = radio.subscribe(show);
  if (seed) {
    // Started once: a reload or Back shows the station instead of starting another.
    setQuery({ track: null, artist: null, playlist: null });
    start(seed);
  }
  return unsubscribe;
}
