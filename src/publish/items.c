/*
 * Content items through their review: drafts and versions, submission, the decision of each
 * level, publication and withdrawal. Every change is one transaction with its audit record.
 */
#include "publish/publish_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int64_t publish_now(const publish_ctx *p)
{
    return p->opt.auth ? auth_now(p->opt.auth) : xn_now_us();
}

static int mkdirs(const char *path)
{
    char buf[512];
    if (xn_strlcpy(buf, path, sizeof buf) != XN_OK)
        return -1;
    for (char *s = buf + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int publish_open(publish_ctx **out, const publish_options *opt, xn_error *err)
{
    publish_ctx *p = calloc(1, sizeof *p);
    if (!p)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    p->opt = *opt;
    if (xn_strlcpy(p->site_root, opt->site_root, sizeof p->site_root) != XN_OK ||
        xn_strlcpy(p->state_dir, opt->state_dir, sizeof p->state_dir) != XN_OK ||
        mkdirs(p->site_root) != 0 || mkdirs(p->state_dir) != 0) {
        free(p);
        return xn_fail(err, XN_EIO, "site_root", "cannot create the site directory %s",
                       opt->site_root);
    }
    /* the web server reads the site: its root is world-readable whatever the umask */
    chmod(p->site_root, 0755);
    pthread_mutex_init(&p->site_lock, NULL);
    *out = p;
    return XN_OK;
}

void publish_free(publish_ctx *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->site_lock);
    free(p);
}

void publish_set_jobs(publish_ctx *p, jobs_runner *jobs)
{
    p->jobs = jobs;
}

int publish_record(publish_ctx *p, store_conn *tx, const audit_actor *actor, const char *action,
                   const char *object_type, int64_t id, json_t *detail, int64_t *seq, xn_error *err)
{
    return audit_record_change(p->opt.trail, tx, actor, action, object_type, id, detail, seq, err);
}

/* ---- columns and sources ------------------------------------------------------------------ */

static bool path_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 120 || s[0] == '/' || s[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  (c == '/' && s[i + 1] != '/');
        if (!ok)
            return false;
    }
    /* no segment may be a dot name, and "index" pages are the site's own */
    return strstr(s, "..") == NULL;
}

typedef struct column_ctx {
    publish_ctx *p;
    const audit_actor *actor;
    const char *name, *path, *url;
    int stale_days;
    int64_t id;
} column_ctx;

static int conflict_on_unique(int rc, xn_error *err, const char *field, const char *message)
{
    if (rc == XN_ECONFLICT || (rc < 0 && strstr(err->message, "UNIQUE")))
        return xn_fail_field(err, XN_ECONFLICT, "taken", field, "%s", message);
    return rc;
}

static int column_tx(store_conn *tx, void *ctx, xn_error *err)
{
    column_ctx *x = ctx;
    store_stmt *st;
    int64_t taken = 0;
    int rc = store_prepare(tx, "SELECT count(*) FROM publish_column WHERE name = $1 OR path = $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, x->name, -1);
    store_bind_text(st, 2, x->path, -1);
    if ((rc = store_step(st, err)) == STORE_ROW)
        taken = store_col_int(st, 0);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (taken)
        return xn_fail_field(err, XN_ECONFLICT, "taken", "name", "栏目名称或路径已存在");
    rc = store_prepare(tx,
                       "INSERT INTO publish_column (name, path, stale_days, created_at, created_by)"
                       " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, x->name, -1);
    store_bind_text(st, 2, x->path, -1);
    store_bind_int(st, 3, x->stale_days);
    store_bind_int(st, 4, publish_now(x->p));
    store_bind_text(st, 5, audit_actor_name(x->actor), -1);
    if ((rc = store_step(st, err)) == STORE_ROW)
        x->id = store_col_int(st, 0);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    return publish_record(
        x->p, tx, x->actor, "publish.column_create", "column", x->id,
        json_pack("{s:s, s:s, s:i}", "name", x->name, "path", x->path, "stale_days", x->stale_days),
        NULL, err);
}

int publish_column_create(publish_ctx *p, const audit_actor *actor, const char *name,
                          const char *path, int stale_days, int64_t *id, xn_error *err)
{
    int rc = xn_check_text(name, 96, XN_TEXT_LABEL, true, "name", "栏目名称", err);
    if (rc != XN_OK)
        return rc;
    if (!path || !path_ok(path))
        return xn_fail_field(err, XN_EINVAL, "bad_path", "path",
                             "栏目路径只能由小写字母、数字、- 和 _ 组成，以 / 分段");
    if (stale_days < 1 || stale_days > 365)
        return xn_fail_field(err, XN_EINVAL, "bad_stale_days", "stale_days",
                             "更新周期须为 1 到 365 天");
    column_ctx x = {.p = p, .actor = actor, .name = name, .path = path, .stale_days = stale_days};
    rc = store_tx(p->opt.db, column_tx, &x, err);
    if (rc == XN_OK)
        *id = x.id;
    return conflict_on_unique(rc, err, "name", "栏目名称或路径已存在");
}

int publish_columns_json(publish_ctx *p, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT c.id, c.name, c.path, c.stale_days,"
                       " (SELECT count(*) FROM content_item i WHERE i.column_id = c.id"
                       "  AND i.state = 'published'),"
                       " (SELECT max(published_at) FROM content_item i WHERE i.column_id = c.id"
                       "  AND i.state = 'published')"
                       " FROM publish_column c ORDER BY c.id",
                       &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    json_t *items = json_array();
    int64_t now = publish_now(p);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t stale_days = store_col_int(st, 3);
        bool never = store_col_is_null(st, 5);
        int64_t last = store_col_int(st, 5);
        json_t *o =
            json_pack("{s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)store_col_int(st, 0), "name",
                      store_col_text(st, 1), "path", store_col_text(st, 2), "stale_days",
                      (json_int_t)stale_days, "published", (json_int_t)store_col_int(st, 4));
        json_object_set_new(o, "last_published_at", never ? json_null() : json_integer(last));
        json_object_set_new(o, "stale",
                            json_boolean(never || now - last > stale_days * 86400LL * 1000000));
        json_array_append_new(items, o);
    }
    store_stmt_done(st);
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

static bool url_ok(const char *u)
{
    size_t n = u ? strlen(u) : 0;
    if (n < 8 || n > 512 || !xn_utf8_valid(u, n))
        return false;
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)u[i] <= 0x20 || u[i] == '"' || u[i] == '<' || u[i] == '>')
            return false;
    return true;
}

static int source_tx(store_conn *tx, void *ctx, xn_error *err)
{
    column_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO publish_source (name, url, created_at, created_by)"
                           " VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, x->name, -1);
    store_bind_text(st, 2, x->url, -1);
    store_bind_int(st, 3, publish_now(x->p));
    store_bind_text(st, 4, audit_actor_name(x->actor), -1);
    rc = store_step(st, err);
    if (rc == STORE_ROW)
        x->id = store_col_int(st, 0);
    store_stmt_done(st);
    if (rc == STORE_DONE)
        return xn_fail_field(err, XN_ECONFLICT, "taken", "name", "该转载来源已在名单中");
    if (rc < 0)
        return rc;
    return publish_record(x->p, tx, x->actor, "publish.source_add", "source", x->id,
                          json_pack("{s:s, s:s}", "name", x->name, "url", x->url), NULL, err);
}

int publish_source_create(publish_ctx *p, const audit_actor *actor, const char *name,
                          const char *url, int64_t *id, xn_error *err)
{
    int rc = xn_check_text(name, 192, XN_TEXT_LABEL, true, "name", "来源名称", err);
    if (rc != XN_OK)
        return rc;
    if (!url_ok(url))
        return xn_fail_field(err, XN_EINVAL, "bad_url", "url",
                             "来源网址须为 http:// 或 https:// 开头");
    column_ctx x = {.p = p, .actor = actor, .name = name, .url = url};
    rc = store_tx(p->opt.db, source_tx, &x, err);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}

static int source_delete_tx(store_conn *tx, void *ctx, xn_error *err)
{
    column_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx, "DELETE FROM publish_source WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (store_changes(tx) == 0)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "转载来源不存在");
    return publish_record(x->p, tx, x->actor, "publish.source_remove", "source", x->id, NULL, NULL,
                          err);
}

int publish_source_delete(publish_ctx *p, const audit_actor *actor, int64_t id, xn_error *err)
{
    column_ctx x = {.p = p, .actor = actor, .id = id};
    return store_tx(p->opt.db, source_delete_tx, &x, err);
}

int publish_sources_json(publish_ctx *p, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c, "SELECT id, name, url, created_by FROM publish_source ORDER BY name", &st,
                       err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s}", "id",
                                               (json_int_t)store_col_int(st, 0), "name",
                                               store_col_text(st, 1), "url", store_col_text(st, 2),
                                               "created_by", store_col_text(st, 3)));
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}
