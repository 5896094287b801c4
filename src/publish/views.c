/*
 * What people read of items: one item with its checks, decisions and versions; lists (my
 * drafts, my queue by level, all); a version for the diff; the archived form; and the weekly
 * re-check of what is on the site (PUB-6).
 */
#include "publish/publish_int.h"

#include <stdlib.h>
#include <string.h>

static const char *state_title(const char *s)
{
    return strcmp(s, "draft") == 0       ? "草稿"
           : strcmp(s, "review") == 0    ? "审核中"
           : strcmp(s, "approved") == 0  ? "已通过审核"
           : strcmp(s, "scheduled") == 0 ? "定时发布"
           : strcmp(s, "published") == 0 ? "已发布"
           : strcmp(s, "withdrawn") == 0 ? "已撤稿"
                                         : s;
}

static json_t *time_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

static json_t *time_text(int64_t us)
{
    char t[XN_TIME_STR];
    xn_time_format(us, t);
    t[19] = '\0';
    t[10] = ' ';
    return json_string(t);
}

/* The checks of the current version with the reasons kept, and what still blocks. */
static int checks_json(publish_ctx *p, store_conn *tx, int64_t id, const char *title,
                       const char *text, json_t *item, xn_error *err)
{
    json_t *checks = NULL;
    int rc = publish_checks(p, title, text, &checks, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "SELECT reason, level, by_name, at FROM content_reason"
                       " WHERE item_id = $1 AND hit = $2",
                       &st, err);
    if (rc != XN_OK) {
        json_decref(checks);
        return rc;
    }
    size_t i;
    json_t *h;
    int unresolved = 0;
    bool level2 = false;
    json_array_foreach(json_object_get(checks, "hits"), i, h)
    {
        store_bind_int(st, 1, id);
        store_bind_text(st, 2, json_string_value(json_object_get(h, "key")), -1);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            json_object_set_new(h, "reason",
                                json_pack("{s:s, s:I, s:s, s:o}", "reason", store_col_text(st, 0),
                                          "level", (json_int_t)store_col_int(st, 1), "by",
                                          store_col_text(st, 2), "at",
                                          time_text(store_col_int(st, 3))));
            store_stmt_done(st);
        } else if (rc < 0) {
            break;
        } else {
            unresolved++;
        }
        const char *rule = json_string_value(json_object_get(h, "rule"));
        if (strcmp(rule, "level2") == 0)
            level2 = true;
        rc = XN_OK;
    }
    if (rc < 0) {
        json_decref(checks);
        return rc;
    }
    json_object_set_new(checks, "unresolved", json_integer(unresolved));
    json_object_set_new(item, "checks", checks);
    json_object_set_new(item, "needs_level2", json_boolean(level2));
    return XN_OK;
}

static int steps_json(store_conn *tx, int64_t id, json_t *item, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT round, level, reviewer_id, reviewer_name, decision, comment,"
                           " version, digest, audit_seq, at FROM content_step WHERE item_id = $1"
                           " ORDER BY id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    json_t *steps = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int level = (int)store_col_int(st, 1);
        const publish_level *lv = publish_level_of(level);
        json_array_append_new(
            steps,
            json_pack("{s:I, s:i, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:o}", "round",
                      (json_int_t)store_col_int(st, 0), "level", level, "level_title",
                      lv ? lv->title : "", "reviewer_id", (json_int_t)store_col_int(st, 2),
                      "reviewer", store_col_text(st, 3), "decision", store_col_text(st, 4),
                      "comment", store_col_text(st, 5), "version", (json_int_t)store_col_int(st, 6),
                      "digest", store_col_text(st, 7), "audit_seq",
                      (json_int_t)store_col_int(st, 8), "at", (json_int_t)store_col_int(st, 9),
                      "at_text", time_text(store_col_int(st, 9))));
    }
    json_object_set_new(item, "steps", steps);
    return rc < 0 ? rc : XN_OK;
}

static int versions_json(store_conn *tx, int64_t id, json_t *item, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT version, kind, by_name, at, digest FROM content_version"
                           " WHERE item_id = $1 ORDER BY version",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    json_t *versions = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(
            versions,
            json_pack("{s:I, s:s, s:s, s:I, s:o, s:s}", "version", (json_int_t)store_col_int(st, 0),
                      "kind", store_col_text(st, 1), "by", store_col_text(st, 2), "at",
                      (json_int_t)store_col_int(st, 3), "at_text", time_text(store_col_int(st, 3)),
                      "digest", store_col_text(st, 4)));
    json_object_set_new(item, "versions", versions);
    return rc < 0 ? rc : XN_OK;
}

static int files_json(publish_ctx *p, store_conn *tx, int64_t id, json_t *item, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT file_id FROM content_file WHERE item_id = $1 ORDER BY 1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    json_t *files = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW) {
        files_info fi;
        xn_error ignored;
        if (p->opt.files && files_get(p->opt.files, store_col_int(st, 0), &fi, &ignored) == XN_OK)
            json_array_append_new(files, files_info_json(&fi));
    }
    json_object_set_new(item, "files", files);
    return rc < 0 ? rc : XN_OK;
}

/* The version the viewer last saw: the newest version they or a lower level decided on in
 * this submission (0 when none): the page shows the diff from it. */
static int seen_version(store_conn *tx, int64_t id, int64_t viewer, int round, int level,
                        int64_t *out, xn_error *err)
{
    store_stmt *st;
    *out = 0;
    int rc = store_prepare(tx,
                           "SELECT coalesce(max(version), 0) FROM content_step WHERE item_id = $1"
                           " AND round = $2 AND (reviewer_id = $3 OR level < $4)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, round);
    store_bind_int(st, 3, viewer);
    store_bind_int(st, 4, level);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        *out = store_col_int(st, 0);
        store_stmt_done(st);
    }
    return rc < 0 ? rc : XN_OK;
}

int publish_item_json_tx(publish_ctx *p, store_conn *tx, int64_t id, int64_t viewer, json_t **out,
                         xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(
        tx,
        "SELECT i.id, i.column_id, c.name, i.class, i.major, i.state, i.level, i.round, i.version,"
        " i.source_kind, coalesce(i.source_name, ''), coalesce(i.source_url, ''), i.author_id,"
        " i.author_name, i.created_at, i.updated_at, i.publish_at, i.published_at,"
        " coalesce(i.published_path, ''), i.withdrawn_at, coalesce(i.withdrawn_by, ''),"
        " coalesce(i.withdraw_reason, ''), i.form_digest IS NOT NULL, i.returned,"
        " v.title, v.body_html, v.body_text, v.digest, c.path, i.recheck_hits,"
        " coalesce(i.request_row_id, 0)"
        " FROM content_item i JOIN publish_column c ON c.id = i.column_id"
        " JOIN content_version v ON v.item_id = i.id AND v.version = i.version WHERE i.id = $1",
        &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "稿件不存在");
    if (rc < 0)
        return rc;
    const char *cls = store_col_text(st, 3);
    bool major = store_col_int(st, 4) != 0;
    const publish_class *pc = publish_class_of(cls, major);
    int level = (int)store_col_int(st, 6), round = (int)store_col_int(st, 7);
    const publish_level *lv = publish_level_of(level);
    json_t *it = json_pack(
        "{s:I, s:I, s:s, s:s, s:b, s:s, s:s, s:i, s:s, s:i, s:I, s:s, s:s, s:s, s:I, s:s, s:I,"
        " s:I}",
        "id", (json_int_t)store_col_int(st, 0), "column_id", (json_int_t)store_col_int(st, 1),
        "column", store_col_text(st, 2), "class", cls, "major", major, "class_title",
        pc ? pc->title : cls, "state", store_col_text(st, 5), "level", level, "level_title",
        lv && strcmp(store_col_text(st, 5), "review") == 0 ? lv->title : "", "round", round,
        "version", (json_int_t)store_col_int(st, 8), "source_kind", store_col_text(st, 9),
        "source_name", store_col_text(st, 10), "source_url", store_col_text(st, 11), "author_id",
        (json_int_t)store_col_int(st, 12), "author", store_col_text(st, 13), "created_at",
        (json_int_t)store_col_int(st, 14), "updated_at", (json_int_t)store_col_int(st, 15));
    json_object_set_new(it, "state_title", json_string(state_title(store_col_text(st, 5))));
    json_object_set_new(it, "levels", json_integer(pc ? pc->levels : 1));
    json_object_set_new(it, "publish_at", time_or_null(st, 16));
    json_object_set_new(it, "published_at", time_or_null(st, 17));
    json_object_set_new(it, "published_path",
                        *store_col_text(st, 18) ? json_string(store_col_text(st, 18))
                                                : json_null());
    json_object_set_new(it, "withdrawn_at", time_or_null(st, 19));
    json_object_set_new(it, "withdrawn_by", json_string(store_col_text(st, 20)));
    json_object_set_new(it, "withdraw_reason", json_string(store_col_text(st, 21)));
    json_object_set_new(it, "form", json_boolean(store_col_int(st, 22) != 0));
    json_object_set_new(it, "returned", json_boolean(store_col_int(st, 23) != 0));
    json_object_set_new(it, "title", json_string(store_col_text(st, 24)));
    json_object_set_new(it, "body_html", json_string(store_col_text(st, 25)));
    json_object_set_new(it, "body_text", json_string(store_col_text(st, 26)));
    json_object_set_new(it, "digest", json_string(store_col_text(st, 27)));
    json_object_set_new(it, "column_path", json_string(store_col_text(st, 28)));
    json_object_set_new(it, "recheck_hits", json_integer(store_col_int(st, 29)));
    json_object_set_new(it, "request_row_id", json_integer(store_col_int(st, 30)));
    char *title = strdup(store_col_text(st, 24)), *text = strdup(store_col_text(st, 26));
    store_stmt_done(st);
    int64_t seen = 0;
    rc = title && text ? checks_json(p, tx, id, title, text, it, err)
                       : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    free(title);
    free(text);
    if (rc == XN_OK)
        rc = steps_json(tx, id, it, err);
    if (rc == XN_OK)
        rc = versions_json(tx, id, it, err);
    if (rc == XN_OK)
        rc = files_json(p, tx, id, it, err);
    if (rc == XN_OK && viewer)
        rc =
            seen_version(tx, id, viewer, round, level ? level : PUBLISH_MAX_LEVELS + 1, &seen, err);
    if (rc != XN_OK) {
        json_decref(it);
        return rc;
    }
    json_object_set_new(it, "seen_version", json_integer(seen));
    /* the levels this item passes through, with who decided each in this submission */
    bool level2 = json_is_true(json_object_get(it, "needs_level2"));
    int needed = pc ? pc->levels : 1;
    if (level2 && needed < 2)
        needed = 2;
    json_object_set_new(it, "levels_needed", json_integer(needed));
    *out = it;
    return XN_OK;
}

typedef struct view_ctx {
    publish_ctx *p;
    int64_t id, viewer;
    int version;
    json_t *out;
} view_ctx;

static int item_view_tx(store_conn *tx, void *ctx, xn_error *err)
{
    view_ctx *v = ctx;
    return publish_item_json_tx(v->p, tx, v->id, v->viewer, &v->out, err);
}

int publish_item_json(publish_ctx *p, int64_t id, int64_t viewer, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    view_ctx v = {.p = p, .id = id, .viewer = viewer};
    rc = item_view_tx(c, &v, err);
    store_release(c);
    if (rc == XN_OK)
        *out = v.out;
    return rc;
}

int publish_version_json(publish_ctx *p, int64_t id, int version, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT title, body_html, body_text, digest, kind, by_name, at"
                       " FROM content_version WHERE item_id = $1 AND version = $2",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        store_bind_int(st, 2, version);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            *out = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "version", version,
                             "title", store_col_text(st, 0), "body_html", store_col_text(st, 1),
                             "body_text", store_col_text(st, 2), "digest", store_col_text(st, 3),
                             "kind", store_col_text(st, 4), "by", store_col_text(st, 5), "at",
                             (json_int_t)store_col_int(st, 6));
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "该版本不存在");
        }
    }
    store_release(c);
    return rc;
}

int publish_list_json(publish_ctx *p, const publish_list_in *in, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(
        c,
        "SELECT i.id, v.title, c.name, i.class, i.major, i.state, i.level, i.version,"
        " i.author_name, i.updated_at, i.published_at, coalesce(i.published_path, ''),"
        " i.returned, i.recheck_hits"
        " FROM content_item i JOIN publish_column c ON c.id = i.column_id"
        " JOIN content_version v ON v.item_id = i.id AND v.version = i.version"
        " WHERE ($1 IS NULL OR i.state = $1) AND ($2 = 0 OR i.author_id = $2)"
        " AND ($3 = 0 OR (i.state = 'review' AND i.level = $3 AND i.author_id <> $4"
        "  AND NOT EXISTS (SELECT 1 FROM content_step s WHERE s.item_id = i.id"
        "   AND s.round = i.round AND s.reviewer_id = $4 AND s.level <> i.level)))"
        " ORDER BY i.updated_at DESC, i.id DESC LIMIT $5",
        &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    if (in->state)
        store_bind_text(st, 1, in->state, -1);
    else
        store_bind_null(st, 1);
    store_bind_int(st, 2, in->mine);
    store_bind_int(st, 3, in->queue_level);
    store_bind_int(st, 4, in->viewer);
    store_bind_int(st, 5, in->limit > 0 && in->limit <= 500 ? in->limit : 200);
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *state = store_col_text(st, 5);
        int level = (int)store_col_int(st, 6);
        const publish_level *lv = publish_level_of(level);
        json_t *o = json_pack(
            "{s:I, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:s, s:I, s:s, s:I, s:o, s:b, s:I}", "id",
            (json_int_t)store_col_int(st, 0), "title", store_col_text(st, 1), "column",
            store_col_text(st, 2), "class", store_col_text(st, 3), "major",
            store_col_int(st, 4) != 0, "state", state, "state_title", state_title(state), "level",
            level, "level_title", lv && strcmp(state, "review") == 0 ? lv->title : "", "version",
            (json_int_t)store_col_int(st, 7), "author", store_col_text(st, 8), "updated_at",
            (json_int_t)store_col_int(st, 9), "updated_text", time_text(store_col_int(st, 9)),
            "returned", store_col_int(st, 12) != 0, "recheck_hits",
            (json_int_t)store_col_int(st, 13));
        json_object_set_new(o, "published_at", time_or_null(st, 10));
        json_object_set_new(o, "published_path",
                            *store_col_text(st, 11) ? json_string(store_col_text(st, 11))
                                                    : json_null());
        json_array_append_new(items, o);
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

int publish_form(publish_ctx *p, int64_t id, char **pdf, size_t *len, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c, "SELECT form_pdf FROM content_item WHERE id = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        rc = store_step(st, err);
        if (rc == STORE_ROW && !store_col_is_null(st, 0)) {
            *len = store_col_bytes(st, 0);
            *pdf = malloc(*len ? *len : 1);
            if (*pdf)
                memcpy(*pdf, store_col_blob(st, 0), *len);
            rc = *pdf ? XN_OK : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
            store_stmt_done(st);
        } else if (rc == STORE_ROW) {
            store_stmt_done(st);
            rc = xn_fail(err, XN_ECONFLICT, "form_not_ready",
                         "稿件尚未通过全部审核，审核表在最后一级审核通过后生成");
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "稿件不存在");
        }
    }
    store_release(c);
    return rc;
}

/* ---- the re-check (PUB-6, HS 附件2 §11) -------------------------------------------------- */

typedef struct recheck_ctx {
    publish_ctx *p;
    int64_t id;
    int hits;
    char title[PUBLISH_MAX_TITLE + 1];
} recheck_ctx;

static int recheck_tx(store_conn *tx, void *ctx, xn_error *err)
{
    recheck_ctx *r = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE content_item SET recheck_at = $2, recheck_hits = $3"
                           " WHERE id = $1 AND recheck_hits <> $3",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, r->id);
    store_bind_int(st, 2, publish_now(r->p));
    store_bind_int(st, 3, r->hits);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0 || store_changes(tx) == 0 || r->hits == 0)
        return rc < 0 ? rc : XN_OK;
    /* a re-check task for the level-1 reviewers */
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)r->id);
    json_t *vars = json_pack("{s:s, s:i}", "title", r->title, "hits", r->hits);
    rc = r->p->opt.notify ? notify_raise(r->p->opt.notify, tx, "publish.recheck_hit", "一级审核员",
                                         "content", oid, vars, NULL, err)
                          : XN_OK;
    json_decref(vars);
    if (rc == XN_OK)
        rc = publish_record(r->p, tx, &audit_system_actor, "content.recheck", "content", r->id,
                            json_pack("{s:i}", "hits", r->hits), NULL, err);
    return rc;
}

/* The unresolved hits of an item's published version, and its title. */
static int published_hits(publish_ctx *p, int64_t id, int *hits, char *title, size_t size,
                          xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    char *text = NULL;
    rc = store_prepare(c,
                       "SELECT v.title, v.body_text FROM content_item i JOIN content_version v"
                       " ON v.item_id = i.id AND v.version = i.published_version WHERE i.id = $1",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            xn_strlcpy(title, store_col_text(st, 0), size);
            text = strdup(store_col_text(st, 1));
            store_stmt_done(st);
            rc = text ? XN_OK : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "稿件不存在");
        }
    }
    json_t *item = json_object();
    if (rc == XN_OK)
        rc = checks_json(p, c, id, title, text, item, err);
    store_release(c);
    free(text);
    *hits = (int)json_integer_value(json_object_get(json_object_get(item, "checks"), "unresolved"));
    json_decref(item);
    return rc;
}

int publish_recheck_job(publish_ctx *p, json_t *summary, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(
        c, "SELECT i.id FROM content_item i WHERE i.state = 'published' ORDER BY i.id", &st, err);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    if (rc == XN_OK) {
        while ((rc = store_step(st, err)) == STORE_ROW) {
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                int64_t *ni = realloc(ids, cap * sizeof *ids);
                if (!ni) {
                    store_stmt_done(st);
                    rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
                    break;
                }
                ids = ni;
            }
            ids[n++] = store_col_int(st, 0);
        }
    }
    store_release(c);
    int flagged = 0;
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        /* the published version's text against the checks and the reasons kept: nothing of
         * the item's other views is read */
        recheck_ctx r = {.p = p, .id = ids[i]};
        if (published_hits(p, ids[i], &r.hits, r.title, sizeof r.title, err) != XN_OK)
            continue;
        rc = store_tx(p->opt.db, recheck_tx, &r, err);
        flagged += r.hits > 0;
    }
    free(ids);
    if (rc < 0)
        return rc;
    json_object_set_new(summary, "checked", json_integer((json_int_t)n));
    if (flagged)
        json_object_set_new(summary, "flagged", json_integer(flagged));
    return XN_OK;
}
