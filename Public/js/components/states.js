// Loading, empty and error states every view shows the same way.

import { h } from '../dom.js';
import { t } from '../strings.js';
import { setTitle } from '../router.js';

export const loading = () => h('p', { class: 'state state-loading', role: 'status' }, t.loading);

export const empty = (message, ...extra) => h('div', { class: 'state state-empty' }, h('p', {}, message), ...extra);

/** An error's readable message (problem detail and field messages), with a retry button when given one. */
export function failure(error, retry) {
  const fields = (error?.fields ?? []).map((field) => h('li', {}, t.errors.field(field.field, field.message)));
  return h('div', { class: 'state state-error', role: 'alert' },
    h('p', {}, error?.message || t.errors.unexpected),
    fields.length ? h('ul', {}, fields) : null,
    retry ? h('button', { type: 'button', onclick: retry }, t.retry) : null);
}

/** A view that could not load its subject: "Not found" for a 404, else a general heading, then the error. */
export const failedPage = (error, retry) => [
  h('h1', {}, error?.status === 404 ? t.notFound.title : t.errors.pageFailed),
  failure(error, retry),
];

/**
 * Fills `container` with loading, then whatever `render(data)` returns, an
 * empty state when `isEmpty(data)`, or the error with a retry.
 */
export async function section(container, load, render, { isEmpty = () => false, emptyMessage = '', signal } = {}) {
  container.replaceChildren(loading());
  try {
    const data = await load();
    if (signal?.aborted) return;
    container.replaceChildren(isEmpty(data) ? empty(emptyMessage) : render(data));
  } catch (error) {
    if (signal?.aborted || error.name === 'AbortError') return;
    container.replaceChildren(failure(error, () => section(container, load, render, { isEmpty, emptyMessage, signal })));
  }
}

/**
 * Opens a studio view: its heading and title, and — for an account whose role
 * is not in `roles` (admins always pass) — the refusal in place of the view.
 * Returns the signal to abort the view's requests with, or null when refused.
 */
export function studioGate(container, controller, { title, forbidden, roles, user }) {
  container.append(h('h1', {}, title));
  setTitle(title);
  if (!roles.includes(user.role) && user.role !== 'admin') {
    container.append(h('div', { class: 'state state-forbidden' }, h('p', {}, forbidden)));
    return null;
  }
  return controller.signal;
}
