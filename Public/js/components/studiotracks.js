// The artist's tracks in the Artist studio, newest first: each with its state,
// its processing progress while processing (read again every 2 s: the socket
// sends no frames about processing), "Edit <title>" for its metadata once
// processing ends, and "Delete <title>" after a confirmation.

import { h, announce } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as api from '../api.js';
import { loading, failure, empty } from './states.js';
import { trackPath } from './tracklist.js';
import { trackEditor } from './trackeditor.js';
import { confirmedAction } from './confirm.js';
import { panelGroup } from './panels.js';

/** The processing job's steps (the Track schema's `progress`). */
const processingSteps = ['fingerprint', 'loudness', 'waveform', 'artwork', 'renditions', 'hls'];
const pollEvery = 2000;

/**
 * `username` is the artist's; `releaseTitle(id)` names a release the tracks
 * are on; `touched(track, before)` hears of every track that changed (before
 * is the track as it was, or null for a new one; a deleted track comes as
 * `(null, before)`); `loaded()` runs once the list has loaded.
 */
export function studioTracks({ username, releaseTitle, touched, loaded, signal }) {
  const s = t.artistStudio;
  const tracks = new Map();
  const rows = new Map();
  const list = h('ul', { class: 'card-list studio-tracks', 'aria-labelledby': 'studio-tracks' });
  const body = h('div');
  const element = h('section', { class: 'stack', 'aria-labelledby': 'studio-tracks' }, h('h2', { id: 'studio-tracks', tabindex: '-1' }, s.tracks), body);
  const attach = panelGroup();
  let pollTimer = null;

  const paintBody = () => {
    const shown = tracks.size ? list : empty(s.empty);
    if (body.firstChild !== list || shown !== list) body.replaceChildren(shown);
  };

  const trackRow = (first) => {
    const id = first.id;
    const link = h('a', { href: trackPath(first), class: 'card-title' });
    const badge = h('span', { class: 'state-badge' });
    const meta = h('p', { class: 'meta' });
    const bar = h('progress', { max: String(processingSteps.length) });
    const barText = h('span', { class: 'meta' });
    const processing = h('div', { class: 'processing' }, bar, barText);
    const failed = h('p', { class: 'warning' });
    const later = h('p', { class: 'hint' }, s.editLater);
    const edit = h('button', { type: 'button' });
    const slot = h('div');
    attach(edit, slot, (close) => trackEditor(tracks.get(id), {
      saved: (track) => adopt([track]),
      close: () => {
        close();
        edit.focus();
      },
    }));
    const remove = confirmedAction({
      label: '',
      question: () => s.confirmDeleteTrack(tracks.get(id).title),
      yes: s.confirmDeleteTrackYes,
      keep: s.keep,
      action: async () => {
        const { title } = tracks.get(id);
        await api.del(`/tracks/${encodeURIComponent(id)}`);
        forget(id);
        announce(s.deletedTrack(title));
        (list.querySelector('.studio-track a') ?? element.querySelector('h2')).focus();
      },
    });
    const row = h('li', { class: 'card stack studio-track' },
      h('div', { class: 'button-row spread' }, link, badge), meta, processing, failed, later,
      h('div', { class: 'button-row' }, edit, remove.button), remove.panel, remove.errors, slot);

    const update = (track) => {
      link.textContent = track.title;
      badge.textContent = s.states[track.state] ?? track.state;
      badge.dataset.state = track.state;
      meta.textContent = [s.visibilityShort[track.visibility], track.durationSeconds ? formatDuration(track.durationSeconds) : null,
        track.releaseId && releaseTitle(track.releaseId) ? s.inRelease(releaseTitle(track.releaseId)) : null].filter(Boolean).join(' · ');
      const busy = track.state === 'processing';
      const done = Object.values(track.progress ?? {}).filter((step) => step === 'done').length;
      processing.hidden = !busy;
      bar.value = done;
      bar.setAttribute('aria-label', s.processingProgress(track.title));
      barText.textContent = s.steps(done, processingSteps.length);
      failed.hidden = track.state !== 'failed';
      failed.textContent = track.state === 'failed' ? s.failedBecause(track.failureReason ?? s.states.failed) : '';
      // The processor writes the whole track back after each step, so an edit made meanwhile would be lost.
      later.hidden = !busy;
      edit.hidden = busy;
      edit.textContent = s.edit(track.title);
      remove.button.textContent = s.deleteTrack(track.title);
    };

    update(first);
    return { element: row, update };
  };

  const forget = (id) => {
    const before = tracks.get(id);
    tracks.delete(id);
    rows.get(id)?.element.remove();
    rows.delete(id);
    if (!tracks.size) paintBody();
    if (before) touched(null, before);
  };

  /** Takes tracks the API answered with: their rows are redrawn (or made, newest first) and the releases told. */
  const adopt = (changed, { announceStates = false } = {}) => {
    for (const track of changed) {
      const before = tracks.get(track.id) ?? null;
      tracks.set(track.id, track);
      if (rows.has(track.id)) rows.get(track.id).update(track);
      else {
        const row = trackRow(track);
        rows.set(track.id, row);
        list.prepend(row.element);
        if (tracks.size === 1) paintBody();
      }
      if (announceStates && before?.state === 'processing' && track.state === 'ready') announce(s.becameReady(track.title));
      if (announceStates && before?.state === 'processing' && track.state === 'failed') announce(s.becameFailed(track.title));
      touched(track, before);
    }
    schedulePoll();
  };

  /** While any track is processing, each such track is read again every 2 s. */
  const poll = async () => {
    pollTimer = null;
    const processing = [...tracks.values()].filter((track) => track.state === 'processing');
    const read = await Promise.all(processing.map((track) => api.get(`/tracks/${encodeURIComponent(track.id)}`, { signal })
      .catch((error) => {
        if (error.status === 404) forget(track.id);
        return null;
      })));
    if (signal.aborted) return;
    adopt(read.filter((track) => track && tracks.has(track.id)), { announceStates: true });
  };
  const schedulePoll = () => {
    if (pollTimer || signal.aborted || ![...tracks.values()].some((track) => track.state === 'processing')) return;
    pollTimer = setTimeout(poll, pollEvery);
  };
  signal.addEventListener('abort', () => clearTimeout(pollTimer));

  /** Every page of the artist's tracks (all states: the API shows the artist all of theirs), drawn oldest last. */
  const load = async () => {
    body.replaceChildren(loading());
    try {
      const found = [];
      let cursor = null;
      do {
        const page = await api.get(`/users/${encodeURIComponent(username)}/tracks?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { signal });
        found.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && !signal.aborted);
      if (signal.aborted) return;
      paintBody();
      adopt(found.reverse());
      loaded();
    } catch (error) {
      if (!signal.aborted) body.replaceChildren(failure(error, load));
    }
  };

  return {
    element,
    load,
    adopt,
    /** Redraws the rows (a release's title changed). */
    repaint: () => { for (const [id, row] of rows) row.update(tracks.get(id)); },
    all: () => [...tracks.values()].reverse(),
  };
}
