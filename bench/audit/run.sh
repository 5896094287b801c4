#!/usr/bin/env bash
# The audit trail bench: append rates (batched, and one durable transaction per operation
# from 1 and 4 threads), verification of 1,000,000 records with the seed and the witness, the
# background full-text indexing rate and, for comparison, batched append with the index kept
# by a trigger instead. The peers are SQLite itself: the same rows into a plain table with no
# chain or seals, and the same rows read back without hashing. Both crypto modes: intl
# (BLAKE2b) and gm (SM3). Figures, not tests: nothing is asserted; targets are printed beside
# them. Data goes to bench/out/audit/.
#
#   bash bench/audit/run.sh            (or `make bench`, which runs every bench/*/run.sh)
#
# Verification alone, again, over the trail the last run left (its last mode):
#   bench/out/audit/bench_audit bench/out/audit MODE 0 verify-only
#
# Knobs (environment): AUDIT_VERIFY_RECORDS (1000000), AUDIT_MODES ("intl gm"). The first
# mode also times some searches and the statistics over the whole trail.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/bench/out/audit"
records=${AUDIT_VERIFY_RECORDS:-1000000}
modes=${AUDIT_MODES:-intl gm}
mkdir -p "$out"

pkgs=$(sed -n 's/^PKGS := //p' "$root/Makefile")
# shellcheck disable=SC2086 # the package list is meant to split
libs="$(pkg-config --libs $pkgs) -lpthread -lm"
# shellcheck disable=SC2086
cflags=$(pkg-config --cflags $pkgs)
make -C "$root" --no-print-directory build/libxinan.a >/dev/null
# shellcheck disable=SC2086
cc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -I"$root/src" $cflags -o "$out/bench_audit" \
   "$here/bench_audit.c" "$root/build/libxinan.a" $libs

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
line() { grep "^$1 " "$2" | head -1; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); SQLite $(pkg-config --modversion sqlite3), synchronous=FULL, WAL"
search=search # reading does not depend on the mode: timed in the first one only
for mode in $modes; do
  log="$out/$mode.txt"
  "$out/bench_audit" "$out" "$mode" "$records" $search >"$log"
  search=
  echo "== crypto.mode=$mode"
  printf '%-46s %10s records/s   %s\n' \
    "batched append (200,000 in tx of 10,000)" \
    "$(line append_batched "$log" | field records_per_s)" "target >= 200,000" \
    "  peer: same rows, plain table, no chain" \
    "$(line peer_plain_insert "$log" | field records_per_s)" "" \
    "one tx per record, 1 thread (fsync each)" \
    "$(grep '^append_single threads=1 ' "$log" | field records_per_s)" "" \
    "one tx per record, 4 threads" \
    "$(grep '^append_single threads=4 ' "$log" | field records_per_s)" "" \
    "verify $records with seed and witness" \
    "$(line verify_seed_witness "$log" | field records_per_s)" "target >= 1,000,000" \
    "verify $records, hashes only" \
    "$(line verify_hashes_only "$log" | field records_per_s)" "" \
    "  peer: the same walk, no hashing" \
    "$(line peer_read "$log" | field records_per_s)" "" \
    "full-text index, background step (tx of 10,000)" \
    "$(line fts_background "$log" | field records_per_s)" "" \
    "batched append if a trigger kept the index" \
    "$(line append_batched_fts_trigger "$log" | field records_per_s)" "(not used)"
  grep -q 'intact=yes' "$log" || echo "verification did not find the trail intact: see $log"
  if grep -q '^read_' "$log"; then
    echo "-- reading the $records-record trail (best of 3; total as audit_search reports it)"
    grep '^read_' "$log" | while read -r name rest; do
      printf '%-46s %10s ms        total %s\n' "${name#read_}" "$(echo "$rest" | field ms)" \
        "$(echo "$rest" | field total)"
    done
  fi
done

# The syslog receiver against rsyslog, same machine, same run.
echo "== bench/audit/syslog.sh"
bash "$here/syslog.sh"
