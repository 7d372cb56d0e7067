// A form's labelled fields, each with a hint and its own error under it, for
// forms whose refusals name fields (the API's 422 `fields`): the refused
// fields are marked invalid, described by their messages, the first focused,
// and the summary above the buttons names them by their labels.

import { h } from '../dom.js';

let groups = 0;

/**
 * `specs`: `{name, label, tag = 'input', attributes, options: [[value, text]], hint}`
 * each (a checkbox is `attributes: {type: 'checkbox'}`). Returns the rows to
 * put in the form, the controls by name, `fill(values)`, `markInvalid({name:
 * message})` and `refused(error)`, the error to throw from `onSubmit`.
 */
export function labelledFields(prefix, specs) {
  const n = ++groups;
  const id = (name, part = '') => `${prefix}-${n}-${name}${part}`;
  const controls = {};
  const errors = {};
  const hints = {};
  const labels = {};
  const rows = specs.map(({ name, label, tag = 'input', attributes = {}, options, hint }) => {
    const control = h(tag, { id: id(name), name, ...attributes }, options?.map(([value, text]) => h('option', { value }, text)));
    controls[name] = control;
    labels[name] = label;
    errors[name] = h('p', { class: 'field-error', id: id(name, '-error'), hidden: true });
    hints[name] = hint ? id(name, '-hint') : null;
    if (hint) control.setAttribute('aria-describedby', hints[name]);
    const hintElement = hint ? h('p', { class: 'hint', id: hints[name] }, hint) : null;
    return attributes.type === 'checkbox'
      ? h('div', { class: 'field' }, h('label', { class: 'choice', for: id(name) }, control, label), hintElement, errors[name])
      : h('div', { class: 'field' }, h('label', { for: id(name) }, label), control, hintElement, errors[name]);
  });

  const fill = (values) => {
    for (const [name, control] of Object.entries(controls)) {
      const value = values[name];
      if (control.type === 'checkbox') control.checked = Boolean(value);
      else control.value = value === undefined || value === null ? '' : String(value);
    }
  };

  const markInvalid = (messages) => {
    for (const [name, control] of Object.entries(controls)) {
      const message = messages[name];
      errors[name].textContent = message ?? '';
      errors[name].hidden = !message;
      const described = [hints[name], message ? errors[name].id : null].filter(Boolean);
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
      if (described.length) control.setAttribute('aria-describedby', described.join(' '));
      else control.removeAttribute('aria-describedby');
    }
  };

  /** The API names list entries and parts ("tags[2]", "credits[0].role"); they belong to the field of the list. */
  const fieldOf = (apiName) => apiName.split(/[[.]/)[0];

  const refused = (error) => {
    const messages = {};
    for (const field of error.fields ?? []) {
      const name = fieldOf(field.field);
      if (name in controls && !messages[name]) messages[name] = field.message;
    }
    markInvalid(messages);
    Object.values(controls).find((control) => control.getAttribute('aria-invalid') === 'true')?.focus();
    return {
      message: error.message,
      fields: (error.fields ?? []).map((field) => ({ field: labels[fieldOf(field.field)] ?? field.field, message: field.message })),
    };
  };

  return { rows, controls, fill, markInvalid, refused };
}
