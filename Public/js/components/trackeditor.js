// The form that edits a track's metadata in the Artist studio: title,
// featured artists, genre, tags, visibility and explicit. Only what changed is
// sent; the API's refusals show under their fields and above the buttons.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { onSubmit } from './form.js';
import { labelledFields } from './fields.js';

/** "a, b ,, c" → ["a", "b", "c"] */
const list = (text) => text.split(',').map((part) => part.trim()).filter(Boolean);

/**
 * A form for `track`; `saved(track)` gets the API's answer after a save,
 * `close()` runs on "Stop editing".
 */
export function trackEditor(track, { saved, close }) {
  const s = t.artistStudio;
  const fields = labelledFields('track', [
    { name: 'title', label: s.trackTitle, attributes: { required: true, maxlength: '200', autocomplete: 'off' } },
    { name: 'featured', label: s.featured, hint: s.featuredHint, attributes: { autocomplete: 'off' } },
    { name: 'genre', label: s.genre, attributes: { maxlength: '60', autocomplete: 'off' } },
    { name: 'tags', label: s.tags, hint: s.tagsHint, attributes: { autocomplete: 'off' } },
    { name: 'visibility', label: s.visibility, tag: 'select', options: Object.entries(s.visibilities) },
    { name: 'explicit', label: s.explicit, attributes: { type: 'checkbox' } },
  ]);
  const { controls } = fields;
  let current = track;
  const show = () => fields.fill({
    title: current.title, featured: current.featured.join(', '), genre: current.genre ?? '',
    tags: current.tags.join(', '), visibility: current.visibility, explicit: current.explicit,
  });
  show();

  /** The fields that differ from the track as the API last answered. */
  const changes = () => {
    const next = {
      title: controls.title.value.trim(), featured: list(controls.featured.value), genre: controls.genre.value.trim(),
      tags: list(controls.tags.value), visibility: controls.visibility.value, explicit: controls.explicit.checked,
    };
    const was = { ...current, genre: current.genre ?? '' };
    return Object.fromEntries(Object.entries(next).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(was[name])));
  };

  const errors = h('div');
  const status = h('p', { role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary' }, s.saveTrack);
  const form = h('form', { class: 'stack form track-editor', novalidate: true, 'aria-label': s.editing(track.title) },
    fields.rows, errors,
    h('div', { class: 'button-row' }, button, h('button', { type: 'button', onclick: close }, s.stopEditing)),
    status);
  onSubmit(form, { button, errors, status }, async () => {
    fields.markInvalid({});
    const body = changes();
    if (Object.keys(body).length === 0) return s.nothingChanged;
    try {
      current = await api.patch(`/tracks/${encodeURIComponent(track.id)}`, body);
    } catch (error) {
      throw fields.refused(error);
    }
    show();
    saved(current);
    return s.savedTrack(current.title);
  });
  return { element: form, focus: () => controls.title.focus() };
}
