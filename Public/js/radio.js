// The radio: one station at a time, a module that outlives views like the
// player. It queues the station's tracks (their plays reported with source
// "radio") and, when the queue nears its end, asks the station for more,
// telling it what was heard and what was skipped so it steers away from skips.

import * as api from './api.js';
import * as player from './player.js';
import { t } from './strings.js';
import { announce } from './dom.js';

/** The most track ids one report may carry (the API's limit). */
const reportLimit = 50;

// { id, items: [{track, reason}], played: [id], skipped: [id], phase: 'playing'|'finding'|'exhausted', error }
let station = null;
// The queue's length when more was last asked for: asked once per length, so a station with nothing more is not asked again and again.
let askedAt = -1;
const listeners = new Set();

export const state = () => station;

/** Calls `listener(station)` on every change (null while there is none); returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  listener(station);
  return () => listeners.delete(listener);
}

function emit() {
  for (const listener of listeners) listener(station);
}

/**
 * Starts a station from one seed (`{trackId}`, `{artist}` or `{playlistId}`)
 * or a `{mood}`, and plays its first track. Rejects with the API's error.
 */
export async function start(seed) {
  const { id, items } = await api.post('/radio', seed);
  station = { id, items, played: [], skipped: [], phase: 'playing', error: null };
  askedAt = -1;
  if (items.length) player.playTracks(items.map((item) => item.track), 0, { source: 'radio' });
  emit();
  return station;
}

/** Plays the station from its track at `position`. */
export function playFrom(position) {
  if (!station) return;
  player.playTracks(station.items.map((item) => item.track), position, { source: 'radio' });
}

/** Asks the station for its next tracks, reporting what was played and skipped since the last ask. */
export async function more() {
  const mine = station;
  if (!mine || mine.phase === 'finding') return;
  askedAt = player.state().queue.length;
  const played = mine.played.splice(0);
  const skipped = mine.skipped.splice(0);
  mine.phase = 'finding';
  mine.error = null;
  emit();
  try {
    const { items } = await api.post(`/radio/${encodeURIComponent(mine.id)}/next`, {
      played: played.slice(-reportLimit), skipped: skipped.slice(-reportLimit),
    });
    if (station !== mine) return;
    mine.items = mine.items.concat(items);
    mine.phase = items.length ? 'playing' : 'exhausted';
    const before = player.state();
    player.enqueue(items.map((item) => item.track), { source: 'radio' });
    // The last track ended while the station was asked: go on with the first new one.
    if (items.length && before.source === 'radio' && before.ended && before.index === before.queue.length - 1) player.next();
    if (items.length) announce(t.radio.more(items.length));
  } catch (error) {
    if (station !== mine) return;
    // Kept for the next ask, which the listener starts with "Try again".
    mine.played = played.concat(mine.played);
    mine.skipped = skipped.concat(mine.skipped);
    mine.phase = 'playing';
    mine.error = error;
  }
  emit();
}

// More when the station's queue has at most one track after the playing one.
player.subscribe((now) => {
  if (!station || station.phase === 'finding' || station.error || now.source !== 'radio') return;
  if (now.index < now.queue.length - 2 || askedAt === now.queue.length) return;
  more();
});

player.onFinish(({ track, source, completed }) => {
  if (!station || source !== 'radio') return;
  (completed ? station.played : station.skipped).push(track.id);
});
