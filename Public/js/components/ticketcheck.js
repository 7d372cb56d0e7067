// Checking a ticket's code on the door device itself, for when there is no
// connection: a code is `BT1.` and base64url of the ticket id (16 bytes), the
// event id (16 bytes) and the venue's Ed25519 signature (64 bytes) of
// "based-ticket-v1" followed by both ids. The venue's public key is fetched
// while online and kept in this device's storage for the offline hours.

import * as api from '../api.js';

const prefix = 'BT1.';
const context = new TextEncoder().encode('based-ticket-v1');
const keyStorage = (venue) => `based.ticketKey.${venue.toLowerCase()}`;

/** base64url text as bytes, or null when it is not base64url. */
function fromBase64URL(padded) {
  const text = padded.replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
    return Uint8Array.from(binary, (character) => character.charCodeAt(0));
  } catch {
    return null;
  }
}

/** A UUID's 16 bytes in their standard (big-endian) order, or null. */
function uuidBytes(uuid) {
  const hex = String(uuid).replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  return Uint8Array.from({ length: 16 }, (_, at) => parseInt(hex.slice(at * 2, at * 2 + 2), 16));
}

const sameBytes = (a, b) => a.length === b.length && a.every((byte, at) => byte === b[at]);

/** The venue's public key as kept on this device (base64url), or null. */
export function keptKey(venue) {
  try {
    const kept = JSON.parse(localStorage.getItem(keyStorage(venue)) ?? 'null');
    return typeof kept?.publicKey === 'string' ? kept.publicKey : null;
  } catch {
    return null;
  }
}

/**
 * Fetches the venue's ticket key and keeps it on this device; without a
 * connection (or when the fetch fails) the key kept before. Resolves with the
 * key (base64url) or null.
 */
export async function loadVenueKey(venue, { signal } = {}) {
  try {
    const key = await api.get(`/venues/${encodeURIComponent(venue)}/ticket-key`, { signal, auth: false });
    if (key?.algorithm === 'Ed25519' && fromBase64URL(key.publicKey ?? '')?.length === 32) {
      localStorage.setItem(keyStorage(venue), JSON.stringify({ publicKey: key.publicKey, fetchedAt: new Date().toISOString() }));
      return key.publicKey;
    }
  } catch (error) {
    if (error.name === 'AbortError') throw error;
  }
  return keptKey(venue);
}

const imported = new Map();

/** The key made usable by WebCrypto, or null where the browser has no Ed25519. */
function importKey(publicKey) {
  if (!imported.has(publicKey)) {
    const raw = fromBase64URL(publicKey);
    const made = raw?.length === 32 && globalThis.crypto?.subtle
      ? crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']).catch(() => null)
      : Promise.resolve(null);
    imported.set(publicKey, made);
  }
  return imported.get(publicKey);
}

/** Whether this browser can check codes offline (WebCrypto with Ed25519) with this key. */
export async function canCheckOffline(publicKey) {
  return Boolean(publicKey && await importKey(publicKey));
}

/**
 * What the code says without asking the server: 'valid' (signed by the venue,
 * for this event), 'wrongEvent' (signed by the venue, for another event),
 * 'forged' (not signed by the venue: altered, mistyped or made up), or
 * 'unknown' (no key on this device, or no Ed25519 in this browser).
 */
export async function checkOffline(code, eventId, publicKey) {
  const key = publicKey ? await importKey(publicKey) : null;
  if (!key) return 'unknown';
  const data = code.startsWith(prefix) && code.length < 200 ? fromBase64URL(code.slice(prefix.length)) : null;
  if (!data || data.length !== 96) return 'forged';
  const ids = data.subarray(0, 32);
  const message = new Uint8Array(context.length + ids.length);
  message.set(context);
  message.set(ids, context.length);
  let signed;
  try {
    signed = await crypto.subtle.verify('Ed25519', key, data.subarray(32), message);
  } catch {
    return 'unknown';
  }
  if (!signed) return 'forged';
  const event = uuidBytes(eventId);
  return event && sameBytes(ids.subarray(16), event) ? 'valid' : 'wrongEvent';
}
