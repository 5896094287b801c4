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
};
/* clang-format on */
const size_t cli_event_kinds_count = sizeof cli_event_kinds / sizeof cli_event_kinds[0];
