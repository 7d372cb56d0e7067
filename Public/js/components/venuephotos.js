// A venue's photos: the gallery of its public profile, and in Settings the
// venue's own list with "Add a venue photo" (several files, sent one by one,
// each with its own status and refusal) and "Remove photo <n>". Photos come
// with their width and height, so the page keeps their room while they load.

import { h, announce } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { failure, section } from './states.js';

/** The server keeps at most this many photos of a venue (409 too_many_photos past it). */
const most = 8;
const accept = 'image/png,image/jpeg,image/webp,.png,.jpg,.jpeg,.webp';

/** Photo `n` (counted from 1) of `venue` as an <img> that takes its room before it loads. */
function photoImage(photo, n, venue) {
  return h('img', {
    src: photo.url, alt: t.profile.photoAlt(n, venue), width: String(photo.width), height: String(photo.height),
    loading: 'lazy', decoding: 'async', class: 'venue-photo',
  });
}

/** The public gallery of a venue's photos (a list, in their order). */
export function photoGallery(photos, venue) {
  return h('ul', { class: 'photo-grid', 'aria-labelledby': 'venue-photos' },
    photos.map((photo, at) => h('li', {}, photoImage(photo, at + 1, venue))));
}

/** Settings' "Photos of your venue" for a venue account. */
export function venuePhotoEditor() {
  const s = t.venuePhotos;
  const body = h('div', { class: 'stack' });
  section(body, () => api.get('/me'), editor);
  return h('section', { class: 'stack', 'aria-labelledby': 'venue-photos-heading' },
    h('h2', { id: 'venue-photos-heading' }, s.title), h('p', {}, s.lead(most)), body);
}

function editor(profile) {
  const s = t.venuePhotos;
  const venue = profile.displayName;
  let photos = profile.venue?.photos ?? [];

  const counted = h('p', { id: 'venue-photos-count', class: 'meta' });
  const listHeading = h('h3', { id: 'venue-photos-yours', tabindex: '-1' }, s.yours);
  const list = h('ul', { class: 'photo-grid', 'aria-labelledby': 'venue-photos-yours' });
  const errors = h('div');
  const input = h('input', { id: 'venue-photo-files', type: 'file', multiple: true, accept, 'aria-describedby': 'venue-photo-hint venue-photos-count' });
  const sentList = h('ul', { class: 'card-list upload-list', 'aria-labelledby': 'venue-photo-uploads' });
  const sent = h('div', { class: 'stack', hidden: true }, h('h3', { id: 'venue-photo-uploads' }, s.uploads), sentList);

  const keep = (next) => {
    photos = next;
    // The signed-in profile keeps the same photos, so other views read them right.
    const user = store.get().user;
    if (user) store.set({ user: { ...user, venue: { ...(user.venue ?? {}), photos } } });
    paint();
  };

  const row = (photo, at) => {
    const remove = h('button', { type: 'button' }, s.remove(at + 1));
    remove.addEventListener('click', async () => {
      errors.replaceChildren();
      remove.disabled = true;
      try {
        await api.del(`/me/venue-photos/${encodeURIComponent(photo.id)}`);
      } catch (error) {
        remove.disabled = false;
        errors.replaceChildren(failure(error));
        return;
      }
      keep(photos.filter((kept) => kept.id !== photo.id));
      announce(s.removed(at + 1));
      // The focus goes to the photo that took this one's place, else to the list's heading.
      const buttons = list.querySelectorAll('button');
      (buttons[Math.min(at, buttons.length - 1)] ?? listHeading).focus();
    });
    return h('li', { class: 'stack' }, photoImage(photo, at + 1, venue), remove);
  };

  function paint() {
    counted.textContent = photos.length >= most ? s.full(most) : s.counted(photos.length, most);
    list.replaceChildren(...(photos.length ? photos.map(row) : [h('li', { class: 'hint' }, s.none)]));
  }

  // One file at a time, in the order chosen: the limit is counted as each one lands.
  let queue = Promise.resolve();
  const enqueue = (file) => {
    const said = h('p', { class: 'meta' }, s.waiting);
    const outcome = h('div');
    sentList.append(h('li', { class: 'card stack upload' }, h('p', { class: 'card-title' }, file.name), said, outcome));
    queue = queue.then(async () => {
      said.textContent = s.uploading;
      try {
        const answer = await api.upload('/me/venue-photos', file);
        said.textContent = s.added;
        announce(s.addedNamed(file.name));
        keep(answer.items);
      } catch (error) {
        said.textContent = '';
        outcome.replaceChildren(failure({ message: s.failed(file.name, error.message) }));
      }
    });
  };
  input.addEventListener('change', () => {
    const chosen = [...input.files];
    // The same file can be chosen again (after removing it, say).
    input.value = '';
    if (!chosen.length) return;
    sent.hidden = false;
    chosen.forEach(enqueue);
  });

  paint();
  return h('div', { class: 'stack' },
    h('div', { class: 'field' },
      h('label', { for: 'venue-photo-files' }, s.add), input,
      h('p', { id: 'venue-photo-hint', class: 'hint' }, s.addHint)),
    counted, sent, listHeading, list, errors);
}
