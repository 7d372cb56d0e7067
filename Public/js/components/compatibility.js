// "Compatibility" on someone else's profile: how alike your taste and theirs
// are and what you share, with "Make a blend" (a private playlist mixing
// both); or, when either of you has taste matching off, why in words (with a
// way to Settings when it is yours; the server's reason when it is theirs),
// not an error.

import { h, announce } from '../dom.js';
import { t, formatPercent } from '../strings.js';
import * as api from '../api.js';
import { loading, failure } from './states.js';
import { trackList, userPath } from './tracklist.js';
import { playlistPath } from './playlistlist.js';

function blendButton(profile, signal) {
  const button = h('button', { type: 'button', class: 'primary', 'aria-describedby': 'blend-hint' }, t.profile.makeBlend);
  const status = h('div', { role: 'status' });
  const errors = h('div');
  let busy = false;
  button.addEventListener('click', async () => {
    if (busy) return;
    busy = true;
    // aria-disabled, not disabled: the focus stays on the button.
    button.setAttribute('aria-disabled', 'true');
    errors.replaceChildren();
    status.replaceChildren(h('p', {}, t.profile.makingBlend));
    try {
      const playlist = await api.post(`/users/${encodeURIComponent(profile.username)}/blend`, undefined, { signal });
      status.replaceChildren(h('p', {}, t.profile.blendReady, ' ', h('a', { href: playlistPath(playlist) }, playlist.title)));
      announce(t.profile.blendMade(playlist.title));
    } catch (error) {
      if (signal.aborted || error.name === 'AbortError') return;
      status.replaceChildren();
      errors.replaceChildren(failure(error));
    } finally {
      busy = false;
      button.removeAttribute('aria-disabled');
    }
  });
  return [
    h('div', { class: 'button-row' }, button),
    h('p', { class: 'hint', id: 'blend-hint' }, t.profile.blendHint(profile.displayName)),
    status, errors,
  ];
}

function match(result, profile, signal) {
  const artists = result.sharedArtists ?? [];
  const tracks = result.sharedTracks ?? [];
  return [
    h('p', { class: 'compatibility-percent' }, t.profile.compatibilityPercent(formatPercent(result.percent / 100), profile.displayName)),
    artists.length ? [
      h('h3', {}, t.profile.sharedArtists),
      h('ul', { class: 'inline-list' }, artists.map((artist) => h('li', {}, h('a', { href: userPath(artist) }, artist.displayName ?? artist.username)))),
    ] : null,
    tracks.length ? [h('h3', {}, t.profile.sharedTracks), trackList(tracks)] : null,
    artists.length || tracks.length ? null : h('p', { class: 'meta' }, t.profile.sharedNothing),
    blendButton(profile, signal),
  ];
}

/** The section, loading itself. */
export function compatibilitySection(profile, { signal }) {
  const body = h('div', { class: 'stack' });
  const refused = (message, settingsLink) => h('div', { class: 'state state-refused' },
    h('p', {}, message),
    settingsLink ? h('p', {}, h('a', { href: '/settings' }, t.profile.turnOnTasteMatching)) : null);
  const load = async () => {
    body.replaceChildren(loading());
    try {
      // Your own choice first: with taste matching off nothing is compared, and nothing is asked.
      const mine = await api.get('/me/discovery-settings', { signal });
      if (signal.aborted) return;
      if (!mine.tasteMatching) {
        body.replaceChildren(refused(t.profile.tasteMatchingYoursOff(profile.displayName), true));
        return;
      }
      const result = await api.get(`/users/${encodeURIComponent(profile.username)}/compatibility`, { signal });
      if (signal.aborted) return;
      body.replaceChildren(...match(result, profile, signal).flat(Infinity).filter(Boolean));
    } catch (error) {
      if (signal.aborted || error.name === 'AbortError') return;
      // Their choice (or yours, changed in another tab): the server's reason, said as a message, not an error.
      if (error.code === 'taste_matching_off') body.replaceChildren(refused(error.message, false));
      else body.replaceChildren(failure(error, load));
    }
  };
  load();
  return h('section', { 'aria-labelledby': 'profile-compatibility', class: 'compatibility' },
    h('h2', { id: 'profile-compatibility' }, t.profile.compatibility), body);
}
