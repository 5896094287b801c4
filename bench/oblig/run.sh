#!/usr/bin/env bash
# Compliance report figures (room oblig/): the report of a unit with 100,000 register rows,
# 10,000 incidents and 1,000,000 audit records (JSON and PDF, timed at the server), and the same
# at a tenth of the data, to show how its cost grows.
#
#   bash bench/oblig/run.sh           (or `make bench`)
#
# Knobs: OBLIG_BENCH_RUNS (20), XINAN_BIN (build/xinan).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export XINAN_BIN=${XINAN_BIN:-$root/build/xinan}
[ -x "$XINAN_BIN" ] || make -C "$root" --no-print-directory build/xinan >/dev/null
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
node "$here/bench.mjs" "${OBLIG_BENCH_RUNS:-20}"
