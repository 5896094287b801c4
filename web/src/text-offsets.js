// The server's content check (POST /api/text/check) reports each hit by UTF-8 byte offsets
// into the text it was sent; a JavaScript string counts UTF-16 code units. Chinese characters
// are 3 bytes and 1 unit, characters beyond the BMP (emoji, rare hanzi) 4 bytes and 2 units,
// so byte offsets cannot be used as string indices. This file converts them and cuts the text
// into plain and highlighted pieces, which the page renders as text nodes (never as HTML).
//
// No imports: the browser tests load this file in node as well and check the conversion there.

// Bytes of one code point in UTF-8. A lone surrogate is sent as U+FFFD (3 bytes), as
// TextEncoder and JSON encoders do.
function utf8Bytes(cp) {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

// The length of a string in UTF-8 bytes.
export function utf8Length(text) {
  let n = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i);
    n += utf8Bytes(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return n;
}

// Maps UTF-8 byte offsets into `text` to string indices: a Map from each offset given to the
// index of the first character starting at or after it (an offset inside a character, which a
// correct server never sends, moves to the next character; past the end: text.length).
export function byteOffsetsToIndices(text, offsets) {
  const wanted = [...new Set(offsets.filter((o) => Number.isInteger(o) && o >= 0))].sort((a, b) => a - b);
  const out = new Map();
  let k = 0;
  let bytes = 0;
  for (let i = 0; i < text.length && k < wanted.length; ) {
    while (k < wanted.length && wanted[k] <= bytes) out.set(wanted[k++], i);
    const cp = text.codePointAt(i);
    bytes += utf8Bytes(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  while (k < wanted.length) out.set(wanted[k++], text.length);
  return out;
}

// Cuts `text` into consecutive pieces [{ text, hits: [i, …] }] where `hits` lists the indices
// (into the hits array) of every hit covering the piece; empty for plain text. Hits may
// overlap (an entry inside a longer one); a hit with a bad or empty range is left out. The
// pieces joined give the text back unchanged.
export function highlightSegments(text, hits) {
  const list = Array.isArray(hits) ? hits : [];
  const map = byteOffsetsToIndices(
    text,
    list.flatMap((h) => [h.start, h.end]),
  );
  const ranges = [];
  list.forEach((h, n) => {
    if (!Number.isInteger(h.start) || !Number.isInteger(h.end) || h.end <= h.start) return;
    const s = map.get(h.start);
    const e = map.get(h.end);
    if (s === undefined || e === undefined || e <= s) return;
    ranges.push({ s, e, n });
  });
  const cuts = new Set([0, text.length]);
  for (const r of ranges) {
    cuts.add(r.s);
    cuts.add(r.e);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    const covering = ranges.filter((r) => r.s <= a && r.e >= b).map((r) => r.n);
    const last = pieces[pieces.length - 1];
    if (last && sameList(last.hits, covering)) last.text += text.slice(a, b);
    else pieces.push({ text: text.slice(a, b), hits: covering });
  }
  return pieces;
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
