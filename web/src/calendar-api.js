// Every call of the working-day calendar page, with the endpoints' contract (routes.c,
// h_calendar.c; README "The working-day calendar"):
//   GET /api/calendar/status (anyone signed in) → { today, years: [{ year, source, notice }],
//       current_year, current_missing, next_year, next_missing, warning (Chinese or null) }
//   GET /api/calendar/:year (anyone signed in) → { year, data, estimated, source ('shipped' |
//       'imported' | null), shipped, notice, holidays, workdays, imported_at, imported_at_text,
//       imported_by, days: [{ date, kind: 'holiday' | 'workday', name, weekday (0 Sunday) }] }
//   GET /api/calendar/workdays?from=YYYY-MM-DD&n=N → { from, n, date, estimated }
//   PUT /api/calendar/:year (calendar.manage), a text/plain year file of at most 64 KiB → the
//       year as GET answers it, with replaced. A file with bad lines is 400 `bad_calendar`,
//       nothing stored; its error object lists them: lines: [{ line (0: the file as a whole),
//       code, reason (Chinese) }], more.
import { qs, request } from './api.js';

export const MAX_FILE_BYTES = 64 * 1024; // XN_CAL_MAX_TEXT

export function fetchStatus() {
  return request('GET', '/api/calendar/status');
}

export function fetchYear(year) {
  return request('GET', `/api/calendar/${encodeURIComponent(year)}`);
}

export function addWorkdays(from, n) {
  return request('GET', `/api/calendar/workdays${qs({ from, n })}`);
}

export function importYear(year, text) {
  return request('PUT', `/api/calendar/${encodeURIComponent(year)}`, text, {
    contentType: 'text/plain; charset=utf-8',
  });
}

// The bad lines of a refused import from an ApiError's error object: { lines, more } or null.
export function refusalOf(error) {
  const e = error && typeof error === 'object' ? error : {};
  if (!Array.isArray(e.lines) || e.lines.length === 0) return null;
  const lines = e.lines
    .filter((l) => l && Number.isInteger(l.line) && l.line >= 0)
    .map((l) => ({ line: l.line, code: String(l.code || ''), reason: String(l.reason || '') }));
  return lines.length ? { lines, more: Number.isInteger(e.more) && e.more > 0 ? e.more : 0 } : null;
}

// 'YYYY-MM-DD' of a year's day, for the month grid.
export function isoDate(year, month, day) {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// The weeks of a month as rows of 7 cells (Sunday first), null outside the month.
export function monthWeeks(year, month) {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const cells = Array(first).fill(null);
  for (let d = 1; d <= days; d++) cells.push(d);
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}
