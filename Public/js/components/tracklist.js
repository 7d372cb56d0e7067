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
