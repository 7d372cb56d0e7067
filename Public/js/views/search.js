// Search as you type: one input of type search named "Search", results
// grouped by kind, debounced, each query cancelling the one before.

import { h } from '../dom.js';
import { t, formatDateTime } from '../strings.js';
import * as api from '../api.js';
import { setTitle, setQuery } from '../router.js';
import { loading, empty, failure } from '../components/states.js';
import { trackList, userPath } from '../components/tracklist.js';
import { eventPath } from '../components/eventlist.js';
import { playlistPath, playlistMeta } from '../components/playlistlist.js';
import { identifyPanel } from '../components/identify.js';

function group(key, items) {
  if (!items?.length) return null;
  let body;
  if (key === 'tracks') body = trackList(items);
  else {
    body = h('ul', { class: 'card-list' }, items.map((item) => {
      let link = null;
      let meta = '';
      if (key === 'artists' || key === 'users' || key === 'venues') {
        const user = item.user ?? item;
        link = h('a', { href: userPath(user) }, user.displayName ?? user.username);
        meta = `@${user.username}`;
      } else if (key === 'releases') {
        link = h('a', { href: `/releases/${encodeURIComponent(item.id)}` }, item.title);
        meta = item.artist?.displayName ?? '';
      } else if (key === 'events') {
        link = h('a', { href: eventPath(item) }, item.title);
        meta = item.startsAt ? formatDateTime(item.startsAt) : '';
      } else if (key === 'playlists') {
        link = h('a', { href: playlistPath(item) }, item.title ?? '');
        meta = playlistMeta(item);
      }
      return h('li', { class: 'card' }, h('p', { class: 'card-title' }, link), meta ? h('p', { class: 'meta' }, meta) : null);
    }));
  }
  return h('section', { 'aria-labelledby': `results-${key}` }, h('h2', { id: `results-${key}` }, t.search.groups[key]), body);
}

export function render(container, { query }) {
  const input = h('input', { id: 'search-input', type: 'search', name: 'q', placeholder: t.search.placeholder, value: query.get('q') ?? '' });
  const results = h('div', { class: 'results', 'aria-live': 'polite', 'aria-busy': 'false' });
  let controller = null;
  let timer = null;
  const search = async () => {
    const q = input.value.trim();
    setQuery({ q });
    controller?.abort();
    if (!q) {
      results.replaceChildren(h('p', { class: 'meta' }, t.search.prompt));
      return;
    }
    controller = new AbortController();
    const { signal } = controller;
    results.setAttribute('aria-busy', 'true');
    results.replaceChildren(loading());
    try {
      const found = await api.get(`/search?q=${encodeURIComponent(q)}`, { signal });
      if (signal.aborted) return;
      const groups = Object.keys(t.search.groups).map((key) => group(key, found[key]?.items)).filter(Boolean);
      results.replaceChildren(...(groups.length ? groups : [empty(t.search.empty(q))]));
    } catch (error) {
      if (!signal.aborted && error.name !== 'AbortError') results.replaceChildren(failure(error, search));
    } finally {
      if (!signal.aborted) results.setAttribute('aria-busy', 'false');
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  const form = h('form', { role: 'search', class: 'search-form', onsubmit: (event) => { event.preventDefault(); clearTimeout(timer); search(); } },
    h('label', { for: 'search-input' }, t.search.label), input);
  container.append(h('h1', {}, t.search.title), form, identifyPanel(), results);
  setTitle(t.search.title);
  search();
  return () => {
    clearTimeout(timer);
    controller?.abort();
  };
}
