// Every call the audit pages make, in one place, so endpoint and member names can be adjusted
// in one file. The contract:
//   GET  /api/audit/records?from&to&actor&action&object_type&object_id&result&q&limit&before
//        → { items: [{seq, at, at_text, actor_kind, actor_id, actor_name, source, session,
//                     action, object_type, object_id, result, detail}],
//            next_before_seq: N | null, total: N, total_capped: bool }
//   GET  /api/audit/stats (same filters) → { total, by_actor, by_action, by_result, by_hour,
//        by_day, failed_logins: {by_account, by_source}, off_hours, denied_bursts }
//   GET  /api/audit/export?format=csv|xlsx&… → the file
//   POST /api/audit/verify → { intact, checked_at, checked_at_text, report }
//   GET  /api/audit/verifications → { items: [{id, at, at_text, trigger, actor, intact, first_bad_seq, kind, records}] }
//   GET  /api/audit/alerts → { items: [{id, at, at_text, kind, severity, title, detail,
//                                       acked, acked_by, acked_at, acked_comment}] }
//   POST /api/audit/alerts/:id/ack { comment }
//   GET  /api/logs?from&to&source&hostname&app&severity&parse_errors&text&limit&after
//        → { items: [{id, received, received_us, source, port, proto, known, format,
//                     parse_error, truncated, facility, severity, hostname, app, procid,
//                     msgid, msg, raw_len}], next: cursor | null }
//   GET  /api/logs/:id/raw → the bytes as received
// Times in filters: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (Beijing time) or epoch µs.
import { download, qs, request } from './api.js';

export const RECORD_FILTERS = ['from', 'to', 'actor', 'action', 'object_type', 'object_id', 'result', 'q'];
export const PAGE_SIZE = 50;

function pickFilters(filters, names) {
  const out = {};
  for (const k of names) if (filters[k] !== undefined && filters[k] !== '') out[k] = filters[k];
  return out;
}

export function fetchRecords(filters, before) {
  return request('GET', `/api/audit/records${qs({ ...pickFilters(filters, RECORD_FILTERS), limit: PAGE_SIZE, before })}`);
}

export function fetchStats(filters) {
  return request('GET', `/api/audit/stats${qs(pickFilters(filters, RECORD_FILTERS))}`);
}

export function exportRecords(format, filters) {
  const stamp = new Date().toISOString().slice(0, 10);
  return download(`/api/audit/export${qs({ format, ...pickFilters(filters, RECORD_FILTERS) })}`, `audit-${stamp}.${format}`);
}

export function verifyTrail() {
  return request('POST', '/api/audit/verify');
}

export function fetchVerifications() {
  return request('GET', '/api/audit/verifications');
}

export function fetchAlerts() {
  return request('GET', '/api/audit/alerts');
}

export function ackAlert(id, comment) {
  return request('POST', `/api/audit/alerts/${encodeURIComponent(id)}/ack`, { comment });
}

export const LOG_FILTERS = ['from', 'to', 'source', 'hostname', 'app', 'severity', 'parse_errors', 'text'];

export function fetchLogs(filters, after) {
  return request('GET', `/api/logs${qs({ ...pickFilters(filters, LOG_FILTERS), limit: PAGE_SIZE, after })}`);
}

export function downloadRaw(id) {
  return download(`/api/logs/${encodeURIComponent(id)}/raw`, `log-${id}.raw`);
}
