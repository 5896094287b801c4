// Every call of the lexicon page, in one place, with the endpoints' contract (routes.c,
// h_lexicons.c, h_text.c; README "Content checks and lexicons"):
//   GET  /api/lexicons (text.lexicon)
//        → { items: [{ name, entries, categories: [..], bytes, digest: "<alg>:<hex>",
//                      updated_at (UTC µs), updated_at_text, updated_by }] }, ordered by name
//   GET  /api/lexicons/:name/export (text.lexicon) → the source text, `<name>.txt`
//   POST /api/lexicons/:name/import?mode=replace|merge (text.lexicon), a text/plain UTF-8
//        body of at most 16 MiB → { name, mode, entries, added, removed, digest }.
//        A text with bad lines is 400 `bad_lexicon`, nothing changed; its error object lists
//        them: { code: 'bad_lexicon', message, field: 'body', request_id,
//                lines: [{ line (1-based), code ('bad_severity', 'entry_empty', …),
//                          reason (Chinese: the column and what it may hold) }],
//                more: bad lines beyond the first 10 listed }
//        (the message names the first of them too, for clients that read only it); a bad
//        name is 400 `bad_name`; too big is 413.
//   POST /api/text/check (anyone signed in) { text, pii } → { hits: [{ start, end (UTF-8
//        byte offsets), text (personal data: only its masked form), entry (null for personal
//        data), lexicon ("pii" for personal data), category, severity: low|medium|high,
//        suggest }], count, truncated }
// Every import and export is a record on the audit trail (lexicon.import, lexicon.export):
// counts and a digest of the text, never its words.
import { download, request } from './api.js';

export const MAX_IMPORT_BYTES = 16 * 1024 * 1024; // LEXICON_MAX_IMPORT
export const MAX_NAME = 64; // LEXICON_MAX_NAME
export const MAX_CHECK_CHARS = 100_000; // the check's body is JSON, at most http.max_body bytes

// The server's rule for a lexicon name (lexicon_name_valid): 1-64 bytes of a-z, 0-9, '_', '-'
// and Chinese characters (涉政敏感词).
export function validLexiconName(name) {
  return (
    typeof name === 'string' &&
    /^(?:[a-z0-9_-]|[\u3400-\u4dbf\u4e00-\u9fff])+$/.test(name) &&
    new TextEncoder().encode(name).length <= MAX_NAME &&
    name !== 'pii'
  );
}

export function fetchLexicons() {
  return request('GET', '/api/lexicons');
}

export function exportLexicon(name) {
  return download(`/api/lexicons/${encodeURIComponent(name)}/export`, `${name}.txt`);
}

export function importLexicon(name, text, mode) {
  return request('POST', `/api/lexicons/${encodeURIComponent(name)}/import?mode=${mode === 'merge' ? 'merge' : 'replace'}`, text, {
    contentType: 'text/plain; charset=utf-8',
  });
}

// mode 'longest' reports only the longest of overlapping entries, as an item's checks do.
export function checkText(text, pii = true, mode) {
  return request('POST', '/api/text/check', mode ? { text, pii, mode } : { text, pii });
}

// The lines of a lexicon text as the server numbers them: split at '\n' (a '\r' before it
// belongs to no entry), a final newline ends the last line rather than starting another.
export function splitLines(text) {
  if (!text) return [];
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// Lines that carry an entry (not blank, not a '#' comment).
export function entryLines(lines) {
  return lines.filter((l) => {
    const s = l.trim();
    return s !== '' && !s.startsWith('#');
  }).length;
}

// The bad lines of a refused import, from the error object of an ApiError (api.js):
// { total, lines: [{ line, code, reason }], more }, or null when the refusal lists no lines
// (a bad name, a text too big, a failure).
export function refusalOf(error) {
  const e = error && typeof error === 'object' ? error : {};
  if (!Array.isArray(e.lines) || e.lines.length === 0) return null;
  const lines = e.lines
    .filter((l) => l && Number.isInteger(l.line) && l.line > 0)
    .map((l) => ({
      line: l.line,
      code: typeof l.code === 'string' ? l.code : '',
      reason: typeof l.reason === 'string' ? l.reason : '',
    }));
  if (lines.length === 0) return null;
  const more = Number.isInteger(e.more) && e.more > 0 ? e.more : 0;
  return { total: lines.length + more, lines, more };
}

// "b2:0123456789abcdef…" → "b2:0123456789ab…"
export function shortDigest(digest) {
  if (typeof digest !== 'string') return '—';
  const [alg, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  const short = hex.length > 12 ? `${hex.slice(0, 12)}…` : hex;
  return alg ? `${alg}:${short}` : short;
}

// 2048 → "2.0 KB"
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
