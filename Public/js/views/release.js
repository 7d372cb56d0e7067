// A release: title, kind, artist, date, credits and its tracks.

import { h } from '../dom.js';
import { t, formatDate } from '../strings.js';
import * as api from '../api.js';
import * as player from '../player.js';
import { setTitle } from '../router.js';
import { loading, failedPage, empty } from '../components/states.js';
import { trackList, userPath } from '../components/tracklist.js';

export function render(container, { params }) {
  const controller = new AbortController();
  const { signal } = controller;
  const load = async () => {
    container.replaceChildren(loading());
    try {
      const release = await api.get(`/releases/${encodeURIComponent(params.releaseId)}`, { signal });
      if (signal.aborted) return;
      const playable = release.tracks.filter((track) => track.state === 'ready');
      container.replaceChildren(h('article', {},
        h('p', { class: 'eyebrow' }, t.release.kinds[release.kind] ?? release.kind),
        h('h1', {}, release.title),
        h('p', { class: 'lead' }, h('a', { href: userPath(release.artist) }, release.artist.displayName)),
        release.releaseDate ? h('p', { class: 'meta' }, t.release.released(formatDate(release.releaseDate))) : null,
        playable.length
          ? [h('button', { type: 'button', class: 'primary', onclick: () => player.playTracks(playable, 0, { source: 'release' }) }, t.release.playAll),
             trackList(release.tracks, { numbered: true, showArtist: false, source: 'release' })]
          : empty(t.release.empty),
        release.credits.length
          ? [h('h2', {}, t.release.credits), h('dl', { class: 'facts' }, release.credits.map((credit) => [h('dt', {}, credit.role), h('dd', {}, credit.name)]))]
          : null));
      setTitle(release.title);
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
    }
  };
  load();
  return () => controller.abort();
}
