// A map of numbered pins in Web Mercator, fitted around the search's centre
// and every pin (or the search's circle when there is no pin): no map library, only positioned elements (the
// CSP allows no inline style attributes, so positions are set through the
// CSSOM). Background tiles are <img>s, and only when the server names a tile
// source; without one the pins stand on a plain grid. The pins are links with
// the same numbers and names as the list beside the map, which is the primary
// way to read the results.

import { h, safeURL } from '../dom.js';
import { t } from '../strings.js';

const width = 640;
const height = 400;
const tileSize = 256;

/** Web Mercator at zoom 0: longitude and latitude as x and y in 0…256. */
function project(latitude, longitude) {
  const φ = (Math.max(-85.05, Math.min(85.05, latitude)) * Math.PI) / 180;
  return {
    x: ((longitude + 180) / 360) * tileSize,
    y: ((1 - Math.log(Math.tan(φ) + 1 / Math.cos(φ)) / Math.PI) / 2) * tileSize,
  };
}

/** The whole zoom at which `box` (zoom-0 units) fills most of the map, 2 to 17. */
function zoomFor(box) {
  const dx = box.maxX - box.minX;
  const dy = box.maxY - box.minY;
  if (dx <= 0 && dy <= 0) return 13;
  const fit = Math.min(dx > 0 ? (width * 0.85) / dx : Infinity, dy > 0 ? (height * 0.85) / dy : Infinity);
  return Math.max(2, Math.min(17, Math.floor(Math.log2(fit))));
}

const percent = (value, of) => `${((value / of) * 100).toFixed(3)}%`;

function place(element, left, top, w, hgt) {
  element.style.left = percent(left, width);
  element.style.top = percent(top, height);
  if (w !== undefined) {
    element.style.width = percent(w, width);
    element.style.height = percent(hgt, height);
  }
}

/** A tile template's URL for one tile, or null for a template that is not http(s) or this server's. */
function tileURL(template, z, x, y) {
  const url = template.replaceAll('{z}', z).replaceAll('{x}', x).replaceAll('{y}', y).replaceAll('{s}', 'a');
  return url.startsWith('/') && !url.startsWith('//') ? url : safeURL(url);
}

/**
 * `pins`: [{latitude, longitude, number, name, href, kind}] (kind "show" or
 * "venue"); `centre`: {latitude, longitude} or null; `radiusKm`; `tiles`:
 * the map settings ({tileUrl, attribution}) or null. Returns the figure.
 */
export function pinMap({ pins, centre, radiusKm, tiles, label }) {
  const placed = pins.filter((pin) => Number.isFinite(pin.latitude) && Number.isFinite(pin.longitude));
  const points = placed.map((pin) => project(pin.latitude, pin.longitude));
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  const include = ({ x, y }) => {
    box.minX = Math.min(box.minX, x);
    box.maxX = Math.max(box.maxX, x);
    box.minY = Math.min(box.minY, y);
    box.maxY = Math.max(box.maxY, y);
  };
  points.forEach(include);
  // The pins and the centre fill the map; with no pin to show, the search's circle does.
  if (centre) include(project(centre.latitude, centre.longitude));
  if (centre && points.length === 0) {
    const dLat = radiusKm / 111.32;
    const dLon = radiusKm / (111.32 * Math.max(0.05, Math.cos((centre.latitude * Math.PI) / 180)));
    include(project(centre.latitude + dLat, centre.longitude - dLon));
    include(project(centre.latitude - dLat, centre.longitude + dLon));
  }
  const area = h('div', { class: 'map-area' });
  if (!Number.isFinite(box.minX)) return h('figure', { class: 'map' }, area);

  const z = zoomFor(box);
  const scale = 2 ** z;
  const left = ((box.minX + box.maxX) / 2) * scale - width / 2;
  const top = ((box.minY + box.maxY) / 2) * scale - height / 2;

  if (tiles?.tileUrl) {
    const count = 2 ** z;
    for (let ty = Math.floor(top / tileSize); ty * tileSize < top + height; ty += 1) {
      if (ty < 0 || ty >= count) continue;
      for (let tx = Math.floor(left / tileSize); tx * tileSize < left + width; tx += 1) {
        const src = tileURL(tiles.tileUrl, z, ((tx % count) + count) % count, ty);
        if (!src) continue;
        const tile = h('img', { class: 'map-tile', src, alt: '', loading: 'lazy', decoding: 'async', draggable: 'false' });
        place(tile, tx * tileSize - left, ty * tileSize - top, tileSize, tileSize);
        area.append(tile);
      }
    }
  } else {
    area.classList.add('map-plain');
  }
  if (centre) {
    const { x, y } = project(centre.latitude, centre.longitude);
    const mark = h('span', { class: 'map-centre', title: t.map.you, 'aria-hidden': 'true' });
    place(mark, x * scale - left, y * scale - top);
    area.append(mark);
  }
  // Pins at one place (a venue's shows, the venue itself) are fanned out around it, each still readable and pressable.
  const taken = [];
  placed.forEach((pin, index) => {
    const x = points[index].x * scale - left;
    const y = points[index].y * scale - top;
    let at = { x, y };
    for (let attempt = 1; taken.some((other) => Math.hypot(other.x - at.x, other.y - at.y) < 30) && attempt < 40; attempt += 1) {
      const angle = attempt * 2.4;
      const distance = 24 + 3 * attempt;
      at = { x: x + Math.cos(angle) * distance, y: y + Math.sin(angle) * distance };
    }
    taken.push(at);
    const link = h('a', { href: pin.href, class: `map-pin map-pin-${pin.kind}`, 'aria-label': pin.name }, String(pin.number));
    place(link, at.x, at.y);
    area.append(link);
  });
  return h('figure', { class: 'map', role: 'group', 'aria-label': label },
    area,
    tiles?.attribution ? h('figcaption', { class: 'meta' }, t.map.attribution(tiles.attribution)) : null);
}
