// Small SVG charts of our own: a line chart of a few series over periods and a
// horizontal bar chart. Colours come from classes in app.css (the CSP allows
// no inline styles); series differ by dash pattern and marker shape as well as
// colour (WCAG 1.4.1). Each chart is an image with a spoken summary, and the
// `…Block` forms add its numbers as a table (screen readers, and anyone who
// prefers numbers) or the empty state when there is nothing to draw.

import { h } from '../dom.js';
import { t, formatNumber } from '../strings.js';
import { empty } from './states.js';

const namespace = 'http://www.w3.org/2000/svg';
/** `.chart-series-0` … `-3` in app.css: colour, dash and marker shape. */
const seriesStyles = 4;
const width = 400;

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(namespace, tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** The outer <svg>: an image named by `summary`, titled `title`. */
function frame(title, summary, height, ...children) {
  return svg('svg', {
    class: 'chart-svg', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, focusable: 'false',
  }, svg('title', {}, title), ...children);
}

/** A rough width of `text` in the charts' 12-unit type, for layout (SVG text does not wrap). */
const textWidth = (text, size = 12) => String(text).length * size * 0.58;

/** A label cut to fit `room` units, with an ellipsis; the table and the summary keep it whole. */
function fit(text, room, size = 12) {
  const most = Math.max(4, Math.floor(room / (size * 0.58)));
  const whole = String(text);
  return whole.length <= most ? whole : `${whole.slice(0, most - 1)}…`;
}

/** A round step for about `count` gridlines up to `max`: 1, 2 or 5 times a power of ten (whole numbers for counts). */
function niceStep(max, count, whole) {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
  return whole ? Math.max(1, Math.round(step)) : step;
}

function marker(kind, x, y, className) {
  const r = 3.5;
  switch (kind % seriesStyles) {
    case 0: return svg('circle', { class: className, cx: x, cy: y, r });
    case 1: return svg('rect', { class: className, x: x - r, y: y - r, width: r * 2, height: r * 2 });
    case 2: return svg('polygon', { class: className, points: `${x},${y - r - 1} ${x + r + 1},${y} ${x},${y + r + 1} ${x - r - 1},${y}` });
    default: return svg('polygon', { class: className, points: `${x},${y - r - 1} ${x + r + 1},${y + r} ${x - r - 1},${y + r}` });
  }
}

const round = (n) => Math.round(n * 10) / 10;

function isEmptyLine(series, labels) {
  return !labels?.length || !series?.length || series.every((one) => !one.values?.length);
}

/**
 * A line chart: `series` [{name, values}] over `labels` (one per value, shown
 * under the x axis); `format` writes a value (a whole number by default).
 * Returns the <svg>; with nothing to draw, an image of the empty message.
 */
export function lineChart({ series, labels, title, format = formatNumber, emptyMessage = t.chart.empty }) {
  if (isEmptyLine(series, labels)) {
    return frame(title, emptyMessage, 60, svg('text', { class: 'chart-empty', x: width / 2, y: 34, 'text-anchor': 'middle' }, emptyMessage));
  }
  const count = labels.length;
  const values = series.flatMap((one) => one.values.slice(0, count).map((value) => Number(value) || 0));
  const max = Math.max(0, ...values);
  const whole = values.every(Number.isInteger);
  const step = niceStep(max > 0 ? max : 1, 4, whole);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks = [];
  for (let value = 0; value <= top + step / 2; value += step) ticks.push(whole ? value : round(value * 1e6) / 1e6);

  // The legend's rows first: entries flow left to right and wrap.
  const legendItems = [];
  let legendX = 0;
  let legendRow = 0;
  series.forEach((one, index) => {
    const itemWidth = 30 + textWidth(one.name) + 16;
    if (legendX > 0 && legendX + itemWidth > width) {
      legendX = 0;
      legendRow += 1;
    }
    const y = 10 + legendRow * 20;
    const style = `chart-series-${index % seriesStyles}`;
    legendItems.push(svg('g', { class: style },
      svg('line', { class: 'chart-line', x1: legendX + 2, y1: y, x2: legendX + 24, y2: y }),
      marker(index, legendX + 13, y, 'chart-marker'),
      svg('text', { class: 'chart-legend-text', x: legendX + 30, y, dy: '0.35em' }, one.name)));
    legendX += itemWidth;
  });

  const height = 240 + legendRow * 20;
  const plotTop = 32 + legendRow * 20;
  const plotBottom = height - 30;
  const plotLeft = Math.ceil(Math.max(...ticks.map((tick) => textWidth(format(tick))))) + 10;
  const plotRight = width - 8;
  const inset = 20;
  const x = (index) => count === 1 ? (plotLeft + plotRight) / 2 : plotLeft + inset + (index * (plotRight - plotLeft - 2 * inset)) / (count - 1);
  const y = (value) => plotBottom - ((Number(value) || 0) / top) * (plotBottom - plotTop);

  const grid = ticks.map((tick) => svg('g', {},
    svg('line', { class: tick === 0 ? 'chart-axis' : 'chart-grid', x1: plotLeft, y1: round(y(tick)), x2: plotRight, y2: round(y(tick)) }),
    svg('text', { class: 'chart-tick', x: plotLeft - 6, y: round(y(tick)), dy: '0.35em', 'text-anchor': 'end' }, format(tick))));

  // As many x labels as fit side by side, evenly spaced.
  const labelWidth = Math.max(...labels.map((label) => textWidth(label))) + 10;
  const fits = Math.max(1, Math.floor((plotRight - plotLeft) / labelWidth));
  const every = Math.ceil(count / fits);
  const xLabels = labels.map((label, index) => index % every === 0
    ? svg('text', { class: 'chart-tick', x: round(x(index)), y: plotBottom + 18, 'text-anchor': 'middle' }, label)
    : null);

  const showMarkers = count <= 40;
  const lines = series.map((one, index) => {
    const points = labels.map((_, at) => [round(x(at)), round(y(one.values[at]))]);
    return svg('g', { class: `chart-series-${index % seriesStyles}` },
      count > 1 ? svg('polyline', { class: 'chart-line', points: points.map((point) => point.join(',')).join(' ') }) : null,
      showMarkers || count === 1 ? points.map(([px, py]) => marker(index, px, py, 'chart-marker')) : null);
  });

  const described = series.map((one) => {
    const numbers = labels.map((_, at) => Number(one.values[at]) || 0);
    const high = Math.max(...numbers);
    return t.chart.seriesSummary(one.name, format(Math.min(...numbers)), format(high), labels[numbers.indexOf(high)]);
  });
  const summary = [t.chart.lineSummary(title, count, labels[0], labels[count - 1]),
    ...(max === 0 ? [t.chart.allZero] : described)].join(' ');

  return frame(title, summary, height,
    svg('g', { class: 'chart-legend' }, legendItems),
    svg('line', { class: 'chart-axis', x1: plotLeft, y1: plotTop - 6, x2: plotLeft, y2: plotBottom }),
    grid, xLabels, lines);
}

/**
 * A horizontal bar chart of `items` [{label, value}] in the order given, each
 * bar under its label with its value at its end. Returns the <svg>.
 */
export function barChart({ items, title, format = formatNumber, emptyMessage = t.chart.empty }) {
  if (!items?.length) {
    return frame(title, emptyMessage, 60, svg('text', { class: 'chart-empty', x: width / 2, y: 34, 'text-anchor': 'middle' }, emptyMessage));
  }
  const rowHeight = 44;
  const valueRoom = Math.max(...items.map((item) => textWidth(format(item.value), 13))) + 10;
  const barRoom = width - 4 - valueRoom;
  const max = Math.max(0, ...items.map((item) => Number(item.value) || 0));
  const rows = items.map((item, index) => {
    const top = index * rowHeight;
    const value = Number(item.value) || 0;
    const length = max > 0 ? (value / max) * barRoom : 0;
    const shown = value > 0 ? Math.max(2, length) : 0;
    return svg('g', {},
      svg('text', { class: 'chart-bar-label', x: 2, y: top + 14 }, fit(item.label, width - 4, 13)),
      svg('rect', { class: 'chart-bar', x: 2, y: top + 20, width: round(shown), height: 16, rx: 2 }),
      svg('text', { class: 'chart-bar-value', x: round(2 + shown + 6), y: top + 28, dy: '0.35em' }, format(value)));
  });
  const spoken = items.slice(0, 6).map((item) => `${item.label} ${format(Number(item.value) || 0)}`).join(', ');
  return frame(title, t.chart.barSummary(title, spoken, Math.max(0, items.length - 6)), items.length * rowHeight, rows);
}

/** A disclosed table of a chart's numbers: `headings` over `rows` (the first cell of each row heads it). */
export function chartTable(title, headings, rows) {
  return h('details', { class: 'chart-table' },
    h('summary', {}, t.chart.showTable, h('span', { class: 'visually-hidden' }, t.chart.tableOf(title))),
    h('table', {},
      h('caption', {}, title),
      h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col' }, heading)))),
      h('tbody', {}, rows.map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, first), rest.map((cell) => h('td', {}, cell)))))));
}

/**
 * The line chart with its table (`tableLabels` name the rows in full, under
 * `labelHeading`), or the empty state.
 */
export function lineChartBlock({ series, labels, title, tableLabels = labels, labelHeading = t.chart.label, format = formatNumber, emptyMessage = t.chart.empty }) {
  if (isEmptyLine(series, labels)) return empty(emptyMessage);
  return h('div', { class: 'chart' },
    lineChart({ series, labels, title, format, emptyMessage }),
    chartTable(title, [labelHeading, ...series.map((one) => one.name)],
      labels.map((_, at) => [tableLabels[at] ?? labels[at], ...series.map((one) => format(Number(one.values[at]) || 0))])));
}

/** The bar chart with its table (`labelHeading` and `valueHeading` head its columns), or the empty state. */
export function barChartBlock({ items, title, labelHeading = t.chart.label, valueHeading = t.chart.value, format = formatNumber, emptyMessage = t.chart.empty }) {
  if (!items?.length) return empty(emptyMessage);
  return h('div', { class: 'chart' },
    barChart({ items, title, format, emptyMessage }),
    chartTable(title, [labelHeading, valueHeading], items.map((item) => [item.label, format(Number(item.value) || 0)])));
}
