#!/usr/bin/env bash
# The auth bench: milliseconds per password hash at the configured parameters under both
# crypto modes, and requests/s of an authenticated GET /api/me against GET /api/health on one
# running server in the same run (the cost of the session check; target ratio >= 0.8).
# Figures, not tests. Data goes to bench/out/auth/.
#
#   bash bench/auth/run.sh        (or `make bench`)
#
# Knobs (environment): AUTH_THREADS (4), AUTH_SECONDS (5), AUTH_HASHES (10).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/bench/out/auth"
threads=${AUTH_THREADS:-4}
seconds=${AUTH_SECONDS:-5}
hashes=${AUTH_HASHES:-10}
mkdir -p "$out"

pkgs=$(sed -n 's/^PKGS := //p' "$root/Makefile")
# shellcheck disable=SC2086 # the package list is meant to split
libs="$(pkg-config --libs $pkgs) -lpthread -lm"
# shellcheck disable=SC2086
cflags=$(pkg-config --cflags $pkgs)
make -C "$root" --no-print-directory build/libxinan.a build/xinan >/dev/null
# shellcheck disable=SC2086
cc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -I"$root/src" $cflags -o "$out/bench_auth" \
   "$here/bench_auth.c" "$root/build/libxinan.a" $libs

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$out/bench_auth" hash "$hashes" | tee "$out/hash.txt"

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
XINAN_LOG_ACCESS=off "$root/build/xinan" serve --listen 127.0.0.1:0 --db "$work/xinan.db" \
  >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/stdout" && break; sleep 0.1; done
base=$(sed -n 's/.*listening on \(http:\/\/[^/]*\)\/.*/\1/p' "$work/stdout")
cookie=$(node "$here/signin.mjs" "$base" "$work/stdout")
"$out/bench_auth" http "$base" "$cookie" "$threads" "$seconds" | tee "$out/http.txt"
echo "target: ratio >= 0.80 (authenticated /api/me against /api/health)"
