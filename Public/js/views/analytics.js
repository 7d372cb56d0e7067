// Analytics for an artist or venue (`/studio/analytics`): plays, listeners and
// fans over a period, by interval and optionally for one track, as figures,
// charts with their tables, and a CSV of the same query. `?artist=<user id>`
// shows someone else's figures to whoever the server lets see them.

import { h, announce } from '../dom.js';
import { t, formatNumber, formatPercent, formatPeriod, formatDateTime } from '../strings.js';
import * as api from '../api.js';
import * as store from '../store.js';
import { setTitle, setQuery } from '../router.js';
import { loading, failure } from '../components/states.js';
import { lineChartBlock, barChartBlock } from '../components/chart.js';
import { trackPath } from '../components/tracklist.js';

const intervals = ['day', 'week', 'month'];
const periods = { '7d': { days: 7, interval: 'day' }, '30d': { days: 30, interval: 'day' }, '12m': { months: 12, interval: 'month' } };
const figures = ['plays', 'listeners', 'completionRate', 'skipRate', 'likes', 'playlistAdds', 'followersGained', 'rsvps', 'checkins'];
const rates = new Set(['completionRate', 'skipRate']);

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** The period's first and last day in UTC, today included; twelve months start on the 1st of the month eleven months ago. */
export function periodRange(period, now = new Date()) {
  const { days, months } = periods[period];
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const today = Date.UTC(year, month, now.getUTCDate());
  const from = months ? Date.UTC(year, month - (months - 1), 1) : today - (days - 1) * 86_400_000;
  return { from: isoDay(from), to: isoDay(today) };
}

function select(id, options, value) {
  const element = h('select', { id, name: id }, options.map(([optionValue, label]) => h('option', { value: optionValue }, label)));
  element.value = value;
  return element;
}

const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);

function summary(totals) {
  const s = t.analytics;
  return h('dl', { class: 'figures' }, figures.map((key) => h('div', { class: 'figure' },
    h('dt', {}, s.figures[key]),
    h('dd', {}, rates.has(key) ? formatPercent(totals[key] ?? 0) : formatNumber(totals[key] ?? 0),
      key === 'followersGained' && totals.followersLost > 0 ? h('span', { class: 'figure-note' }, s.followersLost(totals.followersLost)) : null))));
}

function topTracks(tracks) {
  const s = t.analytics;
  return h('table', { class: 'data-table', 'aria-labelledby': 'analytics-top-tracks' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, s.trackTitle), h('th', { scope: 'col' }, s.plays), h('th', { scope: 'col' }, s.listeners))),
    h('tbody', {}, tracks.map((track) => h('tr', {},
      h('th', { scope: 'row' }, track.trackId ? h('a', { href: trackPath({ id: track.trackId }) }, track.title) : track.title),
      h('td', {}, formatNumber(track.plays ?? 0)),
      h('td', {}, formatNumber(track.listeners ?? 0))))));
}

const block = (id, title, ...content) => h('section', { class: 'analytics-block', 'aria-labelledby': id }, h('h2', { id }, title), ...content);

function report(data) {
  const s = t.analytics;
  const interval = data.interval ?? 'day';
  // Periods with no plays at all read better as the empty message than as flat lines.
  const series = (data.series ?? []).some((point) => point.plays || point.listeners) ? data.series : [];
  const starts = series.map((point) => point.start);
  const sources = [...(data.sources ?? [])].sort((a, b) => (b.plays ?? 0) - (a.plays ?? 0));
  const cities = [...(data.cities ?? [])].sort((a, b) => (b.listeners ?? 0) - (a.listeners ?? 0));
  const tracks = data.tracks ?? [];
  return [
    h('p', { class: 'meta' }, s.range(formatPeriod(data.from, 'day', { long: true }), formatPeriod(data.to, 'day', { long: true })),
      data.updatedAt ? ` · ${s.asOf(formatDateTime(data.updatedAt))}` : ''),
    block('analytics-summary', s.summary, summary(data.totals ?? {})),
    block('analytics-series', s.playsAndListeners, lineChartBlock({
      title: s.playsAndListeners,
      labels: starts.map((start) => formatPeriod(start, interval)),
      tableLabels: starts.map((start) => formatPeriod(start, interval, { long: true })),
      labelHeading: s.periodHeadings[interval] ?? s.periodHeadings.day,
      series: [
        { name: s.plays, values: series.map((point) => point.plays ?? 0) },
        { name: s.listeners, values: series.map((point) => point.listeners ?? 0) },
      ],
    })),
    block('analytics-sources', s.bySource, barChartBlock({
      title: s.bySource, labelHeading: s.source, valueHeading: s.plays,
      items: sources.map((entry) => ({ label: s.sources[entry.source] ?? entry.source ?? s.sources.unknown, value: entry.plays ?? 0 })),
    })),
    block('analytics-cities', s.byCity, barChartBlock({
      title: s.byCity, labelHeading: s.city, valueHeading: s.listeners,
      items: cities.map((entry) => ({ label: entry.city || s.unknownCity, value: entry.listeners ?? 0 })),
    })),
    tracks.length ? block('analytics-top-tracks', s.topTracks, topTracks(tracks)) : null,
  ];
}

export function render(container, { query }) {
  const s = t.analytics;
  const controller = new AbortController();
  const me = store.get().user;
  const artistId = query.get('artist') || me?.id;
  const own = artistId === me?.id;

  const initialPeriod = query.get('period') in periods ? query.get('period') : '30d';
  const interval = select('analytics-interval', intervals.map((value) => [value, s.intervals[value]]),
    intervals.includes(query.get('interval')) ? query.get('interval') : periods[initialPeriod].interval);
  const period = select('analytics-period', Object.entries(s.periods), initialPeriod);
  const track = select('analytics-track', [['', s.allTracks]], '');
  const download = h('button', { type: 'button' }, s.download);
  const downloadStatus = h('p', { class: 'visually-hidden', role: 'status' });
  const downloadError = h('div');
  const form = h('form', { class: 'analytics-form', 'aria-label': s.filters },
    field('analytics-interval', s.interval, interval),
    field('analytics-period', s.period, period),
    field('analytics-track', s.track, track),
    h('div', { class: 'analytics-actions' }, download));
  const results = h('div', { class: 'analytics-results' });
  container.append(h('h1', {}, s.title), h('p', { class: 'lead' }, s.lead), form, downloadStatus, downloadError, results);
  setTitle(s.title);

  /** Adds the tracks the Track list lacks (or names one known only by its id), keeping the choice. */
  const options = new Map();
  const addTracks = (entries) => {
    for (const entry of entries) {
      const id = entry.trackId ?? entry.id;
      if (!id) continue;
      const option = options.get(id);
      if (!option) {
        options.set(id, track.appendChild(h('option', { value: id }, entry.title || id)));
      } else if (option.textContent === id && entry.title) {
        option.textContent = entry.title;
      }
    }
  };
  const wantedTrack = query.get('track');
  if (wantedTrack) {
    addTracks([{ trackId: wantedTrack }]);
    track.value = wantedTrack;
  }

  const search = () => {
    const params = new URLSearchParams({ interval: interval.value, ...periodRange(period.value) });
    if (track.value) params.set('trackId', track.value);
    return params.toString();
  };
  const base = `/analytics/artists/${encodeURIComponent(artistId ?? '')}`;

  let current = null;
  let loads = 0;
  const load = async () => {
    current?.abort();
    const mine = new AbortController();
    current = mine;
    const { signal } = mine;
    const first = loads++ === 0;
    setQuery({ artist: own ? null : artistId, period: period.value, interval: interval.value, track: track.value || null });
    results.setAttribute('aria-busy', 'true');
    results.replaceChildren(loading());
    downloadError.replaceChildren();
    try {
      const data = await api.get(`${base}?${search()}`, { signal });
      if (signal.aborted || current !== mine) return;
      addTracks(data.tracks ?? []);
      form.hidden = false;
      results.replaceChildren(...report(data).filter(Boolean));
      if (!first) announce(s.updated);
    } catch (error) {
      if (signal.aborted || current !== mine || error.name === 'AbortError') return;
      if (error.status === 403) {
        form.hidden = true;
        results.replaceChildren(h('div', { class: 'state state-forbidden', role: 'alert' }, h('p', {}, s.forbidden)));
      } else {
        results.replaceChildren(failure(error, load));
      }
    } finally {
      if (current === mine) results.removeAttribute('aria-busy');
    }
  };

  period.addEventListener('change', () => {
    // A period brings its usual interval (months for a year); the Interval list can still change it.
    interval.value = periods[period.value].interval;
    load();
  });
  interval.addEventListener('change', load);
  track.addEventListener('change', load);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  download.addEventListener('click', async () => {
    download.disabled = true;
    downloadError.replaceChildren();
    downloadStatus.textContent = '';
    try {
      await api.download(`${base}/export.csv?${search()}`, 'based-analytics.csv');
      downloadStatus.textContent = s.downloaded;
    } catch (error) {
      downloadError.replaceChildren(error.status === 403
        ? h('div', { class: 'state state-error', role: 'alert' }, h('p', {}, s.forbidden))
        : failure(error));
    } finally {
      download.disabled = false;
    }
  });

  // The artist's own catalogue fills the Track list, not only the tracks played in the period.
  if (own && me?.username) {
    api.get(`/users/${encodeURIComponent(me.username)}/tracks?limit=50`, { signal: controller.signal })
      .then((page) => addTracks(page.items ?? []))
      .catch(() => {});
  }
  load();
  return () => {
    current?.abort();
    controller.abort();
  };
}
