// The life of a form's submission, the same in every form: errors cleared,
// the button disabled while the call runs, a refusal shown next to the form
// (the API's problem detail and field messages), success said in words.

import { announce } from '../dom.js';
import { failure } from './states.js';

/**
 * Runs `action()` on each submit of `form`. What it returns (a sentence) goes
 * into `status` and the live region; what it throws (an ApiError, or any
 * `{message, fields}`) into `errors`.
 */
export function onSubmit(form, { button, errors, status }, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    if (status) status.textContent = '';
    if (button) button.disabled = true;
    try {
      const said = await action();
      if (said && status) {
        status.textContent = said;
        announce(said);
      }
    } catch (error) {
      errors.replaceChildren(failure(error));
    } finally {
      if (button) button.disabled = false;
    }
  });
}
