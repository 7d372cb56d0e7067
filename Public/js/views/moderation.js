// Moderation: the review queue (moderators and admins): a case per reported
// thing, with what was reported and a decision form.

import { h, announce } from '../dom.js';
import { t, formatRelative } from '../strings.js';
import * as api from '../api.js';
import { setTitle } from '../router.js';
import { section, failure } from '../components/states.js';

const openActions = ['dismiss', 'hide', 'warn', 'suspend', 'ban'];
const appealActions = ['uphold', 'reverse'];

function decisionForm(item, onDecided) {
  const s = t.moderation;
  const id = item.id;
  const actions = item.status === 'appealed' ? appealActions : openActions.filter((action) => action !== 'hide' || item.kind !== 'user');
  const action = h('select', { id: `action-${id}` }, actions.map((value) => h('option', { value }, s.actions[value])));
  const reason = h('input', { id: `reason-${id}`, required: true, maxlength: '1000', autocomplete: 'off' });
  const days = h('input', { id: `days-${id}`, type: 'number', min: '1', max: '365', value: '7', inputmode: 'numeric' });
  const errors = h('div');
  const decide = h('button', { type: 'submit', 'aria-label': s.decideNamed(item.excerpt.split('\n')[0]) }, s.decide);
  const form = h('form', { class: 'stack form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: `action-${id}` }, s.action), action),
    h('div', { class: 'field' }, h('label', { for: `reason-${id}` }, s.reason), reason),
    item.status === 'appealed' ? null : h('div', { class: 'field' }, h('label', { for: `days-${id}` }, s.days), days),
    errors, decide);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    decide.disabled = true;
    try {
      const body = { action: action.value, reason: reason.value.trim() };
      if (action.value === 'suspend') body.days = Number(days.value);
      await api.post(`/admin/moderation/cases/${encodeURIComponent(id)}/decision`, body);
      announce(s.decided);
      onDecided();
    } catch (error) {
      errors.replaceChildren(failure(error));
      decide.disabled = false;
    }
  });
  return form;
}

export function render(container) {
  const s = t.moderation;
  const controller = new AbortController();
  const { signal } = controller;
  const list = h('div');
  const status = h('select', { id: 'case-status' }, Object.entries(s.statuses).map(([value, label]) => h('option', { value }, label)));
  container.append(h('h1', {}, s.title), h('p', {}, s.lead),
    h('div', { class: 'field' }, h('label', { for: 'case-status' }, s.show), status), list);
  setTitle(s.title);
  const show = () => section(list, async () => {
    try {
      return await api.get(`/admin/moderation/cases?status=${status.value}&limit=50`, { signal });
    } catch (error) {
      if (error.status === 403) return { items: [], forbidden: true };
      throw error;
    }
  }, (page) => page.forbidden ? h('p', {}, s.forbidden) : h('ul', { class: 'card-list' },
    page.items.map((item) => h('li', { class: 'card stack' },
      h('h2', { class: 'card-title' }, s.caseTitle(item.kind, t.report.reasons[item.reason] ?? item.reason, item.reportCount)),
      h('blockquote', {}, item.excerpt),
      item.appealText ? h('p', {}, s.appeal(item.appealText)) : null,
      h('p', { class: 'meta' }, h('time', { datetime: item.createdAt }, formatRelative(item.createdAt))),
      decisionForm(item, show)))),
  { isEmpty: (page) => !page.forbidden && page.items.length === 0, emptyMessage: s.empty, signal });
  status.addEventListener('change', show);
  show();
  return () => controller.abort();
}
