/*
 * Verification runs and alerts (AUD-2, ACC-6): the server's own checks of the trail, by the
 * audit administrator from the UI or on the schedule, and the alerts that call for a person.
 *
 * A run is audit_verify against the witness file without the seed: the hashes, the links,
 * the checkpoints and the witness are checked, the seals are not (the seed stays offline, and
 * `xinan audit verify --seed-file` is the full check). What a run found is stored with its
 * audit.verify record in one transaction, and a trail found damaged raises an alert in the
 * same transaction, so a failed check can be neither lost nor left unrecorded.
 *
 * Alerts change once, when acknowledged with a comment; the triggers of migration 7 refuse
 * every other change and every deletion, as they do for verification runs.
 */
#include "audit/audit_int.h"

#include <string.h>

#define REPORT_MAX     (4 * 1024 * 1024)
#define ALERT_PROBLEMS 5 /* problems of the report copied into the alert */
#define DEFAULT_ALERTS 100
#define DETAIL_MAX     (64 * 1024)
#define TITLE_MAX      256

int audit_alert_raise(audit_trail *t, store_conn *tx, const char *kind, const char *severity,
                      const char *title, const char *detail_json, int64_t *alert_id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO audit_alert (at, kind, severity, title, detail)"
                           " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, audit_trail_now(t));
    store_bind_text(st, 2, kind, -1);
    store_bind_text(st, 3, severity, -1);
    store_bind_text(st, 4, title, -1);
    store_bind_text(st, 5, detail_json, -1);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_EINTERNAL, "internal", "no id for the alert");
    int64_t id = store_col_int(st, 0);
    store_stmt_done(st);
    char idtext[24], detail[160];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"severity\":\"%s\"}", kind, severity);
    audit_event ev = {.action = "audit.alert",
                      .actor = &audit_system_actor,
                      .object_type = "alert",
                      .object_id = idtext,
                      .result = AUDIT_OK,
                      .detail_json = detail};
    rc = audit_append(t, tx, &ev, err);
    if (rc == XN_OK && alert_id)
        *alert_id = id;
    return rc;
}

/* ---- verification runs --------------------------------------------------------------------- */

/* What a run keeps of the verify report. */
typedef struct run_summary {
    bool intact;
    bool witness_found; /* the witness file was there to compare with (AUD-2) */
    int64_t records;
    int64_t first_bad_seq; /* 0: none */
    char damage[16];       /* "" when intact */
    int64_t problem_count;
    json_t *problems; /* borrowed from the parsed report */
} run_summary;

static const char *damage_zh(const char *kind)
{
    static const char *const names[][2] = {
        {"edited", "被修改"},        {"deleted", "被删除"},   {"inserted", "被插入"},
        {"reordered", "顺序被调换"}, {"truncated", "被截断"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(kind, names[i][0]) == 0)
            return names[i][1];
    return "受损";
}

typedef struct run_ctx {
    audit_trail *t;
    const audit_actor *actor;
    const char *trigger;
    const run_summary *sum;
    int64_t checked_at;
    int64_t duration_us;
    int64_t run_id;
} run_ctx;

static int put_summary(xn_buf *b, const run_ctx *r)
{
    const run_summary *s = r->sum;
    xn_buf_printf(b,
                  "{\"run\":%lld,\"trigger\":\"%s\",\"intact\":%s,\"witness_found\":%s,"
                  "\"records\":%lld,",
                  (long long)r->run_id, r->trigger, s->intact ? "true" : "false",
                  s->witness_found ? "true" : "false", (long long)s->records);
    if (s->intact)
        return xn_buf_puts(b, "\"first_bad_seq\":null,\"kind\":null,\"problem_count\":0");
    return xn_buf_printf(b, "\"first_bad_seq\":%lld,\"kind\":\"%s\",\"problem_count\":%lld",
                         (long long)s->first_bad_seq, s->damage, (long long)s->problem_count);
}

static int run_tx(store_conn *tx, void *p, xn_error *err)
{
    run_ctx *r = p;
    const run_summary *s = r->sum;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO audit_verification (at, trigger_kind, actor_id,"
                           " actor_name, intact, first_bad_seq, damage, records, problem_count,"
                           " duration_us, witness_found)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, r->checked_at);
    store_bind_text(st, 2, r->trigger, -1);
    store_bind_int(st, 3, r->actor->id);
    store_bind_text(st, 4, r->actor->name, -1);
    store_bind_int(st, 5, s->intact);
    if (s->intact) {
        store_bind_null(st, 6);
        store_bind_null(st, 7);
    } else {
        store_bind_int(st, 6, s->first_bad_seq);
        store_bind_text(st, 7, s->damage, -1);
    }
    store_bind_int(st, 8, s->records);
    store_bind_int(st, 9, s->problem_count);
    store_bind_int(st, 10, r->duration_us);
    store_bind_int(st, 11, s->witness_found);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_EINTERNAL, "internal", "no id for the run");
    r->run_id = store_col_int(st, 0);
    store_stmt_done(st);

    xn_buf detail;
    xn_buf_init(&detail, DETAIL_MAX);
    put_summary(&detail, r);
    xn_buf_puts(&detail, "}");
    audit_event ev = {.action = "audit.verify",
                      .actor = r->actor,
                      .object_type = "audit_trail",
                      .result = s->intact ? AUDIT_OK : AUDIT_ERROR,
                      .detail_json = detail.data};
    rc = detail.data ? audit_append(r->t, tx, &ev, err)
                     : xn_fail(err, XN_EINTERNAL, "internal", "the run's detail does not fit");
    if (rc == XN_OK && !s->intact) {
        /* AUD-2: the damage is put before a person, not only into a report. */
        char title[TITLE_MAX];
        snprintf(title, sizeof title, "审计日志完整性校验未通过：自第 %lld 条记录起%s（%s）",
                 (long long)s->first_bad_seq, damage_zh(s->damage), s->damage);
        xn_buf_reset(&detail);
        put_summary(&detail, r);
        xn_buf_puts(&detail, ",\"problems\":");
        json_t *first = json_array();
        for (size_t i = 0; i < json_array_size(s->problems) && i < ALERT_PROBLEMS; i++)
            json_array_append(first, json_array_get(s->problems, i));
        xn_json_dump(&detail, first);
        json_decref(first);
        rc = xn_buf_puts(&detail, "}") == XN_OK
                 ? audit_alert_raise(r->t, tx, "audit.verify_failed", AUDIT_ALERT_CRITICAL, title,
                                     detail.data, NULL, err)
                 : xn_fail(err, XN_EINTERNAL, "internal", "the alert's detail does not fit");
    }
    if (rc == XN_OK && !s->witness_found) {
        /* AUD-2: without the witness file a cut from the end of the trail would not show. */
        xn_buf_reset(&detail);
        put_summary(&detail, r);
        rc = xn_buf_puts(&detail, "}") == XN_OK
                 ? audit_alert_raise(r->t, tx, "audit.witness_missing", AUDIT_ALERT_WARNING,
                                     "审计见证文件缺失：无法发现从末尾删除的最新记录", detail.data,
                                     NULL, err)
                 : xn_fail(err, XN_EINTERNAL, "internal", "the alert's detail does not fit");
    }
    xn_buf_release(&detail);
    return rc;
}

static int summarise(const char *report, size_t len, run_summary *s, json_t **root, xn_error *err)
{
    *root = json_loadb(report, len, 0, NULL);
    if (!json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return xn_fail(err, XN_EINTERNAL, "internal", "the verify report does not parse");
    }
    memset(s, 0, sizeof *s);
    s->intact = json_is_true(json_object_get(*root, "intact"));
    s->witness_found = json_is_true(json_object_get(json_object_get(*root, "witness"), "found"));
    s->records = json_integer_value(json_object_get(*root, "records"));
    s->first_bad_seq = json_integer_value(json_object_get(*root, "first_bad_seq"));
    s->problem_count = json_integer_value(json_object_get(*root, "problem_count"));
    const char *kind = json_string_value(json_object_get(*root, "kind"));
    snprintf(s->damage, sizeof s->damage, "%s", kind ? kind : "");
    s->problems = json_object_get(*root, "problems");
    return XN_OK;
}

int audit_verify_run(audit_trail *t, const audit_actor *actor, const char *trigger, xn_buf *report,
                     bool *intact, int64_t *run_id, int64_t *checked_at, xn_error *err)
{
    if (strcmp(trigger, "manual") != 0 && strcmp(trigger, "scheduled") != 0)
        return xn_fail(err, XN_EINTERNAL, "internal", "unknown verification trigger");
    if (!audit_trail_verify_begin(t))
        return xn_fail(err, XN_EBUSY, "verify_running", "审计日志校验正在进行，请稍后再试");
    size_t mark = report->len;
    int64_t started = xn_monotonic_us();
    audit_verify_options opt = {.witness_path = audit_trail_witness(t)};
    int rc = audit_verify(audit_trail_store(t), &opt, report, intact, err);
    json_t *root = NULL;
    run_summary sum;
    if (rc == XN_OK)
        rc = summarise(report->data + mark, report->len - mark, &sum, &root, err);
    if (rc == XN_OK) {
        run_ctx r = {.t = t,
                     .actor = actor,
                     .trigger = trigger,
                     .sum = &sum,
                     .checked_at = audit_trail_now(t),
                     .duration_us = xn_monotonic_us() - started};
        rc = store_tx(audit_trail_store(t), run_tx, &r, err);
        if (rc == XN_OK) {
            *run_id = r.run_id;
            *checked_at = r.checked_at;
        }
    }
    json_decref(root);
    if (rc != XN_OK && report->len > mark) {
        report->len = mark;
        report->data[mark] = '\0';
    }
    audit_trail_verify_end(t);
    return rc;
}

int audit_verify_due(audit_trail *t, bool *ran, bool *intact, xn_error *err)
{
    *ran = false;
    *intact = true;
    int64_t interval = audit_trail_verify_interval(t);
    if (interval <= 0)
        return XN_OK;
    store_conn *c = NULL;
    int rc = store_acquire(audit_trail_store(t), &c, err);
    if (rc != XN_OK)
        return rc;
    int64_t last = 0;
    rc = store_query_int(c,
                         "SELECT coalesce(max(at), 0) FROM audit_verification"
                         " WHERE trigger_kind = 'scheduled'",
                         &last, err);
    /* Never verified on the schedule: the interval runs from the trail's creation. */
    if (rc == XN_OK && last == 0)
        rc = store_query_int(c,
                             "SELECT coalesce(min(started_at), 0) FROM audit_checkpoint"
                             " WHERE kind = 'epoch' AND epoch = 0",
                             &last, err);
    store_release(c);
    if (rc != XN_OK || audit_trail_now(t) - last < interval)
        return rc;
    xn_buf report;
    xn_buf_init(&report, REPORT_MAX);
    int64_t run_id = 0, at = 0;
    rc = audit_verify_run(t, &audit_system_actor, "scheduled", &report, intact, &run_id, &at, err);
    xn_buf_release(&report);
    if (rc == XN_EBUSY) /* the audit administrator is verifying right now */
        return XN_OK;
    *ran = rc == XN_OK;
    return rc;
}

/* ---- lists --------------------------------------------------------------------------------- */

static void put_time(xn_buf *b, const char *name, store_stmt *st, int col)
{
    if (store_col_is_null(st, col)) {
        xn_buf_printf(b, ",\"%s\":null,\"%s_text\":null", name, name);
        return;
    }
    char text[XN_TIME_STR];
    xn_time_format(store_col_int(st, col), text);
    xn_buf_printf(b, ",\"%s\":%lld,\"%s_text\":\"%s\"", name, (long long)store_col_int(st, col),
                  name, text);
}

static void put_text(xn_buf *b, const char *name, store_stmt *st, int col)
{
    xn_buf_printf(b, ",\"%s\":", name);
    if (store_col_is_null(st, col))
        xn_buf_puts(b, "null");
    else
        xn_json_put_string(b, store_col_text(st, col));
}

static void put_int(xn_buf *b, const char *name, store_stmt *st, int col)
{
    if (store_col_is_null(st, col))
        xn_buf_printf(b, ",\"%s\":null", name);
    else
        xn_buf_printf(b, ",\"%s\":%lld", name, (long long)store_col_int(st, col));
}

/* A stored JSON object as is (it was written here), or null. */
static void put_object(xn_buf *b, const char *name, store_stmt *st, int col)
{
    const char *v = store_col_text(st, col);
    xn_buf_printf(b, ",\"%s\":%s", name, !store_col_is_null(st, col) && v[0] == '{' ? v : "null");
}

/* Runs a list query on a connection of its own, rows turned into items by put. */
static int list(store *db, const char *sql, const char *state, int64_t limit,
                void (*put)(xn_buf *, store_stmt *), xn_buf *out, xn_error *err)
{
    size_t mark = out->len;
    store_conn *c = NULL;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c, sql, &st, err);
    if (rc == XN_OK) {
        int p = 1;
        if (state)
            store_bind_text(st, p++, state, -1);
        store_bind_int(st, p, limit);
        rc = xn_buf_puts(out, "{\"items\":[");
        for (int n = 0; rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW; n++) {
            xn_buf_puts(out, n ? ",{" : "{");
            put(out, st);
            rc = xn_buf_puts(out, "}");
        }
        rc = rc == STORE_DONE ? xn_buf_puts(out, "]") : rc;
    }
    store_release(c);
    if (rc != XN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc == XN_ETOOBIG ? xn_fail(err, rc, "too_large", "the list does not fit") : rc;
}

static void put_run(xn_buf *b, store_stmt *st)
{
    xn_buf_printf(b, "\"id\":%lld", (long long)store_col_int(st, 0));
    put_time(b, "at", st, 1);
    put_text(b, "trigger", st, 2);
    put_text(b, "actor", st, 4);
    put_int(b, "actor_id", st, 3);
    xn_buf_printf(b, ",\"intact\":%s", store_col_int(st, 5) ? "true" : "false");
    put_int(b, "first_bad_seq", st, 6);
    put_text(b, "kind", st, 7);
    put_int(b, "records", st, 8);
    put_int(b, "problem_count", st, 9);
    xn_buf_printf(b, ",\"duration_ms\":%lld", (long long)(store_col_int(st, 10) / 1000));
    if (store_col_is_null(st, 11))
        xn_buf_puts(b, ",\"witness_found\":null");
    else
        xn_buf_printf(b, ",\"witness_found\":%s", store_col_int(st, 11) ? "true" : "false");
}

int audit_verifications_json(store *db, xn_buf *out, xn_error *err)
{
    int rc = list(db,
                  "SELECT id, at, trigger_kind, actor_id, actor_name, intact, first_bad_seq,"
                  " damage, records, problem_count, duration_us, witness_found"
                  " FROM audit_verification"
                  " ORDER BY id DESC LIMIT $1",
                  NULL, AUDIT_VERIFICATIONS_LIST, put_run, out, err);
    return rc == XN_OK ? xn_buf_puts(out, "}") : rc;
}

static void put_alert(xn_buf *b, store_stmt *st)
{
    xn_buf_printf(b, "\"id\":%lld", (long long)store_col_int(st, 0));
    put_time(b, "at", st, 1);
    put_text(b, "kind", st, 2);
    put_text(b, "severity", st, 3);
    put_text(b, "title", st, 4);
    put_object(b, "detail", st, 5);
    xn_buf_printf(b, ",\"acked\":%s", store_col_is_null(st, 8) ? "false" : "true");
    put_text(b, "acked_by", st, 7);
    put_int(b, "acked_by_id", st, 6);
    put_time(b, "acked_at", st, 8);
    put_text(b, "acked_comment", st, 9);
}

int audit_alerts_json(store *db, const char *state, int limit, xn_buf *out, xn_error *err)
{
    static const char *const sql[] = {
        "SELECT id, at, kind, severity, title, detail, acked_by, acked_by_name, acked_at,"
        " ack_comment FROM audit_alert ORDER BY id DESC LIMIT $1",
        "SELECT id, at, kind, severity, title, detail, acked_by, acked_by_name, acked_at,"
        " ack_comment FROM audit_alert WHERE (acked_at IS NULL) = ($1 = 'open')"
        " ORDER BY id DESC LIMIT $2",
    };
    bool filtered = state && state[0];
    if (filtered && strcmp(state, "open") != 0 && strcmp(state, "acked") != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_state", "state", "状态只能是 open 或 acked");
    if (limit < 0 || limit > AUDIT_ALERTS_MAX)
        return xn_fail_field(err, XN_EINVAL, "bad_limit", "limit", "条数必须是 1 到 %d 的整数",
                             AUDIT_ALERTS_MAX);
    int rc = list(db, sql[filtered], filtered ? state : NULL, limit ? limit : DEFAULT_ALERTS,
                  put_alert, out, err);
    if (rc != XN_OK)
        return rc;
    store_conn *c = NULL;
    int64_t open = 0;
    rc = store_acquire(db, &c, err);
    if (rc == XN_OK) {
        rc = store_query_int(c, "SELECT count(*) FROM audit_alert WHERE acked_at IS NULL", &open,
                             err);
        store_release(c);
    }
    return rc == XN_OK ? xn_buf_printf(out, ",\"open\":%lld}", (long long)open) : rc;
}

/* ---- acknowledgement ----------------------------------------------------------------------- */

typedef struct ack_ctx {
    audit_trail *t;
    const audit_actor *actor;
    int64_t id;
    const char *comment;
} ack_ctx;

static int ack_tx(store_conn *tx, void *p, xn_error *err)
{
    ack_ctx *a = p;
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT acked_at IS NOT NULL, kind FROM audit_alert WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, a->id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc < 0 ? rc : xn_fail_field(err, XN_ENOTFOUND, "not_found", "id", "告警不存在");
    bool acked = store_col_int(st, 0) != 0;
    char kind[64];
    snprintf(kind, sizeof kind, "%s", store_col_text(st, 1));
    store_stmt_done(st);
    if (acked)
        return xn_fail_field(err, XN_ECONFLICT, "already_acked", "id", "该告警已被确认");
    rc = store_prepare(tx,
                       "UPDATE audit_alert SET acked_by = $1, acked_by_name = $2, acked_at = $3,"
                       " ack_comment = $4 WHERE id = $5 AND acked_at IS NULL",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, a->actor->id);
    store_bind_text(st, 2, a->actor->name, -1);
    store_bind_int(st, 3, audit_trail_now(a->t));
    store_bind_text(st, 4, a->comment, -1);
    store_bind_int(st, 5, a->id);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc < 0 ? rc : XN_EINTERNAL;
    xn_buf detail;
    xn_buf_init(&detail, DETAIL_MAX);
    xn_buf_puts(&detail, "{\"kind\":");
    xn_json_put_string(&detail, kind);
    xn_buf_puts(&detail, ",\"comment\":");
    xn_json_put_string(&detail, a->comment);
    xn_buf_puts(&detail, "}");
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)a->id);
    audit_event ev = {.action = "audit.alert_ack",
                      .actor = a->actor,
                      .object_type = "alert",
                      .object_id = idtext,
                      .result = AUDIT_OK,
                      .detail_json = detail.data};
    rc = audit_append(a->t, tx, &ev, err);
    xn_buf_release(&detail);
    return rc;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

int audit_alert_ack(audit_trail *t, const audit_actor *actor, int64_t alert_id, const char *comment,
                    xn_error *err)
{
    size_t n = comment ? strlen(comment) : 0;
    if (!comment || blank(comment))
        return xn_fail_field(err, XN_EINVAL, "comment_required", "comment",
                             "确认告警须填写处理说明");
    if (n > AUDIT_ACK_COMMENT_MAX || !xn_utf8_valid(comment, n) || xn_has_control(comment, n))
        return xn_fail_field(err, XN_EINVAL, "bad_comment", "comment",
                             "处理说明最长 %d 字节，且不能含控制字符", AUDIT_ACK_COMMENT_MAX);
    ack_ctx a = {.t = t, .actor = actor, .id = alert_id, .comment = comment};
    return store_tx(audit_trail_store(t), ack_tx, &a, err);
}
