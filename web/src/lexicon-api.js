// Every call of the lexicon page, in one place, with the endpoints' contract (routes.c,
// h_lexicons.c, h_text.c; README "Content checks and lexicons"):
//   GET  /api/lexicons (text.lexicon)
//        → { items: [{ name, entries, categories: [..], bytes, digest: "<alg>:<hex>",
//                      updated_at (UTC µs), updated_at_text, updated_by }] }, ordered by name
//   GET  /api/lexicons/:name/export (text.lexicon) → the source text, `<name>.txt`
//   POST /api/lexicons/:name/import?mode=replace|merge (text.lexicon), a text/plain UTF-8
//        body of at most 16 MiB → { name, mode, entries, added, removed, digest }.
//        A bad text is 400 `bad_lexicon` naming its bad lines in the message:
//        "词库有 N 行有误，未作任何更改：第 2 行：<reason>；第 4 行：<reason>；另有 K 行有误"
//        (as many lines as fit the message); a bad name is 400 `bad_name`; too big is 413.
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

// The server's rule for a lexicon name (lexicon_name_valid): 1-64 of a-z, 0-9, '_' and '-'.
export function validLexiconName(name) {
  return typeof name === 'string' && /^[a-z0-9_-]{1,64}$/.test(name);
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

export function checkText(text, pii = true) {
  return request('POST', '/api/text/check', { text, pii });
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

// A refusal of an import (`bad_lexicon`) read back into its parts:
// { total, lines: [{ line, reason }], more } or null when the message is not of that form.
export function parseRefusal(message) {
  const m = /^词库有 (\d+) 行有误，未作任何更改：([\s\S]*)$/.exec(message || '');
  if (!m) return null;
  const out = { total: Number(m[1]), lines: [], more: 0 };
  for (const part of m[2].split(/；(?=第 \d+ 行：|另有 \d+ 行有误$)/)) {
    const line = /^第 (\d+) 行：([\s\S]*)$/.exec(part);
    const more = /^另有 (\d+) 行有误$/.exec(part);
    if (line) out.lines.push({ line: Number(line[1]), reason: line[2] });
    else if (more) out.more = Number(more[1]);
  }
  return out;
}

// The builder's reasons (src/text/build.c) are English; their Chinese wording for the table.
// An unknown reason is shown as the server words it.
const REASONS = [
  [/^bad severity/, () => '严重程度只能是 low、medium 或 high'],
  [/^column too long/, () => '某一列过长'],
  [/^severity must be/, () => '严重程度只能是 low、medium 或 high'],
  [/^entry is empty, too long or not UTF-8/, () => '词条为空、过长或不是 UTF-8'],
  [/^category, lexicon name or suggestion too long/, () => '类别、词库名或建议过长或不是 UTF-8'],
  [/^entry is longer than (\d+) characters/, (m) => `词条超过 ${m[1]} 个字符`],
  [/^entry holds only spaces, punctuation or symbols/, () => '词条只有空格、标点或符号'],
  [/^more than (\d+) entries/, (m) => `词条超过 ${m[1]} 条`],
];

export function reasonZh(reason) {
  for (const [re, fn] of REASONS) {
    const m = re.exec(reason);
    if (m) return fn(m);
  }
  return reason;
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
