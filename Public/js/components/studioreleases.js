// The artist's releases in the Artist studio, and "New release". The API has
// no list of an artist's releases, so they are found through the artist's
// tracks (each names its release) and kept once made here: a release with no
// track is listed until the page is left.

import { h, announce } from '../dom.js';
import { t, formatPeriod } from '../strings.js';
import * as api from '../api.js';
import { loading, failure, empty } from './states.js';
import { releaseForm, releaseEditor } from './releaseeditor.js';
import { panelGroup } from './panels.js';

const byNumber = (a, b) => (a.discNumber ?? 0) - (b.discNumber ?? 0) || (a.trackNumber ?? 0) - (b.trackNumber ?? 0) || a.id.localeCompare(b.id);

/**
 * `tracks()` is every track of the artist; `adoptTracks(tracks)` takes tracks
 * an edit here answered with; `renamed()` runs when a release's title changes.
 */
export function studioReleases({ tracks, adoptTracks, renamed, signal }) {
  const s = t.artistStudio;
  const releases = new Map();
  const cards = new Map();
  const asked = new Set();
  const list = h('ul', { class: 'card-list studio-releases', 'aria-labelledby': 'studio-releases' });
  const body = h('div', {}, loading());
  const problems = h('div');
  let settled = false;
  let reading = 0;
  const attach = panelGroup();

  // "No releases yet" only once the tracks are read and none of the releases they name is still being read.
  const paintBody = () => {
    if (releases.size) {
      if (body.firstChild !== list) body.replaceChildren(list);
    } else if (settled && reading === 0) body.replaceChildren(empty(s.releasesEmpty));
  };

  const card = (id) => {
    const link = h('a', { href: `/releases/${encodeURIComponent(id)}`, class: 'card-title' });
    const meta = h('p', { class: 'meta' });
    const edit = h('button', { type: 'button' });
    const slot = h('div');
    const element = h('li', { class: 'card stack studio-release' }, link, meta, h('div', { class: 'button-row' }, edit), slot);
    const update = (release) => {
      link.textContent = release.title;
      meta.textContent = [s.kinds[release.kind] ?? release.kind, release.releaseDate ? formatPeriod(release.releaseDate, 'day', { long: true }) : null,
        s.visibilityShort[release.visibility], s.releaseCount(release.tracks.length)].filter(Boolean).join(' · ');
      edit.textContent = s.editRelease(release.title);
    };
    const panel = attach(edit, slot, (close) => releaseEditor(releases.get(id), {
      signal,
      tracks: () => tracks().map((track) => ({ ...track, releaseTitle: track.releaseId ? releases.get(track.releaseId)?.title : undefined })),
      changed: (release, edited) => {
        const was = releases.get(id);
        releases.set(id, release);
        update(release);
        adoptTracks(edited);
        if (was?.title !== release.title) renamed();
      },
      deleted: (release) => {
        close();
        releases.delete(id);
        cards.delete(id);
        element.remove();
        paintBody();
        adoptTracks(tracks().filter((track) => track.releaseId === release.id).map(({ releaseId, ...rest }) => rest));
        (list.querySelector('.studio-release button') ?? newButton).focus();
      },
    }));
    return { element, update, open: panel.open };
  };

  const add = (release) => {
    releases.set(release.id, { ...release, tracks: [...release.tracks].sort(byNumber) });
    const made = card(release.id);
    cards.set(release.id, made);
    made.update(releases.get(release.id));
    list.prepend(made.element);
    paintBody();
    return made;
  };

  /** Reads a release the first time a track names it. */
  const know = async (id) => {
    if (asked.has(id)) return;
    asked.add(id);
    reading += 1;
    try {
      const release = await api.get(`/releases/${encodeURIComponent(id)}`, { signal });
      if (signal.aborted || releases.has(id)) return;
      add(release);
      renamed();
    } catch (error) {
      asked.delete(id);
      if (!signal.aborted && error.status !== 404) problems.replaceChildren(failure(error, () => {
        problems.replaceChildren();
        know(id);
      }));
    } finally {
      reading -= 1;
      if (!signal.aborted) paintBody();
    }
  };

  /** A track changed (or is new, or deleted): the releases it left and joined are kept up to date. */
  const touched = (track, before) => {
    const replace = (id, tracksOf) => {
      const release = { ...releases.get(id) };
      release.tracks = tracksOf(release.tracks);
      releases.set(id, release);
      cards.get(id).update(release);
    };
    if (before?.releaseId && before.releaseId !== track?.releaseId && releases.has(before.releaseId)) {
      replace(before.releaseId, (list) => list.filter((other) => other.id !== before.id));
    }
    if (!track?.releaseId) return;
    if (releases.has(track.releaseId)) replace(track.releaseId, (list) => [...list.filter((other) => other.id !== track.id), track].sort(byNumber));
    else know(track.releaseId);
  };

  const form = releaseForm({
    submit: s.createRelease,
    save: async (body) => {
      const release = await api.post('/releases', body);
      asked.add(release.id);
      form.element.reset();
      newForm.hidden = true;
      newButton.setAttribute('aria-expanded', 'false');
      add(release).open();
      return s.created(release.title);
    },
  });
  const newForm = h('div', { id: 'new-release-form', hidden: true }, form.element);
  const newButton = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'new-release-form' }, s.newRelease);
  newButton.addEventListener('click', () => {
    newForm.hidden = !newForm.hidden;
    newButton.setAttribute('aria-expanded', String(!newForm.hidden));
    if (!newForm.hidden) form.focus();
  });

  const element = h('section', { class: 'stack', 'aria-labelledby': 'studio-releases' },
    h('h2', { id: 'studio-releases' }, s.releases), h('p', { class: 'hint' }, s.releasesHint),
    h('div', { class: 'button-row' }, newButton), newForm, problems, body);

  return {
    element,
    touched,
    title: (id) => releases.get(id)?.title,
    /** The tracks have loaded: no release found is "No releases yet". */
    settle: () => {
      settled = true;
      paintBody();
    },
  };
}
