/* Emergency plans and their drills (INC-5, HS 附件5 §8; incident.h). */
#include "incident/incident_int.h"

#include <stdlib.h>
#include <string.h>

#define US_PER_DAY (86400 * INT64_C(1000000))

/* A file given for a plan or a drill: one's own upload that passed the virus check. */
static int own_clean_file(incident_ctx *c, const audit_actor *actor, int64_t id, const char *field,
                          xn_error *err)
{
    if (!id)
        return XN_OK;
    files_info fi;
    if (!c->opt.files || files_get(c->opt.files, id, &fi, err) != XN_OK)
        return xn_fail_field(err, XN_EINVAL, "bad_file", field, "附件不存在");
    if (fi.uploaded_by != actor->id)
        return xn_fail_field(err, XN_EDENIED, "not_your_file", field, "只能使用本人上传的附件");
    if (strcmp(fi.scan, "clean") != 0)
        return xn_fail_field(err, XN_EINVAL, "file_not_clean", field,
                             "附件未通过查毒（染毒、待查毒或未查毒），不能使用");
    return XN_OK;
}

static int record(incident_ctx *c, store_conn *tx, const audit_actor *actor, const char *action,
                  const char *type, int64_t id, xn_error *err)
{
    return audit_record_change(c->opt.trail, tx, actor, action, type, id, NULL, NULL, err);
}

static void bind_opt_int(store_stmt *st, int idx, int64_t v)
{
    if (v)
        store_bind_int(st, idx, v);
    else
        store_bind_null(st, idx);
}

/* ---- plans ------------------------------------------------------------------------------- */

typedef struct plan_ctx {
    incident_ctx *c;
    const audit_actor *actor;
    const incident_plan_in *in;
    char kinds[512];
    int64_t id, now;
    bool approve;
} plan_ctx;

static int plan_create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    plan_ctx *p = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO incident_plan (title, version, scope, kinds, file_id,"
                           " created_by, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5,"
                           " $6, $7, $8) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, p->in->title, -1);
    store_bind_text(st, 2, p->in->version, -1);
    store_bind_text(st, 3, p->in->scope, -1);
    store_bind_text(st, 4, p->kinds, -1);
    bind_opt_int(st, 5, p->in->file_id);
    store_bind_int(st, 6, p->actor->id);
    store_bind_text(st, 7, audit_actor_name(p->actor), -1);
    store_bind_int(st, 8, p->now);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_EIO, "db_error", "no id for the new plan");
    p->id = store_col_int(st, 0);
    store_stmt_done(st);
    return record(p->c, tx, p->actor, "incident.plan_create", "incident_plan", p->id, err);
}

int incident_plan_create(incident_ctx *c, const audit_actor *actor, const incident_plan_in *in,
                         int64_t *id, xn_error *err)
{
    if (xn_check_text(in->title, 200, XN_TEXT_LABEL, true, "title", "预案名称", err) ||
        xn_check_text(in->version, 32, XN_TEXT_LABEL, true, "version", "版本", err) ||
        xn_check_text(in->scope, INCIDENT_MAX_TEXT, XN_TEXT_FREE, true, "scope", "适用范围", err))
        return err->status;
    plan_ctx p = {.c = c, .actor = actor, .in = in, .now = auth_now(c->opt.auth)};
    if (in->nkinds == 0)
        return xn_fail_field(err, XN_EINVAL, "required", "kinds", "请选择预案适用的事件类别");
    for (size_t i = 0; i < in->nkinds; i++) {
        if (!incident_kind_find(in->kinds[i]))
            return xn_fail_field(err, XN_EINVAL, "bad_kind", "kinds", "事件类别不存在：%s",
                                 in->kinds[i] ? in->kinds[i] : "（空）");
        size_t used = strlen(p.kinds);
        snprintf(p.kinds + used, sizeof p.kinds - used, "%s%s", used ? "," : "", in->kinds[i]);
    }
    int rc = own_clean_file(c, actor, in->file_id, "file_id", err);
    if (rc == XN_OK)
        rc = store_tx(c->opt.db, plan_create_tx, &p, err);
    if (rc == XN_OK)
        *id = p.id;
    return rc;
}

static int plan_approve_tx(store_conn *tx, void *ctx, xn_error *err)
{
    plan_ctx *p = ctx;
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT created_by, approved_at FROM incident_plan WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, p->id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "预案不存在");
    if (rc != STORE_ROW)
        return rc;
    int64_t creator = store_col_int(st, 0);
    bool approved = !store_col_is_null(st, 1);
    store_stmt_done(st);
    if (approved)
        return xn_fail(err, XN_ECONFLICT, "already_approved", "该预案已批准");
    if (creator == p->actor->id)
        return xn_fail(err, XN_EDENIED, "own_plan", "预案须由编制人以外的领导批准");
    rc = store_prepare(tx,
                       "UPDATE incident_plan SET approved_by_name = $2, approved_at = $3 WHERE"
                       " id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, p->id);
    store_bind_text(st, 2, audit_actor_name(p->actor), -1);
    store_bind_int(st, 3, p->now);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    return record(p->c, tx, p->actor, "incident.plan_approve", "incident_plan", p->id, err);
}

int incident_plan_approve(incident_ctx *c, const audit_actor *actor, int64_t id, xn_error *err)
{
    plan_ctx p = {.c = c, .actor = actor, .id = id, .now = auth_now(c->opt.auth)};
    return store_tx(c->opt.db, plan_approve_tx, &p, err);
}

int incident_plans_json(incident_ctx *c, json_t **out, xn_error *err)
{
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK)
        return rc;
    int64_t now = auth_now(c->opt.auth), year_ago = now - 365 * US_PER_DAY;
    store_stmt *st;
    json_t *items = json_array();
    rc = store_prepare(conn,
                       "SELECT p.id, p.title, p.version, p.scope, p.kinds, p.file_id,"
                       " p.created_by_name, p.created_at, p.approved_by_name, p.approved_at,"
                       " (SELECT max(d.held_at) FROM incident_drill d WHERE d.plan_id = p.id),"
                       " (SELECT count(*) FROM incident_drill d WHERE d.plan_id = p.id)"
                       " FROM incident_plan p ORDER BY p.id DESC",
                       &st, err);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        json_t *kinds = json_array();
        char list[512];
        snprintf(list, sizeof list, "%s", store_col_text(st, 4));
        for (char *k = list, *next; k && *k; k = next) {
            next = strchr(k, ',');
            if (next)
                *next++ = '\0';
            json_array_append_new(kinds, json_string(k));
        }
        bool drilled = !store_col_is_null(st, 10);
        int64_t last = drilled ? store_col_int(st, 10) : 0;
        json_t *o = json_pack(
            "{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:I, s:o, s:o, s:o, s:I, s:b}", "id",
            (json_int_t)store_col_int(st, 0), "title", store_col_text(st, 1), "version",
            store_col_text(st, 2), "scope", store_col_text(st, 3), "kinds", kinds, "file_id",
            store_col_is_null(st, 5) ? json_null() : json_integer(store_col_int(st, 5)),
            "created_by", store_col_text(st, 6), "created_at", (json_int_t)store_col_int(st, 7),
            "approved_by",
            store_col_is_null(st, 8) ? json_null() : json_string(store_col_text(st, 8)),
            "approved_at",
            store_col_is_null(st, 9) ? json_null() : json_integer(store_col_int(st, 9)),
            "last_drill_at", drilled ? json_integer(last) : json_null(), "drills",
            (json_int_t)store_col_int(st, 11),
            /* INC-5: at least one drill a year per plan */
            "drill_due", !drilled || last < year_ago);
        json_array_append_new(items, o);
    }
    store_release(conn);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

/* ---- drills ------------------------------------------------------------------------------ */

typedef struct drill_ctx {
    incident_ctx *c;
    const audit_actor *actor;
    const incident_drill_in *in;
    int64_t id, now;
} drill_ctx;

static int drill_create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    drill_ctx *d = ctx;
    const incident_drill_in *in = d->in;
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT 1 FROM incident_plan WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, in->plan_id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail_field(err, XN_EINVAL, "bad_plan", "plan_id", "预案不存在");
    if (rc != STORE_ROW)
        return rc;
    store_stmt_done(st);
    if (in->incident_id) {
        /* the rehearsal a drill ran must be an incident marked 演练 */
        rc = store_prepare(tx, "SELECT drill FROM incident WHERE id = $1", &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, in->incident_id);
        rc = store_step(st, err);
        if (rc == STORE_DONE || (rc == STORE_ROW && store_col_int(st, 0) == 0)) {
            if (rc == STORE_ROW)
                store_stmt_done(st);
            return xn_fail_field(err, XN_EINVAL, "not_a_drill", "incident_id",
                                 "关联的事件须为演练事件");
        }
        if (rc != STORE_ROW)
            return rc;
        store_stmt_done(st);
    }
    rc = store_prepare(tx,
                       "INSERT INTO incident_drill (plan_id, held_at, title, command, records,"
                       " analysis, improvements, scheme_file_id, flow_file_id, record_file_id,"
                       " incident_id, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6,"
                       " $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, in->plan_id);
    store_bind_int(st, 2, in->held_at);
    store_bind_text(st, 3, in->title, -1);
    store_bind_text(st, 4, in->command, -1);
    store_bind_text(st, 5, in->records, -1);
    store_bind_text(st, 6, in->analysis, -1);
    store_bind_text(st, 7, in->improvements ? in->improvements : "", -1);
    bind_opt_int(st, 8, in->scheme_file_id);
    bind_opt_int(st, 9, in->flow_file_id);
    bind_opt_int(st, 10, in->record_file_id);
    bind_opt_int(st, 11, in->incident_id);
    store_bind_text(st, 12, audit_actor_name(d->actor), -1);
    store_bind_int(st, 13, d->now);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_EIO, "db_error", "no id for the new drill");
    d->id = store_col_int(st, 0);
    store_stmt_done(st);
    return record(d->c, tx, d->actor, "incident.drill_record", "incident_drill", d->id, err);
}

int incident_drill_create(incident_ctx *c, const audit_actor *actor, const incident_drill_in *in,
                          int64_t *id, xn_error *err)
{
    int64_t now = auth_now(c->opt.auth);
    if (xn_check_text(in->title, 200, XN_TEXT_LABEL, true, "title", "演练名称", err) ||
        xn_check_text(in->command, INCIDENT_MAX_TEXT, XN_TEXT_FREE, true, "command", "指挥部组成",
                      err) ||
        xn_check_text(in->records, INCIDENT_MAX_TEXT, XN_TEXT_FREE, true, "records", "演练记录",
                      err) ||
        xn_check_text(in->analysis, INCIDENT_MAX_TEXT, XN_TEXT_FREE, true, "analysis", "结果分析",
                      err) ||
        xn_check_text(in->improvements, INCIDENT_MAX_TEXT, XN_TEXT_FREE, false, "improvements",
                      "预案改进", err))
        return err->status;
    if (in->held_at <= 0 || in->held_at > now + 60 * INT64_C(1000000))
        return xn_fail_field(err, XN_EINVAL, "bad_held_at", "held_at",
                             "演练时间须为已经进行的时间");
    if (own_clean_file(c, actor, in->scheme_file_id, "scheme_file_id", err) ||
        own_clean_file(c, actor, in->flow_file_id, "flow_file_id", err) ||
        own_clean_file(c, actor, in->record_file_id, "record_file_id", err))
        return err->status;
    drill_ctx d = {.c = c, .actor = actor, .in = in, .now = now};
    int rc = store_tx(c->opt.db, drill_create_tx, &d, err);
    if (rc == XN_OK)
        *id = d.id;
    return rc;
}

int incident_drills_json(incident_ctx *c, int64_t plan_id, json_t **out, xn_error *err)
{
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    json_t *items = json_array();
    rc = store_prepare(conn,
                       "SELECT d.id, d.plan_id, p.title, d.held_at, d.title, d.command, d.records,"
                       " d.analysis, d.improvements, d.scheme_file_id, d.flow_file_id,"
                       " d.record_file_id, d.incident_id, d.created_by_name, d.created_at FROM"
                       " incident_drill d JOIN incident_plan p ON p.id = d.plan_id WHERE $1 = 0"
                       " OR d.plan_id = $1 ORDER BY d.held_at DESC, d.id DESC",
                       &st, err);
    if (rc == XN_OK)
        store_bind_int(st, 1, plan_id);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        json_t *o =
            json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id",
                      (json_int_t)store_col_int(st, 0), "plan_id", (json_int_t)store_col_int(st, 1),
                      "plan_title", store_col_text(st, 2), "held_at",
                      (json_int_t)store_col_int(st, 3), "title", store_col_text(st, 4), "command",
                      store_col_text(st, 5), "records", store_col_text(st, 6), "analysis",
                      store_col_text(st, 7), "improvements", store_col_text(st, 8), "created_by",
                      store_col_text(st, 13), "created_at", (json_int_t)store_col_int(st, 14));
        static const char *const cols[] = {"scheme_file_id", "flow_file_id", "record_file_id",
                                           "incident_id"};
        for (int i = 0; i < 4; i++)
            json_object_set_new(o, cols[i],
                                store_col_is_null(st, 9 + i)
                                    ? json_null()
                                    : json_integer(store_col_int(st, 9 + i)));
        json_array_append_new(items, o);
    }
    store_release(conn);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}
