/*
 * The audit trail and the log store over HTTP (AUD-1..7, ACC-6): search, statistics, export,
 * verification, verification runs and alerts for the audit administrator (audit.read), and the
 * received logs (log.read). The route table grants these permissions to the audit
 * administrator's role alone; a refusal is recorded by the permission check before any
 * handler here runs.
 *
 * Reading the trail is itself an operation on it: every successful read appends its own
 * record (audit.search, audit.stats, audit.export, audit.verifications, audit.alerts,
 * log.search, log.stats, log.raw) with the filter in its detail, in a transaction of its own,
 * before the answer leaves. A read whose record cannot be written is answered with an error
 * and not delivered. A refused parameter (400, naming it in Chinese) reads nothing and records
 * nothing.
 */
#include "http/http_internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RESULT_MAX   (64 * 1024 * 1024) /* a search page, statistics or a list */
#define REPORT_MAX   (4 * 1024 * 1024)
#define RAW_MAX      (AUDIT_SYSLOG_MAX_MSG + 1024)
#define TEXT_MAX     256 /* actor, object type and id, log filters */
#define TIME_MAX     64
#define ESCAPED(n)   (3 * (n))            /* a percent-encoded value may be three times as long */
#define MAX_EPOCH_US 253402300799999999LL /* 9999-12-31T23:59:59.999999Z */
#define DAY_US       (86400LL * 1000000)
#define XLSX_TYPE    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define TMP_DIR_MAX  200

/* ---- errors --------------------------------------------------------------------------------- */

static int bad_param(http_req *req, http_resp *resp, const char *field, const char *message)
{
    http_error(req, resp, 400, "bad_param", message, field);
    return XN_EINVAL;
}

/* The Chinese sentence for a parameter the rooms refused (their messages are English). */
static const struct {
    const char *field, *param, *message;
} param_messages[] = {
    {"from", "from", "开始时间不正确"},
    {"to", "to", "结束时间必须晚于开始时间"},
    {"actor", "actor", "操作者最长 256 字节，且不能含控制字符"},
    {"action", "action", "操作须形如 auth.login，或以点结尾表示整个模块（如 auth.）"},
    {"object_type", "object_type", "对象类型最长 256 字节，且不能含控制字符"},
    {"object_id", "object_id", "对象标识最长 256 字节，且不能含控制字符"},
    {"result", "result", "结果只能是 ok、denied 或 error"},
    {"q", "q", "全文检索最多 8 个词、256 字节，且不能含控制字符"},
    {"limit", "limit", "每页条数必须是 1 到 1000 的整数"},
    {"before_seq", "before", "before 必须是正整数（记录序号）"},
    {"source", "source", "来源地址最长 256 字节，且不能含控制字符"},
    {"hostname", "hostname", "主机名最长 256 字节，且不能含控制字符"},
    {"app", "app", "程序名最长 256 字节，且不能含控制字符"},
    {"text", "text", "检索文字最长 256 字节，且不能含控制字符"},
    {"after", "after", "分页游标无效，请从第一页重新查询"},
    {"id", "id", "日志编号无效"},
};

/* http_fail, with a bad parameter named in Chinese. */
static int fail_input(http_req *req, http_resp *resp, const xn_error *err)
{
    if (err->status == XN_EINVAL)
        for (size_t i = 0; i < sizeof param_messages / sizeof param_messages[0]; i++)
            if (strcmp(err->field, param_messages[i].field) == 0)
                return http_error(req, resp, 400, err->code, param_messages[i].message,
                                  param_messages[i].param);
    return http_fail(req, resp, err);
}

/* ---- parameters ----------------------------------------------------------------------------- */

/* A text parameter of at most max bytes (decoded); NULL when absent or empty. */
static int q_text(http_req *req, http_resp *resp, const char *name, size_t max, const char **out,
                  const char *message)
{
    if (http_query_checked(req, name, ESCAPED(max), out) != XN_OK || (*out && strlen(*out) > max))
        return bad_param(req, resp, name, message);
    if (*out && !**out)
        *out = NULL;
    return XN_OK;
}

static int q_int(http_req *req, http_resp *resp, const char *name, int64_t min, int64_t max,
                 int64_t *out, const char *message)
{
    const char *v = NULL;
    if (http_query_checked(req, name, 32, &v) != XN_OK ||
        (v && *v && xn_parse_int64(v, min, max, out) != XN_OK))
        return bad_param(req, resp, name, message);
    return XN_OK;
}

int http_parse_time(const char *v, bool end, int64_t *out)
{
    *out = 0;
    size_t n = strlen(v);
    if (n == 0 || n > TIME_MAX)
        return XN_EINVAL;
    bool digits = true;
    for (const char *p = v; *p; p++)
        digits = digits && *p >= '0' && *p <= '9';
    if (digits)
        return xn_parse_int64(v, 0, MAX_EPOCH_US, out);
    if (xn_time_parse(v, out) != XN_OK || *out < 0 || *out > MAX_EPOCH_US) {
        *out = 0;
        return XN_EINVAL;
    }
    if (end && n == 10) /* a bare date: up to the end of that day */
        *out += DAY_US;
    return XN_OK;
}

/* A time parameter (http_parse_time); 0 when absent or empty. */
static int q_time(http_req *req, http_resp *resp, const char *name, bool end, int64_t *out)
{
    const char *v = NULL;
    *out = 0;
    const char *message = end ? "结束时间格式应为 YYYY-MM-DD、YYYY-MM-DDTHH:MM[:SS]（北京时间）"
                                "或微秒时间戳"
                              : "开始时间格式应为 YYYY-MM-DD、YYYY-MM-DDTHH:MM[:SS]（北京时间）"
                                "或微秒时间戳";
    if (http_query_checked(req, name, ESCAPED(TIME_MAX), &v) != XN_OK ||
        (v && *v && http_parse_time(v, end, out) != XN_OK))
        return bad_param(req, resp, name, message);
    return XN_OK;
}

static int q_range(http_req *req, http_resp *resp, int64_t *from, int64_t *to)
{
    if (q_time(req, resp, "from", false, from) != XN_OK ||
        q_time(req, resp, "to", true, to) != XN_OK)
        return XN_EINVAL;
    if (*to && *to <= *from)
        return bad_param(req, resp, "to", "结束时间必须晚于开始时间");
    return XN_OK;
}

/* The trail's filter from the query string; paged: limit and before too. */
static int read_filter(http_req *req, http_resp *resp, bool paged, audit_filter *f)
{
    memset(f, 0, sizeof *f);
    if (q_range(req, resp, &f->from_us, &f->to_us) != XN_OK)
        return XN_EINVAL;
    static const struct {
        const char *name;
        size_t offset, max;
    } texts[] = {
        {"actor", offsetof(audit_filter, actor), TEXT_MAX},
        {"action", offsetof(audit_filter, action), 64},
        {"object_type", offsetof(audit_filter, object_type), TEXT_MAX},
        {"object_id", offsetof(audit_filter, object_id), TEXT_MAX},
        {"result", offsetof(audit_filter, result), 16},
        {"q", offsetof(audit_filter, q), AUDIT_Q_MAX_BYTES},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char **dst = (const char **)(void *)((char *)f + texts[i].offset);
        const char *message = "";
        for (size_t j = 0; j < sizeof param_messages / sizeof param_messages[0]; j++)
            if (strcmp(param_messages[j].param, texts[i].name) == 0)
                message = param_messages[j].message;
        if (q_text(req, resp, texts[i].name, texts[i].max, dst, message) != XN_OK)
            return XN_EINVAL;
    }
    if (f->result && strcmp(f->result, AUDIT_OK) != 0 && strcmp(f->result, AUDIT_DENIED) != 0 &&
        strcmp(f->result, AUDIT_ERROR) != 0)
        return bad_param(req, resp, "result", "结果只能是 ok、denied 或 error");
    if (!paged)
        return XN_OK;
    int64_t limit = 0;
    if (q_int(req, resp, "limit", 1, AUDIT_PAGE_MAX, &limit, "每页条数必须是 1 到 1000 的整数") ||
        q_int(req, resp, "before", 1, INT64_MAX, &f->before_seq, "before 必须是正整数（记录序号）"))
        return XN_EINVAL;
    f->limit = (int)limit;
    return XN_OK;
}

/* The filter as the detail of the read's own record: only what was set. */
static json_t *filter_json(const audit_filter *f, bool paged)
{
    json_t *o = json_object();
    if (f->from_us)
        json_object_set_new(o, "from", json_integer(f->from_us));
    if (f->to_us)
        json_object_set_new(o, "to", json_integer(f->to_us));
    const char *const texts[][2] = {
        {"actor", f->actor},         {"action", f->action}, {"object_type", f->object_type},
        {"object_id", f->object_id}, {"result", f->result}, {"q", f->q}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i][1])
            json_object_set_new(o, texts[i][0], json_string(texts[i][1]));
    if (paged && f->limit)
        json_object_set_new(o, "limit", json_integer(f->limit));
    if (paged && f->before_seq)
        json_object_set_new(o, "before", json_integer(f->before_seq));
    return o;
}

/* ---- the read's own record ---------------------------------------------------------------- */

typedef struct read_ctx {
    http_req *req;
    const char *action;
    const char *object_type;
    const char *object_id;
    const char *detail;
} read_ctx;

static int read_tx(store_conn *tx, void *p, xn_error *err)
{
    read_ctx *r = p;
    audit_actor actor = auth_actor(r->req->who);
    audit_event ev = {.action = r->action,
                      .actor = &actor,
                      .object_type = r->object_type,
                      .object_id = r->object_id,
                      .result = AUDIT_OK,
                      .detail_json = r->detail};
    return audit_append(r->req->app->audit, tx, &ev, err);
}

/* Records a successful read (AUD-1, ACC-6); takes detail (a JSON object). */
static int record_read(http_req *req, const char *action, const char *object_type,
                       const char *object_id, json_t *detail, xn_error *err)
{
    xn_buf text;
    xn_buf_init(&text, 64 * 1024);
    int rc = detail ? xn_json_dump(&text, detail) : XN_OK;
    json_decref(detail);
    if (rc != XN_OK) {
        xn_buf_release(&text);
        return xn_fail(err, XN_EINTERNAL, "internal", "the read's detail does not fit");
    }
    read_ctx r = {.req = req,
                  .action = action,
                  .object_type = object_type,
                  .object_id = object_id,
                  .detail = detail ? text.data : NULL};
    rc = store_tx(req->app->db, read_tx, &r, err);
    xn_buf_release(&text);
    return rc;
}

/* Sends a JSON document built by a room (out is taken). */
static int send_json_buf(http_resp *resp, xn_buf *out)
{
    xn_buf_release(&resp->body);
    resp->body = *out;
    resp->status = 200;
    resp->content_type = "application/json; charset=utf-8";
    xn_buf_init(out, 0);
    return XN_OK;
}

/*
 * The end of every read: when the room's answer (rc, out) is good, the read is recorded and
 * out is sent; otherwise, or when the record cannot be written, nothing is sent but the error.
 * detail (a JSON object or NULL) is taken either way.
 */
static int answer_read(http_req *req, http_resp *resp, int rc, xn_buf *out, const char *action,
                       const char *object_type, const char *object_id, json_t *detail,
                       xn_error *err)
{
    if (rc == XN_OK)
        rc = record_read(req, action, object_type, object_id, detail, err);
    else
        json_decref(detail);
    if (rc != XN_OK) {
        xn_buf_release(out);
        if (rc == XN_ETOOBIG)
            return http_error(req, resp, 413, "too_large", "结果过大，请缩小范围或减少每页条数",
                              "limit");
        return fail_input(req, resp, err);
    }
    return send_json_buf(resp, out);
}

/* {"filter":{…}} with the time range, when set, added to filter. */
static json_t *range_detail(json_t *filter, int64_t from_us, int64_t to_us)
{
    if (from_us)
        json_object_set_new(filter, "from", json_integer(from_us));
    if (to_us)
        json_object_set_new(filter, "to", json_integer(to_us));
    return json_pack("{s:o}", "filter", filter);
}

/* ---- the trail ------------------------------------------------------------------------------ */

typedef int (*trail_reader)(store_conn *c, const audit_filter *f, xn_buf *out, xn_error *err);

static int trail_read(http_req *req, http_resp *resp, bool paged, trail_reader read,
                      const char *action)
{
    audit_filter f;
    if (read_filter(req, resp, paged, &f) != XN_OK)
        return XN_OK;
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, RESULT_MAX);
    store_conn *c = NULL;
    int rc = store_acquire(req->app->db, &c, &err);
    if (rc == XN_OK) {
        rc = read(c, &f, &out, &err);
        store_release(c);
    }
    return answer_read(req, resp, rc, &out, action, "audit_trail", NULL,
                       json_pack("{s:o}", "filter", filter_json(&f, paged)), &err);
}

int http_h_audit_records(http_req *req, http_resp *resp)
{
    return trail_read(req, resp, true, audit_search, "audit.search");
}

int http_h_audit_stats(http_req *req, http_resp *resp)
{
    return trail_read(req, resp, false, audit_stats, "audit.stats");
}

/* A temporary file that has no name once it is open: it leaves with its last descriptor. */
const char *http_tmp_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && d[0] == '/' && strlen(d) < TMP_DIR_MAX ? d : "/tmp";
}

/* Writes the export into a nameless temporary file; *fd is open for reading at its start. */
static int export_to_file(store_conn *c, const audit_filter *f, bool xlsx, int *fd, off_t *size,
                          xn_error *err)
{
    char path[TMP_DIR_MAX + 32];
    snprintf(path, sizeof path, "%s/xinan-export-XXXXXX", http_tmp_dir());
    int tmp = mkstemp(path);
    if (tmp < 0)
        return xn_fail(err, XN_EIO, "export", "cannot create a temporary file in %s",
                       http_tmp_dir());
    int rc = XN_OK;
    if (xlsx) {
        /* the workbook library writes by name: the name goes as soon as the file is open */
        close(tmp);
        rc = audit_export_xlsx(c, f, path, err);
        tmp = rc == XN_OK ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        unlink(path);
        if (rc == XN_OK && tmp < 0)
            rc = xn_fail(err, XN_EIO, "export", "the workbook cannot be read back");
    } else {
        unlink(path);
        int wfd = dup(tmp);
        FILE *out = wfd >= 0 ? fdopen(wfd, "w") : NULL;
        if (!out) {
            if (wfd >= 0)
                close(wfd);
            rc = xn_fail(err, XN_EIO, "export", "cannot write the temporary file");
        } else {
            rc = audit_export_csv(c, f, out, err);
            if (fclose(out) != 0 && rc == XN_OK)
                rc = xn_fail(err, XN_EIO, "export", "cannot write the temporary file");
        }
    }
    struct stat st;
    if (rc == XN_OK && (fstat(tmp, &st) != 0 || lseek(tmp, 0, SEEK_SET) != 0))
        rc = xn_fail(err, XN_EIO, "export", "cannot read the temporary file");
    if (rc != XN_OK) {
        if (tmp >= 0)
            close(tmp);
        return rc;
    }
    *fd = tmp;
    *size = st.st_size;
    return XN_OK;
}

int http_h_audit_export(http_req *req, http_resp *resp)
{
    const char *format = NULL;
    if (q_text(req, resp, "format", 8, &format, "导出格式只能是 csv 或 xlsx") != XN_OK)
        return XN_OK;
    if (!format)
        format = "csv";
    bool xlsx = strcmp(format, "xlsx") == 0;
    if (!xlsx && strcmp(format, "csv") != 0)
        return bad_param(req, resp, "format", "导出格式只能是 csv 或 xlsx");
    audit_filter f;
    if (read_filter(req, resp, false, &f) != XN_OK)
        return XN_OK;
    xn_error err;
    store_conn *c = NULL;
    int fd = -1;
    off_t size = 0;
    int rc = store_acquire(req->app->db, &c, &err);
    if (rc == XN_OK) {
        rc = export_to_file(c, &f, xlsx, &fd, &size, &err);
        store_release(c);
    }
    if (rc == XN_OK)
        rc = record_read(req, "audit.export", "audit_trail", NULL,
                         json_pack("{s:o,s:s,s:I}", "filter", filter_json(&f, false), "format",
                                   format, "bytes", (json_int_t)size),
                         &err);
    if (rc != XN_OK) {
        if (fd >= 0)
            close(fd);
        return fail_input(req, resp, &err);
    }
    char stamp[32], disposition[96];
    time_t now = (time_t)(xn_now_us() / 1000000) + 8 * 3600; /* Asia/Shanghai */
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(disposition, sizeof disposition, "attachment; filename=\"audit-%s.%s\"", stamp,
             format);
    http_file(resp, 200, xlsx ? XLSX_TYPE : "text/csv; charset=utf-8", fd, (uint64_t)size,
              disposition);
    return XN_OK;
}

int http_h_audit_verify(http_req *req, http_resp *resp)
{
    xn_error err;
    xn_buf report;
    xn_buf_init(&report, REPORT_MAX);
    bool intact = false;
    int64_t run_id = 0, checked_at = 0;
    audit_actor actor = auth_actor(req->who);
    int rc = audit_verify_run(req->app->audit, &actor, "manual", &report, &intact, &run_id,
                              &checked_at, &err);
    if (rc != XN_OK) {
        xn_buf_release(&report);
        if (rc == XN_EBUSY && strcmp(err.code, "verify_running") == 0)
            return http_error(req, resp, 409, err.code, err.message, NULL);
        return http_fail(req, resp, &err);
    }
    /* a damaged trail is an incident, one while it stays open (INC-1) */
    xn_error ierr;
    if (!intact && incident_audit_failed(req->app->incidents, "manual", &ierr) != XN_OK)
        xn_log_event(req->app->log, XN_LOG_ERROR, "incident.open_failed", "error", ierr.message,
                     XN_LOG_END);
    char when[XN_TIME_STR];
    xn_time_format(checked_at, when);
    /* AUD-2: the witness state beside the verdict, as `xinan audit verify` reports it. */
    json_t *root = json_loadb(report.data, report.len, 0, NULL);
    json_t *witness = json_object_get(root, "witness");
    char *witness_text = json_is_object(witness) ? json_dumps(witness, JSON_COMPACT) : NULL;
    json_decref(root);
    xn_buf out;
    xn_buf_init(&out, REPORT_MAX + 1024);
    xn_buf_printf(&out,
                  "{\"intact\":%s,\"checked_at\":%lld,\"checked_at_text\":\"%s\",\"run_id\":%lld,"
                  "\"witness\":%s,\"report\":",
                  intact ? "true" : "false", (long long)checked_at, when, (long long)run_id,
                  witness_text ? witness_text : "{\"found\":false}");
    free(witness_text);
    xn_buf_append(&out, report.data, report.len);
    rc = xn_buf_puts(&out, "}");
    xn_buf_release(&report);
    if (rc != XN_OK) {
        xn_buf_release(&out);
        return http_error(req, resp, 500, "internal", "服务器内部错误 (internal server error)",
                          NULL);
    }
    send_json_buf(resp, &out);
    return XN_OK;
}

int http_h_audit_verifications(http_req *req, http_resp *resp)
{
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, RESULT_MAX);
    int rc = audit_verifications_json(req->app->db, &out, &err);
    return answer_read(req, resp, rc, &out, "audit.verifications", "audit_verification", NULL, NULL,
                       &err);
}

int http_h_audit_alerts(http_req *req, http_resp *resp)
{
    const char *state = NULL;
    int64_t limit = 0;
    if (q_text(req, resp, "state", 8, &state, "状态只能是 open 或 acked") != XN_OK ||
        q_int(req, resp, "limit", 1, AUDIT_ALERTS_MAX, &limit, "条数必须是 1 到 500 的整数") !=
            XN_OK)
        return XN_OK;
    if (state && strcmp(state, "open") != 0 && strcmp(state, "acked") != 0)
        return bad_param(req, resp, "state", "状态只能是 open 或 acked");
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, RESULT_MAX);
    int rc = audit_alerts_json(req->app->db, state, (int)limit, &out, &err);
    json_t *detail = json_object();
    if (state)
        json_object_set_new(detail, "state", json_string(state));
    if (limit)
        json_object_set_new(detail, "limit", json_integer(limit));
    return answer_read(req, resp, rc, &out, "audit.alerts", "audit_alert", NULL, detail, &err);
}

int http_h_audit_alert_ack(http_req *req, http_resp *resp)
{
    int64_t id = 0;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    xn_error err;
    const char *comment = NULL;
    if (!json_is_object(req->json))
        return http_error(req, resp, 400, "bad_body", "请求体必须是 JSON 对象", NULL);
    int rc = xn_json_get_string(req->json, "comment", true, AUDIT_ACK_COMMENT_MAX, &comment, &err);
    if (rc != XN_OK)
        return http_error(req, resp, 400, "comment_required",
                          "确认告警须填写处理说明（最长 1000 字节，不能含控制字符）", "comment");
    audit_actor actor = auth_actor(req->who);
    rc = audit_alert_ack(req->app->audit, &actor, id, comment, &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, json_pack("{s:b,s:I}", "ok", true, "id", (json_int_t)id));
}

/* ---- the log store -------------------------------------------------------------------------- */

bool http_parse_severities(const char *list, unsigned *mask)
{
    static const char *const names[8][3] = {
        {"emerg", "emergency", "panic"},   {"alert", "alert", "alert"},
        {"crit", "critical", "crit"},      {"err", "error", "err"},
        {"warning", "warn", "warning"},    {"notice", "notice", "notice"},
        {"info", "informational", "info"}, {"debug", "debug", "debug"},
    };
    *mask = 0;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        int found = -1;
        if (n == 1 && *p >= '0' && *p <= '7')
            found = *p - '0';
        for (int s = 0; s < 8 && found < 0; s++)
            for (int k = 0; k < 3; k++)
                if (strlen(names[s][k]) == n && strncmp(names[s][k], p, n) == 0)
                    found = s;
        if (found < 0)
            return false;
        *mask |= 1u << found;
        p += n;
        if (*p == ',' && *++p == '\0')
            return false;
    }
    return *mask != 0;
}

int http_h_logs(http_req *req, http_resp *resp)
{
    audit_logstore_query q = {0};
    const char *severity = NULL, *parse_errors = NULL;
    int64_t limit = 0;
    if (q_range(req, resp, &q.from_us, &q.to_us) != XN_OK ||
        q_text(req, resp, "source", TEXT_MAX, &q.source,
               "来源地址最长 256 字节，且不能含控制字符") != XN_OK ||
        q_text(req, resp, "hostname", TEXT_MAX, &q.hostname,
               "主机名最长 256 字节，且不能含控制字符") != XN_OK ||
        q_text(req, resp, "app", TEXT_MAX, &q.app, "程序名最长 256 字节，且不能含控制字符") !=
            XN_OK ||
        q_text(req, resp, "text", TEXT_MAX, &q.text, "检索文字最长 256 字节，且不能含控制字符") !=
            XN_OK ||
        q_text(req, resp, "severity", 128, &severity,
               "级别为 0 到 7 或 emerg、alert、crit、err、warning、notice、info、debug，"
               "以逗号分隔") != XN_OK ||
        q_text(req, resp, "parse_errors", 8, &parse_errors, "parse_errors 只能是 only 或 none") !=
            XN_OK ||
        q_int(req, resp, "limit", 1, AUDIT_LOGSTORE_MAX_LIMIT, &limit,
              "每页条数必须是 1 到 1000 的整数") != XN_OK ||
        q_text(req, resp, "after", 40, &q.after, "分页游标无效，请从第一页重新查询") != XN_OK)
        return XN_OK;
    if (severity && !http_parse_severities(severity, &q.severity_mask))
        return bad_param(req, resp, "severity",
                         "级别为 0 到 7 或 emerg、alert、crit、err、warning、notice、info、debug，"
                         "以逗号分隔");
    if (parse_errors && strcmp(parse_errors, "only") != 0 && strcmp(parse_errors, "none") != 0)
        return bad_param(req, resp, "parse_errors", "parse_errors 只能是 only 或 none");
    q.parse_errors = !parse_errors ? 0 : strcmp(parse_errors, "only") == 0 ? 1 : -1;
    q.limit = (int)limit;

    xn_error err;
    xn_buf out;
    xn_buf_init(&out, RESULT_MAX);
    int rc = audit_logstore_search(req->app->db, &q, &out, &err);
    json_t *filter = json_object();
    const char *const texts[][2] = {
        {"source", q.source},   {"hostname", q.hostname},       {"app", q.app},    {"text", q.text},
        {"severity", severity}, {"parse_errors", parse_errors}, {"after", q.after}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i][1])
            json_object_set_new(filter, texts[i][0], json_string(texts[i][1]));
    if (limit)
        json_object_set_new(filter, "limit", json_integer(limit));
    return answer_read(req, resp, rc, &out, "log.search", "log_store", NULL,
                       range_detail(filter, q.from_us, q.to_us), &err);
}

int http_h_logs_stats(http_req *req, http_resp *resp)
{
    int64_t from = 0, to = 0;
    const char *by = NULL;
    if (q_range(req, resp, &from, &to) != XN_OK ||
        q_text(req, resp, "by", 8, &by, "by 只能是 hour 或 day") != XN_OK)
        return XN_OK;
    if (by && strcmp(by, "hour") != 0 && strcmp(by, "day") != 0)
        return bad_param(req, resp, "by", "by 只能是 hour 或 day");
    bool by_day = by && strcmp(by, "day") == 0;
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, RESULT_MAX);
    int rc = audit_logstore_stats(req->app->db, from, to, by_day, &out, &err);
    json_t *filter = json_pack("{s:s}", "by", by_day ? "day" : "hour");
    return answer_read(req, resp, rc, &out, "log.stats", "log_store", NULL,
                       range_detail(filter, from, to), &err);
}

int http_h_log_raw(http_req *req, http_resp *resp)
{
    const char *id = http_param(req, "id");
    xn_error err;
    xn_buf raw;
    xn_buf_init(&raw, RAW_MAX);
    int rc = id && strlen(id) <= 40 ? audit_logstore_raw(req->app->db, id, &raw, &err)
                                    : xn_fail_field(&err, XN_EINVAL, "bad_id", "id", "bad id");
    if (rc == XN_OK)
        rc = record_read(req, "log.raw", "log", id, NULL, &err);
    if (rc != XN_OK) {
        xn_buf_release(&raw);
        if (rc == XN_ENOTFOUND)
            return http_error(req, resp, 404, "not_found", "日志不存在（或已超过保存期限）", "id");
        return fail_input(req, resp, &err);
    }
    send_json_buf(resp, &raw);
    resp->content_type = "application/octet-stream";
    char disposition[96];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"log-%s.bin\"", id);
    snprintf(resp->disposition, sizeof resp->disposition, "%s", disposition);
    return XN_OK;
}
