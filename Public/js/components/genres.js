// The "Favourite genres" checkboxes of onboarding and Settings: the usual
// genres, and any other the profile already names, so saving keeps it.

import { h } from '../dom.js';
import { t } from '../strings.js';

/** The fieldset, and `picked()`: the genres checked. */
export function genrePicker(selected = []) {
  const chosen = new Set(selected);
  const names = [...t.welcome.genreList, ...selected.filter((genre) => !t.welcome.genreList.includes(genre))];
  const element = h('fieldset', { class: 'field genres' },
    h('legend', {}, t.welcome.genres),
    names.map((genre) => h('label', { class: 'choice' },
      h('input', { type: 'checkbox', name: 'genre', value: genre, checked: chosen.has(genre) }), genre)));
  const picked = () => [...element.querySelectorAll('input[name="genre"]:checked')].map((input) => input.value);
  return { element, picked };
}
