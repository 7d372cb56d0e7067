// Tracks by id, many in one call (`GET /tracks?ids=`, 100 a call): a stored
// queue or a Jam's queue needs dozens at once.

import * as api from './api.js';

/** The tracks with these ids the listener may see, as a Map by id; the others are absent. */
export async function lookup(ids) {
  const wanted = [...new Set(ids)];
  const found = new Map();
  for (let start = 0; start < wanted.length; start += 100) {
    const chunk = wanted.slice(start, start + 100);
    const page = await api.get(`/tracks?ids=${chunk.map(encodeURIComponent).join(',')}`);
    for (const track of page.items) found.set(track.id, track);
  }
  return found;
}

/** `ids` in their order as tracks (a copy per entry, so a track queued twice is two entries), leaving out those not found. */
export function inOrder(ids, found) {
  return ids.filter((id) => found.has(id)).map((id) => ({ ...found.get(id) }));
}
