// Names for the codes the server sends: roles, permissions and the rooms they belong to,
// audit actions, results and objects, request kinds and states, syslog severities and the
// integrity report's fields. Chinese first, English second (pick() chooses). The names come
// from the server's one label table (GET /api/labels, audit/labels.c), the same table the
// exports use; they are loaded once after sign-in. A code without a name is shown as it is.
import { reactive } from 'vue';
import { request } from './api.js';
import { pick } from './i18n.js';

// kind → code → { 'zh-CN', en }
const table = reactive({});
let loading = null;

// Loads the table (once; again after a failure). Never rejects: codes then show as they are.
export function loadLabels() {
  if (!loading) {
    loading = request('GET', '/api/labels', undefined, { noRedirect: true, background: true })
      .then((answer) => {
        for (const [kind, codes] of Object.entries(answer || {})) table[kind] = codes;
        knownActions.splice(0, knownActions.length, ...Object.keys(table.action || {}).sort());
        roleCodes.splice(0, roleCodes.length, ...Object.keys(table.role || {}));
      })
      .catch(() => {
        loading = null;
      });
  }
  return loading;
}

function named(kind, code) {
  const entry = table[kind] && table[kind][code];
  return entry ? pick(entry) : String(code ?? '');
}

export const roleName = (code) => named('role', code);
export const roomName = (code) => named('room', code);
export const permName = (code) => named('permission', code);
// a refusal is recorded under the permission it lacked: named as that permission
export const actionName = (code) =>
  table.action && table.action[code] ? named('action', code) : named('permission', code);
export const kindName = (code) => named('request_kind', code);
export const stateName = (code) => named('state', code);
export const resultName = (code) => named('result', code);
export const objectName = (code) => named('object', code);
export const verifyFieldName = (code) => named('verify', code);
export const verifyKindName = (code) => named('verify_kind', code);
// A syslog severity by number: '错误 (3)'.
export const severityName = (n) =>
  Number.isInteger(n) && n >= 0 && n < 8 ? `${named('severity', String(n))} (${n})` : '—';
// Filled by loadLabels (the audit page's action list, the role choices).
export const knownActions = reactive([]);
export const roleCodes = reactive([]);

// 'a,b' or ['a','b'] → ['a','b'] (the server sends a user's roles as a comma list).
export function codeList(value) {
  if (Array.isArray(value)) return value.filter(Boolean);
  if (typeof value !== 'string' || !value) return [];
  return value.split(',').filter(Boolean);
}
