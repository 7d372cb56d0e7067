// Plays, likes, Discover's swipes and messages made without a network wait
// here, in IndexedDB, and go when it is back: on the `online` event, when the
// realtime socket says hello again, and when a session starts (a reload
// included). Each write carries an Idempotency-Key made once, on its first
// try, so the server applies it at most once however often it is sent; an
// entry is deleted only after the server answered, and a Web Lock keeps two
// tabs from sending the same entries at the same time. Every other write
// fails at once, as before.

import * as api from './api.js';
import * as store from './store.js';
import * as realtime from './realtime.js';
import { t } from './strings.js';
import { announce } from './dom.js';

const objects = 'outbox';
/** What may wait for the network: the rest of the API's writes make no sense later, or say so at once. */
const kinds = new Set(['play', 'like', 'swipe', 'message']);
const sentListeners = new Set();
/** Tells this app's other tabs that the entries changed (they count them again) and what was sent (their views show it). */
const channel = 'BroadcastChannel' in self ? new BroadcastChannel('based-outbox') : null;
let database = null;
let lastCreated = 0;
let flushing = null;
let flushAgain = false;
let retryTimer = null;
let retryDelay = 1000;

function open() {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open('based', 1);
    request.onupgradeneeded = () => request.result.createObjectStore(objects, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }).catch((error) => {
    database = null;
    throw error;
  });
  return database;
}

/** Runs `work(objectStore)` in one transaction; resolves with the result of the request it returns once the transaction is done. */
async function transaction(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(objects, mode);
    const request = work(tx.objectStore(objects));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** The signed-in user's waiting entries, oldest first. */
export async function waiting() {
  const user = store.get().user?.id;
  if (!user) return [];
  const entries = await transaction('readonly', (objectStore) => objectStore.getAll());
  return entries.filter((entry) => entry.userId === user).sort((a, b) => a.createdAt - b.createdAt);
}

/** Counts the waiting entries again into the store (`outboxWaiting`, which the page shows); resolves with them. */
async function recount() {
  let entries = [];
  try {
    entries = await waiting();
  } catch {
    // No IndexedDB (a private window of some browsers): nothing can wait.
  }
  if (store.get().outboxWaiting !== entries.length) store.set({ outboxWaiting: entries.length });
  return entries;
}

async function changed(work) {
  await transaction('readwrite', work);
  channel?.postMessage('changed');
  await recount();
}

/** Calls `listener(entry, answer)` when a waiting entry was sent; returns the unsubscribe function. */
export function onSent(listener) {
  sentListeners.add(listener);
  return () => sentListeners.delete(listener);
}

const deliver = (entry) => api.request(entry.method, entry.path, { body: entry.body, headers: { 'idempotency-key': entry.id } });

/**
 * Sends a write of `kind` ('play', 'like', 'swipe' or 'message') with an
 * Idempotency-Key. Without a network — or while earlier writes still wait,
 * which go first — it waits here and resolves with `{ queued: true }`;
 * otherwise with the server's answer. Other failures reject as `api.request` does.
 */
export async function send(kind, method, path, body) {
  if (!kinds.has(kind)) throw new TypeError(`${kind} writes cannot wait for the network`);
  // Made strictly increasing, so two writes in the same millisecond keep their order.
  lastCreated = Math.max(Date.now(), lastCreated + 1);
  const entry = { id: crypto.randomUUID(), kind, method, path, body, userId: store.get().user?.id, createdAt: lastCreated };
  let failure = new api.ApiError(t.errors.network);
  if (navigator.onLine && !store.get().outboxWaiting) {
    try {
      return await deliver(entry);
    } catch (error) {
      if (error.code !== 'network') throw error;
      failure = error;
    }
  }
  try {
    await changed((objectStore) => objectStore.add(entry));
  } catch {
    throw failure;
  }
  if (navigator.onLine) flush();
  return { queued: true, id: entry.id };
}

/** A refusal that a retry cannot change (not an expired session, a rate limit or a key still in use). */
const final = (error) => error.status >= 400 && error.status < 500
  && ![401, 408, 425, 429].includes(error.status) && error.code !== 'idempotency_key_in_flight';

/** Sends the waiting entries in order, stopping at the first that has to wait longer. */
async function sendWaiting() {
  for (const entry of await recount()) {
    if (!api.isSignedIn() || !navigator.onLine) return;
    let answer;
    try {
      answer = await deliver(entry);
    } catch (error) {
      if (!final(error)) {
        if (error.status >= 400 && error.status !== 401) retryLater();
        return;
      }
      await changed((objectStore) => objectStore.delete(entry.id));
      const message = t.outbox.failed[entry.kind](error.message);
      store.set({ outboxFailed: message });
      announce(message);
      continue;
    }
    await changed((objectStore) => objectStore.delete(entry.id));
    retryDelay = 1000;
    for (const listener of sentListeners) listener(entry, answer);
    channel?.postMessage({ sent: entry, answer });
  }
}

function retryLater() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, retryDelay);
  retryDelay = Math.min(60_000, retryDelay * 2);
}

/** Sends what waits, once at a time across tabs; a call while sending sends again after. */
export function flush() {
  if (!api.isSignedIn() || !navigator.onLine) return Promise.resolve();
  if (flushing) {
    flushAgain = true;
    return flushing;
  }
  flushing = (async () => {
    try {
      do {
        flushAgain = false;
        await (navigator.locks ? navigator.locks.request('based-outbox', sendWaiting) : sendWaiting());
      } while (flushAgain);
    } catch {
      // The database went away; the next trigger tries again.
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

/** Forgets the notice about a write the server refused. */
export const dismissFailure = () => store.set({ outboxFailed: null });

window.addEventListener('online', flush);
realtime.on('hello', flush);
channel?.addEventListener('message', ({ data }) => {
  recount();
  if (data?.sent) for (const listener of sentListeners) listener(data.sent, data.answer);
});
// A session that starts (or another account) counts and sends its own entries.
let countedFor;
store.subscribe(({ user }) => {
  if ((user?.id ?? null) === countedFor) return;
  countedFor = user?.id ?? null;
  recount().then((entries) => {
    if (entries.length) flush();
  });
});
