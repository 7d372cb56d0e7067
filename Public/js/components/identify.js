// "What's playing?": records a few seconds from the microphone and asks the
// server which track it is (POST /api/v1/identify), e.g. at a show.

import { h, announce } from '../dom.js';
import { t, formatDuration } from '../strings.js';
import * as api from '../api.js';
import { failure } from './states.js';
import { trackPath } from './tracklist.js';

const seconds = 8;

/** Records `ms` of `stream` with MediaRecorder; resolves with the clip. */
function record(stream, ms) {
  return new Promise((resolve, reject) => {
    const recorder = new MediaRecorder(stream);
    const chunks = [];
    recorder.addEventListener('dataavailable', (event) => { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener('stop', () => resolve(new Blob(chunks, { type: recorder.mimeType || 'audio/webm' })));
    recorder.addEventListener('error', (event) => reject(event.error ?? new Error('recording failed')));
    recorder.start();
    setTimeout(() => { if (recorder.state !== 'inactive') recorder.stop(); }, ms);
  });
}

/** The button, its live status and the answer. */
export function identifyPanel() {
  const s = t.identify;
  const status = h('p', { role: 'status', class: 'meta' });
  const answer = h('div');
  const button = h('button', { type: 'button' }, s.button);
  button.addEventListener('click', async () => {
    answer.replaceChildren();
    status.textContent = '';
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
      status.textContent = s.unsupported;
      return;
    }
    button.disabled = true;
    let stream = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      status.textContent = s.denied;
      button.disabled = false;
      return;
    }
    try {
      status.textContent = s.listening(seconds);
      const clip = await record(stream, seconds * 1000);
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
      status.textContent = s.thinking;
      const found = await api.post('/identify', clip);
      status.textContent = s.found(found.track.title);
      announce(s.found(found.track.title));
      answer.replaceChildren(h('p', {},
        h('a', { href: trackPath(found.track) }, found.track.title),
        ` — ${found.track.artist?.displayName ?? ''}, `, s.at(formatDuration(found.offsetSeconds))));
    } catch (error) {
      if (error.code === 'no_match') status.textContent = s.noMatch;
      else {
        status.textContent = '';
        answer.replaceChildren(failure(error));
      }
    } finally {
      stream?.getTracks().forEach((track) => track.stop());
      button.disabled = false;
    }
  });
  return h('section', { class: 'stack identify', 'aria-labelledby': 'identify-heading' },
    h('h2', { id: 'identify-heading' }, s.title), h('p', { class: 'hint' }, s.lead),
    h('div', { class: 'button-row' }, button), status, answer);
}
