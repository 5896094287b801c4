// Compliance report figures (room oblig/), run by run.sh. Usage: node bench.mjs RUNS
// A unit's data is put straight into the database (register rows, incidents, audit records
// copied from a real one: the report reads them, it does not verify them), at full size and at
// a tenth; then GET /api/compliance and GET /api/compliance/report.pdf are timed at the server.
import { startServer, sqlite } from '../../tests/lib/server.mjs';
import { adminClient, appointedClient, grantedClient, Client, STRONG } from '../../tests/lib/session.mjs';

const runs = Number(process.argv[2] || 20);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

async function measure(scale) {
  const rows = 100000 / scale, incidents = 10000 / scale, records = 1000000 / scale;
  let srv = await startServer({ env: { XINAN_LOG_ACCESS: 'on' } });
  const admin = await adminClient(srv);
  await appointedClient(srv, admin, 'aud1', 'auditor', { realName: '吴审计' });
  const sec = await appointedClient(srv, admin, 'sec1', 'secadmin', { realName: '周安全' });
  await grantedClient(srv, admin, sec, 'lead1', 'leader', { realName: '郑领导' });
  await srv.stop();
  const db = srv.db;
  const seq = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})`;
  sqlite(db, `${seq} INSERT INTO register_row (reg, state, data, search, created_at, created_by, updated_at)
    SELECT 'devices', CASE WHEN i % 50 = 0 THEN 'lent' ELSE 'in_use' END,
      json_object('asset_no', 'ZC-' || i, 'type', 'pc', 'ip', '10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256),
        'location', '机房', 'secret', 'no', 'borrower', '张三', 'return_date', '2026-01-01'),
      'zc-' || i, 1764979200000000, 'bench', 1764979200000000 FROM n;`);
  sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${incidents})
    INSERT INTO incident (kind, title, state, drill, site_affected, source, detected_at, opened_at, opened_by, closed_at, keep_until)
    SELECT 'other', '事件 ' || i, 'closed', 0, 0, 'person', 1764979200000000, 1764979200000000, 'bench', 1764979200000000, 1800000000000000 FROM n;`);
  sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${records})
    INSERT INTO audit_log (seq, epoch, alg, at, actor_kind, actor_id, actor_name, source, session, action, object_type, object_id, result, detail, prev_hash, hash, seal)
    SELECT (SELECT max(seq) FROM audit_log) + i, epoch, alg, at + i, actor_kind, actor_id, actor_name, source, session, action, object_type, object_id, result, detail, prev_hash, hash, seal
    FROM n, (SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1);
    UPDATE audit_fts_state SET last_seq = (SELECT max(seq) FROM audit_log);`);
  srv = await startServer({ dir: srv.dir, env: { XINAN_LOG_ACCESS: 'on' } });
  const lead = new Client(srv.url); // a leader reads the report
  const li = await lead.login('lead1', STRONG);
  if (li.status !== 200) throw new Error(`login: ${li.body}`);
  const times = (re) => srv.logs().split('\n').filter((l) => l.includes('event=http.request') && re.test(l)).map((l) => Number((l.match(/ ms=([\d.]+)/) || [])[1]));
  let flagged = 0;
  for (let i = 0; i < runs; i++) {
    const r = await lead.call('GET', '/api/compliance');
    if (r.status !== 200) throw new Error(`compliance: ${r.status} ${r.body.slice(0, 200)}`);
    flagged = r.json.items.find((x) => x.id === 'LED-4')?.evidence.length ?? 0;
    const p = await lead.call('GET', '/api/compliance/report.pdf');
    if (p.status !== 200) throw new Error(`pdf: ${p.status}`);
  }
  await new Promise((res) => setTimeout(res, 200));
  const json = times(/path=\/api\/compliance /), pdf = times(/path=\/api\/compliance\/report\.pdf /);
  await srv.stop();
  srv.cleanup();
  return { rows, incidents, records, json, pdf, flagged };
}

for (const scale of [10, 1]) {
  const m = await measure(scale);
  console.log(`${m.rows} register rows, ${m.incidents} incidents, ${m.records} audit records: report JSON p50 ${pct(m.json, 0.5).toFixed(0)} ms, p99 ${pct(m.json, 0.99).toFixed(0)} ms; PDF p50 ${pct(m.pdf, 0.5).toFixed(0)} ms, p99 ${pct(m.pdf, 0.99).toFixed(0)} ms at the server (target p99 <= 2000 ms)`);
}
