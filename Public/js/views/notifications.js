// Notifications: the inbox, newest first; "Mark all as read".

import { h } from '../dom.js';
import { t, formatRelative } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import * as realtime from '../realtime.js';
import { setTitle } from '../router.js';
import { section, failure } from '../components/states.js';
import { userPath } from '../components/tracklist.js';

function describe(item) {
  const actor = item.actor?.displayName ?? '';
  switch (item.kind) {
    case 'follow': return t.notifications.follow(actor);
    case 'message': return t.notifications.message(actor);
    case 'release': return t.notifications.release(actor, item.data?.title);
    case 'event_reminder': return t.notifications.event_reminder(item.data?.title);
    case 'ticket_offer': return t.notifications.ticket_offer();
    case 'lineup_invite': return t.notifications.lineup_invite(actor, item.data?.title);
    case 'lineup': return t.notifications.lineup(actor, item.data?.title);
    case 'moderation': return t.notifications.moderation(item.data?.reason);
    case 'export_ready': return t.notifications.export_ready();
    case 'achievement': return t.notifications.achievement(item.data?.title);
    case 'show_nearby': return t.notifications.show_nearby(item.data?.artistName || actor, item.data?.title, item.data?.venueName, item.data?.distanceKm);
    case 'event_changed': return t.notifications.event_changed(item.data?.title, item.data?.change);
    default: return t.notifications.other;
  }
}

function target(item) {
  if (['event_reminder', 'ticket_offer', 'lineup_invite', 'lineup', 'show_nearby', 'event_changed'].includes(item.kind) && item.data?.eventId) {
    return `/events/${encodeURIComponent(item.data.eventId)}`;
  }
  if (item.kind === 'export_ready') return '/settings';
  if (item.kind === 'message' && item.data?.conversationId) return `/messages/${encodeURIComponent(item.data.conversationId)}`;
  if (item.actor) return userPath(item.actor);
  return null;
}

export function render(container) {
  const controller = new AbortController();
  const { signal } = controller;
  const list = h('div');
  const errors = h('div');
  const markAll = h('button', { type: 'button' }, t.notifications.markAllRead);
  container.append(h('h1', {}, t.notifications.title), h('div', { class: 'button-row' }, markAll), errors, list);
  setTitle(t.notifications.title);
  const show = () => section(list, () => api.get('/notifications?limit=50', { signal }), (page) => h('ul', { class: 'card-list' },
    page.items.map((item) => {
      const href = target(item);
      const text = describe(item);
      return h('li', { class: item.read ? 'card' : 'card unread' },
        href ? h('a', { href, class: 'card-title' }, text) : h('p', { class: 'card-title' }, text),
        h('p', { class: 'meta' }, item.read ? null : [h('strong', {}, t.notifications.unreadBadge), ' · '],
          h('time', { datetime: item.createdAt }, formatRelative(item.createdAt))));
    })), { isEmpty: (page) => page.items.length === 0, emptyMessage: t.notifications.empty, signal });
  markAll.addEventListener('click', async () => {
    errors.replaceChildren();
    try {
      await api.post('/notifications/read', { all: true });
      store.set({ unreadNotifications: 0 });
      show();
    } catch (error) {
      errors.replaceChildren(failure(error));
    }
  });
  show();
  const off = realtime.on('notification', () => show());
  return () => {
    controller.abort();
    off();
  };
}
