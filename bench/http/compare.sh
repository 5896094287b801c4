#!/usr/bin/env bash
# Two xinan binaries on GET /api/health in the same run: the one under test (XINAN_BIN,
# build/xinan) and a reference build (BASE_BIN, required: e.g. the previous commit built in a
# git worktree). wrk measures them alternately for BENCH_ROUNDS rounds; prints each round's
# requests/s and the server's CPU time per request, the medians and the ratios under test /
# reference. On a machine with other load, CPU time per request is the steadier figure. Loopback only; every process started here is
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
PID=""
start() { # tag binary; sets PORT and PID
  local tag=$1 bin=$2 i
  XINAN_LOG_ACCESS=off "$bin" serve --listen 127.0.0.1:0 --db "$TMP/$tag.db" \
    >"$TMP/$tag.out" 2>"$TMP/$tag.log" &
  PID=$!
  PIDS+=($PID)
  for i in $(seq 100); do
    PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/$tag.out" | head -n1)
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  echo "bench/http: $tag did not start" >&2
  exit 1
}

TICK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # port pid: prints "requests/s cpu-µs-per-request"
  local out c0 c1
  timeout 30 wrk -t"$THREADS" -c"$CONNS" -d2s "http://127.0.0.1:$1/api/health" >/dev/null 2>&1 || true
  c0=$(ticks "$2")
  out=$(timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$1/api/health")
  c1=$(ticks "$2")
  awk -v d=$((c1 - c0)) -v t="$TICK" '
    / requests in / {n = $1} /^Requests\/sec:/ {r = $2}
    END {printf "%.0f %.2f\n", r, (n > 0) ? d * 1e6 / t / n : 0}' <<<"$out"
}

start base "$BASE"
BASE_PORT=$PORT
BASE_PID=$PID
start new "$NEW"
NEW_PORT=$PORT
NEW_PID=$PID
: >"$TMP/base"
: >"$TMP/new"
for r in $(seq "$ROUNDS"); do
  b=$(measure "$BASE_PORT" "$BASE_PID")
  n=$(measure "$NEW_PORT" "$NEW_PID")
  echo "$b" >>"$TMP/base"
  echo "$n" >>"$TMP/new"
  printf 'round %d: reference %s req/s %s µs CPU/req, under test %s req/s %s µs CPU/req\n' \
    "$r" ${b% *} ${b#* } ${n% *} ${n#* }
done
median() { # file column
  awk -v c="$2" '{print $c}' "$1" | sort -n |
    awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
awk -v br="$(median "$TMP/base" 1)" -v nr="$(median "$TMP/new" 1)" \
  -v bc="$(median "$TMP/base" 2)" -v nc="$(median "$TMP/new" 2)" 'BEGIN {
  printf "median requests/s: reference %.0f, under test %.0f, ratio %.3f\n", br, nr, nr / br
  printf "median CPU per request: reference %.2f µs, under test %.2f µs, ratio %.3f (%+.1f %%)\n",
    bc, nc, nc / bc, (nc / bc - 1) * 100 }'
