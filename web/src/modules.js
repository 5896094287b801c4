// The modules of xinan as the navigation shows them, each with the requirement ids
// (REQUIREMENTS.md) it is to cover. Until a module is built, its route shows an
// "under construction" page made from this table.
//
// `perms`: the navigation shows a module to a user holding any of these permissions (none:
// everyone signed in). `pages`: a built module's own pages, each with the permission it
// needs (the same as the API endpoint it reads, routes.c; null: anyone signed in), or `perms`
// any of several (`overview: true`: the module's description page); the module's entry leads to the
// first page the user may open. Modules still under construction carry provisional lists
// until their endpoints define their permissions.

// range('ACC', 1, 18) → ['ACC-1', …, 'ACC-18']
function range(prefix, from, to) {
  const ids = [];
  for (let i = from; i <= to; i++) ids.push(`${prefix}-${i}`);
  return ids;
}

// Content publishing: the people of the review (信息员 drafts, the review levels and the leader
// decide), text.lexicon (the security administrator keeps the sensitive-word and
// wording-error lexicons the content checks use, PUB-8), column.manage (the system
// administrator keeps the site's columns) and publish.sources (the reprint sources, PUB-4).
const PUBLISH_WORK = ['content.draft', 'content.review1', 'content.review2', 'content.review3', 'content.approve'];
const PUBLISH_PERMS = [...PUBLISH_WORK, 'text.lexicon'];

// The leader's dashboard: any of the permissions of its cards (DashboardPage.vue).
const DASHBOARD_PERMS = ['compliance.read', 'incident.read', 'register.read', 'content.read', 'monitor.read'];

export const modules = [
  {
    key: 'accounts',
    // Department heads hold none of these: they reach their inbox from the user menu.
    perms: ['user.read', 'role.read', 'user.apply', 'org.manage', 'agent.manage', 'policy.manage'],
    pages: [
      { path: '/accounts', name: 'accounts', perm: 'user.read', title: { 'zh-CN': '账号', en: 'Accounts' } },
      { path: '/accounts/requests', name: 'requests', perm: null, title: { 'zh-CN': '申请与审批', en: 'Requests' } },
      { path: '/accounts/org', name: 'org', perm: null, title: { 'zh-CN': '组织机构', en: 'Organisation' } },
      { path: '/accounts/roles', name: 'roles', perm: 'role.read', title: { 'zh-CN': '角色与权限', en: 'Roles' } },
      { path: '/accounts/review', name: 'review', perm: 'user.read', title: { 'zh-CN': '年度复核', en: 'Yearly review' } },
      { path: '/accounts/agents', name: 'agents', perm: 'agent.manage', title: { 'zh-CN': '代理令牌', en: 'Agent tokens' } },
      { path: '/accounts/policy', name: 'policy', perm: 'policy.manage', title: { 'zh-CN': '口令策略', en: 'Password policy' } },
    ],
    path: '/accounts',
    icon: 'User',
    name: { 'zh-CN': '账号与权限', en: 'Accounts & permissions' },
    desc: {
      'zh-CN':
        '实名账号的申请、审批与开通；按岗位的最小权限与三员分立；提权双人审批；口令策略与定期更换；会话锁定与登录失败处理；离岗销户与年度复核。',
      en: 'Real-name accounts created through application and approval; least privilege by position and separation of duties; four-eyes approval of privilege increases; password policy and ageing; session lock and login-failure handling; off-boarding and the yearly review.',
    },
    reqs: range('ACC', 1, 18),
  },
  {
    key: 'audit',
    perms: ['audit.read', 'log.read'],
    pages: [
      { path: '/audit', name: 'audit', perm: 'audit.read', title: { 'zh-CN': '审计记录', en: 'Audit trail' } },
      { path: '/audit/logs', name: 'audit-logs', perm: 'log.read', title: { 'zh-CN': '设备日志', en: 'Device logs' } },
    ],
    path: '/audit',
    icon: 'Tickets',
    name: { 'zh-CN': '审计日志', en: 'Audit log' },
    desc: {
      'zh-CN':
        '记录每一项数据操作与安全事件（何人、何时、何处、何事、何对象、结果）；防篡改链式存证与按需校验；日志留存不少于 180 天；统计分析；服务器与网络设备日志（syslog）收集。',
      en: 'Every data operation and security event recorded (who, when, where, what, on which object, result); a tamper-evident chain verifiable on demand; retention of at least 180 days; statistics; collection of server and network-device logs (syslog).',
    },
    reqs: range('AUD', 1, 7),
  },
  {
    key: 'publish',
    perms: [...PUBLISH_PERMS, 'column.manage', 'publish.sources'],
    // The workbench (my drafts, my review queue by level, publications) for the people of the
    // review; an item's own page (/publish/items/:id, /publish/new) is a route of its own
    // (router.js). The lexicon page lists and imports with text.lexicon; its check panel
    // serves the people of the review too.
    pages: [
      { path: '/publish', name: 'publish', perms: PUBLISH_WORK, title: { 'zh-CN': '工作台', en: 'Workbench' } },
      // 网友留言 (PUB-11); a department head without these reviews answers at /messages/review
      { path: '/publish/messages', name: 'publish-messages', perms: PUBLISH_WORK, title: { 'zh-CN': '网友留言', en: 'Public messages' } },
      { path: '/publish/log', name: 'publish-log', perms: PUBLISH_WORK, title: { 'zh-CN': '发布记录', en: 'Publication log' } },
      { path: '/publish/columns', name: 'publish-columns', perms: ['column.manage', 'publish.sources'], title: { 'zh-CN': '栏目与来源', en: 'Columns & sources' } },
      { path: '/publish/lexicons', name: 'lexicons', perms: PUBLISH_PERMS, title: { 'zh-CN': '敏感词库', en: 'Lexicons' } },
    ],
    path: '/publish',
    icon: 'EditPen',
    name: { 'zh-CN': '信息发布审核', en: 'Publication review' },
    desc: {
      'zh-CN':
        '先审后发、一事一审；按一般、重要、特级信息分级的多级保密审查与审查表归档；敏感词、个人信息与严重错别字检测；转载来源审核；发布后复查与撤稿登记。',
      en: 'Review before release, one item at a time; multi-level secrecy review by information class with the review form archived; detection of sensitive words, personal data and severe wording errors; reprint sources checked; re-checks after release and recorded withdrawals.',
    },
    reqs: range('PUB', 1, 13),
  },
  {
    key: 'monitor',
    // 网站: the watched sites (monitor.read; one site's page, /monitor/sites/:id, is a route of
    // its own, router.js), added by monitor.manage; 值班表: the duty roster of the 读网值班
    // (duty.read), planned by duty.plan, where today's person on duty (duty.watch) checks in.
    perms: ['monitor.read', 'duty.read'],
    pages: [
      { path: '/monitor', name: 'monitor', perm: 'monitor.read', title: { 'zh-CN': '网站', en: 'Sites' } },
      { path: '/monitor/duty', name: 'duty-roster', perm: 'duty.read', title: { 'zh-CN': '值班表', en: 'Duty roster' } },
    ],
    path: '/monitor',
    icon: 'Monitor',
    name: { 'zh-CN': '网站监测', en: 'Site monitoring' },
    desc: {
      'zh-CN':
        '网站 7×24 安全监测与读网值班；空白栏目、更新不及时与错别字检测；政务新媒体活跃度；链接检查；IPv6 支持；接入设备登记核对与私接无线检测；异常告警与处置。',
      en: '7×24 monitoring of the website and duty reading; detection of empty columns, stale content and wording errors; new-media account activity; link checks; IPv6 support; reconciliation of connected devices and rogue wireless detection; alarms and their handling.',
    },
    reqs: ['MON-1', 'MON-2', 'MON-3', 'MON-5', 'MON-6', 'MON-7', 'MON-8', 'MON-9', 'MON-10'],
  },
  {
    key: 'tamper',
    // the guard agents on the web servers with their events (monitor.read, as GET
    // /api/guard/agents); their tokens are issued on the agent tokens page (agent.manage)
    perms: ['monitor.read'],
    pages: [{ path: '/tamper', name: 'tamper', perm: 'monitor.read', title: { 'zh-CN': '防护代理', en: 'Guard agents' } }],
    path: '/tamper',
    icon: 'Lock',
    name: { 'zh-CN': '防篡改', en: 'Anti-tamper' },
    desc: {
      'zh-CN':
        '网页防篡改：为审核发布的页面建立基线，发现未经审核的变更立即告警并恢复核准内容；服务器断连时防护代理照常工作。',
      en: 'Web page anti-tamper: a baseline of reviewed, published pages; any change that did not come through review raises an alarm and the approved content is restored; the guard keeps working while the server is away.',
    },
    reqs: ['MON-4'],
  },
  {
    key: 'incidents',
    perms: ['incident.read'],
    pages: [
      { path: '/incidents', name: 'incidents', perm: 'incident.read', title: { 'zh-CN': '事件看板', en: 'Board' } },
      { path: '/incidents/plans', name: 'incident-plans', perm: 'incident.read', title: { 'zh-CN': '预案与演练', en: 'Plans & drills' } },
    ],
    path: '/incidents',
    icon: 'Warning',
    name: { 'zh-CN': '安全事件', en: 'Security incidents' },
    desc: {
      'zh-CN':
        '按事件类别的处置流程与时限（10 分钟内报告领导、30 分钟内到场、1 小时内恢复网站）；24 小时内向公安、保密部门报送；事件记录、原因分析与整改；应急预案与年度演练；风险与漏洞通报。',
      en: 'Procedures and deadlines by incident kind (leaders informed within 10 minutes, on site within 30, website back within the hour); reports to the police or secrecy authority within 24 hours; records, cause analysis and remedies; emergency plans and yearly drills; risk and vulnerability notices.',
    },
    reqs: [...range('INC', 1, 5), 'RSK-3'],
  },
  {
    key: 'ledgers',
    perms: ['register.read'],
    pages: [{ path: '/ledgers', name: 'registers', perm: 'register.read', title: { 'zh-CN': '台账', en: 'Registers' } }],
    path: '/ledgers',
    icon: 'Notebook',
    name: { 'zh-CN': '台账管理', en: 'Registers' },
    desc: {
      'zh-CN':
        '设备、机房出入、移动及涉密存储介质、维修外借与报废、外包服务商、互联网 IP 与域名备案、政务新媒体账号、培训、信息系统定级、各类申请与安全产品等台账，统一的登记、变更留痕与审批。',
      en: 'Registers of devices, machine-room visits, removable and classified media, repair, lending and disposal, outsourcing vendors, IP addresses and domains, new-media accounts, training, system protection levels, requests and security products, with one way to register, track changes and approve.',
    },
    reqs: range('LED', 1, 11),
  },
  {
    key: 'calendar',
    perms: [],
    // 领导看板: the state a leader looks at, each card for who may read its API (the compliance
    // report, open incidents, register flags, re-checks of published items); 合规报告 (RPT) for
    // compliance.read, decided on by compliance.manage. The periodic duties (OBL) are open to
    // everyone signed in (their evidence to the owning role). The working-day calendar is open
    // to everyone signed in, its import to calendar.manage.
    pages: [
      { path: '/calendar', name: 'dashboard', perms: DASHBOARD_PERMS, title: { 'zh-CN': '领导看板', en: 'Dashboard' } },
      { path: '/calendar/duties', name: 'duties', perm: null, title: { 'zh-CN': '周期职责', en: 'Periodic duties' } },
      { path: '/calendar/compliance', name: 'compliance', perm: 'compliance.read', title: { 'zh-CN': '合规报告', en: 'Compliance report' } },
      // self-inspections and risk assessments (RSK-1, RSK-2); one of them is a route of its own
      // (/calendar/inspections/:id, router.js); rectification: one's own items for anyone signed
      // in, their verification for compliance.manage; notices (RSK-3): one's own for anyone
      // signed in, all with their read counts for compliance.read
      { path: '/calendar/inspections', name: 'inspections', perm: 'compliance.read', title: { 'zh-CN': '检查评估', en: 'Inspections' } },
      { path: '/calendar/rectifications', name: 'rectifications', perm: null, title: { 'zh-CN': '整改', en: 'Rectification' } },
      { path: '/calendar/notices', name: 'notices', perm: null, title: { 'zh-CN': '安全通报', en: 'Security notices' } },
      { path: '/calendar/workdays', name: 'workdays', perm: null, title: { 'zh-CN': '工作日历', en: 'Working days' } },
      // evidence files: anyone signed in uploads and sees their own; file.read sees all
      { path: '/calendar/files', name: 'files', perm: null, title: { 'zh-CN': '证据文件', en: 'Evidence files' } },
    ],
    path: '/calendar',
    icon: 'Calendar',
    name: { 'zh-CN': '合规日历', en: 'Compliance calendar' },
    desc: {
      'zh-CN':
        '各项周期性义务（备份、改密、介质检查、风险评估、半年自查、演练、培训、账号复核、IP 核对、新媒体更新）的日程、责任人与证据；按工作日计算期限，逾期提醒；整改跟踪；面向检查的合规报告。',
      en: 'Every periodic duty (backups, password changes, media checks, risk assessments, half-yearly self-inspection, drills, training, account reviews, IP reconciliation, new-media updates) with its schedule, owner and evidence; deadlines in working days and overdue alerts; rectification tracking; the compliance report for inspectors.',
    },
    reqs: ['OBL', 'RPT', 'RSK-1', 'RSK-2'],
  },
  {
    key: 'settings',
    perms: ['settings.update', 'policy.update', 'jobs.manage', 'notify.manage'],
    pages: [
      { path: '/settings', name: 'settings', overview: true, perms: ['settings.update', 'policy.update'], title: { 'zh-CN': '概览', en: 'Overview' } },
      { path: '/settings/jobs', name: 'jobs', perm: 'jobs.manage', title: { 'zh-CN': '系统任务', en: 'System jobs' } },
      { path: '/settings/notify', name: 'notify', perm: 'notify.manage', title: { 'zh-CN': '通知', en: 'Notifications' } },
    ],
    path: '/settings',
    icon: 'Setting',
    name: { 'zh-CN': '系统设置', en: 'System settings' },
    desc: {
      'zh-CN':
        '单位、科室与岗位（领导小组、一把手、双人互备、责任书、值班表）；数据备份、异地与离线副本、恢复演练；系统参数与策略，显示每项策略的制度依据。',
      en: 'Units, departments and positions (leading group, first responsible person, mutual backup, responsibility letters, duty roster); backups with offsite and offline copies and proven restores; system parameters and policies, each shown with its source.',
    },
    reqs: [...range('ORG', 1, 4), ...range('BAK', 1, 4)],
  },
];

export function moduleByKey(key) {
  return modules.find((m) => m.key === key) || null;
}

// Where a module's navigation entry leads for a user with these permissions: its first page
// the user may open, or its own path.
export function moduleEntry(m, permissions) {
  if (!m.pages) return m.path;
  const page = m.pages.find((p) => pageAllowed(p, permissions));
  return page ? page.path : m.path;
}

// Whether a user with these permissions may open a module's page: `perms` any of them, else
// `perm` (null: anyone signed in).
export function pageAllowed(page, permissions) {
  if (Array.isArray(page.perms)) return page.perms.some((p) => permissions.includes(p));
  return !page.perm || permissions.includes(page.perm);
}

// The permissions the router's guard asks of a module's page (none: anyone signed in).
export function pagePerms(page) {
  if (Array.isArray(page.perms)) return page.perms;
  return page.perm ? [page.perm] : [];
}
