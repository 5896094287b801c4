// Evidence file figures (room files/): upload and download of one file through the API against
// `cp` of the same file on the same disk, and the server's resident memory growth. Run by
// run.sh; prints one line per figure. Usage: node bench.mjs SIZE_MIB ROUNDS
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { startServer } from '../../tests/lib/server.mjs';
import { adminClient } from '../../tests/lib/session.mjs';

const sizeMiB = Number(process.argv[2] || 50);
const rounds = Number(process.argv[3] || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

function vm(pid, key) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return Number(m[1]) * 1024;
}

function uploadFile(base, client, path, name) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: new URL(base).port, method: 'POST', path: '/api/files', agent: false,
      headers: {
        Cookie: client.cookie, 'X-CSRF-Token': client.csrf, 'X-Filename': encodeURIComponent(name),
        'Content-Type': 'application/octet-stream', 'Content-Length': statSync(path).size,
      },
    }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(body)) : reject(new Error(`${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    createReadStream(path, { highWaterMark: 1 << 20 }).pipe(req);
  });
}

function downloadFile(base, client, id, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: new URL(base).port, path: `/api/files/${id}`, agent: false, headers: { Cookie: client.cookie } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`download ${res.statusCode}`)); return; }
      const out = createWriteStream(path);
      res.pipe(out);
      out.on('finish', () => resolve());
      out.on('error', reject);
    }).on('error', reject);
  });
}

const srv = await startServer({ env: { XINAN_LOG_ACCESS: 'off', XINAN_FILES_MAX_SIZE: String((sizeMiB + 1) << 20) } });
try {
  const admin = await adminClient(srv);
  const src = join(srv.dir, 'src.pdf');
  const copy = join(srv.dir, 'copy.pdf');
  const back = join(srv.dir, 'back.pdf');
  // warm-up: two files of 8 MiB up and down, so libmagic, statements, the database's page
  // caches and the threads' buffers are in their steady state before memory is measured; the
  // growth below is then what a file of SIZE costs beyond one of 8 MiB
  for (let w = 0; w < 2; w++) {
    writeFileSync(join(srv.dir, 'warm.pdf'), Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes((8 << 20) - 9)]));
    const warm = await uploadFile(srv.url, admin, join(srv.dir, 'warm.pdf'), `warm-${w}.pdf`);
    await downloadFile(srv.url, admin, warm.id, back);
  }
  const rssBefore = vm(srv.proc.pid, 'VmRSS');
  const hwmBefore = vm(srv.proc.pid, 'VmHWM');
  let rssMax = rssBefore; // sampled every 2 ms while the big files go up and down
  const sampler = setInterval(() => { rssMax = Math.max(rssMax, vm(srv.proc.pid, 'VmRSS')); }, 2);

  const cp = []; const cpSync = []; const up = []; const down = [];
  for (let r = 0; r < rounds; r++) {
    // fresh content each round: no deduplication
    writeFileSync(src, Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes((sizeMiB << 20) - 9)]));
    rmSync(copy, { force: true });
    let t = now();
    spawnSync('cp', [src, copy]);
    cp.push(now() - t);
    rmSync(copy, { force: true });
    t = now();
    spawnSync('sh', ['-c', 'cp "$0" "$1" && sync "$1"', src, copy]);
    cpSync.push(now() - t);
    t = now();
    const f = await uploadFile(srv.url, admin, src, `bench-${r}.pdf`);
    up.push(now() - t);
    rmSync(back, { force: true });
    t = now();
    await downloadFile(srv.url, admin, f.id, back);
    down.push(now() - t);
    if (statSync(back).size !== sizeMiB << 20) throw new Error('short download');
  }
  clearInterval(sampler);
  const hwmAfter = vm(srv.proc.pid, 'VmHWM');
  const rssAfter = vm(srv.proc.pid, 'VmRSS');
  const mb = (b) => (b / (1 << 20)).toFixed(1);
  const rate = (ms) => ((sizeMiB / ms) * 1000).toFixed(0);
  console.log(`file: ${sizeMiB} MiB, ${rounds} rounds, medians; database and copies in ${srv.dir}`);
  console.log(`cp:                ${median(cp).toFixed(0)} ms (${rate(median(cp))} MiB/s)`);
  console.log(`cp + sync:         ${median(cpSync).toFixed(0)} ms (${rate(median(cpSync))} MiB/s)`);
  console.log(`upload (API):      ${median(up).toFixed(0)} ms (${rate(median(up))} MiB/s)  ratio to cp ${(median(cp) / median(up)).toFixed(2)}, to cp + sync ${(median(cpSync) / median(up)).toFixed(2)}  (target >= 0.5)`);
  console.log(`download (API):    ${median(down).toFixed(0)} ms (${rate(median(down))} MiB/s)  ratio to cp ${(median(cp) / median(down)).toFixed(2)}, to cp + sync ${(median(cpSync) / median(down)).toFixed(2)}  (target >= 0.5)`);
  console.log(`server RSS: ${mb(rssBefore)} MiB after the 8 MiB warm-up, ${mb(rssAfter)} MiB after the ${sizeMiB} MiB rounds; highest sampled during them ${mb(rssMax)} MiB: growth ${mb(rssMax - rssBefore)} MiB (target <= 8); kernel peak (VmHWM) ${mb(hwmBefore)} MiB after the warm-up, ${mb(hwmAfter)} MiB after`);
} finally {
  await srv.stop();
  srv.cleanup();
}
