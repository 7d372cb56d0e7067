// "Report this …": a disclosure with the reason and details, sent to POST /reports.

import { h, announce } from '../dom.js';
import { t } from '../strings.js';
import * as api from '../api.js';
import { failure } from './states.js';

let forms = 0;

/** A report control for a thing (`kind` as the API names it; `what` for people). */
export function reportControl(kind, id, what, { seq } = {}) {
  const s = t.report;
  const n = ++forms;
  const reason = h('select', { id: `report-reason-${n}`, required: true },
    Object.entries(s.reasons).map(([value, label]) => h('option', { value }, label)));
  const details = h('textarea', { id: `report-details-${n}`, maxlength: '2000', rows: '3' });
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const send = h('button', { type: 'submit' }, s.send);
  const form = h('form', { class: 'stack form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: `report-reason-${n}` }, s.reason), reason),
    h('div', { class: 'field' }, h('label', { for: `report-details-${n}` }, s.details), details),
    errors, send, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    send.disabled = true;
    try {
      await api.post('/reports', { kind, id, reason: reason.value, details: details.value.trim() || undefined, seq });
      form.reset();
      status.textContent = s.sent;
      announce(s.sent);
    } catch (error) {
      errors.replaceChildren(failure(error));
    } finally {
      send.disabled = false;
    }
  });
  return h('details', { class: 'report' }, h('summary', {}, s.open(what)), form);
}
