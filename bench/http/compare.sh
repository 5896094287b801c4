#!/usr/bin/env bash
# Two xinan binaries on GET /api/health in the same run: the one under test (XINAN_BIN,
# build/xinan) and a reference build (BASE_BIN, required: e.g. the previous commit built in a
# git worktree). wrk measures them alternately for BENCH_ROUNDS rounds; prints each round, the
# medians and the ratio under test / reference. Loopback only; every process started here is
# stopped when it exits.
#
#   git worktree add /tmp/xinan-base HEAD~1 && make -C /tmp/xinan-base build/xinan
#   BASE_BIN=/tmp/xinan-base/build/xinan bash bench/http/compare.sh
#
# Knobs: BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_ROUNDS (5).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NEW=${XINAN_BIN:-$ROOT/build/xinan}
BASE=${BASE_BIN:?set BASE_BIN to the reference build of xinan}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-5}
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
command -v wrk >/dev/null || { echo "bench/http: wrk is missing; run scripts/deps.sh bench" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/xinan-bench-compare.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

PORT=""
start() { # tag binary; sets PORT
  local tag=$1 bin=$2 i
  XINAN_LOG_ACCESS=off "$bin" serve --listen 127.0.0.1:0 --db "$TMP/$tag.db" \
    >"$TMP/$tag.out" 2>"$TMP/$tag.log" &
  PIDS+=($!)
  for i in $(seq 100); do
    PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/$tag.out" | head -n1)
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  echo "bench/http: $tag did not start" >&2
  exit 1
}

rps() { # port
  timeout 30 wrk -t"$THREADS" -c"$CONNS" -d2s "http://127.0.0.1:$1/api/health" >/dev/null 2>&1 || true
  timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$1/api/health" |
    awk '/^Requests\/sec:/ {printf "%.0f", $2}'
}

start base "$BASE"
BASE_PORT=$PORT
start new "$NEW"
NEW_PORT=$PORT
: >"$TMP/base.rps"
: >"$TMP/new.rps"
for r in $(seq "$ROUNDS"); do
  b=$(rps "$BASE_PORT")
  n=$(rps "$NEW_PORT")
  echo "$b" >>"$TMP/base.rps"
  echo "$n" >>"$TMP/new.rps"
  printf 'round %d: reference %s req/s, under test %s req/s\n' "$r" "$b" "$n"
done
median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
mb=$(median "$TMP/base.rps")
mn=$(median "$TMP/new.rps")
awk -v b="$mb" -v n="$mn" 'BEGIN {
  printf "median: reference %.0f req/s, under test %.0f req/s, ratio %.3f (%+.1f %%)\n", b, n, n / b, (n / b - 1) * 100 }'
