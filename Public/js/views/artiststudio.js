// Artist studio (`/studio`): upload audio files (dropped anywhere on the view
// or chosen), each with its own progress; the artist's tracks with their
// processing progress and metadata; releases made, edited and put in order.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as store from '../store.js';
import { studioGate } from '../components/states.js';
import { uploader } from '../components/uploads.js';
import { studioTracks } from '../components/studiotracks.js';
import { studioReleases } from '../components/studioreleases.js';

export function render(container) {
  const s = t.artistStudio;
  const controller = new AbortController();
  const me = store.get().user;
  const signal = studioGate(container, controller, { title: s.title, forbidden: s.forbidden, roles: ['artist'], user: me });
  if (!signal) return () => controller.abort();

  const releases = studioReleases({
    signal,
    tracks: () => tracks.all(),
    adoptTracks: (edited) => tracks.adopt(edited),
    renamed: () => tracks.repaint(),
  });
  const tracks = studioTracks({
    signal,
    username: me.username,
    releaseTitle: releases.title,
    touched: releases.touched,
    loaded: releases.settle,
  });
  const uploads = uploader({ dropArea: container, uploaded: (track) => tracks.adopt([track]) });
  container.append(h('p', { class: 'lead' }, s.lead), uploads.element, tracks.element, releases.element);
  tracks.load();
  return () => {
    controller.abort();
    uploads.cleanup();
  };
}
