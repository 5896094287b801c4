// Inspections, rectification and notices (RSK-1, RSK-2, RSK-3) as the pages show them: the
// kinds and findings with their colours, an inspection's progress, the requirement ids an
// inspection is started with, whose rectification is whose, and a notice's read count. No page
// state here, so the browser test checks it in node.

export const KINDS = ['self', 'risk_internal', 'risk_external'];
export const FINDINGS = ['ok', 'issue', 'na'];
export const RECT_STATES = ['open', 'done', 'verified'];
export const NOTICE_KINDS = ['risk', 'vulnerability', 'incident'];

// 符合 green, 存在问题 red, 不适用 grey (Element Plus tag types); '' not yet checked
export const findingType = { ok: 'success', issue: 'danger', na: 'info' };
// 整改中 orange, 待验证 blue, 已验证 green
export const rectStateType = { open: 'warning', done: 'primary', verified: 'success' };
export const noticeKindType = { risk: 'warning', vulnerability: 'danger', incident: 'danger' };

// Whole percent of an inspection's items that have a finding.
export function progressPercent(insp) {
  if (!insp || !insp.items) return 0;
  return Math.min(100, Math.round((100 * (insp.checked || 0)) / insp.items));
}

// Whether an inspection is finished: every item checked and no rectification open.
export function inspectionDone(insp) {
  return !!insp && insp.items > 0 && insp.checked >= insp.items && !insp.open_rectifications;
}

// The ids to start an inspection with: null (the whole catalogue) for 全部, else the chosen
// ids in the order of the catalogue, each once.
export function chosenIds(catalogue, scope, chosen) {
  if (scope === 'all') return null;
  const want = new Set(chosen || []);
  return (catalogue || []).map((i) => i.id).filter((id) => want.has(id));
}

// The ids of the catalogue of some areas.
export function idsOfAreas(catalogue, areas) {
  const want = new Set(areas || []);
  return (catalogue || []).filter((i) => want.has(i.area)).map((i) => i.id);
}

// A note is needed for every finding but 符合.
export const noteRequired = (finding) => !!finding && finding !== 'ok';

// The rectifications of one owner still to do (整改中), the earliest due first.
export function myOpen(rects, userId) {
  return (rects || []).filter((r) => r.owner_id === userId && r.state === 'open');
}

// The rectifications reported done that this person may verify (never their own).
export function toVerify(rects, userId) {
  return (rects || []).filter((r) => r.state === 'done' && r.owner_id !== userId);
}

// "3/5" of a notice's read receipts.
export function readCount(notice) {
  return `${notice.read || 0}/${notice.recipients || 0}`;
}
