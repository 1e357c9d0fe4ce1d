// Keyboard shortcuts of the query box: "/" focuses it (and selects the query), Escape leaves it.
//
// "/" is the focus key, never typed, while the box has not been typed in since the page
// focused it (on load, after an example) or since a search was sent from it: the box then only
// looks unfocused to the user. Once they type or click in it, "/" is a character again (paths).

/** Wires the shortcuts to the query input; returns {arm()} to call when the page focuses it. */
export function queryKeys(query) {
  let armed = false;
  const focusQuery = () => {
    query.focus();
    query.select();
  };
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing || ev.defaultPrevented) return;
    const t = ev.target;
    if (t === query) {
      if (!armed) return; // typed into the box: a slash
    } else if (t instanceof HTMLElement && (t.isContentEditable || t.closest('input, textarea, select'))) {
      return;
    }
    ev.preventDefault();
    armed = false;
    focusQuery();
  });
  query.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') query.blur();
  });
  const disarm = () => {
    armed = false;
  };
  query.addEventListener('input', disarm);
  query.addEventListener('pointerdown', disarm);
  // Focus moving elsewhere in the page; not the window losing focus (it comes back to the box).
  query.addEventListener('blur', () => {
    if (document.hasFocus()) disarm();
  });
  return {
    /** The page focused the box (or a search was sent from it): the next "/" only selects. */
    arm() {
      armed = document.activeElement === query;
    },
  };
}
