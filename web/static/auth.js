// The bearer-token prompt: shown when the API answers 401, resolves the waiting requests once
// a token is entered (kept in sessionStorage, this tab only).

import { onUnauthorized, setToken } from './api.js';

/** Wires the prompt: `els` = {box, form, msg, input}. */
export function tokenPrompt({ box, form, msg, input }) {
  let waiters = [];
  onUnauthorized((rejected) => new Promise((resolve) => {
    waiters.push(resolve);
    msg.textContent = rejected
      ? 'The server rejected the token. Enter a valid token (kept in this tab only).'
      : 'This server needs a bearer token. It is kept in this tab only (sessionStorage).';
    box.hidden = false;
    input.value = '';
    input.focus();
  }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    setToken(token);
    box.hidden = true;
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  });
}
