/*
 * Evidence files in the database (files.h describes the shape): the room's context, streaming
 * uploads into chunk rows, deduplication by digest at commit, reading back chunk by chunk, and
 * who may read what.
 */
#include "files/files.h"
#include "files/files_int.h"

#include <magic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Chunk buffers are mapped, not malloc'd: the allocator would keep a freed 1 MiB block in the
 * thread's arena (its mmap threshold grows after the first free), so each worker thread would
 * hold on to the memory of its largest transfer. */
void *files_chunk_alloc(void)
{
    void *p = mmap(NULL, FILES_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void files_chunk_free(void *p)
{
    if (p)
        munmap(p, FILES_CHUNK);
}

int files_open(files_store **out, const xn_config *cfg, store *db, audit_trail *trail,
               xn_error *err)
{
    files_store *f = xn_xcalloc(1, sizeof *f);
    f->db = db;
    f->trail = trail;
    f->max_size = (uint64_t)cfg->files_max_size;
    /* ZJ 43: SM3 under the national algorithms, SHA-256 otherwise */
    f->alg = strcmp(cfg->crypto, "gm") == 0 ? CRYPTO_SM3 : CRYPTO_SHA256;
    snprintf(f->clamd, sizeof f->clamd, "%s", cfg->files_clamd);
    pthread_mutex_init(&f->magic_lock, NULL);
    f->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ENCODING);
    if (!f->magic || magic_load(f->magic, NULL) != 0) {
        int rc = xn_fail(err, XN_EIO, "magic", "cannot load libmagic's database: %s",
                         f->magic ? magic_error(f->magic) : "out of memory");
        files_free(f);
        return rc;
    }
    *out = f;
    return XN_OK;
}

void files_free(files_store *f)
{
    if (!f)
        return;
    if (f->magic)
        magic_close(f->magic);
    pthread_mutex_destroy(&f->magic_lock);
    free(f);
}

uint64_t files_max_size(const files_store *f)
{
    return f->max_size;
}

void files_detect(files_store *f, const void *head, size_t len, char type[FILES_MAX_TYPE])
{
    pthread_mutex_lock(&f->magic_lock);
    const char *t = magic_buffer(f->magic, head, len);
    snprintf(type, FILES_MAX_TYPE, "%s", t ? t : "application/octet-stream");
    pthread_mutex_unlock(&f->magic_lock);
}

/* ---- uploads ------------------------------------------------------------------------------ */

struct files_upload {
    files_store *f;
    audit_actor actor;
    char name[FILES_MAX_NAME + 1];
    crypto_hasher hash;
    bool hashing;       /* hash holds a state to finish */
    unsigned char *buf; /* the chunk being filled: FILES_CHUNK bytes */
    size_t fill;
    uint64_t total;  /* bytes taken so far */
    int64_t seq;     /* chunks stored */
    int64_t blob_id; /* the staged content row, 0 before the first chunk is stored */
    char type[FILES_MAX_TYPE];
    files_class cls;
    files_link_fn link; /* run inside the commit, or NULL */
    void *link_ctx;
    bool failed;   /* refused: waits for files_upload_free */
    bool finished; /* committed */
};

int files_upload_begin(files_store *f, const audit_actor *actor, const char *name, int64_t declared,
                       files_upload **out, xn_error *err)
{
    return files_upload_begin_class(f, actor, FILES_EVIDENCE, name, declared, out, err);
}

int files_upload_begin_class(files_store *f, const audit_actor *actor, files_class cls,
                             const char *name, int64_t declared, files_upload **out, xn_error *err)
{
    int rc = files_check_name(name, name ? strlen(name) : 0, err);
    if (rc != XN_OK)
        return rc;
    if (declared == 0)
        return xn_fail_field(err, XN_EINVAL, "empty_file", "file", "不能上传空文件");
    if (declared > 0 && (uint64_t)declared > f->max_size)
        return xn_fail_field(err, XN_ETOOBIG, "too_large", "file",
                             "文件超过上限 %llu 字节（files.max_size）",
                             (unsigned long long)f->max_size);
    files_upload *u = xn_xcalloc(1, sizeof *u);
    u->f = f;
    u->actor = *actor;
    u->cls = cls;
    snprintf(u->name, sizeof u->name, "%s", name);
    u->buf = files_chunk_alloc();
    if (!u->buf) {
        free(u);
        return xn_fail(err, XN_ENOMEM, "no_memory", "内存不足");
    }
    if (crypto_hasher_init(&u->hash, f->alg, NULL) != XN_OK) {
        files_chunk_free(u->buf);
        free(u);
        return xn_fail(err, XN_EINTERNAL, "hash", "cannot start the digest");
    }
    u->hashing = true;
    *out = u;
    return XN_OK;
}

typedef struct chunk_ctx {
    files_upload *u;
    const void *data;
    size_t len;
    int64_t blob_id; /* the staged row, known once committed */
} chunk_ctx;

/* One chunk in its own transaction; the first makes the staged content row. */
static int chunk_tx(store_conn *c, void *vctx, xn_error *err)
{
    chunk_ctx *ctx = vctx;
    files_upload *u = ctx->u;
    store_stmt *st;
    int rc;
    int64_t blob = u->blob_id;
    if (!blob) {
        rc = store_prepare(c,
                           "INSERT INTO file_blob (state, type, created_at) "
                           "VALUES ('uploading', $1, $2) RETURNING id",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, u->type, -1);
        store_bind_int(st, 2, xn_now_us());
        if ((rc = store_step(st, err)) != STORE_ROW)
            return rc < 0 ? rc : xn_fail(err, XN_EIO, "db", "no id for the new content");
        blob = store_col_int(st, 0);
        store_stmt_done(st);
    }
    rc = store_prepare(c, "INSERT INTO file_chunk (blob_id, seq, data) VALUES ($1, $2, $3)", &st,
                       err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, blob);
    store_bind_int(st, 2, u->seq);
    store_bind_blob_ref(st, 3, ctx->data, ctx->len);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    /* a retried transaction runs this again: the id sticks only once committed */
    ctx->blob_id = blob;
    return XN_OK;
}

/* Stores the filled buffer as the next chunk; the first is type-checked before. */
static int flush_chunk(files_upload *u, xn_error *err)
{
    if (u->fill == 0)
        return XN_OK;
    if (u->seq == 0) {
        files_detect(u->f, u->buf, u->fill, u->type);
        /* quarantined content is whatever the attacker left (a .php webshell): its type is
         * recorded, never checked, and it is never served as that type */
        int rc = u->cls == FILES_QUARANTINE
                     ? XN_OK
                     : files_check_type(u->name, u->type, u->buf, u->fill, err);
        if (rc != XN_OK)
            return rc;
    }
    chunk_ctx ctx = {u, u->buf, u->fill, 0};
    /* a staged chunk is nothing until the upload's own commit, which waits for the disk and
     * so makes every chunk before it durable with it */
    int rc = store_tx_lazy(u->f->db, chunk_tx, &ctx, err);
    if (rc != XN_OK)
        return rc;
    u->blob_id = ctx.blob_id;
    u->seq++;
    u->fill = 0;
    return XN_OK;
}

int files_upload_write(files_upload *u, const void *data, size_t len, xn_error *err)
{
    if (u->failed || u->finished)
        return xn_fail(err, XN_EINTERNAL, "upload_over", "the upload has already ended");
    if (len > u->f->max_size - u->total) {
        u->failed = true;
        return xn_fail_field(err, XN_ETOOBIG, "too_large", "file",
                             "文件超过上限 %llu 字节（files.max_size）",
                             (unsigned long long)u->f->max_size);
    }
    u->total += len;
    crypto_hasher_update(&u->hash, data, len);
    const unsigned char *p = data;
    while (len) {
        size_t n = FILES_CHUNK - u->fill;
        if (n > len)
            n = len;
        memcpy(u->buf + u->fill, p, n);
        u->fill += n;
        p += n;
        len -= n;
        if (u->fill == FILES_CHUNK) {
            int rc = flush_chunk(u, err);
            if (rc != XN_OK) {
                u->failed = true;
                return rc;
            }
        }
    }
    return XN_OK;
}

typedef struct finish_ctx {
    files_upload *u;
    char digest[FILES_DIGEST];
    files_info *out;
} finish_ctx;

/* Commits the upload: reuse content with the same digest or make the staged row the content,
 * insert the evidence_file row, record file.upload. */
static int finish_tx(store_conn *c, void *vctx, xn_error *err)
{
    finish_ctx *ctx = vctx;
    files_upload *u = ctx->u;
    files_store *f = u->f;
    store_stmt *st;
    int64_t now = xn_now_us();
    int rc = store_prepare(c, "SELECT id, state FROM file_blob WHERE digest = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, ctx->digest, -1);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    int64_t blob = 0;
    bool reuse_unscanned = false;
    if (rc == STORE_ROW) {
        blob = store_col_int(st, 0);
        reuse_unscanned = strcmp(store_col_text(st, 1), "unscanned") == 0;
        store_stmt_done(st);
    }
    const char *fresh_state = f->clamd[0] ? "pending" : "unscanned";
    if (blob) {
        /* deduplicated: the staged copy goes */
        if ((rc = files_delete_blob(c, u->blob_id, err)) != XN_OK)
            return rc;
        if (reuse_unscanned && f->clamd[0]) {
            rc = store_prepare(c,
                               "UPDATE file_blob SET state = 'pending', scan_next_at = 0, "
                               "scan_attempts = 0 WHERE id = $1",
                               &st, err);
            if (rc != XN_OK)
                return rc;
            store_bind_int(st, 1, blob);
            if ((rc = store_step(st, err)) < 0)
                return rc;
        }
    } else {
        rc = store_prepare(c,
                           "UPDATE file_blob SET digest = $1, size = $2, state = $3, "
                           "scan_next_at = 0, created_at = $4 WHERE id = $5 AND state = "
                           "'uploading'",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, ctx->digest, -1);
        store_bind_int(st, 2, (int64_t)u->total);
        store_bind_text(st, 3, fresh_state, -1);
        store_bind_int(st, 4, now);
        store_bind_int(st, 5, u->blob_id);
        if ((rc = store_step(st, err)) < 0)
            return rc;
        if (store_changes(c) != 1)
            return xn_fail(err, XN_ECONFLICT, "upload_lost",
                           "上传中的文件已被清理，请重新上传 (the staged upload is gone)");
        blob = u->blob_id;
    }
    rc = store_prepare(c,
                       "INSERT INTO evidence_file (blob_id, name, uploaded_by, uploaded_at, class,"
                       " agent_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    bool quarantine = u->cls == FILES_QUARANTINE;
    store_bind_int(st, 1, blob);
    store_bind_text(st, 2, u->name, -1);
    if (quarantine) /* an agent, no person */
        store_bind_null(st, 3);
    else
        store_bind_int(st, 3, u->actor.id);
    store_bind_int(st, 4, now);
    store_bind_text(st, 5, quarantine ? "quarantine" : "evidence", -1);
    if (quarantine)
        store_bind_text(st, 6, u->actor.name, -1);
    else
        store_bind_null(st, 6);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_EIO, "db", "no id for the new file");
    int64_t id = store_col_int(st, 0);
    store_stmt_done(st);
    if ((rc = files_load(c, id, ctx->out, err)) != XN_OK)
        return rc;
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    json_t *detail = json_pack("{s:s, s:s, s:I, s:s, s:s, s:b, s:s}", "name", u->name, "digest",
                               ctx->digest, "size", (json_int_t)u->total, "type", ctx->out->type,
                               "scan", ctx->out->scan, "deduplicated", blob != u->blob_id, "class",
                               quarantine ? "quarantine" : "evidence");
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    audit_event ev = {.action = "file.upload",
                      .actor = &u->actor,
                      .object_type = "file",
                      .object_id = oid,
                      .result = AUDIT_OK,
                      .detail_json = text};
    rc = audit_append(f->trail, c, &ev, err);
    free(text);
    if (rc == XN_OK && u->link)
        rc = u->link(c, ctx->out, u->link_ctx, err);
    return rc;
}

int files_upload_finish_link(files_upload *u, files_link_fn link, void *ctx, files_info *out,
                             xn_error *err)
{
    u->link = link;
    u->link_ctx = ctx;
    return files_upload_finish(u, out, err);
}

int files_upload_finish(files_upload *u, files_info *out, xn_error *err)
{
    if (u->failed || u->finished)
        return xn_fail(err, XN_EINTERNAL, "upload_over", "the upload has already ended");
    if (u->total == 0) {
        u->failed = true;
        return xn_fail_field(err, XN_EINVAL, "empty_file", "file", "不能上传空文件");
    }
    int rc = flush_chunk(u, err);
    if (rc != XN_OK) {
        u->failed = true;
        return rc;
    }
    uint8_t d[CRYPTO_HASH_BYTES];
    crypto_hasher_final(&u->hash, d);
    u->hashing = false;
    finish_ctx ctx = {.u = u, .out = out};
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    xn_hex(d, sizeof d, hex);
    snprintf(ctx.digest, sizeof ctx.digest, "%s:%s", crypto_alg_id(u->f->alg), hex);
    rc = store_tx(u->f->db, finish_tx, &ctx, err);
    if (rc != XN_OK) {
        u->failed = true;
        return rc;
    }
    u->finished = true;
    return XN_OK;
}

static int delete_tx(store_conn *c, void *vctx, xn_error *err)
{
    return files_delete_blob(c, *(int64_t *)vctx, err);
}

void files_upload_free(files_upload *u)
{
    if (!u)
        return;
    if (!u->finished && u->blob_id) {
        xn_error err;
        store_tx(u->f->db, delete_tx, &u->blob_id, &err);
        /* a failure leaves the rows to files_purge_stale */
    }
    if (u->hashing) {
        uint8_t d[CRYPTO_HASH_BYTES];
        crypto_hasher_final(&u->hash, d);
    }
    files_chunk_free(u->buf);
    free(u);
}

int files_delete_blob(store_conn *c, int64_t blob_id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c, "DELETE FROM file_chunk WHERE blob_id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, blob_id);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    rc = store_prepare(c, "DELETE FROM file_blob WHERE id = $1 AND state = 'uploading'", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, blob_id);
    rc = store_step(st, err);
    return rc < 0 ? rc : XN_OK;
}

typedef struct purge_ctx {
    int64_t before;
    int64_t purged;
} purge_ctx;

static int purge_tx(store_conn *c, void *vctx, xn_error *err)
{
    purge_ctx *p = vctx;
    store_stmt *st;
    p->purged = 0;
    int rc = store_prepare(c,
                           "DELETE FROM file_chunk WHERE blob_id IN (SELECT id FROM file_blob "
                           "WHERE state = 'uploading' AND created_at < $1)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, p->before);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    rc = store_prepare(c, "DELETE FROM file_blob WHERE state = 'uploading' AND created_at < $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, p->before);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    p->purged = store_changes(c);
    return XN_OK;
}

int files_purge_stale(files_store *f, int64_t now_us, int64_t max_age_us, int64_t *purged,
                      xn_error *err)
{
    purge_ctx p = {.before = now_us - max_age_us};
    int rc = store_tx(f->db, purge_tx, &p, err);
    if (rc == XN_OK && purged)
        *purged = p.purged;
    return rc;
}

/* ---- reading ------------------------------------------------------------------------------ */

int files_load(store_conn *c, int64_t id, files_info *out, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT e.id, e.blob_id, e.name, b.digest, b.size, b.type, b.state, "
                           "b.signature, e.uploaded_by, e.uploaded_at, b.scanned_at, e.class, "
                           "e.agent_id FROM evidence_file e JOIN file_blob b ON b.id = e.blob_id "
                           "WHERE e.id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    if (rc != STORE_ROW)
        return xn_fail_field(err, XN_ENOTFOUND, "not_found", "id", "文件不存在");
    *out = (files_info){.id = store_col_int(st, 0),
                        .blob_id = store_col_int(st, 1),
                        .size = store_col_int(st, 4),
                        .uploaded_by = store_col_int(st, 8),
                        .uploaded_at = store_col_int(st, 9),
                        .scanned_at = store_col_int(st, 10)};
    snprintf(out->name, sizeof out->name, "%s", store_col_text(st, 2));
    snprintf(out->digest, sizeof out->digest, "%s", store_col_text(st, 3));
    snprintf(out->type, sizeof out->type, "%s", store_col_text(st, 5));
    snprintf(out->scan, sizeof out->scan, "%s", store_col_text(st, 6));
    snprintf(out->signature, sizeof out->signature, "%s", store_col_text(st, 7));
    out->cls =
        strcmp(store_col_text(st, 11), "quarantine") == 0 ? FILES_QUARANTINE : FILES_EVIDENCE;
    snprintf(out->agent_id, sizeof out->agent_id, "%s", store_col_text(st, 12));
    store_stmt_done(st);
    return XN_OK;
}

int files_get_any(files_store *f, int64_t id, files_info *out, xn_error *err)
{
    store_conn *c = NULL;
    int rc = store_acquire(f->db, &c, err);
    if (rc != XN_OK)
        return rc;
    rc = files_load(c, id, out, err);
    store_release(c);
    return rc;
}

static int get_class(files_store *f, int64_t id, files_class cls, files_info *out, xn_error *err)
{
    int rc = files_get_any(f, id, out, err);
    /* a quarantined file is not evidence anyone may attach, link or read as its type */
    if (rc == XN_OK && out->cls != cls)
        rc = xn_fail_field(err, XN_ENOTFOUND, "not_found", "id", "文件不存在");
    return rc;
}

int files_get(files_store *f, int64_t id, files_info *out, xn_error *err)
{
    return get_class(f, id, FILES_EVIDENCE, out, err);
}

int files_quarantine_get(files_store *f, int64_t id, files_info *out, xn_error *err)
{
    return get_class(f, id, FILES_QUARANTINE, out, err);
}

static const char *scan_text(const char *scan)
{
    if (strcmp(scan, "clean") == 0)
        return "无毒";
    if (strcmp(scan, "infected") == 0)
        return "已隔离";
    if (strcmp(scan, "pending") == 0)
        return "待查毒";
    return "未查毒";
}

json_t *files_info_json(const files_info *fi)
{
    char at[XN_TIME_STR];
    xn_time_format(fi->uploaded_at, at);
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:s}", "id",
                          (json_int_t)fi->id, "name", fi->name, "digest", fi->digest, "size",
                          (json_int_t)fi->size, "type", fi->type, "scan", fi->scan, "scan_text",
                          scan_text(fi->scan), "uploaded_by", (json_int_t)fi->uploaded_by,
                          "uploaded_at", (json_int_t)fi->uploaded_at, "uploaded_at_text", at);
    if (fi->signature[0])
        json_object_set_new(o, "signature", json_string(fi->signature));
    if (fi->scanned_at)
        json_object_set_new(o, "scanned_at", json_integer(fi->scanned_at));
    return o;
}

int files_list_json(files_store *f, int64_t user_id, bool can_read, bool can_quarantine,
                    int64_t cursor, int limit, json_t **out, xn_error *err)
{
    if (limit < 1 || limit > FILES_PAGE_MAX)
        return xn_fail_field(err, XN_EINVAL, "bad_limit", "limit", "每页条数必须是 1 到 %d 的整数",
                             FILES_PAGE_MAX);
    store_conn *c = NULL;
    int rc = store_acquire(f->db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    /* one more row than the page tells whether another page follows */
    rc =
        store_prepare(c,
                      "SELECT e.id, e.blob_id, e.name, b.digest, b.size, b.type, b.state, "
                      "b.signature, e.uploaded_by, e.uploaded_at, b.scanned_at, u.real_name "
                      "FROM evidence_file e JOIN file_blob b ON b.id = e.blob_id "
                      "LEFT JOIN app_user u ON u.id = e.uploaded_by "
                      "WHERE e.id < $1 AND e.class = 'evidence' AND ($2 = 1 OR e.uploaded_by = $3) "
                      "AND ($4 = 1 OR b.state <> 'infected') "
                      "ORDER BY e.id DESC LIMIT $5",
                      &st, err);
    json_t *items = json_array();
    int64_t last = 0;
    int n = 0;
    if (rc == XN_OK) {
        store_bind_int(st, 1, cursor > 0 ? cursor : INT64_MAX);
        store_bind_int(st, 2, can_read ? 1 : 0);
        store_bind_int(st, 3, user_id);
        store_bind_int(st, 4, can_quarantine ? 1 : 0);
        store_bind_int(st, 5, (int64_t)limit + 1);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            if (n++ == limit) {
                store_stmt_done(st);
                break;
            }
            files_info fi = {.id = store_col_int(st, 0),
                             .blob_id = store_col_int(st, 1),
                             .size = store_col_int(st, 4),
                             .uploaded_by = store_col_int(st, 8),
                             .uploaded_at = store_col_int(st, 9),
                             .scanned_at = store_col_int(st, 10)};
            snprintf(fi.name, sizeof fi.name, "%s", store_col_text(st, 2));
            snprintf(fi.digest, sizeof fi.digest, "%s", store_col_text(st, 3));
            snprintf(fi.type, sizeof fi.type, "%s", store_col_text(st, 5));
            snprintf(fi.scan, sizeof fi.scan, "%s", store_col_text(st, 6));
            snprintf(fi.signature, sizeof fi.signature, "%s", store_col_text(st, 7));
            json_t *o = files_info_json(&fi);
            json_object_set_new(o, "uploader", json_string(store_col_text(st, 11)));
            json_array_append_new(items, o);
            last = fi.id;
        }
        if (rc == STORE_ROW || rc == STORE_DONE)
            rc = XN_OK;
    }
    store_release(c);
    if (rc != XN_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "items", items, "next",
                     n > limit ? json_integer(last) : json_null());
    return XN_OK;
}

int files_may_read(const files_info *fi, int64_t user_id, bool can_read, bool can_quarantine,
                   xn_error *err)
{
    if (fi->cls != FILES_EVIDENCE) /* read through the guard's routes only */
        return xn_fail_field(err, XN_ENOTFOUND, "not_found", "id", "文件不存在");
    /* PUB-12: quarantined content is for the security administrator alone, its uploader
     * included; to anyone else it does not exist */
    if (strcmp(fi->scan, "infected") == 0)
        return can_quarantine ? XN_OK
                              : xn_fail_field(err, XN_ENOTFOUND, "not_found", "id", "文件不存在");
    if (fi->uploaded_by != user_id && !can_read)
        return xn_fail_field(err, XN_EDENIED, "forbidden", "id", "没有查看此文件的权限");
    return XN_OK;
}

typedef struct read_audit_ctx {
    files_store *f;
    const audit_actor *actor;
    const files_info *fi;
    const char *result;
    const char *reason;
} read_audit_ctx;

static int read_audit_tx(store_conn *c, void *vctx, xn_error *err)
{
    read_audit_ctx *r = vctx;
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)r->fi->id);
    json_t *detail = json_pack("{s:s, s:s, s:I, s:s}", "name", r->fi->name, "digest", r->fi->digest,
                               "size", (json_int_t)r->fi->size, "scan", r->fi->scan);
    if (r->reason)
        json_object_set_new(detail, "reason", json_string(r->reason));
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    audit_event ev = {.action = "file.download",
                      .actor = r->actor,
                      .object_type = "file",
                      .object_id = oid,
                      .result = r->result,
                      .detail_json = text};
    int rc = audit_append(r->f->trail, c, &ev, err);
    free(text);
    return rc;
}

int files_audit_read(files_store *f, const audit_actor *actor, const files_info *fi,
                     const char *result, const char *reason, xn_error *err)
{
    read_audit_ctx r = {f, actor, fi, result, reason};
    return store_tx(f->db, read_audit_tx, &r, err);
}

struct files_reader {
    files_store *f;
    int64_t blob_id;
    uint64_t size;
    unsigned char *buf; /* the chunk last read */
    int64_t seq;        /* its number, -1 none */
    size_t len;
};

int files_reader_open(files_store *f, const files_info *fi, files_reader **out, xn_error *err)
{
    files_reader *r = xn_xcalloc(1, sizeof *r);
    r->buf = files_chunk_alloc();
    if (!r->buf) {
        free(r);
        return xn_fail(err, XN_ENOMEM, "no_memory", "内存不足");
    }
    r->f = f;
    r->blob_id = fi->blob_id;
    r->size = (uint64_t)fi->size;
    r->seq = -1;
    *out = r;
    return XN_OK;
}

/* Reads chunk seq into the reader's buffer. */
static int load_chunk(files_reader *r, int64_t seq)
{
    xn_error err;
    store_conn *c = NULL;
    if (store_acquire(r->f->db, &c, &err) != XN_OK)
        return -1;
    store_stmt *st;
    int rc =
        store_prepare(c, "SELECT data FROM file_chunk WHERE blob_id = $1 AND seq = $2", &st, &err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, r->blob_id);
        store_bind_int(st, 2, seq);
        rc = store_step(st, &err);
        if (rc == STORE_ROW) {
            size_t n = store_col_bytes(st, 0);
            if (n > FILES_CHUNK) {
                rc = -1;
            } else {
                memcpy(r->buf, store_col_blob(st, 0), n);
                r->len = n;
                r->seq = seq;
                rc = XN_OK;
            }
            store_stmt_done(st);
        } else {
            rc = -1;
        }
    }
    store_release(c);
    return rc == XN_OK ? 0 : -1;
}

ssize_t files_reader_read(files_reader *r, uint64_t pos, void *buf, size_t max)
{
    if (pos >= r->size)
        return 0;
    int64_t seq = (int64_t)(pos / FILES_CHUNK);
    size_t off = (size_t)(pos % FILES_CHUNK);
    if (seq != r->seq && load_chunk(r, seq) != 0)
        return -1;
    if (off >= r->len)
        return -1; /* a short chunk inside the content: damaged */
    size_t n = r->len - off;
    if (n > max)
        n = max;
    memcpy(buf, r->buf + off, n);
    return (ssize_t)n;
}

void files_reader_free(files_reader *r)
{
    if (!r)
        return;
    files_chunk_free(r->buf);
    free(r);
}

/* ---- Content-Disposition ------------------------------------------------------------------ */

int files_disposition(const char *name, char *out, size_t size)
{
    /* RFC 6266 4.3: a plain ASCII filename for old clients, filename* (RFC 5987, UTF-8) for
     * the real one; both as an attachment, never inline */
    xn_buf b;
    xn_buf_init(&b, size - 1);
    int rc = xn_buf_puts(&b, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)name; rc == XN_OK && *p; p++) {
        char ch =
            (char)((*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' || *p == '%' || *p == ';')
                       ? '_'
                       : *p);
        if ((*p & 0xC0) == 0x80) /* one stand-in per character, not per byte */
            continue;
        rc = xn_buf_append(&b, &ch, 1);
    }
    if (rc == XN_OK)
        rc = xn_buf_puts(&b, "\"; filename*=UTF-8''");
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)name; rc == XN_OK && *p; p++) {
        /* attr-char of RFC 5987 3.2.1 as is, everything else %XX */
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p);
        if (plain) {
            char ch = (char)*p;
            rc = xn_buf_append(&b, &ch, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = xn_buf_append(&b, esc, 3);
        }
    }
    if (rc == XN_OK)
        snprintf(out, size, "%s", b.data);
    xn_buf_release(&b);
    return rc == XN_OK ? XN_OK : XN_ETOOBIG;
}
