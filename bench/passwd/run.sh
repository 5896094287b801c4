#!/usr/bin/env bash
# The password policy bench: dictionary build time and memory, and the cost of one check
# (mean and worst microseconds) for random passwords, leet dictionary words, phrases and the
# worst case of 256 bytes. Run from anywhere: bash bench/passwd/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/bench/out/passwd"
mkdir -p "$out"
libs="$(pkg-config --libs libmicrohttpd sqlite3 jansson inih libsodium libcrypto libcurl \
        libutf8proc libargon2 xlsxwriter) -lpthread -lm"
make -C "$root" --no-print-directory build/libxinan.a build/gen/pwdict.o >/dev/null
cc -O2 -std=c17 -D_GNU_SOURCE -I"$root/src" $(pkg-config --cflags jansson) \
   -o "$out/bench_passwd" "$here/bench_passwd.c" "$root/build/gen/pwdict.o" \
   "$root/build/libxinan.a" $libs
"$out/bench_passwd"
