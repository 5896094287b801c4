/* Incidents as the API shows them: one with its clocks, checklist and timeline; the board's
 * list; the kinds; the home page's counts (incident.h). */
#include "incident/incident_int.h"

#include <string.h>

static json_t *time_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

static json_t *time_text_or_null(store_stmt *st, int col)
{
    if (store_col_is_null(st, col))
        return json_null();
    char t[XN_TIME_STR];
    xn_time_format(store_col_int(st, col), t);
    return json_string(t);
}

static json_t *text_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

/* A clock's shown state: a running clock past its due time is overdue. */
static const char *clock_state(const char *stored, int64_t due, int64_t now)
{
    if (strcmp(stored, "running") == 0 && now >= due)
        return "overdue";
    return stored;
}

/* The clocks of incident id as an array (rows read on c, an acquired connection). */
static int clocks_json(store_conn *c, int64_t id, int64_t now, json_t **out, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT key, due_at, state, met_at, met_by, note, escalated_at,"
                           " suspended_at, suspended_by, suspend_reason, reminded FROM"
                           " incident_clock WHERE incident_id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    json_t *list = json_array();
    /* in the table's order, whatever the rows' */
    json_t *byKey = json_object();
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *key = store_col_text(st, 0);
        const incident_clock_def *d = incident_clock_def_find(key);
        int64_t due = store_col_int(st, 1);
        json_object_set_new(
            byKey, key,
            json_pack("{s:s, s:s, s:i, s:s, s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                      " s:o, s:b}",
                      "key", key, "title", d ? d->title : key, "minutes", d ? d->minutes : 0,
                      "basis", d ? d->basis : "", "due_at", (json_int_t)due, "due_text",
                      time_text_or_null(st, 1), "state",
                      clock_state(store_col_text(st, 2), due, now), "met_at", time_or_null(st, 3),
                      "met_text", time_text_or_null(st, 3), "met_by", text_or_null(st, 4), "note",
                      text_or_null(st, 5), "escalated_at", time_or_null(st, 6), "suspended_at",
                      time_or_null(st, 7), "suspended_by", text_or_null(st, 8), "suspend_reason",
                      text_or_null(st, 9), "reminded", store_col_int(st, 10) != 0));
    }
    for (size_t i = 0; i < incident_clocks_count; i++) {
        json_t *v = json_object_get(byKey, incident_clocks[i].key);
        if (v)
            json_array_append(list, v);
    }
    json_decref(byKey);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return XN_OK;
}

static json_t *steps_json(store_conn *c, const incident_kind *k, int64_t id, xn_error *err, int *rc)
{
    json_t *list = json_array();
    for (int i = 0; k && i < INCIDENT_MAX_STEPS && k->steps[i]; i++)
        json_array_append_new(list,
                              json_pack("{s:i, s:s, s:b, s:n, s:n, s:n}", "index", i, "text",
                                        k->steps[i], "done", 0, "done_at", "done_text", "done_by"));
    store_stmt *st;
    *rc = store_prepare(
        c, "SELECT step, done_at, done_by FROM incident_step WHERE incident_id = $1", &st, err);
    if (*rc != XN_OK)
        return list;
    store_bind_int(st, 1, id);
    while ((*rc = store_step(st, err)) == STORE_ROW) {
        json_t *s = json_array_get(list, (size_t)store_col_int(st, 0));
        if (!s)
            continue;
        json_object_set_new(s, "done", json_true());
        json_object_set_new(s, "done_at", time_or_null(st, 1));
        json_object_set_new(s, "done_text", time_text_or_null(st, 1));
        json_object_set_new(s, "done_by", json_string(store_col_text(st, 2)));
    }
    if (*rc == STORE_DONE)
        *rc = XN_OK;
    return list;
}

static int timeline_json(store_conn *c, int64_t id, json_t **out, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT id, at, type, actor, clock, text, file_id, message_id FROM"
                           " incident_entry WHERE incident_id = $1 ORDER BY id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    json_t *list = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(
            list, json_pack("{s:I, s:I, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "id",
                            (json_int_t)store_col_int(st, 0), "at",
                            (json_int_t)store_col_int(st, 1), "at_text", time_text_or_null(st, 1),
                            "type", store_col_text(st, 2), "actor", store_col_text(st, 3), "clock",
                            text_or_null(st, 4), "text", text_or_null(st, 5), "file_id",
                            time_or_null(st, 6), "message_id", time_or_null(st, 7)));
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return XN_OK;
}

int incident_json(incident_ctx *ic, int64_t id, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(ic->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT kind, title, state, drill, site_affected, source, detected_at,"
                       " opened_at, opened_by, close_cause, close_measures, close_lessons,"
                       " close_prevention, close_requested_at, closed_by, closed_at, keep_until,"
                       " close_requested_by FROM incident WHERE id = $1",
                       &st, err);
    json_t *o = NULL;
    const incident_kind *k = NULL;
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        rc = store_step(st, err);
        if (rc == STORE_DONE)
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "事件不存在");
    }
    if (rc == STORE_ROW) {
        k = incident_kind_find(store_col_text(st, 0));
        o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:o, s:I, s:o, s:s}", "id",
                      (json_int_t)id, "kind", store_col_text(st, 0), "kind_title",
                      k ? k->title : store_col_text(st, 0), "title", store_col_text(st, 1), "state",
                      store_col_text(st, 2), "drill", store_col_int(st, 3) != 0, "site_affected",
                      store_col_int(st, 4) != 0, "source", store_col_text(st, 5), "detected_at",
                      (json_int_t)store_col_int(st, 6), "detected_text", time_text_or_null(st, 6),
                      "opened_at", (json_int_t)store_col_int(st, 7), "opened_text",
                      time_text_or_null(st, 7), "opened_by", store_col_text(st, 8));
        json_object_set_new(o, "authorities",
                            k && k->authorities ? json_string(k->authorities) : json_null());
        json_object_set_new(
            o, "close",
            store_col_is_null(st, 13)
                ? json_null()
                : json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o}", "cause",
                            text_or_null(st, 9), "measures", text_or_null(st, 10), "lessons",
                            text_or_null(st, 11), "prevention", text_or_null(st, 12),
                            "requested_at", time_or_null(st, 13), "requested_text",
                            time_text_or_null(st, 13), "requested_by",
                            (json_int_t)store_col_int(st, 17), "closed_by", text_or_null(st, 14),
                            "closed_at", time_or_null(st, 15), "keep_until", time_or_null(st, 16)));
        store_stmt_done(st);
        rc = XN_OK;
    }
    json_t *part = NULL;
    int64_t now = auth_now(ic->opt.auth);
    if (rc == XN_OK && (rc = clocks_json(c, id, now, &part, err)) == XN_OK)
        json_object_set_new(o, "clocks", part);
    if (rc == XN_OK)
        json_object_set_new(o, "steps", steps_json(c, k, id, err, &rc));
    if (rc == XN_OK && (rc = timeline_json(c, id, &part, err)) == XN_OK)
        json_object_set_new(o, "timeline", part);
    store_release(c);
    /* each notification's delivery state, read after the connection is given back */
    json_t *tl = o ? json_object_get(o, "timeline") : NULL;
    for (size_t i = 0; rc == XN_OK && ic->opt.notify && i < json_array_size(tl); i++) {
        json_t *e = json_array_get(tl, i);
        json_t *m = json_object_get(e, "message_id");
        if (json_is_integer(m)) {
            json_t *d = json_object();
            if (notify_message_deliveries(ic->opt.notify, json_integer_value(m), d, err) == XN_OK)
                json_object_set(e, "delivery", json_object_get(d, "state"));
            json_decref(d);
        }
    }
    if (rc != XN_OK) {
        json_decref(o);
        return rc;
    }
    json_object_set_new(o, "now", json_integer(now));
    *out = o;
    return XN_OK;
}

int incident_list_json(incident_ctx *ic, const char *state, int limit, json_t **out, xn_error *err)
{
    if (limit < 1 || limit > 1000)
        limit = 200;
    const char *sql =
        !state ? "SELECT id, kind, title, state, drill, detected_at, source FROM incident"
                 " ORDER BY id DESC LIMIT $1"
        : strcmp(state, "closed") == 0
            ? "SELECT id, kind, title, state, drill, detected_at, source FROM incident WHERE"
              " state = 'closed' ORDER BY id DESC LIMIT $1"
            : "SELECT id, kind, title, state, drill, detected_at, source FROM incident WHERE"
              " state IN ('open', 'closing') ORDER BY id DESC LIMIT $1";
    store_conn *c;
    int rc = store_acquire(ic->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    json_t *items = json_array();
    int64_t now = auth_now(ic->opt.auth);
    if ((rc = store_prepare(c, sql, &st, err)) == XN_OK) {
        store_bind_int(st, 1, limit);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            const incident_kind *k = incident_kind_find(store_col_text(st, 1));
            json_array_append_new(
                items, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:I, s:o, s:s}", "id",
                                 (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1),
                                 "kind_title", k ? k->title : store_col_text(st, 1), "title",
                                 store_col_text(st, 2), "state", store_col_text(st, 3), "drill",
                                 store_col_int(st, 4) != 0, "detected_at",
                                 (json_int_t)store_col_int(st, 5), "detected_text",
                                 time_text_or_null(st, 5), "source", store_col_text(st, 6)));
        }
    }
    /* the clocks of the listed incidents, one statement for all of them */
    if (rc >= 0 && json_array_size(items) &&
        (rc = store_prepare(c,
                            "SELECT incident_id, key, due_at, state, met_at FROM incident_clock"
                            " WHERE incident_id BETWEEN $1 AND $2 ORDER BY incident_id",
                            &st, err)) == XN_OK) {
        size_t n = json_array_size(items);
        store_bind_int(st, 1,
                       json_integer_value(json_object_get(json_array_get(items, n - 1), "id")));
        store_bind_int(st, 2, json_integer_value(json_object_get(json_array_get(items, 0), "id")));
        json_t *byId = json_object();
        for (size_t i = 0; i < n; i++) {
            json_t *it = json_array_get(items, i);
            char key[24];
            snprintf(key, sizeof key, "%lld",
                     (long long)json_integer_value(json_object_get(it, "id")));
            json_object_set_new(it, "clocks", json_array());
            json_object_set(byId, key, json_object_get(it, "clocks"));
        }
        while ((rc = store_step(st, err)) == STORE_ROW) {
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)store_col_int(st, 0));
            json_t *list = json_object_get(byId, key);
            if (!list)
                continue;
            const incident_clock_def *d = incident_clock_def_find(store_col_text(st, 1));
            int64_t due = store_col_int(st, 2);
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:I, s:o, s:s, s:o}", "key", store_col_text(st, 1),
                                "title", d ? d->title : store_col_text(st, 1), "due_at",
                                (json_int_t)due, "due_text", time_text_or_null(st, 2), "state",
                                clock_state(store_col_text(st, 3), due, now), "met_at",
                                time_or_null(st, 4)));
        }
        json_decref(byId);
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    /* each incident's clocks in the table's order */
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i), *cl = json_object_get(it, "clocks");
        json_t *sorted = json_array();
        for (size_t d = 0; d < incident_clocks_count; d++)
            for (size_t j = 0; j < json_array_size(cl); j++)
                if (strcmp(json_string_value(json_object_get(json_array_get(cl, j), "key")),
                           incident_clocks[d].key) == 0)
                    json_array_append(sorted, json_array_get(cl, j));
        json_object_set_new(it, "clocks", sorted);
    }
    *out = json_pack("{s:o, s:I}", "items", items, "now", (json_int_t)now);
    return XN_OK;
}

json_t *incident_kinds_json(void)
{
    json_t *kinds = json_array(), *clocks = json_array();
    for (size_t i = 0; i < incident_kinds_count; i++) {
        const incident_kind *k = &incident_kinds[i];
        json_t *steps = json_array();
        for (int s = 0; s < INCIDENT_MAX_STEPS && k->steps[s]; s++)
            json_array_append_new(steps, json_string(k->steps[s]));
        json_array_append_new(kinds,
                              json_pack("{s:s, s:s, s:b, s:o, s:o}", "key", k->key, "title",
                                        k->title, "site_affected", k->site_affected, "authorities",
                                        k->authorities ? json_string(k->authorities) : json_null(),
                                        "steps", steps));
    }
    for (size_t i = 0; i < incident_clocks_count; i++) {
        const incident_clock_def *d = &incident_clocks[i];
        json_array_append_new(clocks, json_pack("{s:s, s:s, s:i, s:s, s:s}", "key", d->key, "title",
                                                d->title, "minutes", d->minutes, "group", d->group,
                                                "basis", d->basis));
    }
    return json_pack("{s:o, s:o}", "kinds", kinds, "clocks", clocks);
}

int incident_summary_json(incident_ctx *ic, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(ic->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    int64_t open = 0, overdue = 0, now = auth_now(ic->opt.auth);
    rc = store_prepare(c,
                       "SELECT count(*), (SELECT count(*) FROM incident_clock k JOIN incident i ON"
                       " i.id = k.incident_id WHERE i.state <> 'closed' AND k.state = 'running'"
                       " AND k.due_at <= $1) FROM incident WHERE state <> 'closed'",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, now);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            open = store_col_int(st, 0);
            overdue = store_col_int(st, 1);
            store_stmt_done(st);
            rc = XN_OK;
        }
    }
    store_release(c);
    if (rc < 0)
        return rc;
    *out = json_pack("{s:I, s:I}", "open", (json_int_t)open, "overdue", (json_int_t)overdue);
    return XN_OK;
}

bool incident_has_file(incident_ctx *ic, int64_t file_id)
{
    store_conn *c;
    xn_error err;
    if (store_acquire(ic->opt.db, &c, &err) != XN_OK)
        return false;
    store_stmt *st;
    bool found = false;
    if (store_prepare(c,
                      "SELECT 1 FROM incident_entry WHERE file_id = $1 UNION ALL SELECT 1 FROM"
                      " incident_plan WHERE file_id = $1 UNION ALL SELECT 1 FROM incident_drill"
                      " WHERE $1 IN (scheme_file_id, flow_file_id, record_file_id) LIMIT 1",
                      &st, &err) == XN_OK) {
        store_bind_int(st, 1, file_id);
        found = store_step(st, &err) == STORE_ROW;
        if (found)
            store_stmt_done(st);
    }
    store_release(c);
    return found;
}
