#!/usr/bin/env bash
# Register figures: 100,000 devices added through the API, then filtered list pages (a field,
# a Chinese substring, an exact IP, two fields, second pages) timed at the server.
#
#   bash bench/register/run.sh           (or `make bench`)
#
# Knobs: REGISTER_BENCH_ROWS (100000), REGISTER_BENCH_LISTS (200), XINAN_BIN (build/xinan).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export XINAN_BIN=${XINAN_BIN:-$root/build/xinan}
[ -x "$XINAN_BIN" ] || make -C "$root" --no-print-directory build/xinan >/dev/null
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
node "$here/bench.mjs" "${REGISTER_BENCH_ROWS:-100000}" "${REGISTER_BENCH_LISTS:-200}"
