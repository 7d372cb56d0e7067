// Device handoff: the play queue the user's devices share (GET and PUT
// /me/queue) and moving playback between them (POST /me/queue/handoff). Each
// tab is one device. While it plays it keeps the stored queue up to date (the
// tracks, the one playing and, every few seconds, where in it), so another
// device can offer "Continue here". That device asks the server to move
// playback to it and resumes the queue at the stored position; every socket of
// the user hears `playback.handoff`, and the device that was playing stops and
// says "Playing on another device".

import * as api from './api.js';
import * as player from './player.js';
import * as realtime from './realtime.js';
import * as store from './store.js';
import * as tracks from './tracks.js';
import { t } from './strings.js';
import { announce } from './dom.js';

/** How often a playing device stores its position: another device takes over at most this far behind. */
const saveEvery = 5000;
/** The API's longest queue. */
const queueLimit = 1000;

/** This tab's name among the user's devices (kept over reloads of the tab). */
export const device = (() => {
  const made = `web-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const kept = sessionStorage.getItem('based.device');
    if (kept) return kept;
    sessionStorage.setItem('based.device', made);
  } catch {
    // Storage refused: a name for this page's life.
  }
  return made;
})();

/** The queue as last read or written: `{ trackIds, index, positionSeconds, device, version }`, or null before it is read. */
let stored = null;
let storedFor = null;
/** This device was playing until another took over. */
let elsewhere = false;
/** What another device holds, offered here: `{ trackId, track }` (track once read), or null. */
let offer = null;
let taking = false;
/** Saving waits until this user plays here (not music still playing from the previous account). */
let armed = false;
let wasPlaying = false;
let savedKey = '';
let lastSaved = 0;
let saves = Promise.resolve();
let lastRead = 0;
const listeners = new Set();

export const state = () => ({ elsewhere, offer, taking });

/** Calls `listener(state)` on every change; returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  listener(state());
  return () => listeners.delete(listener);
}

function emit() {
  const now = state();
  for (const listener of listeners) listener(now);
}

// MARK: Keeping the stored queue

/** The player's queue as the API stores it: at most 1,000 entries around the playing one. */
function queueBody(now) {
  const from = Math.max(0, Math.min(now.index - 100, now.queue.length - queueLimit));
  return {
    trackIds: now.queue.slice(from, from + queueLimit).map((entry) => entry.id),
    index: now.index - from,
    positionSeconds: Math.max(0, now.currentTime || 0),
    device,
  };
}

/** Stores where this device is, after the saves before it; a device that changed the queue meanwhile is overruled by this one, which plays. */
function save() {
  saves = saves.then(async () => {
    const now = player.state();
    if (!stored || !now.track || now.following || elsewhere || !api.isSignedIn()) return;
    try {
      stored = await api.put('/me/queue', { ...queueBody(now), version: stored.version });
    } catch (error) {
      if (error.status !== 409) return;
      stored = await api.get('/me/queue');
      if (!player.state().playing || elsewhere) return;
      stored = await api.put('/me/queue', { ...queueBody(player.state()), version: stored.version });
    }
  }).catch(() => {});
}

/** What is loaded, as a key that changes with the track, its place or the queue's length. */
const keyOf = (now) => (now.track ? `${now.index}:${now.track.id}:${now.queue.length}` : '');

player.subscribe((now) => {
  const key = keyOf(now);
  if (now.track && (key !== savedKey || (now.playing && !wasPlaying))) armed = true;
  if (now.playing && elsewhere) {
    // Played here again: this device takes playback back, and the other one stops.
    elsewhere = false;
    reclaim();
  } else if (armed && !now.following && !elsewhere) {
    const due = now.playing && (!wasPlaying || key !== savedKey || Date.now() - lastSaved >= saveEvery);
    const stopped = !now.playing && wasPlaying;
    if (due || stopped) {
      savedKey = key;
      lastSaved = Date.now();
      save();
    }
  }
  wasPlaying = now.playing;
  updateOffer();
});

/** The queue as the other devices left it, read again. */
async function read() {
  if (!api.isSignedIn()) return;
  lastRead = Date.now();
  try {
    const queue = await api.get('/me/queue');
    stored = queue;
    updateOffer();
  } catch {
    // Offered next time it is read.
  }
}

// MARK: Moving playback

/** Shows "Continue here" while another device holds the queue and this one is not playing. */
function updateOffer() {
  const now = player.state();
  const id = stored?.trackIds?.[stored.index];
  const show = Boolean(api.isSignedIn() && id && stored.device && stored.device !== device && !now.playing && !now.following);
  if (!show) {
    if (offer) {
      offer = null;
      emit();
    }
    return;
  }
  if (offer?.trackId === id) return;
  offer = { trackId: id, track: null };
  emit();
  api.get(`/tracks/${encodeURIComponent(id)}`).then((track) => {
    if (offer?.trackId !== id) return;
    offer = { trackId: id, track };
    emit();
  }).catch(() => {});
}

/** Plays the stored queue here from its stored position (the tracks around the playing one). */
async function resumeFrom(queue) {
  const from = Math.max(0, queue.index - 10);
  const ids = queue.trackIds.slice(from, queue.index + 50);
  const found = await tracks.lookup(ids);
  const at = queue.index - from;
  if (!found.has(ids[at])) throw new api.ApiError(t.handoff.failed);
  // Where the playing entry is once the tracks not found are left out.
  const start = tracks.inOrder(ids.slice(0, at), found).length;
  player.playTracks(tracks.inOrder(ids, found), start, { source: 'queue', at: queue.positionSeconds });
}

/** "Continue here": playback moves to this device. Rejects with the API's error. */
export async function takeOver() {
  if (taking) return;
  taking = true;
  emit();
  try {
    const queue = await api.post('/me/queue/handoff', { device });
    stored = queue;
    elsewhere = false;
    offer = null;
    armed = true;
    await resumeFrom(queue);
    announce(t.handoff.continued);
  } finally {
    taking = false;
    emit();
  }
}

/** This device, handed away from, was played again: it stores its queue and moves playback back to itself. */
async function reclaim() {
  saves = saves.then(async () => {
    const now = player.state();
    stored = await api.get('/me/queue');
    stored = await api.put('/me/queue', { ...queueBody(now), version: stored.version });
    taking = true;
    stored = await api.post('/me/queue/handoff', { device, positionSeconds: Math.max(0, player.state().currentTime || 0) });
  }).catch(() => {}).finally(() => {
    taking = false;
  });
}

realtime.on('playback.handoff', async (frame) => {
  // What this device did itself is already done.
  if ((stored && frame.version <= stored.version) || (frame.device === device && taking)) return;
  const held = stored?.device === device;
  stored = { ...(stored ?? { trackIds: [] }), device: frame.device, version: frame.version, index: frame.index, positionSeconds: frame.positionSeconds };
  if (frame.device === device) {
    // Another device or app sent playback here; without a touch on this page, the track may wait for Play.
    try {
      const queue = await api.get('/me/queue');
      stored = queue;
      elsewhere = false;
      armed = true;
      await resumeFrom(queue);
      announce(t.handoff.continued);
    } catch {
      announce(t.handoff.failed);
    }
    return;
  }
  const now = player.state();
  if (now.following) return;
  if (now.playing || (held && now.track)) {
    elsewhere = true;
    player.pause();
    announce(t.handoff.elsewhere);
    emit();
  }
  read();
});

// MARK: When to read the stored queue

api.onToken((token) => {
  const user = store.get().user?.id ?? null;
  if (!token) {
    stored = null;
    storedFor = null;
    elsewhere = false;
    armed = false;
    updateOffer();
    emit();
    return;
  }
  if (user === storedFor) return;
  storedFor = user;
  stored = null;
  elsewhere = false;
  armed = false;
  savedKey = keyOf(player.state());
  read();
});

// A reconnected socket may have missed a handoff; a device the user comes back to may be out of date.
realtime.on('hello', () => {
  if (storedFor && Date.now() - lastRead > 2000) read();
});
const readAgain = () => {
  if (document.visibilityState === 'visible' && Date.now() - lastRead > 5000) read();
};
document.addEventListener('visibilitychange', readAgain);
window.addEventListener('focus', readAgain);
