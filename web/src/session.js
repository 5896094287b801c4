// Who is signed in, for the whole UI: loaded from GET /api/me at start, replaced by the
// answer of a sign-in, cleared by sign-out or by any 401. The router's guard (router.js)
// reads it to send people to /login, to the forced password change, to TOTP enrolment, or to
// the 403 page.
import { reactive, readonly } from 'vue';
import { request, setAuthErrorHandler, setCsrfToken, setUseHandler } from './api.js';
import { loadLabels } from './labels.js';

const state = reactive({
  loaded: false, // GET /api/me has answered once (signed in or not)
  locked: false, // ACC-15: idle past the limit; the page is covered until the password is given
  lockedAccount: '', // who signs in again on the lock screen
  user: null, // the principal: { id, account, real_name, session, roles[], permissions[],
  //             admin, must_change, must_enrol_totp, totp } (the CSRF token: api.js only)
});

export const session = readonly(state);

function setUser(user) {
  if (user && typeof user === 'object') {
    setCsrfToken(user.csrf);
    const { csrf: _csrf, ...rest } = user;
    state.user = {
      ...rest,
      roles: Array.isArray(user.roles) ? user.roles : [],
      permissions: Array.isArray(user.permissions) ? user.permissions : [],
    };
    loadLabels();
  } else {
    setCsrfToken('');
    state.user = null;
  }
}

// Loads the session from the server; resolves to the user or null. Never rejects for a
// missing session; a network failure leaves the state signed out too.
export async function loadSession() {
  try {
    const body = await request('GET', '/api/me', undefined, { noRedirect: true });
    setUser(body.user);
  } catch {
    setUser(null);
  }
  state.loaded = true;
  return state.user;
}

// POST /api/auth/login. Resolves to { needTotp: true } when the second factor is asked for,
// or { user }; rejects with the server's ApiError (wrong account or password, locked, …).
export async function signIn(account, password, totp) {
  const body = { account, password };
  if (totp) body.totp = totp;
  const answer = await request('POST', '/api/auth/login', body, { noRedirect: true });
  if (answer.need_totp) return { needTotp: true };
  setUser(answer.user);
  state.loaded = true;
  return { user: state.user };
}

export async function signOut() {
  try {
    await request('POST', '/api/auth/logout', undefined, { noRedirect: true });
  } finally {
    setUser(null);
  }
}

// Marks the forced steps done after the server accepted them, then reloads the principal
// (a password change issues a new session token and CSRF token).
export function refreshSession() {
  return loadSession();
}

export function clearSession() {
  setUser(null);
}

// True when the signed-in user holds the permission.
export function can(perm) {
  return !!state.user && state.user.permissions.includes(perm);
}

// True when the user holds any of the permissions; an empty or missing list means "anyone
// signed in".
export function canAny(perms) {
  if (!state.user) return false;
  if (!perms || perms.length === 0) return true;
  return perms.some((p) => state.user.permissions.includes(p));
}

// The step the user must take before anything else: 'password', 'totp' or ''.
export function pendingStep() {
  if (!state.user) return '';
  if (state.user.must_change) return 'password';
  if (state.user.must_enrol_totp) return 'totp';
  return '';
}

// ---- the idle lock (ACC-15) --------------------------------------------------------------------
//
// The page keeps its own idle clock: input (keys, pointer, wheel, touch) is use; so is any API
// call that is not a background poll. At the server's idle limit (/api/me idle_timeout) the
// page ends the session and covers itself with the lock screen, which asks for the password
// again; the route and the page under it stay as they were. While the person works without
// calls (typing a long text), one GET /api/me now and then keeps the server's clock in step.

const IDLE_TICK_MS = 1000;
let lastInput = Date.now();
let lastCall = Date.now();
let idleTimer = null;

function idleLimitMs() {
  const s = state.user && Number(state.user.idle_timeout);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 0;
}

export function lockNow() {
  if (!state.user || state.locked) return;
  state.lockedAccount = state.user.account;
  state.locked = true;
  // the session ends now rather than at the server's limit; a failure (already expired) is fine
  request('POST', '/api/auth/logout', undefined, { noRedirect: true, background: true }).catch(() => {});
  setCsrfToken('');
}

function idleTick() {
  const limit = idleLimitMs();
  if (!state.user || state.locked || !limit) return;
  const now = Date.now();
  if (now - lastInput >= limit) {
    lockNow();
  } else if (lastInput > lastCall && now - lastCall > limit / 3) {
    lastCall = now;
    request('GET', '/api/me').catch(() => {});
  }
}

export function startIdleWatch() {
  if (idleTimer) return;
  const onInput = () => {
    if (!state.locked) lastInput = Date.now();
  };
  for (const ev of ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart']) {
    window.addEventListener(ev, onInput, { passive: true, capture: true });
  }
  setUseHandler(() => {
    lastCall = Date.now();
  });
  idleTimer = setInterval(idleTick, IDLE_TICK_MS);
}

// The lock screen's sign-in: the same account, the password (and the code when asked for).
// Resolves to { needTotp: true } or { user }; rejects with the server's ApiError.
export async function unlock(password, totp) {
  const answer = await signIn(state.lockedAccount, password, totp);
  if (answer.user) {
    state.locked = false;
    lastInput = Date.now();
    lastCall = Date.now();
  }
  return answer;
}

// A 401 from any call: the session is gone (expired, ended elsewhere) → /login, keeping the
// wanted page; an idle expiry of a page in use locks it instead. A refusal for a pending first
// step → reload the session and go to that step.
// The router is given by main.js, so this module does not import it.
export function installAuthErrorHandler(router) {
  setAuthErrorHandler(async (err) => {
    const current = router.currentRoute.value;
    if (err.status === 401 && state.locked) return;
    if (err.status === 401 && err.code === 'session_expired' && state.user) {
      lockNow();
      return;
    }
    if (err.status === 401) {
      setUser(null);
      if (current.name === 'login') return;
      router.replace({ name: 'login', query: { redirect: current.fullPath } });
      return;
    }
    await loadSession();
    const step = pendingStep();
    if (step && current.name !== step) router.replace({ name: step });
  });
}
