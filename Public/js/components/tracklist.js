// A list of tracks, each with its "Play <title>" button and a link to its page;
// recommended tracks also say why they are there.

import { h } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as player from '../player.js';

export const trackPath = (track) => `/tracks/${encodeURIComponent(track.id)}`;
export const userPath = (user) => `/u/${encodeURIComponent(user.username)}`;

/**
 * Plays `queue` from `position`; `source` is where the play came from (the
 * play report's), and `play(position)`, when given, plays instead.
 */
export function playButton(track, queue, position, { source = null, play = null } = {}) {
  player.linkAhead(track);
  return h('button', {
    type: 'button',
    class: 'play-button',
    disabled: track.state !== 'ready',
    onclick: () => (play ? play(position) : player.playTracks(queue, position, { source })),
  }, h('span', { class: 'icon icon-play', 'aria-hidden': 'true' }), h('span', { class: 'visually-hidden' }, t.track.play(track.title)));
}

/**
 * The round button of a track's own page: "Play <title>", and "Pause <title>"
 * while this very track plays. On the loaded track it pauses and goes on where
 * it was (the player's toggle, so in a Jam the leader's rules hold); otherwise
 * it plays the track. Returns the button and the function that stops following the player.
 */
export function playPauseButton(track) {
  player.linkAhead(track);
  const icon = h('span', { class: 'icon icon-play', 'aria-hidden': 'true' });
  const name = h('span', { class: 'visually-hidden' }, t.track.play(track.title));
  let loaded = false;
  let playing = false;
  const element = h('button', {
    type: 'button',
    class: 'play-button',
    disabled: track.state !== 'ready',
    onclick: () => (loaded ? player.toggle() : player.playTracks([track], 0)),
  }, icon, name);
  const cleanup = player.subscribe((state) => {
    // A track heard to its end plays again from the start, as a new play.
    loaded = state.track?.id === track.id && !state.ended;
    const now = loaded && state.playing;
    if (now === playing) return;
    playing = now;
    icon.className = `icon ${playing ? 'icon-pause' : 'icon-play'}`;
    name.textContent = playing ? t.track.pause(track.title) : t.track.play(track.title);
  });
  return { element, cleanup };
}

/** One row of a track list; `reason` (why it is recommended) is shown under the title when there is one. */
export function trackRow(track, tracks, position, { showArtist = true, reason = '', source = null, play = null } = {}) {
  return h('li', { class: 'track-row' },
    playButton(track, tracks, position, { source, play }),
    h('div', { class: 'track-text' },
      h('a', { href: trackPath(track), class: 'track-title' }, track.title),
      showArtist && track.artist ? h('a', { href: userPath(track.artist), class: 'track-artist' }, track.artist.displayName) : null,
      reason ? h('span', { class: 'track-reason' }, reason) : null),
    h('span', { class: 'track-duration' }, track.durationSeconds ? formatDuration(track.durationSeconds) : ''));
}

export function trackList(tracks, { numbered = false, showArtist = true, reasons = [], source = null, play = null } = {}) {
  return h('ol', { class: numbered ? 'track-list numbered' : 'track-list' }, tracks.map((track, position) =>
    trackRow(track, tracks, position, { showArtist, reason: reasons[position], source, play })));
}

/** Recommendations (`{track, reason}` each): the tracks with their reasons, played with `source`. */
export const recommendationList = (items, options = {}) =>
  trackList(items.map((item) => item.track), { ...options, reasons: items.map((item) => item.reason) });
