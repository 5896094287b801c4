/*
 * The backend-independent half of the store: the connection pool, the per-connection
 * statement cache, write transactions with retry, schema versioning and statistics.
 */
#include "store/store_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_BUCKETS 128
#define CACHE_MAX     512 /* statements kept per connection before the cache is flushed */

const int64_t store_hist_bounds_us[STORE_HIST_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 500000, 1000000, INT64_MAX};

struct store_stmt {
    store_conn *conn;
    void *h;
    char *sql;
    uint64_t hash;
    bool active; /* stepped and not yet reset */
    store_stmt *next;
};

struct store_conn {
    store *s;
    void *h;
    store_stmt *cache[CACHE_BUCKETS];
    size_t cached;
    bool in_tx;
    bool bulk;          /* store_tx_bulk was called in this transaction */
    uint64_t tx_serial; /* this attempt's number while in_tx */
    struct {
        store_commit_fn fn;
        void *ctx;
    } hooks[STORE_MAX_COMMIT_HOOKS];
    int nhooks;
    store_conn *next_free;
};

struct store {
    const store_backend_ops *ops;
    char *target;
    store_options opt;
    store_conn *conns;
    int nconns;
    store_conn *free_list;
    pthread_mutex_t lock;
    pthread_cond_t available;
    _Atomic uint64_t statements, transactions, rollbacks, busy_retries, tx_sum_us;
    _Atomic uint64_t tx_hist[STORE_HIST_BUCKETS];
    _Atomic bool versioned; /* schema_migrations exists (it is never dropped once made) */
    _Atomic uint64_t tx_serials;
    store_log_hook log_hook;
};

/* The statement cache's key: eight bytes at a time (a 300-byte INSERT costs some 40 rounds
 * instead of 300 dependent multiplies); a collision costs only a strcmp. */
static uint64_t hash_sql(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (; n >= 8; n -= 8, s += 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    uint64_t tail = 0;
    memcpy(&tail, s, n);
    h = (h ^ tail) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

/* Frees the cached statements; with keep_active, those being read stay (a caller still
 * holds them mid-iteration). */
static void cache_evict(store_conn *c, bool keep_active)
{
    for (int i = 0; i < CACHE_BUCKETS; i++) {
        store_stmt **link = &c->cache[i];
        while (*link) {
            store_stmt *st = *link;
            if (keep_active && st->active) {
                link = &st->next;
                continue;
            }
            *link = st->next;
            c->s->ops->finalize(st->h);
            free(st->sql);
            free(st);
            c->cached--;
        }
    }
}

static void cache_flush(store_conn *c)
{
    cache_evict(c, false);
}

static const store_backend_ops *backend_for(const char *target, const char **path)
{
    if (strncmp(target, "sqlite:", 7) == 0) {
        *path = target + 7;
        return &store_sqlite_ops;
    }
    if (strstr(target, "://"))
        return NULL; /* a URL of a backend this build does not have */
    *path = target;
    return &store_sqlite_ops;
}

static int check_schema_not_newer(store *s, xn_error *err)
{
    int version = 0;
    int rc = store_schema_version(s, &version, err);
    if (rc)
        return rc;
    if (version > store_schema_latest())
        return xn_fail(err, XN_ESCHEMA, "schema_newer",
                       "database %s has schema version %d, newer than this xinan %s knows (%d); "
                       "use a newer xinan or restore a backup taken before the upgrade",
                       s->target, version, XN_VERSION, store_schema_latest());
    return XN_OK;
}

void store_global_init(void)
{
    store_sqlite_global_init();
}

int store_open(store **out, const char *target, const store_options *opt, xn_error *err)
{
    const char *path = NULL;
    const store_backend_ops *ops = backend_for(target, &path);
    if (!ops)
        return xn_fail(err, XN_EINVAL, "db_target", "unsupported database target '%s'", target);
    store *s = xn_xcalloc(1, sizeof *s);
    s->ops = ops;
    s->target = xn_xstrdup(path);
    s->opt = *opt;
    if (s->opt.pool_size <= 0)
        s->opt.pool_size = 4;
    if (s->opt.tx_retry_ms <= 0)
        s->opt.tx_retry_ms = 10000;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->log_hook.mu, NULL);
    pthread_cond_init(&s->available, NULL);
    s->conns = xn_xcalloc((size_t)s->opt.pool_size, sizeof *s->conns);
    for (int i = 0; i < s->opt.pool_size; i++) {
        store_conn *c = &s->conns[i];
        c->s = s;
        int rc = ops->connect(s->target, &s->opt, &s->log_hook, &c->h, err);
        if (rc) {
            store_close(s);
            return rc;
        }
        s->nconns++;
        c->next_free = s->free_list;
        s->free_list = c;
    }
    int rc = check_schema_not_newer(s, err);
    if (rc) {
        store_close(s);
        return rc;
    }
    *out = s;
    return XN_OK;
}

void store_close(store *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nconns; i++) {
        cache_flush(&s->conns[i]);
        s->ops->disconnect(s->conns[i].h);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->log_hook.mu);
    pthread_cond_destroy(&s->available);
    free(s->conns);
    free(s->target);
    free(s);
}

const char *store_target(const store *s)
{
    return s->target;
}

void store_get_stats(store *s, store_stats *out)
{
    out->statements = atomic_load(&s->statements);
    out->transactions = atomic_load(&s->transactions);
    out->rollbacks = atomic_load(&s->rollbacks);
    out->busy_retries = atomic_load(&s->busy_retries);
    out->tx_sum_us = atomic_load(&s->tx_sum_us);
    for (int i = 0; i < STORE_HIST_BUCKETS; i++)
        out->tx_hist[i] = atomic_load(&s->tx_hist[i]);
}

int store_acquire(store *s, store_conn **out, xn_error *err)
{
    (void)err;
    pthread_mutex_lock(&s->lock);
    while (!s->free_list)
        pthread_cond_wait(&s->available, &s->lock);
    store_conn *c = s->free_list;
    s->free_list = c->next_free;
    pthread_mutex_unlock(&s->lock);
    c->next_free = NULL;
    *out = c;
    return XN_OK;
}

/* Resets every statement a caller left mid-iteration, releasing its read snapshot. */
static void reset_active(store_conn *c)
{
    for (int i = 0; i < CACHE_BUCKETS; i++)
        for (store_stmt *st = c->cache[i]; st; st = st->next)
            if (st->active)
                store_stmt_done(st);
}

void store_release(store_conn *c)
{
    if (!c)
        return;
    reset_active(c);
    if (c->in_tx) { /* a transaction left open by a caller's bug must not leak to the next */
        c->s->ops->exec(c->h, "ROLLBACK", NULL);
        c->in_tx = false;
    }
    store *s = c->s;
    pthread_mutex_lock(&s->lock);
    c->next_free = s->free_list;
    s->free_list = c;
    pthread_cond_signal(&s->available);
    pthread_mutex_unlock(&s->lock);
}

int store_exec(store_conn *c, const char *sql, xn_error *err)
{
    return c->s->ops->exec(c->h, sql, err);
}

int store_prepare(store_conn *c, const char *sql, store_stmt **out, xn_error *err)
{
    uint64_t h = hash_sql(sql);
    store_stmt **bucket = &c->cache[h % CACHE_BUCKETS];
    for (store_stmt *st = *bucket; st; st = st->next) {
        if (st->hash == h && strcmp(st->sql, sql) == 0) {
            if (st->active)
                return xn_fail(err, XN_EINTERNAL, "internal",
                               "statement prepared again while still being read");
            *out = st;
            return XN_OK;
        }
    }
    if (c->cached >= CACHE_MAX)
        cache_evict(c, true); /* dynamic SQL must not grow the cache without bound */
    void *h_stmt = NULL;
    int rc = c->s->ops->prepare(c->h, sql, &h_stmt, err);
    if (rc)
        return rc;
    store_stmt *st = xn_xcalloc(1, sizeof *st);
    st->conn = c;
    st->h = h_stmt;
    st->sql = xn_xstrdup(sql);
    st->hash = h;
    st->next = c->cache[h % CACHE_BUCKETS];
    c->cache[h % CACHE_BUCKETS] = st;
    c->cached++;
    *out = st;
    return XN_OK;
}

#define BIND(expr) return (st)->active ? XN_EINTERNAL : (expr)

int store_bind_int(store_stmt *st, int idx, int64_t v)
{
    BIND(st->conn->s->ops->bind_int(st->h, idx, v));
}

int store_bind_text(store_stmt *st, int idx, const char *v, ssize_t len)
{
    if (!v)
        return store_bind_null(st, idx);
    size_t n = len < 0 ? strlen(v) : (size_t)len;
    BIND(st->conn->s->ops->bind_text(st->h, idx, v, n, true));
}

int store_bind_blob(store_stmt *st, int idx, const void *v, size_t len)
{
    BIND(st->conn->s->ops->bind_blob(st->h, idx, v, len, true));
}

int store_bind_text_ref(store_stmt *st, int idx, const char *v, size_t len)
{
    if (!v)
        return store_bind_null(st, idx);
    BIND(st->conn->s->ops->bind_text(st->h, idx, v, len, false));
}

int store_bind_blob_ref(store_stmt *st, int idx, const void *v, size_t len)
{
    BIND(st->conn->s->ops->bind_blob(st->h, idx, v, len, false));
}

int store_bind_null(store_stmt *st, int idx)
{
    BIND(st->conn->s->ops->bind_null(st->h, idx));
}

int store_step(store_stmt *st, xn_error *err)
{
    const store_backend_ops *ops = st->conn->s->ops;
    if (!st->active) {
        st->active = true;
        atomic_fetch_add_explicit(&st->conn->s->statements, 1, memory_order_relaxed);
    }
    int rc = ops->step(st->h, err);
    if (rc != STORE_ROW) {
        ops->reset(st->h);
        st->active = false;
    }
    return rc;
}

void store_stmt_done(store_stmt *st)
{
    st->conn->s->ops->reset(st->h);
    st->active = false;
}

int64_t store_col_int(store_stmt *st, int col)
{
    return st->conn->s->ops->col_int(st->h, col);
}

const char *store_col_text(store_stmt *st, int col)
{
    return st->conn->s->ops->col_text(st->h, col);
}

const void *store_col_blob(store_stmt *st, int col)
{
    return st->conn->s->ops->col_blob(st->h, col);
}

size_t store_col_bytes(store_stmt *st, int col)
{
    return st->conn->s->ops->col_bytes(st->h, col);
}

const char *store_col_text_len(store_stmt *st, int col, size_t *len)
{
    return st->conn->s->ops->col_text_len(st->h, col, len);
}

bool store_col_is_null(store_stmt *st, int col)
{
    return st->conn->s->ops->col_is_null(st->h, col);
}

const char *store_stmt_backend_sql(store_stmt *st)
{
    return st->conn->s->ops->sql(st->h);
}

int64_t store_changes(store_conn *c)
{
    return c->s->ops->changes(c->h);
}

int store_query_int(store_conn *c, const char *sql, int64_t *out, xn_error *err)
{
    store_stmt *st = NULL;
    int rc = store_prepare(c, sql, &st, err);
    if (rc)
        return rc;
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        *out = store_col_int(st, 0);
        store_stmt_done(st);
        return XN_OK;
    }
    return rc < 0 ? rc : xn_fail(err, XN_ENOTFOUND, "not_found", "query returned no row");
}

static void record_tx(store *s, int64_t started_us, bool committed)
{
    int64_t took = xn_monotonic_us() - started_us;
    atomic_fetch_add_explicit(committed ? &s->transactions : &s->rollbacks, 1,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&s->tx_sum_us, (uint64_t)took, memory_order_relaxed);
    int b = 0;
    while (b < STORE_HIST_BUCKETS - 1 && took > store_hist_bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&s->tx_hist[b], 1, memory_order_relaxed);
}

int store_tx_bulk(store_conn *c, xn_error *err)
{
    if (!c->in_tx)
        return xn_fail(err, XN_EINTERNAL, "internal", "store_tx_bulk outside a transaction");
    if (c->bulk || !c->s->ops->bulk)
        return XN_OK;
    int rc = c->s->ops->bulk(c->h, true, err);
    c->bulk = rc == XN_OK;
    return rc;
}

/* The connection as it was before store_tx_bulk, once its transaction has ended. */
static void end_bulk(store_conn *c)
{
    if (c->bulk)
        c->s->ops->bulk(c->h, false, NULL);
    c->bulk = false;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int store_tx_on(store_conn *c, store_tx_fn fn, void *ctx, xn_error *err)
{
    store *s = c->s;
    if (c->in_tx)
        return xn_fail(err, XN_EINTERNAL, "internal", "nested transaction");
    int64_t started = xn_monotonic_us();
    int64_t deadline = started + (int64_t)s->opt.tx_retry_ms * 1000;
    int backoff_ms = 1;
    for (;;) {
        int rc = s->ops->exec(c->h, s->ops->begin_write_sql, err);
        if (rc == XN_OK) {
            c->in_tx = true;
            c->nhooks = 0;
            c->tx_serial = atomic_fetch_add_explicit(&s->tx_serials, 1, memory_order_relaxed) + 1;
            rc = fn(c, ctx, err);
            if (rc == XN_OK)
                rc = s->ops->exec(c->h, "COMMIT", err);
            if (rc == XN_OK) {
                c->in_tx = false;
                c->tx_serial = 0;
                end_bulk(c);
                record_tx(s, started, true);
                for (int i = 0; i < c->nhooks; i++)
                    c->hooks[i].fn(c->hooks[i].ctx, true);
                c->nhooks = 0;
                return XN_OK;
            }
            for (int i = 0; i < c->nhooks; i++)
                c->hooks[i].fn(c->hooks[i].ctx, false);
            c->nhooks = 0;
            c->tx_serial = 0;
            reset_active(c);
            s->ops->exec(c->h, "ROLLBACK", NULL);
            c->in_tx = false;
            end_bulk(c);
        }
        if (rc != XN_EBUSY || xn_monotonic_us() >= deadline) {
            record_tx(s, started, false);
            return rc;
        }
        atomic_fetch_add_explicit(&s->busy_retries, 1, memory_order_relaxed);
        sleep_ms(backoff_ms);
        if (backoff_ms < 64)
            backoff_ms *= 2;
    }
}

int store_on_commit(store_conn *c, store_commit_fn fn, void *ctx)
{
    if (!c->in_tx)
        return XN_EINTERNAL;
    for (int i = 0; i < c->nhooks; i++)
        if (c->hooks[i].fn == fn && c->hooks[i].ctx == ctx)
            return XN_OK;
    if (c->nhooks == STORE_MAX_COMMIT_HOOKS)
        return XN_EINTERNAL;
    c->hooks[c->nhooks].fn = fn;
    c->hooks[c->nhooks].ctx = ctx;
    c->nhooks++;
    return XN_OK;
}

uint64_t store_tx_serial(const store_conn *c)
{
    return c->in_tx ? c->tx_serial : 0;
}

int store_tx(store *s, store_tx_fn fn, void *ctx, xn_error *err)
{
    store_conn *c = NULL;
    int rc = store_acquire(s, &c, err);
    if (rc)
        return rc;
    rc = store_tx_on(c, fn, ctx, err);
    store_release(c);
    return rc;
}

int store_tx_lazy(store *s, store_tx_fn fn, void *ctx, xn_error *err)
{
    store_conn *c = NULL;
    int rc = store_acquire(s, &c, err);
    if (rc)
        return rc;
    /* the backend's setting is changed outside the transaction (SQLite refuses it inside) */
    if (s->ops->lazy)
        rc = s->ops->lazy(c->h, true, err);
    if (rc == XN_OK)
        rc = store_tx_on(c, fn, ctx, err);
    if (s->ops->lazy)
        s->ops->lazy(c->h, false, NULL);
    store_release(c);
    return rc;
}

/* ---- schema ------------------------------------------------------------------------------- */

int store_schema_latest(void)
{
    int latest = 0;
    for (const store_migration *m = store_migrations(); m->version; m++)
        latest = m->version;
    return latest;
}

int store_schema_version(store *s, int *out, xn_error *err)
{
    store_conn *c = NULL;
    int rc = store_acquire(s, &c, err);
    if (rc)
        return rc;
    /* The table lookup is paid until the table is seen; the health check runs this often. */
    bool exists = atomic_load_explicit(&s->versioned, memory_order_relaxed);
    if (!exists) {
        rc = s->ops->table_exists(c->h, "schema_migrations", &exists, err);
        if (rc == XN_OK && exists)
            atomic_store_explicit(&s->versioned, true, memory_order_relaxed);
    }
    int64_t v = 0;
    if (rc == XN_OK && exists)
        rc = store_query_int(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", &v, err);
    store_release(c);
    if (rc == XN_OK)
        *out = (int)v;
    return rc;
}

typedef struct migrate_ctx {
    const store_migration *m;
    const char *sql;
    bool applied;
} migrate_ctx;

static int apply_one(store_conn *c, void *ctx, xn_error *err)
{
    migrate_ctx *mc = ctx;
    /* Re-checked inside the write transaction so two processes never apply a step twice. */
    store_stmt *st = NULL;
    int rc = store_prepare(c, "SELECT 1 FROM schema_migrations WHERE version = $1", &st, err);
    if (rc)
        return rc;
    store_bind_int(st, 1, mc->m->version);
    rc = store_step(st, err);
    if (rc == STORE_ROW)
        store_stmt_done(st);
    if (rc != STORE_DONE)
        return rc < 0 ? rc : XN_OK; /* already applied by another process */
    rc = store_exec(c, mc->sql, err);
    if (rc) {
        char detail[sizeof err->message];
        snprintf(detail, sizeof detail, "%s", err ? err->message : "");
        return xn_fail(err, rc, "migration_failed", "migration %d (%s) failed: %s", mc->m->version,
                       mc->m->name, detail);
    }
    rc = store_prepare(c,
                       "INSERT INTO schema_migrations (version, name, applied_at) "
                       "VALUES ($1, $2, $3)",
                       &st, err);
    if (rc)
        return rc;
    store_bind_int(st, 1, mc->m->version);
    store_bind_text(st, 2, mc->m->name, -1);
    store_bind_int(st, 3, xn_now_us());
    rc = store_step(st, err);
    mc->applied = rc >= 0;
    return rc < 0 ? rc : XN_OK;
}

int store_migrate(store *s, int *applied, xn_error *err)
{
    int count = 0;
    store_conn *c = NULL;
    int rc = store_acquire(s, &c, err);
    if (rc)
        return rc;
    rc = store_exec(c,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                    " applied_at INTEGER NOT NULL)",
                    err);
    store_release(c);
    if (rc == XN_OK)
        rc = check_schema_not_newer(s, err);
    /* Every step not yet recorded is applied, even one numbered below the highest recorded:
     * apply_one checks each version, so a step merged late is never skipped. */
    for (const store_migration *m = store_migrations(); rc == XN_OK && m->version; m++) {
        const char *sql = m->sql;
        if (strcmp(s->ops->name, "sqlite") == 0 && m->sql_sqlite)
            sql = m->sql_sqlite;
        migrate_ctx ctx = {m, sql, false};
        rc = store_tx(s, apply_one, &ctx, err);
        if (rc == XN_OK && ctx.applied)
            count++;
    }
    if (applied)
        *applied = count;
    return rc;
}

int store_check(store *s, xn_buf *report, xn_error *err)
{
    store_conn *c = NULL;
    int rc = store_acquire(s, &c, err);
    if (rc)
        return rc;
    rc = s->ops->check(c->h, report, err);
    store_release(c);
    return rc;
}

void store_on_log_full(store *s, store_log_fn fn, void *ctx)
{
    pthread_mutex_lock(&s->log_hook.mu);
    s->log_hook.fn = fn;
    s->log_hook.ctx = ctx;
    pthread_mutex_unlock(&s->log_hook.mu);
}

bool store_log_tell(store_log_hook *hook)
{
    pthread_mutex_lock(&hook->mu);
    bool told = hook->fn != NULL;
    if (told)
        hook->fn(hook->ctx);
    pthread_mutex_unlock(&hook->mu);
    return told;
}

int store_checkpoint(store *s, xn_error *err)
{
    if (!s->ops->checkpoint)
        return XN_OK;
    store_conn *c;
    int rc = store_acquire(s, &c, err);
    if (rc != XN_OK)
        return rc;
    rc = s->ops->checkpoint(c->h, err);
    store_release(c);
    return rc;
}
