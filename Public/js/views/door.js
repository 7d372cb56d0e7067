// The door of a show (`/events/<id>/door`), for its venue and door staff:
// scan tickets' QR codes with the camera (BarcodeDetector, where the browser
// has it) or type a code, and hear the answer — admitted (who, which tier,
// what to collect), already checked in (when and by whom), another show's
// ticket, or not a ticket at all. Without a connection a code is checked on
// the device against the venue's public key (fetched and kept while online):
// a valid one is kept in this device's storage with the time it was made and
// sent when the connection is back (the server keeps the earliest scan of a
// ticket and has the last word); a forged one or another show's is refused.

import { h, announce } from '../dom.js';
import { t, formatTime, formatDateTime, formatMoney } from '../strings.js';
import * as api from '../api.js';
import { setTitle } from '../router.js';
import { loading, failedPage } from '../components/states.js';
import { cameraScanner } from '../components/qrscanner.js';
import { loadVenueKey, keptKey, canCheckOffline, checkOffline } from '../components/ticketcheck.js';

const storageKey = (eventId) => `based.door.${eventId}`;

/** The scans made offline for this show: [{code, scannedAt}]. */
function waitingScans(eventId) {
  try {
    const scans = JSON.parse(localStorage.getItem(storageKey(eventId)) ?? '[]');
    return Array.isArray(scans) ? scans.filter((scan) => typeof scan?.code === 'string') : [];
  } catch {
    return [];
  }
}

function keepScans(eventId, scans) {
  if (scans.length) localStorage.setItem(storageKey(eventId), JSON.stringify(scans));
  else localStorage.removeItem(storageKey(eventId));
}

/** The server's "Already checked in at <instant> by @<name>." with the time in this device's zone. */
function alreadyText(message) {
  const found = /at (\S+) by @(\S+?)\.?$/.exec(message ?? '');
  const when = found ? new Date(found[1]) : null;
  return when && !Number.isNaN(when.getTime()) ? t.door.alreadyBy(formatDateTime(found[1]), found[2]) : message || t.door.already;
}

/** What a check-in's answer means at the door: `{kind, lines}` (kind: admitted, already, refused, queued). */
function outcome(result) {
  const s = t.door;
  if (result.admission) {
    const { holder, tier, payment } = result.admission;
    const lines = [s.admitted(holder?.displayName ?? holder?.username ?? '', tier)];
    // Pay-at-the-door tickets are paid as they are admitted (the answer may say reserved or already paid): collect now.
    const collect = payment && payment.amountMinor > 0
      && (payment.status === 'reserved' || (payment.status === 'paid' && payment.provider === 'at_door'));
    if (collect) lines.push(s.collect(formatMoney(payment.amountMinor, payment.currency)));
    else if (payment?.status === 'paid') lines.push(s.paid);
    return { kind: 'admitted', lines, collect };
  }
  const error = result.error;
  switch (error.code) {
    case 'already_checked_in': return { kind: 'already', lines: [alreadyText(error.message)] };
    case 'wrong_event': return { kind: 'refused', lines: [s.wrongEvent] };
    case 'ticket_cancelled': return { kind: 'refused', lines: [s.cancelled] };
    case 'not_door_staff': return { kind: 'refused', lines: [s.forbidden] };
    default:
      if (error.status === 422) return { kind: 'refused', lines: [s.invalid] };
      return { kind: 'refused', lines: [error.message] };
  }
}

export function render(container, { params }) {
  const s = t.door;
  const controller = new AbortController();
  const { signal } = controller;
  const eventId = params.eventId;
  const path = `/events/${encodeURIComponent(eventId)}/check-ins`;

  const result = h('div', { class: 'door-result', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const recent = h('ol', { class: 'door-log' }, h('li', { class: 'meta' }, s.recentEmpty));
  const waiting = h('p', { class: 'meta' });
  const sync = h('button', { type: 'button', hidden: true }, s.sync);
  const readiness = h('p', { class: 'hint' });
  let syncing = false;
  let venue = null;

  const log = (code, shown, scannedAt, offline) => {
    if (recent.querySelector('.meta:only-child')) recent.replaceChildren();
    recent.prepend(h('li', { class: `door-entry door-${shown.kind}` },
      h('time', { datetime: scannedAt }, formatTime(scannedAt)), ' ', shown.lines.join(' '),
      offline ? ` (${s.offlineScan})` : ''));
    while (recent.children.length > 30) recent.lastChild.remove();
  };
  const showWaiting = () => {
    const count = waitingScans(eventId).length;
    waiting.textContent = count ? s.waiting(count) : '';
    sync.hidden = count === 0;
  };
  const say = (shown) => {
    result.className = `door-result door-${shown.kind}`;
    result.replaceChildren(...shown.lines.map((line, at) => h('p', { class: at === 0 ? 'door-headline' : shown.collect && at === 1 ? 'door-collect' : '' }, line)));
  };

  /** Sends one scan; `{admission}` or `{error}`, or null when there is no connection. */
  const send = async (code, scannedAt) => {
    try {
      return { admission: await api.post(path, { code, scannedAt }) };
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      return error.code === 'network' ? null : { error };
    }
  };

  /** Sends the scans kept offline, oldest first; stops at the first that cannot get through. */
  const syncWaiting = async () => {
    if (syncing) return;
    syncing = true;
    let sent = 0;
    try {
      for (const scan of waitingScans(eventId)) {
        const answer = await send(scan.code, scan.scannedAt);
        if (!answer || signal.aborted) break;
        keepScans(eventId, waitingScans(eventId).filter((kept) => !(kept.code === scan.code && kept.scannedAt === scan.scannedAt)));
        log(scan.code, outcome(answer), scan.scannedAt, true);
        sent += 1;
      }
    } finally {
      syncing = false;
      showWaiting();
    }
    if (sent) announce(s.synced(sent));
  };

  /** Without a connection: the code checked against the venue's key, and kept to be sent unless it is refused. */
  const checkOfflineAndKeep = async (code, scannedAt) => {
    const verdict = await checkOffline(code, eventId, venue ? keptKey(venue) : null);
    if (signal.aborted) return;
    let shown;
    if (verdict === 'forged') shown = { kind: 'refused', lines: [s.invalidOffline] };
    else if (verdict === 'wrongEvent') shown = { kind: 'refused', lines: [s.wrongEventOffline] };
    else if (waitingScans(eventId).some((scan) => scan.code === code)) shown = { kind: 'already', lines: [s.waitingHere] };
    else {
      keepScans(eventId, [...waitingScans(eventId), { code, scannedAt }]);
      const count = waitingScans(eventId).length;
      shown = verdict === 'valid'
        ? { kind: 'valid-offline', lines: [s.validOffline, s.waiting(count)] }
        : { kind: 'queued', lines: [s.cannotCheckOffline, s.queued(count)] };
    }
    say(shown);
    // A checked code's entry is its answer (which says "checked offline"), without the count of the moment.
    const checked = verdict !== 'unknown';
    log(code, checked ? { ...shown, lines: [shown.lines[0]] } : shown, scannedAt, !checked);
    showWaiting();
  };

  const checkIn = async (code) => {
    const scannedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const answer = await send(code, scannedAt);
    if (signal.aborted) return;
    if (!answer) {
      await checkOfflineAndKeep(code, scannedAt);
      return;
    }
    const shown = outcome(answer);
    say(shown);
    log(code, shown, scannedAt, false);
    // A scan that got through means the connection is back.
    if (waitingScans(eventId).length) syncWaiting();
  };

  const codeInput = h('input', { id: 'door-code', name: 'code', required: true, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', maxlength: '200' });
  const submit = h('button', { type: 'submit', class: 'primary' }, s.checkIn);
  const form = h('form', { class: 'stack form', 'aria-labelledby': 'door-manual', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'door-code' }, s.code), codeInput),
    h('div', { class: 'button-row' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = codeInput.value.trim();
    if (!code) {
      codeInput.focus();
      return;
    }
    submit.disabled = true;
    try {
      await checkIn(code);
      codeInput.value = '';
    } finally {
      submit.disabled = false;
      codeInput.focus();
    }
  });
  sync.addEventListener('click', syncWaiting);
  // Waiting scans go when the browser says it is online again, and are tried every 10 seconds besides.
  const online = () => syncWaiting();
  window.addEventListener('online', online);
  const retry = setInterval(() => {
    if (waitingScans(eventId).length) syncWaiting();
  }, 10_000);
  signal.addEventListener('abort', () => {
    window.removeEventListener('online', online);
    clearInterval(retry);
  });

  const scanner = cameraScanner({ signal, onCode: checkIn });

  /** Fetches (or finds kept) the venue's key, and says whether this device can check tickets offline. */
  const prepareOffline = async () => {
    if (!venue) return;
    readiness.textContent = s.offlinePreparing;
    try {
      const key = await loadVenueKey(venue, { signal });
      if (signal.aborted) return;
      readiness.textContent = !key ? s.offlineNoKey : await canCheckOffline(key) ? s.offlineReady : s.offlineUnsupported;
    } catch (error) {
      if (error.name !== 'AbortError') readiness.textContent = s.offlineNoKey;
    }
  };

  const load = async () => {
    container.replaceChildren(loading());
    try {
      const event = await api.get(`/events/${encodeURIComponent(eventId)}`, { signal });
      if (signal.aborted) return;
      venue = event.venue?.username ?? null;
      container.replaceChildren(
        h('h1', {}, s.title(event.title)),
        h('p', { class: 'lead' }, s.lead),
        readiness,
        h('section', { class: 'stack door-now', 'aria-labelledby': 'door-result-heading' },
          h('h2', { id: 'door-result-heading' }, s.result), result),
        h('section', { class: 'stack', 'aria-labelledby': 'door-manual' }, h('h2', { id: 'door-manual' }, s.manual), form),
        h('section', { class: 'stack', 'aria-labelledby': 'door-camera' }, h('h2', { id: 'door-camera' }, s.camera), scanner),
        h('section', { class: 'stack', 'aria-labelledby': 'door-recent' },
          h('h2', { id: 'door-recent' }, s.recent), waiting, sync, recent),
        h('p', {}, h('a', { href: '/studio/events' }, s.back)));
      setTitle(s.title(event.title));
      showWaiting();
      if (waitingScans(eventId).length && navigator.onLine) syncWaiting();
      prepareOffline();
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
    }
  };
  load();
  return () => controller.abort();
}
