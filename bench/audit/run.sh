#!/usr/bin/env bash
# The audit room's benchmarks: runs every other script in this folder in turn (`make bench` runs
# each bench/*/run.sh). Today: syslog.sh, the syslog receiver against rsyslog.
set -euo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for b in "$dir"/*.sh; do
  [ "$(basename "$b")" = run.sh ] && continue
  echo "== bench/audit/$(basename "$b")"
  bash "$b"
done
