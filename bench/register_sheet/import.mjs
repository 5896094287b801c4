// The register import figure: ROWS new devices imported from an xlsx file (validated, inserted
// with their history and audit records, in one transaction) through the API, timed at the
// server; against python3-openpyxl in read-only mode merely reading every cell of the same
// file (import_file.py builds the file from a one-row export of xinan's and times the read).
// Usage: node import.mjs ROWS RUNS PYTHON (RUNS: openpyxl's reads when the file is made;
// IMPORT_PAIRS, 7: imports and reads in turn)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir, request } from '../../tests/lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../../tests/lib/session.mjs';

const rows = Number(process.argv[2] || 10000);
const runs = Number(process.argv[3] || 3);
const py = process.argv[4] || '/usr/bin/python3';
const here = new URL('.', import.meta.url).pathname;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const work = tempDir('xinan-bench-import-');

async function serverWithKeeper() {
  const srv = await startServer({ env: { XINAN_LOG_ACCESS: 'on' } });
  const admin = await adminClient(srv);
  const sec = await appointedClient(srv, admin, 'sec1', 'secadmin');
  const dev = await grantedClient(srv, admin, sec, 'dev1', 'device_admin', { realName: '设备员' });
  return { srv, dev };
}

// the file, from a one-row export
let { srv, dev } = await serverWithKeeper();
let r = await dev.call('POST', '/api/registers/devices/rows', { asset_no: 'ZC-SAMPLE', type: 'pc', model: '联想 启天 M437', ip: '10.99.0.1', mac: '02:00:99:00:00:01', location: '三楼 305', secret: 'no' });
if (r.status !== 201) throw new Error(`sample: ${r.body}`);
const exp = await request(srv.url, '/api/registers/devices/export?format=xlsx', { headers: { Cookie: dev.cookie } });
writeFileSync(join(work, 'sample.xlsx'), exp.raw);
await srv.stop();
const file = join(work, 'import.xlsx');
const p = spawnSync(py, [join(here, 'import_file.py'), join(work, 'sample.xlsx'), file, String(rows), String(runs)], { encoding: 'utf8' });
if (p.status !== 0) throw new Error(`openpyxl: ${p.stderr}`);
const got = (k) => Number((p.stdout.match(new RegExp(`^${k} ([\\d.]+)$`, 'm')) || [])[1]);
const body = readFileSync(file);

// The import, a fresh database each run, taking turns with openpyxl reading the same file (the
// order swapping each time): this machine's speed drifts by half from minute to minute, so
// both sides meet the same spells. The figure is the best of each side (what each does when
// the machine lets it); the ratios of the pairs are printed beside it.
const readOnce = () => {
  const q = spawnSync(py, [join(here, 'import_file.py'), '--read', file, '1'], { encoding: 'utf8' });
  if (q.status !== 0) throw new Error(`openpyxl: ${q.stderr}`);
  return Number((q.stdout.match(/^read_seconds ([\d.]+)$/m) || [])[1]);
};
async function importOnce() {
  ({ srv, dev } = await serverWithKeeper());
  const before = srv.logs().length;
  r = await request(srv.url, '/api/registers/devices/import?format=xlsx', { method: 'POST', headers: { Cookie: dev.cookie, 'X-CSRF-Token': dev.csrf, 'Content-Type': 'application/octet-stream' }, body });
  if (r.status !== 200) throw new Error(`import: ${r.status} ${r.body.slice(0, 300)}`);
  const added = JSON.parse(r.body).added;
  if (added !== rows) throw new Error(`import added ${added}`);
  await new Promise((res) => setTimeout(res, 200));
  const line = srv.logs().slice(before).split('\n').find((l) => l.includes('path=/api/registers/devices/import'));
  await srv.stop();
  srv.cleanup();
  return Number((line.match(/ ms=([\d.]+)/) || [])[1]) / 1000;
}
const pairs = Number(process.env.IMPORT_PAIRS || 7);
const times = [], reads = [], ratios = [];
for (let i = 0; i < pairs; i++) {
  let x, o;
  if (i % 2) { x = await importOnce(); o = readOnce(); } else { o = readOnce(); x = await importOnce(); }
  times.push(x); reads.push(o); ratios.push(o / x);
}
const x = Math.min(...times), o = Math.min(...reads), ratio = o / x;
console.log(`import of ${rows} rows from xlsx (validate, insert, history, one transaction; ${pairs} pairs in turn):`);
console.log(`  xinan, at the server: best ${x.toFixed(3)} s (median ${median(times).toFixed(3)} s), ${body.length} bytes`);
console.log(`  python3-openpyxl read-only, reading only: best ${o.toFixed(3)} s (median ${median(reads).toFixed(3)} s)`);
console.log(`  ratios of the pairs: ${ratios.map((q) => q.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(1)}x)`);
console.log(`  ratio: ${ratio.toFixed(1)}x faster, best against best (target >= 2x): ${ratio >= 2 ? 'met' : 'NOT met'}`);
