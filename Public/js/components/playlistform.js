// The fields of a playlist (title, description, visibility, collaborative),
// for making one in the Library and editing one on its page.

import { h } from '../dom.js';
import { t } from '../strings.js';
import { onSubmit } from './form.js';

let forms = 0;

/**
 * A form with the playlist's fields; `save(body)` is called with what the API
 * takes and may throw an ApiError, shown next to the form; `done` is said after.
 */
export function playlistForm({ values = {}, submit, done, save }) {
  const s = t.playlist;
  const n = ++forms;
  const id = (name) => `playlist-${name}-${n}`;
  const title = h('input', { id: id('title'), name: 'title', required: true, maxlength: '100', value: values.title ?? '', autocomplete: 'off' });
  const description = h('textarea', { id: id('description'), name: 'description', maxlength: '1000', rows: '3' });
  description.value = values.description ?? '';
  const visibility = h('select', { id: id('visibility'), name: 'visibility' },
    Object.entries(s.visibilities).map(([value, label]) => h('option', { value }, label)));
  visibility.value = values.visibility ?? 'public';
  const collaborative = h('input', { id: id('collaborative'), type: 'checkbox', name: 'collaborative', checked: Boolean(values.collaborative) });
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary' }, submit);
  const form = h('form', { class: 'stack form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: id('title') }, s.title), title),
    h('div', { class: 'field' }, h('label', { for: id('description') }, s.description), description),
    h('div', { class: 'field' }, h('label', { for: id('visibility') }, s.visibility), visibility),
    h('label', { class: 'choice', for: id('collaborative') }, collaborative, s.collaborative),
    errors, h('div', { class: 'button-row' }, button), status);
  onSubmit(form, { button, errors, status }, async () => {
    await save({
      title: title.value.trim(), description: description.value.trim(),
      visibility: visibility.value, collaborative: collaborative.checked,
    });
    return done;
  });
  return form;
}
