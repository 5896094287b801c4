#!/usr/bin/env bash
# The register export figure: SHEET_BENCH_ROWS devices exported to xlsx by
# register_export_xlsx (libxlsxwriter, constant memory; bench_sheet.c on the server's own
# library) against python3-openpyxl in write-only mode writing the same rows (the same cells:
# the C side's CSV export of them, read before the clock starts). Prints both times (best of
# SHEET_BENCH_RUNS), the ratio and the RSS growth of the export.
# Targets: at least 3x the speed of openpyxl; RSS growth <= 64 MiB. Figures, not tests.
#
#   bash bench/register_sheet/run.sh        (or `make bench`)
#
# Knobs: SHEET_BENCH_ROWS (100000), SHEET_BENCH_RUNS (3), PYTHON (/usr/bin/python3: the
# interpreter Debian's python3-openpyxl is installed for).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/bench/out/register_sheet"
rows=${SHEET_BENCH_ROWS:-100000}
runs=${SHEET_BENCH_RUNS:-3}
mkdir -p "$out"
py=${PYTHON:-/usr/bin/python3}
"$py" -c 'import openpyxl' 2>/dev/null || {
  echo "bench/register_sheet: python3-openpyxl is missing (scripts/deps.sh bench)" >&2; exit 1; }

pkgs=$(sed -n 's/^PKGS := //p' "$root/Makefile")
# shellcheck disable=SC2086 # the package list is meant to split
libs="$(pkg-config --libs $pkgs) -lpthread -lm"
# shellcheck disable=SC2086
cflags=$(pkg-config --cflags $pkgs)
make -C "$root" --no-print-directory build/libxinan.a build/gen/pwdict.o build/gen/calendar.o \
  build/gen/assets_empty.o >/dev/null
# shellcheck disable=SC2086
cc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -I"$root/src" $cflags -o "$out/bench_sheet" \
  "$here/bench_sheet.c" "$root/build/gen/pwdict.o" "$root/build/gen/calendar.o" \
  "$root/build/gen/assets_empty.o" "$root/build/libxinan.a" $libs

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$out/bench_sheet" "$work" "$rows" "$runs" >"$out/xinan.txt"
"$py" "$here/openpyxl_write.py" "$work/rows.csv" "$work/openpyxl.xlsx" "$runs" >"$out/openpyxl.txt"
get() { sed -n "s/^$2 //p" "$1"; }
c=$(get "$out/xinan.txt" seconds)
p=$(get "$out/openpyxl.txt" seconds)
growth=$(get "$out/xinan.txt" growth_mib)
ratio=$(awk -v p="$p" -v c="$c" 'BEGIN { printf "%.1f", p / c }')
echo "export of $rows rows to xlsx (best of $runs):"
echo "  xinan (libxlsxwriter, constant memory): ${c} s (median $(get "$out/xinan.txt" seconds_median) s), $(get "$out/xinan.txt" xlsx_bytes) bytes"
echo "  python3-openpyxl write-only:            ${p} s (median $(get "$out/openpyxl.txt" seconds_median) s), $(get "$out/openpyxl.txt" xlsx_bytes) bytes"
echo "  ratio: ${ratio}x faster (target >= 3x): $(awk -v r="$ratio" 'BEGIN { print (r >= 3) ? "met" : "NOT met" }')"
echo "  RSS growth of the export: ${growth} MiB (RSS $(get "$out/xinan.txt" rss_before_kib) KiB before, peak $(get "$out/xinan.txt" rss_peak_kib) KiB; target <= 64 MiB): $(awk -v g="$growth" 'BEGIN { print (g <= 64) ? "met" : "NOT met" }')"

# The import figure: IMPORT_ROWS (10000) new devices imported from xlsx through the API against
# openpyxl read-only merely reading the same file, IMPORT_PAIRS (7) of each in turn, best of each.
node "$here/import.mjs" "${IMPORT_ROWS:-10000}" "$runs" "$py"
