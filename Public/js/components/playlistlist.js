// A list of playlists: title (a link to the playlist), owner, size, visibility.

import { h } from '../dom.js';
import { t } from '../strings.js';

export const playlistPath = (playlist) => `/playlists/${encodeURIComponent(playlist.id)}`;

/** "by Ada · 12 tracks · Private · Collaborative" for a playlist summary. */
export function playlistMeta(playlist) {
  const s = t.playlist;
  return [
    playlist.owner ? s.by(playlist.owner.displayName) : null,
    typeof playlist.trackCount === 'number' ? s.tracks(playlist.trackCount) : null,
    playlist.visibility && playlist.visibility !== 'public' ? s.visibilityShort[playlist.visibility] : null,
    playlist.collaborative ? s.collaborativeBadge : null,
  ].filter(Boolean).join(' · ');
}

export function playlistList(playlists) {
  return h('ul', { class: 'card-list' }, playlists.map((playlist) => h('li', { class: 'card' },
    h('a', { href: playlistPath(playlist), class: 'card-title' }, playlist.title),
    h('p', { class: 'meta' }, playlistMeta(playlist)))));
}
