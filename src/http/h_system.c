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
    long long uptime = (long long)((xn_monotonic_us() - app->started_us) / 1000000);
    if (db_ok) {
        /* The usual answer is written directly, the same bytes a jansson dump gives: building
         * and dumping a tree cost about as much as the database query (seen under load). */
        resp->status = 200;
        resp->content_type = "application/json; charset=utf-8";
        xn_buf_reset(&resp->body);
        xn_buf_printf(&resp->body,
                      "{\"status\":\"ok\",\"version\":\"" XN_VERSION "\",\"uptime_s\":%lld,"
                      "\"time\":\"%s\",\"database\":{\"ok\":true,\"schema_version\":%d,"
                      "\"latency_us\":%lld,\"path\":",
                      uptime, now, version, (long long)latency);
        xn_json_put_string(&resp->body, store_target(app->db));
        xn_buf_puts(&resp->body, "}}");
        return 0;
    }
    json_t *db =
        json_pack("{s:b, s:i, s:I, s:s, s:s}", "ok", 0, "schema_version", version, "latency_us",
                  (json_int_t)latency, "path", store_target(app->db), "error", err.message);
    json_t *body =
        json_pack("{s:s, s:s, s:I, s:s, s:o}", "status", "degraded", "version", XN_VERSION,
                  "uptime_s", (json_int_t)uptime, "time", now, "database", db);
    return http_json(resp, 503, body);
}

int http_h_metrics(http_req *req, http_resp *resp)
{
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return http_metrics_render(http_req_server(req), &resp->body);
}
