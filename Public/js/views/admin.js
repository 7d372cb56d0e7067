// The admin dashboard (`/admin`): accounts, activity, storage, the job queue
// and moderation of this server at a glance, for administrators.

import { h, announce } from '../dom.js';
import { t, formatNumber, formatBytes, formatSpan, formatDateTime } from '../strings.js';
import * as api from '../api.js';
import { setTitle } from '../router.js';
import { loading, failure } from '../components/states.js';

const count = (n) => formatNumber(n ?? 0);
const span = (seconds) => seconds === null || seconds === undefined ? t.admin.none : formatSpan(seconds);

/** A headed card of label–value pairs; `extra` goes under the list. */
function card(id, title, pairs, ...extra) {
  return h('section', { class: 'card dashboard-card', 'aria-labelledby': id },
    h('h2', { id, class: 'card-title' }, title),
    h('dl', { class: 'facts' }, pairs.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)])),
    ...extra);
}

function dashboard(data) {
  const s = t.admin;
  const users = data.users ?? {};
  const jobs = data.jobs ?? {};
  const moderation = data.moderation ?? {};
  return [
    data.generatedAt ? h('p', { class: 'meta' }, s.generated(formatDateTime(data.generatedAt))) : null,
    h('div', { class: 'dashboard' },
      card('admin-users', s.users.title, [
        [s.users.total, count(users.total)], [s.users.listeners, count(users.listeners)], [s.users.artists, count(users.artists)],
        [s.users.venues, count(users.venues)], [s.users.admins, count(users.admins)], [s.users.newThisWeek, count(users.newThisWeek)],
      ]),
      card('admin-activity', s.activity.title, [[s.activity.monthlyActives, count(data.monthlyActives)]]),
      card('admin-storage', s.storage.title, [
        [s.storage.bytes, formatBytes(data.storage?.bytes ?? 0)], [s.storage.files, count(data.storage?.files)],
      ]),
      card('admin-jobs', s.jobs.title, [
        [s.jobs.queued, count(jobs.queued)], [s.jobs.running, count(jobs.running)], [s.jobs.failed, count(jobs.failed)],
        [s.jobs.failedLastDay, count(jobs.failedLastDay)], [s.jobs.oldestQueued, span(jobs.oldestQueuedSeconds)],
        ...(jobs.analyticsBacklog === undefined ? [] : [[s.jobs.analyticsBacklog, count(jobs.analyticsBacklog)]]),
      ]),
      card('admin-moderation', s.moderation.title, [
        [s.moderation.openReports, count(moderation.openReports)], [s.moderation.openAppeals, count(moderation.openAppeals)],
        [s.moderation.oldestOpenReport, moderation.oldestOpenReportHours === null || moderation.oldestOpenReportHours === undefined
          ? s.none : formatSpan(moderation.oldestOpenReportHours * 3600)],
      ], h('p', {}, h('a', { href: '/moderation' }, s.moderation.queue)))),
  ];
}

export function render(container) {
  const s = t.admin;
  let current = null;
  let loads = 0;
  const refresh = h('button', { type: 'button' }, s.refresh);
  const body = h('div');
  container.append(h('h1', {}, s.title), h('p', { class: 'lead' }, s.lead), h('div', { class: 'button-row' }, refresh), body);
  setTitle(s.title);

  const load = async () => {
    current?.abort();
    const mine = new AbortController();
    current = mine;
    const first = loads++ === 0;
    body.replaceChildren(loading());
    try {
      const data = await api.get('/admin/dashboard', { signal: mine.signal });
      if (mine.signal.aborted) return;
      refresh.hidden = false;
      body.replaceChildren(...dashboard(data).filter(Boolean));
      if (!first) announce(s.refreshed);
    } catch (error) {
      if (mine.signal.aborted || error.name === 'AbortError') return;
      if (error.status === 403) {
        refresh.hidden = true;
        body.replaceChildren(h('div', { class: 'state state-forbidden', role: 'alert' }, h('p', {}, s.forbidden)));
      } else {
        body.replaceChildren(failure(error, load));
      }
    }
  };
  refresh.addEventListener('click', load);
  load();
  return () => current?.abort();
}
