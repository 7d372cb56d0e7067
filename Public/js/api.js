// The REST client. The access token lives only in this module's memory; the
// refresh token is an HttpOnly cookie that script never sees, traded for a new
// access token at /auth/web/refresh with the double-submit CSRF header.

import * as store from './store.js';
import { t } from './strings.js';

const base = '/api/v1';
let accessToken = null;
let accessExpiresAt = 0;
/** How long before its expiry the token is renewed: a minute, or a third of a shorter lifetime. */
let renewMargin = 0;
let refreshing = null;
const tokenListeners = new Set();

/** A failed call, with a message fit to show. */
export class ApiError extends Error {
  constructor(message, { status = 0, code = 'network', fields = [], appeal = null } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    /** A suspended or banned account's signed link to appeal (a refused sign-in). */
    this.appeal = appeal;
  }

  static async from(response) {
    let problem = null;
    if ((response.headers.get('content-type') || '').includes('json')) {
      problem = await response.json().catch(() => null);
    }
    if (response.status >= 500) return new ApiError(t.errors.server, { status: response.status, code: problem?.code ?? 'server' });
    if (response.status === 404 && problem?.code === 'route_not_found') {
      return new ApiError(t.errors.notAvailable, { status: 404, code: 'route_not_found' });
    }
    const fields = problem?.fields ?? [];
    const message = problem?.detail ?? response.statusText ?? t.errors.unexpected;
    return new ApiError(message, { status: response.status, code: problem?.code ?? 'http', fields, appeal: problem?.appeal ?? null });
  }
}

export const getAccessToken = () => accessToken;
export const isSignedIn = () => accessToken !== null;

/** Calls `listener(token)` whenever the access token changes (the socket re-authenticates with it). */
export function onToken(listener) {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

let renewTimer = null;

function adopt(session) {
  accessToken = session.accessToken;
  accessExpiresAt = new Date(session.accessTokenExpiresAt).getTime();
  // Renewed early, so the realtime socket (closed when its token expires) gets the new one in time;
  // a short-lived token is not renewed on every call (each renewal is a rotation a page change could cut off).
  renewMargin = Math.min(60_000, Math.max(1_000, (accessExpiresAt - Date.now()) / 3));
  clearTimeout(renewTimer);
  renewTimer = setTimeout(refresh, Math.max(5_000, accessExpiresAt - Date.now() - renewMargin));
  store.set({ user: session.user });
  for (const listener of tokenListeners) listener(accessToken);
}

/** Whether the access token is about to expire (renewed before a call rather than refused in it). */
const expiring = () => Date.now() > accessExpiresAt - renewMargin / 2;

function forget() {
  clearTimeout(renewTimer);
  accessToken = null;
  accessExpiresAt = 0;
  store.set({ user: null, unreadNotifications: 0 });
  for (const listener of tokenListeners) listener(null);
}

function csrfCookie() {
  const entry = document.cookie.split('; ').find((part) => part.startsWith('based_csrf='));
  return entry ? entry.slice('based_csrf='.length) : '';
}

/** Whether this browser holds a session cookie worth refreshing. */
export const hasSessionCookie = () => csrfCookie() !== '';

async function send(method, path, { body, token = accessToken, headers = {}, signal } = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers }, signal, credentials: 'same-origin' };
  if (body instanceof Blob) {
    // A file or a recording, sent as its bytes.
    init.headers['content-type'] = body.type || 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (token) init.headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(base + path, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(t.errors.network);
  }
}

/**
 * Trades the refresh cookie for a new access token, once at a time across
 * tabs (Web Locks): two tabs refreshing with the same cookie would look like a
 * stolen token and end the session.
 */
export function refresh() {
  if (!hasSessionCookie()) return Promise.resolve(false);
  refreshing ??= (async () => {
    const run = async () => {
      const response = await send('POST', '/auth/web/refresh', { token: null, headers: { 'x-based-csrf': csrfCookie() } });
      if (!response.ok) {
        forget();
        return false;
      }
      adopt(await response.json());
      return true;
    };
    try {
      return navigator.locks ? await navigator.locks.request('based-refresh', run) : await run();
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** One API call; an expired access token is refreshed first (or once after a 401). `headers` go with it (an `Idempotency-Key`). */
export async function request(method, path, { body, signal, auth = true, headers = {} } = {}) {
  if (auth && accessToken && expiring()) await refresh();
  let response = await send(method, path, { body, signal, headers, token: auth ? accessToken : null });
  if (response.status === 401 && auth && accessToken) {
    if (await refresh()) response = await send(method, path, { body, signal, headers });
    else throw new ApiError(t.errors.sessionExpired, { status: 401, code: 'session_expired' });
  }
  if (!response.ok) throw await ApiError.from(response);
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path, options) => request('GET', path, options);

/** A file the API serves to the signed-in user (`path` from the API, starting /api/v1 or not) as a Blob: a QR code, a CSV. */
export async function blob(path, { signal } = {}) {
  if (accessToken && expiring()) await refresh();
  const relative = path.startsWith(base) ? path.slice(base.length) : path;
  let response = await send('GET', relative, { headers: { accept: '*/*' }, signal });
  if (response.status === 401 && accessToken && await refresh()) response = await send('GET', relative, { headers: { accept: '*/*' }, signal });
  if (!response.ok) throw await ApiError.from(response);
  return response.blob();
}

/** Fetches a file the API serves to the signed-in user and saves it as `filename`. */
export async function download(path, filename) {
  const url = URL.createObjectURL(await blob(path));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** One XMLHttpRequest POST of `file` as the whole body; resolves with the Response, rejects on a broken connection or an abort. */
function sendFile(path, file, { onProgress, signal }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const aborted = () => xhr.abort();
    const done = () => signal?.removeEventListener('abort', aborted);
    xhr.open('POST', base + path);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    if (accessToken) xhr.setRequestHeader('authorization', `Bearer ${accessToken}`);
    xhr.upload.addEventListener('progress', (event) => onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size));
    xhr.addEventListener('load', () => {
      done();
      if (xhr.status < 200) {
        reject(new ApiError(t.errors.uploadBroke));
        return;
      }
      const headers = { 'content-type': xhr.getResponseHeader('content-type') ?? '' };
      resolve(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText, headers }));
    });
    xhr.addEventListener('error', () => {
      done();
      reject(new ApiError(t.errors.uploadBroke));
    });
    xhr.addEventListener('abort', () => {
      done();
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
    });
    signal?.addEventListener('abort', aborted, { once: true });
    xhr.send(file);
  });
}

/**
 * Uploads `file` as the raw body of a POST with XMLHttpRequest, the one
 * browser API that reports how much of a request body has gone out:
 * `onProgress(sent, total)` as it does. Resolves with the JSON answer; rejects
 * with an ApiError (the problem's detail), or an AbortError when `signal` aborts.
 */
export async function upload(path, file, { onProgress, signal } = {}) {
  if (signal?.aborted) throw new DOMException('The upload was cancelled.', 'AbortError');
  if (accessToken && expiring()) await refresh();
  let response = await sendFile(path, file, { onProgress, signal });
  // A token that expired on the way is renewed and the file sent once more.
  if (response.status === 401 && accessToken) {
    if (await refresh()) response = await sendFile(path, file, { onProgress, signal });
    else throw new ApiError(t.errors.sessionExpired, { status: 401, code: 'session_expired' });
  }
  if (!response.ok) throw await ApiError.from(response);
  return response.status === 204 ? null : response.json();
}

export const post = (path, body, options) => request('POST', path, { ...options, body });
export const put = (path, body, options) => request('PUT', path, { ...options, body });
export const patch = (path, body, options) => request('PATCH', path, { ...options, body });
export const del = (path, options) => request('DELETE', path, options);

async function startSession(path, body) {
  // Any non-empty value: a custom header that a cross-site form cannot send.
  const response = await send('POST', path, { body, token: null, headers: { 'x-based-csrf': '1' } });
  if (!response.ok) throw await ApiError.from(response);
  const session = await response.json();
  adopt(session);
  return session.user;
}

export const signIn = (login, password) => startSession('/auth/web/sign-in', { login, password });
export const register = (fields) => startSession('/auth/web/register', fields);

/** Ends this session (or all of them) and clears the cookies. */
export async function signOut({ everywhere = false } = {}) {
  if (accessToken && expiring()) await refresh();
  try {
    const response = await send('POST', `/auth/web/sign-out${everywhere ? '?allDevices=true' : ''}`, {
      headers: { 'x-based-csrf': csrfCookie() },
    });
    if (!response.ok && response.status !== 401) throw await ApiError.from(response);
  } finally {
    forget();
  }
}

/** At start: a session cookie becomes an access token again (a reload keeps you signed in). */
export async function restoreSession() {
  if (!hasSessionCookie()) return false;
  return refresh();
}
