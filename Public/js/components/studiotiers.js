// A show's ticket tiers in Venue studio: what each costs, how many are left,
// and a form to add one ("reserve now, pay at the door"). Refusals are shown
// under the fields they name.

import { h } from '../dom.js';
import { t, formatMoney } from '../strings.js';
import * as api from '../api.js';
import { loading, empty, failure } from './states.js';
import { labelledFields } from './fields.js';
import { onSubmit } from './form.js';

/** "12", "12.5", "12,50" in a currency's minor units (cents), or null when it is not a price. */
function minorUnits(text, currency) {
  const value = Number(text.trim().replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) return null;
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    // An unknown currency is the server's to refuse; cents until then.
  }
  return Math.round(value * 10 ** digits);
}

export function tiersSection(event, signal) {
  const s = t.studio;
  const path = `/events/${encodeURIComponent(event.id)}/tiers`;
  const list = h('div');
  const load = async () => {
    if (!list.firstChild) list.replaceChildren(loading());
    try {
      const { items } = await api.get(path, { signal });
      if (signal.aborted) return;
      list.replaceChildren(items.length
        ? h('ul', { class: 'card-list' }, items.map((tier) => h('li', { class: 'card' },
          s.tierLine(tier.name, tier.priceMinor === 0 ? t.events.free : formatMoney(tier.priceMinor, tier.currency), tier.quantity, tier.available))))
        : empty(s.tiersEmpty));
    } catch (error) {
      if (!signal.aborted) list.replaceChildren(failure(error, load));
    }
  };
  const { rows, controls, markInvalid, refused } = labelledFields('tier', [
    { name: 'name', label: s.tierName, attributes: { required: true, maxlength: '60', autocomplete: 'off' } },
    { name: 'priceMinor', label: s.tierPrice, attributes: { required: true, inputmode: 'decimal', autocomplete: 'off', value: '0' } },
    { name: 'currency', label: s.tierCurrency, attributes: { required: true, maxlength: '3', autocomplete: 'off', value: 'EUR', spellcheck: 'false' } },
    { name: 'quantity', label: s.tierQuantity, attributes: { type: 'number', required: true, min: '1', max: '100000', step: '1', value: '100' } },
    { name: 'perPerson', label: s.tierPerPerson, attributes: { type: 'number', required: true, min: '1', max: '20', step: '1', value: '4' } },
  ]);
  const errors = h('div');
  const status = h('p', { role: 'status' });
  const submit = h('button', { type: 'submit' }, s.addTier);
  const form = h('form', { class: 'stack form', 'aria-labelledby': 'tiers-heading', novalidate: true }, rows, errors, h('div', { class: 'button-row' }, submit), status);
  onSubmit(form, { button: submit, errors, status }, async () => {
    markInvalid({});
    const currency = controls.currency.value.trim().toUpperCase();
    const priceMinor = minorUnits(controls.priceMinor.value, currency);
    if (priceMinor === null) {
      markInvalid({ priceMinor: s.badPrice });
      controls.priceMinor.focus();
      throw { message: s.badPrice };
    }
    let tier;
    try {
      tier = await api.post(path, {
        name: controls.name.value.trim(), priceMinor, currency,
        quantity: Number(controls.quantity.value), perPerson: Number(controls.perPerson.value),
      });
    } catch (error) {
      throw refused(error);
    }
    controls.name.value = '';
    await load();
    return s.tierAdded(tier.name);
  });
  load();
  return h('section', { class: 'stack', 'aria-labelledby': 'tiers-heading' },
    h('h3', { id: 'tiers-heading' }, s.tiers(event.title)), list, form);
}
