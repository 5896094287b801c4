#!/usr/bin/env bash
# The peer of the guard bench: the usual hand-made page restorer, recursive inotifywait feeding a
# shell loop that copies the pristine page back whenever a watched page differs from it.
#
#   bash bench/guard/peer.sh ROOT PRISTINE
#
# inotifywait says "Watches established." on standard error once it watches the whole tree.
# Its own copies raise close_write too; cmp finds them equal and the loop moves on. A peer to
# measure against, not a tool for a real tree: its cp writes through a symlink put in a page's
# place onto the file the link points to.
set -uo pipefail
root=$1
pristine=$2
inotifywait -m -r -e close_write,moved_to,delete --format '%w%f' "$root" |
  while IFS= read -r f; do
    src=$pristine/${f#"$root"/}
    [ -f "$src" ] || continue
    cmp -s "$src" "$f" || cp "$src" "$f"
  done
