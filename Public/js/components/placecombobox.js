// A city field that suggests places of the gazetteer (GET /places) as you
// type: the ARIA 1.2 combobox pattern (an input with a listbox popup), keyboard
// operable — Down and Up move through the suggestions, Enter chooses, Escape
// closes — and the number of suggestions said in a status. What was typed is
// kept as it is when nothing is chosen (an empty gazetteer suggests nothing).

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';

let made = 0;

/**
 * `{id, label, value, hint, attributes, onChoose(place)}`. Returns the field
 * (label, input, hint, listbox), the input, and `chosen()`: the place picked
 * from the list, or null once the text no longer is its name.
 */
export function placeCombobox({ id, label, value = '', hint, attributes = {}, onChoose }) {
  const n = ++made;
  const listId = `${id}-places-${n}`;
  const hintId = hint ? `${id}-hint` : null;
  const input = h('input', {
    id, type: 'text', role: 'combobox', autocomplete: 'off', spellcheck: 'false', maxlength: '100',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId, 'aria-describedby': hintId, value, ...attributes,
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'place-list', 'aria-label': label, hidden: true });
  const status = h('p', { class: 'visually-hidden', role: 'status' });
  let places = [];
  let active = -1;
  let picked = null;
  let pending = null;
  let timer = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((option, at) => option.setAttribute('aria-selected', String(at === index)));
    if (index < 0) {
      input.removeAttribute('aria-activedescendant');
      return;
    }
    const option = list.children[index];
    input.setAttribute('aria-activedescendant', option.id);
    option.scrollIntoView({ block: 'nearest' });
  };
  const choose = (index) => {
    const place = places[index];
    if (!place) return;
    picked = place;
    input.value = place.name;
    close();
    status.textContent = '';
    onChoose?.(place);
  };
  const show = (items) => {
    places = items;
    list.replaceChildren(...items.map((place, index) => h('li', {
      id: `${listId}-${index}`, role: 'option', 'aria-selected': 'false', class: 'place-option',
      // Pressing an option must not take the focus from the input before the click chooses it.
      onmousedown: (event) => event.preventDefault(),
      onclick: () => choose(index),
    }, t.places.option(place.name, place.matched && place.matched !== place.name ? place.matched : '', place.country))));
    if (!items.length) {
      close();
      status.textContent = input.value.trim().length > 1 ? t.places.none : '';
      return;
    }
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(-1);
    status.textContent = t.places.suggestions(items.length);
  };
  const suggest = async () => {
    const q = input.value.trim();
    pending?.abort();
    if (!q) {
      show([]);
      return;
    }
    const mine = new AbortController();
    pending = mine;
    try {
      const { items } = await api.get(`/places?${new URLSearchParams({ q, limit: '8' })}`, { signal: mine.signal, auth: false });
      if (pending === mine && document.activeElement === input) show(items ?? []);
    } catch {
      // Suggestions are a help: without them (an older server, no connection) the typed name still goes.
      if (pending === mine) show([]);
    }
  };

  input.addEventListener('input', () => {
    picked = null;
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  input.addEventListener('keydown', (event) => {
    const open = !list.hidden && places.length > 0;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (!open) {
        if (places.length) {
          list.hidden = false;
          input.setAttribute('aria-expanded', 'true');
          highlight(0);
        } else suggest();
      } else highlight((active + 1) % places.length);
    } else if (event.key === 'ArrowUp' && open) {
      event.preventDefault();
      highlight(active <= 0 ? places.length - 1 : active - 1);
    } else if (event.key === 'Enter' && open && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));

  const element = h('div', { class: 'field place-field' },
    h('label', { for: id }, label), h('div', { class: 'place-wrap' }, input, list),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null, status);
  return {
    element,
    input,
    chosen: () => (picked && picked.name === input.value.trim() ? picked : null),
    /** Sets the text (and the place it names, when known) from code. */
    set: (text, place = null) => {
      input.value = text;
      picked = place;
    },
  };
}
