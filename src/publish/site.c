/*
 * The static site target: an item's page and its column's index rendered into the site
 * directory, each written to a temporary file and renamed so a reader never sees half a page.
 * Publishing one item writes its page, its column's index (the newest PUBLISH_INDEX_ITEMS) and
 * the home page's list of columns: the cost does not grow with the site.
 * Every file the target holds is recorded with its digest (site_file); the manifest the guard
 * enforces is written from those rows by a job and signed with the server's Ed25519 key, in
 * the guard's format (guard.h).
 */
#include "publish/publish_int.h"

#include "guard/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void esc(xn_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            xn_buf_puts(b, "&amp;");
            break;
        case '<':
            xn_buf_puts(b, "&lt;");
            break;
        case '>':
            xn_buf_puts(b, "&gt;");
            break;
        case '"':
            xn_buf_puts(b, "&quot;");
            break;
        case '\'':
            xn_buf_puts(b, "&#39;");
            break;
        default:
            xn_buf_append(b, s, 1);
        }
    }
}

static void date_of(int64_t us, char out[16])
{
    char t[XN_TIME_STR];
    xn_time_format(us, t);
    memcpy(out, t, 10);
    out[10] = '\0';
}

static void page_head(xn_buf *b, const char *title)
{
    xn_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>");
    esc(b, title);
    xn_buf_puts(b, "</title>\n<style>body{font-family:sans-serif;max-width:860px;margin:0 auto;"
                   "padding:16px;line-height:1.8;color:#222}h1{font-size:1.6em}"
                   ".meta{color:#666;font-size:.9em}li{margin:4px 0}"
                   "img{max-width:100%;height:auto}</style>\n</head>\n<body>\n");
}

/* Writes data to root/rel through a temporary file renamed over it; the digest of what was
 * written in hex. */
static int write_atomic(const char *root, const char *rel, const xn_buf *data, bool sync,
                        char hex[crypto_hash_sha256_BYTES * 2 + 1], xn_error *err)
{
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    /* the directories on the way, world-readable as a web server needs */
    for (char *s = path + strlen(root) + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return xn_fail(err, XN_EIO, "site_write", "cannot create %s", path);
        chmod(path, 0755);
        *s = '/';
    }
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return xn_fail(err, XN_EIO, "site_write", "cannot write %s", tmp);
    size_t off = 0;
    while (off < data->len) {
        ssize_t n = write(fd, data->data + off, data->len - off);
        if (n <= 0) {
            close(fd);
            unlink(tmp);
            return xn_fail(err, XN_EIO, "site_write", "cannot write %s", tmp);
        }
        off += (size_t)n;
    }
    fchmod(fd, 0644);
    if ((sync && fsync(fd) != 0) || close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return xn_fail(err, XN_EIO, "site_write", "cannot write %s", path);
    }
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)data->data, data->len);
    sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, d, sizeof d);
    return XN_OK;
}

static int record_file(store_conn *tx, const char *rel, size_t size, const char *hex, int64_t item,
                       xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO site_file (path, size, digest, item_id) VALUES ($1, $2, $3,"
                           " $4) ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
                           " digest = excluded.digest, item_id = excluded.item_id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, rel, -1);
    store_bind_int(st, 2, (int64_t)size);
    store_bind_text(st, 3, hex, -1);
    if (item)
        store_bind_int(st, 4, item);
    else
        store_bind_null(st, 4);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

static int put_file(publish_ctx *p, store_conn *tx, const char *rel, const xn_buf *b, int64_t item,
                    xn_error *err)
{
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    /* a rebuild syncs the whole file system once at its end instead of every page */
    int rc = write_atomic(p->site_root, rel, b, !p->rebuilding, hex, err);
    return rc == XN_OK ? record_file(tx, rel, b->len, hex, item, err) : rc;
}

/* The column's index: its newest published items. */
static int write_index(publish_ctx *p, store_conn *tx, int64_t column, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT name, path FROM publish_column WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, column);
    char name[200] = "", path[200] = "";
    if ((rc = store_step(st, err)) == STORE_ROW) {
        xn_strlcpy(name, store_col_text(st, 0), sizeof name);
        xn_strlcpy(path, store_col_text(st, 1), sizeof path);
    }
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    xn_buf b;
    xn_buf_init(&b, 64u << 20);
    page_head(&b, name);
    xn_buf_puts(&b, "<p class=\"meta\"><a href=\"/index.html\">首页</a></p>\n<h1>");
    esc(&b, name);
    xn_buf_puts(&b, "</h1>\n<ul>\n");
    rc = store_prepare(tx,
                       "SELECT i.id, v.title, i.published_at FROM content_item i"
                       " JOIN content_version v ON v.item_id = i.id"
                       " AND v.version = i.published_version"
                       " WHERE i.column_id = $1 AND i.state = 'published'"
                       " ORDER BY i.published_at DESC, i.id DESC LIMIT $2",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, column);
        store_bind_int(st, 2, PUBLISH_INDEX_ITEMS);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            char day[16];
            date_of(store_col_int(st, 2), day);
            xn_buf_printf(&b, "<li><a href=\"%lld.html\">", (long long)store_col_int(st, 0));
            esc(&b, store_col_text(st, 1));
            xn_buf_printf(&b, "</a> <span class=\"meta\">%s</span></li>\n", day);
        }
    }
    xn_buf_puts(&b, "</ul>\n</body>\n</html>\n");
    if (rc >= 0) {
        char rel[260];
        snprintf(rel, sizeof rel, "%s/index.html", path);
        rc = put_file(p, tx, rel, &b, 0, err);
    }
    xn_buf_release(&b);
    return rc < 0 ? rc : XN_OK;
}

/* The home page: the columns. */
static int write_home(publish_ctx *p, store_conn *tx, xn_error *err)
{
    xn_buf b;
    xn_buf_init(&b, 16u << 20);
    page_head(&b, "网站首页");
    xn_buf_puts(&b, "<h1>网站首页</h1>\n<ul>\n");
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT c.name, c.path FROM publish_column c WHERE EXISTS (SELECT 1"
                           " FROM site_file f WHERE f.path = c.path || '/index.html')"
                           " ORDER BY c.id",
                           &st, err);
    if (rc == XN_OK) {
        while ((rc = store_step(st, err)) == STORE_ROW) {
            xn_buf_puts(&b, "<li><a href=\"/");
            esc(&b, store_col_text(st, 1));
            xn_buf_puts(&b, "/index.html\">");
            esc(&b, store_col_text(st, 0));
            xn_buf_puts(&b, "</a></li>\n");
        }
    }
    xn_buf_puts(&b, "</ul>\n</body>\n</html>\n");
    if (rc >= 0)
        rc = put_file(p, tx, "index.html", &b, 0, err);
    xn_buf_release(&b);
    return rc < 0 ? rc : XN_OK;
}

/* The item's own page. */
static int write_page(publish_ctx *p, store_conn *tx, int64_t item, int64_t *column, char *path_out,
                      size_t size, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT c.id, c.name, c.path, v.title, v.body_html, i.source_kind,"
                           " coalesce(i.source_name, ''), coalesce(i.published_at, 0)"
                           " FROM content_item i JOIN publish_column c ON c.id = i.column_id"
                           " JOIN content_version v ON v.item_id = i.id"
                           " AND v.version = coalesce(i.published_version, i.version)"
                           " WHERE i.id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, item);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_ENOTFOUND, "not_found", "稿件不存在");
    *column = store_col_int(st, 0);
    char rel[260], day[16];
    snprintf(rel, sizeof rel, "%s/%lld.html", store_col_text(st, 2), (long long)item);
    date_of(store_col_int(st, 7) ? store_col_int(st, 7) : publish_now(p), day);
    xn_buf b;
    xn_buf_init(&b, 8u << 20);
    page_head(&b, store_col_text(st, 3));
    xn_buf_puts(&b, "<p class=\"meta\"><a href=\"/index.html\">首页</a> › <a href=\"index.html\">");
    esc(&b, store_col_text(st, 1));
    xn_buf_puts(&b, "</a></p>\n<article>\n<h1>");
    esc(&b, store_col_text(st, 3));
    xn_buf_printf(&b, "</h1>\n<p class=\"meta\">发布日期：%s", day);
    if (strcmp(store_col_text(st, 5), "reprint") == 0) {
        xn_buf_puts(&b, "　来源：");
        esc(&b, store_col_text(st, 6));
    }
    xn_buf_puts(&b, "</p>\n<div class=\"content\">\n");
    /* the body as sanitised when the version was made */
    xn_buf_puts(&b, store_col_text(st, 4));
    xn_buf_puts(&b, "\n</div>\n</article>\n</body>\n</html>\n");
    store_stmt_done(st);
    rc = put_file(p, tx, rel, &b, item, err);
    xn_buf_release(&b);
    if (rc == XN_OK && xn_strlcpy(path_out, rel, size) != XN_OK)
        rc = xn_fail(err, XN_EINTERNAL, "internal", "page path too long");
    return rc;
}

int publish_site_put(publish_ctx *p, store_conn *tx, int64_t item, char *path_out, size_t size,
                     xn_error *err)
{
    int64_t column = 0;
    int rc = write_page(p, tx, item, &column, path_out, size, err);
    if (rc == XN_OK)
        rc = write_index(p, tx, column, err);
    if (rc == XN_OK)
        rc = write_home(p, tx, err);
    return rc;
}

typedef struct rebuild_ctx {
    publish_ctx *p;
    const audit_actor *actor;
    int64_t pages;
} rebuild_ctx;

static int rebuild_tx(store_conn *tx, void *ctx, xn_error *err)
{
    rebuild_ctx *r = ctx;
    store_stmt *st;
    int rc = store_exec(tx, "DELETE FROM site_file", err);
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "SELECT id, published_path FROM content_item WHERE state = 'published'"
                           " ORDER BY id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    /* the ids first: writing a page runs statements of its own */
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            int64_t *ni = realloc(ids, cap * sizeof *ids);
            if (!ni) {
                store_stmt_done(st);
                free(ids);
                return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
            }
            ids = ni;
        }
        ids[n++] = store_col_int(st, 0);
    }
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        int64_t column;
        char rel[260];
        rc = write_page(r->p, tx, ids[i], &column, rel, sizeof rel, err);
    }
    free(ids);
    if (rc < 0)
        return rc;
    r->pages = (int64_t)n;
    rc = store_prepare(tx,
                       "SELECT DISTINCT column_id FROM content_item WHERE state = 'published'"
                       " ORDER BY 1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    int64_t cols[4096];
    size_t nc = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && nc < 4096)
        cols[nc++] = store_col_int(st, 0);
    if (rc == STORE_ROW)
        store_stmt_done(st);
    for (size_t i = 0; rc >= 0 && i < nc; i++)
        rc = write_index(r->p, tx, cols[i], err);
    if (rc >= 0)
        rc = write_home(r->p, tx, err);
    if (rc >= 0)
        rc = publish_site_changed(r->p, tx, err);
    if (rc >= 0)
        rc = publish_record(r->p, tx, r->actor, "publish.site_rebuild", "site", 0,
                            json_pack("{s:I}", "pages", (json_int_t)r->pages), NULL, err);
    return rc < 0 ? rc : XN_OK;
}

int publish_site_rebuild(publish_ctx *p, const audit_actor *actor, int64_t *pages, xn_error *err)
{
    rebuild_ctx r = {.p = p, .actor = actor};
    pthread_mutex_lock(&p->site_lock);
    p->rebuilding = true;
    int rc = store_tx(p->opt.db, rebuild_tx, &r, err);
    p->rebuilding = false;
    int fd = open(p->site_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        syncfs(fd);
        close(fd);
    }
    pthread_mutex_unlock(&p->site_lock);
    if (rc == XN_OK)
        *pages = r.pages;
    return rc;
}

int publish_site_put_message(publish_ctx *p, store_conn *tx, int64_t id, char *path_out,
                             size_t size, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT m.subject, m.body, m.author_name, m.answer,"
                           " coalesce(o.name, ''), m.received_at FROM public_message m"
                           " LEFT JOIN org_unit o ON o.id = m.department_id WHERE m.id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_ENOTFOUND, "not_found", "留言不存在");
    char rel[64], day[16];
    snprintf(rel, sizeof rel, "hudong/%lld.html", (long long)id);
    date_of(store_col_int(st, 5), day);
    xn_buf b;
    xn_buf_init(&b, 1u << 20);
    page_head(&b, store_col_text(st, 0));
    xn_buf_puts(&b, "<p class=\"meta\"><a href=\"/index.html\">首页</a> › <a href=\"index.html\">"
                    "政民互动</a></p>\n<article>\n<h1>");
    esc(&b, store_col_text(st, 0));
    xn_buf_printf(&b, "</h1>\n<p class=\"meta\">留言时间：%s　留言人：", day);
    esc(&b, store_col_text(st, 2));
    xn_buf_puts(&b, "</p>\n<div class=\"content\"><p>");
    esc(&b, store_col_text(st, 1));
    xn_buf_puts(&b, "</p></div>\n<h2>答复（");
    esc(&b, store_col_text(st, 4));
    xn_buf_puts(&b, "）</h2>\n<div class=\"content\"><p>");
    esc(&b, store_col_text(st, 3));
    xn_buf_puts(&b, "</p></div>\n</article>\n</body>\n</html>\n");
    store_stmt_done(st);
    rc = put_file(p, tx, rel, &b, 0, err);
    xn_buf_release(&b);
    if (rc != XN_OK)
        return rc;
    /* the messages' index: the newest published */
    xn_buf_init(&b, 4u << 20);
    page_head(&b, "政民互动");
    xn_buf_puts(
        &b, "<p class=\"meta\"><a href=\"/index.html\">首页</a></p>\n<h1>政民互动</h1>\n<ul>\n");
    rc = store_prepare(tx,
                       "SELECT id, subject FROM public_message WHERE state = 'published' ORDER BY"
                       " published_at DESC, id DESC LIMIT $1",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, PUBLISH_INDEX_ITEMS);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            xn_buf_printf(&b, "<li><a href=\"%lld.html\">", (long long)store_col_int(st, 0));
            esc(&b, store_col_text(st, 1));
            xn_buf_puts(&b, "</a></li>\n");
        }
    }
    xn_buf_puts(&b, "</ul>\n</body>\n</html>\n");
    if (rc >= 0)
        rc = put_file(p, tx, "hudong/index.html", &b, 0, err);
    xn_buf_release(&b);
    if (rc >= 0 && xn_strlcpy(path_out, rel, size) != XN_OK)
        rc = xn_fail(err, XN_EINTERNAL, "internal", "path too long");
    if (rc >= 0) {
        rc = store_prepare(tx, "UPDATE public_message SET path = $2 WHERE id = $1", &st, err);
        if (rc == XN_OK) {
            store_bind_int(st, 1, id);
            store_bind_text(st, 2, rel, -1);
            rc = store_step(st, err);
            store_stmt_done(st);
        }
    }
    return rc < 0 ? rc : XN_OK;
}

int publish_site_remove(publish_ctx *p, store_conn *tx, int64_t item, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT i.column_id, i.published_path FROM content_item i"
                           " WHERE i.id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, item);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_ENOTFOUND, "not_found", "稿件不存在");
    int64_t column = store_col_int(st, 0);
    char rel[260], path[1200];
    xn_strlcpy(rel, store_col_text(st, 1), sizeof rel);
    store_stmt_done(st);
    snprintf(path, sizeof path, "%s/%s", p->site_root, rel);
    if (*rel && unlink(path) != 0 && errno != ENOENT)
        return xn_fail(err, XN_EIO, "site_write", "cannot remove %s", path);
    rc = store_prepare(tx, "DELETE FROM site_file WHERE path = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, rel, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    /* the index no longer lists it: the item's state changes in the same transaction first */
    rc = store_prepare(tx, "UPDATE content_item SET state = 'withdrawn' WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, item);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : write_index(p, tx, column, err);
}

int publish_site_changed(publish_ctx *p, store_conn *tx, xn_error *err)
{
    /* five seconds on: a burst of publications is signed once, not once each (the manifest
     * lists the whole site, so signing it costs what the site costs) */
    return p->jobs ? jobs_schedule(p->jobs, tx, PUBLISH_JOB_SITE, "", xn_now_us() + 5000000, err)
                   : XN_OK;
}

/* ---- the signed manifest ---------------------------------------------------------------- */

static int load_key(publish_ctx *p, unsigned char sk[crypto_sign_SECRETKEYBYTES], xn_error *err)
{
    char path[600];
    snprintf(path, sizeof path, "%s/key", p->state_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, sk, crypto_sign_SECRETKEYBYTES);
        close(fd);
        if (n == crypto_sign_SECRETKEYBYTES)
            return XN_OK;
        return xn_fail(err, XN_EIO, "key", "the site's signing key %s is damaged", path);
    }
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_keypair(pk, sk);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, sk, crypto_sign_SECRETKEYBYTES) != crypto_sign_SECRETKEYBYTES) {
        if (fd >= 0)
            close(fd);
        return xn_fail(err, XN_EIO, "key", "cannot create the site's signing key %s", path);
    }
    close(fd);
    return XN_OK;
}

static int write_plain(const char *dir, const char *name, const void *data, size_t len,
                       xn_error *err)
{
    xn_buf b = {.data = (char *)data, .len = len};
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    return write_atomic(dir, name, &b, true, hex, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int publish_manifest_job(publish_ctx *p, json_t *summary, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c, "SELECT path, size, digest FROM site_file ORDER BY path", &st, err);
    char **lines = NULL;
    size_t n = 0, cap = 0;
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *path = store_col_text(st, 0);
        /* each directory on the way, then the file */
        char dir[1024];
        xn_strlcpy(dir, path, sizeof dir);
        size_t slashes = 0;
        for (const char *s = dir; *s; s++)
            slashes += *s == '/';
        if (n + slashes + 1 > cap) {
            cap = (n + slashes + 1) * 2 + 256;
            char **nl = realloc(lines, cap * sizeof *lines);
            if (!nl) {
                store_stmt_done(st);
                rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
                break;
            }
            lines = nl;
        }
        for (char *s = strchr(dir, '/'); s; s = strchr(s + 1, '/')) {
            *s = '\0';
            if (asprintf(&lines[n], "%s\td\t0755\t0\t-\t%s\t", dir, dir) > 0)
                n++;
            *s = '/';
        }
        if (asprintf(&lines[n], "%s\tf\t0644\t%lld\t%s\t%s\t", path,
                     (long long)store_col_int(st, 1), store_col_text(st, 2), path) > 0)
            n++;
    }
    store_release(c);
    if (rc < 0)
        goto out;
    /* sorted by path, each once; the path before the first tab is the sort key */
    qsort(lines, n, sizeof *lines, cmp_str);
    xn_buf text;
    xn_buf_init(&text, GUARD_MAX_MANIFEST);
    xn_buf_puts(&text, "xinan-guard-manifest 1\n");
    size_t files = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(lines[i], lines[i - 1]) == 0)
            continue;
        const char *rest = strchr(lines[i], '\t') + 1;
        xn_buf_puts(&text, rest);
        xn_buf_puts(&text, "\n");
        files += rest[0] == 'f';
    }
    guard_manifest m;
    rc = guard_manifest_parse(text.data, text.len, &m, err);
    if (rc == XN_OK) {
        guard_manifest_free(&m);
        unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
        unsigned char sig[crypto_sign_BYTES];
        rc = load_key(p, sk, err);
        if (rc == XN_OK) {
            crypto_sign_detached(sig, NULL, (unsigned char *)text.data, text.len, sk);
            crypto_sign_ed25519_sk_to_pk(pk, sk);
            sodium_memzero(sk, sizeof sk);
            char pkhex[crypto_sign_PUBLICKEYBYTES * 2 + 2];
            sodium_bin2hex(pkhex, sizeof pkhex - 1, pk, sizeof pk);
            pkhex[crypto_sign_PUBLICKEYBYTES * 2] = '\n';
            pkhex[crypto_sign_PUBLICKEYBYTES * 2 + 1] = '\0';
            /* the signature first: a guard that reads the pair in between sees the old
             * manifest with a new signature and refuses it, keeping its last good one */
            rc = write_plain(p->state_dir, "manifest.sig", sig, sizeof sig, err);
            if (rc == XN_OK)
                rc = write_plain(p->state_dir, "manifest", text.data, text.len, err);
            if (rc == XN_OK)
                rc = write_plain(p->state_dir, "manifest.pub", pkhex, strlen(pkhex), err);
        }
    }
    xn_buf_release(&text);
    if (rc == XN_OK)
        json_object_set_new(summary, "files", json_integer((json_int_t)files));
out:
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    return rc;
}

/* ---- what the guard agents pull ----------------------------------------------------------- */

static int read_state(publish_ctx *p, const char *name, size_t max, xn_buf *out, xn_error *err)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", p->state_dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return xn_fail(err, XN_ENOTFOUND, "no_manifest", "the site has no signed manifest yet");
    xn_buf_init(out, max);
    char buf[1 << 16];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        if (xn_buf_append(out, buf, (size_t)r) != XN_OK)
            break;
    close(fd);
    if (r != 0 || !out->data) {
        xn_buf_release(out);
        return xn_fail(err, XN_EIO, "manifest", "cannot read the site's %s", name);
    }
    return XN_OK;
}

int publish_guard_manifest(publish_ctx *p, const char *have, json_t **out, xn_error *err)
{
    xn_buf text, sig, pub;
    *out = NULL;
    /* under the site lock: never the signature of one manifest with another's text */
    pthread_mutex_lock(&p->site_lock);
    int rc = read_state(p, "manifest", GUARD_MAX_MANIFEST, &text, err);
    if (rc == XN_OK && (rc = read_state(p, "manifest.sig", 4096, &sig, err)) != XN_OK)
        xn_buf_release(&text);
    if (rc == XN_OK && (rc = read_state(p, "manifest.pub", 4096, &pub, err)) != XN_OK) {
        xn_buf_release(&text);
        xn_buf_release(&sig);
    }
    pthread_mutex_unlock(&p->site_lock);
    if (rc != XN_OK)
        return rc;
    unsigned char d[crypto_hash_sha256_BYTES];
    char digest[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(d, (const unsigned char *)text.data, text.len);
    sodium_bin2hex(digest, sizeof digest, d, sizeof d);
    if (sig.len != crypto_sign_BYTES) {
        rc = xn_fail(err, XN_EIO, "manifest", "the site's manifest signature is damaged");
    } else if (!have || strcmp(have, digest) != 0) {
        char sighex[crypto_sign_BYTES * 2 + 1];
        sodium_bin2hex(sighex, sizeof sighex, (const unsigned char *)sig.data, sig.len);
        pub.data[strcspn(pub.data, "\n")] = '\0';
        *out = json_pack("{s:s%,s:s,s:s,s:s}", "manifest", text.data, text.len, "signature", sighex,
                         "public_key", pub.data, "digest", digest);
        if (!*out)
            rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    }
    xn_buf_release(&text);
    xn_buf_release(&sig);
    xn_buf_release(&pub);
    return rc;
}

int publish_guard_file(publish_ctx *p, const char *digest, int *fd, uint64_t *size, xn_error *err)
{
    unsigned char want[crypto_hash_sha256_BYTES];
    size_t bin = 0;
    if (strlen(digest) != crypto_hash_sha256_BYTES * 2 ||
        sodium_hex2bin(want, sizeof want, digest, strlen(digest), NULL, &bin, NULL) != 0 ||
        bin != sizeof want || strspn(digest, "0123456789abcdef") != strlen(digest))
        return xn_fail(err, XN_EINVAL, "digest", "digest must be 64 lower-case hex digits");
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    char rel[1024] = "";
    rc = store_prepare(c, "SELECT path FROM site_file WHERE digest = ? LIMIT 1", &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, digest, -1);
        rc = store_step(st, err);
        if (rc == STORE_ROW)
            xn_strlcpy(rel, store_col_text(st, 0), sizeof rel);
        store_stmt_done(st);
        rc = rc < 0 ? rc : XN_OK;
    }
    store_release(c);
    if (rc != XN_OK)
        return rc;
    if (!*rel)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "the site has no file with that digest");
    char path[1600];
    snprintf(path, sizeof path, "%s/%s", p->site_root, rel);
    int f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat sb;
    if (f < 0 || fstat(f, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (f >= 0)
            close(f);
        return xn_fail(err, XN_ENOTFOUND, "not_found", "the site's file %s is missing", rel);
    }
    /* what is served is what was approved: a file changed on this side is not handed out */
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    char buf[1 << 16];
    ssize_t r;
    while ((r = read(f, buf, sizeof buf)) > 0)
        crypto_hash_sha256_update(&h, (const unsigned char *)buf, (size_t)r);
    unsigned char got[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, got);
    if (r != 0 || sodium_memcmp(got, want, sizeof got) != 0 || lseek(f, 0, SEEK_SET) != 0) {
        close(f);
        return xn_fail(err, XN_ECONFLICT, "changed",
                       "the site's file %s no longer has the approved content", rel);
    }
    *fd = f;
    *size = (uint64_t)sb.st_size;
    return XN_OK;
}
