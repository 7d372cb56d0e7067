// Starts the web app: a session from the refresh cookie if there is one, the
// page around the views, the realtime socket and the router.

import * as api from './api.js';
import * as store from './store.js';
import { renderShell } from './shell.js';
import { start, sessionEnded } from './router.js';
import * as realtime from './realtime.js';
// Modules that outlive views and listen to the socket from the start: a Jam the tab is in, and the user's other devices.
import './jam.js';
import './handoff.js';

async function refreshUnread() {
  if (!api.isSignedIn()) return;
  try {
    const { unread } = await api.get('/notifications/unread-count');
    store.set({ unreadNotifications: unread });
  } catch {
    // The count is a nicety; the notifications view shows errors.
  }
}

const main = renderShell(document.getElementById('app'));
await api.restoreSession();
// A signed-in session's tokens are renewed often; the count is fetched when one starts, then kept live by the socket.
let signedIn = api.isSignedIn();
api.onToken((token) => {
  if (token && !signedIn) refreshUnread();
  signedIn = token !== null;
  if (!token) sessionEnded();
});
realtime.on('notification', () => store.set({ unreadNotifications: store.get().unreadNotifications + 1 }));
refreshUnread();
start(main);

// The shell opens offline; a failed registration only loses that.
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
