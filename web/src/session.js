// Who is signed in, for the whole UI: loaded from GET /api/me at start, replaced by the
// answer of a sign-in, cleared by sign-out or by any 401. The router's guard (router.js)
// reads it to send people to /login, to the forced password change, to TOTP enrolment, or to
// the 403 page.
import { reactive, readonly } from 'vue';
import { request, setAuthErrorHandler, setCsrfToken } from './api.js';

const state = reactive({
  loaded: false, // GET /api/me has answered once (signed in or not)
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

// A 401 from any call: the session is gone (expired, ended elsewhere) → /login, keeping the
// wanted page. A refusal for a pending first step → reload the session and go to that step.
// The router is given by main.js, so this module does not import it.
export function installAuthErrorHandler(router) {
  setAuthErrorHandler(async (err) => {
    const current = router.currentRoute.value;
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
