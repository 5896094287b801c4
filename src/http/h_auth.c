/*
 * Sign-in, sign-out and one's own account: /api/auth/..., /api/me..., /api/password/check,
 * /api/sessions/:id. Handlers validate the body's shape; the auth room checks the values.
 */
#include "http/http_internal.h"

#include <string.h>

static void set_session_cookie(http_req *req, http_resp *resp, const char *token)
{
    /* no Max-Age: the server decides expiry; the cookie ends with the browser too */
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             "%s=%s; Path=/; %sHttpOnly; SameSite=Strict", http_cookie_name(req->app), token,
             req->app->secure_cookies ? "Secure; " : "");
}

static void clear_session_cookie(http_req *req, http_resp *resp)
{
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             "%s=; Path=/; %sHttpOnly; SameSite=Strict; Max-Age=0", http_cookie_name(req->app),
             req->app->secure_cookies ? "Secure; " : "");
}

/* {"user":{…}} of a principal, written directly rather than built as a jansson tree: /api/me
 * runs on every page load, and the tree cost about as much as the session check (measured
 * with bench/auth). */
static int principal_body(http_req *req, http_resp *resp, const auth_principal *p)
{
    xn_buf *b = &resp->body;
    xn_buf_reset(b);
    int rc = xn_buf_printf(b, "{\"user\":{\"id\":%lld,\"account\":", (long long)p->user_id);
    rc |= xn_json_put_string(b, p->account);
    rc |= xn_buf_puts(b, ",\"real_name\":");
    rc |= xn_json_put_string(b, p->real_name);
    rc |= xn_buf_printf(b, ",\"session\":\"%s\",\"roles\":[", p->session_id);
    for (int i = 0; i < p->nroles; i++) {
        rc |= xn_buf_puts(b, i ? "," : "");
        rc |= xn_json_put_string(b, p->roles[i]);
    }
    rc |= xn_buf_puts(b, "],\"permissions\":[");
    for (int i = 0, n = 0; auth_permissions[i]; i++)
        if (auth_can(p, auth_permissions[i]))
            rc |= xn_buf_printf(b, "%s\"%s\"", n++ ? "," : "", auth_permissions[i]);
    rc |= xn_buf_printf(b,
                        "],\"admin\":%s,\"must_change\":%s,\"must_enrol_totp\":%s,"
                        "\"totp\":%s,\"csrf\":\"%s\",\"idle_timeout\":%lld}}",
                        p->admin ? "true" : "false", p->must_change ? "true" : "false",
                        p->must_enrol_totp ? "true" : "false", p->totp ? "true" : "false", p->csrf,
                        /* ACC-15: the page locks itself after this many seconds without use */
                        (long long)(req->app->auth->idle_timeout / 1000000));
    resp->status = rc == XN_OK ? 200 : 500;
    resp->content_type = "application/json; charset=utf-8";
    return 0;
}

int http_h_login(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *account = NULL, *password = NULL, *totp = NULL;
    int rc = http_body_string(req, "account", AUTH_MAX_ACCOUNT, true, &account, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "password", AUTH_MAX_PASSWORD, true, &password, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "totp", 8, false, &totp, &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    auth_login_in in = {.account = account,
                        .password = password,
                        .totp = totp,
                        .source = req->peer,
                        .user_agent = http_header(req, "User-Agent")};
    auth_login_out *out = xn_arena_calloc(req->arena, 1, sizeof *out);
    if (!out)
        return http_error(req, resp, 500, "internal", "out of memory", NULL);
    rc = auth_login(req->app->db, req->app->audit, req->app->auth, &in, out, &err);
    if (rc == XN_EDENIED)
        return http_error(req, resp, 401, err.code, err.message, NULL);
    if (rc == XN_EBUSY)
        return http_error(req, resp, 429, err.code, err.message, NULL);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    if (out->need_totp)
        return http_json(resp, 200, json_pack("{s:b}", "need_totp", true));
    set_session_cookie(req, resp, out->token);
    crypto_wipe(out->token, sizeof out->token);
    return principal_body(req, resp, &out->who);
}

int http_h_logout(http_req *req, http_resp *resp)
{
    xn_error err;
    int rc = auth_session_end(req->app->db, req->app->audit, req->who, req->who->session_id,
                              "logout", &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    clear_session_cookie(req, resp);
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}

int http_h_me(http_req *req, http_resp *resp)
{
    return principal_body(req, resp, req->who);
}

int http_h_password_change(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *current = NULL, *next = NULL;
    int rc = http_body_string(req, "current", AUTH_MAX_PASSWORD, true, &current, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "password", AUTH_MAX_PASSWORD, true, &next, &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    char token[AUTH_TOKEN_CHARS + 1];
    rc = auth_password_change(req->app->db, req->app->audit, req->app->auth, req->who, current,
                              next, token, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.password_change", "user", req->who->account);
    set_session_cookie(req, resp, token);
    crypto_wipe(token, sizeof token);
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}

/* Live feedback while typing: every violation, in Chinese. Nothing is stored. */
int http_h_password_check(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *candidate = NULL, *current = NULL;
    int rc = http_body_string(req, "password", AUTH_MAX_PASSWORD * 2, true, &candidate, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "current", AUTH_MAX_PASSWORD, false, &current, &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    /* the effective policy of the person's profile and the stored weak list */
    auth_policy_result res;
    rc =
        auth_password_check(req->app->db, req->app->auth, req->who, candidate, current, &res, &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    xn_buf_reset(&resp->body);
    if (auth_policy_result_json(&res, &resp->body) != XN_OK)
        return http_error(req, resp, 500, "internal", "out of memory", NULL);
    resp->status = 200;
    return XN_OK;
}

int http_h_totp_begin(http_req *req, http_resp *resp)
{
    xn_error err;
    char secret[CRYPTO_TOTP_B32_LEN + 1];
    int rc = auth_totp_begin(req->app->db, req->app->auth, req->who, secret, &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    /* otpauth URI per the Key Uri Format authenticator apps read from the QR code */
    char uri[256];
    snprintf(uri, sizeof uri, "otpauth://totp/xinan:%s?secret=%s&issuer=xinan&digits=6&period=30",
             req->who->account, secret);
    int r = http_json(resp, 200, json_pack("{s:s,s:s}", "secret", secret, "uri", uri));
    crypto_wipe(secret, sizeof secret);
    return r;
}

int http_h_totp_confirm(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *code = NULL, *current = NULL;
    int rc = http_body_string(req, "code", 8, true, &code, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "current", AUTH_MAX_PASSWORD, false, &current, &err);
    if (rc == XN_OK)
        rc = auth_totp_confirm(req->app->db, req->app->audit, req->app->auth, req->who, code,
                               current, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "auth.totp_enrol", "user", req->who->account);
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}

int http_h_my_sessions(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out = NULL;
    if (auth_sessions_json(req->app->db, req->who->user_id, req->who->session_id, &out, &err))
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_session_end(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *id = http_param(req, "id");
    /* the auth room checks ownership and records a refusal itself */
    int rc = auth_session_end(req->app->db, req->app->audit, req->who, id, "ended_by_user", &err);
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    if (strcmp(id, req->who->session_id) == 0)
        clear_session_cookie(req, resp);
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}
