#!/usr/bin/env bash
# The website monitor's figures (issue 19):
#  - 2,000 small pages (5-20 KiB of Chinese text with links) served by a private nginx on
#    loopback, watched by `xinan serve` every 30 s (sites added through the API with words to
#    look for and allowed hosts), against Prometheus blackbox_exporter (http_2xx) probing the
#    same URLs at the same rate. The figure is each process's CPU time (utime + stime from
#    /proc/PID/stat) over a window of 120 s after one full round and half an interval; the
#    checks xinan recorded in the window are counted. A small node driver (driver.mjs,
#    keep-alive) calls the exporter's /probe as Prometheus would; its own CPU is printed apart,
#    not counted;
#  - the monitoring list, GET /api/monitor/sites with the 2,000 sites and their states: 200
#    requests one after another with a signed-in session, p50 / p99 of the server's own time
#    (its access log), after the run and again with a day of check history per site.
# Figures, not tests: targets are printed beside them.
#
#   bash bench/monitor/run.sh            (or `make bench`)
#
# Knobs (environment): MONITOR_BENCH_SITES (2000), MONITOR_BENCH_INTERVAL_S (30),
# MONITOR_BENCH_WINDOW_S (120), MONITOR_BENCH_WARM_MAX_S (90, the longest wait for the first
# round), MONITOR_BENCH_LIST (200 requests), MONITOR_BENCH_HISTORY_H (24; 0 skips it),
# MONITOR_BENCH_DYNAMIC (0; 1: every answer of a page differs, nginx SSI printing $request_id,
# as with a visit counter or the time on the page: xinan then reads every page at every check
# instead of only the changed ones), XINAN_BIN (build/xinan). TMPDIR chooses the disk (database,
# pages).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export XINAN_BIN=${XINAN_BIN:-$root/build/xinan}
[ -x "$XINAN_BIN" ] || make -C "$root" --no-print-directory build/xinan >/dev/null
if ! command -v prometheus-blackbox-exporter >/dev/null || ! command -v nginx >/dev/null ||
  ! command -v sqlite3 >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    prometheus-blackbox-exporter nginx-light sqlite3
fi
[ -d "$root/tests/node_modules" ] || (cd "$root/tests" && npm ci --no-audit --no-fund --loglevel=error)
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export CLK_TCK
CLK_TCK=$(getconf CLK_TCK)
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)," \
  "disk of ${TMPDIR:-/tmp}: $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}');" \
  "nginx $(nginx -v 2>&1 | sed 's|.*/||'), blackbox_exporter" \
  "$(dpkg-query -W -f='${Version}' prometheus-blackbox-exporter), $(curl --version | head -1 | cut -d' ' -f1-2)"
node "$here/bench.mjs"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
