// A ranked list of people (charts, top fans): each a link to their profile,
// with what they are counted by ("12 listeners", "3 shows", "40 plays").

import { h } from '../dom.js';
import { userPath } from './tracklist.js';

/** `entries`: `{user, count}` each, `count` the sentence it is counted by; first is first. */
export function rankedUsers(entries) {
  return h('ol', { class: 'card-list ranked' }, entries.map(({ user, count }, index) => h('li', { class: 'card ranked-row' },
    h('span', { class: 'rank', 'aria-hidden': 'true' }, `${index + 1}.`),
    h('span', { class: 'ranked-text' },
      h('a', { href: userPath(user), class: 'card-title' }, user.displayName ?? user.username),
      h('span', { class: 'meta' }, count)))));
}
