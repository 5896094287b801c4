/*
 * The compliance report's data: every id of the catalogue with its status, reason and evidence,
 * from the automatic checks (checks.c) and the security administrator's decisions (not
 * applicable with a reason; met with a note and an evidence file where no check reads the
 * state). Also the report's PDF and xlsx (doc/).
 */
#include "oblig/oblig_int.h"

#include "doc/doc.h"

#include <stdlib.h>
#include <string.h>

int oblig_open(oblig_ctx **out, const oblig_options *opt, xn_error *err)
{
    oblig_ctx *o = calloc(1, sizeof *o);
    if (!o)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    o->opt = *opt;
    int rc = oblig_catalogue_parse(opt->catalogue, opt->catalogue_len, &o->catalogue, err);
    if (rc != XN_OK) {
        free(o);
        return rc;
    }
    if ((rc = oblig_duties_seed(o, err)) != XN_OK) {
        oblig_free(o);
        return rc;
    }
    *out = o;
    return XN_OK;
}

void oblig_free(oblig_ctx *o)
{
    if (!o)
        return;
    oblig_catalogue_free(&o->catalogue);
    free(o);
}

static int64_t now_of(const oblig_ctx *o)
{
    return o->opt.auth ? auth_now(o->opt.auth) : xn_now_us();
}

static const char *status_text(const char *s)
{
    return strcmp(s, "met") == 0              ? "符合"
           : strcmp(s, "not_met") == 0        ? "不符合"
           : strcmp(s, "not_applicable") == 0 ? "不适用"
                                              : "缺少证据";
}

static json_t *time_text(int64_t us)
{
    char t[XN_TIME_STR];
    xn_time_format(us, t);
    t[16] = '\0';
    t[10] = ' ';
    return json_string(t);
}

/* The decisions of the security administrator, by id. */
static int decisions(store_conn *c, json_t **out, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT req_id, status, reason, coalesce(file_id, 0), by_name, at"
                           " FROM compliance_decision",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    json_t *d = json_object();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_object_set_new(d, store_col_text(st, 0),
                            json_pack("{s:s, s:s, s:I, s:s, s:I, s:o}", "status",
                                      store_col_text(st, 1), "reason", store_col_text(st, 2),
                                      "file_id", (json_int_t)store_col_int(st, 3), "by",
                                      store_col_text(st, 4), "at", (json_int_t)store_col_int(st, 5),
                                      "at_text", time_text(store_col_int(st, 5))));
    if (rc < 0) {
        json_decref(d);
        return rc;
    }
    *out = d;
    return XN_OK;
}

int oblig_compliance_json(oblig_ctx *o, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    json_t *decided = NULL, *flags = NULL;
    rc = decisions(c, &decided, err);
    if (rc == XN_OK && o->opt.registers)
        rc = register_flags_json(o->opt.registers, NULL, &flags, err);
    oblig_probe probe = {.o = o, .c = c, .now = now_of(o), .register_flags = flags};
    json_t *items = json_array();
    int counts[4] = {0};
    for (size_t i = 0; rc == XN_OK && i < o->catalogue.count; i++) {
        const oblig_requirement *r = &o->catalogue.items[i];
        const oblig_check *chk = oblig_check_for(r->id);
        oblig_finding f = {.status = "no_evidence", .evidence = json_array()};
        if (chk && chk->run) {
            rc = chk->run(&probe, r->id, &f, err);
        } else if (chk) {
            f.status = "met";
            oblig_evidence(&f, "control", "信安强制执行：%s", chk->control);
        }
        json_t *d = json_object_get(decided, r->id);
        const char *dstatus = d ? json_string_value(json_object_get(d, "status")) : NULL;
        if (dstatus && strcmp(dstatus, "not_applicable") == 0) {
            f.status = "not_applicable";
            snprintf(f.reason, sizeof f.reason, "%s",
                     json_string_value(json_object_get(d, "reason")));
        } else if (dstatus && strcmp(dstatus, "met") == 0 && !(chk && chk->run)) {
            f.status = "met";
            json_array_append_new(
                f.evidence, json_pack("{s:s, s:s, s:I, s:O}", "kind", "file", "text",
                                      json_string_value(json_object_get(d, "reason")), "file_id",
                                      json_integer_value(json_object_get(d, "file_id")), "at",
                                      json_object_get(d, "at_text")));
        }
        int k = strcmp(f.status, "met") == 0              ? 0
                : strcmp(f.status, "not_met") == 0        ? 1
                : strcmp(f.status, "not_applicable") == 0 ? 2
                                                          : 3;
        counts[k]++;
        json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "id", r->id, "area",
                                 r->area, "area_title", r->area_title, "text", r->text, "status",
                                 f.status, "status_text", status_text(f.status), "automatic",
                                 chk && chk->run, "evidence", f.evidence);
        if (*f.reason)
            json_object_set_new(item, "reason", json_string(f.reason));
        if (chk)
            json_object_set_new(item, "control", json_string(chk->control));
        if (d)
            json_object_set(item, "decision", d);
        json_array_append_new(items, item);
    }
    store_release(c);
    json_decref(decided);
    json_decref(flags);
    if (rc != XN_OK) {
        json_decref(items);
        return rc;
    }
    int64_t now = now_of(o);
    *out = json_pack("{s:I, s:o, s:{s:i, s:i, s:i, s:i, s:i}, s:o}", "generated_at",
                     (json_int_t)now, "generated_text", time_text(now), "summary", "met", counts[0],
                     "not_met", counts[1], "not_applicable", counts[2], "no_evidence", counts[3],
                     "total", (int)o->catalogue.count, "items", items);
    return XN_OK;
}

/* ---- decisions ---------------------------------------------------------------------------- */

typedef struct decide_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    const char *id, *status, *reason;
    int64_t file_id;
} decide_ctx;

static int decide_tx(store_conn *tx, void *ctx, xn_error *err)
{
    decide_ctx *x = ctx;
    store_stmt *st;
    int rc;
    if (!x->status) {
        rc = store_prepare(tx, "DELETE FROM compliance_decision WHERE req_id = $1", &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, x->id, -1);
    } else {
        rc = store_prepare(tx,
                           "INSERT INTO compliance_decision (req_id, status, reason, file_id,"
                           " by_name, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (req_id) DO"
                           " UPDATE SET status = excluded.status, reason = excluded.reason,"
                           " file_id = excluded.file_id, by_name = excluded.by_name,"
                           " at = excluded.at",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, x->id, -1);
        store_bind_text(st, 2, x->status, -1);
        store_bind_text(st, 3, x->reason, -1);
        if (x->file_id)
            store_bind_int(st, 4, x->file_id);
        else
            store_bind_null(st, 4);
        store_bind_text(st, 5, audit_actor_name(x->actor), -1);
        store_bind_int(st, 6, now_of(x->o));
    }
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    json_t *detail = json_pack("{s:s?, s:s?}", "status", x->status, "reason", x->reason);
    if (x->file_id)
        json_object_set_new(detail, "file_id", json_integer(x->file_id));
    char *dj = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    audit_event ev = {.action = "compliance.decide",
                      .actor = x->actor,
                      .object_type = "requirement",
                      .object_id = x->id,
                      .result = AUDIT_OK,
                      .detail_json = dj};
    rc = audit_append(x->o->opt.trail, tx, &ev, err);
    free(dj);
    return rc;
}

int oblig_decide(oblig_ctx *o, const audit_actor *actor, const char *id, const char *status,
                 const char *reason, int64_t file_id, xn_error *err)
{
    const oblig_requirement *r = NULL;
    for (size_t i = 0; id && i < o->catalogue.count; i++)
        if (strcmp(o->catalogue.items[i].id, id) == 0)
            r = &o->catalogue.items[i];
    if (!r)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "要求编号不存在");
    if (status && strcmp(status, "not_applicable") != 0 && strcmp(status, "met") != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_status", "status",
                             "只能判定为 not_applicable（不适用）或 met（已符合，附证据）");
    if (status) {
        int rc = xn_check_text(reason, OBLIG_MAX_REASON, XN_TEXT_FREE, true, "reason",
                               strcmp(status, "met") == 0 ? "证据说明" : "不适用理由", err);
        if (rc != XN_OK)
            return rc;
    }
    if (status && strcmp(status, "met") == 0) {
        const oblig_check *chk = oblig_check_for(id);
        if (chk && chk->run)
            return xn_fail_field(err, XN_ECONFLICT, "automatic", "status",
                                 "该要求由系统自动检查，不能人工判定为符合");
        files_info fi;
        if (!file_id || !o->opt.files || files_get(o->opt.files, file_id, &fi, err) != XN_OK)
            return xn_fail_field(err, XN_EINVAL, "bad_file", "file_id", "须附上证据文件");
        if (strcmp(fi.scan, "clean") != 0)
            return xn_fail_field(err, XN_EINVAL, "not_clean", "file_id",
                                 "证据文件“%s”尚未通过病毒检查", fi.name);
    } else {
        file_id = 0;
    }
    decide_ctx x = {.o = o,
                    .actor = actor,
                    .id = r->id,
                    .status = status,
                    .reason = status ? reason : NULL,
                    .file_id = file_id};
    return store_tx(o->opt.db, decide_tx, &x, err);
}

/* ---- the report ----------------------------------------------------------------------------- */

typedef struct report_data {
    const json_t *c;
    const char *made_by;
} report_data;

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void report_lines(const void *data, doc_sink *out)
{
    const report_data *rd = data;
    const json_t *c = rd->c;
    const json_t *sum = json_object_get(c, "summary");
    char buf[8192];
    doc_put(out, 2, "网络与信息安全合规报告");
    snprintf(buf, sizeof buf,
             "生成时间：%s\n生成人：%s\n依据：政务信息安全管理制度要求目录（共 %lld 项）",
             str(c, "generated_text"), rd->made_by,
             (long long)json_integer_value(json_object_get(sum, "total")));
    doc_put(out, 0, buf);
    doc_put(out, 1, "总体情况");
    snprintf(buf, sizeof buf, "符合 %lld 项；不符合 %lld 项；不适用 %lld 项；缺少证据 %lld 项。",
             (long long)json_integer_value(json_object_get(sum, "met")),
             (long long)json_integer_value(json_object_get(sum, "not_met")),
             (long long)json_integer_value(json_object_get(sum, "not_applicable")),
             (long long)json_integer_value(json_object_get(sum, "no_evidence")));
    doc_put(out, 0, buf);
    const char *area = "";
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(c, "items"), i, it)
    {
        if (strcmp(area, str(it, "area")) != 0) {
            area = str(it, "area");
            snprintf(buf, sizeof buf, "%s — %s", area, str(it, "area_title"));
            doc_put(out, 1, buf);
        }
        int n = snprintf(buf, sizeof buf, "%s【%s】%s", str(it, "id"), str(it, "status_text"),
                         str(it, "text"));
        if (json_is_string(json_object_get(it, "reason")) && n > 0 && (size_t)n < sizeof buf)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "\n原因：%s", str(it, "reason"));
        if (json_is_string(json_object_get(it, "control")) && n > 0 && (size_t)n < sizeof buf)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "\n控制措施：%s", str(it, "control"));
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(it, "evidence"), k, e)
        {
            if (n > 0 && (size_t)n < sizeof buf)
                n += snprintf(buf + n, sizeof buf - (size_t)n, "\n证据：%s", str(e, "text"));
        }
        doc_put(out, 0, buf);
    }
}

int oblig_report(oblig_ctx *o, const char *format, const char *made_by, const char *path,
                 xn_error *err)
{
    json_t *c = NULL;
    int rc = oblig_compliance_json(o, &c, err);
    if (rc != XN_OK)
        return rc;
    report_data rd = {.c = c, .made_by = made_by && *made_by ? made_by : "系统"};
    doc_meta meta = {.title = strcmp(format, "pdf") == 0 ? "网络与信息安全合规报告" : "合规报告"};
    rc = doc_write(format, &meta, report_lines, &rd, path, err);
    json_decref(c);
    return rc;
}
