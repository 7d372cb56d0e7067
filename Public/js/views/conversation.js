// One conversation: its history, new messages live over the socket, typing,
// read receipts, and a form to send (over the socket, or REST when it is down;
// without a network a message waits in the outbox, shown as waiting, and is
// sent once the network is back).

import { h } from '../dom.js';
import { t, formatDateTime } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import * as realtime from '../realtime.js';
import * as outbox from '../outbox.js';
import { setTitle } from '../router.js';
import { loading, failure, failedPage, empty } from '../components/states.js';
import { conversationName } from './messages.js';

export function render(container, { params }) {
  const controller = new AbortController();
  const { signal } = controller;
  const id = params.conversationId;
  const me = store.get().user;
  const offs = [];
  let members = new Map();
  let readSeqs = new Map();
  let lastSeq = 0;
  const shown = new Set();
  /** Messages written offline, by clientMessageId: their bubbles, until the message is sent. */
  const waiting = new Map();
  const sentIds = new Set();
  const list = h('ol', { class: 'chat', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const typing = h('p', { class: 'meta typing', 'aria-live': 'polite' });
  const receipt = h('p', { class: 'meta receipt' });
  const errors = h('div');

  // An erased account's messages stay as tombstones from the reserved "Deleted user" (the nil id).
  const erased = '00000000-0000-0000-0000-000000000000';
  const nameOf = (userId) => (userId === me.id ? t.messages.you
    : userId === erased ? t.messages.deletedUser : members.get(userId)?.displayName ?? '');

  const updateReceipt = () => {
    const mine = [...shown.values()].filter((entry) => entry.senderId === me.id).map((entry) => entry.seq);
    const last = Math.max(0, ...mine);
    const seen = last > 0 && [...readSeqs.entries()].some(([userId, seq]) => userId !== me.id && seq >= last);
    receipt.textContent = seen ? t.messages.seen : '';
  };

  const add = (message) => {
    if (message.clientMessageId) {
      sentIds.add(message.clientMessageId);
      waiting.get(message.clientMessageId)?.remove();
      waiting.delete(message.clientMessageId);
    }
    if ([...shown.values()].some((entry) => entry.seq === message.seq)) return;
    shown.add({ seq: message.seq, senderId: message.senderId });
    lastSeq = Math.max(lastSeq, message.seq);
    list.append(h('li', { class: message.senderId === me.id ? 'bubble mine' : 'bubble' },
      h('p', { class: 'sender' }, nameOf(message.senderId)),
      h('p', { class: message.deleted ? 'text deleted' : 'text' }, message.deleted ? t.messages.deleted : (message.text ?? '')),
      h('p', { class: 'meta' }, h('time', { datetime: message.createdAt }, formatDateTime(message.createdAt)))));
    list.lastElementChild?.scrollIntoView({ block: 'nearest' });
  };

  const addWaiting = ({ clientMessageId, text: body }) => {
    if (waiting.has(clientMessageId) || sentIds.has(clientMessageId)) return;
    container.querySelector('.state-empty')?.remove();
    const bubble = h('li', { class: 'bubble mine waiting' },
      h('p', { class: 'sender' }, t.messages.you),
      h('p', { class: 'text' }, body),
      h('p', { class: 'meta' }, t.messages.waiting));
    waiting.set(clientMessageId, bubble);
    list.append(bubble);
    bubble.scrollIntoView({ block: 'nearest' });
  };

  const markRead = () => {
    if (lastSeq === 0) return;
    const frame = { type: 'read', conversationId: id, seq: lastSeq };
    realtime.send(frame).catch(() => api.post(`/conversations/${encodeURIComponent(id)}/read`, { seq: lastSeq }).catch(() => {}));
  };

  const text = h('textarea', { id: 'message-text', name: 'text', rows: '2', maxlength: '4000', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t.messages.send);
  const form = h('form', { class: 'chat-form' },
    h('label', { for: 'message-text' }, t.messages.messageLabel), text, submit);
  let lastTyping = 0;
  text.addEventListener('input', () => {
    if (Date.now() - lastTyping < 2500) return;
    lastTyping = Date.now();
    realtime.send({ type: 'typing', conversationId: id }).catch(() => {});
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    submit.disabled = true;
    errors.replaceChildren();
    const message = { conversationId: id, clientMessageId: crypto.randomUUID(), text: body };
    try {
      // The socket while it is up and nothing waits before this message; else REST, through the outbox.
      let sent = false;
      if (navigator.onLine && realtime.isOpen() && !store.get().outboxWaiting) {
        try {
          await realtime.send({ type: 'send', ...message });
          sent = true;
        } catch (error) {
          // A socket that closed on the way: the same clientMessageId over REST cannot make a second message.
          if (error.code) throw error;
        }
      }
      if (!sent) {
        const answer = await outbox.send('message', 'POST', '/messages', message);
        if (answer.queued) addWaiting(message);
        else add({ ...answer.message, seq: answer.seq });
      }
      text.value = '';
    } catch (error) {
      errors.replaceChildren(failure(error));
    } finally {
      submit.disabled = false;
      text.focus();
    }
  });

  const load = async () => {
    container.replaceChildren(loading());
    try {
      const [detail, page] = await Promise.all([
        api.get(`/conversations/${encodeURIComponent(id)}`, { signal }),
        api.get(`/conversations/${encodeURIComponent(id)}/messages?limit=50`, { signal }),
      ]);
      if (signal.aborted) return;
      members = new Map(detail.members.map((member) => [member.user.id, member.user]));
      readSeqs = new Map(detail.members.map((member) => [member.user.id, member.readSeq]));
      const title = await conversationName(detail, signal).catch(() => t.messages.conversation);
      container.replaceChildren(...[
        h('p', {}, h('a', { href: '/messages' }, t.messages.back)),
        h('h1', {}, title),
        page.items.length ? null : empty(t.messages.noMessages),
        list, typing, receipt, errors, form].filter(Boolean));
      setTitle(title);
      page.items.forEach(add);
      const unsent = await outbox.waiting().catch(() => []);
      if (signal.aborted) return;
      // Also a message to the other person of this direct conversation, written offline from their profile.
      const mine = (body) => body.conversationId === id || (detail.kind === 'direct' && body.to !== me.id && members.has(body.to));
      for (const entry of unsent) if (entry.kind === 'message' && mine(entry.body)) addWaiting(entry.body);
      updateReceipt();
      markRead();
    } catch (error) {
      if (!signal.aborted) container.replaceChildren(...failedPage(error, load));
    }
  };

  offs.push(realtime.on('message', (frame) => {
    if (frame.conversationId !== id) return;
    container.querySelector('.state-empty')?.remove();
    add({ ...frame.message, seq: frame.seq });
    typing.textContent = '';
    if (frame.message.senderId !== me.id) markRead();
    updateReceipt();
  }));
  offs.push(outbox.onSent((entry, answer) => {
    if (entry.kind === 'message' && answer?.conversationId === id) add({ ...answer.message, seq: answer.seq });
  }));
  offs.push(realtime.on('receipt', (frame) => {
    if (frame.conversationId !== id) return;
    readSeqs.set(frame.userId, frame.seq);
    updateReceipt();
  }));
  let typingTimer = null;
  offs.push(realtime.on('typing', (frame) => {
    if (frame.conversationId !== id || frame.userId === me.id) return;
    typing.textContent = t.messages.typing(nameOf(frame.userId));
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typing.textContent = ''; }, frame.expiresInMs ?? 5000);
  }));
  load();
  return () => {
    controller.abort();
    clearTimeout(typingTimer);
    for (const off of offs) off();
  };
}

