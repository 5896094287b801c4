// The line diff between two versions' visible text (the item page of the publishing review).
import { diffLines } from 'diff';

// The line diff of two texts as rows [{ kind: 'same'|'add'|'del', text }], one per line.
export function lineDiff(before, after) {
  const rows = [];
  for (const part of diffLines(before || '', after || '')) {
    const kind = part.added ? 'add' : part.removed ? 'del' : 'same';
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const text of lines) rows.push({ kind, text });
  }
  return rows;
}
