// A profile: an artist's tracks, "Start radio" from them, similar artists and
// top fans, a venue's address, capacity, opening hours, photos and shows, anyone's public playlists and achievements, bio,
// links and follow button; on someone else's, how alike your taste is.

import { h, safeURL } from '../dom.js';
import { t, formatDate } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { navigate, setTitle } from '../router.js';
import { loading, failure, failedPage, section } from '../components/states.js';
import { trackList, userPath } from '../components/tracklist.js';
import { eventList } from '../components/eventlist.js';
import { playlistList } from '../components/playlistlist.js';
import { rankedUsers } from '../components/rankedlist.js';
import { compatibilitySection } from '../components/compatibility.js';
import { photoGallery } from '../components/venuephotos.js';

async function isFollowing(me, username, signal) {
  const page = await api.get(`/users/${encodeURIComponent(me)}/following?limit=100`, { signal });
  return page.items.some((entry) => entry.user.username.toLowerCase() === username.toLowerCase());
}

function followButton(profile, initiallyFollowing, followers) {
  let following = initiallyFollowing;
  const button = h('button', { type: 'button', class: 'primary', 'aria-pressed': String(following) });
  const paint = () => {
    button.textContent = following ? t.profile.unfollow : t.profile.follow;
    button.setAttribute('aria-pressed', String(following));
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const path = `/users/${encodeURIComponent(profile.username)}/follow`;
      const result = following ? await api.del(path) : await api.put(path);
      following = result ? result.following : !following;
      if (result) followers.textContent = t.profile.followers(result.followerCount);
      paint();
    } catch (error) {
      button.after(failure(error));
    } finally {
      button.disabled = false;
    }
  });
  paint();
  return button;
}

/** Artists who sound like this one, each with why. */
function similarArtists(page) {
  return h('ul', { class: 'card-list' }, page.items.map(({ artist, reason }) => h('li', { class: 'card' },
    h('p', { class: 'card-title' }, h('a', { href: userPath(artist) }, artist.displayName ?? artist.username)),
    reason ? h('p', { class: 'meta' }, reason) : null)));
}

/** A venue's address, capacity and opening hours (those it gave), then its photos. */
function venueDetails(profile) {
  const s = t.profile;
  const details = profile.venue ?? {};
  const facts = [
    details.address ? [s.address, details.address] : null,
    Number.isFinite(details.capacity) ? [s.capacity, s.capacityValue(details.capacity)] : null,
    details.openingHours ? [s.openingHours, details.openingHours] : null,
  ].filter(Boolean);
  const photos = details.photos ?? [];
  return [
    facts.length ? h('section', { 'aria-labelledby': 'venue-details' },
      h('h2', { id: 'venue-details' }, s.venue),
      h('dl', { class: 'facts venue-facts' }, facts.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]))) : null,
    photos.length ? h('section', { 'aria-labelledby': 'venue-photos' },
      h('h2', { id: 'venue-photos' }, s.photos), photoGallery(photos, profile.displayName)) : null,
  ];
}

/** What the user earned, oldest first, each with its date. */
function achievements(page) {
  return h('ul', { class: 'card-list' }, page.items.map((item) => h('li', { class: 'card' },
    h('p', { class: 'card-title' }, item.title),
    h('p', { class: 'meta' }, h('time', { datetime: item.earnedAt }, t.profile.earnedOn(formatDate(item.earnedAt)))))));
}

export function render(container, { params }) {
  const controller = new AbortController();
  const { signal } = controller;
  const username = params.username;
  const load = async () => {
    container.replaceChildren(loading());
    try {
      const me = store.get().user;
      const [profile, following] = await Promise.all([
        api.get(`/users/${encodeURIComponent(username)}`, { signal }),
        me && me.username.toLowerCase() !== username.toLowerCase() ? isFollowing(me.username, username, signal) : Promise.resolve(false),
      ]);
      if (signal.aborted) return;
      const followers = h('span', {}, t.profile.followers(profile.followerCount));
      const links = profile.links.map((link) => ({ ...link, href: safeURL(link.url) })).filter((link) => link.href);
      const more = h('div');
      const own = me && me.id === profile.id;
      const actions = [];
      if (me && !own) {
        actions.push(followButton(profile, following, followers),
          h('a', { href: `/messages/to/${encodeURIComponent(profile.username)}`, class: 'button-link' }, t.messages.sendTo(profile.displayName)));
      }
      if (me && profile.role === 'artist') {
        actions.push(h('button', { type: 'button', onclick: () => navigate(`/radio?artist=${encodeURIComponent(profile.username)}`) }, t.radio.start));
      }
      container.replaceChildren(h('article', { class: 'profile' },
        h('p', { class: 'eyebrow' }, t.profile.roles[profile.role] ?? profile.role, profile.verified ? ` · ${t.profile.verified}` : ''),
        h('h1', {}, profile.displayName),
        h('p', { class: 'meta' }, `@${profile.username}`, profile.city ? ` · ${profile.city}` : ''),
        h('p', { class: 'meta' }, followers, ' · ', t.profile.following(profile.followingCount)),
        own ? h('p', {}, t.profile.you) : null,
        actions.length ? h('div', { class: 'button-row' }, actions) : null,
        profile.bio ? h('p', { class: 'bio' }, profile.bio) : null,
        links.length ? h('ul', { class: 'links', 'aria-label': t.profile.links },
          links.map((link) => h('li', {}, h('a', { href: link.href, rel: 'noopener noreferrer nofollow', target: '_blank' }, link.label)))) : null,
        more));
      setTitle(profile.displayName);
      if (me && !own) more.append(compatibilitySection(profile, { signal }));
      if (profile.role === 'artist') {
        const list = h('div');
        more.append(h('h2', {}, t.profile.tracks), list);
        section(list, () => api.get(`/users/${encodeURIComponent(profile.username)}/tracks?limit=50`, { signal }),
          (page) => trackList(page.items, { showArtist: false, source: 'artist' }),
          { isEmpty: (page) => page.items.length === 0, emptyMessage: t.track.empty, signal });
        const similar = h('div');
        more.append(h('section', { 'aria-labelledby': 'similar-artists' }, h('h2', { id: 'similar-artists' }, t.profile.similarArtists), similar));
        section(similar, () => api.get(`/artists/${encodeURIComponent(profile.username)}/similar?limit=10`, { signal }), similarArtists,
          { isEmpty: (page) => page.items.length === 0, emptyMessage: t.profile.similarArtistsEmpty, signal });
        const fans = h('div');
        more.append(h('section', { 'aria-labelledby': 'top-fans' },
          h('h2', { id: 'top-fans' }, t.profile.topFans), h('p', { class: 'hint' }, t.profile.topFansLead), fans));
        section(fans, () => api.get(`/artists/${encodeURIComponent(profile.username)}/top-fans?limit=10`, { signal }),
          (page) => rankedUsers(page.items.map((entry) => ({ user: entry.fan, count: t.profile.fanPlays(entry.plays) }))),
          { isEmpty: (page) => page.items.length === 0, emptyMessage: t.profile.topFansEmpty, signal });
      } else if (profile.role === 'venue') {
        const list = h('div');
        more.append(...venueDetails(profile).filter(Boolean), h('h2', {}, t.profile.events), list);
        section(list, () => api.get(`/events?venue=${encodeURIComponent(profile.username)}`, { signal }), (page) => eventList(page.items),
          { isEmpty: (page) => page.items.length === 0, emptyMessage: t.profile.eventsEmpty, signal });
      }
      const playlists = h('div');
      more.append(h('h2', {}, t.profile.playlists), playlists);
      section(playlists, () => api.get(`/users/${encodeURIComponent(profile.username)}/playlists?limit=50`, { signal }),
        (page) => playlistList(page.items),
        { isEmpty: (page) => page.items.length === 0, emptyMessage: t.profile.playlistsEmpty, signal });
      const earned = h('div');
      more.append(h('section', { 'aria-labelledby': 'profile-achievements' },
        h('h2', { id: 'profile-achievements' }, t.profile.achievements), earned));
      section(earned, () => api.get(`/users/${encodeURIComponent(profile.username)}/achievements`, { signal }), achievements,
        { isEmpty: (page) => page.items.length === 0, emptyMessage: t.profile.achievementsEmpty, signal });
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
    }
  };
  load();
  return () => controller.abort();
}
