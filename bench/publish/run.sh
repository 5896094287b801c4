#!/usr/bin/env bash
# Publishing figures (room publish/): publishing one item into an empty site and into a site of
# 10,000 items; the checks of a 200 KB article in the workflow against the text check alone;
# rendering the whole site of 10,000 items against Hugo rendering the same items as Markdown.
#
#   bash bench/publish/run.sh           (or `make bench`)
#
# Knobs: PUBLISH_BENCH_ITEMS (10000), PUBLISH_BENCH_SAMPLES (30), XINAN_BIN (build/xinan).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export XINAN_BIN=${XINAN_BIN:-$root/build/xinan}
[ -x "$XINAN_BIN" ] || make -C "$root" --no-print-directory build/xinan >/dev/null
command -v hugo >/dev/null || "$root/scripts/deps.sh" bench
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(hugo version | cut -d' ' -f1-2)"
node "$here/bench.mjs" "${PUBLISH_BENCH_ITEMS:-10000}" "${PUBLISH_BENCH_SAMPLES:-30}"
