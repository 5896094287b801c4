// What the publishing review pages share (PUB-1..13): the permission of each review level
// (publish/levels.c), the tag colour of each state, which hits the reviewer whose level it
// is must give a reason for. The line diff of versions is in publish-diff.js (loaded with
// the item page only).
import { can } from './session.js';

// The permission a reviewer at each level holds (levels.c publish_levels).
export const LEVEL_PERMS = { 1: 'content.review1', 2: 'content.review2', 3: 'content.review3', 4: 'content.approve' };

export const STATE_TYPES = {
  draft: 'info',
  review: 'warning',
  approved: 'success',
  scheduled: 'primary',
  published: 'success',
  withdrawn: 'danger',
};

// The levels the signed-in person reviews, lowest first.
export function myLevels() {
  return [1, 2, 3, 4].filter((l) => can(LEVEL_PERMS[l]));
}

// Whether `me` (the signed-in user's id) may decide the item's current level: it is under
// review, I hold the level's permission, I did not write it and did not decide another level
// of this submission (the server checks all of it again).
export function mayReview(item, me) {
  if (!item || item.state !== 'review' || !item.level) return false;
  if (!can(LEVEL_PERMS[item.level]) || item.author_id === me) return false;
  const steps = Array.isArray(item.steps) ? item.steps : [];
  return !steps.some((s) => s.round === item.round && s.reviewer_id === me && s.level !== item.level);
}

// Whether the reviewer at `level` must give a written reason for the hit before approving:
// a word hit at any level, personal data a citizen may see at level 2 or higher; a hit kept
// already needs none, and one whose rule is `remove` cannot be kept at all.
export function needsReason(hit, level) {
  if (hit.reason) return false;
  if (hit.rule === 'reason') return true;
  if (hit.rule === 'level2') return level >= 2;
  return false;
}

// The hits of one part of the item ('title' or 'body'), each with its index in the full list.
export function hitsIn(item, part) {
  const hits = item && item.checks && Array.isArray(item.checks.hits) ? item.checks.hits : [];
  return hits.filter((h) => h.in === part);
}

// Public messages (网友留言, PUB-11): the tag colour of each state, in the order a message goes
// through them, and where a message came in from (publish/messages.c).
export const MESSAGE_STATES = ['received', 'assigned', 'answered', 'approved', 'published'];
export const MESSAGE_STATE_TYPES = {
  received: 'info',
  assigned: 'warning',
  answered: 'primary',
  approved: 'success',
  published: 'success',
};
export const MESSAGE_CHANNELS = ['web', 'phone', 'letter', 'mail', 'visit'];

// The server's refusal as per-field messages (those it names) and the rest as one text.
export function splitError(e, fields) {
  if (e && e.field && fields.includes(e.field)) return { field: e.field, message: e.message };
  return { field: '', message: e ? e.message : '' };
}

// A delivery to the external CMS (GET /api/publish/deliveries): 待推送 orange, 已推送 green,
// 推送失败 red.
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'];
export const DELIVERY_STATUS_TYPES = { pending: 'warning', sent: 'success', failed: 'danger' };
