// Messages: the conversations, most recently active first, with unread counts.

import { h } from '../dom.js';
import { t, formatRelative } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import * as realtime from '../realtime.js';
import { setTitle } from '../router.js';
import { section } from '../components/states.js';

/** A conversation's name: its title, or the other members' names for a direct chat. */
export async function conversationName(summary, signal) {
  if (summary.title) return summary.title;
  const detail = await api.get(`/conversations/${encodeURIComponent(summary.id)}`, { signal });
  const me = store.get().user?.id;
  const others = detail.members.filter((member) => member.user.id !== me).map((member) => member.user.displayName);
  return others.join(', ') || t.messages.direct;
}

async function load(signal) {
  const page = await api.get('/conversations?limit=50', { signal });
  const names = await Promise.all(page.items.map((item) => conversationName(item, signal).catch(() => t.messages.direct)));
  return page.items.map((item, position) => ({ ...item, name: names[position] }));
}

export function render(container) {
  const controller = new AbortController();
  const { signal } = controller;
  const list = h('div');
  container.append(h('h1', {}, t.messages.title), list);
  setTitle(t.messages.title);
  const show = () => section(list, () => load(signal), (items) => h('ul', { class: 'card-list' }, items.map((item) => h('li', { class: 'card' },
    h('a', { href: `/messages/${encodeURIComponent(item.id)}`, class: 'card-title' }, item.name),
    h('p', { class: 'meta' },
      t.messages[item.kind] ?? '', ' · ', h('time', { datetime: item.updatedAt }, formatRelative(item.updatedAt)),
      item.unreadCount > 0 ? [' · ', h('strong', {}, t.messages.unread(item.unreadCount))] : null)))),
  { isEmpty: (items) => items.length === 0, emptyMessage: t.messages.empty, signal });
  show();
  const off = realtime.on('message', () => show());
  return () => {
    controller.abort();
    off();
  };
}
