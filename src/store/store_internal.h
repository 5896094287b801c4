/*
 * The backend function table: what a database engine must provide so that store.c can give
 * every backend the same pool, statement cache, transaction retry and statistics. Internal to
 * the store room.
 */
#ifndef XINAN_STORE_INTERNAL_H
#define XINAN_STORE_INTERNAL_H

#include "store/store.h"

#include <pthread.h>

/* Who is told when a commit leaves the write-ahead log long (store_on_log_full). The lock
 * makes a change of fn wait for a call in progress, so once store_on_log_full(s, NULL, NULL)
 * has returned nothing calls the old fn any more (its ctx may then be freed). */
typedef struct store_log_hook {
    pthread_mutex_t mu;
    store_log_fn fn;
    void *ctx;
} store_log_hook;
/* Tells the hook's fn, if there is one; false when nobody was told. */
bool store_log_tell(store_log_hook *hook);

typedef struct store_backend_ops {
    const char *name;
    /* One connection to target. read_only/create/busy timeout come from opt; hook is the
     * store's (a backend without a log ignores it). */
    int (*connect)(const char *target, const store_options *opt, store_log_hook *hook,
                   void **handle, xn_error *err);
    void (*disconnect)(void *handle);
    int (*exec)(void *handle, const char *sql, xn_error *err);
    /* SQL arrives with $N placeholders; the backend rewrites them if it must. */
    int (*prepare)(void *handle, const char *sql, void **stmt, xn_error *err);
    void (*finalize)(void *stmt);
    void (*reset)(void *stmt); /* reset and clear bindings */
    int (*bind_int)(void *stmt, int idx, int64_t v);
    /* copy false: the caller keeps v unchanged until the statement is reset. */
    int (*bind_text)(void *stmt, int idx, const char *v, size_t len, bool copy);
    int (*bind_blob)(void *stmt, int idx, const void *v, size_t len, bool copy);
    int (*bind_null)(void *stmt, int idx);
    int (*step)(void *stmt, xn_error *err); /* STORE_ROW, STORE_DONE or <0 */
    int64_t (*col_int)(void *stmt, int col);
    const char *(*col_text)(void *stmt, int col);
    const void *(*col_blob)(void *stmt, int col);
    size_t (*col_bytes)(void *stmt, int col);
    bool (*col_is_null)(void *stmt, int col);
    const char *(*col_text_len)(void *stmt, int col, size_t *len); /* NULL for NULL */
    const char *(*sql)(void *stmt); /* the SQL the backend runs, after its rewriting */
    int64_t (*changes)(void *handle);
    const char *begin_write_sql; /* "BEGIN IMMEDIATE" */
    /* store_tx_bulk (on) and the transaction's end (off); NULL: nothing to do. */
    int (*bulk)(void *handle, bool on, xn_error *err);
    /* Before a store_tx_lazy transaction (on) and after it (off); NULL: nothing to do. */
    int (*lazy)(void *handle, bool on, xn_error *err);
    /* Copies the write-ahead log into the database without waiting for readers; NULL: none. */
    int (*checkpoint)(void *handle, xn_error *err);
    int (*table_exists)(void *handle, const char *table, bool *exists, xn_error *err);
    int (*check)(void *handle, xn_buf *report, xn_error *err);
} store_backend_ops;

extern const store_backend_ops store_sqlite_ops;
void store_sqlite_global_init(void);

#endif
