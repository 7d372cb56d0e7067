// The one realtime socket of this tab (docs/realtime.md): opened while signed
// in, re-authenticated when the access token changes, reconnected with a
// backoff; views subscribe to frames by type and send through it.

import * as api from './api.js';
import * as store from './store.js';

let socket = null;
let attempt = 0;
let frameId = 0;
let reconnectTimer = null;
const handlers = new Map();
const pending = new Map();

/** Calls `handler(frame)` for frames of `type`; returns the unsubscribe function. */
export function on(type, handler) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(handler);
  return () => handlers.get(type).delete(handler);
}

/** Sends a frame; resolves with its ack, rejects with its error (or when the socket is not open). */
export function send(frame) {
  return new Promise((resolve, reject) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      reject(new Error('offline'));
      return;
    }
    const id = `f-${++frameId}`;
    pending.set(id, { resolve, reject });
    socket.send(JSON.stringify({ ...frame, id }));
  });
}

export const isOpen = () => socket?.readyState === WebSocket.OPEN;

/**
 * The server's clock minus this one's, in milliseconds, from a few `ping`s:
 * the exchange with the shortest round trip gives `serverTime − (t0 + t1) / 2`
 * (docs/realtime.md). Null when the socket is away.
 */
export async function clockOffset(pings = 5) {
  let best = null;
  for (let n = 0; n < pings; n += 1) {
    const sent = Date.now();
    let ack;
    try {
      ack = await send({ type: 'ping' });
    } catch {
      break;
    }
    const received = Date.now();
    if (typeof ack.serverTime !== 'number') continue;
    if (!best || received - sent < best.roundTrip) best = { roundTrip: received - sent, offset: ack.serverTime - (sent + received) / 2 };
  }
  return best ? best.offset : null;
}

function dispatch(frame) {
  if ((frame.type === 'ack' || frame.type === 'error') && frame.re && pending.has(frame.re)) {
    const { resolve, reject } = pending.get(frame.re);
    pending.delete(frame.re);
    if (frame.type === 'ack') resolve(frame);
    else reject(Object.assign(new Error(frame.message || frame.code), { code: frame.code }));
    return;
  }
  for (const handler of handlers.get(frame.type) ?? []) handler(frame);
}

function connect() {
  const token = api.getAccessToken();
  if (!token || socket) return;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/api/v1/realtime?access_token=${encodeURIComponent(token)}`);
  socket = ws;
  ws.addEventListener('message', (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === 'hello') {
      attempt = 0;
      store.set({ realtimeOnline: true });
      // The first frame is a resume, so live messages are not held back for five seconds.
      ws.send(JSON.stringify({ type: 'resume', id: `f-${++frameId}`, positions: {} }));
    }
    dispatch(frame);
  });
  ws.addEventListener('close', async (event) => {
    if (socket === ws) socket = null;
    store.set({ realtimeOnline: false });
    for (const { reject } of pending.values()) reject(new Error('closed'));
    pending.clear();
    if (!api.isSignedIn()) return;
    if (event.code === 4401 && !(await api.refresh())) return;
    const delay = Math.min(30_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  });
}

function disconnect() {
  clearTimeout(reconnectTimer);
  const ws = socket;
  socket = null;
  if (ws) ws.close(1000);
}

// Back online: at once rather than after the backoff grown while the network was away.
window.addEventListener('online', () => {
  if (!api.isSignedIn() || socket) return;
  clearTimeout(reconnectTimer);
  attempt = 0;
  connect();
});

api.onToken((token) => {
  if (!token) disconnect();
  else if (isOpen()) send({ type: 'auth', token }).catch(() => {});
  else connect();
});
