// The waveform of a track on a canvas: played part highlighted, click or
// arrow keys to seek (it is a slider for assistive technology too), with
// ticks where listeners left timestamped comments.

import { h } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as player from '../player.js';

export function waveform(track, peaks, onSeek) {
  const duration = track.durationSeconds || 0;
  const canvas = h('canvas', {
    class: 'waveform', role: 'slider', tabindex: '0', 'aria-label': t.track.waveform(track.title),
    'aria-valuemin': '0', 'aria-valuemax': String(Math.floor(duration)), 'aria-valuenow': '0',
    'aria-valuetext': t.player.position('0:00', formatDuration(duration)),
  });
  let position = 0;
  const draw = () => {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 600;
    const height = canvas.clientHeight || 96;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const context = canvas.getContext('2d');
    context.scale(ratio, ratio);
    const style = getComputedStyle(canvas);
    const played = style.getPropertyValue('--wave-played').trim() || '#f5c542';
    const rest = style.getPropertyValue('--wave-rest').trim() || '#777';
    const bars = Math.max(1, Math.floor(width / 3));
    const playedUntil = duration > 0 ? position / duration : 0;
    for (let bar = 0; bar < bars; bar += 1) {
      const peak = peaks[Math.floor((bar / bars) * peaks.length)] ?? 0;
      const barHeight = Math.max(1, peak * height);
      context.fillStyle = bar / bars < playedUntil ? played : rest;
      context.fillRect(bar * 3, (height - barHeight) / 2, 2, barHeight);
    }
  };
  const update = (seconds) => {
    position = seconds;
    canvas.setAttribute('aria-valuenow', String(Math.floor(seconds)));
    canvas.setAttribute('aria-valuetext', t.player.position(formatDuration(seconds), formatDuration(duration)));
    draw();
  };
  canvas.addEventListener('click', (event) => {
    const box = canvas.getBoundingClientRect();
    onSeek(((event.clientX - box.left) / box.width) * duration);
  });
  canvas.addEventListener('keydown', (event) => {
    const steps = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5, PageUp: 30, PageDown: -30 };
    if (event.key in steps) onSeek(Math.max(0, Math.min(duration, position + steps[event.key])));
    else if (event.key === 'Home') onSeek(0);
    else return;
    event.preventDefault();
  });
  const unsubscribe = player.subscribe((state) => {
    if (state.track?.id === track.id) update(state.currentTime);
  });
  const resize = () => draw();
  window.addEventListener('resize', resize);
  requestAnimationFrame(draw);
  // Timestamped comments as ticks over the waveform: a picture of the list
  // below it, which is what assistive technology reads (so hidden from it here).
  const marks = h('div', { class: 'waveform-marks', 'aria-hidden': 'true' });
  const setMarks = (seconds) => {
    marks.replaceChildren(...seconds.filter((at) => duration > 0 && at >= 0 && at <= duration).map((at) => {
      const mark = h('span', { class: 'waveform-mark' });
      mark.style.left = `${(at / duration) * 100}%`;
      return mark;
    }));
  };
  return {
    element: h('div', { class: 'waveform-frame' }, canvas, marks),
    setMarks,
    cleanup: () => { unsubscribe(); window.removeEventListener('resize', resize); },
  };
}
