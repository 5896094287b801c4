#!/usr/bin/env bash
# The text engine bench: builds its own data from the seed regulation texts (../shared/seeds),
# then for lexicons of 10,000 and 100,000 entries measures xinan (raw and fully folded),
# Hyperscan (hs_compile_lit_multi, block mode) and mint-filter (node, line by line): compile
# time, load time, throughput, resident memory and hit counts. Run from anywhere:
#   bash bench/text/run.sh            (CORPUS_MB=100 by default; MINT=0 skips mint-filter)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seeds="$root/../shared/seeds"
out="$root/bench/out/text"
mb=${CORPUS_MB:-100}
mkdir -p "$out"
[ -d "$seeds" ] || { echo "bench/text: seeds not found at $seeds" >&2; exit 2; }

libs="$(pkg-config --libs libmicrohttpd sqlite3 jansson inih libsodium libcrypto libcurl \
        libutf8proc libargon2 xlsxwriter) -lpthread -lm"
make -C "$root" --no-print-directory build/libxinan.a build/xinan >/dev/null
cc -O2 -std=c17 -D_GNU_SOURCE -o "$out/gen" "$here/gen.c"
cc -O2 -std=c17 -D_GNU_SOURCE -I"$root/src" -o "$out/bench_xinan" "$here/bench_xinan.c" \
   "$root/build/libxinan.a" $libs
cc -O2 -std=c17 -D_GNU_SOURCE -o "$out/bench_hs" "$here/bench_hs.c" -lhs

if [ ! -f "$out/corpus.txt" ] || [ "$(stat -c %s "$out/corpus.txt")" -lt $((mb << 20)) ]; then
  "$out/gen" "$seeds" "$out" "$mb" 10000 100000
fi
if [ "${MINT:-1}" = 1 ] && [ ! -d "$here/node_modules/mint-filter" ]; then
  (cd "$here" && npm install --no-audit --no-fund --loglevel=error --no-package-lock >/dev/null)
fi

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
echo "corpus: $(stat -c %s "$out/corpus.txt") bytes; $(nproc) cores"
for n in 10000 100000; do
  lex="$out/lex$n.txt"
  echo "== $n entries"
  fc=$("$out/bench_xinan" compile "$lex" "$out/fold$n.xlex")
  rc=$("$out/bench_xinan" compile "$lex" "$out/raw$n.xlex" --raw)
  fm=$("$out/bench_xinan" match "$out/fold$n.xlex" "$out/corpus.txt")
  rm=$("$out/bench_xinan" match "$out/raw$n.xlex" "$out/corpus.txt")
  rss=$("$out/bench_xinan" rss "$out/fold$n.xlex" "$out/corpus.txt")
  hs=$("$out/bench_hs" "$lex" "$out/corpus.txt")
  echo "xinan compile (folded): $fc"
  echo "xinan compile (raw):    $rc"
  echo "xinan raw:              $rm"
  echo "xinan folded:           $fm"
  echo "xinan resident:         $rss"
  echo "hyperscan:              $hs"
  r_mbs=$(echo "$rm" | field mb_per_s)
  h_mbs=$(echo "$hs" | field mb_per_s)
  echo "raw/hyperscan ratio:    $(awk "BEGIN{printf \"%.2f\", $r_mbs/$h_mbs}")"
  if [ "$(echo "$rm" | field hits)" = "$(echo "$hs" | field hits)" ]; then
    echo "hit counts xinan raw = hyperscan: agree"
  else
    echo "hit counts xinan raw = hyperscan: DIFFER"
  fi
  if [ "${MINT:-1}" = 1 ]; then
    mt=$(node "$here/mint.js" "$lex" "$out/corpus.txt")
    f_mbs=$(echo "$fm" | field mb_per_s)
    m_mbs=$(echo "$mt" | field mb_per_s)
    echo "mint-filter:            $mt"
    echo "folded/mint ratio:      $(awk "BEGIN{printf \"%.1f\", $f_mbs/$m_mbs}")"
  fi
done
