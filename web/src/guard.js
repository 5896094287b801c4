// The guard agents (GET /api/guard/agents) as the page shows them: the colour of each state,
// the kinds of event, a heartbeat as a relative time, a restore's duration. No page state
// here, so the browser tests check it in node.

// 在线 green, 离线 red (Element Plus tag types)
export const agentStateType = { online: 'success', offline: 'danger' };

// The events an agent reports (guard/guard.c), each labelled in i18n as guard.event.<event>.
export const GUARD_EVENTS = ['restored', 'quarantined', 'overflow_rescan', 'difference', 'quarantine_kept'];
export const guardEventType = { restored: 'success', quarantined: 'warning', overflow_rescan: 'info', difference: 'danger', quarantine_kept: 'info' };

// What was found changed, labelled as guard.kind.<kind>.
// (written, too_large, upload_failed: of a quarantined file's upload)
export const GUARD_KINDS = ['modified', 'deleted', 'added', 'mode', 'symlink', 'written', 'too_large', 'upload_failed'];

// Where a quarantined event's file is: 'download' (the server holds it and the person may
// download it: href), 'server' (held, not theirs to download), 'host' (on the web host only),
// or null for any other event (and a quarantined directory, which has no digest).
export function quarantineFile(e, canDownload) {
  if (!e || e.event !== 'quarantined' || typeof e.quarantine_file !== 'boolean') return null;
  if (!e.quarantine_file) return { state: 'host' };
  if (!canDownload) return { state: 'server' };
  return { state: 'download', href: `/api/guard/quarantine/${encodeURIComponent(e.found)}` };
}

// UTC epoch microseconds → how long ago, from `nowMs` (Date.now()): '刚刚', '12秒前', '3分钟前',
// '2小时前', '5天前' (or 'just now', '12 s ago', …); 0 or missing → '—'. A time a little ahead
// (clocks apart) reads as just now.
export function relativeTime(us, nowMs, lang) {
  if (typeof us !== 'number' || !Number.isFinite(us) || us <= 0) return '—';
  const s = Math.max(0, Math.floor((nowMs - us / 1000) / 1000));
  const zh = lang !== 'en';
  if (s < 5) return zh ? '刚刚' : 'just now';
  let n;
  let unit;
  if (s < 60) [n, unit] = [s, zh ? '秒' : ' s'];
  else if (s < 3600) [n, unit] = [Math.floor(s / 60), zh ? '分钟' : ' min'];
  else if (s < 86400) [n, unit] = [Math.floor(s / 3600), zh ? '小时' : ' h'];
  else [n, unit] = [Math.floor(s / 86400), zh ? '天' : ' d'];
  return zh ? `${n}${unit}前` : `${n}${unit} ago`;
}

// A restore's or quarantine's duration in milliseconds: '0.42 ms', '3.1 ms', '250 ms'; an event
// without one (a difference found, a rescan) → '—'.
export function durationText(event, ms) {
  if (event !== 'restored' && event !== 'quarantined') return '—';
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

// The counts of agents by state and of the tampering (restored or quarantined) among the
// events shown.
export function agentSummary(items) {
  const out = { online: 0, offline: 0, tampering: 0, total: 0 };
  for (const a of items || []) {
    out.total++;
    if (a.state in out) out[a.state]++;
    for (const e of a.events || []) if (e.event === 'restored' || e.event === 'quarantined') out.tampering++;
  }
  return out;
}

// The server's own address for the enrolment commands (what the agent's --server takes).
export function serverUrl(location) {
  return location && location.origin ? location.origin : 'https://xinan.example.gov.cn';
}
