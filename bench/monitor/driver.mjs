// Drives blackbox_exporter's /probe endpoint as Prometheus would scrape it: every target once per
// interval, spread evenly, over keep-alive connections. Runs WARM_S then SECONDS more, then
// prints one JSON line about the SECONDS part: probes sent, answers that were 200 with
// probe_success 1, failures, and this process's own CPU time (ms), the driver's, not the
// exporter's.
// Usage: node driver.mjs EXPORTER_URL TARGETS_FILE INTERVAL_S WARM_S SECONDS
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [base, file, intervalS, warmS, seconds] = process.argv.slice(2);
const targets = readFileSync(file, 'utf8').split('\n').filter(Boolean);
const u = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const gap = (Number(intervalS) * 1000) / targets.length; // ms between two probes
const started = performance.now();
let cpu0 = null;
let sent = 0;
let ok = 0;
let failed = 0;
let inflight = 0;
let base0 = null; // the counts at the end of the warm-up

function probe(target) {
  sent++;
  inflight++;
  const path = `/probe?module=http_2xx&target=${encodeURIComponent(target)}`;
  http.get({ host: u.hostname, port: u.port, path, agent }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => { body += d; });
    res.on('end', () => {
      inflight--;
      if (res.statusCode === 200 && /^probe_success 1$/m.test(body)) ok++;
      else failed++;
    });
  }).on('error', () => { inflight--; failed++; });
}

// a timer every 10 ms sends the probes whose time has come: no drift, no bursts
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const elapsed = performance.now() - started;
    if (!base0 && elapsed >= Number(warmS) * 1000) {
      base0 = { sent, ok, failed };
      cpu0 = process.cpuUsage();
    }
    if (elapsed >= (Number(warmS) + Number(seconds)) * 1000) {
      clearInterval(timer);
      resolve();
      return;
    }
    const due = Math.floor(elapsed / gap) + 1;
    while (sent < due) probe(targets[sent % targets.length]);
  }, 10);
});
for (let i = 0; i < 200 && inflight > 0; i++) await new Promise((r) => setTimeout(r, 50));
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  sent: sent - base0.sent, ok: ok - base0.ok, failed: failed - base0.failed, cpu_ms: (cpu.user + cpu.system) / 1000,
}));
agent.destroy();
