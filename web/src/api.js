// Calls to the xinan HTTP API. Same origin only (the CSP allows nothing else).
//
// request(method, path, body) is the one way pages talk to the API: it sends the session's
// CSRF token on every request that can change something, parses the JSON answer, and turns
// an error answer {"error":{"code","message","field"}} into an ApiError whose message is the
// server's own (Chinese) text. A 401 on any call but sign-in itself sends the browser to
// /login, keeping the page that was wanted.

const HEALTH_TIMEOUT_MS = 4000;

function isHealthBody(body) {
  return (
    body !== null &&
    typeof body === 'object' &&
    (body.status === 'ok' || body.status === 'degraded') &&
    typeof body.database === 'object' &&
    body.database !== null
  );
}

// GET /api/health. Resolves to one of
//   { state: 'ok' | 'degraded', health }             the server answered with a health body
//                                                    (HTTP 200, or 503 when degraded)
//   { state: 'unreachable', error }                  no answer, a timeout, or not a health body
// and never rejects. `error` is { kind: 'network' | 'timeout' | 'http', status?, message? }.
export async function fetchHealth() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), HEALTH_TIMEOUT_MS);
  try {
    const res = await fetch('/api/health', {
      method: 'GET',
      headers: { Accept: 'application/json' },
      cache: 'no-store',
      credentials: 'same-origin',
      signal: controller.signal,
    });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (isHealthBody(body) && (res.ok || res.status === 503)) {
      const degraded = body.status !== 'ok' || body.database.ok !== true;
      return { state: degraded ? 'degraded' : 'ok', health: body };
    }
    const message = body && body.error && typeof body.error.message === 'string' ? body.error.message : '';
    return { state: 'unreachable', error: { kind: 'http', status: res.status, message } };
  } catch (err) {
    const timedOut = err && err.name === 'AbortError';
    return { state: 'unreachable', error: { kind: timedOut ? 'timeout' : 'network' } };
  } finally {
    clearTimeout(timer);
  }
}

// The session's CSRF token (from POST /api/auth/login or GET /api/me); session.js sets it.
let csrfToken = '';
// Called on a 401 and on a refusal for a pending first step (password change, TOTP
// enrolment): session.js clears or reloads the session and routes accordingly.
let onAuthError = null;

export function setCsrfToken(token) {
  csrfToken = typeof token === 'string' ? token : '';
}

export function setAuthErrorHandler(fn) {
  onAuthError = fn;
}

// The refusals that mean "do this first" (server.c authorise).
export const PENDING_CODES = new Set(['password_change_required', 'totp_required']);

// An API failure. `code` is the server's error code ('network' when there was no answer,
// 'bad_response' when the answer was not JSON), `message` the server's Chinese text, `error`
// the server's whole error object (some refusals carry more than a message, e.g. the bad lines
// of a lexicon import), or {} when there was none.
export class ApiError extends Error {
  constructor(status, code, message, field, error) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || '';
    this.error = error && typeof error === 'object' ? error : {};
  }
}

const SAFE = new Set(['GET', 'HEAD']);

// Every call that is not background counts as use of the session (session.js keeps the idle
// clock of the page with it).
let onUse = null;

export function setUseHandler(fn) {
  onUse = fn;
}

async function send(method, path, body, { raw = false, noRedirect = false, contentType = '', background = false, fileName = '' } = {}) {
  const headers = { Accept: raw ? '*/*' : 'application/json' };
  // an evidence file's name travels percent-encoded beside its raw body (POST /api/files)
  if (fileName) headers['X-Filename'] = encodeURIComponent(fileName);
  // ACC-15: a poll (the bell, the workbench) is not use and must not hold the session open
  if (background) headers['X-Background'] = '1';
  else if (onUse) onUse();
  if (!SAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let payload;
  if (body !== undefined && contentType) {
    // a body sent as it is (a string or a Blob), e.g. text/plain uploads
    headers['Content-Type'] = contentType;
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: payload,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  if (res.ok && raw) return res;
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (res.ok) {
    if (json === null) throw new ApiError(res.status, 'bad_response', '服务器返回了无法识别的内容');
    return json;
  }
  const e = json && typeof json.error === 'object' && json.error !== null ? json.error : {};
  const err = new ApiError(
    res.status,
    typeof e.code === 'string' ? e.code : `http_${res.status}`,
    typeof e.message === 'string' && e.message ? e.message : `服务器返回 HTTP ${res.status}`,
    typeof e.field === 'string' ? e.field : '',
    e,
  );
  const authError = res.status === 401 || (res.status === 403 && PENDING_CODES.has(err.code));
  if (authError && !noRedirect && onAuthError) onAuthError(err);
  throw err;
}

// One API call: resolves to the parsed JSON answer, rejects with an ApiError.
// options: { noRedirect: true } keeps a 401 from leaving the page (sign-in, the first /api/me);
// { background: true } marks a poll that is not the person's use (X-Background: 1);
// { contentType: 'text/plain; charset=utf-8' } sends body (a string or a Blob) as it is;
// { fileName } names an upload's body (X-Filename).
export function request(method, path, body, options) {
  return send(method, path, body, options);
}

// A file download through the API (GET): the answer's bytes are handed to the browser as a
// file named by the server's Content-Disposition, or `fallbackName`. Errors as request().
export async function download(path, fallbackName) {
  const res = await send('GET', path, undefined, { raw: true });
  const blob = await res.blob();
  const name = fileNameOf(res.headers.get('Content-Disposition')) || fallbackName;
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return { name, size: blob.size };
}

function fileNameOf(disposition) {
  if (!disposition) return '';
  const star = disposition.match(/filename\*=UTF-8''([^;]+)/i);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = disposition.match(/filename="?([^";]+)"?/i);
  return plain ? plain[1].trim() : '';
}

// A query string from an object, leaving out empty values: qs({a: 1, b: ''}) → '?a=1'.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
