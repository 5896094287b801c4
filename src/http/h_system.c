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
    /* Written directly rather than built as a jansson tree and dumped: that cost about as
     * much as the database query itself (seen under load), and this endpoint is polled. */
    resp->status = db_ok ? 200 : 503;
    resp->content_type = "application/json; charset=utf-8";
    xn_buf_reset(&resp->body);
    xn_buf_printf(&resp->body,
                  "{\"status\":\"%s\",\"version\":\"" XN_VERSION "\",\"uptime_s\":%lld,"
                  "\"time\":\"%s\",\"database\":{\"ok\":%s,\"schema_version\":%d,"
                  "\"latency_us\":%lld,\"path\":",
                  db_ok ? "ok" : "degraded", uptime, now, db_ok ? "true" : "false", version,
                  (long long)latency);
    xn_json_put_string(&resp->body, store_target(app->db));
    if (!db_ok) {
        xn_buf_puts(&resp->body, ",\"error\":");
        xn_json_put_string(&resp->body, err.message);
    }
    xn_buf_puts(&resp->body, "}}");
    return 0;
}

int http_h_metrics(http_req *req, http_resp *resp)
{
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return http_metrics_render(http_req_server(req), &resp->body);
}

/* The names of every code the server sends (audit/labels.c): the UI reads them from here, so
 * the pages and the exports name a code the same way. */
int http_h_labels(http_req *req, http_resp *resp)
{
    (void)req;
    return http_json(resp, 200, audit_labels_json());
}
