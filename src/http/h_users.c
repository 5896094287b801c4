/* People and privileges: /api/users..., /api/roles, /api/requests... */
#include "http/http_internal.h"
#include "register/register.h"

#include <string.h>

int http_h_users(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (auth_users_json(req->app->db, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_user(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    json_t *out;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    if (auth_user_json(req->app->db, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_user_create(http_req *req, http_resp *resp)
{
    xn_error err;
    auth_user_in in = {0};
    int rc = http_body_string(req, "account", AUTH_MAX_ACCOUNT, true, &in.account, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "real_name", AUTH_MAX_NAME, true, &in.real_name, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "department", AUTH_MAX_NAME, false, &in.department, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "phone", 32, false, &in.phone, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "staff_type", 16, true, &in.staff_type, &err);
    if (rc == XN_OK)
        rc = xn_json_get_int(req->json, "department_id", false, 1, INT64_MAX, &in.department_id,
                             &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    int64_t id = 0;
    char password[AUTH_OTP_CHARS + 1];
    rc = auth_user_create(req->app->db, req->app->audit, req->app->auth, req->who, &in, &id,
                          password, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.user_create", "user", in.account);
    /* the one-time password is shown to the administrator once, to hand over in person */
    int r = http_json(resp, 201,
                      json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "account", in.account,
                                "one_time_password", password));
    crypto_wipe(password, sizeof password);
    return r;
}

int http_h_user_disable(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    const char *reason = NULL;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = http_body_string(req, "reason", 1000, false, &reason, &err);
    if (rc == XN_OK)
        rc = auth_user_disable(req->app->db, req->app->audit, req->who, id, reason, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.user_disable", "user", http_param(req, "id"));
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}

int http_h_user_sessions(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    json_t *out;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    if (auth_sessions_json(req->app->db, id, NULL, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_roles(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (auth_roles_json(req->app->db, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_role_request(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id, request_id = 0;
    bool granted = false;
    const char *role = NULL, *reason = NULL;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = http_body_string(req, "role", 16, true, &role, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "reason", 1000, false, &reason, &err);
    if (rc == XN_OK)
        rc = auth_role_request(req->app->db, req->app->audit, req->who, id, role, reason,
                               &request_id, &granted, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.role_request", "user", http_param(req, "id"));
    return http_json(resp, 201,
                     json_pack("{s:I,s:s}", "request_id", (json_int_t)request_id, "status",
                               granted ? "approved" : "pending"));
}

int http_h_role_revoke(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = auth_role_revoke(req->app->db, req->app->audit, req->who, id, http_param(req, "role"),
                              &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.role_revoke", "user", http_param(req, "id"));
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}

int http_h_requests(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *status = NULL;
    if (http_query_checked(req, "status", 64, &status) != XN_OK ||
        (status && *status && strcmp(status, "pending") != 0 && strcmp(status, "approved") != 0 &&
         strcmp(status, "rejected") != 0 && strcmp(status, "cancelled") != 0))
        return http_error(req, resp, 400, "bad_status",
                          "状态只能是 pending、approved、rejected 或 cancelled", "status");
    json_t *out;
    if (auth_requests_json(req->app->db, req->who, status, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    /* ACC-2: the approver of an account application sees whether the applicant was trained */
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(out, "items"), i, item)
    {
        const char *name =
            json_string_value(json_object_get(json_object_get(item, "application"), "real_name"));
        json_t *training = NULL;
        if (name && register_training_json(req->app->registers, name, &training, &err) == XN_OK)
            json_object_set_new(item, "training", training);
    }
    return http_json(resp, 200, out);
}

int http_h_request_decide(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    const char *decision = NULL, *comment = NULL;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = http_body_string(req, "decision", 16, true, &decision, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "comment", 1000, false, &comment, &err);
    if (rc == XN_OK && strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0)
        rc = xn_fail_field(&err, XN_EINVAL, "bad_decision", "decision",
                           "decision 只能是 approve 或 reject");
    auth_decision out;
    if (rc == XN_OK)
        rc = auth_request_decide(req->app->db, req->app->audit, req->app->auth, req->who, id,
                                 strcmp(decision, "approve") == 0, comment, &out, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.request_decide", "request",
                           http_param(req, "id"));
    json_t *body = json_pack("{s:b,s:s}", "ok", true, "status",
                             strcmp(decision, "approve") == 0 ? "approved" : "rejected");
    if (out.user_id)
        json_object_set_new(body, "user_id", json_integer(out.user_id));
    /* a new account's or a reset's one-time password: to the approver, this once */
    if (out.has_password)
        json_object_set_new(body, "one_time_password", json_string(out.one_time_password));
    int r = http_json(resp, 200, body);
    crypto_wipe(&out, sizeof out);
    return r;
}

/* ACC-16: the security administrator lifts a sign-in lock, giving a reason. */
int http_h_user_unlock(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    const char *reason = NULL;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    int rc = http_body_string(req, "reason", 1000, true, &reason, &err);
    if (rc == XN_OK)
        rc = auth_user_unlock(req->app->db, req->app->audit, req->who, id, reason, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.unlock", "user", http_param(req, "id"));
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}
