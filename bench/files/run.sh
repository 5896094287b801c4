#!/usr/bin/env bash
# Evidence file figures: upload and download of a 50 MiB file through the API (streamed into
# and out of the database's 1 MiB chunks) against `cp` of the same file on the same disk, and
# the server's resident memory growth over the run. No clamd: the virus check is not part of
# the transfer (it runs after the upload, against clamd's own speed).
#
#   bash bench/files/run.sh           (or `make bench`)
#
# Knobs: FILES_BENCH_MIB (50), FILES_BENCH_ROUNDS (3), XINAN_BIN (build/xinan). TMPDIR chooses
# the disk (the database, the file and its copies all go there).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export XINAN_BIN=${XINAN_BIN:-$root/build/xinan}
[ -x "$XINAN_BIN" ] || make -C "$root" --no-print-directory build/xinan >/dev/null
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), disk of ${TMPDIR:-/tmp}: $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
node "$here/bench.mjs" "${FILES_BENCH_MIB:-50}" "${FILES_BENCH_ROUNDS:-3}"
