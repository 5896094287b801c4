// The website monitor's figures (room monitor/), run by run.sh: SITES pages served by a private
// nginx, watched by `xinan serve` at INTERVAL_S and probed by blackbox_exporter at the same rate;
// the CPU time of each over WINDOW_S, then the monitoring list's latency. Prints one line a
// figure. Usage: node bench.mjs (knobs in the environment, see run.sh)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { sqlite, startServer, tempDir } from '../../tests/lib/server.mjs';
import { adminClient } from '../../tests/lib/session.mjs';
import { startNginx } from '../../tests/lib/nginx.mjs';

const env = (k, d) => Number(process.env[k] || d);
const SITES = env('MONITOR_BENCH_SITES', 2000);
const INTERVAL = env('MONITOR_BENCH_INTERVAL_S', 30);
const WINDOW = env('MONITOR_BENCH_WINDOW_S', 120);
const WARM_MAX = env('MONITOR_BENCH_WARM_MAX_S', 90);
const LIST = env('MONITOR_BENCH_LIST', 200);
const HISTORY_H = env('MONITOR_BENCH_HISTORY_H', 24);
// 1: every answer differs (nginx SSI prints $request_id), as pages with a visit counter or the time do
const DYNAMIC = env('MONITOR_BENCH_DYNAMIC', 0) === 1;
const EXPORTER = process.env.MONITOR_BENCH_EXPORTER || '/usr/bin/prometheus-blackbox-exporter';
const here = new URL('.', import.meta.url).pathname;
const TICK = env('CLK_TCK', 100); // getconf CLK_TCK, from run.sh
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };

/** utime + stime of a process, all its threads, in ms. */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

// ---- the pages: 5-20 KiB of Chinese text, a nav of the site's own pages, two outside links ----
let seed = 1;
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
const PHRASES = ['政务公开', '各级人民政府', '依法行政', '信息公开指南', '办事服务', '政策解读', '互动交流',
  '公共服务事项', '年度工作报告', '财政预决算', '人事任免', '应急管理', '民生保障', '营商环境',
  '便民服务热线', '规范性文件', '统计数据发布', '重点领域信息', '乡村振兴', '生态环境保护'];
const para = (bytes) => {
  let s = '';
  while (Buffer.byteLength(s) < bytes) s += `${PHRASES[Math.floor(rnd() * PHRASES.length)]}，`;
  return `<p>${s}。</p>\n`;
};
const www = tempDir('xinan-monitor-bench-www-');
mkdirSync(join(www, 'p'));
const name = (i) => `${String(i).padStart(4, '0')}.html`;
for (let i = 0; i < SITES; i++) {
  const size = 5120 + Math.floor(rnd() * 15360);
  let body = '';
  while (Buffer.byteLength(body) < size) body += para(600 + Math.floor(rnd() * 1200));
  const nav = [0, 1, 2, (i + 1) % SITES].map((j) => `<a href="${name(j)}">栏目${j}</a>`).join(' ');
  writeFileSync(join(www, 'p', name(i)), `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>某市人民政府 第${i}页</title></head><body><nav>${nav}</nav>
<h1>政务公开 第${i}页</h1>
${body}${DYNAMIC ? '<p>本页访问编号 <!--# echo var="request_id" --></p>\n' : ''}<footer><a href="https://www.gov.cn/">中国政府网</a> <a href="https://www.example.gov.cn/zwgk/">政务公开</a></footer>
</body></html>\n`);
}
const nginx = await startNginx(www, { extra: DYNAMIC ? 'ssi on;' : '' });
const urls = Array.from({ length: SITES }, (_, i) => `${nginx.url}/p/${name(i)}`);
console.log(`pages: ${SITES} of 5-20 KiB (Chinese text, 4 links of the site's own, 2 outside)` +
  `${DYNAMIC ? ', each answer different (SSI)' : ', unchanged'}, nginx on 127.0.0.1:${nginx.port}`);

// ---- xinan ----------------------------------------------------------------------------------
const srv = await startServer({ env: { XINAN_LOG_ACCESS: 'on' } });
let exporter = null;
try {
  const admin = await adminClient(srv);
  let t = performance.now();
  for (let i = 0; i < SITES; i++) {
    const r = await admin.call('POST', '/api/monitor/sites', {
      name: `页面 ${i}`, url: urls[i], interval_s: INTERVAL, failures: 3,
      must_words: '政务公开', forbidden_words: '博彩,赌博', allow_hosts: 'gov.cn',
    });
    if (r.status !== 201) throw new Error(`add site ${i}: ${r.status} ${r.body}`);
  }
  console.log(`xinan: ${SITES} sites added through the API in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // warm-up: one full round (every site checked once), at most WARM_MAX s
  t = performance.now();
  let unchecked = SITES;
  while (performance.now() - t < WARM_MAX * 1000) {
    unchecked = Number(sqlite(srv.db, 'SELECT count(*) FROM monitor_site WHERE last_check_at IS NULL'));
    if (unchecked === 0) break;
    await sleep(1000);
  }
  console.log(`xinan: first round ${unchecked === 0 ? 'done' : `NOT done (${unchecked} sites unchecked)`} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // then half an interval: the checks of a round go out together (the sites were added
  // together), so a window that starts between two rounds holds whole rounds
  await sleep((INTERVAL * 1000) / 2);
  const pid = srv.proc.pid;
  const c0 = cpuMs(pid);
  const at0 = Date.now() * 1000;
  await sleep(WINDOW * 1000);
  const c1 = cpuMs(pid);
  const at1 = Date.now() * 1000;
  const checks = Number(sqlite(srv.db, `SELECT count(*) FROM monitor_check WHERE at >= ${at0} AND at < ${at1}`));
  const okChecks = Number(sqlite(srv.db, `SELECT count(*) FROM monitor_check WHERE at >= ${at0} AND at < ${at1} AND ok = 1`));
  const states = sqlite(srv.db, "SELECT group_concat(state || ' ' || n, ', ') FROM (SELECT state, count(*) n FROM monitor_site GROUP BY state)");
  const alarms = sqlite(srv.db, "SELECT coalesce(group_concat(kind || ' ' || n, ', '), 'none') FROM (SELECT kind, count(*) n FROM monitor_event WHERE open = 1 GROUP BY kind)");
  const xinanCpu = c1 - c0;
  const expected = (SITES * WINDOW) / INTERVAL;
  console.log(`xinan: ${checks} checks in ${WINDOW} s (${okChecks} ok; ${expected} expected), CPU ${(xinanCpu / 1000).toFixed(2)} s` +
    ` = ${(xinanCpu / checks).toFixed(2)} ms a check; sites: ${states}; open alarms: ${alarms}`);

  // ---- the list ------------------------------------------------------------------------------
  const list = async (label) => {
    const mark = srv.logs().length;
    const client = [];
    let items = 0;
    for (let i = 0; i < LIST; i++) {
      const s = performance.now();
      const r = await admin.call('GET', '/api/monitor/sites');
      client.push(performance.now() - s);
      if (r.status !== 200) throw new Error(`list: ${r.status} ${r.body}`);
      items = r.json.items.length;
    }
    await sleep(200);
    const server = [...srv.logs().slice(mark).matchAll(/path=\/api\/monitor\/sites status=\d+ ms=([0-9.]+)/g)].map((m) => Number(m[1]));
    const where = server.length >= LIST ? server : client;
    console.log(`list (${label}): ${items} sites, ${LIST} requests one after another; ` +
      `${server.length >= LIST ? 'server' : 'client'} time p50 ${pct(where, 0.5).toFixed(1)} / p99 ${pct(where, 0.99).toFixed(1)} ms` +
      ` (client over loopback p50 ${pct(client, 0.5).toFixed(1)} / p99 ${pct(client, 0.99).toFixed(1)} ms)`);
    return pct(where, 0.99);
  };
  const listRun = await list(`${Number(sqlite(srv.db, 'SELECT count(*) FROM monitor_check'))} checks kept`);
  let listDay = null;
  if (HISTORY_H > 0) {
    // a day of history as a running monitor keeps it: one check per site per interval
    t = performance.now();
    const n = Math.floor((HISTORY_H * 3600) / INTERVAL);
    // inserted in index order with a big cache, then checkpointed: the server reads a database
    // in its usual shape, not a WAL of hundreds of MB; the day's counts made to agree
    const r = spawnSync('sqlite3', ['-cmd', '.timeout 10000', '-cmd', 'PRAGMA cache_size = -262144', srv.db,
      `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n})
       INSERT INTO monitor_check (site_id, at, ok, status, latency_ms, error)
       SELECT s.id, ${at0} - k.i * ${INTERVAL * 1000000}, 1, 200, 1, NULL FROM monitor_site s, k
       ORDER BY s.id, k.i DESC;
       UPDATE monitor_site SET day_from = (SELECT max(at) - 86400000000 FROM monitor_check c WHERE c.site_id = monitor_site.id);
       UPDATE monitor_site SET
        day_checks = (SELECT count(*) FROM monitor_check c WHERE c.site_id = monitor_site.id AND c.at >= monitor_site.day_from),
        day_ok = (SELECT coalesce(sum(ok), 0) FROM monitor_check c WHERE c.site_id = monitor_site.id AND c.at >= monitor_site.day_from);
       PRAGMA wal_checkpoint(TRUNCATE);`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
    console.log(`history: ${n} checks a site (${HISTORY_H} h) added in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    listDay = await list(`${HISTORY_H} h of checks kept`);
  }
  await srv.stop();

  // ---- blackbox_exporter ---------------------------------------------------------------------
  const bdir = tempDir('xinan-monitor-bench-bbx-');
  const conf = join(bdir, 'blackbox.yml');
  writeFileSync(conf, 'modules:\n  http_2xx:\n    prober: http\n    timeout: 15s\n    http:\n      preferred_ip_protocol: ip4\n');
  writeFileSync(join(bdir, 'targets'), `${urls.join('\n')}\n`);
  const bport = await freePort();
  exporter = spawn(EXPORTER, [`--config.file=${conf}`, `--web.listen-address=127.0.0.1:${bport}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let berr = '';
  exporter.stderr.on('data', (d) => { berr += d; });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${bport}/`).then(() => true, () => false);
    if (up) break;
    if (exporter.exitCode !== null) throw new Error(`blackbox_exporter exited: ${berr}`);
    await sleep(100);
  }
  const warm = INTERVAL; // one full round before the window, as for xinan
  const driver = spawn(process.execPath, [join(here, 'driver.mjs'), `http://127.0.0.1:${bport}`, join(bdir, 'targets'), String(INTERVAL), String(warm), String(WINDOW)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let dout = '';
  driver.stdout.on('data', (d) => { dout += d; });
  const driverDone = new Promise((r) => driver.on('exit', r));
  await sleep(warm * 1000);
  const b0 = cpuMs(exporter.pid);
  await sleep(WINDOW * 1000);
  const b1 = cpuMs(exporter.pid);
  await driverDone;
  const d = JSON.parse(dout.trim().split('\n').pop());
  const bbxCpu = b1 - b0;
  console.log(`blackbox_exporter: ${d.sent} probes in ${WINDOW} s (${d.ok} probe_success 1, ${d.failed} failed), CPU ${(bbxCpu / 1000).toFixed(2)} s` +
    ` = ${(bbxCpu / d.sent).toFixed(2)} ms a probe; the driver (node, keep-alive, not counted): ${(d.cpu_ms / 1000).toFixed(2)} s`);

  console.log('');
  console.log(`== ${SITES} pages every ${INTERVAL} s, CPU time over ${WINDOW} s`);
  console.log(`xinan serve          ${(xinanCpu / 1000).toFixed(2)} s (${checks} checks)`);
  console.log(`blackbox_exporter    ${(bbxCpu / 1000).toFixed(2)} s (${d.sent} probes)`);
  const ratio = xinanCpu / bbxCpu;
  const done = checks >= 0.95 * expected;
  console.log(`ratio ${ratio.toFixed(2)} (target <= 0.5, every check done): ${ratio <= 0.5 && done ? 'met' : 'NOT MET'}`);
  console.log(`== GET /api/monitor/sites, ${SITES} sites, p99 (target <= 100 ms)`);
  console.log(`after the run        ${listRun.toFixed(1)} ms: ${listRun <= 100 ? 'met' : 'NOT MET'}`);
  if (listDay !== null) console.log(`with ${HISTORY_H} h of checks   ${listDay.toFixed(1)} ms: ${listDay <= 100 ? 'met' : 'NOT MET'}`);
} finally {
  if (exporter && exporter.exitCode === null) {
    exporter.kill('SIGTERM');
    await new Promise((r) => exporter.on('exit', r));
  }
  await srv.stop();
  await nginx.stop();
}
