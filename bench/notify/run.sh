#!/usr/bin/env bash
# The notification bench, on the library the server is built from (its job runner and the
# notify room's delivery job; bench_notify.c):
#  (a) delivery: NOTIFY_MESSAGES messages raised (NOTIFY_BATCH per transaction) for one webhook
#      channel with no rate limit, delivered to a fake group robot on loopback (robot.mjs,
#      answering {"errcode":0}); messages/s from the first raise to the last receipt, and every
#      message received once (by X-Xinan-Delivery key and by the sequence number in its text).
#      Target >= 1000/s, none lost or duplicated.
#  (b) the cost of raising: a change with its audit record per transaction, without and with
#      notify_raise in the same transaction, taking turns transaction by transaction; the
#      median transaction of each compared; target <= 15 % slower.
# Figures, not tests. Data goes to bench/out/notify/.
#
#   bash bench/notify/run.sh        (or `make bench`)
#
# Knobs (environment): NOTIFY_MESSAGES (10000), NOTIFY_BATCH (100), NOTIFY_TX (2000),
# NOTIFY_ROUNDS (5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/bench/out/notify"
messages=${NOTIFY_MESSAGES:-10000}
batch=${NOTIFY_BATCH:-100}
txs=${NOTIFY_TX:-2000}
rounds=${NOTIFY_ROUNDS:-5}
mkdir -p "$out"

# Loopback only; nothing here may go through a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

pkgs=$(sed -n 's/^PKGS := //p' "$root/Makefile")
# shellcheck disable=SC2086 # the package list is meant to split
libs="$(pkg-config --libs $pkgs) -lpthread -lm"
# shellcheck disable=SC2086
cflags=$(pkg-config --cflags $pkgs)
make -C "$root" --no-print-directory build/libxinan.a >/dev/null
# shellcheck disable=SC2086
cc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -I"$root/src" $cflags -o "$out/bench_notify" \
  "$here/bench_notify.c" "$root/build/libxinan.a" $libs

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- (a) delivery ------------------------------------------------------------------------------
node "$here/robot.mjs" >"$work/robot.out" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^listening //p' "$work/robot.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "bench/notify: the fake robot did not start" >&2; exit 1; }
mkdir -p "$work/a"
"$out/bench_notify" deliver "$work/a" "http://127.0.0.1:$port/robot/send" "$messages" "$batch" \
  >"$out/deliver.txt"
node -e '
  const http = require("node:http");
  http.get("http://127.0.0.1:" + process.argv[1] + "/stats", (r) => {
    let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => console.log(b));
  });' "$port" >"$out/robot.json"
# shellcheck disable=SC2016 # JavaScript template literals, not shell
node -e '
  const fs = require("node:fs");
  const [deliverTxt, robotJson, n] = process.argv.slice(1);
  const d = Object.fromEntries(fs.readFileSync(deliverTxt, "utf8").trim().split("\n")
    .map((l) => l.split(" ")).map(([k, v]) => [k, Number(v)]));
  const r = JSON.parse(fs.readFileSync(robotJson, "utf8"));
  const want = Number(n);
  const secs = (r.last_ms - d.first_raise_ms) / 1000;
  const rate = r.received / secs;
  console.log(`delivery: ${want} messages raised in ${((d.last_raise_ms - d.first_raise_ms) / 1000).toFixed(2)} s, ` +
    `received ${r.received} (unique keys ${r.unique_keys}, duplicate keys ${r.duplicate_keys}, ` +
    `unique texts ${r.unique_seqs}, duplicate texts ${r.duplicate_seqs}); ` +
    `outbox sent ${d.sent}, failed ${d.failed}, pending ${d.pending}`);
  const whole = r.unique_keys === want && r.unique_seqs === want && r.duplicate_keys === 0 &&
    r.duplicate_seqs === 0 && r.received === want && d.sent === want;
  console.log(`delivery: ${rate.toFixed(0)} messages/s from the first raise to the last receipt ` +
    `(${secs.toFixed(2)} s)`);
  console.log(`target: >= 1000 messages/s: ${rate >= 1000 ? "met" : "MISSED"}; ` +
    `none lost or duplicated: ${whole ? "met" : "MISSED"}`);
' "$out/deliver.txt" "$out/robot.json" "$messages" | tee "$out/delivery.txt"
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=""

# ---- (b) the cost of raising -------------------------------------------------------------------
mkdir -p "$work/b"
"$out/bench_notify" tx "$work/b" "$txs" "$rounds" | tee "$out/raise.txt"
slow=$(sed -n 's/^slowdown_pct //p' "$out/raise.txt")
awk -v s="$slow" 'BEGIN { printf "target: <= 15 %% slower with notify_raise: %s\n",
  (s <= 15 ? "met" : "MISSED") }'
echo "machine after: load $(cut -d' ' -f1-3 /proc/loadavg)"
