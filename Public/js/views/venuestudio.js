// Venue studio (`/studio/events`): a venue's upcoming events, each with its
// door page and dashboard; a form to publish one or edit one (title, times,
// where, the pin, capacity, description), its line-up invitations and ticket
// tiers, and cancelling; the venue's door staff. The API's refusals (422 field
// by field, 403, 409) are shown next to the form.

import { h, announce } from '../dom.js';
import { t, formatDateTime } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { loading, failure, empty, studioGate } from '../components/states.js';
import { eventPath } from '../components/eventlist.js';
import { userPath } from '../components/tracklist.js';
import { onSubmit } from '../components/form.js';
import { confirmedAction } from '../components/confirm.js';
import { panelGroup } from '../components/panels.js';
import { tiersSection } from '../components/studiotiers.js';
import { eventDashboard } from '../components/eventdashboard.js';
import { doorStaffSection } from '../components/doorstaff.js';

const pad = (n) => String(n).padStart(2, '0');
/** An instant as a datetime-local value, in the browser's time zone. */
const toLocalInput = (iso) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
/** A datetime-local value as an RFC 3339 instant (whole seconds, UTC), or undefined when empty or unreadable. */
const fromLocalInput = (value) => {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
};

const fields = [
  // [API name, label key, element, attributes]
  ['title', 'eventTitle', 'input', { required: true, maxlength: '200', autocomplete: 'off' }],
  ['startsAt', 'startsAt', 'input', { type: 'datetime-local', required: true }],
  ['endsAt', 'endsAt', 'input', { type: 'datetime-local' }],
  ['city', 'city', 'input', { maxlength: '100', autocomplete: 'address-level2' }],
  ['address', 'address', 'input', { maxlength: '300', autocomplete: 'street-address' }],
  ['latitude', 'latitude', 'input', { type: 'number', step: 'any', min: '-90', max: '90', inputmode: 'decimal', 'aria-describedby': 'event-pin-hint' }],
  ['longitude', 'longitude', 'input', { type: 'number', step: 'any', min: '-180', max: '180', inputmode: 'decimal', 'aria-describedby': 'event-pin-hint' }],
  ['capacity', 'capacity', 'input', { type: 'number', min: '1', max: '1000000', step: '1', inputmode: 'numeric', 'aria-describedby': 'event-capacity-hint' }],
  ['description', 'description', 'textarea', { maxlength: '5000', rows: '5' }],
];
const hints = { longitude: ['event-pin-hint', 'pinHint'], capacity: ['event-capacity-hint', 'capacityHint'] };

/** The line-up of `event`: who is invited, accepted or declined, and an invitation form. */
function lineupSection(event, signal) {
  const s = t.studio;
  const path = `/events/${encodeURIComponent(event.id)}/lineup`;
  const list = h('div');
  const load = async () => {
    list.replaceChildren(loading());
    try {
      const { items } = await api.get(path, { signal });
      if (signal.aborted) return;
      list.replaceChildren(items.length
        ? h('ul', { class: 'card-list' }, items.map((slot) => h('li', { class: 'card' },
          h('a', { href: userPath(slot.artist) }, slot.artist.displayName), ` · ${s.lineupStatus[slot.status] ?? slot.status}`,
          slot.setStartsAt ? [' · ', h('time', { datetime: slot.setStartsAt }, formatDateTime(slot.setStartsAt))] : null)))
        : empty(s.lineupEmpty));
    } catch (error) {
      if (!signal.aborted) list.replaceChildren(failure(error, load));
    }
  };
  const username = h('input', { id: 'lineup-username', name: 'username', required: true, autocomplete: 'off', spellcheck: 'false' });
  const setStart = h('input', { id: 'lineup-start', name: 'setStartsAt', type: 'datetime-local' });
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const form = h('form', { class: 'stack form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'lineup-username' }, s.lineupUsername), username),
    h('div', { class: 'field' }, h('label', { for: 'lineup-start' }, s.setStartsAt), setStart),
    errors, h('div', { class: 'button-row' }, h('button', { type: 'submit' }, s.invite)), status);
  onSubmit(form, { errors, status }, async () => {
    const slot = await api.post(path, { username: username.value.trim().replace(/^@/, ''), setStartsAt: fromLocalInput(setStart.value) });
    form.reset();
    load();
    return s.invitedArtist(slot.artist.displayName);
  });
  load();
  return h('section', { class: 'stack', 'aria-labelledby': 'lineup-heading' },
    h('h3', { id: 'lineup-heading' }, s.lineupFor(event.title)), list, form);
}

export function render(container) {
  const s = t.studio;
  const controller = new AbortController();
  const me = store.get().user;
  const signal = studioGate(container, controller, { title: s.title, forbidden: s.forbidden, roles: ['venue'], user: me });
  if (!signal) return () => controller.abort();

  let editing = null;
  const list = h('div');
  const inputs = Object.fromEntries(fields.map(([name, , tag, attributes]) => [name, h(tag, { id: `event-${name}`, name, ...attributes })]));
  const formHeading = h('h2', { id: 'event-form-heading', tabindex: '-1' }, s.publish);
  const submit = h('button', { type: 'submit', class: 'primary' }, s.submitNew);
  const stop = h('button', { type: 'button', hidden: true }, s.cancelEditing);
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const lineup = h('div');
  // Each field's own refusal, under it (the summary of all goes above the buttons).
  const fieldErrors = Object.fromEntries(fields.map(([name]) => [name, h('p', { class: 'field-error', id: `event-${name}-error`, hidden: true })]));
  const form = h('form', { class: 'stack form event-form', novalidate: true },
    fields.map(([name, label]) => h('div', { class: 'field' }, h('label', { for: `event-${name}` }, s[label]), inputs[name],
      hints[name] ? h('p', { class: 'hint', id: hints[name][0] }, s[hints[name][1]]) : null, fieldErrors[name])),
    errors, h('div', { class: 'button-row' }, submit, stop), status);

  /** Marks the fields named in `messages` ({name: message}) invalid, with the message under each; clears the others. */
  const markInvalid = (messages) => {
    for (const [name, input] of Object.entries(inputs)) {
      const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== `event-${name}-error`);
      fieldErrors[name].textContent = messages[name] ?? '';
      fieldErrors[name].hidden = !messages[name];
      if (messages[name]) {
        input.setAttribute('aria-invalid', 'true');
        described.push(`event-${name}-error`);
      } else input.removeAttribute('aria-invalid');
      if (described.length) input.setAttribute('aria-describedby', described.join(' '));
      else input.removeAttribute('aria-describedby');
    }
  };

  const startEditing = (event) => {
    editing = event;
    for (const [name, input] of Object.entries(inputs)) {
      const value = event?.[name];
      input.value = value === undefined || value === null ? '' : name.endsWith('At') ? toLocalInput(value) : String(value);
    }
    formHeading.textContent = event ? s.editing(event.title) : s.publish;
    submit.textContent = event ? s.submitEdit : s.submitNew;
    stop.hidden = !event;
    errors.replaceChildren();
    markInvalid({});
    lineup.replaceChildren(...(event ? [lineupSection(event, signal), tiersSection(event, signal)] : []));
  };

  /** What the API takes from the form; when editing, only what changed (a start time left alone may be past the rules for new ones). */
  const body = () => {
    const value = (name) => inputs[name].value.trim();
    const number = (name) => (value(name) === '' ? undefined : Number(value(name)));
    const next = {
      title: value('title'), description: value('description'), city: value('city'), address: value('address'),
      startsAt: fromLocalInput(value('startsAt')), endsAt: fromLocalInput(value('endsAt')),
      latitude: number('latitude'), longitude: number('longitude'), capacity: number('capacity'),
    };
    if (!editing) return next;
    const changed = {};
    for (const [name, to] of Object.entries(next)) {
      const was = editing[name];
      const same = name.endsWith('At') ? (was ? fromLocalInput(toLocalInput(was)) : undefined) === to : (was ?? (typeof to === 'number' ? undefined : '')) === to;
      if (!same) changed[name] = to;
    }
    // The pin goes as a pair (the API takes both or neither).
    if ('latitude' in changed || 'longitude' in changed) Object.assign(changed, { latitude: next.latitude, longitude: next.longitude });
    if ('endsAt' in changed && changed.endsAt === undefined) {
      delete changed.endsAt;
      changed.clearEndsAt = true;
    }
    if ('capacity' in changed && changed.capacity === undefined) {
      delete changed.capacity;
      if (editing.capacity !== undefined && editing.capacity !== null) changed.clearCapacity = true;
    }
    return changed;
  };

  /** A refusal with its fields named by the form's labels (not the API's names), the fields marked and the first focused. */
  const refused = (error) => {
    markInvalid(Object.fromEntries((error.fields ?? []).map((field) => [field.field, field.message])));
    Object.values(inputs).find((input) => input.getAttribute('aria-invalid') === 'true')?.focus();
    const labels = Object.fromEntries(fields.map(([name, label]) => [name, s[label]]));
    return { message: error.message, fields: (error.fields ?? []).map((field) => ({ field: labels[field.field] ?? field.field, message: field.message })) };
  };

  onSubmit(form, { button: submit, errors, status }, async () => {
    markInvalid({});
    if (!inputs.startsAt.value) {
      markInvalid({ startsAt: s.needStart });
      inputs.startsAt.focus();
      throw { message: s.needStart };
    }
    let event;
    try {
      event = editing ? await api.patch(`/events/${encodeURIComponent(editing.id)}`, body()) : await api.post('/events', body());
    } catch (error) {
      throw refused(error);
    }
    const said = editing ? s.saved(event.title) : s.published(event.title);
    startEditing(editing ? event : null);
    await loadList();
    return said;
  });
  stop.addEventListener('click', () => {
    const was = editing;
    startEditing(null);
    list.querySelector(`[data-focus-key="edit:${was?.id}"]`)?.focus();
  });

  const panels = panelGroup();
  const eventCard = (event) => {
    const cancel = confirmedAction({
      label: s.cancel(event.title),
      question: () => s.confirmCancel(event.title),
      yes: s.confirmCancelYes,
      keep: s.keep,
      action: async () => {
        await api.post(`/events/${encodeURIComponent(event.id)}/cancel`);
        announce(s.cancelled(event.title));
        if (editing?.id === event.id) startEditing(null);
        await loadList();
        list.querySelector('a')?.focus();
      },
    });
    const dashboardButton = h('button', { type: 'button' }, s.dashboard(event.title));
    const dashboardSlot = h('div');
    panels(dashboardButton, dashboardSlot, () => {
      const element = eventDashboard(event, signal);
      return { element, focus: () => element.focus() };
    });
    return h('li', { class: 'card stack' },
      h('a', { href: eventPath(event), class: 'card-title' }, event.title),
      h('p', { class: 'meta' }, h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt)), event.city ? ` · ${event.city}` : '',
        ` · ${event.capacity ? t.events.places(event.goingCount, event.capacity) : t.events.going(event.goingCount)}`),
      h('div', { class: 'button-row' },
        h('button', { type: 'button', dataset: { focusKey: `edit:${event.id}` }, onclick: () => {
          startEditing(event);
          formHeading.focus();
        } }, s.edit(event.title)),
        cancel.button),
      cancel.panel, cancel.errors,
      h('div', { class: 'button-row' },
        h('a', { href: `${eventPath(event)}/door`, class: 'button-link' }, s.door(event.title)),
        dashboardButton),
      dashboardSlot);
  };

  const loadList = async () => {
    if (!list.firstChild) list.replaceChildren(loading());
    try {
      const page = await api.get(`/events?venue=${encodeURIComponent(me.username)}&limit=100`, { signal });
      if (signal.aborted) return;
      list.replaceChildren(page.items.length ? h('ul', { class: 'card-list' }, page.items.map(eventCard)) : empty(s.empty));
    } catch (error) {
      if (!signal.aborted) list.replaceChildren(failure(error, loadList));
    }
  };

  container.append(
    h('p', { class: 'lead' }, s.lead),
    h('section', { 'aria-labelledby': 'studio-events' }, h('h2', { id: 'studio-events' }, s.yourEvents), list),
    h('section', { class: 'stack', 'aria-labelledby': 'event-form-heading' }, formHeading, form, lineup),
    doorStaffSection(signal));
  loadList();
  return () => controller.abort();
}
