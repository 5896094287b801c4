// Names for the codes the server sends: roles, permissions and the rooms they belong to,
// audit actions, request kinds and states. Chinese first, English second (pick() chooses).
// A code without a name here is shown as it is.
import { pick } from './i18n.js';

const ROLES = {
  sysadmin: { 'zh-CN': '系统管理员', en: 'System administrator' },
  secadmin: { 'zh-CN': '安全管理员', en: 'Security administrator' },
  auditor: { 'zh-CN': '审计管理员', en: 'Audit administrator' },
  editor: { 'zh-CN': '信息员', en: 'Editor' },
  reviewer1: { 'zh-CN': '一级审核', en: 'First-level reviewer' },
  reviewer2: { 'zh-CN': '二级审核', en: 'Second-level reviewer' },
  reviewer3: { 'zh-CN': '三级审核', en: 'Third-level reviewer' },
  duty: { 'zh-CN': '值班员', en: 'Duty officer' },
  leader: { 'zh-CN': '领导', en: 'Leader' },
  staff: { 'zh-CN': '普通工作人员', en: 'Staff' },
};

const ROOMS = {
  user: { 'zh-CN': '账号', en: 'Accounts' },
  role: { 'zh-CN': '角色', en: 'Roles' },
  request: { 'zh-CN': '申请', en: 'Requests' },
  session: { 'zh-CN': '会话', en: 'Sessions' },
  settings: { 'zh-CN': '系统设置', en: 'Settings' },
  policy: { 'zh-CN': '安全策略', en: 'Policies' },
  audit: { 'zh-CN': '审计', en: 'Audit' },
  log: { 'zh-CN': '设备日志', en: 'Device logs' },
  content: { 'zh-CN': '信息发布', en: 'Publication' },
  duty: { 'zh-CN': '值班', en: 'Duty' },
  incident: { 'zh-CN': '安全事件', en: 'Incidents' },
  org: { 'zh-CN': '组织机构', en: 'Organisation' },
};

const PERMISSIONS = {
  'user.read': { 'zh-CN': '查看账号', en: 'View accounts' },
  'user.create': { 'zh-CN': '创建账号', en: 'Create accounts' },
  'user.update': { 'zh-CN': '修改账号', en: 'Edit accounts' },
  'user.disable': { 'zh-CN': '停用账号', en: 'Disable accounts' },
  'user.reset_password': { 'zh-CN': '重置密码', en: 'Reset passwords' },
  'user.apply': { 'zh-CN': '申请账号', en: 'Apply for accounts' },
  'role.read': { 'zh-CN': '查看角色与申请', en: 'View roles and requests' },
  'role.request': { 'zh-CN': '申请与撤销角色', en: 'Request and revoke roles' },
  'role.approve': { 'zh-CN': '审批角色申请', en: 'Approve role requests' },
  'request.approve': { 'zh-CN': '审批各类申请', en: 'Approve requests' },
  'session.manage': { 'zh-CN': '管理他人会话', en: 'Manage sessions' },
  'settings.update': { 'zh-CN': '修改系统设置', en: 'Change settings' },
  'policy.update': { 'zh-CN': '修改安全策略', en: 'Change policies' },
  'policy.manage': { 'zh-CN': '设置口令策略', en: 'Set the password policy' },
  'audit.read': { 'zh-CN': '查看审计记录', en: 'Read the audit trail' },
  'log.read': { 'zh-CN': '查看设备日志', en: 'Read device logs' },
  'content.draft': { 'zh-CN': '撰写稿件', en: 'Draft content' },
  'content.review1': { 'zh-CN': '一级审核', en: 'First-level review' },
  'content.review2': { 'zh-CN': '二级审核', en: 'Second-level review' },
  'content.review3': { 'zh-CN': '三级审核', en: 'Third-level review' },
  'content.approve': { 'zh-CN': '签发', en: 'Approve for release' },
  'duty.watch': { 'zh-CN': '值班读网', en: 'Duty watch' },
  'incident.approve': { 'zh-CN': '审批事件处置', en: 'Approve incident handling' },
  'org.manage': { 'zh-CN': '管理组织机构', en: 'Manage the organisation' },
  'agent.manage': { 'zh-CN': '管理代理令牌', en: 'Manage agent tokens' },
  'account.review': { 'zh-CN': '账号年度复核', en: 'Review accounts yearly' },
  'system.status': { 'zh-CN': '查看服务器状态详情', en: 'View the server status in detail' },
  'calendar.manage': { 'zh-CN': '导入工作日历', en: 'Import the working-day calendar' },
};

const ACTIONS = {
  'auth.login': { 'zh-CN': '登录', en: 'Sign-in' },
  'auth.logout': { 'zh-CN': '退出登录', en: 'Sign-out' },
  'auth.lockout': { 'zh-CN': '账号锁定', en: 'Account locked' },
  'auth.session_end': { 'zh-CN': '结束会话', en: 'Session ended' },
  'auth.password_change': { 'zh-CN': '修改密码', en: 'Password changed' },
  'auth.password_reset': { 'zh-CN': '重置密码', en: 'Password reset' },
  'auth.totp_enrol': { 'zh-CN': '绑定动态口令', en: 'TOTP enrolled' },
  'auth.user_create': { 'zh-CN': '创建账号', en: 'Account created' },
  'auth.user_disable': { 'zh-CN': '停用账号', en: 'Account disabled' },
  'auth.role_request': { 'zh-CN': '申请角色', en: 'Role requested' },
  'auth.role_grant': { 'zh-CN': '授予角色', en: 'Role granted' },
  'auth.role_revoke': { 'zh-CN': '撤销角色', en: 'Role revoked' },
  'auth.request_decide': { 'zh-CN': '审批申请', en: 'Request decided' },
  'auth.request_reject': { 'zh-CN': '驳回申请', en: 'Request rejected' },
  'auth.bootstrap': { 'zh-CN': '创建首个管理员', en: 'First administrator' },
  'auth.org_create': { 'zh-CN': '新建组织节点', en: 'Organisation node created' },
  'auth.org_update': { 'zh-CN': '修改组织节点', en: 'Organisation node changed' },
  'auth.user_update': { 'zh-CN': '修改实名信息', en: 'Real-name data changed' },
  'auth.account_apply': { 'zh-CN': '申请开通账号', en: 'Account applied for' },
  'auth.account_approve': { 'zh-CN': '批准账号申请', en: 'Account application approved' },
  'auth.reset_request': { 'zh-CN': '申请重置密码', en: 'Password reset asked for' },
  'auth.password_change_demand': { 'zh-CN': '限期修改密码', en: 'Password change demanded' },
  'auth.password_change_reminder': { 'zh-CN': '改密提醒', en: 'Password change reminder' },
  'auth.user_leave': { 'zh-CN': '离岗', en: 'Left' },
  'auth.user_transfer': { 'zh-CN': '调岗', en: 'Transferred' },
  'auth.account_review': { 'zh-CN': '账号年度复核', en: 'Accounts reviewed' },
  'auth.agent_token_create': { 'zh-CN': '签发代理令牌', en: 'Agent token issued' },
  'auth.agent_token_revoke': { 'zh-CN': '吊销代理令牌', en: 'Agent token revoked' },
  'auth.agent_check': { 'zh-CN': '代理令牌校验', en: 'Agent token checked' },
  'audit.init': { 'zh-CN': '审计初始化', en: 'Audit trail started' },
  'audit.purge': { 'zh-CN': '清理过期审计记录', en: 'Old records purged' },
  'calendar.import': { 'zh-CN': '导入工作日历', en: 'Working-day calendar imported' },
};

const REQUEST_KINDS = {
  role_grant: { 'zh-CN': '角色申请', en: 'Role' },
  role: { 'zh-CN': '角色申请', en: 'Role' },
  account: { 'zh-CN': '账号申请', en: 'Account' },
  reset: { 'zh-CN': '密码重置', en: 'Password reset' },
};

const STATES = {
  pending: { 'zh-CN': '待审批', en: 'Pending' },
  approved: { 'zh-CN': '已批准', en: 'Approved' },
  rejected: { 'zh-CN': '已驳回', en: 'Rejected' },
  cancelled: { 'zh-CN': '已取消', en: 'Cancelled' },
  active: { 'zh-CN': '启用', en: 'Active' },
  disabled: { 'zh-CN': '已停用', en: 'Disabled' },
  locked: { 'zh-CN': '已锁定', en: 'Locked' },
  left: { 'zh-CN': '已离岗', en: 'Left' },
  ok: { 'zh-CN': '成功', en: 'OK' },
  denied: { 'zh-CN': '拒绝', en: 'Denied' },
  error: { 'zh-CN': '错误', en: 'Error' },
  staff: { 'zh-CN': '在编', en: 'Staff' },
  in_staff: { 'zh-CN': '在编', en: 'Staff' },
  outsourced: { 'zh-CN': '外包', en: 'Outsourced' },
};

function named(table, code) {
  const entry = table[code];
  return entry ? pick(entry) : String(code ?? '');
}

export const roleName = (code) => named(ROLES, code);
export const roomName = (code) => named(ROOMS, code);
export const permName = (code) => named(PERMISSIONS, code);
export const actionName = (code) => named(ACTIONS, code);
export const kindName = (code) => named(REQUEST_KINDS, code);
export const stateName = (code) => named(STATES, code);
export const knownActions = Object.keys(ACTIONS);
export const roleCodes = Object.keys(ROLES);

// 'a,b' or ['a','b'] → ['a','b'] (the server sends a user's roles as a comma list).
export function codeList(value) {
  if (Array.isArray(value)) return value.filter(Boolean);
  if (typeof value !== 'string' || !value) return [];
  return value.split(',').filter(Boolean);
}
