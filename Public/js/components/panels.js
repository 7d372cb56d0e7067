// Buttons that each open a panel (an editor, say) in their own place, one
// panel of the group open at a time; the button says whether its panel is
// open (aria-expanded) and the panel takes the focus.

/**
 * Returns `attach(button, slot, make)`: pressing `button` shows `make(close)`
 * (`{element, focus}`) in `slot`, or closes it when open; attach returns
 * `{open, close}` to do the same from code.
 */
export function panelGroup() {
  let current = null;
  return (button, slot, make) => {
    button.setAttribute('aria-expanded', 'false');
    const close = () => {
      slot.replaceChildren();
      button.setAttribute('aria-expanded', 'false');
      if (current?.button === button) current = null;
    };
    const open = () => {
      current?.close();
      const panel = make(close);
      slot.replaceChildren(panel.element);
      button.setAttribute('aria-expanded', 'true');
      current = { button, close };
      panel.focus?.();
    };
    button.addEventListener('click', () => (current?.button === button ? close() : open()));
    return { open, close };
  };
}
