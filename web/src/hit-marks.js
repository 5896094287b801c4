// Where the check hits of an item's body are in the rich-text editor's document (PUB-5, PUB-8,
// PUB-9, PUB-13). The server checks the body's visible text (publish/sanitize.c: one line per
// block, a <br> ends a line) and reports each hit by UTF-8 byte offsets into it; the editor
// holds a ProseMirror document whose positions count blocks' edges as well. docText() lays the
// document out as that text with the position of every character; hitRanges() turns hits into
// document ranges: by their offsets when the text checked is the document's text, otherwise
// (the text was changed since, or laid out otherwise) by finding each hit's words in the
// document, occurrence after occurrence in document order (personal data, reported masked,
// is then left unmarked until the next check).
//
// It imports only text-offsets.js (which imports nothing): the browser tests load it in node.
import { byteOffsetsToIndices } from './text-offsets.js';

// The rule a check hit falls under, as publish/checks.c gives it: personal data a citizen's
// identity or money rests on is never published, other personal data a level-2 reviewer
// confirms; a lexicon word is fixed or kept with a reason.
const NEVER_PUBLISHED = new Set(['id_card', 'id_card15', 'bank_card', 'passport']);

export function ruleOf(hit) {
  if (hit.rule === 'reason' || hit.rule === 'level2' || hit.rule === 'remove') return hit.rule;
  if (hit.lexicon === 'pii') return NEVER_PUBLISHED.has(hit.category) ? 'remove' : 'level2';
  return 'reason';
}

// The key of a hit as publish/checks.c makes it (a reason given holds for the same key).
export function keyOf(hit) {
  if (typeof hit.key === 'string') return hit.key;
  if (hit.lexicon === 'pii') return `pii:${hit.category || ''}:${hit.text || ''}`;
  return `word:${hit.lexicon || ''}:${hit.entry || ''}`;
}

// The hits of a live check (POST /api/text/check) in the shape of an item's body hits, each
// with the reason already kept for its key among `saved` (the item's hits), if any.
export function liveHits(answer, saved) {
  const reasons = new Map();
  for (const h of Array.isArray(saved) ? saved : []) if (h && h.reason && typeof h.key === 'string') reasons.set(h.key, h.reason);
  const list = answer && Array.isArray(answer.hits) ? answer.hits : [];
  return list.map((h) => {
    const key = keyOf(h);
    return { ...h, key, in: 'body', rule: ruleOf(h), reason: reasons.get(key) || null };
  });
}

// The class of a mark: red for a hit to remove, green for one kept with a reason, yellow for
// one still to handle.
export function markKind(hit) {
  if (ruleOf(hit) === 'remove') return 'remove';
  return hit.reason ? 'kept' : 'open';
}

// The document as the server's visible text: { text, pos } where pos[i] is the document
// position of text[i] (-1 for a line end). Each textblock is a line; a hard break ends one
// inside it; an inline leaf other than a break (an image) counts as nothing.
export function docText(doc) {
  let text = '';
  const pos = [];
  let first = true;
  doc.descendants((node, at) => {
    if (!node.isTextblock) return true;
    if (!first) {
      text += '\n';
      pos.push(-1);
    }
    first = false;
    node.forEach((child, offset) => {
      const start = at + 1 + offset;
      if (child.isText) {
        text += child.text;
        for (let i = 0; i < child.text.length; i++) pos.push(start + i);
      } else if (child.type.name === 'hardBreak') {
        text += '\n';
        pos.push(-1);
      }
    });
    return false;
  });
  return { text, pos };
}

// Whether the text the server checked is this document's text (its trailing line ends aside).
export function sameText(a, b) {
  return String(a).replace(/\n+$/, '') === String(b).replace(/\n+$/, '');
}

// Document ranges [{ from, to, hit }] of the hits (those of the body only) in a laid-out
// document `laid` (docText). `checked` is the text whose byte offsets the hits carry; when it
// is not the document's text, the hits are found by their words instead. A hit over a line end
// gives one range per line. Ranges come in document order.
export function hitRanges(laid, hits, checked) {
  const list = (Array.isArray(hits) ? hits : []).filter((h) => h && h.in !== 'title');
  const spans = [];
  if (typeof checked === 'string' && sameText(checked, laid.text)) {
    const map = byteOffsetsToIndices(
      laid.text,
      list.flatMap((h) => [h.start, h.end]),
    );
    for (const h of list) {
      if (!Number.isInteger(h.start) || !Number.isInteger(h.end) || h.end <= h.start) continue;
      const s = map.get(h.start);
      const e = map.get(h.end);
      if (s !== undefined && e !== undefined && e > s) spans.push({ s, e, hit: h });
    }
  } else {
    // occurrence after occurrence: the n-th hit of some words is their n-th place in the text
    const from = new Map();
    const ordered = [...list].sort((a, b) => (a.start || 0) - (b.start || 0));
    for (const h of ordered) {
      if (typeof h.text !== 'string' || h.text === '') continue;
      const s = laid.text.indexOf(h.text, from.get(h.text) || 0);
      if (s < 0) continue;
      from.set(h.text, s + h.text.length);
      spans.push({ s, e: s + h.text.length, hit: h });
    }
  }
  const out = [];
  for (const { s, e, hit } of spans) {
    let runFrom = -1;
    let runTo = -1;
    for (let i = s; i < e; i++) {
      const p = laid.pos[i];
      if (p >= 0 && p === runTo) {
        runTo = p + 1;
        continue;
      }
      if (runFrom >= 0) out.push({ from: runFrom, to: runTo, hit });
      runFrom = p >= 0 ? p : -1;
      runTo = p >= 0 ? p + 1 : -1;
    }
    if (runFrom >= 0) out.push({ from: runFrom, to: runTo, hit });
  }
  return out.sort((a, b) => a.from - b.from || a.to - b.to);
}
