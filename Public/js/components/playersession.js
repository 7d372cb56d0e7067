// The player bar's line about listening beyond this page: the Jam this player
// is in (with a link to it), or playback on another of the user's devices
// ("Playing on another device", "Continue here"); and the queue's "Start a Jam".

import { h, announce } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import * as jam from '../jam.js';
import * as handoff from '../handoff.js';
import * as player from '../player.js';
import { navigate } from '../router.js';

/** The line, hidden while there is nothing to say. */
export function playerSession() {
  const jamNote = h('span', { class: 'session-note' });
  const jamLink = h('a', { class: 'session-link' }, t.jam.open);
  const jamPart = h('p', { class: 'session-part', hidden: true }, jamNote, ' ', jamLink);

  const deviceNote = h('span', { id: 'handoff-note', class: 'session-note' });
  const continueHere = h('button', { type: 'button', class: 'control', 'aria-describedby': 'handoff-note' }, t.handoff.continueHere);
  const devicePart = h('p', { class: 'session-part', hidden: true }, deviceNote, ' ', continueHere);
  continueHere.addEventListener('click', async () => {
    try {
      await handoff.takeOver();
    } catch (error) {
      announce(error.message || t.handoff.failed);
    }
  });

  const element = h('div', { class: 'player-session', hidden: true }, jamPart, devicePart);
  const paint = () => {
    const session = jam.state();
    const inJam = Boolean(session && !session.ended);
    jamPart.hidden = !inJam;
    if (inJam) {
      jamNote.textContent = jam.isHost() ? t.jam.hosting : t.jam.listeningWith(session.host.displayName);
      jamLink.setAttribute('href', `/jam/${encodeURIComponent(session.id)}`);
    }
    const { elsewhere, offer, taking } = handoff.state();
    devicePart.hidden = inJam || !(elsewhere || offer);
    if (elsewhere) deviceNote.textContent = t.handoff.elsewhere;
    else if (offer) deviceNote.textContent = offer.track ? t.handoff.offer(offer.track.title) : t.handoff.offerUnnamed;
    continueHere.disabled = taking;
    element.hidden = jamPart.hidden && devicePart.hidden;
  };
  jam.subscribe(paint);
  handoff.subscribe(paint);
  return element;
}

/** "Start a Jam" from the queue, shown while signed in, out of a Jam, with something queued. */
export function startJamButton() {
  const button = h('button', { type: 'button', class: 'control start-jam' }, t.jam.start);
  let starting = false;
  button.addEventListener('click', async () => {
    starting = true;
    paint();
    try {
      const session = await jam.start();
      if (session) {
        // Done with the queue for now: the Jam's page (and its link to share) takes the focus.
        button.closest('details')?.removeAttribute('open');
        navigate(`/jam/${encodeURIComponent(session.id)}`);
      }
    } catch (error) {
      announce(error.message || t.jam.startFailed);
    } finally {
      starting = false;
      paint();
    }
  });
  const paint = () => {
    const session = jam.state();
    const now = player.state();
    button.hidden = !api.isSignedIn() || Boolean(session && !session.ended) || now.following || now.queue.length === 0;
    button.disabled = starting;
  };
  jam.subscribe(paint);
  player.subscribe(paint);
  api.onToken(paint);
  return button;
}
