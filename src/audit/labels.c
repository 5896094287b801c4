/*
 * The names people read for the codes the server stores and sends: audit actions, results and
 * object types, permissions and the rooms they belong to, roles, states, request kinds, syslog
 * severities and the integrity report's fields. One table serves the web UI (GET /api/labels)
 * and the exports, so a code is named the same everywhere. A code without an entry is shown as
 * it is; tests/api/labels.test.mjs checks that every audit action written anywhere in src/ has
 * one.
 */
#include "audit/audit.h"

#include <string.h>

typedef struct label {
    const char *kind; /* "action", "result", "object", "permission", "room", "role", "state",
                         "request_kind", "severity", "verify", "verify_kind" */
    const char *code;
    const char *zh;
    const char *en;
} label;

/* clang-format off */
static const label labels[] = {
    /* audit actions: sign-in and sessions */
    {"action", "auth.login", "登录", "Sign-in"},
    {"action", "auth.logout", "退出登录", "Sign-out"},
    {"action", "auth.lockout", "账号锁定", "Account locked"},
    {"action", "auth.unlock", "账号解锁", "Account unlocked"},
    {"action", "auth.session_end", "结束会话", "Session ended"},
    {"action", "auth.password_change", "修改密码", "Password changed"},
    {"action", "auth.password_reset", "重置密码", "Password reset"},
    {"action", "auth.password_expired", "密码到期须修改", "Password expired"},
    {"action", "auth.password_expiry_reminder", "密码到期提醒", "Password expiry reminder"},
    {"action", "auth.password_change_demand", "限期修改密码", "Password change demanded"},
    {"action", "auth.password_change_reminder", "改密提醒", "Password change reminder"},
    {"action", "auth.totp_enrol", "绑定动态口令", "TOTP enrolled"},
    {"action", "auth.bootstrap", "创建首个管理员", "First administrator"},
    {"action", "auth.fields_sealed", "敏感字段加密", "Sensitive fields sealed"},
    /* people and privileges */
    {"action", "auth.user_create", "创建账号", "Account created"},
    {"action", "auth.user_disable", "停用账号", "Account disabled"},
    {"action", "auth.user_update", "修改实名信息", "Real-name data changed"},
    {"action", "auth.user_leave", "离岗", "Left"},
    {"action", "auth.user_transfer", "调岗", "Transferred"},
    {"action", "auth.role_request", "申请角色", "Role requested"},
    {"action", "auth.role_grant", "授予角色", "Role granted"},
    {"action", "auth.role_revoke", "撤销角色", "Role revoked"},
    {"action", "auth.request_decide", "审批申请", "Request decided"},
    {"action", "auth.request_reject", "驳回申请", "Request rejected"},
    {"action", "auth.account_apply", "申请开通账号", "Account applied for"},
    {"action", "auth.account_approve", "批准账号申请", "Account application approved"},
    {"action", "auth.account_review", "账号年度复核", "Accounts reviewed"},
    {"action", "auth.reset_request", "申请重置密码", "Password reset asked for"},
    {"action", "auth.notification_read", "阅读通知", "Notification read"},
    {"action", "auth.org_create", "新建组织节点", "Organisation node created"},
    {"action", "auth.org_update", "修改组织节点", "Organisation node changed"},
    {"action", "auth.policy_update", "修改口令策略", "Password policy changed"},
    {"action", "auth.weak_list_update", "更新弱口令库", "Weak-password list updated"},
    {"action", "auth.agent_token_create", "签发代理令牌", "Agent token issued"},
    {"action", "auth.agent_token_revoke", "吊销代理令牌", "Agent token revoked"},
    {"action", "auth.agent_check", "代理令牌校验", "Agent token checked"},
    /* the working-day calendar */
    {"action", "calendar.import", "导入节假日安排", "Holiday arrangement imported"},
    /* registers */
    {"action", "register.create", "登记台账记录", "Register row added"},
    {"action", "register.update", "修改台账记录", "Register row changed"},
    {"action", "register.transition", "办理台账手续", "Register row moved"},
    {"action", "register.write", "写入台账", "Register written"},
    {"action", "register.import", "导入台账", "Register imported"},
    /* incidents */
    {"action", "incident.open", "登记安全事件", "Incident opened"},
    {"action", "incident.alarm", "事件再次告警", "Incident alarm repeated"},
    {"action", "incident.clock_meet", "确认事件时限", "Incident clock met"},
    {"action", "incident.clock_suspend", "暂停事件计时", "Incident clock suspended"},
    {"action", "incident.clock_resume", "恢复事件计时", "Incident clock resumed"},
    {"action", "incident.escalate", "事件超时升级", "Incident escalated"},
    {"action", "incident.note", "事件处置记录", "Incident note"},
    {"action", "incident.step", "完成处置步骤", "Incident step done"},
    {"action", "incident.attach", "添加事件附件", "Incident attachment"},
    {"action", "incident.close_request", "提交结案报告", "Incident close requested"},
    {"action", "incident.close", "批准事件结案", "Incident closed"},
    {"action", "incident.close_return", "退回结案报告", "Incident close returned"},
    {"action", "incident.plan_create", "登记应急预案", "Emergency plan registered"},
    {"action", "incident.plan_approve", "批准应急预案", "Emergency plan approved"},
    {"action", "incident.drill_record", "登记应急演练", "Drill recorded"},
    /* publishing review */
    {"action", "content.create", "撰写稿件", "Content drafted"},
    {"action", "content.edit", "修改稿件", "Content edited"},
    {"action", "content.submit", "提交稿件审核", "Content submitted"},
    {"action", "content.review", "审核稿件", "Content reviewed"},
    {"action", "content.schedule", "定时发布稿件", "Content scheduled"},
    {"action", "content.publish", "发布稿件", "Content published"},
    {"action", "content.withdraw", "撤稿", "Content withdrawn"},
    {"action", "content.recheck", "已发布稿件复查", "Published content re-checked"},
    {"action", "publish.column_create", "新增栏目", "Column added"},
    {"action", "message.create", "登记网友留言", "Public message entered"},
    {"action", "message.assign", "转办网友留言", "Public message assigned"},
    {"action", "message.answer", "答复网友留言", "Public message answered"},
    {"action", "message.review", "审核留言答复", "Answer reviewed"},
    {"action", "message.publish", "发布留言答复", "Answer published"},
    {"action", "publish.message_due", "留言答复时限提醒", "Message answer due"},
    {"action", "publish.messages", "网友留言答复时限提醒", "Message reminders"},
    {"action", "publish.source_add", "新增转载来源", "Reprint source allowed"},
    {"action", "publish.source_remove", "移除转载来源", "Reprint source removed"},
    {"action", "publish.site_rebuild", "重新生成网站页面", "Site rendered again"},
    {"action", "publish.recheck_hit", "复查命中通知", "Re-check hit notice"},
    /* duties and the roster */
    {"action", "oblig.evidence", "提交职责完成证据", "Duty evidence added"},
    {"action", "oblig.update", "修改周期职责", "Duty changed"},
    {"action", "oblig.due", "周期职责到期提醒", "Duty reminder"},
    {"action", "oblig.overdue", "周期职责逾期升级", "Duty overdue"},
    {"action", "oblig.remind", "周期职责提醒与逾期升级", "Duty reminders"},
    {"action", "duty.plan", "排班", "Duty planned"},
    {"action", "duty.key_date", "标记重要时间节点", "Key date marked"},
    {"action", "duty.checkin", "值班签到", "Duty check-in"},
    {"action", "duty.checkin_missed", "值班未签到提醒", "Missed check-in told"},
    {"action", "duty.watch", "值班签到检查", "Check-in watch"},
    /* website watch */
    {"action", "monitor.site_create", "添加监测网站", "Site watched"},
    {"action", "guard.report", "防篡改代理上报", "Guard report"},
    {"action", "guard.offline", "防篡改代理离线", "Guard offline"},
    {"action", "monitor.site_remove", "移除监测网站", "Site no longer watched"},
    {"action", "monitor.alarm", "网站监测告警", "Site alarm"},
    {"action", "monitor.down", "网站无法访问通知", "Site down notice"},
    {"action", "monitor.up", "网站恢复通知", "Site up notice"},
    {"action", "monitor.check", "网站监测", "Site checks"},
    /* notices */
    {"action", "notice.send", "发送安全通报", "Notice sent"},
    {"action", "notice.read", "阅读安全通报", "Notice read"},
    {"action", "oblig.notice", "安全通报", "Notice"},
    /* inspections and rectification */
    {"action", "inspection.start", "开始检查评估", "Inspection started"},
    {"action", "inspection.finding", "记录检查结论", "Finding recorded"},
    {"action", "rectification.create", "下发整改", "Rectification assigned"},
    {"action", "rectification.done", "提交整改结果", "Rectification done"},
    {"action", "rectification.verify", "验证整改", "Rectification verified"},
    {"action", "rectification.assigned", "整改事项通知", "Rectification notice"},
    /* the compliance report */
    {"action", "compliance.decide", "判定合规要求", "Requirement decided"},
    /* incident notices (event kinds) */
    {"action", "incident.opened", "安全事件通知", "Incident notice"},
    {"action", "incident.clock_due", "事件时限临近提醒", "Incident clock reminder"},
    {"action", "incident.clock_overdue", "事件时限超时升级", "Incident clock overdue"},
    {"action", "incident.close_requested", "事件结案待审批", "Incident close to approve"},
    /* evidence files */
    {"action", "file.upload", "上传文件", "File uploaded"},
    {"action", "file.download", "下载文件", "File downloaded"},
    {"action", "file.scan", "文件查毒", "File scanned"},
    {"action", "files.scan", "文件查毒任务", "Pending virus checks"},
    {"action", "files.purge", "未完成上传清理", "Unfinished uploads purged"},
    /* the job runner and notifications */
    {"action", "jobs.run", "立即运行任务", "Job run on demand"},
    {"action", "jobs.kind_failing", "任务连续失败", "Job kind failing"},
    {"action", "jobs.kind_flagged", "任务连续失败告警", "Job kind flagged"},
    {"action", "jobs.purge", "清理任务记录", "Job runs purged"},
    {"action", "audit.tick", "审计日志封存", "Audit epochs sealed"},
    {"action", "audit.index", "审计检索索引", "Audit search index"},
    {"action", "audit.verify_failed", "审计校验未能完成", "Audit verification failed"},
    {"action", "auth.lifecycle", "账号生命周期检查", "Account lifecycle"},
    {"action", "syslog.purge", "清理过期设备日志", "Old device logs purged"},
    {"action", "notify.channel_create", "新建通知渠道", "Channel created"},
    {"action", "notify.channel_update", "修改通知渠道", "Channel changed"},
    {"action", "notify.channel_delete", "删除通知渠道", "Channel deleted"},
    {"action", "notify.channel_test", "发送测试消息", "Test message sent"},
    {"action", "notify.channel_failing", "通知渠道持续失败", "Channel failing"},
    {"action", "notify.template_update", "修改通知模板", "Notification template changed"},
    {"action", "notify.group_create", "新建接收组", "Recipient group created"},
    {"action", "notify.group_test", "向接收组发送测试消息", "Group test message"},
    {"action", "notify.test", "测试消息", "Test message"},
    {"action", "notify.deliver", "通知投递", "Notification delivery"},
    {"action", "notify.watch", "通知渠道巡检", "Channel watch"},
    {"action", "auth.break_glass", "紧急任命管理员", "Emergency appointment"},
    {"action", "auth.reauth", "验证当前密码", "Current password checked"},
    {"action", "audit.failures_summary", "失败请求汇总", "Failures summarised"},
    {"action", "http.rate_limited", "超限拒绝", "Refused over the limit"},
    /* the audit trail and the log store */
    {"action", "audit.init", "审计初始化", "Audit trail started"},
    {"action", "audit.purge", "清理过期审计记录", "Old records purged"},
    {"action", "audit.search", "查询审计记录", "Audit trail searched"},
    {"action", "audit.stats", "查看审计统计", "Audit statistics read"},
    {"action", "audit.export", "导出审计记录", "Audit trail exported"},
    {"action", "audit.verify", "完整性校验", "Integrity verified"},
    {"action", "audit.verifications", "查看校验记录", "Verifications read"},
    {"action", "audit.alert", "审计告警", "Audit alert"},
    {"action", "audit.alerts", "查看审计告警", "Audit alerts read"},
    {"action", "audit.alert_ack", "确认审计告警", "Audit alert acknowledged"},
    {"action", "audit.witness_restored", "远程见证恢复送达", "Remote witness reachable again"},
    {"action", "audit.witness_unreachable", "远程见证无法送达", "Remote witness unreachable"},
    {"action", "audit.witness_missing", "见证文件缺失", "Witness file missing"},
    {"action", "log.search", "查询设备日志", "Device logs searched"},
    {"action", "log.stats", "查看日志统计", "Log statistics read"},
    {"action", "log.raw", "下载原始报文", "Raw message downloaded"},
    {"action", "log.purge", "清理过期日志", "Old logs purged"},
    /* lexicons */
    {"action", "lexicon.import", "导入词库", "Lexicon imported"},
    {"action", "lexicon.export", "导出词库", "Lexicon exported"},

    {"result", "ok", "成功", "OK"},
    {"result", "denied", "拒绝", "Denied"},
    {"result", "error", "错误", "Error"},

    {"object", "user", "用户", "User"},
    {"object", "incident", "安全事件", "Incident"},
    {"object", "notify_kind", "通知事件类型", "Notification event kind"},
    {"object", "register", "台账", "Register"},
    {"object", "content", "稿件", "Content item"},
    {"object", "column", "栏目", "Column"},
    {"object", "message", "网友留言", "Public message"},
    {"object", "source", "转载来源", "Reprint source"},
    {"object", "site", "网站", "Site"},
    {"object", "requirement", "合规要求", "Requirement"},
    {"object", "obligation", "周期职责", "Duty"},
    {"object", "inspection", "检查评估", "Inspection"},
    {"object", "notice", "安全通报", "Notice"},
    {"object", "rectification", "整改事项", "Rectification"},
    {"object", "monitor_site", "监测网站", "Watched site"},
    {"object", "guard_agent", "防篡改代理", "Guard agent"},
    {"object", "duty_day", "值班日", "Duty day"},
    {"object", "register_row", "台账记录", "Register row"},
    {"object", "incident_plan", "应急预案", "Emergency plan"},
    {"object", "incident_drill", "应急演练", "Drill"},
    {"object", "account", "账号", "Account"},
    {"object", "session", "会话", "Session"},
    {"object", "request", "申请", "Request"},
    {"object", "route", "接口", "Route"},
    {"object", "notification", "通知", "Notification"},
    {"object", "org_unit", "组织节点", "Organisation node"},
    {"object", "password_policy", "口令策略", "Password policy"},
    {"object", "password_weak", "弱口令库", "Weak-password list"},
    {"object", "agent_token", "代理令牌", "Agent token"},
    {"object", "settings", "系统设置", "Settings"},
    {"object", "audit_trail", "审计日志", "Audit trail"},
    {"object", "audit_alert", "审计告警", "Audit alert"},
    {"object", "witness", "见证", "Witness"},
    {"object", "log_store", "设备日志库", "Log store"},
    {"object", "log", "设备日志", "Device log"},
    {"object", "lexicon", "词库", "Lexicon"},
    {"object", "account_review", "账号复核", "Account review"},
    {"object", "handover", "工作交接", "Handover"},
    {"object", "audit_verification", "校验记录", "Verification"},
    {"object", "alert", "告警", "Alert"},
    {"object", "log_day", "日志（按日）", "Logs of a day"},

    {"permission", "user.read", "查看账号", "View accounts"},
    {"permission", "user.create", "创建账号", "Create accounts"},
    {"permission", "user.update", "修改账号", "Edit accounts"},
    {"permission", "user.disable", "停用账号", "Disable accounts"},
    {"permission", "user.reset_password", "重置密码", "Reset passwords"},
    {"permission", "user.unlock", "解锁账号", "Unlock accounts"},
    {"permission", "user.apply", "申请账号", "Apply for accounts"},
    {"permission", "role.read", "查看角色与申请", "View roles and requests"},
    {"permission", "role.request", "申请与撤销角色", "Request and revoke roles"},
    {"permission", "role.approve", "审批角色申请", "Approve role requests"},
    {"permission", "request.approve", "审批各类申请", "Approve requests"},
    {"permission", "session.manage", "管理他人会话", "Manage sessions"},
    {"permission", "settings.update", "修改系统设置", "Change settings"},
    {"permission", "policy.update", "修改安全策略", "Change policies"},
    {"permission", "policy.manage", "设置口令策略", "Set the password policy"},
    {"permission", "audit.read", "查看审计记录", "Read the audit trail"},
    {"permission", "log.read", "查看设备日志", "Read device logs"},
    {"permission", "content.draft", "撰写稿件", "Draft content"},
    {"permission", "content.review1", "一级审核", "First-level review"},
    {"permission", "content.review2", "二级审核", "Second-level review"},
    {"permission", "content.review3", "三级审核", "Third-level review"},
    {"permission", "content.approve", "签发", "Approve for release"},
    {"permission", "content.read", "查看稿件", "Read content"},
    {"permission", "column.manage", "管理栏目", "Manage columns"},
    {"permission", "publish.sources", "管理转载来源", "Manage reprint sources"},
    {"permission", "content.publish", "发布稿件", "Publish content"},
    {"permission", "content.withdraw", "撤稿", "Withdraw content"},
    {"permission", "compliance.read", "查看合规报告", "Read the compliance report"},
    {"permission", "compliance.manage", "判定合规要求", "Decide requirements"},
    {"permission", "duty.plan", "排班", "Plan the duty roster"},
    {"permission", "monitor.read", "查看网站监测", "Read the website watch"},
    {"permission", "monitor.manage", "管理监测网站", "Manage watched sites"},
    {"permission", "duty.read", "查看值班表", "Read the duty roster"},
    {"permission", "duty.watch", "值班读网", "Duty watch"},
    {"permission", "incident.approve", "审批事件处置", "Approve incident handling"},
    {"permission", "org.manage", "管理组织机构", "Manage the organisation"},
    {"permission", "agent.manage", "管理代理令牌", "Manage agent tokens"},
    {"permission", "account.review", "账号年度复核", "Review accounts yearly"},
    {"permission", "text.lexicon", "管理敏感词库", "Manage lexicons"},
    {"permission", "system.status", "查看服务器状态详情", "View the server status in detail"},
    {"permission", "file.read", "查看他人上传的文件", "Read others' files"},
    {"permission", "file.quarantine", "查看已隔离文件", "See quarantined files"},
    {"permission", "calendar.manage", "管理工作日历", "Manage the working-day calendar"},
    {"permission", "incident.read", "查看安全事件", "Read incidents"},
    {"permission", "register.read", "查看台账", "Read the registers"},
    {"permission", "register.assets", "登记设备、介质与机房出入", "Keep devices, media and visits"},
    {"permission", "register.network", "登记 IP、域名备案与信息系统", "Keep filings and systems"},
    {"permission", "register.security", "登记服务商、培训、产品、申请与责任书", "Keep the security registers"},
    {"permission", "incident.handle", "登记与处置安全事件", "Open and handle incidents"},
    {"permission", "jobs.manage", "管理系统任务", "Manage system jobs"},
    {"permission", "notify.manage", "管理通知渠道", "Manage notification channels"},

    {"room", "user", "账号", "Accounts"},
    {"room", "role", "角色", "Roles"},
    {"room", "request", "申请", "Requests"},
    {"room", "session", "会话", "Sessions"},
    {"room", "settings", "系统设置", "Settings"},
    {"room", "policy", "安全策略", "Policies"},
    {"room", "audit", "审计", "Audit"},
    {"room", "log", "设备日志", "Device logs"},
    {"room", "content", "信息发布", "Publication"},
    {"room", "publish", "信息发布设置", "Publication settings"},
    {"room", "compliance", "合规报告", "Compliance report"},
    {"room", "message", "网友留言", "Public messages"},
    {"room", "oblig", "周期职责", "Duties"},
    {"room", "inspection", "检查评估", "Inspections"},
    {"room", "notice", "安全通报", "Notices"},
    {"room", "rectification", "整改", "Rectification"},
    {"room", "monitor", "网站监测", "Website watch"},
    {"room", "duty", "值班", "Duty"},
    {"room", "incident", "安全事件", "Incidents"},
    {"room", "register", "台账", "Registers"},
    {"room", "org", "组织机构", "Organisation"},
    {"room", "agent", "代理", "Agents"},
    {"room", "account", "账号复核", "Account review"},
    {"room", "text", "文本检查", "Text checks"},

    {"role", "sysadmin", "系统管理员", "System administrator"},
    {"role", "secadmin", "安全管理员", "Security administrator"},
    {"role", "auditor", "审计管理员", "Audit administrator"},
    {"role", "editor", "信息员", "Editor"},
    {"role", "reviewer1", "一级审核", "First-level reviewer"},
    {"role", "reviewer2", "二级审核", "Second-level reviewer"},
    {"role", "reviewer3", "三级审核", "Third-level reviewer"},
    {"role", "duty", "值班员", "Duty officer"},
    {"role", "device_admin", "设备管理员", "Device administrator"},
    {"role", "network_admin", "网络管理员", "Network administrator"},
    {"role", "leader", "领导", "Leader"},
    {"role", "staff", "普通工作人员", "Staff"},

    {"state", "pending", "待审批", "Pending"},
    {"state", "approved", "已批准", "Approved"},
    {"state", "rejected", "已驳回", "Rejected"},
    {"state", "cancelled", "已取消", "Cancelled"},
    {"state", "active", "启用", "Active"},
    {"state", "disabled", "已停用", "Disabled"},
    {"state", "locked", "已锁定", "Locked"},
    {"state", "left", "已离岗", "Left"},
    {"state", "ok", "成功", "OK"},
    {"state", "denied", "拒绝", "Denied"},
    {"state", "error", "错误", "Error"},
    {"state", "staff", "在编", "Staff"},
    {"state", "in_staff", "在编", "Staff"},
    {"state", "outsourced", "外包", "Outsourced"},

    {"request_kind", "role_grant", "角色申请", "Role"},
    {"request_kind", "role", "角色申请", "Role"},
    {"request_kind", "account", "账号申请", "Account"},
    {"request_kind", "reset", "密码重置", "Password reset"},

    /* RFC 5424 severities, by number */
    {"severity", "0", "紧急", "Emergency"},
    {"severity", "1", "警报", "Alert"},
    {"severity", "2", "严重", "Critical"},
    {"severity", "3", "错误", "Error"},
    {"severity", "4", "警告", "Warning"},
    {"severity", "5", "注意", "Notice"},
    {"severity", "6", "信息", "Informational"},
    {"severity", "7", "调试", "Debug"},

    /* the integrity report (audit_verify) */
    {"verify", "intact", "完整", "Intact"},
    {"verify", "records", "记录数", "Records"},
    {"verify", "first_seq", "首条序号", "First sequence"},
    {"verify", "last_seq", "末条序号", "Last sequence"},
    {"verify", "open_epoch", "当前密钥周期", "Open epoch"},
    {"verify", "checkpoints", "检查点数", "Checkpoints"},
    {"verify", "purges", "过期清理次数", "Purges"},
    {"verify", "seals_checked", "已校验签章", "Seals checked"},
    {"verify", "witness", "见证文件", "Witness"},
    {"verify", "path", "路径", "Path"},
    {"verify", "found", "已找到", "Found"},
    {"verify", "last_head", "见证最新序号", "Witnessed head"},
    {"verify", "first_bad_seq", "首个异常序号", "First damaged sequence"},
    {"verify", "kind", "异常类型", "Kind of damage"},
    {"verify", "problem_count", "异常数", "Problems"},
    {"verify", "problems", "异常明细", "Problem list"},
    {"verify", "seq", "序号", "Sequence"},
    {"verify", "message", "说明", "Message"},
    {"verify_kind", "edited", "被篡改", "Edited"},
    {"verify_kind", "deleted", "被删除", "Deleted"},
    {"verify_kind", "inserted", "被插入", "Inserted"},
    {"verify_kind", "reordered", "顺序被改变", "Reordered"},
    {"verify_kind", "truncated", "末尾记录缺失", "Truncated"},
};
/* clang-format on */
#define NLABELS (sizeof labels / sizeof labels[0])

static const label *find(const char *kind, const char *code)
{
    for (size_t i = 0; i < NLABELS; i++)
        if (strcmp(labels[i].kind, kind) == 0 && strcmp(labels[i].code, code) == 0)
            return &labels[i];
    return NULL;
}

const char *audit_label(const char *kind, const char *code)
{
    if (!kind || !code)
        return NULL;
    const label *l = find(kind, code);
    /* a refusal is recorded under the permission it lacked */
    if (!l && strcmp(kind, "action") == 0)
        l = find("permission", code);
    return l ? l->zh : NULL;
}

json_t *audit_labels_json(void)
{
    json_t *out = json_object();
    for (size_t i = 0; i < NLABELS; i++) {
        json_t *group = json_object_get(out, labels[i].kind);
        if (!group) {
            group = json_object();
            json_object_set_new(out, labels[i].kind, group);
        }
        json_object_set_new(group, labels[i].code,
                            json_pack("{s:s,s:s}", "zh-CN", labels[i].zh, "en", labels[i].en));
    }
    return out;
}
