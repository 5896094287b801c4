/*
 * Website watch (MON-1, MON-3, MON-6, MON-10): the sites with their states, one site with its
 * checks and alarms, adding and removing a site (the system administrator), and a check now.
 * The monitor room checks and records; these handlers only translate.
 */
#include "http/http_internal.h"

#include <string.h>

int http_h_monitor_sites(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (monitor_sites_json(req->app->monitor, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_monitor_site(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    json_t *out = NULL;
    xn_error err;
    if (monitor_site_json(req->app->monitor, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

static int opt_string(http_req *req, const char *name, size_t max, const char **out, xn_error *err)
{
    *out = NULL;
    json_t *v = json_object_get(req->json, name);
    if (!v || json_is_null(v))
        return XN_OK;
    return http_body_string(req, name, max, false, out, err);
}

static int int_member(http_req *req, const char *name, int dflt, int *out, xn_error *err)
{
    json_t *v = json_object_get(req->json, name);
    *out = dflt;
    if (!v || json_is_null(v))
        return XN_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
        return xn_fail_field(err, XN_EINVAL, "bad_type", name, "%s 须为整数", name);
    *out = (int)json_integer_value(v);
    return XN_OK;
}

int http_h_monitor_site_create(http_req *req, http_resp *resp)
{
    xn_error err;
    monitor_site_in in = {0};
    int rc = http_body_string(req, "name", 120, true, &in.name, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "url", MONITOR_MAX_URL, true, &in.url, &err);
    if (rc == XN_OK)
        rc = int_member(req, "interval_s", 60, &in.interval_s, &err);
    if (rc == XN_OK)
        rc = int_member(req, "failures", 2, &in.failures, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "group", 64, &in.group, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "must_words", MONITOR_MAX_WORDS, &in.must_words, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "forbidden_words", MONITOR_MAX_WORDS, &in.forbidden_words, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "allow_hosts", MONITOR_MAX_WORDS, &in.allow_hosts, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "noise", MONITOR_MAX_WORDS, &in.noise, &err);
    json_t *pt = json_object_get(req->json, "publish_target");
    if (rc == XN_OK && pt && !json_is_boolean(pt))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "publish_target",
                           "publish_target 须为 true 或 false");
    in.publish_target = json_is_true(pt);
    json_t *v6 = json_object_get(req->json, "ipv6");
    if (rc == XN_OK && v6 && !json_is_boolean(v6))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "ipv6", "ipv6 须为 true 或 false");
    in.ipv6 = json_is_true(v6);
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = monitor_site_create(req->app->monitor, &actor, &in, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "monitor.site_create", "monitor_site", NULL);
    json_t *out = NULL;
    if (monitor_site_json(req->app->monitor, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 201, out);
}

int http_h_monitor_site_delete(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (monitor_site_delete(req->app->monitor, &actor, id, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, json_pack("{s:b}", "removed", true));
}

int http_h_monitor_site_check(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    if (monitor_check_site(req->app->monitor, id, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_h_monitor_site(req, resp);
}

/* ---- the guard agents ---------------------------------------------------------------------- */

int http_h_guard_report(http_req *req, http_resp *resp)
{
    auth_agent a;
    if (http_agent_authorise(req, resp, "guard", &a) != XN_OK)
        return 0;
    int stored = 0;
    xn_error err;
    if (monitor_guard_report(req->app->monitor, a.id, a.name, req->json, &stored, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, json_pack("{s:i}", "stored", stored));
}

/* The signed manifest an agent enforces (?have=<digest>: 204 when it is still current). */
int http_h_guard_manifest(http_req *req, http_resp *resp)
{
    auth_agent a;
    if (http_agent_authorise(req, resp, "guard", &a) != XN_OK)
        return 0;
    const char *have = NULL;
    if (http_query_checked(req, "have", 64, &have) != XN_OK)
        return http_error(req, resp, 400, "bad_request", "have must be a digest", "have");
    json_t *out = NULL;
    xn_error err;
    if (publish_guard_manifest(req->app->publish, have, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    if (!out) {
        resp->status = 204;
        return 0;
    }
    return http_json(resp, 200, out);
}

/* The site's signing key and the current manifest's digest, for the administrator enrolling an
 * agent with --key (read here, typed there: the agent pins what the administrator saw). */
int http_h_guard_site_key(http_req *req, http_resp *resp)
{
    json_t *doc = NULL;
    xn_error err;
    int rc = publish_guard_manifest(req->app->publish, NULL, &doc, &err);
    /* nothing published yet is an answer, not an error: no key to show */
    if (rc == XN_ENOTFOUND)
        return http_json(resp, 200, json_pack("{s:n, s:n}", "public_key", "digest"));
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    json_t *out = json_pack("{s:O, s:O}", "public_key", json_object_get(doc, "public_key"),
                            "digest", json_object_get(doc, "digest"));
    json_decref(doc);
    return http_json(resp, 200, out);
}

/* An approved file by its digest, for an agent's store. */
int http_h_guard_file(http_req *req, http_resp *resp)
{
    auth_agent a;
    if (http_agent_authorise(req, resp, "guard", &a) != XN_OK)
        return 0;
    int fd;
    uint64_t size;
    xn_error err;
    if (publish_guard_file(req->app->publish, http_param(req, "digest"), &fd, &size, &err) != XN_OK)
        return http_fail(req, resp, &err);
    http_file(resp, 200, "application/octet-stream", fd, size, "");
    return 0;
}

int http_h_guard_agents(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (monitor_guards_json(req->app->monitor, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}
