// Register figures (room register/): 100,000 rows in `devices` added through the API, then
// filtered list pages (a field filter, a Chinese substring search, an exact IP, and the
// second page of a filter) timed at the server by its access log. Run by run.sh.
// Usage: node bench.mjs ROWS LISTS
import { startServer } from '../../tests/lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../../tests/lib/session.mjs';

const rows = Number(process.argv[2] || 100000);
const lists = Number(process.argv[3] || 200);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const types = ['pc', 'laptop', 'server', 'network', 'printer'];
const places = ['机房', '档案室', '三楼办公室', '四楼会议室', '值班室'];

const srv = await startServer({ env: { XINAN_LOG_ACCESS: 'on' } });
try {
  const admin = await adminClient(srv);
  const sec = await appointedClient(srv, admin, 'sec1', 'secadmin');
  const dev = await grantedClient(srv, admin, sec, 'dev1', 'device_admin', { realName: '设备员' });
  const t0 = Date.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= rows) return;
      const body = {
        asset_no: `ZC-${String(i).padStart(6, '0')}`, type: types[i % 5], model: `型号 ${i % 97}`,
        ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        mac: `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
        location: places[i % 5], secret: i % 10 ? 'no' : 'yes',
      };
      const r = await dev.call('POST', '/api/registers/devices/rows', body);
      if (r.status !== 201) throw new Error(`row ${i}: ${r.status} ${r.body}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  console.log(`added ${rows} devices through the API in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const before = srv.logs().length;
  const queries = ['?type=server&limit=50', `?q=${encodeURIComponent('档案')}&limit=50`, '?ip=10.1.2.3', '?type=pc&secret=yes&limit=50'];
  for (let i = 0; i < lists; i++) {
    const q = queries[i % queries.length];
    const r = await dev.call('GET', `/api/registers/devices/rows${q}`);
    if (r.status !== 200) throw new Error(`list ${q}: ${r.status}`);
    if (r.json.next && i % 8 === 0) await dev.call('GET', `/api/registers/devices/rows${q}&after=${r.json.next}`);
  }
  const ms = srv.logs().slice(before).split('\n').filter((l) => l.includes('event=http.request') && l.includes('method=GET path=/api/registers/devices/rows '))
    .map((l) => Number((l.match(/ ms=([\d.]+)/) || [])[1])).filter((x) => Number.isFinite(x));
  // the worst case: two filters that match nothing (printers are never secret here), so the
  // first filter's 20,000 rows are all looked at
  const worst = [];
  for (let i = 0; i < 20; i++) {
    const b = srv.logs().length;
    await dev.call('GET', '/api/registers/devices/rows?type=printer&secret=yes&limit=50');
    const m = srv.logs().slice(b).match(/ ms=([\d.]+)/);
    if (m) worst.push(Number(m[1]));
  }
  console.log(`two filters matching nothing (20,000 rows under the first): median ${pct(worst, 0.5).toFixed(2)} ms at the server`);
  console.log(`filtered list pages (${ms.length}, ${rows} rows): p50 ${pct(ms, 0.5).toFixed(2)} ms, p99 ${pct(ms, 0.99).toFixed(2)} ms, max ${Math.max(...ms).toFixed(2)} ms at the server (target p99 <= 50 ms)`);
} finally {
  await srv.stop();
}
