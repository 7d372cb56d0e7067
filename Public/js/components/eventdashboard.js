// A show's dashboard for its venue: tickets, check-ins, the no-show rate and
// who is going; figures per tier; claims by day; check-ins per quarter hour
// as bars with their table; and "Download CSV" of every ticket.

import { h } from '../dom.js';
import { t, formatNumber, formatPercent, formatPeriod, formatTime } from '../strings.js';
import * as api from '../api.js';
import { loading, empty, failure } from './states.js';
import { barChartBlock } from './chart.js';

const table = (caption, headings, rows) => h('table', { class: 'data-table' },
  h('caption', { class: 'visually-hidden' }, caption),
  h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col' }, heading)))),
  h('tbody', {}, rows.map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, first), rest.map((cell) => h('td', {}, cell))))));

function figures(data) {
  const s = t.dashboard;
  const figure = (label, value, note) => h('div', { class: 'figure' }, h('dt', {}, label), h('dd', {}, value, note ? h('span', { class: 'figure-note' }, note) : null));
  return h('dl', { class: 'figures' },
    figure(s.ticketsActive, formatNumber(data.ticketsActive)),
    figure(s.checkedIn, formatNumber(data.checkedIn)),
    figure(s.noShowRate, formatPercent(data.noShowRate), s.noShowNote),
    figure(s.going, formatNumber(data.going)),
    data.capacity ? figure(s.capacity, formatNumber(data.capacity)) : null);
}

/** Claims per day, one column per tier. */
function claimsTable(data) {
  const s = t.dashboard;
  if (!data.claimsByDay.length) return empty(s.claimsEmpty);
  const days = [...new Set(data.claimsByDay.map((row) => row.day))];
  const counts = new Map(data.claimsByDay.map((row) => [`${row.day} ${row.tierId}`, row.count]));
  return table(s.claimsByDay, [s.day, ...data.tiers.map((tier) => tier.name)],
    days.map((day) => [formatPeriod(day, 'day', { long: true }), ...data.tiers.map((tier) => formatNumber(counts.get(`${day} ${tier.id}`) ?? 0))]));
}

/** The dashboard of `event`, loaded when made. */
export function eventDashboard(event, signal) {
  const s = t.dashboard;
  const body = h('div', { class: 'stack' }, loading());
  const download = h('button', { type: 'button' }, s.download);
  const downloadStatus = h('p', { class: 'visually-hidden', role: 'status' });
  const downloadError = h('div');
  download.addEventListener('click', async () => {
    download.disabled = true;
    downloadError.replaceChildren();
    downloadStatus.textContent = '';
    try {
      await api.download(`/events/${encodeURIComponent(event.id)}/dashboard.csv`, `based-event-${event.id}.csv`);
      downloadStatus.textContent = s.downloaded;
    } catch (error) {
      downloadError.replaceChildren(failure(error));
    } finally {
      download.disabled = false;
    }
  });
  const load = async () => {
    body.replaceChildren(loading());
    try {
      const data = await api.get(`/events/${encodeURIComponent(event.id)}/dashboard`, { signal });
      if (signal.aborted) return;
      body.replaceChildren(
        figures(data),
        h('h4', {}, s.tiers),
        data.tiers.length
          ? table(s.tiers, [s.tier, s.quantity, s.claimed, s.cancelled, s.checkedIn, s.waitlisted],
            data.tiers.map((tier) => [tier.name, ...[tier.quantity, tier.claimed, tier.cancelled, tier.checkedIn, tier.waitlisted].map(formatNumber)]))
          : empty(s.tiersEmpty),
        h('h4', {}, s.claimsByDay), claimsTable(data),
        h('h4', {}, s.checkIns),
        barChartBlock({
          items: data.checkInsByQuarterHour.map((row) => ({ label: formatTime(row.at), value: row.count })),
          title: s.checkIns, labelHeading: s.quarter, valueHeading: s.checkedIn, emptyMessage: s.checkInsEmpty,
        }),
        h('div', { class: 'button-row' }, download), downloadStatus, downloadError);
    } catch (error) {
      if (signal.aborted) return;
      body.replaceChildren(error.status === 403 ? h('div', { class: 'state state-forbidden', role: 'alert' }, h('p', {}, s.forbidden)) : failure(error, load));
    }
  };
  load();
  return h('section', { class: 'stack dashboard-panel', 'aria-label': s.title(event.title), tabindex: '-1' },
    h('h3', {}, s.title(event.title)), body);
}
