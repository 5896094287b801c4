#!/usr/bin/env bash
# The job runner's idle cost: the server's CPU time (utime + stime of /proc/PID/stat) over
# BENCH_IDLE_SECONDS with no request, on a database holding JOBS_COUNT scheduled jobs due far in
# the future (year 2100; written with sqlite3 into the job table while the server is stopped),
# against the same server on a database with none, in the same run. Both servers run their
# periodic kinds as usual (audit.tick and files.scan every 5 s …), so the difference is the
# cost of the scheduled jobs. Target: the server with the jobs under 1 % of a core.
# Figures, not tests. Data goes to bench/out/jobs/.
#
#   bash bench/jobs/run.sh        (or `make bench`)
#
# Knobs (environment): BENCH_IDLE_SECONDS (60), JOBS_COUNT (10000), BENCH_SETTLE_SECONDS (3:
# after the server starts, before measuring), XINAN_BIN (build/xinan).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/bench/out/jobs"
xinan=${XINAN_BIN:-$root/build/xinan}
idle=${BENCH_IDLE_SECONDS:-60}
count=${JOBS_COUNT:-10000}
settle=${BENCH_SETTLE_SECONDS:-3}
mkdir -p "$out"

command -v sqlite3 >/dev/null || { echo "bench/jobs: sqlite3 is missing" >&2; exit 1; }
[ -n "${XINAN_BIN:-}" ] || make -C "$root" --no-print-directory build/xinan >/dev/null

work=$(mktemp -d)
pid=""
stop() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}
trap 'stop; rm -rf "$work"' EXIT

start() { # db tag: sets pid
  XINAN_LOG_ACCESS=off "$xinan" serve --listen 127.0.0.1:0 --db "$1" \
    >"$work/$2.out" 2>"$work/$2.log" &
  pid=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$work/$2.out" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 5 "$work/$2.log" >&2
  echo "bench/jobs: xinan did not start" >&2
  exit 1
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, clock ticks
hz=$(getconf CLK_TCK)

# CPU % of one core over the idle window of a server on db
measure() { # db tag
  start "$1" "$2"
  sleep "$settle"
  local t0 t1 s0 s1
  t0=$(ticks "$pid")
  s0=$(date +%s.%N)
  sleep "$idle"
  t1=$(ticks "$pid")
  s1=$(date +%s.%N)
  stop
  awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$hz" \
    'BEGIN { printf "%.3f %.2f\n", (b - a) / hz / (e - s) * 100, (b - a) / hz }'
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Two databases made by the server itself (migrated, administrator and keys in place).
for tag in none jobs; do
  start "$work/$tag.db" "init-$tag"
  stop
done
far=4102444800000000 # 2100-01-01 UTC in µs
now=$(($(date +%s) * 1000000))
sqlite3 "$work/jobs.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
INSERT INTO job (kind, key, next_run, lease_s, created_at)
SELECT 'notify.deliver', 'bench-' || i, $far + i, 15, $now FROM n;
SQL
echo "scheduled jobs: none.db $(sqlite3 "$work/none.db" "SELECT count(*) FROM job WHERE next_run > $far - 1"), jobs.db $(sqlite3 "$work/jobs.db" "SELECT count(*) FROM job WHERE next_run > $far - 1") (due in 2100)"

read -r pct_none sec_none < <(measure "$work/none.db" none)
read -r pct_jobs sec_jobs < <(measure "$work/jobs.db" jobs)
{
  printf 'idle %s s: no scheduled jobs     %.2f s CPU = %.3f %% of a core\n' "$idle" "$sec_none" "$pct_none"
  printf 'idle %s s: %s scheduled jobs  %.2f s CPU = %.3f %% of a core\n' "$idle" "$count" "$sec_jobs" "$pct_jobs"
  awk -v a="$pct_none" -v b="$pct_jobs" \
    'BEGIN { printf "difference: %+.3f %% of a core\ntarget: < 1 %% of a core with the jobs: %s\n", b - a, (b < 1 ? "met" : "MISSED") }'
  echo "machine after: load $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/idle.txt"
