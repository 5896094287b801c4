#!/usr/bin/env bash
# Incident figures: 1,000 open incidents, the lateness of each leaders'-clock escalation after
# its due time, and the board's list timed at the server.
#
#   bash bench/incident/run.sh           (or `make bench`)
#
# Knobs: INCIDENT_BENCH_COUNT (1000), INCIDENT_BENCH_LISTS (200), XINAN_BIN (build/xinan).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export XINAN_BIN=${XINAN_BIN:-$root/build/xinan}
[ -x "$XINAN_BIN" ] || make -C "$root" --no-print-directory build/xinan >/dev/null
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
node "$here/bench.mjs" "${INCIDENT_BENCH_COUNT:-1000}" "${INCIDENT_BENCH_LISTS:-200}"
