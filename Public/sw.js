// The service worker: the shell and the versioned files are kept so the app
// opens without a network (views then show their error states); navigations
// still go to the network first, so a deploy is seen at once. The API, streams
// and the socket are never touched.

const CACHE = 'based-shell';
const SHELL = '/';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') event.respondWith(shellFirstFromNetwork(request));
  else if (url.pathname.startsWith('/app/')) event.respondWith(versionedFromCache(request));
});

/** The page from the network (and kept as the shell), or the kept shell when offline. */
async function shellFirstFromNetwork(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && (response.headers.get('content-type') || '').startsWith('text/html')) {
      const html = await response.clone().text();
      await cache.put(SHELL, response.clone());
      await forgetOtherVersions(cache, html);
    }
    return response;
  } catch (error) {
    const kept = await cache.match(SHELL);
    if (kept) return kept;
    throw error;
  }
}

/** `/app/<version>/…` never changes: from the cache, else fetched once and kept. */
async function versionedFromCache(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

/** Drops the files of versions the current shell no longer refers to. */
async function forgetOtherVersions(cache, html) {
  const current = /\/app\/([0-9a-f]+)\//.exec(html)?.[1];
  if (!current) return;
  for (const request of await cache.keys()) {
    const version = /\/app\/([0-9a-f]+)\//.exec(new URL(request.url).pathname)?.[1];
    if (version && version !== current) await cache.delete(request);
  }
}
