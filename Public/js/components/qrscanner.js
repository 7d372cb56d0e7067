// Reads QR codes from the camera with the browser's BarcodeDetector (where it
// has one that knows qr_code): a button starts and stops the camera, the
// picture shows while it runs, and each code read is handed on once (the same
// code again only after a pause, so one ticket held up is one scan).

import { h } from '../dom.js';
import { t } from '../strings.js';

const samePause = 4000;

/** The camera part of the door page; `onCode(text)` gets each code read. Stops the camera when `signal` aborts. */
export function cameraScanner({ signal, onCode }) {
  const s = t.door;
  const box = h('div', { class: 'stack' });
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices?.getUserMedia) {
    box.append(h('p', { class: 'meta' }, s.cameraUnsupported));
    return box;
  }
  const note = h('p', { class: 'meta', role: 'status' });
  const video = h('video', { class: 'door-video', muted: true, playsinline: true, 'aria-label': s.cameraVideo, hidden: true });
  video.muted = true;
  const toggle = h('button', { type: 'button' }, s.startCamera);
  box.append(h('div', { class: 'button-row' }, toggle), note, video);
  let stream = null;
  let timer = null;
  let last = { code: '', at: 0 };

  const stop = () => {
    clearTimeout(timer);
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    toggle.textContent = s.startCamera;
  };
  const start = async () => {
    let detector;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes('qr_code')) throw new Error('no qr_code');
      detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    } catch {
      note.textContent = s.cameraUnsupported;
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch {
      note.textContent = s.cameraDenied;
      return;
    }
    if (signal.aborted) {
      stop();
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play().catch(() => {});
    toggle.textContent = s.stopCamera;
    note.textContent = s.cameraOn;
    const look = async () => {
      if (!stream) return;
      try {
        for (const found of await detector.detect(video)) {
          const now = Date.now();
          if (found.rawValue && (found.rawValue !== last.code || now - last.at > samePause)) {
            last = { code: found.rawValue, at: now };
            await onCode(found.rawValue);
          }
        }
      } catch {
        // A frame that could not be read; the next one may be.
      }
      if (stream) timer = setTimeout(look, 250);
    };
    look();
  };
  toggle.addEventListener('click', () => (stream ? stop() : start()));
  signal.addEventListener('abort', stop);
  return box;
}
