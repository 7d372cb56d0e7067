// The swipe deck of Discover: one recommended track at a time, with its
// reason and a play button, and "Like" and "Pass" buttons that record the
// swipe (PUT /me/swipes/{id}; made offline, it waits in the outbox) and show
// the next card. The buttons stay in place, so a keyboard user goes on
// pressing them; a card can also be dragged right (like) or left (pass). The
// deck refills itself before it runs out, and says so in words when nothing
// is left.

import { h, announce } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as api from '../api.js';
import * as outbox from '../outbox.js';
import { loading, empty, failure } from './states.js';
import { playButton, trackPath, userPath } from './tracklist.js';

const batch = 10;
/** How far (in CSS pixels) a card is dragged before it counts as a swipe. */
const dragThreshold = 96;
const swipePath = (trackId) => `/me/swipes/${encodeURIComponent(trackId)}`;

export function swipeDeck({ signal }) {
  const body = h('div', { class: 'swipe-body' });
  const errors = h('div');
  const like = h('button', { type: 'button', class: 'primary', 'aria-describedby': 'swipe-card-title' }, t.discover.like);
  const pass = h('button', { type: 'button', 'aria-describedby': 'swipe-card-title' }, t.discover.pass);
  const actions = h('div', { class: 'button-row swipe-actions', hidden: true }, pass, like);
  const hint = h('p', { class: 'hint', hidden: true }, t.discover.deckHint);
  const element = h('div', { class: 'swipe-deck' }, body, actions, hint, errors);
  /** The buttons and their hint, shown while there is a card. */
  const showActions = (shown) => {
    actions.hidden = !shown;
    hint.hidden = !shown;
  };

  const queue = []; // {track, reason}, the shown card first
  const swiped = new Set();
  let fetching = null;
  let busy = false;

  /**
   * Adds the next tracks the server picks (none already queued, swiped, or
   * swiped in a write still waiting for the network); resolves with how many were new.
   */
  const fetchMore = () => {
    fetching ??= (async () => {
      try {
        const [{ items }, unsent] = await Promise.all([
          api.get(`/me/swipe-deck?count=${batch}`, { signal }), outbox.waiting().catch(() => [])]);
        const waiting = new Set(unsent.filter((entry) => entry.kind === 'swipe').map((entry) => entry.path));
        const queued = new Set(queue.map((item) => item.track.id));
        const fresh = items.filter((item) => !swiped.has(item.track.id) && !queued.has(item.track.id)
          && !waiting.has(swipePath(item.track.id)));
        queue.push(...fresh);
        return fresh.length;
      } finally {
        fetching = null;
      }
    })();
    return fetching;
  };

  const card = ({ track, reason }) => {
    const facts = [track.genre, track.durationSeconds ? formatDuration(track.durationSeconds) : null].filter(Boolean);
    const article = h('article', { class: 'card swipe-card', 'aria-labelledby': 'swipe-card-title' },
      h('div', { class: 'swipe-top' },
        playButton(track, [track], 0, { source: 'recommendation' }),
        h('div', { class: 'track-text' },
          h('h3', { id: 'swipe-card-title', class: 'swipe-title' }, h('a', { href: trackPath(track), class: 'track-title' }, track.title)),
          track.artist ? h('a', { href: userPath(track.artist), class: 'track-artist' }, track.artist.displayName) : null)),
      reason ? h('p', { class: 'track-reason' }, reason) : null,
      facts.length ? h('p', { class: 'meta' }, facts.join(' · ')) : null);
    draggable(article);
    return article;
  };

  /** Shows the first card, or the empty state (moving the focus there when it was on a button that goes away). */
  const show = () => {
    if (queue.length === 0) {
      const hadFocus = actions.contains(document.activeElement);
      const message = empty(t.discover.deckEmpty, h('p', {}, h('a', { href: '/search' }, t.discover.deckSearch)));
      message.firstChild.setAttribute('tabindex', '-1');
      body.replaceChildren(message);
      showActions(false);
      if (hadFocus) message.firstChild.focus();
      return;
    }
    body.replaceChildren(card(queue[0]));
    showActions(true);
  };

  const setBusy = (value) => {
    busy = value;
    for (const button of [like, pass]) {
      // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
      if (value) button.setAttribute('aria-disabled', 'true');
      else button.removeAttribute('aria-disabled');
    }
  };

  const start = async () => {
    errors.replaceChildren();
    body.replaceChildren(loading());
    showActions(false);
    try {
      await fetchMore();
      if (signal.aborted) return;
      show();
    } catch (error) {
      if (signal.aborted || error.name === 'AbortError') return;
      body.replaceChildren(failure(error, start));
    }
  };

  const swipe = async (liked) => {
    const item = queue[0];
    if (!item || busy) return;
    setBusy(true);
    errors.replaceChildren();
    try {
      // Not aborted with the view: a swipe made is kept, and one made offline waits in the outbox.
      await outbox.send('swipe', 'PUT', swipePath(item.track.id), { liked });
    } catch (error) {
      if (signal.aborted) return;
      errors.replaceChildren(failure(error));
      setBusy(false);
      return;
    }
    if (signal.aborted) return;
    swiped.add(item.track.id);
    queue.shift();
    let said = liked ? t.discover.liked(item.track.title) : t.discover.passed(item.track.title);
    if (queue.length === 0) {
      // The buttons stay (busy) while the deck refills, so the focus stays on them.
      body.replaceChildren(loading());
      try {
        await fetchMore();
      } catch (error) {
        if (signal.aborted || error.name === 'AbortError') return;
        const hadFocus = actions.contains(document.activeElement);
        const shown = failure(error, start);
        body.replaceChildren(shown);
        showActions(false);
        setBusy(false);
        if (hadFocus) shown.querySelector('button')?.focus();
        announce(said);
        return;
      }
      if (signal.aborted) return;
    } else if (queue.length <= 2) {
      // Refilled in the background; a failure is tried again when the deck runs out.
      fetchMore().catch(() => {});
    }
    show();
    const next = queue[0];
    if (next) said += ` ${t.discover.next(next.track.title, next.track.artist?.displayName ?? '')}`;
    announce(said);
    setBusy(false);
  };

  /** Dragging a card far enough right likes it, left passes it; anything less puts it back. */
  function draggable(article) {
    let from = null;
    article.addEventListener('pointerdown', (event) => {
      if (event.button !== 0 || event.target.closest('a, button') || busy) return;
      from = { x: event.clientX, id: event.pointerId };
      article.setPointerCapture(event.pointerId);
    });
    article.addEventListener('pointermove', (event) => {
      if (!from || event.pointerId !== from.id) return;
      const dx = event.clientX - from.x;
      article.style.transform = `translateX(${dx}px) rotate(${dx / 40}deg)`;
      article.dataset.leaning = dx > dragThreshold ? 'like' : dx < -dragThreshold ? 'pass' : '';
    });
    const end = (event) => {
      if (!from || event.pointerId !== from.id) return;
      const dx = event.clientX - from.x;
      from = null;
      article.style.transform = '';
      article.dataset.leaning = '';
      if (event.type === 'pointerup' && Math.abs(dx) > dragThreshold) swipe(dx > 0);
    };
    article.addEventListener('pointerup', end);
    article.addEventListener('pointercancel', end);
  }

  like.addEventListener('click', () => swipe(true));
  pass.addEventListener('click', () => swipe(false));
  start();
  return element;
}
