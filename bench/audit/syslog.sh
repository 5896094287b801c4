#!/usr/bin/env bash
# Syslog receiver figures (AUD-5): the same fixed stream of N RFC 5424 messages (about 150 bytes
# each) sent over TCP to xinan and to rsyslog (Debian `rsyslog`, an unprivileged foreground
# instance with its own configuration writing every message to a file). Prints, for each, the
# lossless rate (messages/s from the first byte sent until the last message is stored) and the
# ratio xinan/rsyslog; then the same stream over UDP, unpaced, with the loss of each. Prints
# figures, asserts nothing. Everything listens on 127.0.0.1 only and every process this script
# starts is stopped when it exits.
#
#   bash bench/audit/syslog.sh         (or `make bench`, through bench/audit/run.sh)
#
# Knobs (environment): BENCH_MESSAGES (200000), BENCH_ROUNDS (3: xinan and rsyslog measured
# alternately, medians reported), BENCH_TIMEOUT (120 s to wait for a run to be stored),
# XINAN_BIN (build/xinan). Any XINAN_* setting in the environment reaches the server.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XINAN=${XINAN_BIN:-$ROOT/build/xinan}
N=${BENCH_MESSAGES:-200000}
ROUNDS=${BENCH_ROUNDS:-3}
WAIT_S=${BENCH_TIMEOUT:-120}
TARGET_RATIO=0.50

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

die() {
  echo "bench/audit/syslog: $*" >&2
  exit 1
}

RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || die "rsyslogd is missing; run scripts/deps.sh bench"
command -v sqlite3 >/dev/null || die "sqlite3 is missing; run scripts/deps.sh test"
if [ ! -x "$XINAN" ]; then
  echo "bench/audit/syslog: $XINAN missing, building it"
  make -C "$ROOT" --no-print-directory build/xinan >/dev/null
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/xinan-bench-syslog.XXXXXX")
PIDS=()
stop_pid() { # TERM, up to 10 s, then KILL; only processes this script started
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do
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

cc -std=c17 -D_GNU_SOURCE -O2 -o "$TMP/syslog_send" "$ROOT/bench/audit/syslog_send.c" ||
  die "cannot build the sender"

# The stream: realistic RFC 5424 access-log lines of about 150 bytes, all different.
awk -v n="$N" 'BEGIN {
  split("nginx sshd postfix kernel named", apps, " ")
  for (i = 0; i < n; i++) {
    printf "<%d>1 2026-11-21T10:%02d:%02d.%06d+08:00 web%02d.example.gov.cn %s %d - " \
      "[meta seq=\"%d\"] 10.%d.%d.%d GET /portal/news/%d.html 200 %d\n",
      128 + 6, (i / 60) % 60, i % 60, i % 1000000, i % 16, apps[1 + i % 5], 1000 + i % 5000,
      i, i % 256, (i / 256) % 256, i % 200, i, 1000 + (i * 7) % 90000
  }
}' >"$TMP/stream.log"
BYTES=$(wc -c <"$TMP/stream.log")

now() { echo "$EPOCHREALTIME"; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", (b > a) ? n / (b - a) : 0 }'; }

# ---- xinan ------------------------------------------------------------------------------------
X_PID="" X_HTTP="" X_UDP="" X_TCP=""
start_xinan() { # tag
  local tag=$1 i
  rm -f "$TMP/x-$tag.db"*
  XINAN_LOG_ACCESS=off XINAN_SYSLOG_UDP=127.0.0.1:0 XINAN_SYSLOG_TCP=127.0.0.1:0 \
    "$XINAN" serve --listen 127.0.0.1:0 --db "$TMP/x-$tag.db" \
    >"$TMP/x-$tag.out" 2>"$TMP/x-$tag.log" &
  X_PID=$!
  PIDS+=("$X_PID")
  X_HTTP=""
  for i in $(seq 100); do
    X_HTTP=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/x-$tag.out")
    [ -n "$X_HTTP" ] && break
    kill -0 "$X_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$X_HTTP" ] || die "xinan did not start: $(tail -n 3 "$TMP/x-$tag.log")"
  X_UDP=$(sed -n 's/.*event=syslog\.listening proto=udp host=[^ ]* port=\([0-9]*\).*/\1/p' \
    "$TMP/x-$tag.log")
  X_TCP=$(sed -n 's/.*event=syslog\.listening proto=tcp host=[^ ]* port=\([0-9]*\).*/\1/p' \
    "$TMP/x-$tag.log")
}
# A /metrics counter, read and parsed in bash alone: polling must not fork processes that
# compete with the servers for the CPU.
x_counter() { # name proto
  local key="xinan_syslog_$1_total{proto=\"$2\"}" line value=""
  exec 3<>"/dev/tcp/127.0.0.1/$X_HTTP" || return 1
  printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  while IFS= read -r line <&3; do
    [ "${line%% *}" = "$key" ] && value=${line##* }
  done
  exec 3<&- 3>&-
  echo "${value:-0}"
}
x_rows() { # tag
  local db="$TMP/x-$1.db" days d total=0
  days=$(sqlite3 "$db" 'SELECT day FROM syslog_day')
  for d in $days; do total=$((total + $(sqlite3 "$db" "SELECT count(*) FROM syslog_$d"))); done
  echo "$total"
}

# ---- rsyslog ----------------------------------------------------------------------------------
R_PID="" R_PORT=""
start_rsyslog() { # tag; tcp and udp on one random port
  local tag=$1 d="$TMP/rs-$1" try port i ok
  mkdir -p "$d"
  for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    cat >"$d/rsyslog.conf" <<EOF
global(workDirectory="$d")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="$port")
input(type="imudp" address="127.0.0.1" port="$port")
template(name="raw" type="string" string="%rawmsg%\n")
action(type="omfile" file="$d/out.log" template="raw")
EOF
    : >"$d/out.log"
    "$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslog.pid" >"$d/stderr" 2>&1 &
    R_PID=$!
    ok=""
    for i in $(seq 50); do
      kill -0 "$R_PID" 2>/dev/null || break
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        ok=1
        break
      fi
      sleep 0.1
    done
    if [ -n "$ok" ]; then
      PIDS+=("$R_PID")
      R_PORT=$port
      return 0
    fi
    stop_pid "$R_PID"
  done
  die "rsyslogd did not start: $(tail -n 3 "$d/stderr")"
}
# rsyslog writes each message and a LF, so its file grows to exactly the stream's size; the
# size is one fstat, where counting lines would read the whole file on every poll.
r_bytes() { wc -c <"$TMP/rs-$1/out.log"; }
r_lines() { wc -l <"$TMP/rs-$1/out.log"; }

# Waits until count_fn reaches target (or stops moving for 3 s, or the timeout); prints
# "count end_time". Polls every 20 ms.
wait_count() { # target count_fn arg
  local target=$1 fn=$2 arg=$3 c last=-1 still=0 t deadline=$((${EPOCHREALTIME%.*} + WAIT_S))
  while :; do
    c=$($fn "$arg")
    t=$EPOCHREALTIME
    [ "${c:-0}" -ge "$target" ] && break
    if [ "$c" = "$last" ]; then still=$((still + 1)); else still=0; fi
    last=$c
    [ "$still" -ge 150 ] && break
    [ "${t%.*}" -ge "$deadline" ] && break
    sleep 0.02
  done
  echo "${c:-0} $t"
}
x_stored_tcp() { x_counter stored tcp; }
x_stored_udp() { x_counter stored udp; }

echo "bench/audit/syslog: $N messages of $((BYTES / N)) bytes on average ($BYTES bytes)," \
  "$ROUNDS rounds, loopback, $(nproc) cores shared by sender and receivers;" \
  "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rsyslog $("$RSYSLOGD" -v | head -n1 | awk '{print $2}' | tr -d ,) writing to a file;" \
  "xinan writing to SQLite (WAL, synchronous=FULL)"

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {
  printf "%.0f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '\nTCP, lossless rate (from the first byte sent to the last message stored)\n'
printf '%-6s %14s %10s %14s %10s %7s\n' round "xinan msg/s" stored "rsyslog msg/s" written ratio
X_ALL="" R_ALL="" X_LOSS=0 R_LOSS=0
for r in $(seq "$ROUNDS"); do
  start_xinan "tcp$r"
  t0=$(now)
  "$TMP/syslog_send" tcp "$X_TCP" "$TMP/stream.log" >/dev/null
  read -r _ t1 < <(wait_count "$N" x_stored_tcp "")
  stop_pid "$X_PID"
  xrows=$(x_rows "tcp$r")
  xr=$(rate "$xrows" "$t0" "$t1")
  [ "$xrows" -lt "$N" ] && X_LOSS=$((X_LOSS + N - xrows))

  start_rsyslog "tcp$r"
  t0=$(now)
  "$TMP/syslog_send" tcp "$R_PORT" "$TMP/stream.log" >/dev/null
  read -r _ t1 < <(wait_count "$BYTES" r_bytes "tcp$r")
  stop_pid "$R_PID"
  rc=$(r_lines "tcp$r")
  rr=$(rate "$rc" "$t0" "$t1")
  [ "$rc" -lt "$N" ] && R_LOSS=$((R_LOSS + N - rc))
  X_ALL+=" $xr" R_ALL+=" $rr"
  printf '%-6s %14s %10s %14s %10s %7s\n' "$r" "$xr" "$xrows" "$rr" "$rc" \
    "$(awk -v a="$xr" -v b="$rr" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
done
X_RATE=$(median <<<"$X_ALL")
R_RATE=$(median <<<"$R_ALL")
RATIO=$(awk -v a="$X_RATE" -v b="$R_RATE" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')

printf '\nUDP, unpaced: every datagram sent as fast as one sender can\n'
start_xinan udp
sent=$("$TMP/syslog_send" udp "$X_UDP" "$TMP/stream.log")
read -r _ _ < <(wait_count "$N" x_stored_udp "")
XU_RECV=$(x_counter received udp)
XU_DROP=$(x_counter dropped udp)
stop_pid "$X_PID"
XU_ROWS=$(x_rows udp)
XU_SEND_S=${sent#* }
start_rsyslog udp
sent=$("$TMP/syslog_send" udp "$R_PORT" "$TMP/stream.log")
read -r _ _ < <(wait_count "$BYTES" r_bytes udp)
stop_pid "$R_PID"
RU_ROWS=$(r_lines udp)
RU_SEND_S=${sent#* }
loss() { awk -v n="$N" -v k="$1" 'BEGIN { printf "%.1f %%", 100 * (n - k) / n }'; }
printf '%-10s %12s %12s %10s %22s\n' receiver "sent in s" stored loss "counted as dropped"
printf '%-10s %12s %12s %10s %22s\n' xinan "$XU_SEND_S" "$XU_ROWS" "$(loss "$XU_ROWS")" \
  "${XU_DROP:-?} (received $XU_RECV)"
printf '%-10s %12s %12s %10s %22s\n' rsyslog "$RU_SEND_S" "$RU_ROWS" "$(loss "$RU_ROWS")" "-"

echo
printf '%-40s %12s %8s\n' "server (median of rounds)" "msg/s" ratio
printf '%-40s %12s %8s\n' "rsyslog, TCP to a file" "$R_RATE" "1.00"
printf '%-40s %12s %8s\n' "xinan, TCP to SQLite" "$X_RATE" "$RATIO"
printf '%-40s %12s %8s\n' "messages lost over TCP (all rounds)" "xinan $X_LOSS" "rsyslog $R_LOSS"
printf 'target: ratio xinan/rsyslog >= %s (lossless): %s\n' "$TARGET_RATIO" \
  "$(awk -v a="$RATIO" -v b="$TARGET_RATIO" -v l="$X_LOSS" \
    'BEGIN { print (a + 0 >= b + 0 && l == 0) ? "PASS" : "MISS" }')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
