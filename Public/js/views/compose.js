// The first message to someone: sending it creates the direct conversation,
// which then opens.

import { h } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { navigate, setTitle } from '../router.js';
import { loading, failure, failedPage } from '../components/states.js';

export function render(container, { params }) {
  const controller = new AbortController();
  const { signal } = controller;
  const load = async () => {
    container.replaceChildren(loading());
    try {
      const profile = await api.get(`/users/${encodeURIComponent(params.username)}`, { signal });
      if (signal.aborted) return;
      const text = h('textarea', { id: 'message-text', name: 'text', rows: '3', maxlength: '4000', required: true });
      const errors = h('div');
      const submit = h('button', { type: 'submit', class: 'primary' }, t.messages.send);
      const form = h('form', { class: 'chat-form' }, h('label', { for: 'message-text' }, t.messages.messageLabel), text, errors, submit);
      const clientMessageId = crypto.randomUUID();
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!text.value.trim()) return;
        submit.disabled = true;
        errors.replaceChildren();
        try {
          // One id for this message however often it is retried.
          const sent = await api.post('/messages', { to: profile.id, clientMessageId, text: text.value.trim() });
          navigate(`/messages/${encodeURIComponent(sent.conversationId)}`, { replace: true });
        } catch (error) {
          errors.replaceChildren(failure(error));
          submit.disabled = false;
        }
      });
      container.replaceChildren(
        h('p', {}, h('a', { href: '/messages' }, t.messages.back)),
        h('h1', {}, t.messages.sendTo(profile.displayName)),
        form);
      setTitle(t.messages.sendTo(profile.displayName));
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
    }
  };
  load();
  return () => controller.abort();
}
