// Uploading audio files in the Artist studio: a drop zone that is also a real
// file input ("Choose audio files"), several files at once, each sent
// resumably (tus, in slices: a broken connection resumes where it stopped,
// saying so) with its own progress bar, a cancel button while it runs and its
// own readable refusal (413 too large, 415/422 not usable audio, 409 uploaded
// before). Three go at a time; the rest wait their turn.

import { h, announce } from '../dom.js';
import { t, formatBytes } from '../strings.js';
import * as api from '../api.js';
import { uploadResumably } from '../tus.js';
import { failure } from './states.js';
import { trackPath } from './tracklist.js';

const atOnce = 3;
const accept = 'audio/*,.mp3,.flac,.wav,.aif,.aiff,.ogg,.oga,.opus,.m4a,.aac,.alac';
const isFileDrag = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');

/**
 * The upload section; files dropped anywhere in `dropArea` are uploaded too.
 * `uploaded(track)` gets each new track (processing). Returns the element
 * and a cleanup that cancels what is still running.
 */
export function uploader({ dropArea, uploaded }) {
  const s = t.artistStudio;
  const controllers = new Set();
  const waiting = [];
  let running = 0;

  const input = h('input', { id: 'studio-files', type: 'file', multiple: true, accept, 'aria-describedby': 'studio-drop-hint' });
  const zone = h('div', { class: 'dropzone' },
    h('label', { for: 'studio-files', class: 'dropzone-label' }, s.choose),
    input,
    h('p', { class: 'hint', id: 'studio-drop-hint' }, s.dropHint));
  const listHeading = h('h3', { id: 'studio-uploads' }, s.uploads);
  const list = h('ul', { class: 'card-list upload-list', 'aria-labelledby': 'studio-uploads' });
  const uploads = h('div', { class: 'stack', hidden: true }, listHeading, h('p', { class: 'hint' }, s.stayHint), list);
  const element = h('section', { class: 'stack', 'aria-labelledby': 'studio-upload' },
    h('h2', { id: 'studio-upload' }, s.upload), zone, uploads);

  const next = () => {
    while (running < atOnce && waiting.length) {
      running += 1;
      waiting.shift()().finally(() => {
        running -= 1;
        next();
      });
    }
  };

  /** One file's row, and the job that sends it when its turn comes. */
  const enqueue = (file) => {
    const controller = new AbortController();
    controllers.add(controller);
    const name = h('p', { class: 'card-title', tabindex: '-1' }, file.name);
    const bar = h('progress', { max: String(Math.max(1, file.size)), 'aria-label': s.uploadProgress(file.name) });
    const said = h('p', { class: 'meta' }, s.waiting);
    const outcome = h('div');
    const cancel = h('button', { type: 'button', onclick: () => controller.abort() }, s.cancelUpload(file.name));
    const row = h('li', { class: 'card stack upload' }, name, bar, said, outcome, h('div', { class: 'button-row' }, cancel));
    list.append(row);

    const finish = () => {
      controllers.delete(controller);
      if (cancel.contains(document.activeElement)) name.focus();
      cancel.remove();
    };
    const cancelled = () => {
      said.textContent = s.cancelled;
      bar.removeAttribute('value');
      announce(s.cancelledNamed(file.name));
    };
    const job = async () => {
      bar.value = 0;
      said.textContent = s.sent(formatBytes(0), formatBytes(file.size));
      try {
        const trackId = await uploadResumably(file, {
          signal: controller.signal,
          onProgress: (sent) => {
            bar.value = Math.min(sent, file.size);
            said.textContent = s.sent(formatBytes(sent), formatBytes(file.size));
          },
          onRetry: (seconds) => {
            said.textContent = s.reconnecting(seconds);
          },
        });
        const track = await api.get(`/tracks/${encodeURIComponent(trackId)}`);
        bar.value = bar.max;
        said.textContent = s.uploaded;
        announce(s.uploadedNamed(file.name));
        uploaded(track);
      } catch (error) {
        if (error.name === 'AbortError') cancelled();
        else {
          said.textContent = '';
          bar.hidden = true;
          // A file uploaded before is named by the API (409, its id as the field "trackId").
          const earlier = error.status === 409 ? error.fields?.find((field) => field.field === 'trackId')?.message : null;
          outcome.replaceChildren(...[failure({ message: s.failed(file.name, error.message) }),
            earlier ? h('a', { href: trackPath({ id: earlier }) }, s.openEarlier) : null].filter(Boolean));
        }
      } finally {
        finish();
      }
    };
    waiting.push(job);
    // Cancelled before its turn: it leaves the queue at once.
    controller.signal.addEventListener('abort', () => {
      const index = waiting.indexOf(job);
      if (index < 0) return;
      waiting.splice(index, 1);
      cancelled();
      finish();
    }, { once: true });
  };

  const start = (files) => {
    const chosen = [...files];
    if (!chosen.length) return;
    uploads.hidden = false;
    chosen.forEach(enqueue);
    announce(s.uploading(chosen.length));
    next();
  };

  input.addEventListener('change', () => {
    start(input.files);
    // The same file can be chosen again (after a cancel, say).
    input.value = '';
  });

  // Files dropped on the view are uploaded; dropped elsewhere on the page they are ignored rather than opened in place of the app.
  const onDragOver = (event) => {
    if (!isFileDrag(event)) return;
    event.preventDefault();
    const inside = dropArea.contains(event.target);
    event.dataTransfer.dropEffect = inside ? 'copy' : 'none';
    zone.classList.toggle('drag-over', inside);
  };
  const onDragLeave = (event) => {
    if (!event.relatedTarget || !dropArea.contains(event.relatedTarget)) zone.classList.remove('drag-over');
  };
  const onDrop = (event) => {
    if (!isFileDrag(event)) return;
    event.preventDefault();
    zone.classList.remove('drag-over');
    if (dropArea.contains(event.target)) start(event.dataTransfer.files);
  };
  // Closing or reloading the page would lose the uploads still running: the browser asks first.
  const onBeforeUnload = (event) => {
    if (controllers.size) event.preventDefault();
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  document.addEventListener('dragover', onDragOver);
  document.addEventListener('dragleave', onDragLeave);
  document.addEventListener('drop', onDrop);

  return {
    element,
    cleanup: () => {
      for (const controller of controllers) controller.abort();
      window.removeEventListener('beforeunload', onBeforeUnload);
      document.removeEventListener('dragover', onDragOver);
      document.removeEventListener('dragleave', onDragLeave);
      document.removeEventListener('drop', onDrop);
    },
  };
}
