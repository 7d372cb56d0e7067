// My tickets (`/tickets`): every ticket you hold, newest first, each with its
// show, tier, payment, state and QR code, and "Cancel" and "Transfer" while
// it is unused.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { setTitle } from '../router.js';
import { loading, empty, failure } from '../components/states.js';
import { ticketCard } from '../components/ticketcard.js';

/** The shows of `tickets` by id, one request per show (a holder has few); a show that fails to load is left out. */
async function eventsOf(tickets, signal) {
  const ids = [...new Set(tickets.map((ticket) => ticket.eventId))];
  const found = await Promise.all(ids.map((id) => api.get(`/events/${encodeURIComponent(id)}`, { signal }).catch(() => null)));
  return new Map(found.filter(Boolean).map((event) => [event.id, event]));
}

export function render(container) {
  const s = t.tickets;
  const controller = new AbortController();
  const { signal } = controller;
  const list = h('div');
  container.append(h('h1', {}, s.title), h('p', { class: 'lead' }, s.lead), list);
  setTitle(s.title);
  // A view drawn again gets new QR code URLs; the old ones are revoked with their signal.
  let drawn = new AbortController();
  signal.addEventListener('abort', () => drawn.abort());

  const load = async () => {
    if (!list.firstChild) list.replaceChildren(loading());
    try {
      const { items } = await api.get('/me/tickets', { signal });
      const events = await eventsOf(items, signal);
      if (signal.aborted) return;
      drawn.abort();
      drawn = new AbortController();
      list.replaceChildren(items.length
        ? h('ul', { class: 'card-list' }, items.map((ticket) => ticketCard(ticket, { event: events.get(ticket.eventId), signal: drawn.signal, onChange: changed })))
        : empty(s.empty, h('p', {}, h('a', { href: '/map' }, s.findShows))));
    } catch (error) {
      if (!signal.aborted && error.name !== 'AbortError') list.replaceChildren(failure(error, load));
    }
  };
  // After a cancel or a transfer the card is gone: the focus goes back to the heading.
  const changed = () => load().then(() => container.querySelector('h1')?.focus());
  load();
  return () => controller.abort();
}
