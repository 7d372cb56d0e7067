// History-API routing: same-origin links change the URL without a reload,
// each route lazily imports its view module, and the previous view's cleanup
// runs before the next view renders. The server answers every such URL with
// the shell, so a reload lands on the same view.

import * as api from './api.js';
import { h, announce } from './dom.js';
import { t } from './strings.js';
import { failure } from './components/states.js';

const routes = [
  { path: '/', view: () => import('./views/home.js'), auth: true },
  { path: '/sign-in', view: () => import('./views/signin.js') },
  { path: '/register', view: () => import('./views/register.js') },
  { path: '/welcome', view: () => import('./views/welcome.js'), auth: true },
  { path: '/search', view: () => import('./views/search.js'), auth: true },
  { path: '/library', view: () => import('./views/library.js'), auth: true },
  { path: '/radio', view: () => import('./views/radio.js'), auth: true },
  { path: '/discover', view: () => import('./views/discover.js'), auth: true },
  { path: '/messages', view: () => import('./views/messages.js'), auth: true },
  { path: '/messages/to/:username', view: () => import('./views/compose.js'), auth: true },
  { path: '/messages/:conversationId', view: () => import('./views/conversation.js'), auth: true },
  { path: '/notifications', view: () => import('./views/notifications.js'), auth: true },
  { path: '/events', view: () => import('./views/events.js') },
  { path: '/events/:eventId', view: () => import('./views/event.js') },
  { path: '/events/:eventId/door', view: () => import('./views/door.js'), auth: true },
  { path: '/map', view: () => import('./views/map.js') },
  { path: '/tickets', view: () => import('./views/tickets.js'), auth: true },
  { path: '/tracks/:trackId', view: () => import('./views/track.js') },
  { path: '/releases/:releaseId', view: () => import('./views/release.js') },
  { path: '/u/:username', view: () => import('./views/profile.js') },
  { path: '/settings', view: () => import('./views/settings.js'), auth: true },
  { path: '/moderation', view: () => import('./views/moderation.js'), auth: true },
  { path: '/studio', view: () => import('./views/artiststudio.js'), auth: true },
  { path: '/studio/analytics', view: () => import('./views/analytics.js'), auth: true },
  { path: '/studio/events', view: () => import('./views/venuestudio.js'), auth: true },
  { path: '/playlists/:playlistId', view: () => import('./views/playlist.js') },
  { path: '/jam/:jamId', view: () => import('./views/jam.js'), auth: true },
  { path: '/admin', view: () => import('./views/admin.js'), auth: true },
].map((route) => ({
  ...route,
  pattern: new RegExp(`^${route.path.replace(/:(\w+)/g, (_, name) => `(?<${name}>[^/]+)`)}/?$`),
}));

let main = null;
let cleanup = null;
let generation = 0;

function match(pathname) {
  for (const route of routes) {
    const found = route.pattern.exec(pathname);
    if (found) {
      const params = Object.fromEntries(Object.entries(found.groups ?? {}).map(([key, value]) => [key, decodeURIComponent(value)]));
      return { route, params };
    }
  }
  return null;
}

/** Goes to `path` (a same-origin path with optional query). */
export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

/** Changes the query of the current URL without rendering again (a search as you type). */
export function setQuery(params) {
  const url = new URL(location.href);
  for (const [key, value] of Object.entries(params)) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  history.replaceState(null, '', url.pathname + url.search);
}

/** Sets the document title and moves focus to the view's heading, so screen readers hear the new page. */
export function setTitle(title, { focus = true } = {}) {
  document.title = title ? `${title} · ${t.appName}` : t.appName;
  if (!focus) return;
  const heading = main?.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
  announce(title);
}

async function render() {
  const mine = ++generation;
  if (cleanup) {
    try {
      cleanup();
    } catch (error) {
      console.warn(error);
    }
    cleanup = null;
  }
  const url = new URL(location.href);
  const found = match(url.pathname);
  const container = h('div', { class: 'view' });
  main.replaceChildren(container);
  window.scrollTo(0, 0);
  if (!found) {
    container.append(h('h1', {}, t.notFound.title), h('p', {}, t.errors.notFound));
    setTitle(t.notFound.title);
    return;
  }
  if (found.route.auth && !api.isSignedIn()) {
    navigate(`/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
    return;
  }
  try {
    const module = await found.route.view();
    if (mine !== generation) return;
    cleanup = module.render(container, { params: found.params, query: url.searchParams }) ?? null;
  } catch (error) {
    if (mine !== generation) return;
    container.replaceChildren(failure(error));
  }
}

/** After the session ends (signed out elsewhere, expired, tampered with): back to sign-in if this view needs it. */
export function sessionEnded() {
  const url = new URL(location.href);
  const found = match(url.pathname);
  if (found?.route.auth && !api.isSignedIn()) {
    navigate(`/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
  }
}

function isAppLink(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link || link.target || link.hasAttribute('download')) return null;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return null;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return null;
  return url;
}

export function start(mainElement) {
  main = mainElement;
  document.addEventListener('click', (event) => {
    const url = isAppLink(event);
    if (!url) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', render);
  render();
}
