/*
 * Publishing review (PUB-1..13): columns, reprint sources, content items through their review,
 * publication and withdrawal, the review form. The publish room checks and records; these
 * handlers only translate. Permissions are in the route table: content.draft writes,
 * content.read reads, each review level's permission is checked by the room against the
 * item's level.
 */
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

static int fail(http_req *req, http_resp *resp, const xn_error *err, const char *action, int64_t id)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    return http_refuse(req, resp, err, action, "content", id ? oid : NULL);
}

static int answer(http_req *req, http_resp *resp, int status, int64_t id)
{
    json_t *out = NULL;
    xn_error err;
    if (publish_item_json(req->app->publish, id, req->who->user_id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, status, out);
}

/* An optional string member (absent or null: NULL). */
static int opt_string(http_req *req, const char *name, size_t max, const char **out, xn_error *err)
{
    *out = NULL;
    json_t *v = json_object_get(req->json, name);
    if (!v || json_is_null(v))
        return XN_OK;
    return http_body_string(req, name, max, false, out, err);
}

static int bool_member(http_req *req, const char *name, int *out, xn_error *err)
{
    json_t *v = json_object_get(req->json, name);
    if (!v || json_is_null(v))
        return XN_OK;
    if (!json_is_boolean(v))
        return xn_fail_field(err, XN_EINVAL, "bad_type", name, "%s 须为 true 或 false", name);
    *out = json_is_true(v);
    return XN_OK;
}

/* The item's fields of a create or an edit; files are kept in *files (free it). */
static int item_in(http_req *req, publish_item_in *in, int64_t **files, bool create, xn_error *err)
{
    *files = NULL;
    if (!json_is_object(req->json))
        return xn_fail(err, XN_EINVAL, "bad_body", "请求体必须是 JSON 对象");
    json_t *b = json_object_get(req->json, "body_html");
    if (json_is_string(b) && json_string_length(b) > PUBLISH_MAX_BODY)
        return xn_fail_field(err, XN_EINVAL, "too_large", "body_html",
                             "正文超过 2 MiB，请拆分或精简");
    int rc = opt_string(req, "title", PUBLISH_MAX_TITLE, &in->title, err);
    if (rc == XN_OK)
        rc = opt_string(req, "class", 4, &in->cls, err);
    if (rc == XN_OK)
        rc = opt_string(req, "body_html", PUBLISH_MAX_BODY, &in->body_html, err);
    if (rc == XN_OK && json_object_get(req->json, "body_html") && !in->body_html)
        rc = xn_fail_field(err, XN_EINVAL, "required", "body_html", "正文不能为空");
    if (rc != XN_OK)
        return rc;
    if (create && !in->title)
        return xn_fail_field(err, XN_EINVAL, "required", "title", "标题不能为空");
    if (create && !in->body_html)
        return xn_fail_field(err, XN_EINVAL, "required", "body_html", "正文不能为空");
    json_t *col = json_object_get(req->json, "column_id");
    if (col && !json_is_null(col)) {
        if (!json_is_integer(col) || json_integer_value(col) <= 0)
            return xn_fail_field(err, XN_EINVAL, "bad_column", "column_id", "栏目不存在");
        in->column_id = json_integer_value(col);
    } else if (create) {
        return xn_fail_field(err, XN_EINVAL, "required", "column_id", "须选择栏目");
    }
    if (create && !in->cls)
        return xn_fail_field(err, XN_EINVAL, "bad_class", "class",
                             "稿件类别须为 A（一般）、B（重要）或 C（特级）");
    in->major = -1;
    if ((rc = bool_member(req, "major", &in->major, err)) != XN_OK)
        return rc;
    if (create && in->major < 0)
        in->major = 0;
    in->classified = -1;
    if ((rc = bool_member(req, "classified", &in->classified, err)) != XN_OK)
        return rc;
    if (!create && in->classified == 0)
        in->classified = -1;
    /* source: "original", or {"kind":"reprint","name","url"} */
    json_t *src = json_object_get(req->json, "source");
    if (src && json_is_string(src)) {
        in->source_kind = json_string_value(src);
        if (strcmp(in->source_kind, "original") != 0)
            return xn_fail_field(err, XN_EINVAL, "bad_source", "source",
                                 "来源须为 original，或 {kind:\"reprint\", name, url}");
    } else if (src && json_is_object(src)) {
        const char *kind = json_string_value(json_object_get(src, "kind"));
        in->source_kind = kind ? kind : "reprint";
        if (xn_json_get_string(src, "name", false, 192, &in->source_name, err) != XN_OK ||
            xn_json_get_string(src, "url", false, 512, &in->source_url, err) != XN_OK)
            return xn_fail_field(err, XN_EINVAL, "bad_source", "source",
                                 "转载来源的名称或网址不正确");
    } else if (src && !json_is_null(src)) {
        return xn_fail_field(err, XN_EINVAL, "bad_source", "source",
                             "来源须为 original，或 {kind:\"reprint\", name, url}");
    }
    /* PUB-10: the window unit's written request (a row of the service_requests register) */
    json_t *rq = json_object_get(req->json, "request_id");
    if (rq && !json_is_null(rq)) {
        const register_def *d = register_find("service_requests");
        json_t *row = NULL;
        xn_error ignored;
        if (!json_is_integer(rq) || json_integer_value(rq) <= 0 || !d ||
            register_row_json(req->app->registers, d, json_integer_value(rq), &row, &ignored) !=
                XN_OK)
            return xn_fail_field(err, XN_EINVAL, "bad_request", "request_id",
                                 "发布申请不存在（申请登记台账中没有这一条）");
        json_decref(row);
        in->request_row_id = json_integer_value(rq);
    }
    json_t *fl = json_object_get(req->json, "files");
    if (fl && !json_is_null(fl)) {
        if (!json_is_array(fl) || json_array_size(fl) > 20)
            return xn_fail_field(err, XN_EINVAL, "bad_files", "files",
                                 "附件须为文件编号的列表（至多 20 个）");
        *files = calloc(json_array_size(fl) + 1, sizeof **files);
        if (!*files)
            return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
        size_t i;
        json_t *f;
        json_array_foreach(fl, i, f)
        {
            if (!json_is_integer(f) || json_integer_value(f) <= 0)
                return xn_fail_field(err, XN_EINVAL, "bad_files", "files", "附件须为文件编号");
            (*files)[i] = json_integer_value(f);
        }
        in->files = *files;
        in->nfiles = json_array_size(fl);
        in->files_given = true;
    }
    return XN_OK;
}

int http_h_content_create(http_req *req, http_resp *resp)
{
    publish_item_in in = {0};
    int64_t *files = NULL, id = 0;
    xn_error err;
    int rc = item_in(req, &in, &files, true, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_item_create(req->app->publish, &actor, &in, &id, &err);
    free(files);
    if (rc != XN_OK)
        return fail(req, resp, &err, "content.create", 0);
    return answer(req, resp, 201, id);
}

int http_h_content_update(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    publish_item_in in = {0};
    int64_t *files = NULL;
    xn_error err;
    int rc = item_in(req, &in, &files, false, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_item_update(req->app->publish, &actor, id, &in, &err);
    free(files);
    if (rc != XN_OK)
        return fail(req, resp, &err, "content.edit", id);
    return answer(req, resp, 200, id);
}

int http_h_content(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    return answer(req, resp, 200, id);
}

int http_h_content_version(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    int64_t v = 0;
    const char *raw = http_param(req, "version");
    if (!raw || xn_parse_int64(raw, 1, 1000000, &v) != XN_OK)
        return http_error(req, resp, 400, "bad_version", "版本号不正确", "version");
    json_t *out = NULL;
    xn_error err;
    if (publish_version_json(req->app->publish, id, (int)v, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_content_list(http_req *req, http_resp *resp)
{
    const char *state = NULL, *mine = NULL, *queue = NULL;
    if (http_query_checked(req, "state", 16, &state) != XN_OK ||
        (state && strcmp(state, "draft") != 0 && strcmp(state, "review") != 0 &&
         strcmp(state, "approved") != 0 && strcmp(state, "scheduled") != 0 &&
         strcmp(state, "published") != 0 && strcmp(state, "withdrawn") != 0))
        return http_error(req, resp, 400, "bad_state",
                          "state 须为 draft、review、approved、scheduled、published 或 withdrawn",
                          "state");
    if (http_query_checked(req, "mine", 8, &mine) != XN_OK ||
        (mine && strcmp(mine, "1") != 0 && strcmp(mine, "true") != 0 && strcmp(mine, "0") != 0 &&
         strcmp(mine, "false") != 0))
        return http_error(req, resp, 400, "bad_mine", "mine 须为 true 或 false", "mine");
    if (http_query_checked(req, "queue", 8, &queue) != XN_OK)
        return http_error(req, resp, 400, "bad_queue", "queue 须为审核级别 1–4", "queue");
    publish_list_in in = {.state = state, .viewer = req->who->user_id, .limit = 200};
    if (mine && (strcmp(mine, "1") == 0 || strcmp(mine, "true") == 0))
        in.mine = req->who->user_id;
    if (queue) {
        int64_t level = 0;
        if (strcmp(queue, "mine") == 0) {
            /* the highest level this person reviews */
            for (int l = PUBLISH_MAX_LEVELS; l >= 1 && !level; l--)
                if (auth_can(req->who, publish_levels[l - 1].permission))
                    level = l;
            if (!level)
                return http_json(resp, 200, json_pack("{s:[]}", "items"));
        } else if (xn_parse_int64(queue, 1, PUBLISH_MAX_LEVELS, &level) != XN_OK) {
            return http_error(req, resp, 400, "bad_queue", "queue 须为审核级别 1–4", "queue");
        }
        if (!auth_can(req->who, publish_levels[level - 1].permission))
            return http_json(resp, 200, json_pack("{s:[]}", "items"));
        in.queue_level = (int)level;
    }
    json_t *out = NULL;
    xn_error err;
    if (publish_list_json(req->app->publish, &in, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_content_submit(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (publish_item_submit(req->app->publish, &actor, id, &err) != XN_OK)
        return fail(req, resp, &err, "content.submit", id);
    return answer(req, resp, 200, id);
}

int http_h_content_review(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    publish_review_in in = {0};
    publish_reason_in reasons[64];
    int rc = http_body_string(req, "decision", 16, true, &in.decision, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "comment", PUBLISH_MAX_COMMENT, &in.comment, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "body_html", PUBLISH_MAX_BODY, &in.body_html, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "title", PUBLISH_MAX_TITLE, &in.title, &err);
    json_t *rs = json_object_get(req->json, "reasons");
    if (rc == XN_OK && rs && !json_is_null(rs)) {
        if (!json_is_array(rs) || json_array_size(rs) > 64) {
            rc = xn_fail_field(&err, XN_EINVAL, "bad_reasons", "reasons",
                               "reasons 须为 [{hit, reason}] 的列表（至多 64 项）");
        } else {
            size_t i;
            json_t *r;
            json_array_foreach(rs, i, r)
            {
                if (!json_is_object(r) ||
                    xn_json_get_string(r, "hit", true, 512, &reasons[i].hit, &err) != XN_OK ||
                    xn_json_get_string(r, "reason", true, PUBLISH_MAX_COMMENT, &reasons[i].reason,
                                       &err) != XN_OK) {
                    rc = xn_fail_field(&err, XN_EINVAL, "bad_reasons", "reasons",
                                       "每项保留理由须有 hit 和 reason");
                    break;
                }
            }
            in.reasons = reasons;
            in.nreasons = json_array_size(rs);
        }
    }
    if (rc == XN_OK)
        rc = publish_item_review(req->app->publish, req->who, id, &in, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "content.review", id);
    return answer(req, resp, 200, id);
}

int http_h_content_publish(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *at_text = NULL;
    int64_t at = 0;
    int rc = opt_string(req, "at", 64, &at_text, &err);
    if (rc == XN_OK && at_text && http_parse_time(at_text, false, &at) != XN_OK)
        rc = xn_fail_field(&err, XN_EINVAL, "bad_at", "at",
                           "发布时间格式应为 2026-12-06T10:30:00+08:00");
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_item_publish(req->app->publish, &actor, id, at, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "content.publish", id);
    return answer(req, resp, 200, id);
}

int http_h_content_withdraw(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *reason = NULL;
    int rc = http_body_string(req, "reason", PUBLISH_MAX_COMMENT, false, &reason, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_item_withdraw(req->app->publish, &actor, id, reason, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "content.withdraw", id);
    return answer(req, resp, 200, id);
}

typedef struct form_bytes {
    char *pdf;
    size_t len;
} form_bytes;

static int write_form(const char *path, void *ctx, xn_error *err)
{
    form_bytes *f = ctx;
    FILE *out = fopen(path, "wb");
    bool ok = out && fwrite(f->pdf, 1, f->len, out) == f->len;
    if (out && fclose(out) != 0)
        ok = false;
    return ok ? XN_OK : xn_fail(err, XN_EIO, "form", "cannot write the review form");
}

int http_h_content_form(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    form_bytes f = {0};
    xn_error err;
    if (publish_form(req->app->publish, id, &f.pdf, &f.len, &err) != XN_OK)
        return http_fail(req, resp, &err);
    char name[64];
    snprintf(name, sizeof name, "内容审核表-%lld.pdf", (long long)id);
    int rc = http_send_made(req, resp, "application/pdf", name, write_form, &f);
    free(f.pdf);
    return rc;
}

/* ---- columns and sources ------------------------------------------------------------------ */

int http_h_columns(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (publish_columns_json(req->app->publish, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_column_create(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *name = NULL, *path = NULL;
    int rc = http_body_string(req, "name", 96, true, &name, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "path", 120, true, &path, &err);
    json_t *sd = json_object_get(req->json, "stale_days");
    if (rc == XN_OK &&
        (!json_is_integer(sd) || json_integer_value(sd) < 1 || json_integer_value(sd) > 365))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_stale_days", "stale_days",
                           "更新周期须为 1 到 365 天");
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_column_create(req->app->publish, &actor, name, path,
                                   (int)json_integer_value(sd), &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "publish.column_create", "column", NULL);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int http_h_publish_sources(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (publish_sources_json(req->app->publish, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_publish_source_create(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *name = NULL, *url = NULL;
    int rc = http_body_string(req, "name", 192, true, &name, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "url", 512, true, &url, &err);
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_source_create(req->app->publish, &actor, name, url, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "publish.source_add", "source", NULL);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int http_h_publish_source_delete(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (publish_source_delete(req->app->publish, &actor, id, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, json_pack("{s:b}", "removed", true));
}

int http_h_publish_site_rebuild(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t pages = 0;
    audit_actor actor = auth_actor(req->who);
    if (publish_site_rebuild(req->app->publish, &actor, &pages, &err) != XN_OK)
        return http_refuse(req, resp, &err, "publish.site_rebuild", "site", NULL);
    return http_json(resp, 200, json_pack("{s:I}", "pages", (json_int_t)pages));
}

/* ---- public messages (PUB-11) -------------------------------------------------------------- */

static int message_answer(http_req *req, http_resp *resp, int status, int64_t id)
{
    json_t *out = NULL;
    xn_error err;
    if (publish_messages_json(req->app->publish, NULL, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, status, out);
}

static int message_refused(http_req *req, http_resp *resp, const xn_error *err, const char *action,
                           int64_t id)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    return http_refuse(req, resp, err, action, "message", id ? oid : NULL);
}

int http_h_messages(http_req *req, http_resp *resp)
{
    const char *state = NULL;
    if (http_query_checked(req, "state", 16, &state) != XN_OK ||
        (state && strcmp(state, "received") != 0 && strcmp(state, "assigned") != 0 &&
         strcmp(state, "answered") != 0 && strcmp(state, "approved") != 0 &&
         strcmp(state, "published") != 0))
        return http_error(req, resp, 400, "bad_state",
                          "state 须为 received、assigned、answered、approved 或 published",
                          "state");
    json_t *out = NULL;
    xn_error err;
    if (publish_messages_json(req->app->publish, state, 0, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_messages_to_review(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (publish_messages_to_review_json(req->app->publish, req->who->user_id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_message_create(http_req *req, http_resp *resp)
{
    xn_error err;
    publish_message_in in = {0};
    int rc = opt_string(req, "subject", 300, &in.subject, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "body", 20000, &in.body, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "author", 60, &in.author, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "contact", 120, &in.contact, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "channel", 16, &in.channel, &err);
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_message_create(req->app->publish, &actor, &in, &id, &err);
    if (rc != XN_OK)
        return message_refused(req, resp, &err, "message.create", 0);
    return message_answer(req, resp, 201, id);
}

int http_h_message_assign(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    json_t *d = json_object_get(req->json, "department_id");
    json_t *days = json_object_get(req->json, "promise_days");
    int rc = XN_OK;
    if (!json_is_integer(d) || json_integer_value(d) <= 0)
        rc = xn_fail_field(&err, XN_EINVAL, "bad_department", "department_id", "须选择承办部门");
    else if (!json_is_integer(days))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_days", "promise_days",
                           "须填写承诺答复时限（工作日）");
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_message_assign(req->app->publish, &actor, id, json_integer_value(d),
                                    (int)json_integer_value(days), &err);
    if (rc != XN_OK)
        return message_refused(req, resp, &err, "message.assign", id);
    return message_answer(req, resp, 200, id);
}

int http_h_message_reply(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *answer = NULL;
    int rc = opt_string(req, "answer", 20000, &answer, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_message_answer(req->app->publish, &actor, id, answer, &err);
    if (rc != XN_OK)
        return message_refused(req, resp, &err, "message.answer", id);
    return message_answer(req, resp, 200, id);
}

int http_h_message_review(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *comment = NULL;
    json_t *ap = json_object_get(req->json, "approve");
    int rc = json_is_boolean(ap) ? opt_string(req, "comment", PUBLISH_MAX_COMMENT, &comment, &err)
                                 : xn_fail_field(&err, XN_EINVAL, "bad_type", "approve",
                                                 "approve 须为 true 或 false");
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = publish_message_review(req->app->publish, &actor, id, json_is_true(ap), comment, &err);
    if (rc != XN_OK)
        return message_refused(req, resp, &err, "message.review", id);
    return message_answer(req, resp, 200, id);
}

int http_h_message_publish(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (publish_message_publish(req->app->publish, &actor, id, &err) != XN_OK)
        return message_refused(req, resp, &err, "message.publish", id);
    return message_answer(req, resp, 200, id);
}

int http_h_publish_deliveries(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (publish_deliveries_json(req->app->publish, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}
