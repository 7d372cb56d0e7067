// A Jam (/jam/<id>; its host shares /jam/<id>?code=<code>): its host, what
// plays, who listens, the link to invite more ("Copy Jam link") and "Leave
// Jam". Someone arriving by the link first sees "Join Jam". The session itself
// lives in jam.js, so it goes on while the listener browses elsewhere; this
// view redraws its parts as the session's frames arrive.

import { h, announce } from '../dom.js';
import { t } from '../strings.js';
import * as jam from '../jam.js';
import * as store from '../store.js';
import { setTitle, setQuery } from '../router.js';
import { loading, failure, failedPage, empty } from '../components/states.js';
import { trackPath, userPath } from '../components/tracklist.js';

/** The clipboard, or a rejection when this browser will not write to it (soon). */
function copyText(text) {
  if (!navigator.clipboard?.writeText) return Promise.reject(new Error('no clipboard'));
  return Promise.race([
    navigator.clipboard.writeText(text),
    new Promise((_, reject) => { setTimeout(() => reject(new Error('clipboard timeout')), 2000); }),
  ]);
}

/** A refusal in the Jam's words: an ended Jam and a wrong code are one and the same 404. */
function jamError(error) {
  if (error?.status === 404) return { message: t.jam.gone, status: 404 };
  if (error?.code === 'jam_full') return { message: t.jam.full, status: error.status };
  return error;
}

export function render(container, { params, query }) {
  const id = params.jamId;
  const code = query.get('code');
  let closed = false;
  let leaving = false;
  let paintSession = null;

  const mine = () => {
    const session = jam.state();
    return session && session.id === id ? session : null;
  };

  const homeLink = () => h('p', {}, h('a', { href: '/' }, t.jam.goHome));

  const showEnded = () => {
    paintSession = null;
    container.replaceChildren(h('h1', {}, t.jam.ended), empty(t.jam.endedLead, homeLink()));
    setTitle(t.jam.ended);
  };

  const showLeft = (wasHost) => {
    paintSession = null;
    const said = wasHost ? t.jam.youEnded : t.jam.youLeft;
    container.replaceChildren(h('h1', {}, said), homeLink());
    setTitle(said);
  };

  const showJoin = () => {
    paintSession = null;
    const errors = h('div');
    const button = h('button', { type: 'button', class: 'primary' }, t.jam.join);
    button.addEventListener('click', async () => {
      button.disabled = true;
      errors.replaceChildren();
      try {
        await jam.join(id, code);
        if (closed) return;
        // The code has done its job; a reload reads the Jam as a member.
        setQuery({ code: null });
        if (mine()?.ended) showEnded();
        else showSession();
      } catch (error) {
        if (closed) return;
        button.disabled = false;
        errors.replaceChildren(failure(jamError(error)));
      }
    });
    container.replaceChildren(
      h('h1', {}, t.jam.joinTitle),
      h('p', { class: 'lead' }, t.jam.joinLead),
      h('div', { class: 'button-row' }, button),
      errors);
    setTitle(t.jam.joinTitle);
  };

  const showSession = () => {
    const heading = h('h1', {});
    const lead = h('p', { class: 'lead' });
    const host = h('dd', {});
    const nowPlaying = h('div', { class: 'jam-now' });
    const listenersHeading = h('h2', { id: 'jam-listeners' });
    const listeners = h('ul', { class: 'jam-members', 'aria-labelledby': 'jam-listeners' });
    const linkBox = h('input', { type: 'text', id: 'jam-link', class: 'jam-link', readonly: true, value: jam.link(), 'aria-describedby': 'jam-link-hint' });
    const copy = h('button', { type: 'button' }, t.jam.copy);
    const leaveHint = h('p', { class: 'hint', id: 'jam-leave-hint' }, t.jam.leaveHostHint);
    const leave = h('button', { type: 'button' }, t.jam.leave);
    const leaveErrors = h('div');

    copy.addEventListener('click', async () => {
      try {
        await copyText(linkBox.value);
        announce(t.jam.copied);
      } catch {
        linkBox.focus();
        linkBox.select();
        announce(t.jam.copyFailed);
      }
    });
    leave.addEventListener('click', async () => {
      const wasHost = jam.isHost();
      leave.disabled = true;
      leaveErrors.replaceChildren();
      leaving = true;
      try {
        await jam.leave();
        if (!closed) showLeft(wasHost);
      } catch (error) {
        if (closed) return;
        leave.disabled = false;
        leaveErrors.replaceChildren(failure(error));
      } finally {
        leaving = false;
      }
    });

    container.replaceChildren(
      heading,
      h('p', { class: 'meta' }, t.jam.lead),
      lead,
      h('dl', { class: 'facts' }, h('dt', {}, t.jam.host), host),
      h('section', { 'aria-labelledby': 'jam-now-heading' }, h('h2', { id: 'jam-now-heading' }, t.jam.nowPlaying), nowPlaying),
      h('section', { 'aria-labelledby': 'jam-listeners' }, listenersHeading, listeners),
      h('section', { 'aria-labelledby': 'jam-invite' },
        h('h2', { id: 'jam-invite' }, t.jam.invite),
        h('div', { class: 'field' }, h('label', { for: 'jam-link' }, t.jam.linkLabel), linkBox),
        h('p', { class: 'hint', id: 'jam-link-hint' }, t.jam.inviteHint),
        h('div', { class: 'button-row' }, copy)),
      h('div', { class: 'button-row jam-leave' }, leave),
      leaveHint,
      leaveErrors);

    let shownTrack = null;
    let shownPeople = '';
    paintSession = (session) => {
      const isHost = jam.isHost();
      heading.textContent = t.jam.title(session.host.displayName);
      lead.textContent = isHost ? t.jam.hostLead : t.jam.memberLead(session.host.displayName);
      leaveHint.hidden = !isHost;
      if (isHost) leave.setAttribute('aria-describedby', 'jam-leave-hint');
      else leave.removeAttribute('aria-describedby');
      if (linkBox.value !== jam.link()) linkBox.value = jam.link();
      document.title = `${heading.textContent} · ${t.appName}`;

      // Who is in it is redrawn only when it changes, so the focus stays on a listener's link while the music moves on.
      const me = store.get().user?.id;
      const people = [session.host.id, ...session.members.map((member) => `${member.id}:${member.displayName}`)].join();
      if (people !== shownPeople) {
        shownPeople = people;
        host.replaceChildren(h('a', { href: userPath(session.host) }, session.host.displayName));
        listenersHeading.textContent = t.jam.listeners(session.members.length);
        listeners.replaceChildren(...session.members.map((member) => {
          const badges = [member.id === session.host.id ? t.jam.hostBadge : null, member.id === me ? t.jam.you : null].filter(Boolean);
          return h('li', {}, h('a', { href: userPath(member) }, member.displayName), badges.length ? h('span', { class: 'meta' }, ` (${badges.join(', ')})`) : null);
        }));
      }

      const trackId = session.trackIds[session.index];
      const status = session.playing ? t.jam.playing : t.jam.paused;
      if (!trackId) {
        shownTrack = null;
        nowPlaying.replaceChildren(empty(t.jam.nothing));
        return;
      }
      if (shownTrack === trackId) {
        const shownStatus = nowPlaying.querySelector('.jam-status');
        if (shownStatus) shownStatus.textContent = status;
        return;
      }
      shownTrack = trackId;
      nowPlaying.replaceChildren(loading());
      jam.track(trackId).then((track) => {
        if (shownTrack !== trackId || closed) return;
        nowPlaying.replaceChildren(
          h('p', { class: 'jam-track' },
            h('a', { href: trackPath(track), class: 'track-title' }, track.title), ' ',
            track.artist ? h('span', { class: 'track-artist' }, t.jam.by(track.artist.displayName)) : null),
          h('p', { class: 'meta jam-status' }, jam.state()?.playing ? t.jam.playing : t.jam.paused));
      }).catch((error) => {
        if (shownTrack !== trackId || closed) return;
        shownTrack = null;
        nowPlaying.replaceChildren(failure(error));
      });
    };
    paintSession(mine());
    setTitle(heading.textContent);
  };

  const unsubscribe = jam.subscribe((session) => {
    if (!paintSession || leaving || closed) return;
    const current = session && session.id === id ? session : null;
    // Gone here without the Leave button: the listener played something else (or joined another Jam).
    if (!current) showLeft(false);
    else if (current.ended) showEnded();
    else paintSession(current);
  });

  const load = async () => {
    container.replaceChildren(loading());
    try {
      await jam.open(id);
      if (closed) return;
      if (!mine() || mine().ended) showEnded();
      else showSession();
    } catch (error) {
      if (closed) return;
      container.replaceChildren(...failedPage(jamError(error), load));
      setTitle(error?.status === 404 ? t.notFound.title : t.errors.pageFailed);
    }
  };

  const current = mine();
  if (current && !current.ended) {
    showSession();
  } else if (code) {
    showJoin();
  } else {
    load();
  }
  return () => {
    closed = true;
    unsubscribe();
  };
}
