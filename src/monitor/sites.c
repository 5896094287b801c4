/*
 * Monitored sites: kept by the system administrator (audited), listed with their states, one
 * site with its recent checks (the uptime and response-time chart) and its events.
 */
#include "monitor/monitor_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int monitor_open(monitor_ctx **out, const monitor_options *opt, xn_error *err)
{
    monitor_ctx *m = calloc(1, sizeof *m);
    if (!m)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    m->opt = *opt;
    pthread_mutex_init(&m->lock, NULL);
    *out = m;
    return XN_OK;
}

void monitor_free(monitor_ctx *m)
{
    if (!m)
        return;
    if (m->multi)
        curl_multi_cleanup(m->multi);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void monitor_set_self(monitor_ctx *m, const char *host, unsigned port)
{
    xn_strlcpy(m->self_host, host, sizeof m->self_host);
    m->self_port = port;
}

int64_t monitor_now(const monitor_ctx *m)
{
    return m->opt.auth ? auth_now(m->opt.auth) : xn_now_us();
}

int monitor_record(monitor_ctx *m, store_conn *tx, const audit_actor *actor, const char *action,
                   int64_t id, json_t *detail, xn_error *err)
{
    return audit_record_change(m->opt.trail, tx, actor, action, "monitor_site", id, detail, NULL,
                               err);
}

/* http(s)://host[:port]/… with a host, no spaces or controls, and not this server. */
int monitor_url_check(const monitor_ctx *m, const char *url, char *host, size_t host_size,
                      xn_error *err)
{
    size_t n = url ? strlen(url) : 0;
    const char *p = NULL;
    if (n > 0 && n <= MONITOR_MAX_URL && xn_utf8_valid(url, n)) {
        if (strncasecmp(url, "http://", 7) == 0)
            p = url + 7;
        else if (strncasecmp(url, "https://", 8) == 0)
            p = url + 8;
    }
    for (size_t i = 0; p && i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == '"' || url[i] == '<' || url[i] == '>' ||
            url[i] == '\\')
            p = NULL;
    size_t hl = p ? strcspn(p, "/?#") : 0;
    if (!p || hl == 0 || memchr(p, '@', hl))
        return xn_fail_field(err, XN_EINVAL, "bad_url", "url",
                             "网址须以 http:// 或 https:// 开头，并含有主机名");
    const char *port = NULL;
    size_t name_len = hl;
    if (*p == '[') {
        const char *close = memchr(p, ']', hl);
        if (!close)
            return xn_fail_field(err, XN_EINVAL, "bad_url", "url", "网址的 IPv6 地址不完整");
        name_len = (size_t)(close - p) + 1;
        if (name_len < hl && p[name_len] == ':')
            port = p + name_len + 1;
    } else {
        const char *colon = memchr(p, ':', hl);
        if (colon) {
            name_len = (size_t)(colon - p);
            port = colon + 1;
        }
    }
    if (name_len >= host_size)
        return xn_fail_field(err, XN_EINVAL, "bad_url", "url", "网址的主机名过长");
    memcpy(host, p, name_len);
    host[name_len] = '\0';
    unsigned port_no = port                                ? (unsigned)strtoul(port, NULL, 10)
                       : strncasecmp(url, "https", 5) == 0 ? 443u
                                                           : 80u;
    /* the server's own address: a monitor of itself hides nothing and may loop */
    bool self_host = m->self_host[0] &&
                     (strcasecmp(host, m->self_host) == 0 ||
                      ((strcmp(m->self_host, "0.0.0.0") == 0 || strcmp(m->self_host, "::") == 0) &&
                       (strcasecmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
                        strcmp(host, "[::1]") == 0)));
    if (self_host && port_no == m->self_port)
        return xn_fail_field(err, XN_EINVAL, "self_url", "url", "不能监测信安服务器自身");
    return XN_OK;
}

typedef struct site_ctx {
    monitor_ctx *m;
    const audit_actor *actor;
    const monitor_site_in *in;
    int64_t id;
} site_ctx;

static void bind_opt(store_stmt *st, int i, const char *s)
{
    if (s && *s)
        store_bind_text(st, i, s, -1);
    else
        store_bind_null(st, i);
}

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    site_ctx *x = ctx;
    const monitor_site_in *in = x->in;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO monitor_site (name, url, interval_s, failures, group_name,"
                           " must_words, forbidden_words, allow_hosts, publish_target, state,"
                           " state_since, next_check_at, created_at, created_by, ipv6, noise)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'unknown', $10, 0, $10,"
                           " $11, $12, $13) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, in->name, -1);
    store_bind_text(st, 2, in->url, -1);
    store_bind_int(st, 3, in->interval_s);
    store_bind_int(st, 4, in->failures);
    bind_opt(st, 5, in->group);
    bind_opt(st, 6, in->must_words);
    bind_opt(st, 7, in->forbidden_words);
    bind_opt(st, 8, in->allow_hosts);
    store_bind_int(st, 9, in->publish_target);
    store_bind_int(st, 10, monitor_now(x->m));
    store_bind_text(st, 11, audit_actor_name(x->actor), -1);
    store_bind_int(st, 12, in->ipv6);
    bind_opt(st, 13, in->noise);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        x->id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    return monitor_record(x->m, tx, x->actor, "monitor.site_create", x->id,
                          json_pack("{s:s, s:s, s:i}", "name", in->name, "url", in->url,
                                    "interval_s", in->interval_s),
                          err);
}

static int words_ok(const char *s, const char *field, xn_error *err)
{
    return xn_check_text(s, MONITOR_MAX_WORDS, XN_TEXT_FREE, false, field, "词语列表", err);
}

int monitor_site_create(monitor_ctx *m, const audit_actor *actor, const monitor_site_in *in,
                        int64_t *id, xn_error *err)
{
    char host[256];
    int rc = xn_check_text(in->name, 120, XN_TEXT_LABEL, true, "name", "网站名称", err);
    if (rc == XN_OK)
        rc = monitor_url_check(m, in->url, host, sizeof host, err);
    if (rc == XN_OK && (in->interval_s < 10 || in->interval_s > 86400))
        rc = xn_fail_field(err, XN_EINVAL, "bad_interval", "interval_s",
                           "检查间隔须为 10 秒到 1 天");
    if (rc == XN_OK && (in->failures < 1 || in->failures > 10))
        rc = xn_fail_field(err, XN_EINVAL, "bad_failures", "failures", "连续失败次数须为 1 到 10");
    if (rc == XN_OK && in->group)
        rc = xn_check_text(in->group, 64, XN_TEXT_LABEL, false, "group", "通知组", err);
    if (rc == XN_OK)
        rc = words_ok(in->must_words, "must_words", err);
    if (rc == XN_OK)
        rc = words_ok(in->forbidden_words, "forbidden_words", err);
    if (rc == XN_OK)
        rc = words_ok(in->allow_hosts, "allow_hosts", err);
    if (rc == XN_OK)
        rc = monitor_noise_check(in->noise, err);
    if (rc != XN_OK)
        return rc;
    site_ctx x = {.m = m, .actor = actor, .in = in};
    rc = store_tx(m->opt.db, create_tx, &x, err);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}

static int delete_tx(store_conn *tx, void *ctx, xn_error *err)
{
    site_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE monitor_site SET removed_at = $2 WHERE id = $1"
                           " AND removed_at IS NULL",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, monitor_now(x->m));
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (store_changes(tx) == 0)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "监测网站不存在");
    return monitor_record(x->m, tx, x->actor, "monitor.site_remove", x->id, NULL, err);
}

int monitor_site_delete(monitor_ctx *m, const audit_actor *actor, int64_t id, xn_error *err)
{
    site_ctx x = {.m = m, .actor = actor, .id = id};
    return store_tx(m->opt.db, delete_tx, &x, err);
}

static json_t *opt_int(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

/* uptime_24h from the counts each check keeps (check.c): the day before the site's last check,
 * as long as that check is within the last day; the checks themselves are not counted here */
#define SITE_COLUMNS                                                                               \
    "s.id, s.name, s.url, s.state, s.state_since, s.last_check_at, s.last_latency_ms,"             \
    " s.last_status, s.cert_expires_at, s.failures_in_row, s.interval_s, s.failures,"              \
    " coalesce(s.group_name, ''), coalesce(s.must_words, ''), coalesce(s.forbidden_words, ''),"    \
    " coalesce(s.allow_hosts, ''), s.publish_target, coalesce(s.last_error, ''),"                  \
    " (SELECT count(*) FROM monitor_event e WHERE e.site_id = s.id AND e.open = 1),"               \
    " CASE WHEN s.day_checks > 0 AND s.day_from >= $1 - 86400000000"                               \
    "  THEN s.day_ok * 1000 / s.day_checks END, s.ipv6, coalesce(s.noise, '')"

static json_t *site_row(store_stmt *st)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:s, s:s,"
                  " s:s, s:s, s:b, s:s, s:I}",
                  "id", (json_int_t)store_col_int(st, 0), "name", store_col_text(st, 1), "url",
                  store_col_text(st, 2), "state", store_col_text(st, 3), "state_since",
                  (json_int_t)store_col_int(st, 4), "last_check_at", opt_int(st, 5), "latency_ms",
                  opt_int(st, 6), "status", opt_int(st, 7), "cert_expires_at", opt_int(st, 8),
                  "failures_in_row", (json_int_t)store_col_int(st, 9), "interval_s",
                  (json_int_t)store_col_int(st, 10), "failures", (json_int_t)store_col_int(st, 11),
                  "group", store_col_text(st, 12), "must_words", store_col_text(st, 13),
                  "forbidden_words", store_col_text(st, 14), "allow_hosts", store_col_text(st, 15),
                  "publish_target", store_col_int(st, 16) != 0, "last_error",
                  store_col_text(st, 17), "open_alarms", (json_int_t)store_col_int(st, 18));
    /* per cent over the last 24 hours, one decimal */
    json_object_set_new(
        o, "uptime_24h",
        store_col_is_null(st, 19) ? json_null() : json_real((double)store_col_int(st, 19) / 10.0));
    json_object_set_new(o, "ipv6", json_boolean(store_col_int(st, 20) != 0));
    json_object_set_new(o, "noise", json_string(store_col_text(st, 21)));
    return o;
}

int monitor_sites_json(monitor_ctx *m, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(m->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT " SITE_COLUMNS " FROM monitor_site s WHERE s.removed_at IS NULL"
                       " ORDER BY s.state = 'down' DESC, s.id",
                       &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    store_bind_int(st, 1, xn_now_us() - 86400LL * 1000000);
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, site_row(st));
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

int monitor_site_json(monitor_ctx *m, int64_t id, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(m->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    json_t *site = NULL;
    rc = store_prepare(c,
                       "SELECT " SITE_COLUMNS " FROM monitor_site s WHERE s.id = $2"
                       " AND s.removed_at IS NULL",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, xn_now_us() - 86400LL * 1000000);
        store_bind_int(st, 2, id);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            site = site_row(st);
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "监测网站不存在");
        }
    }
    json_t *checks = json_array(), *events = json_array();
    if (rc == XN_OK)
        rc = store_prepare(c,
                           "SELECT at, ok, status, latency_ms, coalesce(error, '') FROM"
                           " monitor_check WHERE site_id = $1 ORDER BY at DESC LIMIT 500",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        while ((rc = store_step(st, err)) == STORE_ROW)
            json_array_insert_new(
                checks, 0,
                json_pack("{s:I, s:b, s:I, s:I, s:s}", "at", (json_int_t)store_col_int(st, 0), "ok",
                          store_col_int(st, 1) != 0, "status", (json_int_t)store_col_int(st, 2),
                          "latency_ms", (json_int_t)store_col_int(st, 3), "error",
                          store_col_text(st, 4)));
        rc = rc < 0 ? rc : XN_OK;
    }
    if (rc == XN_OK)
        rc = store_prepare(c,
                           "SELECT id, at, kind, detail, open, coalesce(incident_id, 0),"
                           " coalesce(closed_at, 0), diff FROM monitor_event WHERE site_id = $1"
                           " ORDER BY id DESC LIMIT 200",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            json_array_append_new(events,
                                  json_pack("{s:I, s:I, s:s, s:s, s:b, s:I, s:I}", "id",
                                            (json_int_t)store_col_int(st, 0), "at",
                                            (json_int_t)store_col_int(st, 1), "kind",
                                            store_col_text(st, 2), "detail", store_col_text(st, 3),
                                            "open", store_col_int(st, 4) != 0, "incident_id",
                                            (json_int_t)store_col_int(st, 5), "closed_at",
                                            (json_int_t)store_col_int(st, 6)));
            /* a tampered published page: what was served against what was approved */
            if (!store_col_is_null(st, 7))
                json_object_set_new(json_array_get(events, json_array_size(events) - 1), "diff",
                                    json_string(store_col_text(st, 7)));
        }
        rc = rc < 0 ? rc : XN_OK;
    }
    store_release(c);
    if (rc != XN_OK) {
        json_decref(site);
        json_decref(checks);
        json_decref(events);
        return rc;
    }
    json_object_set_new(site, "checks", checks);
    json_object_set_new(site, "events", events);
    *out = site;
    return XN_OK;
}

typedef struct link_ctx {
    int64_t event, incident;
} link_ctx;

static int link_tx(store_conn *tx, void *ctx, xn_error *err)
{
    link_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx, "UPDATE monitor_event SET incident_id = $2 WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->event);
    store_bind_int(st, 2, x->incident);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

void monitor_event_link(monitor_ctx *m, int64_t event, int64_t incident)
{
    link_ctx x = {.event = event, .incident = incident};
    xn_error err;
    store_tx(m->opt.db, link_tx, &x, &err);
}
