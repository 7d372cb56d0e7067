// The page around the views: skip link, header with the main navigation,
// a line about writes waiting for the network, the <main> landmark views
// render into, the player bar and a live region.

import { h } from './dom.js';
import { t } from './strings.js';
import * as store from './store.js';
import * as outbox from './outbox.js';
import { renderPlayerBar } from './components/playerbar.js';

export function renderShell(root) {
  const account = h('ul', { class: 'account-links' });
  const navigation = h('nav', { 'aria-label': t.nav.label, class: 'main-nav' },
    h('ul', {},
      [['/', t.nav.home], ['/search', t.nav.search], ['/library', t.nav.library], ['/radio', t.nav.radio], ['/discover', t.nav.discover], ['/messages', t.nav.messages], ['/events', t.nav.events]]
        .map(([href, label]) => h('li', {}, h('a', { href }, label)))));
  const main = h('main', { id: 'main', tabindex: '-1' });
  const waiting = h('p', { class: 'outbox-waiting', role: 'status' });
  const refused = h('div', { class: 'outbox-failed' });
  const outboxNotice = h('div', { class: 'outbox-notice' }, waiting, refused);
  const playerRegion = h('section', { class: 'player-bar', 'aria-label': t.player.region });
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#main' }, t.skipToContent),
    h('header', { class: 'site-header' },
      h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), t.appName),
      navigation,
      h('nav', { 'aria-label': t.settings.account, class: 'account-nav' }, account)),
    outboxNotice,
    main,
    h('footer', { class: 'site-footer' }, playerRegion),
    h('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' }));

  const updateAccount = ({ user, unreadNotifications }) => {
    account.replaceChildren(...(user
      ? [
          h('li', {}, h('a', { href: '/notifications' }, unreadNotifications > 0 ? t.nav.notificationsUnread(unreadNotifications) : t.nav.notifications)),
          h('li', {}, h('a', { href: '/settings' }, t.nav.settings)),
          user.role === 'artist' ? h('li', {}, h('a', { href: '/studio' }, t.nav.artistStudio)) : null,
          user.role === 'artist' || user.role === 'venue' ? h('li', {}, h('a', { href: '/studio/analytics' }, t.analytics.title)) : null,
          user.role === 'venue' ? h('li', {}, h('a', { href: '/studio/events' }, t.nav.venueStudio)) : null,
          user.role === 'admin' ? h('li', {}, h('a', { href: '/moderation' }, t.moderation.title)) : null,
          user.role === 'admin' ? h('li', {}, h('a', { href: '/admin' }, t.admin.title)) : null,
        ].filter(Boolean)
      : [
          h('li', {}, h('a', { href: '/sign-in' }, t.nav.signIn)),
          h('li', {}, h('a', { href: '/register' }, t.nav.register)),
        ]));
    markCurrent();
  };
  store.subscribe(updateAccount);
  updateAccount(store.get());

  // Plays, likes and messages made offline (outbox.js): how many still wait, and any the server refused later.
  const updateOutbox = ({ outboxWaiting, outboxFailed }) => {
    waiting.textContent = outboxWaiting > 0 ? t.outbox.waiting(outboxWaiting) : '';
    if ((refused.firstChild?.textContent ?? null) === outboxFailed) return;
    refused.replaceChildren(...(outboxFailed
      ? [h('p', { role: 'alert' }, outboxFailed), h('button', { type: 'button', onclick: outbox.dismissFailure }, t.outbox.dismiss)]
      : []));
  };
  store.subscribe(updateOutbox);
  updateOutbox(store.get());

  // Both navigations: the account links (Settings, Analytics, Admin…) are pages too.
  // The link of the longest path the page is at or below is current (/studio/events is Venue studio's, not Artist studio's).
  function markCurrent() {
    const links = [...root.querySelectorAll('.site-header nav a')].map((link) => [link, new URL(link.href).pathname]);
    const under = (path) => (path === '/' ? location.pathname === '/' : location.pathname === path || location.pathname.startsWith(`${path}/`));
    const best = links.map(([, path]) => path).filter(under).sort((a, b) => b.length - a.length)[0];
    for (const [link, path] of links) {
      if (path === best) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }
  // The router replaces main's children on every navigation.
  new MutationObserver(markCurrent).observe(main, { childList: true });
  markCurrent();

  renderPlayerBar(playerRegion);
  return main;
}
