// A list of events: title (a link to the event), when, where, who goes.

import { h } from '../dom.js';
import { t, formatDateTime } from '../strings.js';

export const eventPath = (event) => `/events/${encodeURIComponent(event.id)}`;

export function eventList(events) {
  return h('ul', { class: 'card-list' }, events.map((event) => h('li', { class: 'card' },
    h('a', { href: eventPath(event), class: 'card-title' }, event.title),
    h('p', { class: 'meta' },
      h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt)),
      event.city ? ` · ${event.city}` : '',
      ` · ${t.events.at(event.venue.displayName)}`),
    h('p', { class: 'meta' },
      event.status === 'cancelled' ? h('strong', {}, t.events.cancelled) : t.events.going(event.goingCount)))));
}
