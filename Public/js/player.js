// The player: one <audio> element for the whole life of the page, a queue
// with shuffle and repeat, stream selection by what the browser can play (a
// progressive rendition first: it starts sooner than HLS), the next track's
// start loaded ahead, loudness levelling, play
// reports with idempotent client play ids and where each play came from (its
// source; made offline, they wait in the outbox), and the Media Session.
// Views, the player bar and the radio talk to it; it outlives every view.
// While a Jam's host leads (jam.js), the listener's own controls go to the
// leader instead.

import * as api from './api.js';
import * as outbox from './outbox.js';
import { t } from './strings.js';
import { announce } from './dom.js';

const audio = document.createElement('audio');
audio.preload = 'auto';
audio.hidden = true;

const listeners = new Set();
let queue = [];
/** Where each queued track came from (a play report's `source`: "recommendation", "radio"…), or null. */
let sources = [];
let index = -1;
let userVolume = 1;
let gain = 1;
let play = null; // { id, trackId, source, reported: Set }
let current = null; // { track, source } of the loaded entry, until it is heard to the end or left
const finishListeners = new Set();
let pendingEvents = [];
let flushTimer = null;
let loadToken = 0;
/** True from a load that should play until the element plays, pauses or fails: a moment not to read as "paused". */
let loading = false;
/** The queue and sources as they were before shuffling, to go back to; null while not shuffled. */
let unshuffled = null;
/** 'off', 'all' (the queue starts again after its last track) or 'one' (the track plays again). */
let repeat = 'off';
/** Whose playback this player follows (a Jam's, jam.js): `{ toggle(), release() }`, or null while the listener leads. */
let leader = null;

/** The element, to put into the page once. */
export const element = audio;

export function state() {
  return {
    track: queue[index] ?? null,
    source: sources[index] ?? null,
    queue,
    index,
    playing: !audio.paused && !audio.ended,
    ended: audio.ended,
    currentTime: audio.currentTime || 0,
    duration: Number.isFinite(audio.duration) ? audio.duration : (queue[index]?.durationSeconds ?? 0),
    volume: userVolume,
    loading,
    following: leader !== null,
    shuffle: unshuffled !== null,
    repeat,
  };
}

/** Calls `listener(state)` on every change; returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  listener(state());
  return () => listeners.delete(listener);
}

function emit() {
  const current = state();
  for (const listener of listeners) listener(current);
}

/**
 * Which URL of a stream link this browser plays: a progressive rendition it
 * supports (Opus, else AAC, else MP3), else native HLS. Progressive first: one
 * ranged request starts it, where HLS needs its playlists before the first
 * segment (`make bench-web` measures both).
 */
export function chooseSource(link) {
  const formats = [['opus', 'audio/ogg; codecs="opus"'], ['aac', 'audio/mp4; codecs="mp4a.40.2"'], ['mp3', 'audio/mpeg']];
  const format = formats.find(([, type]) => audio.canPlayType(type) !== '')?.[0];
  if (!format && audio.canPlayType('application/vnd.apple.mpegurl')) return link.hlsUrl;
  return `${link.url}&format=${format ?? 'mp3'}`;
}

/** Signed stream links by track id, kept until a minute before they expire, so Next needs no round trip. */
const links = new Map();
/** Links asked for ahead, by track id: each resolves to the link, or null when none came. */
const pending = new Map();
/** Ids gathered for the next call ahead; one call per turn of the event loop. */
let gathered = new Set();

function keep(trackId, link) {
  links.delete(trackId);
  links.set(trackId, link);
  if (links.size > 300) links.delete(links.keys().next().value);
}

function kept(trackId) {
  const link = links.get(trackId);
  return link && Date.parse(link.expiresAt) - Date.now() > 60_000 ? link : null;
}

async function streamLink(trackId) {
  const ahead = kept(trackId) ?? await pending.get(trackId);
  if (ahead) return ahead;
  const link = await api.post(`/tracks/${encodeURIComponent(trackId)}/stream-url`);
  keep(trackId, link);
  return link;
}

/**
 * Asks for the signed links of tracks on screen before anyone clicks, a
 * hundred in one call (`POST /stream-urls`), so that "Play" goes straight to
 * the media. Every "Play <title>" button calls it; the buttons of one render
 * share a call.
 */
export function linkAhead(track) {
  if (track?.state !== 'ready' || kept(track.id) || pending.has(track.id)) return;
  if (gathered.size === 0) queueMicrotask(askGathered);
  gathered.add(track.id);
}

function askGathered() {
  const ids = [...gathered];
  gathered = new Set();
  for (let start = 0; start < ids.length; start += 100) {
    const chunk = ids.slice(start, start + 100);
    const answer = api.post('/stream-urls', { trackIds: chunk }).then((page) => {
      for (const { trackId, ...link } of page.items) keep(trackId, link);
    });
    for (const id of chunk) {
      // A failed call ahead costs nothing: the click asks for its own link.
      pending.set(id, answer.then(() => kept(id), () => null).finally(() => pending.delete(id)));
    }
  }
}

/** An element that never plays and is never in the page: it loads the start of the track after this one into the browser's cache. */
const preloader = document.createElement('audio');
preloader.preload = 'auto';
preloader.muted = true;

/** The entry that follows the current one: the next, the first again when repeating all, or none. */
function following() {
  if (index + 1 < queue.length) return index + 1;
  return repeat === 'all' && queue.length > 0 ? 0 : -1;
}

function preloadNext() {
  const after = queue[following()];
  if (!after || after === queue[index]) return;
  streamLink(after.id).then((link) => {
    const url = chooseSource(link);
    if (queue[following()] === after && preloader.getAttribute('src') !== url) preloader.src = url;
  }).catch(() => {
    // Loading ahead is a bonus; the track loads when its turn comes.
  });
}

/** ReplayGain as a volume factor: attenuation only (an element cannot go above 1), clamped to -24 dB. */
export function gainFactor(track) {
  const db = track?.loudness?.replayGainDb;
  if (typeof db !== 'number' || !Number.isFinite(db)) return 1;
  return Math.min(1, Math.max(10 ** (-24 / 20), 10 ** (db / 20)));
}

function applyVolume() {
  audio.volume = Math.min(1, Math.max(0, userVolume * gain));
}

/**
 * Calls `listener({track, source, completed})` whenever the current track
 * stops being current: heard to the end (`completed`), or left before that (a
 * skip). Returns the unsubscribe function.
 */
export function onFinish(listener) {
  finishListeners.add(listener);
  return () => finishListeners.delete(listener);
}

function leave(completed) {
  if (!current) return;
  const left = current;
  current = null;
  for (const listener of finishListeners) listener({ ...left, completed });
}

/**
 * Hands the controls to `next` (`{ toggle(), release() }`: a Jam member's
 * player follows the host), or back to the listener with null. While a leader
 * leads, Previous, Next, Seek and the queue do nothing, Play/Pause asks the
 * leader, and playing something else releases it (`release()`).
 */
export function follow(next) {
  leader = next;
  emit();
}

/** The listener chose something else to play: whoever led lets go first. */
function takeBack() {
  if (!leader) return;
  const released = leader;
  leader = null;
  released.release();
}

/**
 * Replaces the queue and plays `start`; `source` says where the tracks came
 * from, for the play reports. `at` (seconds, or a function giving them once
 * the track is loaded) starts it there; `autoplay: false` only loads it.
 * `lead` marks a call by the leader itself, which keeps it leading.
 */
export function playTracks(tracks, start = 0, { source = null, at = 0, autoplay = true, lead = false } = {}) {
  if (!lead) takeBack();
  queue = tracks.filter((track) => track && track.state === 'ready');
  sources = queue.map(() => source);
  const wanted = tracks[start];
  index = Math.max(0, queue.indexOf(wanted));
  // A new queue keeps the listener's shuffle: the rest of it comes in a new random order.
  if (unshuffled && !lead) shuffleRest();
  else unshuffled = null;
  if (queue.length === 0) return;
  load(queue[index], autoplay, at);
}

/** Puts the entries after the current one in a random order (Fisher–Yates), remembering the order they had. */
function shuffleRest() {
  unshuffled = { queue, sources };
  const rest = queue.map((track, position) => [track, sources[position]]).slice(index + 1);
  for (let i = rest.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  queue = queue.slice(0, index + 1).concat(rest.map(([track]) => track));
  sources = sources.slice(0, index + 1).concat(rest.map(([, from]) => from));
}

/** Shuffle on: what comes after the current track plays in a random order; off: the queue's own order again, from the current track. */
export function toggleShuffle() {
  if (leader || queue.length === 0) return;
  if (unshuffled) {
    const track = queue[index];
    ({ queue, sources } = unshuffled);
    unshuffled = null;
    index = Math.max(0, queue.indexOf(track));
  } else {
    shuffleRest();
  }
  emit();
  preloadNext();
}

/** Repeat goes round: off → all → one → off. */
export function cycleRepeat() {
  if (leader) return;
  repeat = { off: 'all', all: 'one', one: 'off' }[repeat];
  emit();
  preloadNext();
}

/** Adds tracks to the end of the queue. */
export function enqueue(tracks, { source = null } = {}) {
  const ready = tracks.filter((track) => track.state === 'ready');
  queue = queue.concat(ready);
  sources = sources.concat(ready.map(() => source));
  if (unshuffled) unshuffled = { queue: unshuffled.queue.concat(ready), sources: unshuffled.sources.concat(ready.map(() => source)) };
  if (index < 0 && queue.length) index = 0;
  emit();
}

/** Plays the queue's entry at `position`, keeping the queue (and where its tracks came from). */
export function playAt(position) {
  if (!queue[position] || leader) return;
  index = position;
  load(queue[index], true);
}

/** Resolves once the element knows the loaded track's duration (or failed to load it). */
function metadata() {
  return new Promise((resolve) => {
    if (audio.readyState >= HTMLMediaElement.HAVE_METADATA) return resolve();
    const done = () => {
      audio.removeEventListener('loadedmetadata', done);
      audio.removeEventListener('error', done);
      resolve();
    };
    audio.addEventListener('loadedmetadata', done);
    audio.addEventListener('error', done);
  });
}

async function load(track, autoplay, at = 0) {
  const token = ++loadToken;
  if (current?.track !== track) leave(false);
  current = { track, source: sources[index] ?? null };
  loading = autoplay;
  endPlay('skip');
  gain = gainFactor(track);
  applyVolume();
  // With the link at hand (asked for ahead), the media is asked for in this
  // very task and what the page shows follows in the next: the element's
  // request does not wait for the player bar to redraw.
  const ahead = kept(track.id);
  const show = () => {
    if (token !== loadToken) return;
    updateMediaSession(track);
    emit();
  };
  if (ahead) setTimeout(show);
  else show();
  try {
    const link = ahead ?? await streamLink(track.id);
    if (token !== loadToken) return;
    audio.src = chooseSource(link);
    play = { id: crypto.randomUUID(), trackId: track.id, source: current?.source ?? null, reported: new Set() };
    if (at) {
      await metadata();
      if (token !== loadToken) return;
      const seconds = typeof at === 'function' ? at() : at;
      if (!audio.error && seconds > 0) audio.currentTime = Math.min(seconds, Number.isFinite(audio.duration) ? audio.duration : seconds);
    }
    if (autoplay) await audio.play();
  } catch (error) {
    if (token !== loadToken) return;
    loading = false;
    // Paused before it started.
    if (error.name === 'AbortError') return;
    // A page opened without a click may not start sound by itself: the track waits for Play.
    if (error.name !== 'NotAllowedError') announce(t.player.failed(track.title));
  }
  if (token === loadToken) loading = false;
  emit();
}

export function toggle() {
  if (leader) return leader.toggle();
  if (!queue[index]) return;
  if (!audio.currentSrc) load(queue[index], true);
  else if (audio.paused) audio.play().catch(() => {});
  else audio.pause();
}

export function next() {
  if (leader) return;
  const after = following();
  if (after >= 0) {
    index = after;
    load(queue[index], true);
  }
}

export function previous() {
  if (leader) return;
  if (audio.currentTime > 3 || index <= 0) {
    seek(0);
  } else {
    index -= 1;
    load(queue[index], true);
  }
}

export function seek(seconds) {
  if (leader) return;
  moveTo(seconds);
}

// What a leader (jam.js) or a handoff (handoff.js) does to the element: the listener's own controls above ask the leader first.

/** Moves the playhead to `seconds`. */
export function moveTo(seconds) {
  if (!audio.currentSrc) return;
  audio.currentTime = Math.max(0, Math.min(seconds, state().duration || seconds));
  emit();
}

/** Pauses. */
export function pause() {
  audio.pause();
}

/** Plays the loaded track; rejects as `audio.play()` does (NotAllowedError when the page may not start sound yet). */
export function resume() {
  if (!queue[index]) return Promise.resolve();
  if (!audio.currentSrc) {
    load(queue[index], true);
    return Promise.resolve();
  }
  return audio.play();
}

export function setVolume(volume) {
  userVolume = Math.min(1, Math.max(0, volume));
  applyVolume();
  emit();
}

// MARK: Play reports

/** RFC 3339 without fractions: the API's date-times are whole seconds. */
const wholeSecond = (date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

function report(event) {
  if (!play || play.reported.has(event)) return;
  if (event !== 'progress') play.reported.add(event);
  const entry = { playId: play.id, trackId: play.trackId, event, positionSeconds: audio.currentTime || 0, at: wholeSecond(new Date()) };
  if (play.source) entry.source = play.source;
  pendingEvents.push(entry);
  clearTimeout(flushTimer);
  flushTimer = setTimeout(flush, event === 'start' ? 0 : 1000);
}

/**
 * Sends queued events; the ids make a resend harmless. Without a network they
 * wait in the outbox (kept over a reload); another failure keeps them here for the next try.
 */
async function flush() {
  if (!pendingEvents.length || !api.isSignedIn()) return;
  const events = pendingEvents.splice(0, 500);
  try {
    await outbox.send('play', 'POST', '/plays', { events });
  } catch {
    pendingEvents = events.concat(pendingEvents);
  }
}

function endPlay(event) {
  if (play && play.reported.has('start') && !play.reported.has('complete')) report(event);
  play = null;
}

// MARK: Media Session

function updateMediaSession(track) {
  if (!('mediaSession' in navigator) || !track) return;
  const artwork = track.artwork ? [{ src: track.artwork.large, sizes: '512x512' }, { src: track.artwork.small, sizes: '128x128' }] : [];
  navigator.mediaSession.metadata = new MediaMetadata({ title: track.title, artist: track.artist?.displayName ?? '', artwork });
}

if ('mediaSession' in navigator) {
  // Play and pause go through toggle, so a Jam member's media keys ask the Jam as the bar's button does.
  const handlers = {
    play: () => { if (audio.paused) toggle(); },
    pause: () => { if (!audio.paused) toggle(); },
    previoustrack: previous,
    nexttrack: next,
    seekto: (details) => seek(details.seekTime),
    seekbackward: (details) => seek(audio.currentTime - (details.seekOffset || 10)),
    seekforward: (details) => seek(audio.currentTime + (details.seekOffset || 10)),
  };
  for (const [action, handler] of Object.entries(handlers)) {
    try {
      navigator.mediaSession.setActionHandler(action, handler);
    } catch {
      // Not every browser knows every action.
    }
  }
}

function updatePosition() {
  if (!('mediaSession' in navigator) || !navigator.mediaSession.setPositionState) return;
  const { duration, currentTime } = state();
  if (duration > 0) {
    try {
      navigator.mediaSession.setPositionState({ duration, position: Math.min(currentTime, duration), playbackRate: audio.playbackRate });
    } catch {
      // An inconsistent position (during a load) is ignored.
    }
  }
}

// MARK: Element events

let lastProgress = 0;
audio.addEventListener('playing', () => {
  loading = false;
  report('start');
  preloadNext();
  if ('mediaSession' in navigator) navigator.mediaSession.playbackState = 'playing';
  emit();
});
audio.addEventListener('pause', () => {
  if ('mediaSession' in navigator) navigator.mediaSession.playbackState = 'paused';
  emit();
});
audio.addEventListener('timeupdate', () => {
  if (audio.currentTime - lastProgress >= 30 || audio.currentTime < lastProgress) {
    lastProgress = audio.currentTime;
    if (audio.currentTime > 1) report('progress');
  }
  emit();
});
audio.addEventListener('durationchange', () => {
  updatePosition();
  emit();
});
audio.addEventListener('seeked', updatePosition);
audio.addEventListener('ended', () => {
  report('complete');
  play = null;
  leave(true);
  // Repeating one track plays it again as a new play; otherwise the queue goes on (round again when repeating all).
  if (repeat === 'one' && !leader && queue[index]) load(queue[index], true);
  else if (following() >= 0 && !leader) next();
  else emit();
});
audio.addEventListener('error', () => {
  const track = queue[index];
  if (!track || !audio.currentSrc) return;
  loading = false;
  if (index + 1 < queue.length && !leader) {
    announce(t.player.skipped(track.title));
    next();
  } else {
    announce(t.player.failed(track.title));
    emit();
  }
});
window.addEventListener('pagehide', flush);

// Keyboard shortcuts, unless the focus is somewhere the key already means something:
// Space plays or pauses, N and P go to the next and previous track, ← and → seek
// 10 seconds, S shuffles, R changes the repeat mode.
const shortcuts = {
  ' ': toggle,
  n: next,
  p: previous,
  ArrowRight: () => seek(audio.currentTime + 10),
  ArrowLeft: () => seek(audio.currentTime - 10),
  s: toggleShuffle,
  r: cycleRepeat,
};
/** Where a letter is typed text, and where Space and the arrows also mean something already. */
const typing = 'input, textarea, select, [contenteditable], [role="combobox"], [role="listbox"], [role="textbox"]';
const operating = `${typing}, button, a, summary, [role="slider"], [role="button"], [role="menu"], [role="tablist"]`;
document.addEventListener('keydown', (event) => {
  const letter = event.key.length === 1 && event.key !== ' ';
  const action = shortcuts[letter ? event.key.toLowerCase() : event.key];
  if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof Element && target.closest(letter ? typing : operating)) return;
  if (!queue[index]) return;
  event.preventDefault();
  action();
});
