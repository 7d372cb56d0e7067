// The app's one piece of shared state (who is signed in, unread counts),
// with subscribers; views keep everything else to themselves.

let state = { user: null, unreadNotifications: 0, realtimeOnline: false };
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
