// A track: title, artist, its waveform (seekable, with its comments' moments),
// a "Play <title>" button (read "Pause <title>" while that track plays),
// "Start radio" from it, "Add to playlist", similar tracks and the comments.

import { h } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as api from '../api.js';
import * as outbox from '../outbox.js';
import * as player from '../player.js';
import { navigate, setTitle } from '../router.js';
import { loading, failure, failedPage, section } from '../components/states.js';
import { playPauseButton, recommendationList, userPath } from '../components/tracklist.js';
import { waveform } from '../components/waveform.js';
import { reportControl } from '../components/report.js';
import { commentsSection } from '../components/comments.js';
import { addToPlaylist } from '../components/addtoplaylist.js';
import * as store from '../store.js';

/**
 * "Like", pressed when liked; the state comes from the user's recent likes and
 * any (un)like still waiting for the network, which shows as done at once.
 */
function likeButton(track, signal) {
  let liked = false;
  const path = `/me/likes/tracks/${encodeURIComponent(track.id)}`;
  const button = h('button', { type: 'button', class: 'like-button', 'aria-pressed': 'false' }, t.track.like);
  const errors = h('span');
  const paint = () => button.setAttribute('aria-pressed', String(liked));
  Promise.all([api.get('/me/likes/tracks?limit=100', { signal }), outbox.waiting().catch(() => [])])
    .then(([page, waiting]) => {
      liked = page.items.some((entry) => entry.track?.id === track.id);
      for (const entry of waiting) if (entry.kind === 'like' && entry.path === path) liked = entry.method === 'PUT';
      paint();
    })
    .catch(() => {});
  button.addEventListener('click', async () => {
    errors.replaceChildren();
    button.disabled = true;
    try {
      const answer = await outbox.send('like', liked ? 'DELETE' : 'PUT', path);
      liked = answer.queued ? !liked : answer.liked;
      paint();
    } catch (error) {
      errors.replaceChildren(failure(error));
    } finally {
      button.disabled = false;
    }
  });
  return h('span', { class: 'like' }, button, errors);
}

export function render(container, { params }) {
  const controller = new AbortController();
  const { signal } = controller;
  const cleanups = [];
  const id = encodeURIComponent(params.trackId);

  const load = async () => {
    container.replaceChildren(loading());
    let track;
    try {
      track = await api.get(`/tracks/${id}`, { signal });
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
      return;
    }
    if (signal.aborted) return;
    const seekTo = (seconds) => {
      if (player.state().track?.id === track.id) player.seek(seconds);
      else {
        player.playTracks([track], 0);
        const once = player.subscribe((state) => {
          if (state.track?.id === track.id && state.duration > 0 && state.playing) {
            player.seek(seconds);
            queueMicrotask(() => once());
          }
        });
        cleanups.push(once);
      }
    };
    // The comments' moments, drawn on the waveform once both have loaded.
    let marks = [];
    let setMarks = () => {};
    const comments = commentsSection(track, { seekTo, signal, onMarks: (seconds) => { marks = seconds; setMarks(seconds); } });
    cleanups.push(comments.cleanup);
    const wave = h('div', { class: 'waveform-box' });
    const similar = h('div');
    const signedIn = api.isSignedIn();
    const play = track.state === 'ready' ? playPauseButton(track) : null;
    if (play) cleanups.push(play.cleanup);
    container.replaceChildren(
      h('article', { class: 'track-page' },
        h('h1', {}, track.title),
        h('p', { class: 'lead' }, t.track.by, ' ', h('a', { href: userPath(track.artist) }, track.artist.displayName)),
        h('div', { class: 'button-row' },
          play ? play.element : h('p', {}, t.track.notReady(track.state)),
          signedIn && track.state === 'ready' ? likeButton(track, signal) : null,
          signedIn && track.state === 'ready'
            ? h('button', { type: 'button', onclick: () => navigate(`/radio?track=${id}`) }, t.radio.start)
            : null),
        wave,
        h('dl', { class: 'facts' },
          track.durationSeconds ? [h('dt', {}, t.track.duration), h('dd', {}, formatDuration(track.durationSeconds))] : null,
          track.genre ? [h('dt', {}, t.track.genre), h('dd', {}, track.genre)] : null),
        h('p', { class: 'meta' }, t.track.plays(track.playCount)),
        track.releaseId ? h('p', {}, h('a', { href: `/releases/${encodeURIComponent(track.releaseId)}` }, t.track.release)) : null,
        signedIn && track.state === 'ready' ? addToPlaylist(track, signal) : null,
        signedIn && store.get().user?.id !== track.artist.id ? reportControl('track', track.id, 'track') : null,
        h('section', { 'aria-labelledby': 'similar-tracks', class: 'similar' }, h('h2', { id: 'similar-tracks' }, t.track.similar), similar),
        comments.element));
    setTitle(track.title);
    section(similar, () => api.get(`/tracks/${id}/similar?limit=10`, { signal }),
      (page) => recommendationList(page.items, { source: 'recommendation' }),
      { isEmpty: (page) => page.items.length === 0, emptyMessage: t.track.similarEmpty, signal });
    if (track.state !== 'ready') return;
    try {
      const { peaks } = await api.get(`/tracks/${id}/waveform`, { signal });
      if (signal.aborted) return;
      const drawn = waveform(track, peaks, seekTo);
      cleanups.push(drawn.cleanup);
      setMarks = drawn.setMarks;
      setMarks(marks);
      wave.replaceChildren(drawn.element);
    } catch (error) {
      if (!signal.aborted) wave.replaceChildren(h('p', { class: 'meta' }, t.track.waveformUnavailable));
    }
  };
  load();
  return () => {
    controller.abort();
    for (const cleanup of cleanups) cleanup();
  };
}
