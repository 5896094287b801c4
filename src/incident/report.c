/*
 * The incident report (事件报告) sent upward: the incident, its clocks, the procedure as done,
 * the whole timeline and the closing report, as a PDF or an xlsx workbook (doc/).
 * Both are made from incident_json, so they say exactly what the page says.
 */
#include "incident/incident_int.h"

#include "doc/doc.h"

#include <string.h>

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void time_text(const json_t *o, const char *key, char out[XN_TIME_STR])
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        snprintf(out, XN_TIME_STR, "—");
        return;
    }
    xn_time_format(json_integer_value(v), out);
    out[19] = '\0'; /* "2026-12-06T10:30:00" without fractions and offset */
    out[10] = ' ';
}

static const char *state_name(const char *s)
{
    return strcmp(s, "open") == 0        ? "处置中"
           : strcmp(s, "closing") == 0   ? "待审批结案"
           : strcmp(s, "closed") == 0    ? "已结案"
           : strcmp(s, "running") == 0   ? "计时中"
           : strcmp(s, "overdue") == 0   ? "已超时"
           : strcmp(s, "met") == 0       ? "已完成"
           : strcmp(s, "suspended") == 0 ? "已暂停"
                                         : s;
}

/* The report as lines of (heading level, text): 0 body, 1 section, 2 title. */
static void report_lines(const void *data, doc_sink *out)
{
    const json_t *inc = data;
    char buf[INCIDENT_MAX_TEXT + 512], t1[XN_TIME_STR], t2[XN_TIME_STR];
    doc_put(out, 2, "安全事件报告");
    snprintf(buf, sizeof buf, "事件 #%lld　%s%s",
             (long long)json_integer_value(json_object_get(inc, "id")),
             json_is_true(json_object_get(inc, "drill")) ? "【演练】" : "", str(inc, "title"));
    doc_put(out, 1, buf);
    time_text(inc, "detected_at", t1);
    time_text(inc, "opened_at", t2);
    snprintf(buf, sizeof buf,
             "类别：%s\n状态：%s\n发现时间：%s\n登记：%s，%s\n影响网站发布：%s\n须报告：%s",
             str(inc, "kind_title"), state_name(str(inc, "state")), t1, str(inc, "opened_by"), t2,
             json_is_true(json_object_get(inc, "site_affected")) ? "是" : "否",
             json_is_string(json_object_get(inc, "authorities")) ? str(inc, "authorities") : "—");
    doc_put(out, 0, buf);

    doc_put(out, 1, "处置时限");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(inc, "clocks"), i, c)
    {
        time_text(c, "due_at", t1);
        time_text(c, "met_at", t2);
        const char *st = str(c, "state");
        int n =
            snprintf(buf, sizeof buf, "%s（%d 分钟）：期限 %s，%s", str(c, "title"),
                     (int)json_integer_value(json_object_get(c, "minutes")), t1, state_name(st));
        if (strcmp(st, "met") == 0 && n > 0 && (size_t)n < sizeof buf)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "（%s 于 %s 确认%s%s）",
                          str(c, "met_by"), t2, *str(c, "note") ? "：" : "", str(c, "note"));
        if (strcmp(st, "suspended") == 0 && n > 0 && (size_t)n < sizeof buf)
            snprintf(buf + n, sizeof buf - (size_t)n, "（%s 暂停：%s）", str(c, "suspended_by"),
                     str(c, "suspend_reason"));
        doc_put(out, 0, buf);
    }

    doc_put(out, 1, "处置步骤");
    json_array_foreach(json_object_get(inc, "steps"), i, c)
    {
        time_text(c, "done_at", t1);
        snprintf(buf, sizeof buf, "%zu. %s　%s", i + 1, str(c, "text"),
                 json_is_true(json_object_get(c, "done")) ? "已完成" : "未完成");
        if (json_is_true(json_object_get(c, "done"))) {
            size_t n = strlen(buf);
            snprintf(buf + n, sizeof buf - n, "（%s，%s）", str(c, "done_by"), t1);
        }
        doc_put(out, 0, buf);
    }

    doc_put(out, 1, "处置记录");
    json_array_foreach(json_object_get(inc, "timeline"), i, c)
    {
        time_text(c, "at", t1);
        const char *d = str(c, "delivery");
        snprintf(buf, sizeof buf, "%s　%s　%s%s%s", t1, str(c, "actor"), str(c, "text"),
                 *d ? "（通知" : "",
                 !*d                         ? ""
                 : strcmp(d, "sent") == 0    ? "已送达）"
                 : strcmp(d, "failed") == 0  ? "投递失败）"
                 : strcmp(d, "pending") == 0 ? "投递中）"
                                             : "无渠道）");
        doc_put(out, 0, buf);
    }

    json_t *close = json_object_get(inc, "close");
    doc_put(out, 1, "结案报告");
    if (!json_is_object(close)) {
        doc_put(out, 0, "尚未提交。");
    } else {
        time_text(close, "closed_at", t1);
        snprintf(buf, sizeof buf, "事件原因：%s\n处置措施：%s\n经验教训：%s\n预防措施：%s",
                 str(close, "cause"), str(close, "measures"), str(close, "lessons"),
                 str(close, "prevention"));
        doc_put(out, 0, buf);
        snprintf(buf, sizeof buf, "批准结案：%s",
                 json_is_string(json_object_get(close, "closed_by")) ? str(close, "closed_by")
                                                                     : "待领导审批");
        if (json_is_string(json_object_get(close, "closed_by"))) {
            size_t n = strlen(buf);
            snprintf(buf + n, sizeof buf - n, "，%s", t1);
        }
        doc_put(out, 0, buf);
    }
    time_text(inc, "now", t1);
    snprintf(buf, sizeof buf, "本报告由信安于 %s 生成，内容与系统中的事件记录一致。", t1);
    doc_put(out, 0, buf);
}

int incident_report(incident_ctx *c, int64_t id, const char *format, const char *path,
                    xn_error *err)
{
    if (strcmp(format, "pdf") != 0 && strcmp(format, "xlsx") != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_format", "format", "报告格式只能是 pdf 或 xlsx");
    json_t *inc = NULL;
    int rc = incident_json(c, id, &inc, err);
    if (rc != XN_OK)
        return rc;
    char title[64];
    snprintf(title, sizeof title, "安全事件报告 #%lld", (long long)id);
    doc_meta meta = {.title = strcmp(format, "pdf") == 0 ? title : "事件报告"};
    rc = doc_write(format, &meta, report_lines, inc, path, err);
    json_decref(inc);
    return rc;
}
