/* System endpoints: health (database reachable, schema version, build, uptime) and metrics. */
#include "http/http_internal.h"

int http_h_health(http_req *req, http_resp *resp)
{
    http_app *app = req->app;
    xn_error err;
    int64_t t0 = xn_monotonic_us();
    int version = 0;
    bool db_ok = store_schema_version(app->db, &version, &err) == XN_OK;
    int64_t latency = xn_monotonic_us() - t0;
    char now[XN_TIME_STR];
    xn_time_format(xn_now_us(), now);
    json_t *db = json_pack("{s:b, s:i, s:I, s:s}", "ok", db_ok, "schema_version", version,
                           "latency_us", (json_int_t)latency, "path", store_target(app->db));
    if (!db_ok)
        json_object_set_new(db, "error", json_string(err.message));
    json_t *body = json_pack("{s:s, s:s, s:I, s:s, s:o}", "status", db_ok ? "ok" : "degraded",
                             "version", XN_VERSION, "uptime_s",
                             (json_int_t)((xn_monotonic_us() - app->started_us) / 1000000), "time",
                             now, "database", db);
    return http_json(resp, db_ok ? 200 : 503, body);
}

int http_h_metrics(http_req *req, http_resp *resp)
{
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return http_metrics_render(http_req_server(req), &resp->body);
}
