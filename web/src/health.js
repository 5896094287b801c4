// The server-health poller shared by the header indicator and the status page: one request
// every 5 seconds to GET /api/health, with the recent database latencies kept for the chart.
import { reactive, readonly } from 'vue';
import { fetchHealth } from './api.js';

export const POLL_INTERVAL_MS = 5000;
export const HISTORY_LENGTH = 60;

const state = reactive({
  // 'loading' until the first answer, then 'ok' | 'degraded' | 'unreachable'
  state: 'loading',
  health: null, // the last health body received
  error: null, // why the last poll failed: { kind, status?, message? } (see api.js)
  lastPollAt: null, // Date of the last finished poll, successful or not
  lastOkAt: null, // Date of the last poll that got a health body
  history: [], // [{ at: Date, latencyUs: number | null }]
  polling: false,
});

let timer = null;
let inFlight = null;
let subscribers = 0;

async function pollOnce() {
  if (inFlight) return inFlight;
  inFlight = (async () => {
    const result = await fetchHealth();
    const now = new Date();
    state.lastPollAt = now;
    state.state = result.state;
    if (result.state === 'unreachable') {
      state.error = result.error || { kind: 'network' };
      state.history.push({ at: now, latencyUs: null });
    } else {
      state.error = null;
      state.health = result.health;
      state.lastOkAt = now;
      const db = result.health.database || {};
      const us = db.ok && typeof db.latency_us === 'number' ? db.latency_us : null;
      state.history.push({ at: now, latencyUs: us });
    }
    if (state.history.length > HISTORY_LENGTH) {
      state.history.splice(0, state.history.length - HISTORY_LENGTH);
    }
  })();
  try {
    await inFlight;
  } finally {
    inFlight = null;
  }
}

function schedule() {
  clearTimeout(timer);
  if (!state.polling) return;
  timer = setTimeout(async () => {
    await pollOnce();
    schedule();
  }, POLL_INTERVAL_MS);
}

// Polls now and restarts the 5-second cycle.
export async function refreshHealth() {
  clearTimeout(timer);
  await pollOnce();
  schedule();
}

// Each caller that needs live health starts it and stops it when done; polling runs while
// at least one caller needs it.
export function startHealthPolling() {
  subscribers += 1;
  if (subscribers === 1) {
    state.polling = true;
    refreshHealth();
  }
}

export function stopHealthPolling() {
  subscribers = Math.max(0, subscribers - 1);
  if (subscribers === 0) {
    state.polling = false;
    clearTimeout(timer);
  }
}

export const health = readonly(state);
