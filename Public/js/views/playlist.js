// A playlist: cover, title, owner, visibility and its tracks to play. Its
// owner and collaborators remove and reorder entries (the Move buttons, or a
// row dragged by its handle); the owner edits, invites and deletes
// (components/playlistowner.js). Others' edits arrive as `playlist.changed`
// frames on the socket; the page reads the playlist again when one does, and
// when the window regains focus (the socket may have been away).

import { h, append, announce } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import * as player from '../player.js';
import * as realtime from '../realtime.js';
import { setTitle } from '../router.js';
import { loading, failure, failedPage, empty } from '../components/states.js';
import { playButton, trackPath, userPath } from '../components/tracklist.js';
import { playlistMeta } from '../components/playlistlist.js';
import { ownerControls } from '../components/playlistowner.js';
import { dragToReorder } from '../components/reorder.js';

/** Up to four tracks' artwork as the cover, or a plain square when none has any. */
function cover(items) {
  const images = items.map((item) => item.track.artwork?.small).filter(Boolean).slice(0, 4);
  if (!images.length) return h('div', { class: 'playlist-cover cover-empty', 'aria-hidden': 'true' });
  return h('div', { class: `playlist-cover cover-${images.length}`, 'aria-hidden': 'true' },
    images.map((src) => h('img', { src, alt: '', width: '64', height: '64' })));
}

export function render(container, { params }) {
  const controller = new AbortController();
  const { signal } = controller;
  const path = `/playlists/${encodeURIComponent(params.playlistId)}`;
  const offs = [];
  let playlist = null;
  let items = [];
  let inFlight = 0;
  let newest = 0;
  let reloadTimer = null;

  const head = h('div', { class: 'playlist-head' });
  const actions = h('div', { class: 'button-row' });
  const list = h('div');
  const errors = h('div');
  const owner = h('div');
  // Editors hear others' edits over the socket; while it is away they are told so.
  const liveNote = h('p', { class: 'meta live-offline', hidden: true }, t.playlist.offline);
  const paintLive = () => { liveNote.hidden = !canEdit() || store.get().realtimeOnline; };

  const me = () => store.get().user;
  const isOwner = () => Boolean(me() && playlist && (me().id === playlist.owner.id || me().role === 'admin'));
  const canEdit = () => isOwner() || Boolean(me() && playlist?.collaborative && playlist.collaborators.some((user) => user.id === me().id));

  /** Takes a PlaylistDetail the API answered with and redraws, keeping the focus on the same control. */
  const adopt = (detail) => {
    playlist = detail;
    items = detail.items;
    paint();
  };

  const paint = () => {
    const focused = head.contains(document.activeElement) ? 'title:' : document.activeElement?.dataset?.focusKey;
    head.replaceChildren(
      cover(items),
      h('div', { class: 'playlist-text' },
        h('p', { class: 'eyebrow' }, [t.playlist.eyebrow, t.playlist.visibilityShort[playlist.visibility],
          playlist.collaborative ? t.playlist.collaborativeBadge : null].filter(Boolean).join(' · ')),
        h('h1', { tabindex: '-1' }, playlist.title),
        h('p', { class: 'meta' }, t.playlist.by(''), h('a', { href: userPath(playlist.owner) }, playlist.owner.displayName),
          ` · ${t.playlist.tracks(playlist.trackCount)}`),
        playlist.collaborators.length ? h('p', { class: 'meta' }, `${t.playlist.withCollaborators} `,
          playlist.collaborators.map((user, n) => [n ? ', ' : '', h('a', { href: userPath(user) }, user.displayName)])) : null,
        playlist.description ? h('p', { class: 'bio' }, playlist.description) : null));
    const tracks = items.map((item) => item.track);
    actions.replaceChildren();
    append(actions, [
      h('button', { type: 'button', class: 'primary', disabled: tracks.length === 0, onclick: () => player.playTracks(tracks, 0, { source: 'playlist' }) }, t.playlist.playAll),
      me() && !isOwner() ? followButton() : null]);
    paintEntries();
    paintLive();
    if (focused) focusKey(focused);
    document.title = `${playlist.title} · ${t.appName}`;
  };

  const focusKey = (key) => {
    const [action, entry] = key.split(':');
    if (action === 'title') return head.querySelector('h1')?.focus();
    const fallback = { up: 'down', down: 'up' }[action];
    const find = (name) => list.querySelector(`[data-focus-key="${CSS.escape(`${name}:${entry}`)}"]`);
    const target = [find(action), fallback ? find(fallback) : null].find((element) => element && !element.disabled);
    (target ?? list.querySelector('h2'))?.focus();
  };

  const followButton = () => h('button', {
    type: 'button', 'aria-pressed': String(playlist.following),
    onclick: () => edit(() => (playlist.following ? api.del(`${path}/follow`) : api.put(`${path}/follow`))),
  }, t.playlist.follow);

  const paintEntries = () => {
    const editable = canEdit();
    const hidden = playlist.trackCount - items.length;
    const rows = items.map((item, index) => entryRow(item, index, editable));
    const ol = h('ol', { class: 'track-list playlist-entries', 'aria-labelledby': 'playlist-entries' }, rows);
    if (editable) dragToReorder(ol, (from, to) => move(items[from], to));
    list.replaceChildren();
    append(list, [
      h('h2', { id: 'playlist-entries', tabindex: '-1' }, t.playlist.entries),
      editable && items.length > 1 ? h('p', { class: 'hint' }, t.playlist.reorderHint) : null,
      items.length ? ol : empty(t.playlist.empty),
      items.length < playlist.trackCount && items.length % 100 === 0 && items.length > 0
        ? h('button', { type: 'button', onclick: more }, t.playlist.more)
        : hidden > 0 ? h('p', { class: 'meta' }, t.playlist.hiddenEntries(hidden)) : null]);
  };

  const entryRow = (item, index, editable) => {
    const { track } = item;
    const key = (action) => `${action}:${item.entryId}`;
    return h('li', { class: editable ? 'track-row entry editable' : 'track-row entry', dataset: { entry: item.entryId } },
      editable ? h('span', { class: 'drag-handle', 'aria-hidden': 'true', title: t.playlist.dragHandle }, '⠿') : null,
      playButton(track, items.map((entry) => entry.track), index, { source: 'playlist' }),
      h('div', { class: 'track-text' },
        h('a', { href: trackPath(track), class: 'track-title' }, track.title),
        track.artist ? h('a', { href: userPath(track.artist), class: 'track-artist' }, track.artist.displayName) : null),
      h('span', { class: 'track-duration' }, track.durationSeconds ? formatDuration(track.durationSeconds) : ''),
      editable ? h('div', { class: 'entry-actions' },
        h('button', { type: 'button', class: 'icon-button', 'aria-label': t.playlist.moveUp(track.title), dataset: { focusKey: key('up') },
          disabled: index === 0, onclick: () => move(item, index - 1) }, h('span', { 'aria-hidden': 'true' }, '↑')),
        h('button', { type: 'button', class: 'icon-button', 'aria-label': t.playlist.moveDown(track.title), dataset: { focusKey: key('down') },
          disabled: index === items.length - 1, onclick: () => move(item, index + 1) }, h('span', { 'aria-hidden': 'true' }, '↓')),
        h('button', { type: 'button', class: 'icon-button', 'aria-label': t.playlist.remove(track.title), dataset: { focusKey: key('remove') },
          onclick: () => remove(item, index) }, h('span', { 'aria-hidden': 'true' }, '✕'))) : null);
  };

  /** Runs an edit; its answer (the playlist as it now is) is drawn, an error shown above the list. */
  const edit = async (call, { focus, said } = {}) => {
    errors.replaceChildren();
    inFlight += 1;
    try {
      const detail = await call();
      if (signal.aborted) return;
      adopt(detail);
      if (focus) focusKey(focus);
      if (said) announce(said(detail));
    } catch (error) {
      if (!signal.aborted) errors.replaceChildren(failure(error));
    } finally {
      inFlight -= 1;
      if (inFlight === 0 && newest > (playlist?.version ?? 0)) scheduleReload();
    }
  };

  /**
   * The whole order's entry ids: what is shown, unless some entries are not
   * (unplayable tracks, or past the first 100), when the API lists them all.
   */
  const order = async () => {
    if (playlist.trackCount === items.length) return items.map((item) => item.entryId);
    const { entries } = await api.get(`${path}/entries`, { signal });
    return entries.map((entry) => entry.id);
  };

  /** Moves `item` so that it is shown at `to` among the entries shown (the API counts every entry). */
  const move = (item, to) => {
    const from = items.indexOf(item);
    if (from < 0 || to < 0 || to >= items.length || to === from) return;
    const others = items.filter((entry) => entry !== item);
    return edit(async () => {
      const rest = (await order()).filter((id) => id !== item.entryId);
      const index = to < others.length ? rest.indexOf(others[to].entryId) : rest.indexOf(others[others.length - 1].entryId) + 1;
      return api.put(`${path}/entries/${encodeURIComponent(item.entryId)}/position`, { index });
    }, {
      focus: `${to < from ? 'up' : 'down'}:${item.entryId}`,
      said: (detail) => t.playlist.moved(item.track.title,
        detail.items.findIndex((entry) => entry.entryId === item.entryId) + 1, detail.items.length),
    });
  };

  const remove = (item, index) => {
    const neighbour = items[index + 1] ?? items[index - 1];
    return edit(() => api.del(`${path}/entries/${encodeURIComponent(item.entryId)}`), {
      focus: neighbour ? `remove:${neighbour.entryId}` : 'heading:',
      said: () => t.playlist.removed(item.track.title),
    });
  };

  const more = async () => {
    errors.replaceChildren();
    try {
      const page = await api.get(`${path}/items?offset=${items.length}&limit=100`, { signal });
      const next = page.items[0];
      items = items.concat(page.items);
      paintEntries();
      if (next) list.querySelector(`[data-entry="${CSS.escape(next.entryId)}"] a`)?.focus();
    } catch (error) {
      if (!signal.aborted) errors.replaceChildren(failure(error, more));
    }
  };

  /** Reads the playlist again (someone else changed it); redraws only when it did change. */
  const reload = async ({ quietly = false } = {}) => {
    try {
      const detail = await api.get(path, { signal });
      if (signal.aborted || inFlight > 0) return;
      if (detail.version === playlist.version && detail.following === playlist.following) return;
      adopt(detail);
      if (!quietly) announce(t.playlist.changedLive);
    } catch (error) {
      if (!signal.aborted) errors.replaceChildren(failure(error, () => reload()));
    }
  };
  const scheduleReload = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(reload, 150);
  };

  const load = async () => {
    container.replaceChildren(loading());
    try {
      playlist = await api.get(path, { signal });
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
      return;
    }
    if (signal.aborted) return;
    items = playlist.items;
    container.replaceChildren(h('article', { class: 'playlist-page' }, head, actions, liveNote, errors, h('section', { 'aria-labelledby': 'playlist-entries' }, list), owner));
    paint();
    if (isOwner()) owner.replaceChildren(ownerControls({ path, current: () => playlist, adopt }));
    setTitle(playlist.title);
  };

  offs.push(realtime.on('playlist.changed', (frame) => {
    if (!playlist || frame.playlistId.toLowerCase() !== playlist.id.toLowerCase()) return;
    newest = Math.max(newest, frame.version);
    if (inFlight === 0 && frame.version > playlist.version) scheduleReload();
  }));
  const onFocus = () => {
    if (playlist && inFlight === 0) reload({ quietly: true });
  };
  window.addEventListener('focus', onFocus);
  offs.push(() => window.removeEventListener('focus', onFocus));
  // Back online after the socket was away: edits made meanwhile were not heard.
  let online = store.get().realtimeOnline;
  offs.push(store.subscribe((state) => {
    if (state.realtimeOnline && !online) onFocus();
    online = state.realtimeOnline;
    if (playlist) paintLive();
  }));

  load();
  return () => {
    controller.abort();
    clearTimeout(reloadTimer);
    for (const off of offs) off();
  };
}
