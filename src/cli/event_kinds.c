/*
 * The server's notification event kinds: name, Chinese title and template, severity, and the
 * variables the template may use (notify_open refuses a template naming any other).
 */
#include "cli/cli.h"

/* clang-format off */
const notify_event_kind cli_event_kinds[] = {
    {.name = "notify.test", .title = "测试消息", .severity = "info", .vars = "channel",
     .template = "这是信安发出的测试消息（渠道：{channel}）。收到即表示渠道配置正确。"},
    {.name = "notify.group_test", .title = "接收组测试消息", .severity = "info", .vars = "group",
     .template = "这是信安发给接收组「{group}」的测试消息。收到即表示本组的渠道配置正确。"},
    {.name = "jobs.kind_failing", .title = "系统任务连续失败", .severity = "critical",
     .vars = "kind,title,failures,error",
     .template = "系统任务「{title}」（{kind}）已连续失败 {failures} 次：{error}"},
    {.name = "notify.channel_failing", .title = "通知渠道持续失败", .severity = "warning",
     .vars = "channel,error",
     .template = "通知渠道「{channel}」已连续失败超过一小时，消息正在排队等待重试：{error}"},
    /* INC-2, INC-3: incidents and their clocks */
    {.name = "incident.opened", .title = "安全事件", .severity = "critical",
     .vars = "id,title,kind,detected",
     .template = "【{kind}】{title}（事件 #{id}，发现于 {detected}）。请按应急处置流程立即处理，"
                 "并在信安「应急事件」中确认各项时限。"},
    {.name = "incident.clock_due", .title = "事件时限临近", .severity = "warning",
     .vars = "id,title,kind,detected,clock,due",
     .template = "事件 #{id}「{title}」：「{clock}」将于 {due} 到期，请尽快完成并在信安中确认。"},
    {.name = "incident.clock_overdue", .title = "事件时限已超时", .severity = "critical",
     .vars = "id,title,kind,detected,clock,due",
     .template = "事件 #{id}「{title}」：「{clock}」已超过期限 {due} 仍未完成，现升级报告领导小组。"},
    {.name = "incident.close_requested", .title = "事件结案待审批", .severity = "info",
     .vars = "id,title,kind,detected",
     .template = "事件 #{id}「{title}」已提交结案报告，请领导审批。"},
    /* PUB-11: a public message's promised answer */
    {.name = "publish.message_due", .title = "网友留言答复时限", .severity = "warning",
     .vars = "subject,due,state",
     .template = "网友留言「{subject}」承诺于 {due} 前答复，{state}，请承办部门尽快答复并审核发布。"},
    /* PUB-11: an answer drafted by the department waits for its head */
    {.name = "message.review_due", .title = "网友留言答复待您审核", .severity = "info", .vars = "",
     .template = "一条网友留言的答复已起草，请在“留言答复审核”中审核。"},
    /* MON-10: website watch */
    {.name = "monitor.down", .title = "网站无法访问", .severity = "critical",
     .vars = "site,url,alarm,detail",
     .template = "【{alarm}】{site}（{url}）：{detail}。已登记安全事件，请立即处置。"},
    {.name = "monitor.up", .title = "网站恢复访问", .severity = "info", .vars = "site,url,alarm,detail",
     .template = "{site}（{url}）已恢复访问。"},
    {.name = "monitor.alarm", .title = "网站监测告警", .severity = "warning",
     .vars = "site,url,alarm,detail", .template = "【{alarm}】{site}（{url}）：{detail}"},
    /* RSK-3: a notice of risks, vulnerabilities or incidents */
    {.name = "oblig.notice", .title = "安全通报", .severity = "warning", .vars = "kind,title,body",
     .template = "【{kind}】{title}\n{body}\n请在信安中阅读并确认。"},
    /* OBL: a periodic duty gone past its due date */
    {.name = "oblig.overdue", .title = "周期职责逾期", .severity = "warning",
     .vars = "title,period,due,owner",
     .template = "周期职责「{title}」（{period}）已超过期限 {due}，负责岗位：{owner}。"},
    /* OBL: a periodic duty coming due, to the holders of its owning role */
    {.name = "oblig.due", .title = "周期职责即将到期", .severity = "info",
     .vars = "title,period,due",
     .template = "周期职责「{title}」（{period}）将于 {due} 到期，请提交完成证据。"},
    /* RSK-2: a finding's rectification, to its owner */
    {.name = "rectification.assigned", .title = "新的整改事项", .severity = "warning",
     .vars = "req,description,due",
     .template = "整改事项（{req}）：{description}，请于 {due} 前完成并提交整改证据。"},
    /* MON-2: the person on duty has not checked in */
    {.name = "duty.checkin_missed", .title = "值班人员未签到", .severity = "warning",
     .vars = "date,name,phone",
     .template = "{date} 的值班人员{name}（{phone}）上班一小时后仍未签到，请带班领导核实。"},
    /* PUB-6: a published item's re-check found what its review did not keep */
    {.name = "publish.recheck_hit", .title = "已发布稿件复查命中", .severity = "warning",
     .vars = "title,hits",
     .template = "已发布稿件「{title}」复查发现 {hits} 处未经审核保留的命中，请一级审核人复核，"
                 "需要时更正或撤稿。"},
};
/* clang-format on */
const size_t cli_event_kinds_count = sizeof cli_event_kinds / sizeof cli_event_kinds[0];
