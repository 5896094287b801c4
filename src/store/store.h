/*
 * store: the database interface. Every room that owns tables reaches the database only
 * through this header.
 *
 * Shape
 *   store       a database: a pool of connections to one backend, chosen by the target string
 *               ("var/xinan.db" or "sqlite:PATH" today; "postgresql://…" later).
 *   store_conn  one connection, used by one thread at a time (store_acquire/store_release).
 *   store_stmt  a prepared statement owned by its connection and cached there by SQL text, so
 *               preparing the same SQL again is a hash lookup.
 *
 * Writing SQL that both backends run (the rules that keep callers untouched when PostgreSQL
 * arrives):
 *   - Placeholders are PostgreSQL's numbered form `$1, $2, …`. The SQLite backend rewrites them
 *     to `?1, ?2, …` when it prepares; binding is by that number.
 *   - Inserts that need the new id use `INSERT … RETURNING id` (SQLite ≥ 3.35 and PostgreSQL
 *     both have it); never last_insert_rowid(). (The SQLite backend runs a single-row one into
 *     a table whose id is its rowid as a plain insert and hands the rowid back as its row.)
 *   - Column types: INTEGER for 64-bit integers (BIGINT in PostgreSQL), TEXT for UTF-8 text,
 *     BLOB for bytes (BYTEA), no floating point for money or time. Time is INTEGER epoch µs.
 *     Booleans are INTEGER 0/1.
 *   - Upserts use `INSERT … ON CONFLICT (…) DO UPDATE`, the syntax both share.
 *   - Backend-specific DDL lives in the migration list as a per-backend variant of one
 *     numbered step; business SQL must not need variants.
 *   - Writes run inside store_tx, which starts a write transaction up front (SQLite
 *     `BEGIN IMMEDIATE`, PostgreSQL `BEGIN` with row locks, `FOR UPDATE SKIP LOCKED` for job
 *     leases), retries the whole function when the database reports a lock conflict or a
 *     serialization failure, and commits. The function must therefore be replayable: no side
 *     effects outside the transaction.
 *   - A job lease is taken in one statement, written as PostgreSQL runs it:
 *     `UPDATE t SET … WHERE id = (SELECT id FROM t WHERE … ORDER BY … LIMIT 1 FOR UPDATE SKIP
 *     LOCKED) RETURNING …`. The SQLite backend drops the " FOR UPDATE SKIP LOCKED" clause (written
 *     exactly so, with one space before each word) when it prepares: its write transaction
 *     already serialises the claim.
 *
 * Errors: functions return 0 or a negative xn_err and fill the xn_error; XN_EBUSY means the lock
 * could not be had within the configured time; XN_ESCHEMA that the database was written by a
 * newer xinan.
 */
#ifndef XINAN_STORE_H
#define XINAN_STORE_H

#include "base/base.h"

#include <sys/types.h>

typedef struct store store;
typedef struct store_conn store_conn;
typedef struct store_stmt store_stmt;

typedef struct store_options {
    int pool_size;       /* connections kept open (0: 4) */
    int busy_timeout_ms; /* how long one statement waits for a lock inside the backend */
    int tx_retry_ms;     /* how long store_tx keeps retrying a busy transaction (0: 10000) */
    bool create;         /* create the database file when missing */
    bool read_only;      /* open for reading only (db check, verification) */
} store_options;

/*
 * The write-ahead log. A commit that leaves it at STORE_LOG_PAGES pages or more copies it into
 * the database at once (SQLite's own rule) unless store_on_log_full names someone to tell: then
 * fn(ctx) is called instead (on the committing thread, inside the commit: it must only signal),
 * and the copy is made later by store_checkpoint, off the request that wrote. Past
 * STORE_LOG_BACKSTOP_PAGES the committing connection copies it itself all the same, so a
 * checkpoint that does not come cannot let the log grow without bound.
 */
#define STORE_LOG_PAGES          1000
#define STORE_LOG_BACKSTOP_PAGES 16000
typedef void (*store_log_fn)(void *ctx);
void store_on_log_full(store *s, store_log_fn fn, void *ctx);
/* Copies the log into the database as far as readers allow (SQLite: a passive checkpoint). */
int store_checkpoint(store *s, xn_error *err);

/* Statistics for /metrics: monotonic counters since open. */
#define STORE_HIST_BUCKETS 14
extern const int64_t store_hist_bounds_us[STORE_HIST_BUCKETS]; /* upper bounds; last is +Inf */
typedef struct store_stats {
    uint64_t statements;                  /* executions (prepare-to-reset) */
    uint64_t transactions;                /* committed store_tx calls */
    uint64_t rollbacks;                   /* store_tx calls that failed */
    uint64_t busy_retries;                /* store_tx attempts repeated because of a lock */
    uint64_t tx_hist[STORE_HIST_BUCKETS]; /* transaction durations, cumulative-free counts */
    uint64_t tx_sum_us;
} store_stats;

/* Process-wide backend settings (SQLite: no allocation statistics, whose global lock every
 * allocation would take). Call once at process start, before any thread or store_open;
 * optional, as everything works without it, only slower. */
void store_global_init(void);
/* Opens (and with opt->create, creates) a database. Refuses a newer schema with XN_ESCHEMA. */
int store_open(store **out, const char *target, const store_options *opt, xn_error *err);
/* Closes every connection; all must have been released. NULL is fine. */
void store_close(store *s);
const char *store_target(const store *s);
void store_get_stats(store *s, store_stats *out);

/* Connections. store_acquire blocks while all are in use. */
int store_acquire(store *s, store_conn **out, xn_error *err);
/* Resets any statement left mid-iteration and returns the connection to the pool. */
void store_release(store_conn *c);

/*
 * Runs fn inside a write transaction on a pooled connection: BEGIN IMMEDIATE, fn, COMMIT.
 * When fn returns non-zero, rolls back and returns that value (err filled by fn). When the
 * database is busy, rolls back and runs fn again until opt.tx_retry_ms passes.
 */
typedef int (*store_tx_fn)(store_conn *c, void *ctx, xn_error *err);
int store_tx(store *s, store_tx_fn fn, void *ctx, xn_error *err);
/*
 * Runs fn(ctx, committed) once when the current transaction ends: committed is true after a
 * successful COMMIT, false after a rollback (including one retried on busy). Registering the
 * same (fn, ctx) twice in one transaction runs it once. XN_EINTERNAL outside a transaction or
 * past STORE_MAX_COMMIT_HOOKS.
 */
#define STORE_MAX_COMMIT_HOOKS 8
typedef void (*store_commit_fn)(void *ctx, bool committed);
int store_on_commit(store_conn *c, store_commit_fn fn, void *ctx);
/*
 * Says that the current transaction writes much (an import of thousands of rows), so that the
 * backend may size itself for it until the transaction ends. SQLite: the connection's page
 * cache grows (STORE_BULK_CACHE_MIB), so the transaction's pages wait in memory for COMMIT
 * to write them once instead of spilling to the WAL halfway, some of them twice. Nothing for a
 * backend without such a setting. XN_EINTERNAL outside a transaction.
 */
#define STORE_BULK_CACHE_MIB 64
int store_tx_bulk(store_conn *c, xn_error *err);
/*
 * As store_tx, but its commit need not wait for the disk (SQLite: synchronous=NORMAL for it,
 * so a power cut may undo it but never corrupts the database; PostgreSQL's
 * synchronous_commit=off). For work that is not done until a later, ordinary commit (an
 * upload's staged chunks): that commit makes everything before it durable.
 */
int store_tx_lazy(store *s, store_tx_fn fn, void *ctx, xn_error *err);
/* A number unique to the current transaction attempt on this store; 0 outside one. */
uint64_t store_tx_serial(const store_conn *c);
/* The same on a connection the caller holds (not inside another transaction). */
int store_tx_on(store_conn *c, store_tx_fn fn, void *ctx, xn_error *err);

/* Runs SQL without parameters or results (DDL, pragmas); several statements allowed. */
int store_exec(store_conn *c, const char *sql, xn_error *err);

/*
 * Returns the cached prepared statement for sql (placeholders $1..$N), reset with no bindings.
 * The statement belongs to the connection: never free it, and use it only while holding c.
 * Bind and step it before the next store_prepare on c: a full cache evicts every statement
 * that is not being read.
 */
int store_prepare(store_conn *c, const char *sql, store_stmt **out, xn_error *err);
/* Binding is by placeholder number, starting at 1. */
int store_bind_int(store_stmt *st, int idx, int64_t v);
/* len < 0: strlen(v). The text is copied. v == NULL binds NULL. */
int store_bind_text(store_stmt *st, int idx, const char *v, ssize_t len);
int store_bind_blob(store_stmt *st, int idx, const void *v, size_t len);
/* As store_bind_text and store_bind_blob without the copy, for bulk inserts: v must stay
 * unchanged until the statement has been stepped to its end (or ended, or reset). */
int store_bind_text_ref(store_stmt *st, int idx, const char *v, size_t len);
int store_bind_blob_ref(store_stmt *st, int idx, const void *v, size_t len);
int store_bind_null(store_stmt *st, int idx);

#define STORE_ROW  1
#define STORE_DONE 0
/* Advances: STORE_ROW with a row to read, STORE_DONE at the end (the statement is then reset),
 * or a negative xn_err. A constraint violation is XN_ECONFLICT with code "conflict". */
int store_step(store_stmt *st, xn_error *err);
/* Ends an iteration early. Not needed after STORE_DONE or an error. */
void store_stmt_done(store_stmt *st);
/* Column access for the current row (columns from 0). Text is valid until the next step. */
int64_t store_col_int(store_stmt *st, int col);
const char *store_col_text(store_stmt *st, int col); /* "" for NULL */
const void *store_col_blob(store_stmt *st, int col);
size_t store_col_bytes(store_stmt *st, int col);
bool store_col_is_null(store_stmt *st, int col);
/* The SQL the backend runs for st, after its own rewriting (placeholders, a single-row insert's
 * RETURNING clause): for tests and diagnostics. */
const char *store_stmt_backend_sql(store_stmt *st);
/* Text with its length in bytes, in one call: NULL (and *len 0) for NULL. */
const char *store_col_text_len(store_stmt *st, int col, size_t *len);
/* Rows changed by the last completed INSERT/UPDATE/DELETE on this connection. */
int64_t store_changes(store_conn *c);

/* A single-row helper: prepares, binds nothing, reads an integer from column 0. */
int store_query_int(store_conn *c, const char *sql, int64_t *out, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Schema                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* One numbered, forward-only migration. sql_sqlite/sql_pg replace sql for that backend. */
typedef struct store_migration {
    int version;
    const char *name;
    const char *sql;
    const char *sql_sqlite;
    const char *sql_pg;
} store_migration;

/* The known migrations in order, ended by version 0. */
const store_migration *store_migrations(void);
/* The highest version this program knows. */
int store_schema_latest(void);
/* The version recorded in the database (0 when none). */
int store_schema_version(store *s, int *out, xn_error *err);
/* Applies every missing migration, each in its own transaction, recording it. */
int store_migrate(store *s, int *applied, xn_error *err);
/* Runs the backend's integrity check; fills report (one problem per line) and returns
 * XN_OK when the database is sound, XN_EIO when not. */
int store_check(store *s, xn_buf *report, xn_error *err);

/*
 * This installation's identity: creates the single instance row on first use. id_out gets the
 * 32-hex-digit instance id; *created says whether this call made it.
 */
int store_instance_ensure(store *s, char id_out[33], bool *created, xn_error *err);

#endif
