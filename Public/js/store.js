// The app's one piece of shared state (who is signed in, unread counts),
// with subscribers; views keep everything else to themselves.

// outboxWaiting: writes waiting for the network (outbox.js); outboxFailed: what it last could not send, or null.
let state = { user: null, unreadNotifications: 0, realtimeOnline: false, outboxWaiting: 0, outboxFailed: null };
const listeners = new Set();

export function get() {
  return state;
}

export function set(patch) {
  state = { ...state, ...patch };
  for (const listener of listeners) listener(state);
}

/** Calls `listener` on every change; returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
