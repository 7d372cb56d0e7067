// Events: upcoming shows, soonest first; links to the map and your tickets.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { setTitle } from '../router.js';
import { section } from '../components/states.js';
import { eventList } from '../components/eventlist.js';

export function render(container) {
  const controller = new AbortController();
  const { signal } = controller;
  const list = h('div');
  container.append(h('h1', {}, t.events.title),
    h('ul', { class: 'inline-list' },
      h('li', {}, h('a', { href: '/map' }, t.events.map)),
      api.isSignedIn() ? h('li', {}, h('a', { href: '/tickets' }, t.events.myTickets)) : null),
    list);
  setTitle(t.events.title);
  section(list, () => api.get('/events?limit=50', { signal }), (page) => eventList(page.items),
    { isEmpty: (page) => page.items.length === 0, emptyMessage: t.events.empty, signal });
  return () => controller.abort();
}
