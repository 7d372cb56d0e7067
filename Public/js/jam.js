// Jam: listening together (docs/realtime.md, "Jam"), one session at a time, a
// module that outlives views like the player. The host's own player is the
// session: what it plays, pauses, seeks and skips goes to the server
// (POST /jams/{id}/control), which tells every member's sockets (`jam.state`,
// stamped with the server's clock). A member's player follows those frames:
// the track, and the position the server's clock says now, seeking when it is
// more than a second off; Play/Pause there only starts or stops listening along.

import * as api from './api.js';
import * as player from './player.js';
import * as realtime from './realtime.js';
import * as store from './store.js';
import { t } from './strings.js';
import { announce } from './dom.js';
import { lookup, inOrder } from './tracks.js';

/** Where the tab remembers its session, so a reload goes on following it. */
const remembered = 'based.jam';
/** Seconds a member's position may be off the session's before it seeks; and, for a few checks after a new state or track, the closer aim. */
const memberDrift = 1;
const settleDrift = 0.25;
/** Seconds the host's player may be off the session before the server is told where it really is. */
const hostDrift = 1.5;
/** The API's largest Jam queue. */
const queueLimit = 500;

// { id, code, link, host, members, trackIds, index, positionSeconds, playing, at (server ms), version, ended }
let session = null;
/** The host's: the whole queue the session has (frames carry only the first 50). */
let sentQueue = [];
/** The server's clock minus this one's, in ms, and whether pings measured it (else an answer's whole-second time did). */
let offset = 0;
let measured = false;
/** A member who paused for themselves stays paused until they press Play. */
let listening = true;
/** The host's player after a reload: not telling the session anything until it plays. */
let held = false;
let alignTimer = null;
/** Checks left to aim close (a track takes a moment to start, so a member lands a little behind). */
let settling = 0;
/** Seconds a seek costs this member (playback goes on that much after the moment it was asked for), learnt from the seek before. */
let seekLag = 0;
let sought = false;
let reconcileTimer = null;
let applying = 0;
const listeners = new Set();
const tracks = new Map();

export const state = () => session;

/** Calls `listener(session)` on every change (null while there is none); returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  listener(session);
  return () => listeners.delete(listener);
}

function emit() {
  for (const listener of listeners) listener(session);
}

const me = () => store.get().user;
export const isHost = () => Boolean(session && me() && session.host.id === me().id);
/** Whether this player follows the session (a member's, not the host's). */
export const following = () => Boolean(session && !session.ended && !isHost());
/** The session's join link, absolute. */
export const link = () => (session ? new URL(session.link, location.origin).href : '');

/** Where the session's playback is now, in seconds. */
export function position() {
  if (!session) return 0;
  if (!session.playing) return session.positionSeconds;
  return session.positionSeconds + Math.max(0, Date.now() + offset - session.at) / 1000;
}

/** A track of the session (kept, so a member does not ask twice). */
export function track(id) {
  if (!tracks.has(id)) {
    const found = api.get(`/tracks/${encodeURIComponent(id)}`);
    tracks.set(id, found);
    found.catch(() => tracks.delete(id));
  }
  return tracks.get(id);
}

/** A JamBody as the session (`atMs`: its moment to the millisecond, as the `jam.state` frames have it). */
function fromBody(body) {
  return {
    id: body.id, code: body.code, link: body.link, host: body.host, members: body.members,
    trackIds: body.trackIds, index: body.index, positionSeconds: body.positionSeconds, playing: body.playing,
    at: body.atMs ?? Date.parse(body.at), version: body.version, ended: body.ended,
  };
}

async function syncClock() {
  const found = await realtime.clockOffset();
  if (found === null) return;
  offset = found;
  measured = true;
  align();
}

// MARK: Taking part

/** Starts a Jam from the player's queue, at the track and position playing. Rejects with the API's error. */
export async function start() {
  const ids = player.state().queue.map((entry) => entry.id).slice(0, queueLimit);
  if (!ids.length) return null;
  if (session && !session.ended) await leave({ keepPlaying: true });
  const body = await api.post('/jams', { trackIds: ids });
  adopt(body);
  reconcile();
  return session;
}

/** Joins with the link's code. Rejects with the API's error (404 when the Jam is over or the code is wrong). */
export async function join(id, code) {
  if (session && !session.ended && session.id !== id) await leave().catch(() => {});
  const body = await api.post(`/jams/${encodeURIComponent(id)}/join`, { code });
  listening = true;
  adopt(body);
  return session;
}

/** Reads a session this user is in (the Jam view, a reload); rejects with the API's error. */
export async function open(id) {
  const body = await api.get(`/jams/${encodeURIComponent(id)}`);
  adopt(body);
  return session;
}

/**
 * Leaves (the host leaving ends the Jam for everyone). A member's player
 * stops unless `keepPlaying` (they chose something else to play).
 */
export async function leave({ keepPlaying = false } = {}) {
  const left = session;
  if (!left) return;
  const wasFollowing = following();
  try {
    await api.post(`/jams/${encodeURIComponent(left.id)}/leave`);
  } catch (error) {
    // Already over or gone is as good as left.
    if (error.status !== 404 && error.status !== 409) throw error;
  }
  if (session !== left) return;
  forget();
  if (wasFollowing && !keepPlaying) player.pause();
}

/** Drops the session here (left, ended, signed out). */
function forget() {
  stopFollowing();
  session = null;
  sentQueue = [];
  sessionStorage.removeItem(remembered);
  emit();
}

/** Takes a JamBody the API answered with. */
function adopt(body) {
  const next = fromBody(body);
  const fresh = !session || session.id !== next.id;
  const wasHost = !fresh && isHost();
  if (!fresh && next.version < session.version) {
    // An older state than a frame already brought: only who is in it is news.
    session = { ...session, host: next.host, members: next.members };
  } else {
    session = next;
  }
  // Until pings say better: the server's clock when it answered.
  if (!measured && body.serverTimeMs) offset = body.serverTimeMs - Date.now();
  if (fresh) {
    listening = true;
    held = false;
    sessionStorage.setItem(remembered, next.id);
    syncClock();
  }
  if (session.ended) {
    end();
    return;
  }
  if (isHost()) {
    sentQueue = body.trackIds;
    if (fresh || !wasHost) lead();
  } else {
    follow();
  }
  emit();
}

/** The session is over (its host left): a member stops, everyone is told. */
function end() {
  const wasFollowing = player.state().following;
  stopFollowing();
  sessionStorage.removeItem(remembered);
  if (wasFollowing) {
    player.pause();
    announce(t.jam.ended);
  }
  emit();
}

async function refresh() {
  if (!session) return;
  const mine = session;
  try {
    const body = await api.get(`/jams/${encodeURIComponent(mine.id)}`);
    if (session?.id !== mine.id) return;
    const before = new Set(session.members.map((member) => member.id));
    const after = new Set(body.members.map((member) => member.id));
    adopt(body);
    if (!isHost()) return;
    const joined = body.members.filter((member) => !before.has(member.id));
    for (const member of joined) announce(t.jam.joined(member.displayName));
    for (const member of mine.members.filter((member) => !after.has(member.id))) announce(t.jam.left(member.displayName));
    // Where the host really is, to the second: the newcomer's first state came with whole-second times.
    if (joined.length && !held) {
      const now = player.state();
      if (now.track) control({ action: 'seek', positionSeconds: now.currentTime }).catch(() => {});
    }
  } catch (error) {
    if (session?.id === mine.id && error.status === 404) forget();
  }
}

// MARK: A member follows

const leader = {
  /** The bar's Play/Pause: listening along, or not, without touching anyone else's music. */
  toggle() {
    if (player.state().playing) {
      listening = false;
      player.pause();
      return;
    }
    listening = true;
    if (session?.playing) apply();
    else announce(t.jam.hostPaused);
  },
  /** The member chose something else to play: they leave the Jam at once (nothing of it may load over their choice), their music goes on. */
  release() {
    const left = session;
    forget();
    announce(t.jam.leftToPlay);
    if (left) api.post(`/jams/${encodeURIComponent(left.id)}/leave`).catch(() => {});
  },
};

function follow() {
  if (!player.state().following) player.follow(leader);
  clearInterval(alignTimer);
  alignTimer = setInterval(align, 1000);
  apply();
}

function stopFollowing() {
  clearInterval(alignTimer);
  alignTimer = null;
  applying += 1;
  if (player.state().following) player.follow(null);
}

/** Loads the session's track when it is not the one loaded, then lines the position up. */
async function apply() {
  if (!following()) return;
  const mine = ++applying;
  const id = session.trackIds[session.index];
  if (!id) return;
  settling = 3;
  if (player.state().track?.id === id) {
    align();
    return;
  }
  let found;
  try {
    found = await track(id);
  } catch {
    if (mine === applying) announce(t.jam.trackFailed);
    return;
  }
  if (mine !== applying || !following()) return;
  player.playTracks([found], 0, { source: 'jam', at: position, autoplay: session.playing && listening, lead: true });
}

/** Plays, pauses and seeks the member's player to where the session is. */
function align() {
  if (!following()) return;
  const now = player.state();
  if (!now.track || now.loading || now.track.id !== session.trackIds[session.index]) return;
  if (session.playing && listening) {
    const at = position();
    // The host's track is over; the next one comes with the next state.
    if (now.duration && at >= now.duration - 0.25) return;
    const aim = settling > 0 && now.playing ? settleDrift : memberDrift;
    if (now.playing) settling = Math.max(0, settling - 1);
    const behind = at - now.currentTime;
    if (Math.abs(behind) > aim) {
      // Still off right after a seek: that seek cost this much more than thought.
      if (sought && now.playing) seekLag = Math.min(1, Math.max(0, seekLag + behind));
      player.moveTo(at + seekLag);
      sought = true;
    } else if (now.playing) {
      sought = false;
    }
    if (!now.playing) {
      player.resume().catch((error) => {
        if (error.name !== 'NotAllowedError') return;
        // The page may not start sound before the listener touches it: Play listens along.
        listening = false;
        announce(t.jam.pressPlay);
        emit();
      });
    }
  } else {
    if (now.playing) player.pause();
    if (!session.playing && Math.abs(now.currentTime - session.positionSeconds) > memberDrift) player.moveTo(session.positionSeconds);
  }
}

// MARK: The host leads

/** The host's player takes the session's queue when it does not have it (a reload, or control handed over). */
async function lead() {
  if (player.state().following) player.follow(null);
  // Started here: the player already has the queue (and may be further on in it than the new session).
  if (player.state().queue.map((entry) => entry.id).slice(0, queueLimit).join() === sentQueue.join()) return;
  const ids = session.trackIds.slice(0, 100);
  held = true;
  const mine = session;
  const found = await lookup(ids).catch(() => new Map());
  if (session !== mine) return;
  // Where the playing entry is once the tracks not found are left out.
  const start = inOrder(ids.slice(0, session.index), found).length;
  player.playTracks(inOrder(ids, found), start, { source: 'jam', at: position, autoplay: session.playing, lead: true });
}

/** What the host's player does that the session does not say yet, as one control. */
function nextControl() {
  const now = player.state();
  if (held && now.playing) held = false;
  if (held || !now.track || now.loading) return null;
  const ids = now.queue.map((entry) => entry.id).slice(0, queueLimit);
  if (ids.join() !== sentQueue.join()) return { action: 'queue', trackIds: ids };
  if (now.index < ids.length && now.index !== session.index) return { action: 'skip', index: now.index };
  if (now.playing !== session.playing) return { action: now.playing ? 'play' : 'pause', positionSeconds: now.currentTime };
  if (Math.abs(now.currentTime - position()) > hostDrift) return { action: 'seek', positionSeconds: now.currentTime };
  return null;
}

let controlling = false;

/** Tells the server what the host's player does, one control at a time, until the session says the same. */
async function reconcile() {
  if (!session || session.ended || !isHost() || controlling) return;
  controlling = true;
  try {
    for (let step = 0; step < 4; step += 1) {
      const next = nextControl();
      if (!next) break;
      await control(next);
    }
  } catch (error) {
    if (error.code === 'jam_ended' || error.status === 404) forget();
    else if (error.code === 'not_the_host') refresh();
  } finally {
    controlling = false;
  }
}

let controls = Promise.resolve();

/** One control, sent after the ones before it. */
function control(body) {
  const sent = controls.then(() => sendControl(body));
  controls = sent.catch(() => {});
  return sent;
}

async function sendControl(body) {
  const mine = session;
  if (!mine || mine.ended) return;
  const sentAt = Date.now() + offset;
  const answer = await api.post(`/jams/${encodeURIComponent(mine.id)}/control`, body);
  if (session?.id !== mine.id) return;
  if (body.action === 'queue') sentQueue = body.trackIds;
  if (answer.version <= session.version) return;
  session = fromBody(answer);
  // The answer's times are whole seconds: what was sent is exact, and a skip or a new queue is placed as of now.
  session.at = 'positionSeconds' in body ? sentAt : Date.now() + offset;
  if ('positionSeconds' in body) session.positionSeconds = body.positionSeconds;
  emit();
}

function scheduleReconcile() {
  if (!session || !isHost() || reconcileTimer) return;
  // Changes come in bursts (a load pauses, then plays): they are read together.
  reconcileTimer = setTimeout(() => {
    reconcileTimer = null;
    reconcile();
  }, 300);
}

player.subscribe(scheduleReconcile);

// MARK: Frames

realtime.on('jam.state', (frame) => {
  if (!session || frame.jamId !== session.id || frame.version <= session.version) return;
  const hostChanged = frame.hostId !== session.host.id;
  const newHost = session.members.find((member) => member.id === frame.hostId);
  // Frames carry the first 50 of the queue; a longer one is read whole when a member needs its later entries.
  const trackIds = frame.trackIds.length < 50 ? frame.trackIds : frame.trackIds.concat(session.trackIds.slice(50));
  session = {
    ...session, version: frame.version, trackIds, index: frame.index, positionSeconds: frame.positionSeconds,
    playing: frame.playing, at: frame.at, ended: frame.ended, host: newHost ?? session.host,
  };
  if (session.ended) {
    end();
    return;
  }
  if (hostChanged && !newHost) {
    refresh();
    return;
  }
  if (hostChanged && isHost()) {
    sentQueue = session.trackIds;
    lead();
  } else if (!isHost()) {
    if (frame.index >= frame.trackIds.length) refresh();
    else follow();
  }
  emit();
});

realtime.on('jam.members', (frame) => {
  if (session && frame.jamId === session.id) refresh();
});

// After a reconnect, frames may have been missed.
realtime.on('hello', () => {
  if (session && !session.ended) {
    refresh();
    syncClock();
  }
});

api.onToken((token) => {
  if (!token) {
    if (session) forget();
    return;
  }
  const id = sessionStorage.getItem(remembered);
  if (!session && id) open(id).catch(() => sessionStorage.removeItem(remembered));
});
