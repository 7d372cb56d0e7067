// Resumable uploads over tus 1.0 (the server's /api/v1/uploads): a file goes
// in slices, each a PATCH at the offset the server holds, so a phone that
// loses its connection goes on where it stopped instead of starting over.
// After a break it waits (longer each time, at once when the browser says it
// is back online), asks the server for its offset (HEAD) and sends the rest.
// The upload's address is kept in this browser's storage under the file's
// name, size and date, so choosing the same file again after a reload resumes
// it too. The last slice's answer names the track the file became.

import { ApiError, getAccessToken, refresh } from './api.js';
import { t } from './strings.js';

const base = '/api/v1';
const version = '1.0.0';
/** Bytes per PATCH: big enough to keep the pipe full, small enough that a break costs little. */
const slice = 4 * 1024 * 1024;
/** Attempts after a break before giving up (about four minutes of waiting in all). */
const attempts = 12;

const aborted = () => new DOMException('The upload was cancelled.', 'AbortError');
const storageKey = (file) => `based.upload.${file.name}.${file.size}.${file.lastModified}`;

/** UTF-8 text as base64 (btoa takes bytes as Latin-1 characters). */
function base64(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** One request with XMLHttpRequest (the one browser API that reports an upload's progress); resolves with {status, header(name), text}, rejects on a broken connection. */
function xhr(method, url, { headers = {}, body = null, onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const abort = () => request.abort();
    const done = () => signal?.removeEventListener('abort', abort);
    request.open(method, url);
    request.setRequestHeader('tus-resumable', version);
    request.setRequestHeader('accept', 'application/json');
    const token = getAccessToken();
    if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    if (onProgress) request.upload.addEventListener('progress', (event) => onProgress(event.loaded));
    request.addEventListener('load', () => {
      done();
      resolve({ status: request.status, header: (name) => request.getResponseHeader(name), text: request.responseText });
    });
    request.addEventListener('error', () => {
      done();
      reject(new ApiError(t.errors.uploadBroke, { code: 'network' }));
    });
    request.addEventListener('abort', () => {
      done();
      reject(aborted());
    });
    signal?.addEventListener('abort', abort, { once: true });
    request.send(body);
  });
}

/** The problem in a failed answer, as an ApiError. */
function problem(answer) {
  let body = {};
  try {
    body = JSON.parse(answer.text || '{}');
  } catch {
    // Not JSON: the status says enough.
  }
  if (answer.status >= 500) return new ApiError(t.errors.server, { status: answer.status, code: body.code ?? 'server' });
  return new ApiError(body.detail || t.errors.unexpected, { status: answer.status, code: body.code ?? 'http', fields: body.fields ?? [] });
}

/** Waits `ms`, or less when the browser comes back online; rejects when `signal` aborts. */
function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      window.removeEventListener('online', finish);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const stop = () => {
      finish();
      reject(aborted());
    };
    const timer = setTimeout(finish, ms);
    window.addEventListener('online', finish, { once: true });
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** A request whose 401 (an access token that ran out) is answered by renewing the session once. */
async function authorised(method, url, options) {
  let answer = await xhr(method, url, options);
  if (answer.status === 401 && await refresh()) answer = await xhr(method, url, options);
  return answer;
}

/**
 * Uploads `file` as a new track, resumably. `onProgress(sent)` follows the
 * bytes the server holds plus those of the slice on its way; `onRetry(seconds)`
 * says a break happened and when the next try is. Resolves with the new
 * track's id; rejects with an ApiError (the server's refusal, or a connection
 * that stayed down), or an AbortError when `signal` aborts (the upload is then
 * cancelled on the server too).
 */
export async function uploadResumably(file, { onProgress, onRetry, signal } = {}) {
  if (signal?.aborted) throw aborted();
  const key = storageKey(file);
  let location = localStorage.getItem(key);
  let offset = 0;
  let trackId = null;

  const cancel = () => {
    localStorage.removeItem(key);
    if (location) xhr('DELETE', location).catch(() => {});
  };
  const ask = async () => {
    const answer = await authorised('HEAD', location, { signal });
    if (answer.status !== 200) return false;
    offset = Number(answer.header('upload-offset'));
    trackId = answer.header('based-track-id');
    return Number.isFinite(offset);
  };

  try {
    if (!(location && await ask().catch((error) => { if (error.name === 'AbortError') throw error; return false; }))) {
      const made = await authorised('POST', `${base}/uploads`, {
        signal,
        headers: { 'upload-length': String(file.size), 'upload-metadata': `filename ${base64(file.name)}` },
      });
      if (made.status !== 201) throw problem(made);
      location = made.header('location');
      offset = 0;
      localStorage.setItem(key, location);
    }
    onProgress?.(offset);
    let failures = 0;
    while (!trackId) {
      const end = Math.min(file.size, offset + slice);
      let answer;
      try {
        answer = await authorised('PATCH', location, {
          signal,
          headers: { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
          body: file.slice(offset, end),
          onProgress: (loaded) => onProgress?.(offset + loaded),
        });
      } catch (error) {
        if (error.name === 'AbortError' || failures >= attempts) throw error;
        answer = null;
      }
      if (answer?.status === 204) {
        failures = 0;
        offset = Number(answer.header('upload-offset'));
        trackId = answer.header('based-track-id');
        onProgress?.(offset);
        continue;
      }
      // Another offset (409), the broken PATCH still holding it (423) and no answer at all: wait, ask where it stands, go on.
      if (answer) {
        const refusal = problem(answer);
        if (!['offset_mismatch', 'upload_busy'].includes(refusal.code)) throw refusal;
      }
      failures += 1;
      if (failures > attempts) throw new ApiError(t.errors.uploadBroke, { code: 'network' });
      const seconds = Math.min(30, 2 ** (failures - 1));
      onRetry?.(seconds);
      await pause(seconds * 1000, signal);
      try {
        if (!await ask()) throw new ApiError(t.errors.uploadBroke, { code: 'upload_lost' });
      } catch (error) {
        if (error.name === 'AbortError' || error.code === 'upload_lost') throw error;
        // Still offline: the PATCH that follows fails and counts as another try.
      }
    }
    localStorage.removeItem(key);
    return trackId;
  } catch (error) {
    if (error.name === 'AbortError') cancel();
    // A refusal of the finished file (not audio, a duplicate) ended the upload on the server.
    else if (error.status && error.status !== 401) localStorage.removeItem(key);
    throw error;
  }
}
