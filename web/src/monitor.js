// The website watch (GET /api/monitor/sites[/:id]) and the periodic duties and duty roster
// (GET /api/obligations, /api/duty/roster) as the pages show them: the colour of each state,
// the kinds of alarm, the response-time chart's points, a month's days with their labels. No
// page state here, so the browser tests check it in node.

export const SITE_STATES = ['up', 'down', 'unknown'];
// 正常 green, 无法访问 red, 未知 grey (Element Plus tag types)
export const siteStateType = { up: 'success', down: 'danger', unknown: 'info' };

// The kinds of a site's events (monitor/check.c), each labelled in i18n as mon.kind.<kind>.
export const EVENT_KINDS = ['down', 'up', 'tampered', 'dark_link', 'word_forbidden', 'word_missing', 'sensitive', 'cert_expiring'];

// Uptime over 24 hours, per cent with one decimal, or '—' before the first check.
export function uptimeText(v) {
  return typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(1)}%` : '—';
}

// Latency in milliseconds, or '—' when the last check had none.
export function latencyText(ms) {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? `${ms} ms` : '—';
}

// The share of the checks given that succeeded, per cent with one decimal; null for none.
export function availability(checks) {
  if (!Array.isArray(checks) || !checks.length) return null;
  const ok = checks.filter((c) => c.ok).length;
  return Math.round((ok * 1000) / checks.length) / 10;
}

// The chart's series from a site's checks (oldest first): the latency of each check that
// answered, and the failed checks as points on the axis of their own.
export function chartSeries(checks, label) {
  const list = Array.isArray(checks) ? checks : [];
  return {
    labels: list.map((c) => label(c.at)),
    latency: list.map((c) => (c.ok ? c.latency_ms : null)),
    failed: list.map((c) => (c.ok ? null : 0)),
  };
}

// The counts of sites by state, and the sites with open alarms.
export function siteSummary(items) {
  const out = { up: 0, down: 0, unknown: 0, alarms: 0, total: 0 };
  for (const s of items || []) {
    out.total++;
    if (s.state in out) out[s.state]++;
    if (s.open_alarms > 0) out.alarms++;
  }
  return out;
}

// ---- periodic duties -------------------------------------------------------------------------

export const DUTY_STATES = ['overdue', 'due', 'upcoming', 'done'];
// 已逾期 red, 待完成 orange, 未到期 grey, 已完成 green
export const dutyStateType = { overdue: 'danger', due: 'warning', upcoming: 'info', done: 'success' };
export const RULES = ['daily', 'weekly', 'monthly', 'quarterly', 'half_yearly', 'yearly', 'days'];

// Whether the signed-in person may attach evidence to a duty: it is kept as a file, and the
// person holds its owning role (`mine`) or decides on compliance (the security administrator).
export function mayAttach(duty, canManage) {
  return duty.evidence_kind === 'file' && duty.state !== 'done' && (duty.mine || canManage);
}

// The duties of a state ('' any), and only one's own when `mine`.
export function filterDuties(items, { state = '', mine = false } = {}) {
  return (items || []).filter((i) => (!state || i.state === state) && (!mine || i.mine));
}

// ---- the duty roster -------------------------------------------------------------------------

// 'YYYY-MM' of a 'YYYY-MM-DD' date, and the month after or before it.
export function monthOf(date) {
  return String(date || '').slice(0, 7);
}

export function shiftMonth(month, by) {
  const [y, m] = month.split('-').map(Number);
  const n = y * 12 + (m - 1) + by;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

// A day's person on duty is the signed-in user, today, and may check in.
export function mayCheckIn(day, today, userId) {
  return !!day && day.date === today && !!day.on_duty && day.on_duty.id === userId;
}

// The people of a role from GET /api/users (roles: "duty,leader"), active ones only.
export function peopleOfRole(users, role) {
  return (users || []).filter((u) => u.status === 'active' && String(u.roles || '').split(',').includes(role));
}
