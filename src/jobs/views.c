/*
 * What 系统任务 shows (the kinds with their next run and last result, the run history, the
 * flagged kinds), "run now", and the history's retention.
 */
#include "jobs/jobs_int.h"

#include <string.h>

#define US 1000000LL

static json_t *time_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

static json_t *text_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

static json_t *time_text(int64_t us)
{
    char t[XN_TIME_STR];
    xn_time_format(us, t);
    return json_string(t);
}

static int kind_row(store_conn *c, const jobs_kind *k, json_t *item, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT count(*), min(next_run), count(lease_owner), max(last_start),"
                           " max(last_success) FROM job WHERE kind = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, k->name, -1);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : XN_EINTERNAL;
    json_object_set_new(item, "jobs", json_integer(store_col_int(st, 0)));
    json_object_set_new(item, "next_run", time_or_null(st, 1));
    json_object_set_new(item, "next_run_text",
                        store_col_is_null(st, 1) ? json_null() : time_text(store_col_int(st, 1)));
    json_object_set_new(item, "running", json_integer(store_col_int(st, 2)));
    json_object_set_new(item, "last_start", time_or_null(st, 3));
    json_object_set_new(item, "last_success", time_or_null(st, 4));
    store_stmt_done(st);

    rc = store_prepare(c,
                       "SELECT last_result, last_error, last_end FROM job WHERE kind = $1 AND"
                       " last_end IS NOT NULL ORDER BY last_end DESC LIMIT 1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, k->name, -1);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    json_object_set_new(item, "last_result", rc == STORE_ROW ? text_or_null(st, 0) : json_null());
    json_object_set_new(item, "last_error", rc == STORE_ROW ? text_or_null(st, 1) : json_null());
    json_object_set_new(item, "last_end", rc == STORE_ROW ? time_or_null(st, 2) : json_null());
    if (rc == STORE_ROW)
        store_stmt_done(st);

    rc = store_prepare(c, "SELECT failures, flagged_at FROM job_kind_state WHERE kind = $1", &st,
                       err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, k->name, -1);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    bool row = rc == STORE_ROW;
    json_object_set_new(item, "failures", json_integer(row ? store_col_int(st, 0) : 0));
    json_object_set_new(item, "flagged", json_boolean(row && !store_col_is_null(st, 1)));
    json_object_set_new(item, "flagged_at", row ? time_or_null(st, 1) : json_null());
    if (row)
        store_stmt_done(st);
    return XN_OK;
}

int jobs_kinds_json(jobs_runner *r, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(r->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; rc == XN_OK && i < r->opt.nkinds; i++) {
        const jobs_kind *k = &r->opt.kinds[i];
        json_t *item =
            json_pack("{s:s,s:s,s:I,s:i,s:i}", "name", k->name, "title", k->title ? k->title : "",
                      "period_s", (json_int_t)k->period_s, "timeout_s", k->timeout_s, "attempts",
                      k->attempts > 0 ? k->attempts : 1);
        rc = kind_row(c, k, item, err);
        json_array_append_new(items, item);
    }
    store_release(c);
    if (rc != XN_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

int jobs_runs_json(jobs_runner *r, const char *kind, int limit, json_t **out, xn_error *err)
{
    if (kind && !jobs_find_kind(r, kind))
        return xn_fail_field(err, XN_ENOTFOUND, "not_found", "kind", "没有这种任务");
    if (limit < 1 || limit > 500)
        limit = 100;
    store_conn *c;
    int rc = store_acquire(r->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT id, kind, key, started_at, ended_at, result, attempt, node, error,"
                       " summary FROM job_run WHERE ($1 IS NULL OR kind = $1)"
                       " ORDER BY id DESC LIMIT $2",
                       &st, err);
    json_t *items = json_array();
    if (rc == XN_OK) {
        store_bind_text(st, 1, kind, -1);
        store_bind_int(st, 2, limit);
    }
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        json_t *summary = NULL;
        if (!store_col_is_null(st, 9)) {
            size_t len;
            const char *s = store_col_text_len(st, 9, &len);
            summary = json_loadb(s, len, 0, NULL);
        }
        json_array_append_new(
            items,
            json_pack("{s:I,s:s,s:s,s:I,s:I,s:o,s:s,s:i,s:s,s:o,s:o}", "id",
                      (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1), "key",
                      store_col_text(st, 2), "started_at", (json_int_t)store_col_int(st, 3),
                      "ended_at", (json_int_t)store_col_int(st, 4), "started_text",
                      time_text(store_col_int(st, 3)), "result", store_col_text(st, 5), "attempt",
                      (int)store_col_int(st, 6), "node", store_col_text(st, 7), "error",
                      text_or_null(st, 8), "summary", summary ? summary : json_null()));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

int jobs_flagged_json(jobs_runner *r, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(r->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT kind, failures, flagged_at, last_error FROM job_kind_state"
                       " WHERE flagged_at IS NOT NULL ORDER BY flagged_at",
                       &st, err);
    json_t *items = json_array();
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        const jobs_kind *k = jobs_find_kind(r, store_col_text(st, 0));
        json_array_append_new(
            items, json_pack("{s:s,s:s,s:I,s:I,s:o}", "name", store_col_text(st, 0), "title",
                             k && k->title ? k->title : store_col_text(st, 0), "failures",
                             (json_int_t)store_col_int(st, 1), "flagged_at",
                             (json_int_t)store_col_int(st, 2), "last_error", text_or_null(st, 3)));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

/* ---- run now ----------------------------------------------------------------------------- */

typedef struct run_now_ctx {
    jobs_runner *r;
    const audit_actor *actor;
    const char *kind;
} run_now_ctx;

static int run_now_tx(store_conn *tx, void *ctx, xn_error *err)
{
    run_now_ctx *n = ctx;
    int64_t now = xn_now_us();
    store_stmt *st;
    int rc = store_prepare(tx, "UPDATE job SET next_run = $2, wanted = wanted + 1 WHERE kind = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, n->kind, -1);
    store_bind_int(st, 2, now);
    int64_t changed = 0;
    rc = store_step(st, err);
    if (rc == STORE_DONE) {
        rc = XN_OK;
        changed = store_changes(tx);
    }
    /* jobs_schedule wakes the workers when this commits (and creates the job if none) */
    if (rc == XN_OK)
        rc = jobs_schedule(n->r, tx, n->kind, "", now, err);
    if (rc != XN_OK)
        return rc;
    char detail[160];
    snprintf(detail, sizeof detail, "{\"jobs\":%lld}", (long long)(changed ? changed : 1));
    audit_event ev = {.action = "jobs.run",
                      .actor = n->actor,
                      .object_type = "job_kind",
                      .object_id = n->kind,
                      .result = AUDIT_OK,
                      .detail_json = detail};
    return audit_append(n->r->opt.trail, tx, &ev, err);
}

int jobs_run_now(jobs_runner *r, const audit_actor *actor, const char *kind, xn_error *err)
{
    if (!jobs_find_kind(r, kind))
        return xn_fail_field(err, XN_ENOTFOUND, "not_found", "kind", "没有这种任务");
    run_now_ctx n = {.r = r, .actor = actor, .kind = kind};
    return store_tx(r->opt.db, run_now_tx, &n, err);
}

/* ---- retention --------------------------------------------------------------------------- */

typedef struct purge_ctx {
    int64_t before;
    int64_t removed;
} purge_ctx;

static int purge_tx(store_conn *tx, void *ctx, xn_error *err)
{
    purge_ctx *p = ctx;
    store_stmt *st;
    int rc = store_prepare(tx, "DELETE FROM job_run WHERE started_at < $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, p->before);
    rc = store_step(st, err);
    if (rc != STORE_DONE)
        return rc < 0 ? rc : XN_EINTERNAL;
    p->removed = store_changes(tx);
    return XN_OK;
}

int jobs_purge_runs(jobs_run *run, xn_error *err)
{
    purge_ctx p = {.before = xn_now_us() - (int64_t)JOBS_RUN_KEEP_DAYS * 86400 * US};
    int rc = store_tx(run->runner->opt.db, purge_tx, &p, err);
    if (rc == XN_OK)
        json_object_set_new(run->summary, "removed", json_integer(p.removed));
    return rc;
}
