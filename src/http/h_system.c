/*
 * System endpoints: health (database reachable, schema version, build, uptime), public and
 * without any filesystem path; the system status for the system administrator (the same with
 * the paths, the lexicons and the warnings a person should see); and metrics.
 */
#include "http/http_internal.h"

#include <string.h>

/* The database answers (its schema version, how long it took) and the time now: what both the
 * public health and the administrators' status report. */
typedef struct db_probe {
    bool ok;
    int version;
    int64_t latency_us;
    char now[XN_TIME_STR];
} db_probe;

static void probe(const http_app *app, db_probe *p, xn_error *err)
{
    int64_t t0 = xn_monotonic_us();
    p->version = 0;
    p->ok = store_schema_version(app->db, &p->version, err) == XN_OK;
    p->latency_us = xn_monotonic_us() - t0;
    xn_time_format(xn_now_us(), p->now);
}

int http_h_health(http_req *req, http_resp *resp)
{
    http_app *app = req->app;
    xn_error err;
    db_probe p;
    probe(app, &p, &err);
    bool db_ok = p.ok;
    int version = p.version;
    int64_t latency = p.latency_us;
    const char *now = p.now;
    long long uptime = (long long)((xn_monotonic_us() - app->started_us) / 1000000);
    /* Written directly rather than built as a jansson tree and dumped: that cost about as
     * much as the database query itself (seen under load), and this endpoint is polled. */
    resp->status = db_ok ? 200 : 503;
    resp->content_type = "application/json; charset=utf-8";
    xn_buf_reset(&resp->body);
    xn_buf_printf(&resp->body,
                  "{\"status\":\"%s\",\"version\":\"" XN_VERSION "\",\"uptime_s\":%lld,"
                  "\"time\":\"%s\",\"database\":{\"ok\":%s,\"schema_version\":%d,"
                  "\"latency_us\":%lld",
                  db_ok ? "ok" : "degraded", uptime, now, db_ok ? "true" : "false", version,
                  (long long)latency);
    /* Public: the error's code only, its message may name the database file. */
    if (!db_ok) {
        xn_buf_puts(&resp->body, ",\"error\":");
        xn_json_put_string(&resp->body, err.code);
    }
    xn_buf_puts(&resp->body, "}}");
    return 0;
}

int http_h_system_status(http_req *req, http_resp *resp)
{
    http_app *app = req->app;
    xn_error err;
    db_probe p;
    probe(app, &p, &err);
    bool db_ok = p.ok;
    int version = p.version;
    int64_t latency = p.latency_us;
    const char *now = p.now;
    char witness[512];
    audit_witness_file(app->cfg, witness, sizeof witness);
    lexicon_status lex = {.seeded_from = LEXICON_SEED_NONE};
    if (app->lexicons)
        lexicon_live_status(app->lexicons, &lex);
    json_t *warnings = json_array();
    if (!db_ok)
        json_array_append_new(warnings, json_pack("{s:s,s:s}", "code", "database", "message",
                                                  "数据库不可用，请查看服务器日志"));
    if (lex.entries == 0)
        json_array_append_new(
            warnings, json_pack("{s:s,s:s}", "code", "no_lexicons", "message",
                                "未加载敏感词库：内容检查只能发现个人信息，请导入词库或检查 "
                                "text.lexicons 设置"));
    json_t *out = json_pack(
        "{s:s,s:s,s:I,s:s,s:{s:b,s:i,s:I,s:s,s:s*},s:{s:s},s:{s:s,s:s,s:I,s:I},s:o}", "status",
        db_ok ? "ok" : "degraded", "version", XN_VERSION, "uptime_s",
        (json_int_t)((xn_monotonic_us() - app->started_us) / 1000000), "time", now, "database",
        "ok", db_ok, "schema_version", version, "latency_us", (json_int_t)latency, "path",
        store_target(app->db), "error", db_ok ? NULL : err.message, "audit", "witness", witness,
        "lexicons", "path", app->cfg->lexicons, "source", lex.seeded_from, "count",
        (json_int_t)lex.lexicons, "entries", (json_int_t)lex.entries, "warnings", warnings);
    return http_json(resp, 200, out);
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
