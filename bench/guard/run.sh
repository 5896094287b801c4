#!/usr/bin/env bash
# The guard's figures on a tree of 100,000 small HTML pages (1,000 directories of 100, 1-8 KiB):
#  - detection to restore: 100 random pages tampered unhurried (1 per 50 ms: each agent's own
#    latency, no queue), then 1,000 distinct random pages at a steady pace (1 per 10 ms), then a
#    burst of 200 more at once, against `xinan guard run` (fanotify, then --inotify) and against
#    the peer, inotifywait -m -r feeding a shell loop that copies the pristine page back. The
#    same helper (tamper.c) tampers and times every one of them from the outside: from the end
#    of its write until the page reads as approved again; a page still tampered after 5 s is a
#    miss;
#  - a full verification of the tree: `xinan guard verify` against `aide --check` (sha256,
#    permissions, size), best of 3 each, page cache warm for both;
#  - the agent's peak resident memory (VmHWM) after its start-up scan and the tampering.
# Must run as root (fanotify). Figures, not tests: targets are printed beside them.
#
#   bash bench/guard/run.sh            (or `make bench`)
#
# Knobs (environment): GUARD_BENCH_DIRS (1000), GUARD_BENCH_FILES (100 a directory),
# GUARD_BENCH_TAMPER (1000), GUARD_BENCH_PACE_MS (10), GUARD_BENCH_BURST (200),
# GUARD_BENCH_SLOW (100), GUARD_BENCH_SLOW_PACE_MS (50), GUARD_BENCH_TIMEOUT_MS (5000),
# GUARD_BENCH_RUNS (3), XINAN_BIN (build/xinan). TMPDIR chooses the disk (the tree, its pristine
# copy, the guard's state and AIDE's database: about 2 GB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/bench/out/guard"
dirs=${GUARD_BENCH_DIRS:-1000}
files=${GUARD_BENCH_FILES:-100}
count=${GUARD_BENCH_TAMPER:-1000}
pace=${GUARD_BENCH_PACE_MS:-10}
burst=${GUARD_BENCH_BURST:-200}
slow=${GUARD_BENCH_SLOW:-100}
slow_pace=${GUARD_BENCH_SLOW_PACE_MS:-50}
timeout=${GUARD_BENCH_TIMEOUT_MS:-5000}
runs=${GUARD_BENCH_RUNS:-3}
seed=1
export XINAN_BIN=${XINAN_BIN:-$root/build/xinan}
[ -x "$XINAN_BIN" ] || make -C "$root" --no-print-directory build/xinan >/dev/null
if ! command -v inotifywait >/dev/null || ! command -v aide >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends inotify-tools aide
fi
mkdir -p "$out"
cc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -o "$out/tamper" "$here/tamper.c"

work=$(mktemp -d "${TMPDIR:-/tmp}/guard-bench.XXXXXX")
agent=
cleanup() {
  if [ -n "$agent" ]; then kill -TERM -- "$agent" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
tree=$work/tree
state=$work/state
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)," \
  "disk of ${TMPDIR:-/tmp}: $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}');" \
  "$(aide --version 2>&1 | head -1), inotify-tools $(dpkg-query -W -f='${Version}' inotify-tools)"

mkdir "$tree"
t=$(date +%s%N)
"$out/tamper" gen "$tree" "$dirs" "$files" "$seed"
cp -a "$tree" "$work/pristine"
echo "tree: $((dirs * files)) pages in $dirs directories, $(du -sm "$tree" | cut -f1) MiB ($(ms_since "$t") ms to make and copy)"
t=$(date +%s%N)
"$XINAN_BIN" guard baseline --root "$tree" --state "$state" >/dev/null
echo "xinan guard baseline: $(ms_since "$t") ms"

# ---- full verification against AIDE ----------------------------------------------------------
mkdir "$work/aide"
conf=$work/aide/aide.conf
cat >"$conf" <<EOF
database_in=file:$work/aide/aide.db
database_out=file:$work/aide/aide.db.new
gzip_dbout=no
report_url=stdout
Bench = p+s+sha256
$(printf '%s' "$tree" | sed 's/[.[\\*^$+?(){}|]/\\&/g') Bench
EOF
t=$(date +%s%N)
aide --init -c "$conf" >/dev/null
mv "$work/aide/aide.db.new" "$work/aide/aide.db"
echo "aide --init: $(ms_since "$t") ms"
best_x=
best_a=
for _ in $(seq "$runs"); do
  t=$(date +%s%N)
  "$XINAN_BIN" guard verify --root "$tree" --state "$state" >/dev/null ||
    { echo "xinan guard verify found differences" >&2; exit 1; }
  ms=$(ms_since "$t")
  if [ -z "$best_x" ] || [ "$ms" -lt "$best_x" ]; then best_x=$ms; fi
  t=$(date +%s%N)
  aide --check -c "$conf" >"$work/aide/report" || { cat "$work/aide/report" >&2; exit 1; }
  ms=$(ms_since "$t")
  if [ -z "$best_a" ] || [ "$ms" -lt "$best_a" ]; then best_a=$ms; fi
done

# ---- detection to restore --------------------------------------------------------------------
# One agent at a time; each one faces the same pages (same seed) tampered the same way.
declare -A unhurried steady burstl hwm inside
tamper() {
  "$out/tamper" run "$tree" "$dirs" "$files" 8 "$slow" "$slow_pace" 0 "$timeout" >"$work/$1.txt"
  unhurried[$1]=$(grep '^steady ' "$work/$1.txt")
  "$out/tamper" run "$tree" "$dirs" "$files" 7 "$count" "$pace" "$burst" "$timeout" >"$work/$1.txt"
  steady[$1]=$(grep '^steady ' "$work/$1.txt")
  burstl[$1]=$(grep '^burst ' "$work/$1.txt")
}
ready() { # waits for the line $2 in the file $1 (at most 120 s)
  for _ in $(seq 1200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "not ready: $1" >&2; cat "$1" >&2; exit 1
}
for mode in fanotify inotify; do
  flag=
  [ "$mode" = inotify ] && flag=--inotify
  t=$(date +%s%N)
  "$XINAN_BIN" guard run --root "$tree" --state "$state" $flag >"$work/$mode.jsonl" 2>"$work/$mode.err" &
  agent=$!
  ready "$work/$mode.err" 'guard: enforcing'
  echo "xinan guard run ($mode): start-up scan done in $(ms_since "$t") ms"
  tamper "$mode"
  hwm[$mode]=$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$agent/status")
  kill -TERM "$agent"
  wait "$agent" || true
  agent=
  # the agent's own figure (detection to restore done, inside the process), for reference
  inside[$mode]=$(sed -n 's/.*"event":"restored".*"ms":\([0-9.]*\).*/\1/p' "$work/$mode.jsonl" |
    sort -n | awk '{v[NR] = $1} END {i50 = int((NR - 1) * 0.5 + 1.5); i99 = int((NR - 1) * 0.99 + 1.5);
      printf "%d restores, p50 %.3f / p99 %.3f ms", NR, v[i50], v[i99]}')
  grep -q overflow_rescan "$work/$mode.jsonl" && echo "  ($mode: the event queue overflowed)"
done

setsid bash "$here/peer.sh" "$tree" "$work/pristine" 2>"$work/peer.err" &
agent=-$! # its process group: bash, inotifywait and the loop
ready "$work/peer.err" 'Watches established'
tamper peer
kill -TERM -- "$agent"
agent=
"$XINAN_BIN" guard verify --root "$tree" --state "$state" >/dev/null ||
  echo "the tree differs from its manifest after the peer's run" >&2

# ---- the figures -----------------------------------------------------------------------------
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
pair() { echo "$(field p50 "$1") / $(field p99 "$1")"; }
verdict() { # verdict XINAN_P99 PEER_P99 XINAN_MISSES
  awk -v x="$1" -v p="$2" -v m="$3" 'BEGIN {
    printf "%.3f× the peer: %s", x / p, (x <= 0.5 * p && m == 0) ? "met" : "NOT MET" }'
}
echo
echo "== detection to restore, ms from the end of the tampering write (p50 / p99)"
row() { printf '%-30s %-20s %-20s %-20s\n' "$@"; }
row "" "xinan (fanotify)" "xinan (--inotify)" "inotifywait + cp"
for phase in unhurried steady burst; do
  case $phase in
    unhurried) label="$slow at 1 per $slow_pace ms"
      x=${unhurried[fanotify]} i=${unhurried[inotify]} p=${unhurried[peer]} ;;
    steady) label="$count at 1 per $pace ms"
      x=${steady[fanotify]} i=${steady[inotify]} p=${steady[peer]} ;;
    burst) label="burst of $burst at once"
      x=${burstl[fanotify]} i=${burstl[inotify]} p=${burstl[peer]} ;;
  esac
  row "$label" "$(pair "$x")" "$(pair "$i")" "$(pair "$p")"
  row "  max" "$(field max "$x")" "$(field max "$i")" "$(field max "$p")"
  row "  misses (after $timeout ms)" "$(field misses "$x")" "$(field misses "$i")" "$(field misses "$p")"
  if [ "$phase" = unhurried ]; then continue; fi
  printf '  target p99 <= 0.5x the peer, no miss: fanotify %s; inotify %s\n' \
    "$(verdict "$(field p99 "$x")" "$(field p99 "$p")" "$(field misses "$x")")" \
    "$(verdict "$(field p99 "$i")" "$(field p99 "$p")" "$(field misses "$i")")"
done
echo "inside the agent: fanotify ${inside[fanotify]}; inotify ${inside[inotify]}"
echo
echo "== full verification of $((dirs * files)) pages, best of $runs, page cache warm for both"
awk -v x="$best_x" -v a="$best_a" 'BEGIN {
  printf "xinan guard verify %8.3f s\naide --check       %8.3f s\nratio %.2f (target <= 0.5): %s\n",
    x / 1000, a / 1000, x / a, x <= 0.5 * a ? "met" : "NOT MET" }'
echo
echo "== agent peak resident memory (VmHWM) after the start-up scan and the tampering"
for mode in fanotify inotify; do
  awk -v m="$mode" -v h="${hwm[$mode]}" 'BEGIN {
    printf "%-9s %6.1f MiB (target <= 64 MiB: %s)\n", m, h, h <= 64 ? "met" : "NOT MET" }'
done
