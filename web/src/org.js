// The organisation tree (ORG-1) as GET /api/org answers it:
//   { items: [{ id, name, kind: 'unit'|'department', parent_id, head_user_id, head_account,
//               head_name, members, children: [...] }] }
// loadOrg() reads it (anyone signed in may); the helpers flatten it for lookups and pickers.
import { request } from './api.js';

export async function loadOrg() {
  const answer = await request('GET', '/api/org');
  return Array.isArray(answer.items) ? answer.items : [];
}

// id → { id, name, kind, path: '本单位 / 办公室', node } for every node of the tree.
export function orgIndex(roots) {
  const index = new Map();
  const walk = (nodes, prefix) => {
    for (const n of nodes || []) {
      const path = prefix ? `${prefix} / ${n.name}` : n.name;
      index.set(n.id, { id: n.id, name: n.name, kind: n.kind, path, node: n });
      walk(n.children, path);
    }
  };
  walk(roots, '');
  return index;
}
