/*
 * The organisation and the account lifecycle: /api/org..., /api/applications,
 * /api/auth/reset-request, /api/users/:id/{reset-request, force-password-change, leave,
 * transfer, handover}, PATCH /api/users/:id, /api/review/accounts..., /api/me/notifications...
 * Handlers check the body's shape and bounds; the auth room checks the values and decides.
 */
#include "http/http_internal.h"

#include <string.h>

#define DAY_US (86400 * (int64_t)1000000)

static int body_object(http_req *req, xn_error *err)
{
    if (!json_is_object(req->json))
        return xn_fail(err, XN_EINVAL, "bad_body", "请求体必须是 JSON 对象");
    return XN_OK;
}

static int str(http_req *req, const char *name, size_t max, bool required, const char **out,
               xn_error *err)
{
    int rc = http_body_string(req, name, max, required, out, err);
    if (rc == XN_OK || err->status != XN_EINVAL)
        return rc;
    /* the same failure, said in Chinese */
    if (strcmp(err->code, "field_too_long") == 0)
        return xn_fail_field(err, XN_EINVAL, "too_long", name, "%s 超过 %zu 字节", name, max);
    if (strcmp(err->code, "missing_field") == 0)
        return xn_fail_field(err, XN_EINVAL, "required", name, "%s 不能为空", name);
    return xn_fail_field(err, XN_EINVAL, "bad_field", name, "%s 必须是不含控制字符的文本", name);
}

/* An integer member (JSON number) within [min, max]; *out keeps its value when absent. */
static int num(http_req *req, const char *name, bool required, int64_t min, int64_t max,
               int64_t *out, xn_error *err)
{
    int rc = body_object(req, err);
    if (rc != XN_OK)
        return rc;
    json_t *v = json_object_get(req->json, name);
    if (!v || json_is_null(v)) {
        if (required)
            return xn_fail_field(err, XN_EINVAL, "required", name, "%s 不能为空", name);
        return XN_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return xn_fail_field(err, XN_EINVAL, "bad_number", name, "%s 必须是 %lld 到 %lld 的整数",
                             name, (long long)min, (long long)max);
    *out = json_integer_value(v);
    return XN_OK;
}

static int ok(http_resp *resp)
{
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}

/* ---- organisation ------------------------------------------------------------------------ */

int http_h_org(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (auth_org_json(req->app->db, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_org_create(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *name = NULL, *kind = NULL;
    int64_t parent = 0, head = 0, id = 0;
    int rc = str(req, "name", AUTH_MAX_NAME, true, &name, &err);
    if (rc == XN_OK)
        rc = str(req, "kind", 16, true, &kind, &err);
    if (rc == XN_OK)
        rc = num(req, "parent_id", true, 1, INT64_MAX, &parent, &err);
    if (rc == XN_OK)
        rc = num(req, "head_user_id", false, 0, INT64_MAX, &head, &err);
    if (rc == XN_OK)
        rc = auth_org_create(req->app->db, req->app->audit, req->who, parent, name, kind, head, &id,
                             &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.org_create", "org_unit", NULL);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int http_h_org_update(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id, parent = 0, head = -1;
    const char *name = NULL;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = str(req, "name", AUTH_MAX_NAME, false, &name, &err);
    if (rc == XN_OK)
        rc = num(req, "parent_id", false, 1, INT64_MAX, &parent, &err);
    if (rc == XN_OK && json_is_null(json_object_get(req->json, "head_user_id")))
        head = 0;
    else if (rc == XN_OK)
        rc = num(req, "head_user_id", false, 0, INT64_MAX, &head, &err);
    if (rc == XN_OK)
        rc = auth_org_update(req->app->db, req->app->audit, req->who, id, name, parent, head, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.org_update", "org_unit", http_param(req, "id"));
    return ok(resp);
}

/* ---- real-name data ------------------------------------------------------------------------ */

int http_h_user_update(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    auth_user_patch p = {.supervisor_id = -1, .department_id = -1};
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = str(req, "phone", AUTH_PHONE_MAX_BYTES, false, &p.phone, &err);
    if (rc == XN_OK)
        rc = str(req, "positions", 512, false, &p.positions, &err);
    if (rc == XN_OK && json_is_null(json_object_get(req->json, "supervisor_id")))
        p.supervisor_id = 0;
    else if (rc == XN_OK)
        rc = num(req, "supervisor_id", false, 1, INT64_MAX, &p.supervisor_id, &err);
    if (rc == XN_OK)
        rc = num(req, "department_id", false, 1, INT64_MAX, &p.department_id, &err);
    if (rc == XN_OK)
        rc = auth_user_update(req->app->db, req->app->audit, req->who, id, &p, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.user_update", "user", http_param(req, "id"));
    return ok(resp);
}

/* ---- applications and resets ---------------------------------------------------------------- */

int http_h_application(http_req *req, http_resp *resp)
{
    xn_error err;
    auth_application_in in = {0};
    int64_t request_id = 0;
    int rc = str(req, "account", AUTH_MAX_ACCOUNT, true, &in.account, &err);
    if (rc == XN_OK)
        rc = str(req, "real_name", AUTH_MAX_NAME, true, &in.real_name, &err);
    if (rc == XN_OK)
        rc = num(req, "department_id", true, 1, INT64_MAX, &in.department_id, &err);
    if (rc == XN_OK)
        rc = str(req, "phone", AUTH_PHONE_MAX_BYTES, false, &in.phone, &err);
    if (rc == XN_OK)
        rc = str(req, "staff_type", 16, true, &in.staff_type, &err);
    if (rc == XN_OK)
        rc = str(req, "reason", 1000, true, &in.reason, &err);
    json_t *roles = rc == XN_OK ? json_object_get(req->json, "roles") : NULL;
    if (roles && !json_is_null(roles)) {
        if (!json_is_array(roles) || json_array_size(roles) > AUTH_MAX_ROLES)
            rc = xn_fail_field(&err, XN_EINVAL, "bad_roles", "roles",
                               "roles 必须是至多 %d 个角色代码的数组", AUTH_MAX_ROLES);
        for (size_t i = 0; rc == XN_OK && i < json_array_size(roles); i++) {
            const char *r = json_string_value(json_array_get(roles, i));
            if (!r || strlen(r) > 16)
                rc = xn_fail_field(&err, XN_EINVAL, "bad_roles", "roles",
                                   "角色代码必须是不超过 16 字节的文本");
            else
                in.roles[in.nroles++] = r;
        }
    }
    if (rc == XN_OK)
        rc = auth_application_submit(req->app->db, req->app->audit, req->who, &in, &request_id,
                                     &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.account_apply", "account", in.account);
    return http_json(
        resp, 201,
        json_pack("{s:I,s:s}", "request_id", (json_int_t)request_id, "status", "pending"));
}

/* Signed out: the same answer whether or not the account exists. */
int http_h_reset_request(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *account = NULL;
    int rc = str(req, "account", AUTH_MAX_ACCOUNT, true, &account, &err);
    if (rc == XN_OK)
        rc = auth_reset_request_self(req->app->db, req->app->audit, account, req->peer, &err);
    if (rc == XN_EBUSY && strcmp(err.code, "rate_limited") == 0)
        return http_error(req, resp, 429, err.code, err.message, NULL);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 202,
                     json_pack("{s:b,s:s}", "ok", true, "message",
                               "如账号存在，重置申请已提交，请等待管理员审批后当面领取一次性密码"));
}

int http_h_my_subordinates(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (auth_subordinates_json(req->app->db, req->who->user_id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_user_reset_request(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id, request_id = 0;
    const char *reason = NULL;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = str(req, "reason", 1000, false, &reason, &err);
    if (rc == XN_OK)
        rc = auth_reset_request_for(req->app->db, req->app->audit, req->who, id, reason,
                                    &request_id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.reset_request", "user", http_param(req, "id"));
    return http_json(
        resp, 201,
        json_pack("{s:I,s:s}", "request_id", (json_int_t)request_id, "status", "pending"));
}

int http_h_force_change(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id, deadline = 0;
    const char *when = NULL, *reason = NULL;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = str(req, "deadline", 40, true, &when, &err);
    if (rc == XN_OK)
        rc = str(req, "reason", 1000, true, &reason, &err);
    if (rc == XN_OK && xn_time_parse(when, &deadline) != XN_OK)
        rc = xn_fail_field(&err, XN_EINVAL, "bad_deadline", "deadline",
                           "期限格式应为 YYYY-MM-DD（北京时间）");
    /* a date means the end of that day in Beijing */
    if (rc == XN_OK && strlen(when) == 10)
        deadline += DAY_US;
    if (rc == XN_OK)
        rc = auth_force_change(req->app->db, req->app->audit, req->app->auth, req->who, id,
                               deadline, reason, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.password_change_demand", "user",
                           http_param(req, "id"));
    return http_json(resp, 200,
                     json_pack("{s:b,s:I}", "ok", true, "deadline", (json_int_t)deadline));
}

/* ---- leaving and transfers ------------------------------------------------------------------ */

static int leave(http_req *req, http_resp *resp, bool transfer)
{
    xn_error err;
    int64_t id, handover = 0;
    auth_leave_in in = {0};
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = str(req, "reason", 1000, true, &in.reason, &err);
    if (rc == XN_OK)
        rc = str(req, "note", 4000, false, &in.note, &err);
    if (rc == XN_OK)
        rc = num(req, "handover_to", true, 1, INT64_MAX, &in.handover_to, &err);
    if (rc == XN_OK)
        rc = num(req, "new_department_id", transfer, 1, INT64_MAX, &in.new_department_id, &err);
    if (rc == XN_OK)
        rc = auth_user_leave(req->app->db, req->app->audit, req->who, id, &in, &handover, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err,
                           in.new_department_id ? "auth.user_transfer" : "auth.user_leave", "user",
                           http_param(req, "id"));
    return http_json(resp, 200,
                     json_pack("{s:b,s:I}", "ok", true, "handover_id", (json_int_t)handover));
}

int http_h_user_leave(http_req *req, http_resp *resp)
{
    return leave(req, resp, false);
}

int http_h_user_transfer(http_req *req, http_resp *resp)
{
    return leave(req, resp, true);
}

int http_h_user_handover(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    json_t *out;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    if (auth_handovers_json(req->app->db, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

/* ---- the yearly review ------------------------------------------------------------------------
 */

int http_h_review(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (auth_review_json(req->app->db, auth_now(req->app->auth), &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_review_csv(http_req *req, http_resp *resp)
{
    xn_error err;
    xn_buf_reset(&resp->body);
    if (auth_review_csv(req->app->db, auth_now(req->app->auth), &resp->body, &err) != XN_OK) {
        xn_buf_reset(&resp->body);
        return http_fail(req, resp, &err);
    }
    resp->status = 200;
    resp->content_type = "text/csv; charset=utf-8";
    return XN_OK;
}

int http_h_review_confirm(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *comment = NULL;
    int64_t id = 0;
    int rc = str(req, "comment", 4000, true, &comment, &err);
    if (rc == XN_OK)
        rc = auth_review_confirm(req->app->db, req->app->audit, req->who, auth_now(req->app->auth),
                                 comment, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.account_review", "account_review", NULL);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* ---- notifications ----------------------------------------------------------------------------
 */

int http_h_notifications(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (auth_notifications_json(req->app->db, req->who->user_id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_notification_read(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    if (auth_notification_read(req->app->db, req->app->audit, req->who, id, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return ok(resp);
}

/* ---- agent tokens -----------------------------------------------------------------------------
 */

int http_h_agent_token_create(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *name = NULL, *scope = NULL;
    int64_t days = 0;
    int rc = str(req, "name", AUTH_MAX_NAME, true, &name, &err);
    if (rc == XN_OK)
        rc = str(req, "scope", 16, true, &scope, &err);
    if (rc == XN_OK)
        rc = num(req, "expires_days", true, 1, 365, &days, &err);
    char token[AUTH_AGENT_TOKEN_CHARS + 1];
    auth_agent a;
    if (rc == XN_OK)
        rc = auth_agent_token_create(req->app->db, req->app->audit, req->app->auth, req->who, name,
                                     scope, days, token, &a, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.agent_token_create", "agent_token", NULL);
    /* the token is shown this once; only its hash is kept */
    int r = http_json(resp, 201,
                      json_pack("{s:s,s:s,s:s,s:I,s:s}", "id", a.id, "name", a.name, "scope",
                                a.scope, "expires_at", (json_int_t)a.expires_at, "token", token));
    crypto_wipe(token, sizeof token);
    return r;
}

int http_h_agent_tokens(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (auth_agent_tokens_json(req->app->db, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_agent_token_revoke(http_req *req, http_resp *resp)
{
    xn_error err;
    if (auth_agent_token_revoke(req->app->db, req->app->audit, req->who, http_param(req, "id"),
                                &err) != XN_OK)
        return http_refuse(req, resp, &err, "auth.agent_token_revoke", "agent_token",
                           http_param(req, "id"));
    return ok(resp);
}

/* The agents' door: "Authorization: Bearer xat_…", never a session cookie. */
int http_agent_authorise(http_req *req, http_resp *resp, const char *scope, auth_agent *out)
{
    xn_error err;
    const char *h = http_header(req, "Authorization");
    const char *token = h && strncmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
    if (!token) {
        http_error(req, resp, 401, "agent_required", "需要代理令牌（Authorization: Bearer）", NULL);
        return XN_EDENIED;
    }
    int rc = auth_agent_check(req->app->db, req->app->audit, req->app->auth, token, scope,
                              req->peer, out, &err);
    if (rc == XN_EDENIED)
        http_error(req, resp, 401, err.code, err.message, NULL);
    else if (rc != XN_OK)
        http_fail(req, resp, &err);
    return rc;
}

int http_h_agent_whoami(http_req *req, http_resp *resp)
{
    const char *scope = NULL;
    if (http_query_checked(req, "scope", 64, &scope) != XN_OK ||
        (scope && strcmp(scope, "guard") != 0 && strcmp(scope, "netwatch") != 0))
        return http_error(req, resp, 400, "bad_scope", "scope 只能是 guard 或 netwatch", "scope");
    auth_agent a;
    if (http_agent_authorise(req, resp, scope, &a) != XN_OK)
        return XN_OK;
    return http_json(resp, 200,
                     json_pack("{s:s,s:s,s:s,s:I}", "id", a.id, "name", a.name, "scope", a.scope,
                               "expires_at", (json_int_t)a.expires_at));
}
