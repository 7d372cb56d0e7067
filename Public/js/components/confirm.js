// A destructive action behind a confirmation in the page rather than a
// dialog: its button opens a question with a "yes" and a "keep" button; yes
// runs the action, whose refusal shows under the question, and keep puts the
// focus back on the button.

import { h } from '../dom.js';
import { failure } from './states.js';

/**
 * `question()` is asked when the button is pressed (so it can name the thing
 * as it is then); `action()` runs on yes. Returns the button (its text can
 * change), the question's panel and the errors, to place after the button.
 */
export function confirmedAction({ label, question, yes, keep, action }) {
  const errors = h('div');
  const panel = h('div', { class: 'confirm stack', hidden: true });
  const button = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false' }, label);
  button.addEventListener('click', () => {
    const confirmButton = h('button', { type: 'button', class: 'danger', onclick: async () => {
      errors.replaceChildren();
      try {
        await action();
      } catch (error) {
        errors.replaceChildren(failure(error));
      }
    } }, yes);
    panel.replaceChildren(h('p', {}, question()), h('div', { class: 'button-row' }, confirmButton,
      h('button', { type: 'button', onclick: () => {
        panel.hidden = true;
        button.setAttribute('aria-expanded', 'false');
        button.focus();
      } }, keep)));
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    confirmButton.focus();
  });
  return { button, panel, errors };
}
