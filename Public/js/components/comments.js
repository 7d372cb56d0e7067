// A track's comments, SoundCloud style: each may sit at a moment of the track
// (posted at the playing position or a typed time) and takes replies one level
// deep. Authors edit and delete their own; the track's artist (and an admin)
// deletes any and turns comments off. Comment text is always text.

import { h, append, announce } from '../dom.js';
import { t, formatDuration, formatRelative, formatDateTime } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import * as player from '../player.js';
import { loading, failure, empty } from './states.js';
import { userPath } from './tracklist.js';
import { onSubmit } from './form.js';

/** Seconds from "1:23", "1:02:03" or "83"; null when it is not a time. */
export function parseTime(text) {
  const value = text.trim();
  if (!/^\d+(:[0-5]?\d){0,2}$/.test(value)) return null;
  return value.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

const excerpt = (text) => (text.length > 40 ? `${text.slice(0, 39)}…` : text);

/**
 * The comments section of `track`; `seekTo(seconds)` plays the track from a
 * comment's moment, `onMarks(seconds[])` hears where the comments sit.
 * Returns `{element, cleanup}`.
 */
export function commentsSection(track, { seekTo, onMarks, signal }) {
  const s = t.comments;
  const me = store.get().user;
  const isArtist = Boolean(me && (me.id === track.artist.id || me.role === 'admin'));
  const threads = [];
  let enabled = true;
  let cursor = null;
  const base = `/tracks/${encodeURIComponent(track.id)}`;
  const heading = h('h2', { id: 'comments-heading', tabindex: '-1' }, s.title);
  const toggle = h('div');
  const compose = h('div');
  const list = h('div');
  const errors = h('div');
  const offs = [];

  const marks = () => onMarks(threads.map((thread) => thread.comment.atSeconds).filter((at) => typeof at === 'number'));

  const paintToggle = () => {
    if (!isArtist || me.id !== track.artist.id) return;
    toggle.replaceChildren(h('button', { type: 'button', onclick: async () => {
      errors.replaceChildren();
      try {
        await api.put(`${base}/comment-settings`, { enabled: !enabled });
        enabled = !enabled;
        announce(enabled ? s.turnedOn : s.turnedOff);
        paint();
        toggle.querySelector('button')?.focus();
      } catch (error) {
        errors.replaceChildren(failure(error));
      }
    } }, enabled ? s.turnOff : s.turnOn));
  };

  const paintCompose = () => {
    if (!enabled) compose.replaceChildren(h('p', { class: 'meta' }, s.off));
    else if (!me) compose.replaceChildren(h('p', {}, h('a', { href: `/sign-in?next=${encodeURIComponent(location.pathname)}` }, s.signIn)));
    else if (!compose.querySelector('form')) compose.replaceChildren(composeForm());
  };

  const composeForm = () => {
    const text = h('textarea', { id: 'comment-text', name: 'text', rows: '3', maxlength: '1000', required: true });
    const at = h('input', { id: 'comment-at', name: 'at', inputmode: 'numeric', autocomplete: 'off', placeholder: '1:23', 'aria-describedby': 'comment-at-hint' });
    const usePosition = h('button', { type: 'button', onclick: () => {
      at.value = formatDuration(player.state().currentTime);
      at.focus();
    } }, s.usePosition);
    offs.push(player.subscribe((state) => { usePosition.disabled = state.track?.id !== track.id; }));
    const formErrors = h('div');
    const status = h('p', { role: 'status' });
    const button = h('button', { type: 'submit', class: 'primary' }, s.post);
    const form = h('form', { class: 'stack form comment-form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'comment-text' }, s.text), text),
      h('div', { class: 'field' }, h('label', { for: 'comment-at' }, s.at), h('p', { class: 'hint', id: 'comment-at-hint' }, s.atHint),
        h('div', { class: 'button-row' }, at, usePosition)),
      formErrors, h('div', { class: 'button-row' }, button), status);
    onSubmit(form, { button, errors: formErrors, status }, async () => {
      const seconds = at.value.trim() ? parseTime(at.value) : undefined;
      const outside = seconds === null || (seconds !== undefined && track.durationSeconds && seconds > track.durationSeconds);
      if (outside) at.setAttribute('aria-invalid', 'true');
      else at.removeAttribute('aria-invalid');
      if (outside) {
        at.focus();
        throw { message: s.badTime };
      }
      const comment = await api.post(`${base}/comments`, { text: text.value, atSeconds: seconds });
      threads.push({ comment, replies: [] });
      text.value = '';
      at.value = '';
      paintList();
      marks();
      return s.posted;
    });
    return form;
  };

  /** A small form in place (reply or edit): a labelled text area, a submit and Cancel. */
  const inlineForm = ({ id, label, value = '', submit, send, close }) => {
    const text = h('textarea', { id, rows: '2', maxlength: '1000', required: true });
    text.value = value;
    const formErrors = h('div');
    const button = h('button', { type: 'submit', class: 'primary' }, submit);
    const form = h('form', { class: 'stack form inline-form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: id }, label), text), formErrors,
      h('div', { class: 'button-row' }, button, h('button', { type: 'button', onclick: close }, s.cancel)));
    onSubmit(form, { button, errors: formErrors }, () => send(text.value));
    queueMicrotask(() => text.focus());
    return form;
  };

  const commentItem = (comment, thread) => {
    const mine = me && comment.author.id === me.id;
    const slot = h('div');
    const key = (action) => `${action}:${comment.id}`;
    const focusAfterPaint = (action) => list.querySelector(`[data-focus-key="${key(action)}"]`)?.focus();
    const open = (content) => slot.replaceChildren(content);
    const closeTo = (button) => () => {
      slot.replaceChildren();
      button.focus();
    };
    const buttons = [];
    if (!thread.parent && enabled && me) {
      const reply = h('button', { type: 'button', class: 'link-button', 'aria-label': s.reply(comment.author.displayName) }, s.short.reply);
      reply.addEventListener('click', () => open(inlineForm({
        id: `reply-${comment.id}`, label: s.replyText(comment.author.displayName), submit: s.postReply, close: closeTo(reply),
        send: async (value) => {
          const posted = await api.post(`${base}/comments`, { text: value, parentId: comment.id });
          thread.replies.push(posted);
          paintList();
          announce(s.replied);
          focusAfterPaint('reply');
        },
      })));
      reply.dataset.focusKey = key('reply');
      buttons.push(reply);
    }
    if (mine) {
      const editButton = h('button', { type: 'button', class: 'link-button', 'aria-label': s.edit(excerpt(comment.text)), dataset: { focusKey: key('edit') } },
        s.short.edit);
      editButton.addEventListener('click', () => open(inlineForm({
        id: `edit-${comment.id}`, label: s.editText, value: comment.text, submit: s.save, close: closeTo(editButton),
        send: async (value) => {
          Object.assign(comment, await api.patch(`/comments/${encodeURIComponent(comment.id)}`, { text: value }));
          paintList();
          announce(s.saved);
          focusAfterPaint('edit');
        },
      })));
      buttons.push(editButton);
    }
    if (mine || isArtist) {
      const deleteButton = h('button', { type: 'button', class: 'link-button danger-link', 'aria-label': s.delete(excerpt(comment.text)) }, s.short.delete);
      deleteButton.addEventListener('click', () => {
        const yes = h('button', { type: 'button', class: 'danger', onclick: async () => {
          try {
            await api.del(`/comments/${encodeURIComponent(comment.id)}`);
            if (thread.parent) thread.parent.replies.splice(thread.parent.replies.indexOf(comment), 1);
            else threads.splice(threads.indexOf(thread), 1);
            paintList();
            marks();
            announce(s.deleted);
            heading.focus();
          } catch (error) {
            slot.append(failure(error));
          }
        } }, s.confirmDeleteYes);
        open(h('div', { class: 'confirm stack' }, h('p', {}, s.confirmDelete),
          h('div', { class: 'button-row' }, yes, h('button', { type: 'button', onclick: closeTo(deleteButton) }, s.keep))));
        yes.focus();
      });
      buttons.push(deleteButton);
    }
    const at = typeof comment.atSeconds === 'number' ? formatDuration(comment.atSeconds) : null;
    return h('li', { class: 'comment', dataset: { comment: comment.id } },
      h('p', { class: 'comment-head' },
        h('a', { href: userPath(comment.author), class: 'comment-author' }, comment.author.displayName),
        at ? [' ', h('button', { type: 'button', class: 'link-button comment-at', 'aria-label': s.seekTo(at, comment.author.displayName),
          onclick: () => seekTo(comment.atSeconds) }, at)] : null,
        ' · ', h('time', { datetime: comment.createdAt, title: formatDateTime(comment.createdAt) }, formatRelative(comment.createdAt)),
        comment.editedAt ? ` · ${s.edited}` : null),
      h('p', { class: 'comment-text' }, comment.text),
      buttons.length ? h('div', { class: 'button-row comment-actions' }, buttons) : null,
      slot,
      !thread.parent && thread.replies.length
        ? h('ol', { class: 'comment-replies' }, thread.replies.map((reply) => commentItem(reply, { parent: thread, replies: [] })))
        : null);
  };

  const paintList = () => {
    const counted = threads.filter((thread) => typeof thread.comment.atSeconds === 'number').length;
    list.replaceChildren();
    append(list, [
      threads.length
        ? h('ol', { class: 'comments', 'aria-labelledby': 'comments-heading' }, threads.map((thread) => commentItem(thread.comment, thread)))
        : empty(s.empty),
      counted ? h('p', { class: 'visually-hidden' }, s.marks(counted)) : null,
      cursor ? h('button', { type: 'button', onclick: () => load(true) }, s.more) : null]);
  };

  const paint = () => {
    paintToggle();
    paintCompose();
    paintList();
  };

  const load = async (more = false) => {
    if (!more) list.replaceChildren(loading());
    try {
      const page = await api.get(`${base}/comments?limit=50${more && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { signal });
      if (signal.aborted) return;
      threads.push(...page.items);
      enabled = page.enabled;
      cursor = page.nextCursor ?? null;
      paint();
      marks();
    } catch (error) {
      if (!signal.aborted) list.replaceChildren(failure(error, () => load(more)));
    }
  };
  load();

  const element = h('section', { class: 'comments-section stack', 'aria-labelledby': 'comments-heading' }, heading, toggle, compose, errors, list);
  return { element, cleanup: () => { for (const off of offs) off(); } };
}
