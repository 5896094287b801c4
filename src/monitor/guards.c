/*
 * The guard agents as the server sees them (MON-4, MON-10): each agent (an agent token of scope
 * guard) reports a heartbeat and its events — restored, quarantined, overflow rescans — with a
 * sequence number of its own, so an event sent twice after a lost answer is stored once.
 * Tampering a guard found is an alarm and opens an incident (one open per agent); an agent not
 * heard from for two minutes is marked offline and its group told, once until it is back.
 */
#include "monitor/monitor_int.h"

#include <stdlib.h>
#include <string.h>

#define OFFLINE_AFTER_US (120LL * 1000000)
#define MAX_EVENTS       500 /* per report */

typedef struct report_ctx {
    monitor_ctx *m;
    const char *agent_id, *agent_name;
    const json_t *body;
    int stored, tampering;
    char first[600];
} report_ctx;

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static int report_tx(store_conn *tx, void *ctx, xn_error *err)
{
    report_ctx *x = ctx;
    const json_t *hb = json_object_get(x->body, "heartbeat");
    store_stmt *st;
    int64_t now = xn_now_us();
    int rc = store_prepare(tx,
                           "INSERT INTO guard_agent (token_id, name, root, entries, last_seen_at,"
                           " state, since) VALUES ($1, $2, $3, $4, $5, 'online', $5)"
                           " ON CONFLICT (token_id) DO UPDATE SET name = excluded.name,"
                           " root = CASE WHEN excluded.root = '' THEN guard_agent.root"
                           " ELSE excluded.root END, entries = CASE WHEN excluded.entries < 0"
                           " THEN guard_agent.entries ELSE excluded.entries END,"
                           " last_seen_at = excluded.last_seen_at,"
                           " since = CASE WHEN guard_agent.state = 'online' THEN guard_agent.since"
                           " ELSE excluded.since END, state = 'online'",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, x->agent_id, -1);
    store_bind_text(st, 2, x->agent_name, -1);
    store_bind_text(st, 3, str(hb, "root"), -1);
    store_bind_int(st, 4,
                   json_is_integer(json_object_get(hb, "entries"))
                       ? json_integer_value(json_object_get(hb, "entries"))
                       : -1);
    store_bind_int(st, 5, now);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(x->body, "events"), i, ev)
    {
        rc = store_prepare(tx,
                           "INSERT INTO guard_event (token_id, seq, at, received_at, event, path,"
                           " kind, ms, approved, found) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                           " $9, $10) ON CONFLICT (token_id, seq) DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, x->agent_id, -1);
        store_bind_int(st, 2, json_integer_value(json_object_get(ev, "seq")));
        store_bind_int(st, 3, json_integer_value(json_object_get(ev, "at")));
        store_bind_int(st, 4, now);
        store_bind_text(st, 5, str(ev, "event"), -1);
        store_bind_text(st, 6, str(ev, "path"), -1);
        store_bind_text(st, 7, str(ev, "kind"), -1);
        store_bind_int(st, 8, (int64_t)(json_number_value(json_object_get(ev, "ms")) * 1000));
        store_bind_text(st, 9, str(ev, "approved"), -1);
        store_bind_text(st, 10, str(ev, "found"), -1);
        rc = store_step(st, err);
        store_stmt_done(st);
        if (rc < 0)
            return rc;
        if (store_changes(tx) == 0)
            continue; /* sent before */
        x->stored++;
        const char *e = str(ev, "event");
        const char *done = !strcmp(e, "restored")      ? "已恢复"
                           : !strcmp(e, "quarantined") ? "已隔离"
                           : !strcmp(e, "denied")      ? "已拒绝打开"
                                                       : NULL;
        if (done && !x->tampering++)
            snprintf(x->first, sizeof x->first, "%s %s（%s）", done, str(ev, "path"),
                     str(ev, "kind"));
    }
    if (x->stored) {
        json_t *detail = json_pack("{s:s, s:i, s:i}", "agent", x->agent_name, "events", x->stored,
                                   "tampering", x->tampering);
        char *dj = json_dumps(detail, JSON_COMPACT);
        json_decref(detail);
        audit_event ae = {.action = "guard.report",
                          .actor = &audit_system_actor,
                          .object_type = "guard_agent",
                          .object_id = x->agent_id,
                          .result = AUDIT_OK,
                          .detail_json = dj};
        rc = audit_append(x->m->opt.trail, tx, &ae, err);
        free(dj);
    }
    return rc;
}

/* Checks one report's shape before anything is stored. */
static int report_check(const json_t *body, xn_error *err)
{
    const json_t *events = json_object_get(body, "events");
    if (!json_is_object(body) || (events && !json_is_array(events)) ||
        json_array_size(events) > MAX_EVENTS)
        return xn_fail_field(err, XN_EINVAL, "bad_report", "events",
                             "report: {heartbeat?, events: [at most 500]}");
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        const json_t *seq = json_object_get(ev, "seq");
        const char *e = json_string_value(json_object_get(ev, "event"));
        const char *path = json_string_value(json_object_get(ev, "path"));
        if (!json_is_object(ev) || !json_is_integer(seq) || json_integer_value(seq) <= 0 || !e ||
            strlen(e) > 32 || !path || strlen(path) > 4096 || !xn_utf8_valid(path, strlen(path)) ||
            !json_is_integer(json_object_get(ev, "at")))
            return xn_fail_field(err, XN_EINVAL, "bad_event", "events",
                                 "event %zu: {seq > 0, at, event, path, kind, ms?} expected", i);
    }
    return XN_OK;
}

int monitor_guard_report(monitor_ctx *m, const char *agent_id, const char *agent_name,
                         const json_t *body, int *stored, xn_error *err)
{
    int rc = report_check(body, err);
    if (rc != XN_OK)
        return rc;
    report_ctx x = {.m = m, .agent_id = agent_id, .agent_name = agent_name, .body = body};
    rc = store_tx(m->opt.db, report_tx, &x, err);
    if (rc != XN_OK)
        return rc;
    *stored = x.stored;
    if (x.tampering && m->opt.incidents) {
        char cause[INCIDENT_MAX_CAUSE], title[300], note[800];
        snprintf(cause, sizeof cause, "guard.tamper:%s", agent_id);
        snprintf(title, sizeof title, "网页防篡改代理发现篡改：%s", agent_name);
        snprintf(note, sizeof note, "防篡改代理发现并处置了 %d 处篡改，如：%s", x.tampering,
                 x.first);
        incident_in in = {.kind = "defacement",
                          .title = title,
                          .site_affected = 1,
                          .note = note,
                          .cause = cause,
                          .source = "guard"};
        int64_t id = 0;
        xn_error ierr;
        incident_open(m->opt.incidents, &audit_system_actor, &in, &id, NULL, &ierr);
    }
    return XN_OK;
}

/* ---- offline agents ------------------------------------------------------------------------ */

typedef struct offline_ctx {
    monitor_ctx *m;
    int told;
} offline_ctx;

static int offline_tx(store_conn *tx, void *ctx, xn_error *err)
{
    offline_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE guard_agent SET state = 'offline', since = $1 WHERE"
                           " state = 'online' AND last_seen_at < $2 RETURNING token_id, name",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    int64_t now = xn_now_us();
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, now - OFFLINE_AFTER_US);
    char names[16][AUTH_MAX_NAME + 1], ids[16][AUTH_AGENT_ID_CHARS + 1];
    int n = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && n < 16) {
        xn_strlcpy(ids[n], store_col_text(st, 0), sizeof ids[n]);
        xn_strlcpy(names[n], store_col_text(st, 1), sizeof names[n]);
        n++;
    }
    if (rc == STORE_ROW)
        store_stmt_done(st);
    for (int i = 0; rc >= 0 && i < n; i++) {
        json_t *vars = json_pack("{s:s, s:s, s:s, s:s}", "site", names[i], "url", "", "alarm",
                                 "防篡改代理离线", "detail", "两分钟未收到心跳");
        rc = x->m->opt.notify ? notify_raise(x->m->opt.notify, tx, "monitor.alarm", NULL,
                                             "guard_agent", ids[i], vars, NULL, err)
                              : XN_OK;
        json_decref(vars);
        if (rc == XN_OK) {
            audit_event ae = {.action = "guard.offline",
                              .actor = &audit_system_actor,
                              .object_type = "guard_agent",
                              .object_id = ids[i],
                              .result = AUDIT_OK};
            rc = audit_append(x->m->opt.trail, tx, &ae, err);
        }
        x->told++;
    }
    return rc < 0 ? rc : XN_OK;
}

int monitor_guards_check(monitor_ctx *m, json_t *summary, xn_error *err)
{
    offline_ctx x = {.m = m};
    int rc = store_tx(m->opt.db, offline_tx, &x, err);
    if (rc == XN_OK && x.told)
        json_object_set_new(summary, "agents_offline", json_integer(x.told));
    return rc;
}

int monitor_guards_json(monitor_ctx *m, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(m->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT token_id, name, root, entries, last_seen_at, state, since FROM"
                       " guard_agent ORDER BY state = 'offline' DESC, name",
                       &st, err);
    json_t *agents = json_array();
    if (rc == XN_OK) {
        while ((rc = store_step(st, err)) == STORE_ROW)
            json_array_append_new(
                agents,
                json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:I, s:o}", "id", store_col_text(st, 0),
                          "name", store_col_text(st, 1), "root", store_col_text(st, 2), "entries",
                          (json_int_t)store_col_int(st, 3), "last_seen_at",
                          (json_int_t)store_col_int(st, 4), "state", store_col_text(st, 5), "since",
                          (json_int_t)store_col_int(st, 6), "events", json_array()));
    }
    if (rc >= 0)
        rc = store_prepare(c,
                           "SELECT e.token_id, e.seq, e.at, e.event, e.path, e.kind, e.ms,"
                           " e.approved, e.found, q.file_id FROM guard_event e"
                           " LEFT JOIN guard_quarantine q ON e.event = 'quarantined'"
                           " AND q.sha256 = e.found"
                           " ORDER BY e.received_at DESC, e.seq DESC LIMIT 500",
                           &st, err);
    if (rc >= 0) {
        while ((rc = store_step(st, err)) == STORE_ROW) {
            size_t i;
            json_t *a;
            json_array_foreach(agents, i, a)
            {
                if (strcmp(str(a, "id"), store_col_text(st, 0)) != 0)
                    continue;
                json_t *ev = json_pack(
                    "{s:I, s:I, s:s, s:s, s:s, s:f, s:s, s:s}", "seq",
                    (json_int_t)store_col_int(st, 1), "at", (json_int_t)store_col_int(st, 2),
                    "event", store_col_text(st, 3), "path", store_col_text(st, 4), "kind",
                    store_col_text(st, 5), "ms", (double)store_col_int(st, 6) / 1000.0, "approved",
                    store_col_text(st, 7), "found", store_col_text(st, 8));
                /* the page links a quarantined file the server holds, else says where it is */
                if (!strcmp(store_col_text(st, 3), "quarantined") && *store_col_text(st, 8))
                    json_object_set_new(ev, "quarantine_file",
                                        json_boolean(!store_col_is_null(st, 9)));
                json_array_append_new(json_object_get(a, "events"), ev);
            }
        }
    }
    store_release(c);
    if (rc < 0) {
        json_decref(agents);
        return rc;
    }
    *out = json_pack("{s:o}", "items", agents);
    return XN_OK;
}

/* ---- quarantined files --------------------------------------------------------------------- */

int monitor_guard_quarantine_find(monitor_ctx *m, const char *agent_id, const char *sha256,
                                  char path[MONITOR_GUARD_PATH], int64_t *file_id, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(m->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    *file_id = 0;
    rc = store_prepare(c,
                       "SELECT e.path, (SELECT q.file_id FROM guard_quarantine q WHERE q.sha256 ="
                       " $2) FROM guard_event e WHERE e.token_id = $1 AND e.event = 'quarantined'"
                       " AND e.found = $2 ORDER BY e.seq DESC LIMIT 1",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, agent_id, -1);
        store_bind_text(st, 2, sha256, -1);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            xn_strlcpy(path, store_col_text(st, 0), MONITOR_GUARD_PATH);
            *file_id = store_col_is_null(st, 1) ? 0 : store_col_int(st, 1);
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            /* only what the agent reported as quarantined: the route is no general drop box */
            rc = xn_fail_field(err, XN_ENOTFOUND, "no_quarantine", "sha256",
                               "该代理没有上报此摘要的隔离事件");
        }
    }
    store_release(c);
    return rc;
}

int monitor_guard_quarantine_link(monitor_ctx *m, store_conn *tx, const char *agent_id,
                                  const char *sha256, const char *path, int64_t file_id,
                                  int64_t size, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO guard_quarantine (sha256, file_id, token_id, path, size,"
                           " received_at) VALUES ($1, $2, $3, $4, $5, $6)"
                           " ON CONFLICT (sha256) DO NOTHING",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, sha256, -1);
    store_bind_int(st, 2, file_id);
    store_bind_text(st, 3, agent_id, -1);
    store_bind_text(st, 4, path, -1);
    store_bind_int(st, 5, size);
    store_bind_int(st, 6, xn_now_us());
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (store_changes(tx) == 0) /* a concurrent upload of the same content won */
        return xn_fail(err, XN_ECONFLICT, "already_stored", "此隔离文件已保存");
    json_t *detail = json_pack("{s:s, s:s, s:I, s:I}", "sha256", sha256, "path", path, "file_id",
                               (json_int_t)file_id, "size", (json_int_t)size);
    char *dj = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    audit_actor actor = {.kind = "agent", .name = agent_id};
    audit_event ae = {.action = "guard.quarantine_file",
                      .actor = &actor,
                      .object_type = "guard_agent",
                      .object_id = agent_id,
                      .result = AUDIT_OK,
                      .detail_json = dj};
    rc = audit_append(m->opt.trail, tx, &ae, err);
    free(dj);
    return rc;
}

int monitor_guard_quarantine_file(monitor_ctx *m, const char *sha256, int64_t *file_id,
                                  xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(m->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c, "SELECT file_id FROM guard_quarantine WHERE sha256 = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, sha256, -1);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            *file_id = store_col_int(st, 0);
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail_field(err, XN_ENOTFOUND, "not_found", "sha256", "服务器上没有此隔离文件");
        }
    }
    store_release(c);
    return rc;
}
