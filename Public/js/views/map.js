// Map (`/map`): shows and venues near your pin or city, near where you are,
// or near a city chosen from the gazetteer's suggestions; filtered by radius,
// genre, free or ticketed and "only artists I follow or listen to", sorted by
// date or distance. The numbered lists are the results; the map shows the
// same numbers as pins. The filters live in the query, so a reload (or a
// shared link) shows the same.

import { h, announce } from '../dom.js';
import { t, formatDateTime, formatDistance } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { setTitle, setQuery } from '../router.js';
import { loading, empty, failure } from '../components/states.js';
import { eventPath } from '../components/eventlist.js';
import { userPath } from '../components/tracklist.js';
import { placeCombobox } from '../components/placecombobox.js';
import { pinMap } from '../components/pinmap.js';

const radii = [5, 10, 25, 50, 100, 250, 500];
let mapSettings = null;

/** Where tiles come from, once per page load; none (pins only) when the server names none or cannot say. */
function loadMapSettings() {
  mapSettings ??= api.get('/places/map-settings', { auth: false }).catch(() => ({}));
  return mapSettings;
}

function select(id, options, chosen) {
  return h('select', { id, name: id }, options.map(([value, text]) => h('option', { value, selected: value === chosen }, text)));
}

const number = (text) => (text === null || text === '' || !Number.isFinite(Number(text)) ? null : Number(text));

export function render(container, { query }) {
  const s = t.map;
  const controller = new AbortController();
  const { signal } = controller;
  const user = store.get().user;

  let centre = number(query.get('lat')) !== null && number(query.get('lon')) !== null
    ? { latitude: number(query.get('lat')), longitude: number(query.get('lon')) }
    : null;
  const place = placeCombobox({
    id: 'map-place', label: s.place, hint: s.placeHint, value: query.get('city') ?? '',
    onChoose: (chosen) => {
      centre = { latitude: chosen.latitude, longitude: chosen.longitude };
    },
  });
  place.input.addEventListener('input', () => { centre = null; });
  const locate = h('button', { type: 'button' }, s.useLocation);
  const locateStatus = h('p', { class: 'hint', role: 'status' });
  const chosenRadius = radii.includes(number(query.get('radius'))) ? String(number(query.get('radius'))) : '25';
  const radius = select('map-radius', radii.map((km) => [String(km), s.radiusKm(km)]), chosenRadius);
  const sort = select('map-sort', Object.entries(s.sorts), query.get('sort') === 'distance' ? 'distance' : 'date');
  const chosenGenre = query.get('genre') ?? '';
  const genres = [...t.welcome.genreList, ...(chosenGenre && !t.welcome.genreList.includes(chosenGenre) ? [chosenGenre] : [])];
  const genre = select('map-genre', [['', s.anyGenre], ...genres.map((name) => [name, name])], chosenGenre);
  const tickets = select('map-tickets', Object.entries(s.ticketChoices), ['free', 'ticketed'].includes(query.get('tickets')) ? query.get('tickets') : 'any');
  const following = h('input', { id: 'map-following', type: 'checkbox', checked: query.get('following') === 'true' });
  const form = h('form', { class: 'map-filters', 'aria-label': s.filters, novalidate: true },
    place.element,
    h('div', { class: 'map-locate' }, locate, locateStatus),
    h('div', { class: 'field' }, h('label', { for: 'map-radius' }, s.radius), radius),
    h('div', { class: 'field' }, h('label', { for: 'map-sort' }, s.sort), sort),
    h('div', { class: 'field' }, h('label', { for: 'map-genre' }, s.genre), genre),
    h('div', { class: 'field' }, h('label', { for: 'map-tickets' }, s.tickets), tickets),
    user ? h('div', { class: 'field' }, h('label', { class: 'choice', for: 'map-following' }, following, s.following)) : null,
    h('div', { class: 'map-filters-actions' }, h('button', { type: 'submit', class: 'primary' }, s.show)));

  const mapBox = h('div');
  const shows = h('div');
  const venues = h('div');
  container.append(
    h('h1', {}, s.title),
    h('p', { class: 'lead' }, s.lead),
    form,
    h('div', { class: 'map-layout' },
      h('section', { class: 'map-section', 'aria-labelledby': 'map-area-heading' },
        h('h2', { id: 'map-area-heading', class: 'visually-hidden' }, s.area), mapBox),
      h('div', { class: 'map-lists' },
        h('section', { 'aria-labelledby': 'map-shows' }, h('h2', { id: 'map-shows' }, s.shows), shows),
        h('section', { 'aria-labelledby': 'map-venues' }, h('h2', { id: 'map-venues' }, s.venues), venues))));
  setTitle(s.title);

  // The profile as it is now (its pin may have been set since this session began).
  const profile = user ? api.get('/me', { signal }).catch(() => user) : Promise.resolve(null);

  /** The centre's query: a point, a city, or nothing (the profile's pin); null when there is none to use. */
  const where = (me) => {
    if (centre) return { latitude: String(centre.latitude), longitude: String(centre.longitude) };
    const city = place.input.value.trim();
    if (city) return { city };
    if (me?.location) return {};
    if (me?.city) return { city: me.city };
    return null;
  };

  let current = null;
  signal.addEventListener('abort', () => current?.abort());
  let loads = 0;
  const load = async () => {
    current?.abort();
    const mine = new AbortController();
    current = mine;
    const first = loads++ === 0;
    setQuery({
      city: place.input.value.trim(), lat: centre?.latitude, lon: centre?.longitude, radius: radius.value === '25' ? '' : radius.value,
      sort: sort.value === 'date' ? '' : sort.value, genre: genre.value, tickets: tickets.value === 'any' ? '' : tickets.value,
      following: following.checked ? 'true' : '',
    });
    const me = await profile;
    if (mine.signal.aborted) return;
    const centreQuery = where(me);
    if (!centreQuery) {
      mapBox.replaceChildren();
      shows.replaceChildren(empty(s.needPlace, user ? h('p', {}, h('a', { href: '/settings' }, s.settings)) : null));
      venues.replaceChildren();
      return;
    }
    const common = { ...centreQuery, radiusKm: radius.value };
    const eventParams = new URLSearchParams({ ...common, sort: sort.value, limit: '50' });
    if (genre.value) eventParams.set('genre', genre.value);
    if (tickets.value !== 'any') eventParams.set('ticketed', String(tickets.value === 'ticketed'));
    if (user && following.checked) eventParams.set('following', 'true');
    const venueParams = new URLSearchParams({ ...common, limit: '50' });
    for (const box of [shows, venues]) box.replaceChildren(loading());
    const signed = { signal: mine.signal, auth: Boolean(user) };
    const [foundShows, foundVenues, settings] = await Promise.all([
      api.get(`/events/nearby?${eventParams}`, signed).catch((error) => ({ error })),
      api.get(`/venues/nearby?${venueParams}`, signed).catch((error) => ({ error })),
      loadMapSettings(),
    ]);
    if (mine.signal.aborted) return;
    const showItems = foundShows.items ?? [];
    const venueItems = foundVenues.items ?? [];
    shows.replaceChildren(foundShows.error ? failure(foundShows.error, load) : showItems.length
      ? h('ol', { class: 'card-list map-list' }, showItems.map(({ event, distanceKm }, index) => h('li', { class: 'card map-card' },
        h('span', { class: 'map-number map-number-show', 'aria-hidden': 'true' }, String(index + 1)),
        h('div', {},
          h('a', { href: eventPath(event), class: 'card-title' }, event.title),
          h('p', { class: 'meta' }, h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt)),
            event.city ? ` · ${event.city}` : '', ` · ${t.events.at(event.venue.displayName)}`),
          h('p', { class: 'meta' }, s.away(formatDistance(distanceKm)),
            event.status === 'cancelled' ? [' · ', h('strong', {}, t.events.cancelled)] : ` · ${t.events.going(event.goingCount)}`)))))
      : empty(s.showsEmpty));
    venues.replaceChildren(foundVenues.error ? failure(foundVenues.error, load) : venueItems.length
      ? h('ol', { class: 'card-list map-list' }, venueItems.map(({ venue, city, details, distanceKm }, index) => h('li', { class: 'card map-card' },
        h('span', { class: 'map-number map-number-venue', 'aria-hidden': 'true' }, String(showItems.length + index + 1)),
        h('div', {},
          h('a', { href: userPath(venue), class: 'card-title' }, venue.displayName),
          h('p', { class: 'meta' }, [details?.address, city].filter(Boolean).join(', ') || null),
          h('p', { class: 'meta' }, s.away(formatDistance(distanceKm)), details?.capacity ? ` · ${s.capacity(details.capacity)}` : '')))))
      : empty(s.venuesEmpty));
    const pins = [
      ...showItems.map(({ event, distanceKm }, index) => ({
        latitude: event.latitude, longitude: event.longitude, number: index + 1, kind: 'show', href: eventPath(event),
        name: s.pinShow(index + 1, event.title, formatDistance(distanceKm)),
      })),
      ...venueItems.map(({ venue, details, distanceKm }, index) => ({
        latitude: details?.location?.latitude, longitude: details?.location?.longitude, number: showItems.length + index + 1, kind: 'venue',
        href: userPath(venue), name: s.pinVenue(showItems.length + index + 1, venue.displayName, formatDistance(distanceKm)),
      })),
    ];
    const pinCentre = centre ?? (Object.keys(centreQuery).length === 0 ? me?.location ?? null : null);
    mapBox.replaceChildren(pinMap({ pins, centre: pinCentre, radiusKm: Number(radius.value), tiles: settings, label: s.area }),
      h('p', { class: 'hint' }, s.areaHint));
    if (!first) announce(s.updated(showItems.length, venueItems.length));
  };

  locate.addEventListener('click', () => {
    if (!navigator.geolocation) {
      locateStatus.textContent = s.locationDenied;
      return;
    }
    locateStatus.textContent = s.locating;
    navigator.geolocation.getCurrentPosition((position) => {
      if (signal.aborted) return;
      centre = { latitude: Number(position.coords.latitude.toFixed(4)), longitude: Number(position.coords.longitude.toFixed(4)) };
      place.set('');
      locateStatus.textContent = s.located;
      load();
    }, () => {
      locateStatus.textContent = s.locationDenied;
    }, { maximumAge: 300_000, timeout: 15_000 });
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  load();
  return () => controller.abort();
}
