// Display formats for server figures, in the current language.

// Uptime in seconds → '45秒', '12分5秒', '3小时12分', '2天3小时' (or '3 h 12 min' in English).
export function formatUptime(seconds, lang) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const zh = lang !== 'en';
  const u = zh
    ? { d: '天', h: '小时', m: '分', s: '秒', sep: '' }
    : { d: ' d', h: ' h', m: ' min', s: ' s', sep: ' ' };
  let parts;
  if (d > 0) parts = [[d, u.d], [h, u.h]];
  else if (h > 0) parts = [[h, u.h], [m, u.m]];
  else if (m > 0) parts = [[m, u.m], [sec, u.s]];
  else parts = [[sec, u.s]];
  // Drop a trailing zero part: '3小时' rather than '3小时0分'.
  if (parts.length === 2 && parts[1][0] === 0) parts = [parts[0]];
  return parts.map(([n, unit]) => `${n}${unit}`).join(u.sep);
}

// Microseconds → '42 µs', '1.35 ms', '2.10 s'.
export function formatLatency(us) {
  if (typeof us !== 'number' || !Number.isFinite(us) || us < 0) return '—';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(2)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}

const shanghai = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

// An ISO 8601 time → '2026-11-21 17:30:00' in Beijing time (Asia/Shanghai), as the project
// displays every time.
export function formatBeijingTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  const p = Object.fromEntries(shanghai.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// Only the clock part, for chart axes: '17:30:05'.
export function formatBeijingClock(value) {
  const full = formatBeijingTime(value);
  return full === '—' ? full : full.slice(11);
}

// UTC epoch microseconds (how the server stores every time) → Beijing time; 0 or missing → '—'.
export function formatMicros(us) {
  if (typeof us !== 'number' || !Number.isFinite(us) || us <= 0) return '—';
  return formatBeijingTime(new Date(Math.floor(us / 1000)));
}
