// The first message to someone: sending it creates the direct conversation,
// which then opens. Written without a network, it waits in the outbox (shown
// here as waiting, also after a reload) and the conversation opens once it is sent.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import * as outbox from '../outbox.js';
import { navigate, setTitle } from '../router.js';
import { loading, failure, failedPage } from '../components/states.js';

export function render(container, { params }) {
  const controller = new AbortController();
  const { signal } = controller;
  /** The clientMessageIds of this person's messages waiting in the outbox. */
  const waiting = new Set();
  let profileId = null;
  const list = h('ol', { class: 'chat', 'aria-live': 'polite', 'aria-relevant': 'additions' });

  const addWaiting = ({ clientMessageId, text }) => {
    if (waiting.has(clientMessageId)) return;
    waiting.add(clientMessageId);
    list.append(h('li', { class: 'bubble mine waiting' },
      h('p', { class: 'sender' }, t.messages.you),
      h('p', { class: 'text' }, text),
      h('p', { class: 'meta' }, t.messages.waiting)));
  };
  const opened = (conversationId) => navigate(`/messages/${encodeURIComponent(conversationId)}`, { replace: true });

  const load = async () => {
    container.replaceChildren(loading());
    try {
      const profile = await api.get(`/users/${encodeURIComponent(params.username)}`, { signal });
      if (signal.aborted) return;
      profileId = profile.id;
      const text = h('textarea', { id: 'message-text', name: 'text', rows: '3', maxlength: '4000', required: true });
      const errors = h('div');
      const submit = h('button', { type: 'submit', class: 'primary' }, t.messages.send);
      const form = h('form', { class: 'chat-form' }, h('label', { for: 'message-text' }, t.messages.messageLabel), text, errors, submit);
      // One id for this message however often it is retried; a new one once it waits in the outbox.
      let clientMessageId = crypto.randomUUID();
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!text.value.trim()) return;
        submit.disabled = true;
        errors.replaceChildren();
        const message = { to: profile.id, clientMessageId, text: text.value.trim() };
        try {
          const answer = await outbox.send('message', 'POST', '/messages', message);
          if (signal.aborted) return;
          if (!answer.queued) {
            opened(answer.conversationId);
            return;
          }
          addWaiting(message);
          clientMessageId = crypto.randomUUID();
          text.value = '';
        } catch (error) {
          errors.replaceChildren(failure(error));
        }
        submit.disabled = false;
        text.focus();
      });
      container.replaceChildren(
        h('p', {}, h('a', { href: '/messages' }, t.messages.back)),
        h('h1', {}, t.messages.sendTo(profile.displayName)),
        list,
        form);
      setTitle(t.messages.sendTo(profile.displayName));
      const unsent = await outbox.waiting().catch(() => []);
      if (signal.aborted) return;
      for (const entry of unsent) if (entry.kind === 'message' && entry.body.to === profile.id) addWaiting(entry.body);
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
    }
  };

  // A waiting first message was sent (by this tab or another): the conversation exists now.
  const off = outbox.onSent((entry, answer) => {
    if (entry.kind === 'message' && entry.body.to === profileId && answer?.conversationId) opened(answer.conversationId);
  });
  load();
  return () => {
    controller.abort();
    off();
  };
}
