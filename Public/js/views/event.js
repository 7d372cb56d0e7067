// An event: when, where, the venue, how full it is, the description, your
// RSVP, its tickets (claim, waitlist) and yours with their QR codes and
// payment, and a link to add it to a calendar.

import { h, announce } from '../dom.js';
import { t, formatDateTime, formatMoney } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { navigate, setTitle } from '../router.js';
import { loading, failure, failedPage } from '../components/states.js';
import { userPath } from '../components/tracklist.js';
import { ticketCard, paymentText } from '../components/ticketcard.js';

const isFull = (event) => event.capacity !== undefined && event.capacity !== null && event.goingCount >= event.capacity;

function rsvpControls(event, onChange) {
  if (!api.isSignedIn()) return h('p', {}, h('a', { href: `/sign-in?next=${encodeURIComponent(location.pathname)}` }, t.events.signInToRsvp));
  if (event.status === 'cancelled') return null;
  const errors = h('div');
  const path = `/events/${encodeURIComponent(event.id)}/rsvp`;
  const choose = async (status) => {
    errors.replaceChildren();
    try {
      if (status) await api.put(path, { status });
      else await api.del(path);
      announce(status ? t.events.rsvpSaved(status === 'going' ? t.events.rsvpGoing : t.events.rsvpInterested) : t.events.rsvpWithdrawn);
      onChange();
    } catch (error) {
      errors.replaceChildren(failure(error.code === 'event_full' ? { message: t.events.fullRefused } : error));
    }
  };
  return h('div', { class: 'rsvp', role: 'group', 'aria-labelledby': 'rsvp-label' },
    h('h2', { id: 'rsvp-label' }, t.events.rsvp),
    isFull(event) && event.myRsvp !== 'going' ? h('p', { class: 'warning' }, t.events.fullNote) : null,
    h('div', { class: 'button-row' },
      h('button', { type: 'button', 'aria-pressed': String(event.myRsvp === 'going'), onclick: () => choose('going') }, t.events.rsvpGoing),
      h('button', { type: 'button', 'aria-pressed': String(event.myRsvp === 'interested'), onclick: () => choose('interested') }, t.events.rsvpInterested),
      event.myRsvp ? h('button', { type: 'button', onclick: () => choose(null) }, t.events.withdraw) : null),
    errors);
}

/** Price in the currency's own format; free when 0. */
const price = (tier) => (tier.priceMinor === 0 ? t.events.free : formatMoney(tier.priceMinor, tier.currency));

/** Your unused tickets for this show, with their QR codes (hidden when you hold none); `reload()` reads them again. */
function yourTickets(event, signal) {
  const list = h('ul', { class: 'card-list' });
  const section = h('section', { class: 'stack', 'aria-labelledby': 'your-tickets-heading' },
    h('h2', { id: 'your-tickets-heading' }, t.events.yourTickets), list,
    h('p', {}, h('a', { href: '/tickets' }, t.events.allTickets)));
  section.hidden = true;
  let drawn = new AbortController();
  signal.addEventListener('abort', () => drawn.abort());
  const reload = async () => {
    if (!api.isSignedIn()) return;
    try {
      const { items } = await api.get('/me/tickets', { signal });
      const mine = items.filter((ticket) => ticket.eventId === event.id && ticket.state === 'active');
      if (signal.aborted) return;
      drawn.abort();
      drawn = new AbortController();
      list.replaceChildren(...mine.map((ticket) => ticketCard(ticket, { event, signal: drawn.signal, onChange: reload, linkEvent: false })));
      section.hidden = mine.length === 0;
    } catch {
      // The tiers above say what went wrong with tickets; this list is a convenience.
    }
  };
  reload();
  return { section, reload };
}

/** The event's ticket tiers: claim one, or join the waitlist of a sold-out one; a claim shows up under "Your tickets". */
function ticketSection(event, signal, claimed) {
  const list = h('ul', { class: 'stack', 'aria-labelledby': 'tickets-heading' });
  const status = h('div', { role: 'status' });
  const errors = h('div');
  const section = h('section', { class: 'stack', 'aria-labelledby': 'tickets-heading' },
    h('h2', { id: 'tickets-heading' }, t.events.tickets), list, status, errors);
  section.hidden = true;
  const act = async (path, done) => {
    errors.replaceChildren();
    try {
      const result = await api.post(path);
      done(result);
      await load();
    } catch (error) {
      errors.replaceChildren(failure(error));
    }
  };
  const row = (tier) => {
    const label = `${tier.name} — ${price(tier)} — ${tier.soldOut ? t.events.soldOut : t.events.left(tier.available)}`;
    let action = null;
    if (api.isSignedIn() && event.status !== 'cancelled') {
      action = tier.soldOut
        ? h('button', { type: 'button', onclick: () => act(`/tiers/${encodeURIComponent(tier.id)}/waitlist`, (place) => {
          status.textContent = t.events.waiting(place.position);
        }) }, t.events.joinWaitlist(tier.name))
        : h('button', { type: 'button', onclick: () => act(`/tiers/${encodeURIComponent(tier.id)}/claims`, (ticket) => {
          const said = `${t.events.yourTicket(tier.name)} ${paymentText(ticket)}.`;
          status.replaceChildren(h('p', {}, said));
          announce(said);
          claimed();
        }) }, t.events.claim(tier.name));
    }
    return h('li', { class: 'button-row' }, h('span', {}, label), action);
  };
  const load = async () => {
    try {
      const { items } = await api.get(`/events/${encodeURIComponent(event.id)}/tiers`, { signal, auth: api.isSignedIn() });
      if (!items.length) { section.hidden = true; return; }
      section.hidden = false;
      list.replaceChildren(...items.map(row));
    } catch (error) {
      if (!signal.aborted) errors.replaceChildren(failure(error, load));
    }
  };
  load();
  return section;
}

/** The bill: accepted artists with their set times (hidden when there are none). */
function lineupSection(event, signal) {
  const list = h('ol', { class: 'stack' });
  const section = h('section', { class: 'stack', 'aria-labelledby': 'lineup-heading' }, h('h2', { id: 'lineup-heading' }, t.events.lineup), list);
  section.hidden = true;
  api.get(`/events/${encodeURIComponent(event.id)}/lineup`, { signal }).then(({ items }) => {
    const accepted = items.filter((slot) => slot.status === 'accepted');
    if (!accepted.length) return;
    list.replaceChildren(...accepted.map((slot) => h('li', {},
      h('a', { href: userPath(slot.artist) }, slot.artist.displayName),
      slot.setStartsAt ? [' — ', h('time', { datetime: slot.setStartsAt }, formatDateTime(slot.setStartsAt))] : null)));
    section.hidden = false;
  }).catch(() => {});
  return section;
}

/** Joins the event's room and opens it as a conversation. */
function chatButton(event) {
  if (!api.isSignedIn() || !event.roomId) return null;
  const errors = h('div');
  const button = h('button', { type: 'button', onclick: async () => {
    errors.replaceChildren();
    try {
      await api.put(`/rooms/${encodeURIComponent(event.roomId)}/membership`);
      navigate(`/messages/${encodeURIComponent(event.roomId)}`);
    } catch (error) {
      errors.replaceChildren(failure(error));
    }
  } }, t.events.chat);
  return h('div', { class: 'stack' }, button, errors);
}

export function render(container, { params }) {
  const controller = new AbortController();
  const { signal } = controller;
  let first = true;
  const load = async () => {
    if (first) container.replaceChildren(loading());
    try {
      const event = await api.get(`/events/${encodeURIComponent(params.eventId)}`, { signal });
      if (signal.aborted) return;
      const mine = yourTickets(event, signal);
      container.replaceChildren(h('article', { class: 'event-page' },
        event.status === 'cancelled' ? h('p', { class: 'eyebrow warning' }, t.events.cancelled) : null,
        h('h1', {}, event.title),
        h('dl', { class: 'facts' },
          h('dt', {}, t.events.when), h('dd', {}, h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt)),
            event.endsAt ? [' – ', h('time', { datetime: event.endsAt }, formatDateTime(event.endsAt))] : null),
          event.city || event.address ? [h('dt', {}, t.events.where), h('dd', {}, [event.address, event.city].filter(Boolean).join(', '))] : null,
          h('dt', {}, t.events.venue), h('dd', {}, h('a', { href: userPath(event.venue) }, event.venue.displayName)),
          event.capacity ? [h('dt', {}, t.events.capacity), h('dd', {}, t.events.places(event.goingCount, event.capacity),
            isFull(event) ? [' — ', h('strong', {}, t.events.full)] : null)] : null),
        h('p', { class: 'meta' }, t.events.going(event.goingCount), ' · ', t.events.interested(event.interestedCount)),
        event.description ? h('p', { class: 'bio' }, event.description) : null,
        lineupSection(event, signal),
        rsvpControls(event, load),
        ticketSection(event, signal, mine.reload),
        mine.section,
        h('p', {}, h('a', { href: `/api/v1/events/${encodeURIComponent(event.id)}/calendar.ics`, download: 'event.ics' }, t.events.addToCalendar)),
        store.get().user?.id === event.venue.id ? h('p', {}, h('a', { href: `/events/${encodeURIComponent(event.id)}/door` }, t.studio.door(event.title))) : null,
        chatButton(event)));
      if (first) setTitle(event.title);
      first = false;
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
    }
  };
  load();
  return () => controller.abort();
}
