// The persistent player bar: what plays, Previous / Play–Pause / Next,
// Shuffle and Repeat (off, all, one), the
// Seek slider, the volume, the queue (with "Start a Jam") and a line about a
// Jam or another device playing. It lives outside <main>, so navigation keeps
// it. While a Jam's host leads, only Play/Pause (listening along) is the member's.

import { h } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as player from '../player.js';
import { playerSession, startJamButton } from './playersession.js';

export function renderPlayerBar(region) {
  const title = h('a', { class: 'now-title', href: '/' });
  const artist = h('span', { class: 'now-artist' });
  const previous = h('button', { type: 'button', class: 'control', onclick: player.previous }, t.player.previous);
  const toggle = h('button', { type: 'button', class: 'control control-main', 'aria-describedby': 'player-keys', onclick: player.toggle }, t.player.play);
  const next = h('button', { type: 'button', class: 'control', onclick: player.next }, t.player.next);
  const shuffle = h('button', { type: 'button', class: 'control control-mode', 'aria-pressed': 'false', onclick: player.toggleShuffle }, t.player.shuffle);
  const repeat = h('button', { type: 'button', class: 'control control-mode', 'aria-pressed': 'false', onclick: player.cycleRepeat }, t.player.repeat('off'));
  const seek = h('input', { type: 'range', min: '0', max: '0', step: '1', value: '0', 'aria-label': t.player.seek, class: 'seek' });
  const time = h('span', { class: 'time', 'aria-hidden': 'true' }, '0:00 / 0:00');
  const volume = h('input', { type: 'range', min: '0', max: '1', step: '0.05', value: '1', 'aria-label': t.player.volume, class: 'volume' });
  let dragging = false;
  seek.addEventListener('input', () => { dragging = true; });
  seek.addEventListener('change', () => {
    dragging = false;
    player.seek(Number(seek.value));
  });
  volume.addEventListener('input', () => player.setVolume(Number(volume.value)));

  const queueCount = h('span');
  const queueList = h('ol', { class: 'queue-list' });
  const queue = h('details', { class: 'queue' }, h('summary', {}, t.player.queue, ' ', queueCount), startJamButton(), queueList);
  let shownQueue = null;
  let shownIndex = -1;
  region.append(
    playerSession(),
    h('div', { class: 'now-playing' }, title, artist),
    h('div', { class: 'controls' }, previous, toggle, next, shuffle, repeat),
    h('p', { id: 'player-keys', class: 'visually-hidden' }, t.player.shortcuts),
    h('div', { class: 'progress' }, seek, time),
    h('label', { class: 'volume-label' }, h('span', { class: 'visually-hidden' }, t.player.volume), volume),
    queue,
    player.element);

  let shownFollowing = false;
  player.subscribe((state) => {
    const track = state.track;
    title.textContent = track ? track.title : t.player.nothing;
    if (track) title.setAttribute('href', `/tracks/${encodeURIComponent(track.id)}`);
    else title.removeAttribute('href');
    artist.textContent = track?.artist?.displayName ?? '';
    toggle.textContent = state.playing ? t.player.pause : t.player.play;
    toggle.disabled = !track;
    previous.disabled = !track || state.following;
    next.disabled = (state.index + 1 >= state.queue.length && !(state.repeat === 'all' && state.queue.length > 0)) || state.following;
    shuffle.setAttribute('aria-pressed', String(state.shuffle));
    shuffle.disabled = !track || state.following;
    repeat.textContent = t.player.repeat(state.repeat);
    repeat.setAttribute('aria-pressed', String(state.repeat !== 'off'));
    repeat.disabled = !track || state.following;
    seek.disabled = !track || state.following;
    const duration = Math.floor(state.duration || 0);
    seek.max = String(duration);
    if (!dragging) seek.value = String(Math.floor(state.currentTime));
    const position = t.player.position(formatDuration(state.currentTime), formatDuration(duration));
    seek.setAttribute('aria-valuetext', position);
    time.textContent = `${formatDuration(state.currentTime)} / ${formatDuration(duration)}`;
    if (state.queue !== shownQueue || state.index !== shownIndex || state.following !== shownFollowing) {
      shownQueue = state.queue;
      shownIndex = state.index;
      shownFollowing = state.following;
      queue.hidden = state.queue.length === 0;
      queueCount.textContent = t.player.queueCount(state.queue.length);
      queueList.replaceChildren(...state.queue.map((item, position) => h('li', {},
        h('button', {
          type: 'button', class: 'link-button', 'aria-current': position === state.index ? 'true' : null, disabled: state.following,
          onclick: () => player.playAt(position),
        }, item.title, item.artist ? ` · ${item.artist.displayName}` : ''))));
    }
  });
}
