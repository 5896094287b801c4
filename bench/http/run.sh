#!/usr/bin/env bash
# HTTP server figures: wrk against xinan's GET /api/health and, in the same run, against nginx
# (Debian nginx-light) answering `return 200` with a JSON body of about the same size. Prints
# requests/s and p99 latency of both, the ratio xinan/nginx, xinan's resident memory, and each
# figure against its target. Everything listens on 127.0.0.1 only and every process this script
# starts is stopped when it exits.
#
#   bash bench/http/run.sh            (or `make bench`, which runs every bench/*/run.sh)
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_WARMUP (2s), BENCH_ROUNDS (3: xinan and nginx measured alternately, medians reported),
# XINAN_BIN (build/xinan). Any XINAN_* setting in the environment reaches the server as usual
# (e.g. XINAN_HTTP_THREADS); XINAN_LOG_ACCESS is set by this script.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XINAN=${XINAN_BIN:-$ROOT/build/xinan}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-2s}
ROUNDS=${BENCH_ROUNDS:-3}

# Targets (issue "Figures"): ratio of requests/s, p99 in ms, resident memory in MB.
TARGET_RATIO=0.50
TARGET_P99_MS=5
TARGET_RSS_MB=30

# Loopback only; nothing here may go through a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

die() {
  echo "bench/http: $*" >&2
  exit 1
}

for tool in wrk nginx; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
    die "$tool is missing; run scripts/deps.sh bench"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$XINAN" ]; then
  echo "bench/http: $XINAN missing, building it"
  make -C "$ROOT" --no-print-directory build/xinan >/dev/null
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/xinan-bench-http.XXXXXX")
PIDS=()

stop_pid() { # TERM, up to 5 s, then KILL; only processes this script started
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One HTTP/1.1 GET over bash's /dev/tcp (no curl, no proxy); prints the status line.
http_get() { # port path
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  IFS= read -r -t 5 line <&3 || line=""
  cat <&3 >/dev/null 2>&1 || true
  exec 3<&- 3>&-
  printf '%s\n' "${line%$'\r'}"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# ---- xinan ------------------------------------------------------------------------------------
XINAN_PID=""
XINAN_PORT=""
start_xinan() { # access log on|off; sets XINAN_PID and XINAN_PORT
  local tag=$1 i
  : >"$TMP/xinan-$tag.out"
  XINAN_LOG_ACCESS=$tag "$XINAN" serve --listen 127.0.0.1:0 --db "$TMP/bench.db" \
    >"$TMP/xinan-$tag.out" 2>"$TMP/xinan-$tag.log" &
  XINAN_PID=$!
  PIDS+=("$XINAN_PID")
  XINAN_PORT=""
  for i in $(seq 100); do # up to 10 s
    XINAN_PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' \
      "$TMP/xinan-$tag.out" | head -n1)
    [ -n "$XINAN_PORT" ] && break
    kill -0 "$XINAN_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$XINAN_PORT" ] || {
    tail -n 5 "$TMP/xinan-$tag.log" >&2
    die "xinan did not start"
  }
  [ "$(http_get "$XINAN_PORT" /api/health)" = "HTTP/1.1 200 OK" ] ||
    die "xinan: GET /api/health did not answer 200"
}

# ---- nginx ------------------------------------------------------------------------------------
# A body shaped like xinan's /api/health answer here, about as long (the path has the length of
# this run's database path under /tmp).
NGINX_BODY='{"status":"ok","version":"0.1.0","uptime_s":0,"time":"2026-01-01T00:00:00.000+08:00","database":{"ok":true,"schema_version":1,"latency_us":40,"path":"/tmp/xinan-bench-http.XXXXXX/bench.db"}}'
NGINX_PID=""
NGINX_PORT=""
start_nginx() { # tries a few random loopback ports; sets NGINX_PID and NGINX_PORT
  local n="$TMP/nginx" try port i ok
  mkdir -p "$n/logs" "$n/tmp"
  for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    cat >"$n/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $n/nginx.pid;
error_log $n/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $n/tmp/client_body;
    proxy_temp_path $n/tmp/proxy;
    fastcgi_temp_path $n/tmp/fastcgi;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        location / {
            default_type application/json;
            return 200 '$NGINX_BODY';
        }
    }
}
EOF
    : >"$n/logs/error.log"
    "$NGINX" -p "$n" -e "$n/logs/error.log" -c "$n/nginx.conf" &
    NGINX_PID=$!
    ok=""
    for i in $(seq 50); do # up to 5 s
      kill -0 "$NGINX_PID" 2>/dev/null || break
      if [ "$(http_get "$port" / 2>/dev/null)" = "HTTP/1.1 200 OK" ]; then
        ok=1
        break
      fi
      sleep 0.1
    done
    if [ -n "$ok" ]; then
      PIDS+=("$NGINX_PID")
      NGINX_PORT=$port
      return 0
    fi
    stop_pid "$NGINX_PID" # most likely the port was taken; pick another
  done
  tail -n 5 "$n/logs/error.log" >&2
  die "nginx did not start"
}

# ---- wrk --------------------------------------------------------------------------------------
# CPU time (user + system, in clock ticks) summed over the given processes, all their threads.
TICK=$(getconf CLK_TCK)
cpu_ticks() { # pid...
  local pid t=0
  for pid in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}

# Runs wrk and sets RPS, P99_MS, CPU_US (server CPU per request, for the pids given) and ERRS
# from its report (kept in $TMP/wrk-<tag>.txt).
RPS=""
P99_MS=""
CPU_US=""
ERRS=""
run_wrk() { # tag url pid...
  local tag=$1 url=$2 out="$TMP/wrk-$1.txt" c0 c1 n
  shift 2
  timeout 30 wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "$url" >/dev/null 2>&1 || true
  c0=$(cpu_ticks "$@")
  timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url" >"$out" 2>&1 ||
    die "wrk failed against $url: $(tail -n 3 "$out")"
  c1=$(cpu_ticks "$@")
  RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  P99_MS=$(awk '$1 == "99%" {
      v = $2; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
      f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 0;
      printf "%.2f", v * f }' "$out")
  n=$(awk '/ requests in / {print $1}' "$out")
  CPU_US=$(awk -v d=$((c1 - c0)) -v t="$TICK" -v n="${n:-0}" \
    'BEGIN { printf "%.1f", (n > 0) ? d * 1e6 / t / n : 0 }')
  ERRS=$(awk '/Socket errors|Non-2xx/ {sub(/^ +/, ""); printf "%s; ", $0}' "$out")
  [ -n "$RPS" ] && [ -n "$P99_MS" ] || die "cannot read wrk's report: $(cat "$out")"
}

median() { # format; numbers on stdin
  tr ' ' '\n' | grep . | sort -g | awk -v f="$1\n" '{v[NR] = $1} END {
    printf f, (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

pass() { [ "$1" = 1 ] && echo PASS || echo MISS; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 >= b + 0) ? 1 : 0 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 <= b + 0) ? 1 : 0 }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "bench/http: wrk -t$THREADS -c$CONNS -d$DURATION --latency (after a $WARMUP warm-up)," \
  "$ROUNDS rounds, loopback, $(nproc) cores shared by wrk and the servers;" \
  "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
env | grep '^XINAN_' | sed 's/^/  environment: /' || true

# xinan with the access log off: idle memory first.
start_xinan off
for i in $(seq 20); do http_get "$XINAN_PORT" /api/health >/dev/null; done
sleep 0.5
RSS_IDLE=$(rss_kb "$XINAN_PID")
X_THREADS=$(awk '/^Threads:/ {print $2}' "/proc/$XINAN_PID/status")
start_nginx
NGINX_ALL=("$NGINX_PID" $(pgrep -P "$NGINX_PID" || true))

# Alternate rounds so both servers see the same conditions on a shared machine.
X_RPS_ALL="" X_P99_ALL="" X_CPU_ALL="" N_RPS_ALL="" N_P99_ALL="" N_CPU_ALL="" X_ERRS="" N_ERRS=""
printf '\n%-6s %12s %9s %9s %12s %9s %9s %7s\n' round "xinan req/s" "p99 ms" "cpu us/r" \
  "nginx req/s" "p99 ms" "cpu us/r" ratio
for r in $(seq "$ROUNDS"); do
  run_wrk "xinan-$r" "http://127.0.0.1:$XINAN_PORT/api/health" "$XINAN_PID"
  X_RPS_ALL+=" $RPS" X_P99_ALL+=" $P99_MS" X_CPU_ALL+=" $CPU_US" X_ERRS+=$ERRS
  xr=$RPS xp=$P99_MS xc=$CPU_US
  run_wrk "nginx-$r" "http://127.0.0.1:$NGINX_PORT/" "${NGINX_ALL[@]}"
  N_RPS_ALL+=" $RPS" N_P99_ALL+=" $P99_MS" N_CPU_ALL+=" $CPU_US" N_ERRS+=$ERRS
  printf '%-6s %12s %9s %9s %12s %9s %9s %7s\n' "$r" "$xr" "$xp" "$xc" "$RPS" "$P99_MS" \
    "$CPU_US" "$(awk -v a="$xr" -v b="$RPS" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
done
sleep 1
RSS_AFTER=$(rss_kb "$XINAN_PID")
stop_pid "$NGINX_PID"
stop_pid "$XINAN_PID"
X_RPS=$(median %.0f <<<"$X_RPS_ALL") X_P99=$(median %.2f <<<"$X_P99_ALL")
X_CPU=$(median %.1f <<<"$X_CPU_ALL")
N_RPS=$(median %.0f <<<"$N_RPS_ALL") N_P99=$(median %.2f <<<"$N_P99_ALL")
N_CPU=$(median %.1f <<<"$N_CPU_ALL")
N_PROCS=$((${#NGINX_ALL[@]} - 1))

# xinan once more with the access log on (written to a file), for comparison.
start_xinan on
run_wrk xinan-log "http://127.0.0.1:$XINAN_PORT/api/health" "$XINAN_PID"
L_RPS=$RPS L_P99=$P99_MS L_CPU=$CPU_US L_ERRS=$ERRS
stop_pid "$XINAN_PID"

RATIO=$(awk -v a="$X_RPS" -v b="$N_RPS" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
RATIO_LOG=$(awk -v a="$L_RPS" -v b="$N_RPS" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')

echo
printf '%-34s %12s %10s %10s %8s\n' "server (median of rounds)" "requests/s" "p99 ms" \
  "cpu us/req" "ratio"
printf '%-34s %12s %10s %10s %8s\n' "nginx-light $("$NGINX" -v 2>&1 | sed 's|.*/||')" \
  "$N_RPS" "$N_P99" "$N_CPU" "1.00"
printf '%-34s %12s %10s %10s %8s\n' "xinan /api/health, access log off" "$X_RPS" "$X_P99" \
  "$X_CPU" "$RATIO"
printf '%-34s %12s %10s %10s %8s\n' "xinan /api/health, access log on" "$L_RPS" "$L_P99" \
  "$L_CPU" "$RATIO_LOG"
echo
printf '%-34s %12s %10s\n' "target" "figure" "result"
printf '%-34s %12s %10s\n' "ratio xinan/nginx >= $TARGET_RATIO" "$RATIO" \
  "$(pass "$(ge "$RATIO" "$TARGET_RATIO")")"
printf '%-34s %12s %10s\n' "xinan p99 <= $TARGET_P99_MS ms" "$X_P99 ms" \
  "$(pass "$(le "$X_P99" "$TARGET_P99_MS")")"
printf '%-34s %12s %10s\n' "xinan RSS idle <= $TARGET_RSS_MB MB" "$(mb "$RSS_IDLE") MB" \
  "$(pass "$(le "$(mb "$RSS_IDLE")" "$TARGET_RSS_MB")")"
printf '%-34s %12s %10s\n' "xinan RSS after load <= $TARGET_RSS_MB MB" "$(mb "$RSS_AFTER") MB" \
  "$(pass "$(le "$(mb "$RSS_AFTER")" "$TARGET_RSS_MB")")"
echo
echo "xinan: $X_THREADS threads; nginx: $N_PROCS worker processes;" \
  "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for e in "xinan:$X_ERRS" "nginx:$N_ERRS" "xinan (log on):$L_ERRS"; do
  [ -n "${e#*:}" ] && echo "wrk reported for ${e%%:*} ${e#*:}"
done
exit 0
