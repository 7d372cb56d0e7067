// A list of tracks, each with its "Play <title>" button and a link to its page.

import { h } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as player from '../player.js';

export const trackPath = (track) => `/tracks/${encodeURIComponent(track.id)}`;
export const userPath = (user) => `/u/${encodeURIComponent(user.username)}`;

export function playButton(track, queue, position) {
  return h('button', {
    type: 'button',
    class: 'play-button',
    disabled: track.state !== 'ready',
    onclick: () => player.playTracks(queue, position),
  }, h('span', { class: 'icon icon-play', 'aria-hidden': 'true' }), h('span', { class: 'visually-hidden' }, t.track.play(track.title)));
}

export function trackList(tracks, { numbered = false, showArtist = true } = {}) {
  return h('ol', { class: numbered ? 'track-list numbered' : 'track-list' }, tracks.map((track, position) =>
    h('li', { class: 'track-row' },
      playButton(track, tracks, position),
      h('div', { class: 'track-text' },
        h('a', { href: trackPath(track), class: 'track-title' }, track.title),
        showArtist && track.artist ? h('a', { href: userPath(track.artist), class: 'track-artist' }, track.artist.displayName) : null),
      h('span', { class: 'track-duration' }, track.durationSeconds ? formatDuration(track.durationSeconds) : ''))));
}
