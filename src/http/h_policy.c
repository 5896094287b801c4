/*
 * The password policy (ACC-8..10): GET /api/policy and PUT /api/policy/:profile for the
 * security administrator (policy.manage), GET /api/me/policy for anyone signed in (the rules of
 * their own profile, for the forms' hints), and the weak-password list, GET and PUT
 * /api/policy/weak-list (a text/plain body). The auth room validates, stores and records; these
 * handlers only translate.
 */
#include "http/http_internal.h"

#include <string.h>

int http_h_policy(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out = NULL;
    if (auth_policy_list_json(req->app->db, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_my_policy(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out = NULL;
    if (auth_policy_mine_json(req->app->db, req->who, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_policy_update(http_req *req, http_resp *resp)
{
    xn_error err;
    auth_profile profile;
    const char *name = http_param(req, "profile");
    if (!name || auth_profile_parse(name, &profile) != XN_OK)
        return http_error(req, resp, 404, "not_found",
                          "没有这个口令策略（只有 user、admin、server、media）", "profile");
    auth_policy eff;
    if (auth_policy_update(req->app->db, req->app->audit, req->who, profile, req->json, &eff,
                           &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200,
                     json_pack("{s:s,s:s,s:o}", "profile", auth_profile_name(profile), "name",
                               auth_profile_label(profile), "effective", auth_policy_json(&eff)));
}

int http_h_weak_list(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out = NULL;
    if (auth_weak_list_json(req->app->db, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_weak_list_replace(http_req *req, http_resp *resp)
{
    xn_error err;
    auth_weak_list_info info;
    if (auth_weak_list_replace(req->app->db, req->app->audit, req->app->auth, req->who, req->body,
                               req->body ? req->body_len : 0, &info, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200,
                     json_pack("{s:I,s:I,s:s}", "entries", (json_int_t)info.entries, "ignored",
                               (json_int_t)info.ignored, "digest", info.digest));
}
