// Drag to reorder a list by its rows' handles, with pointer events so a mouse,
// a pen and a finger all work. Keyboard users have the rows' Move buttons;
// this is the pointer's way to the same edit.

/**
 * Lets the `.drag-handle` of each `<li>` of `list` drag its row; on release,
 * `onMove(from, to)` gets the row's index and the index it should end up at.
 */
export function dragToReorder(list, onMove) {
  const rows = () => [...list.children];
  list.addEventListener('pointerdown', (event) => {
    const handle = event.target instanceof Element ? event.target.closest('.drag-handle') : null;
    if (!handle || event.button !== 0) return;
    const row = handle.closest('li');
    const from = rows().indexOf(row);
    if (from < 0) return;
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    row.classList.add('dragging');
    let to = from;

    const mark = (y) => {
      const others = rows().filter((other) => other !== row);
      // The row goes before the first other row whose middle is below the pointer.
      to = others.findIndex((other) => {
        const box = other.getBoundingClientRect();
        return y < box.top + box.height / 2;
      });
      if (to < 0) to = others.length;
      for (const other of others) other.classList.remove('drop-before', 'drop-after');
      if (to === from) return;
      if (to < others.length) others[to].classList.add('drop-before');
      else others[others.length - 1]?.classList.add('drop-after');
    };
    const finish = (commit) => {
      handle.removeEventListener('pointermove', onPointerMove);
      handle.removeEventListener('pointerup', onPointerUp);
      handle.removeEventListener('pointercancel', onPointerCancel);
      row.classList.remove('dragging');
      for (const other of rows()) other.classList.remove('drop-before', 'drop-after');
      if (commit && to !== from) onMove(from, to);
    };
    const onPointerMove = (moved) => mark(moved.clientY);
    const onPointerUp = (released) => {
      mark(released.clientY);
      finish(true);
    };
    const onPointerCancel = () => finish(false);
    handle.addEventListener('pointermove', onPointerMove);
    handle.addEventListener('pointerup', onPointerUp);
    handle.addEventListener('pointercancel', onPointerCancel);
  });
}
