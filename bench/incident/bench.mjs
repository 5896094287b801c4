// Incident figures (room incident/): 1,000 open incidents whose leaders' clocks (10 minutes)
// fall due over the next 40 seconds; how late each escalation starts after its due time
// (the job runner wakes for the earliest due clock), and the board's list (GET
// /api/incidents?state=open, 1,000 incidents with their 3-4 clocks) timed at the server by its
// access log. Run by run.sh; prints one line per figure. Usage: node bench.mjs COUNT LISTS
import { spawnSync } from 'node:child_process';
import { startServer } from '../../tests/lib/server.mjs';
import { adminClient } from '../../tests/lib/session.mjs';

const count = Number(process.argv[2] || 1000);
const lists = Number(process.argv[3] || 200);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

const srv = await startServer({ env: { XINAN_LOG_ACCESS: 'on' } });
try {
  const admin = await adminClient(srv);
  const kinds = ['defacement', 'site_down', 'virus', 'illegal_content', 'power_failure'];
  const t0 = Date.now();
  // detected 10 minutes ago, less 20 s, plus 40 ms per incident: due from t0+20 s to t0+60 s
  for (let i = 0; i < count; i++) {
    const detected = new Date(t0 - 600_000 + 20_000 + i * Math.floor(40_000 / count)).toISOString();
    const r = await admin.call('POST', '/api/incidents', { kind: kinds[i % kinds.length], title: `压测事件 ${i + 1}`, detected_at: detected, drill: true });
    if (r.status !== 201) throw new Error(`open ${i}: ${r.status} ${r.body}`);
  }
  console.log(`opened ${count} incidents in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // the board, while the escalations come due
  for (let i = 0; i < lists; i++) {
    const r = await admin.call('GET', '/api/incidents?state=open');
    if (r.status !== 200 || r.json.items.length < Math.min(count, 500)) throw new Error(`list: ${r.status}`);
  }
  // the access log's lines: "event=http.request … method=GET path=/api/incidents status=200 ms=1.234"
  const ms = srv.logs().split('\n').filter((l) => l.includes('event=http.request') && l.includes('method=GET path=/api/incidents '))
    .map((l) => Number((l.match(/ ms=([\d.]+)/) || [])[1])).filter((x) => Number.isFinite(x));
  console.log(`board list (${ms.length} requests, ${count} open): p50 ${pct(ms, 0.5).toFixed(2)} ms, p99 ${pct(ms, 0.99).toFixed(2)} ms at the server (target p99 <= 50 ms)`);

  // wait until every leaders' clock has escalated
  const sql = "SELECT count(*) FROM incident_clock WHERE key = 'inform_leaders' AND escalated_at IS NOT NULL";
  const deadline = Date.now() + 120_000;
  for (;;) {
    const n = Number(spawnSync('sqlite3', [srv.db, sql], { encoding: 'utf8' }).stdout.trim());
    if (n >= count) break;
    if (Date.now() > deadline) throw new Error(`only ${n} of ${count} escalated`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const late = spawnSync('sqlite3', [srv.db, "SELECT escalated_at - due_at FROM incident_clock WHERE key = 'inform_leaders'"], { encoding: 'utf8' })
    .stdout.trim().split('\n').map((x) => Number(x) / 1000);
  console.log(`escalations: ${late.length}, lateness after the due time: p50 ${pct(late, 0.5).toFixed(1)} ms, p99 ${pct(late, 0.99).toFixed(1)} ms, max ${Math.max(...late).toFixed(1)} ms (target: every one within 1000 ms)`);
} finally {
  await srv.stop();
}
