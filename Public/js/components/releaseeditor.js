// Releases in the Artist studio: the form of a release (title, type, date,
// visibility) for making one and editing one, and a release's tracks — added
// from the artist's tracks, removed, and put in order with "Move <title>
// up/down" or by dragging a row's handle. The API keeps the order as each
// track's number, so a move renumbers the tracks that changed place.

import { h, append, announce } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { failure, empty } from './states.js';
import { onSubmit } from './form.js';
import { labelledFields } from './fields.js';
import { dragToReorder } from './reorder.js';
import { trackPath } from './tracklist.js';
import { confirmedAction } from './confirm.js';

/** The fields of a release; `save(body)` makes or changes it and returns what to say. */
export function releaseForm({ values = {}, submit, save }) {
  const s = t.artistStudio;
  const fields = labelledFields('release', [
    { name: 'title', label: s.releaseTitle, attributes: { required: true, maxlength: '200', autocomplete: 'off' } },
    { name: 'kind', label: s.kind, tag: 'select', options: Object.entries(s.kinds) },
    { name: 'releaseDate', label: s.releaseDate, attributes: { type: 'date' } },
    { name: 'visibility', label: s.releaseVisibility, tag: 'select', options: Object.entries(s.visibilities) },
  ]);
  fields.fill({ title: values.title, kind: values.kind ?? 'album', releaseDate: values.releaseDate, visibility: values.visibility ?? 'public' });
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary' }, submit);
  const form = h('form', { class: 'stack form', novalidate: true }, fields.rows, errors, h('div', { class: 'button-row' }, button), status);
  onSubmit(form, { button, errors, status }, async () => {
    fields.markInvalid({});
    const { controls } = fields;
    const body = { title: controls.title.value.trim(), kind: controls.kind.value, visibility: controls.visibility.value };
    // The API cannot clear a date once set, so an empty field leaves it as it is.
    if (controls.releaseDate.value) body.releaseDate = controls.releaseDate.value;
    try {
      return await save(body);
    } catch (error) {
      throw fields.refused(error);
    }
  });
  return { element: form, focus: () => fields.controls.title.focus() };
}

/**
 * Everything about one release: its fields, its tracks in order, adding and
 * removing tracks, deleting it. `tracks()` is every track of the artist (to
 * add from); `changed(release, tracks)` gets the release and the tracks the
 * API answered with after each edit; `deleted(release)` after a delete.
 */
export function releaseEditor(initial, { tracks, changed, deleted, signal }) {
  const s = t.artistStudio;
  let release = initial;
  const path = `/releases/${encodeURIComponent(release.id)}`;
  const headingId = `release-tracks-${release.id}`;
  const heading = h('h3', { id: headingId, tabindex: '-1' });
  const order = h('div');
  const adding = h('div');
  const errors = h('div');

  const form = releaseForm({
    values: release,
    submit: s.saveRelease,
    save: async (body) => {
      const saved = await api.patch(path, body);
      await reload([]);
      return s.savedRelease(saved.title);
    },
  });

  /** Reads the release again, draws it, and tells the view (with the tracks an edit answered with). */
  const reload = async (edited) => {
    release = await api.get(path, { signal });
    if (signal.aborted) return;
    paint();
    changed(release, edited);
  };

  /** Runs an edit of the release's tracks; its refusal goes above the list. */
  const edit = async (work, { focus, said } = {}) => {
    errors.replaceChildren();
    try {
      const edited = await work();
      await reload(edited);
      if (said) announce(said);
      focus?.();
    } catch (error) {
      if (!signal.aborted) errors.replaceChildren(failure(error));
    }
  };

  /** Numbers the tracks 1…n in the order given (one disc), sending only the tracks whose number changes. */
  const renumber = async (ordered) => {
    const edited = [];
    for (const [index, track] of ordered.entries()) {
      const body = {};
      if (track.trackNumber !== index + 1) body.trackNumber = index + 1;
      if (track.discNumber !== undefined && track.discNumber !== 1) body.discNumber = 1;
      if (Object.keys(body).length) edited.push(await api.patch(`/tracks/${encodeURIComponent(track.id)}`, body));
    }
    return edited;
  };

  /** Focuses the first of these controls (by focus key) that is there and enabled, else the heading. */
  const focusFirst = (...keys) => () => {
    const target = keys.map((key) => order.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)).find((element) => element && !element.disabled);
    (target ?? heading).focus();
  };

  const move = (track, to) => {
    const list = release.tracks.filter((other) => other.id !== track.id);
    if (to < 0 || to > list.length) return;
    const from = release.tracks.indexOf(track);
    list.splice(to, 0, track);
    return edit(() => renumber(list), {
      // At the top (or bottom) the button pressed is disabled: the other one takes the focus.
      focus: to < from ? focusFirst(`up:${track.id}`, `down:${track.id}`) : focusFirst(`down:${track.id}`, `up:${track.id}`),
      said: t.playlist.moved(track.title, to + 1, list.length),
    });
  };

  const remove = (track, index) => {
    const neighbour = release.tracks[index + 1] ?? release.tracks[index - 1];
    return edit(async () => [await api.patch(`/tracks/${encodeURIComponent(track.id)}`, { clearRelease: true })], {
      focus: focusFirst(neighbour ? `remove:${neighbour.id}` : ''),
      said: s.removedFromRelease(track.title),
    });
  };

  const paintOrder = () => {
    // The track processor writes a track back whole after each step, so a track being processed is left alone.
    const busy = release.tracks.some((track) => track.state === 'processing');
    const editable = !busy && release.tracks.length > 1;
    const rows = release.tracks.map((track, index) => h('li', { class: 'track-row entry editable' },
      editable ? h('span', { class: 'drag-handle', 'aria-hidden': 'true', title: t.playlist.dragHandle }, '⠿') : null,
      h('span', { class: 'track-number' }, t.track.trackNumber(index + 1)),
      h('div', { class: 'track-text' },
        h('a', { href: trackPath(track), class: 'track-title' }, track.title),
        h('span', { class: 'track-artist' }, s.states[track.state] ?? track.state)),
      h('div', { class: 'entry-actions' },
        editable ? [
          h('button', { type: 'button', class: 'icon-button', 'aria-label': t.playlist.moveUp(track.title), dataset: { focusKey: `up:${track.id}` },
            disabled: index === 0, onclick: () => move(track, index - 1) }, h('span', { 'aria-hidden': 'true' }, '↑')),
          h('button', { type: 'button', class: 'icon-button', 'aria-label': t.playlist.moveDown(track.title), dataset: { focusKey: `down:${track.id}` },
            disabled: index === release.tracks.length - 1, onclick: () => move(track, index + 1) }, h('span', { 'aria-hidden': 'true' }, '↓')),
        ] : null,
        track.state === 'processing' ? null
          : h('button', { type: 'button', class: 'icon-button', 'aria-label': s.removeFromRelease(track.title), dataset: { focusKey: `remove:${track.id}` },
            onclick: () => remove(track, index) }, h('span', { 'aria-hidden': 'true' }, '✕')))));
    const list = h('ol', { class: 'track-list playlist-entries', 'aria-labelledby': headingId }, rows);
    if (editable) {
      dragToReorder(list, (from, to) => {
        const track = release.tracks[from];
        const others = release.tracks.filter((other) => other !== track);
        others.splice(to, 0, track);
        edit(() => renumber(others), { said: t.playlist.moved(track.title, to + 1, others.length) });
      });
    }
    // append() skips the hints that do not apply; replaceChildren would print them as "null".
    order.replaceChildren();
    append(order, [
      editable ? h('p', { class: 'hint' }, t.playlist.reorderHint) : null,
      busy ? h('p', { class: 'hint' }, s.waitForProcessing) : null,
      release.tracks.length ? list : empty(s.releaseEmpty)]);
  };

  const paintAdding = () => {
    const on = new Set(release.tracks.map((track) => track.id));
    const candidates = tracks().filter((track) => !on.has(track.id) && track.state !== 'processing');
    if (!candidates.length) {
      adding.replaceChildren(h('p', { class: 'meta' }, s.nothingToAdd));
      return;
    }
    const selectId = `release-add-${release.id}`;
    const select = h('select', { id: selectId, name: 'track' }, candidates.map((track) =>
      h('option', { value: track.id }, track.releaseTitle ? s.fromRelease(track.title, track.releaseTitle) : track.title)));
    const addErrors = h('div');
    const button = h('button', { type: 'submit' }, s.addTrackButton);
    const addForm = h('form', { class: 'stack form' },
      h('div', { class: 'field' }, h('label', { for: selectId }, s.addTrack), select), addErrors, h('div', { class: 'button-row' }, button));
    onSubmit(addForm, { button, errors: addErrors }, async () => {
      const track = candidates.find((candidate) => candidate.id === select.value);
      const last = release.tracks.at(-1);
      const edited = await api.patch(`/tracks/${encodeURIComponent(track.id)}`,
        { releaseId: release.id, trackNumber: (last?.trackNumber ?? release.tracks.length) + 1, ...(last?.discNumber ? { discNumber: last.discNumber } : {}) });
      await reload([edited]);
      announce(s.addedToRelease(track.title));
      order.querySelector(`[data-focus-key="${CSS.escape(`remove:${track.id}`)}"]`)?.focus();
    });
    adding.replaceChildren(addForm);
  };

  const paint = () => {
    heading.textContent = s.releaseTracks(release.title);
    removal.button.textContent = s.deleteRelease(release.title);
    paintOrder();
    paintAdding();
  };

  const removal = confirmedAction({
    label: '',
    question: () => s.confirmDeleteRelease(release.title),
    yes: s.confirmDeleteReleaseYes,
    keep: s.keep,
    action: async () => {
      await api.del(path);
      announce(s.deletedRelease(release.title));
      deleted(release);
    },
  });

  paint();
  const element = h('div', { class: 'stack release-editor' },
    form.element,
    h('p', { class: 'hint' }, s.artwork),
    h('section', { class: 'stack', 'aria-labelledby': headingId }, heading, errors, order, adding),
    h('div', { class: 'button-row' }, removal.button), removal.panel, removal.errors);
  return { element, focus: form.focus };
}
