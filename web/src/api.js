// Calls to the xinan HTTP API. Same origin only (the CSP allows nothing else).

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
