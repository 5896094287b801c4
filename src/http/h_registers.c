/*
 * Registers (台账, LED-1..11, ORG-3): the definitions, a register's rows with filters, search
 * and paging, one row, create, edit with a reason, transitions, history, CSV export and the
 * home page's flags. The register room validates and records; these handlers translate and
 * check each register's own read and write permissions (the route table asks only for a
 * session, since the permission depends on :key).
 */
#include "http/http_internal.h"

#include <string.h>

/* The register of :key the person may read (write: and write); else answers 404 or 403. */
static const register_def *reg_param(http_req *req, http_resp *resp, bool write)
{
    const register_def *d = register_find(http_param(req, "key"));
    if (!d || !auth_can(req->who, d->read_perm)) {
        http_error(req, resp, 404, "no_register", "没有这个台账", "key");
        return NULL;
    }
    if (write && !auth_can(req->who, d->write_perm)) {
        xn_error err;
        xn_fail(&err, XN_EDENIED, "forbidden", "您没有登记「%s」的权限", d->name);
        http_refuse(req, resp, &err, "register.write", "register", d->key);
        return NULL;
    }
    return d;
}

static int refuse(http_req *req, http_resp *resp, const xn_error *err, const char *action,
                  int64_t id)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    return http_refuse(req, resp, err, action, "register_row", id ? oid : NULL);
}

int http_h_registers(http_req *req, http_resp *resp)
{
    return http_json(resp, 200, register_defs_json(req->who));
}

int http_h_register_flags(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (register_flags_json(req->app->registers, req->who, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_register_rows(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, false);
    if (!d)
        return 0;
    register_query q = {0};
    const char *limit = NULL, *after = NULL;
    int64_t n = 0;
    if (http_query_checked(req, "q", 200, &q.q) != XN_OK)
        return http_error(req, resp, 400, "bad_query", "检索词无效", "q");
    if (q.q && !*q.q)
        q.q = NULL;
    if (http_query_checked(req, "state", 32, &q.state) != XN_OK)
        return http_error(req, resp, 400, "bad_state", "状态无效", "state");
    if (http_query_checked(req, "limit", 8, &limit) != XN_OK ||
        (limit && xn_parse_int64(limit, 1, REGISTER_MAX_PAGE, &n) != XN_OK))
        return http_error(req, resp, 400, "bad_limit", "limit 须为 1 至 500", "limit");
    q.limit = (int)n;
    if (http_query_checked(req, "after", 20, &after) != XN_OK ||
        (after && xn_parse_int64(after, 1, INT64_MAX, &q.after) != XN_OK))
        return http_error(req, resp, 400, "bad_after", "after 须为记录编号", "after");
    /* a filter per field given: its value checked as the field's type, compared exactly */
    for (const register_field *f = d->fields; f->key; f++) {
        const char *v = NULL;
        if (http_query_checked(req, f->key, REGISTER_MAX_VALUE, &v) != XN_OK)
            return http_error(req, resp, 400, "bad_value", "筛选条件无效", f->key);
        if (!v || !*v)
            continue;
        if (q.nfilters == 8)
            return http_error(req, resp, 400, "too_many_filters", "筛选条件至多 8 个", f->key);
        char *canon = xn_arena_alloc(req->arena, REGISTER_MAX_VALUE + 64);
        json_t *j = json_string(v);
        xn_error err;
        int rc = register_value(NULL, f, j, canon, REGISTER_MAX_VALUE + 64, &err);
        json_decref(j);
        if (rc != XN_OK)
            return http_fail(req, resp, &err);
        q.fields[q.nfilters] = f->key;
        q.values[q.nfilters++] = canon;
    }
    json_t *out = NULL;
    xn_error err;
    if (register_rows_json(req->app->registers, d, &q, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_register_row(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, false);
    int64_t id;
    if (!d || http_id_param(req, resp, &id) != XN_OK)
        return 0;
    json_t *out = NULL;
    xn_error err;
    if (register_row_json(req->app->registers, d, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_register_create(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, true);
    if (!d)
        return 0;
    int64_t id = 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (register_create(req->app->registers, d, &actor, req->json, &id, &err) != XN_OK)
        return refuse(req, resp, &err, "register.create", 0);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int http_h_register_update(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, true);
    int64_t id;
    if (!d || http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *reason = json_string_value(json_object_get(req->json, "reason"));
    audit_actor actor = auth_actor(req->who);
    int64_t pending = 0;
    int rc = register_update(req->app->registers, d, &actor, id, req->json, reason, &pending, &err);
    if (rc != XN_OK)
        return refuse(req, resp, &err, "register.update", id);
    if (pending)
        return http_json(resp, 202,
                         json_pack("{s:I, s:s}", "pending_id", (json_int_t)pending, "message",
                                   "该字段的修改已提交，待另一名管理员复核后生效"));
    return http_h_register_row(req, resp);
}

int http_h_register_transition(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, true);
    int64_t id;
    if (!d || http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *to = json_string_value(json_object_get(req->json, "to"));
    audit_actor actor = auth_actor(req->who);
    if (register_transition_run(req->app->registers, d, &actor, id, to, req->json, &err) != XN_OK)
        return refuse(req, resp, &err, "register.transition", id);
    return http_h_register_row(req, resp);
}

int http_h_register_attach(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, true);
    int64_t id;
    if (!d || http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    json_t *f = json_object_get(req->json, "file_id");
    const char *note = json_string_value(json_object_get(req->json, "note"));
    audit_actor actor = auth_actor(req->who);
    if (register_attach(req->app->registers, d, &actor, id,
                        json_is_integer(f) ? json_integer_value(f) : 0, note, &err) != XN_OK)
        return refuse(req, resp, &err, "register.attach", id);
    return http_h_register_row(req, resp);
}

int http_h_register_pending(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, false);
    if (!d)
        return 0;
    json_t *out = NULL;
    xn_error err;
    if (register_pending_json(req->app->registers, d, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_register_pending_decide(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, true);
    int64_t id;
    if (!d || http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    json_t *ap = json_object_get(req->json, "approve");
    audit_actor actor = auth_actor(req->who);
    int rc =
        json_is_boolean(ap)
            ? register_pending_decide(req->app->registers, d, &actor, id, json_is_true(ap), &err)
            : xn_fail_field(&err, XN_EINVAL, "bad_type", "approve", "approve 须为 true 或 false");
    if (rc != XN_OK)
        return refuse(req, resp, &err, "register.change_decide", id);
    return http_h_register_pending(req, resp);
}

int http_h_register_retire(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, true);
    int64_t id;
    if (!d || http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *reason = json_string_value(json_object_get(req->json, "reason"));
    audit_actor actor = auth_actor(req->who);
    if (register_retire(req->app->registers, d, &actor, id, reason, &err) != XN_OK)
        return refuse(req, resp, &err, "register.retire", id);
    return http_json(resp, 200, json_pack("{s:b}", "retired", true));
}

int http_h_register_history(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, false);
    int64_t id;
    if (!d || http_id_param(req, resp, &id) != XN_OK)
        return 0;
    json_t *out = NULL;
    xn_error err;
    if (register_history_json(req->app->registers, d, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

typedef struct export_job {
    register_ctx *registers;
    const register_def *def;
} export_job;

static int make_csv(const char *path, void *ctx, xn_error *err)
{
    export_job *j = ctx;
    FILE *out = fopen(path, "w");
    if (!out)
        return xn_fail(err, XN_EIO, "export", "cannot write the temporary file");
    int rc = register_export_csv(j->registers, j->def, out, err);
    if (fclose(out) != 0 && rc == XN_OK)
        rc = xn_fail(err, XN_EIO, "export", "cannot write the temporary file");
    return rc;
}

static int make_xlsx(const char *path, void *ctx, xn_error *err)
{
    export_job *j = ctx;
    return register_export_xlsx(j->registers, j->def, path, err);
}

/* ?format=xlsx (the default) or csv. */
int http_h_register_export(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, false);
    if (!d)
        return 0;
    const char *format = NULL;
    if (http_query_checked(req, "format", 8, &format) != XN_OK ||
        (format && strcmp(format, "csv") && strcmp(format, "xlsx")))
        return http_error(req, resp, 400, "bad_format", "导出格式应为 xlsx 或 csv", "format");
    bool csv = format && strcmp(format, "csv") == 0;
    char name[160];
    snprintf(name, sizeof name, "%s.%s", d->name, csv ? "csv" : "xlsx");
    export_job job = {.registers = req->app->registers, .def = d};
    if (csv)
        return http_send_made(req, resp, "text/csv; charset=utf-8", name, make_csv, &job);
    return http_send_made(req, resp, HTTP_XLSX_TYPE, name, make_xlsx, &job);
}

/* ?format=xlsx|csv with the file as the raw body (HTTP_FILE_BODY): {added, updated}, or 400
 * bad_rows with error.rows [{row, field, column, reason}] and error.more; nothing changes on
 * any refusal. */
int http_h_register_import(http_req *req, http_resp *resp)
{
    const register_def *d = reg_param(req, resp, true);
    if (!d)
        return 0;
    const char *format = NULL;
    if (http_query_checked(req, "format", 8, &format) != XN_OK ||
        (format && strcmp(format, "csv") && strcmp(format, "xlsx")))
        return http_error(req, resp, 400, "bad_format", "导入格式应为 xlsx 或 csv", "format");
    if (!format) /* told by the file itself: a workbook is a zip */
        format = req->body_len >= 4 && memcmp(req->body, "PK\x03\x04", 4) == 0 ? "xlsx" : "csv";
    register_import_result res;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    int rc = register_import(req->app->registers, d, &actor, format, req->body, req->body_len, &res,
                             &err);
    if (rc != XN_OK) {
        json_t *extra = NULL;
        if (res.rows)
            extra = json_pack("{s:o, s:I}", "rows", res.rows, "more", (json_int_t)res.more);
        if (err.status == XN_EDENIED)
            return refuse(req, resp, &err, "register.import", 0);
        return http_fail_with(req, resp, &err, extra);
    }
    return http_json(resp, 200,
                     json_pack("{s:I, s:I}", "added", (json_int_t)res.added, "updated",
                               (json_int_t)res.updated));
}

/* The people a register row may name (使用人, 保管人, 批准人 …): id, real name and account of
 * every active account, for those who read registers (the route asks register.read); nothing
 * more of them. */
int http_h_register_people(http_req *req, http_resp *resp)
{
    json_t *all = NULL;
    xn_error err;
    if (auth_users_json(req->app->db, &all, &err) != XN_OK)
        return http_fail(req, resp, &err);
    json_t *items = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(all, "items"), i, u)
    {
        if (strcmp(json_string_value(json_object_get(u, "status")), "active") != 0)
            continue;
        json_array_append_new(items, json_pack("{s:O, s:O, s:O}", "id", json_object_get(u, "id"),
                                               "name", json_object_get(u, "real_name"), "account",
                                               json_object_get(u, "account")));
    }
    json_decref(all);
    return http_json(resp, 200, json_pack("{s:o}", "items", items));
}
