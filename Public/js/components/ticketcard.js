// One ticket of the signed-in holder: the show, its tier, how it is paid, its
// state, its QR code (fetched with the access token and shown through a blob:
// URL), its code as text, and — while it is unused — "Cancel" and "Transfer".

import { h, announce } from '../dom.js';
import { t, formatDateTime, formatMoney } from '../strings.js';
import * as api from '../api.js';
import { onSubmit } from './form.js';
import { confirmedAction } from './confirm.js';
import { eventPath } from './eventlist.js';

/** The ticket's payment, or what an older server's tier implies: free, else reserved for the door. */
const paymentOf = (ticket) => ticket.payment ?? {
  provider: 'at_door',
  status: ticket.tier.priceMinor === 0 ? 'free' : 'reserved',
  amountMinor: ticket.tier.priceMinor,
  currency: ticket.tier.currency,
};

/** "Reserved — pay €12.00 at the door", "Free", "Paid €12.00"… */
export function paymentText(ticket) {
  const payment = paymentOf(ticket);
  const say = t.tickets.payments[payment.status] ?? t.tickets.payments.reserved;
  return say(formatMoney(payment.amountMinor, payment.currency));
}

export function stateText(ticket) {
  if (ticket.checkedInAt) return t.tickets.checkedIn(formatDateTime(ticket.checkedInAt));
  return t.tickets.states[ticket.state] ?? ticket.state;
}

/** The ticket's QR code as an <img> named for the show and tier; its blob: URL is revoked when `signal` aborts. */
export function ticketQR(ticket, eventTitle, signal) {
  const box = h('div', { class: 'ticket-qr' }, h('p', { class: 'meta', role: 'status' }, t.tickets.qrLoading));
  api.blob(ticket.qrCode ?? `/tickets/${encodeURIComponent(ticket.id)}/qr.svg`, { signal }).then((image) => {
    if (signal.aborted) return;
    const url = URL.createObjectURL(image);
    signal.addEventListener('abort', () => URL.revokeObjectURL(url), { once: true });
    box.replaceChildren(h('img', { src: url, alt: t.tickets.qrAlt(eventTitle, ticket.tier.name), class: 'qr-image', width: '240', height: '240' }));
  }).catch((error) => {
    if (!signal.aborted && error.name !== 'AbortError') box.replaceChildren(h('p', { class: 'meta' }, t.tickets.qrFailed));
  });
  return box;
}

/** "Transfer …": a button that opens a form asking whom to give the ticket to. */
function transferControl(ticket, eventTitle, onChange) {
  const s = t.tickets;
  const id = `transfer-${ticket.id}`;
  const username = h('input', { id: `${id}-username`, name: 'username', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${id}-hint` });
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const submit = h('button', { type: 'submit' }, s.transferButton);
  const form = h('form', { id, class: 'stack form', hidden: true, novalidate: true },
    h('div', { class: 'field' }, h('label', { for: `${id}-username` }, s.transferTo), username, h('p', { class: 'hint', id: `${id}-hint` }, s.transferHint)),
    errors, submit, status);
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': id }, s.transfer(eventTitle, ticket.tier.name));
  toggle.addEventListener('click', () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) username.focus();
  });
  onSubmit(form, { button: submit, errors, status }, async () => {
    const name = username.value.trim().replace(/^@/, '');
    await api.post(`/tickets/${encodeURIComponent(ticket.id)}/transfer`, { username: name });
    announce(s.transferred(name));
    onChange?.();
    return s.transferred(name);
  });
  return { toggle, form };
}

/**
 * A card for `ticket`; `event` (when known) names the show, `onChange()` runs
 * after a cancel or a transfer; `linkEvent` makes the title a link to the show.
 */
export function ticketCard(ticket, { event, signal, onChange, linkEvent = true }) {
  const s = t.tickets;
  const title = event?.title ?? s.unknownEvent;
  const usable = ticket.state === 'active' && !ticket.checkedInAt;
  let actions = null;
  if (usable) {
    const cancel = confirmedAction({
      label: s.cancel(title, ticket.tier.name),
      question: () => s.confirmCancel(title),
      yes: s.confirmCancelYes,
      keep: s.keep,
      action: async () => {
        await api.del(`/tickets/${encodeURIComponent(ticket.id)}`);
        announce(s.cancelled(title));
        onChange?.();
      },
    });
    const transfer = transferControl(ticket, title, onChange);
    actions = [h('div', { class: 'button-row' }, transfer.toggle, cancel.button), transfer.form, cancel.panel, cancel.errors];
  }
  return h('li', { class: 'card stack ticket-card' },
    linkEvent && event ? h('a', { href: eventPath(event), class: 'card-title' }, title) : h('p', { class: 'card-title' }, title),
    event ? h('p', { class: 'meta' }, h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt)),
      event.city ? ` · ${event.city}` : '', event.venue ? ` · ${t.events.at(event.venue.displayName)}` : '') : null,
    h('dl', { class: 'facts' },
      h('dt', {}, s.tier), h('dd', {}, ticket.tier.name),
      h('dt', {}, s.payment), h('dd', { class: 'ticket-payment' }, paymentText(ticket)),
      h('dt', {}, s.state), h('dd', { class: 'ticket-state' }, stateText(ticket))),
    usable ? ticketQR(ticket, title, signal) : null,
    usable ? h('p', { class: 'meta ticket-code' }, `${s.code}: `, h('code', { class: 'secret' }, ticket.code)) : null,
    actions);
}

