// The compliance report (GET /api/compliance) as the pages show it: the colour of each status,
// the areas of the catalogue in order, the report page's filter (area, status, a search in the
// id and the text) and the share of applicable requirements met. No page state here, so the
// browser test checks it in node.

export const STATUSES = ['met', 'not_met', 'not_applicable', 'no_evidence'];

// 符合 green, 不符合 red, 不适用 grey, 缺少证据 orange (Element Plus tag types)
export const statusType = { met: 'success', not_met: 'danger', not_applicable: 'info', no_evidence: 'warning' };

export const MAX_QUERY = 100; // characters of a search

// [{ area: 'ACC', title: '…', count }] in the order of the catalogue.
export function areasOf(items) {
  const byArea = new Map();
  for (const i of items || []) {
    if (!byArea.has(i.area)) byArea.set(i.area, { area: i.area, title: i.area_title || '', count: 0 });
    byArea.get(i.area).count++;
  }
  return [...byArea.values()];
}

// The items of one area and one status (empty: any), whose id or text holds the search
// (case-insensitive, spaces at either end ignored).
export function filterItems(items, { area = '', status = '', q = '' } = {}) {
  const needle = String(q || '').trim().slice(0, MAX_QUERY).toLowerCase();
  return (items || []).filter(
    (i) =>
      (!area || i.area === area) &&
      (!status || i.status === status) &&
      (!needle || i.id.toLowerCase().includes(needle) || String(i.text || '').toLowerCase().includes(needle)),
  );
}

// Whole percent of the requirements that apply (all but 不适用) that are met; 0 when none apply.
export function metPercent(summary) {
  if (!summary) return 0;
  const applicable = (summary.total || 0) - (summary.not_applicable || 0);
  if (applicable <= 0) return 0;
  return Math.round((100 * (summary.met || 0)) / applicable);
}

// The ways the security administrator may decide on an item: 不适用 always, 符合 only where no
// automatic check applies, 撤销判定 only over a decision already made.
export function decisionChoices(item) {
  const choices = ['not_applicable'];
  if (item && !item.automatic) choices.push('met');
  if (item && item.decision) choices.push('withdraw');
  return choices;
}
