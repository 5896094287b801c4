/* Unit tests of the store room against real SQLite files: migrations, transactions, busy
 * retry, newer-schema refusal, placeholders, constraint errors. AUD-1 rests on store_tx
 * committing a change and its record together or not at all. */
#include "xn_test.h"

#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *temp_db(const char *name)
{
    const char *dir = getenv("XN_TEST_TMP");
    char *path = malloc(512);
    snprintf(path, 512, "%s/%s", dir ? dir : "/tmp", name);
    remove(path);
    return path;
}

static store *open_db(const char *path, int busy_ms, int retry_ms)
{
    store_options opt = {
        .pool_size = 2, .busy_timeout_ms = busy_ms, .tx_retry_ms = retry_ms, .create = true};
    store *s = NULL;
    xn_error err;
    int rc = store_open(&s, path, &opt, &err);
    if (rc)
        fail_msg("store_open: %s", err.message);
    int applied = 0;
    assert_int_equal(store_migrate(s, &applied, &err), XN_OK);
    return s;
}

static void migrations_apply_once_and_record_versions(void **state)
{
    (void)state;
    char *path = temp_db("migrate.db");
    store *s = open_db(path, 1000, 1000);
    xn_error err;
    int version = -1, applied = -1;
    assert_int_equal(store_schema_version(s, &version, &err), XN_OK);
    assert_int_equal(version, store_schema_latest());
    assert_true(version >= 1);
    assert_int_equal(store_migrate(s, &applied, &err), XN_OK);
    assert_int_equal(applied, 0); /* nothing left to apply */
    store_close(s);
    free(path);
}

static void newer_schema_is_refused_with_a_clear_message(void **state)
{
    (void)state;
    char *path = temp_db("newer.db");
    store *s = open_db(path, 1000, 1000);
    store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (9999, 'future', 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    store_options opt = {.pool_size = 1, .busy_timeout_ms = 100};
    xn_error err;
    s = NULL;
    assert_int_equal(store_open(&s, path, &opt, &err), XN_ESCHEMA);
    assert_null(s);
    assert_non_null(strstr(err.message, "9999"));
    assert_non_null(strstr(err.message, "newer"));
    free(path);
}

typedef struct insert_ctx {
    const char *key;
    bool fail_after;
} insert_ctx;

static int insert_setting(store_conn *c, void *p, xn_error *err)
{
    insert_ctx *ctx = p;
    store_stmt *st = NULL;
    int rc = store_prepare(
        c, "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) RETURNING key", &st,
        err);
    if (rc)
        return rc;
    store_bind_text(st, 1, ctx->key, -1);
    store_bind_text(st, 2, "值 '$1'", -1);
    store_bind_int(st, 3, 42);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    assert_int_equal(rc, STORE_ROW);
    assert_string_equal(store_col_text(st, 0), ctx->key);
    store_stmt_done(st);
    if (ctx->fail_after)
        return xn_fail(err, XN_EINVAL, "test", "refused after the write");
    return XN_OK;
}

static int64_t count_settings(store *s, const char *key)
{
    store_conn *c = NULL;
    xn_error err;
    store_stmt *st = NULL;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    assert_int_equal(store_prepare(c, "SELECT count(*) FROM settings WHERE key = $1", &st, &err),
                     XN_OK);
    store_bind_text(st, 1, key, -1);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t n = store_col_int(st, 0);
    store_stmt_done(st);
    store_release(c);
    return n;
}

static void transactions_commit_or_leave_nothing(void **state)
{
    (void)state;
    char *path = temp_db("tx.db");
    store *s = open_db(path, 1000, 1000);
    xn_error err;
    insert_ctx ok = {"a", false}, bad = {"b", true};
    assert_int_equal(store_tx(s, insert_setting, &ok, &err), XN_OK);
    assert_int_equal(count_settings(s, "a"), 1);
    assert_int_equal(store_tx(s, insert_setting, &bad, &err), XN_EINVAL);
    assert_string_equal(err.code, "test");
    assert_int_equal(count_settings(s, "b"), 0); /* the write before the failure is gone */
    /* A duplicate key is a conflict, reported as such. */
    assert_int_equal(store_tx(s, insert_setting, &ok, &err), XN_ECONFLICT);
    assert_int_equal(count_settings(s, "a"), 1);
    /* The placeholder inside the string literal was stored as written. */
    store_conn *c = NULL;
    store_stmt *st = NULL;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    assert_int_equal(store_prepare(c, "SELECT value FROM settings WHERE key = 'a'", &st, &err),
                     XN_OK);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0), "值 '$1'");
    store_stmt_done(st);
    store_release(c);
    store_stats stats;
    store_get_stats(s, &stats);
    assert_true(stats.transactions >= 1);
    assert_true(stats.rollbacks >= 2);
    store_close(s);
    free(path);
}

typedef struct holder {
    const char *path;
    int hold_ms;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool locked;
} holder;

/* Holds the write lock from a separate SQLite connection for hold_ms. */
static void *hold_write_lock(void *p)
{
    holder *h = p;
    sqlite3 *db = NULL;
    sqlite3_open(h->path, &db);
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    pthread_mutex_lock(&h->lock);
    h->locked = true;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    struct timespec ts = {h->hold_ms / 1000, (long)(h->hold_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return NULL;
}

static void run_against_lock(const char *path, int hold_ms, store *s, insert_ctx *ctx, int expect)
{
    holder h = {.path = path, .hold_ms = hold_ms};
    pthread_mutex_init(&h.lock, NULL);
    pthread_cond_init(&h.cond, NULL);
    pthread_t t;
    pthread_create(&t, NULL, hold_write_lock, &h);
    pthread_mutex_lock(&h.lock);
    while (!h.locked)
        pthread_cond_wait(&h.cond, &h.lock);
    pthread_mutex_unlock(&h.lock);
    xn_error err;
    assert_int_equal(store_tx(s, insert_setting, ctx, &err), expect);
    pthread_join(t, NULL);
    pthread_mutex_destroy(&h.lock);
    pthread_cond_destroy(&h.cond);
}

static int write_blob(store_conn *c, void *p, xn_error *err)
{
    (void)p;
    static const unsigned char bytes[] = {0x00, 0xff, 0x10, 0x00, 0x7f};
    store_stmt *st = NULL;
    int rc = store_prepare(c, "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, 0)",
                           &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, "blob", -1);
    store_bind_blob(st, 2, bytes, sizeof bytes);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    assert_int_equal(store_changes(c), 1);
    rc = store_prepare(c, "SELECT value, length(value) FROM settings WHERE key = $1", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, "blob", -1);
    assert_int_equal(store_step(st, err), STORE_ROW);
    assert_int_equal(store_col_bytes(st, 0), sizeof bytes);
    assert_memory_equal(store_col_blob(st, 0), bytes, sizeof bytes);
    assert_false(store_col_is_null(st, 0));
    store_stmt_done(st);
    rc = store_prepare(c, "UPDATE settings SET updated_at = 1 WHERE key <> $1", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, "none", -1);
    rc = store_step(st, err);
    return rc < 0 ? rc : XN_OK;
}

static void blobs_round_trip_byte_for_byte(void **state)
{
    (void)state;
    char *path = temp_db("blob.db");
    store *s = open_db(path, 1000, 1000);
    xn_error err;
    assert_int_equal(store_tx(s, write_blob, NULL, &err), XN_OK);
    store_close(s);
    free(path);
}

/* Binds without a copy read the caller's bytes when the statement runs. */
static int write_refs(store_conn *c, void *p, xn_error *err)
{
    (void)p;
    static const unsigned char bytes[] = {0x00, 0xfe, 0x41};
    char key[8] = "ref1";
    store_stmt *st = NULL;
    int rc = store_prepare(c, "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, 0)",
                           &st, err);
    for (int i = 0; rc == XN_OK && i < 2; i++) {
        key[3] = (char)('1' + i); /* the same buffer, changed between runs */
        store_bind_text_ref(st, 1, key, 4);
        if (i == 0)
            store_bind_blob_ref(st, 2, bytes, sizeof bytes);
        else
            store_bind_text_ref(st, 2, "值", strlen("值"));
        rc = store_step(st, err);
        rc = rc < 0 ? rc : XN_OK;
    }
    return rc;
}

static void ref_binds_store_the_bytes_given(void **state)
{
    (void)state;
    char *path = temp_db("refs.db");
    store *s = open_db(path, 1000, 1000);
    xn_error err;
    assert_int_equal(store_tx(s, write_refs, NULL, &err), XN_OK);
    store_conn *c = NULL;
    store_stmt *st = NULL;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    assert_int_equal(store_prepare(c, "SELECT key, value FROM settings ORDER BY key", &st, &err),
                     XN_OK);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0), "ref1");
    assert_int_equal(store_col_bytes(st, 1), 3);
    assert_memory_equal(store_col_blob(st, 1), "\x00\xfe\x41", 3);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0), "ref2");
    assert_string_equal(store_col_text(st, 1), "值");
    assert_int_equal(store_step(st, &err), STORE_DONE);
    store_release(c);
    store_close(s);
    free(path);
}

static void busy_database_is_retried_until_free(void **state)
{
    (void)state;
    char *path = temp_db("busy.db");
    /* No wait inside SQLite: every retry is store_tx's own. */
    store *s = open_db(path, 0, 5000);
    insert_ctx ctx = {"busy", false};
    run_against_lock(path, 200, s, &ctx, XN_OK);
    assert_int_equal(count_settings(s, "busy"), 1);
    store_stats stats;
    store_get_stats(s, &stats);
    assert_true(stats.busy_retries > 0);
    store_close(s);
    free(path);
}

static void busy_database_gives_up_after_the_retry_window(void **state)
{
    (void)state;
    char *path = temp_db("busy2.db");
    store *s = open_db(path, 0, 100);
    insert_ctx ctx = {"late", false};
    run_against_lock(path, 600, s, &ctx, XN_EBUSY);
    assert_int_equal(count_settings(s, "late"), 0);
    store_close(s);
    free(path);
}

static void unwritable_path_is_a_clear_error(void **state)
{
    (void)state;
    char *file = temp_db("plainfile");
    FILE *f = fopen(file, "w");
    fputs("x", f);
    fclose(f);
    char path[600];
    snprintf(path, sizeof path, "%s/inside.db", file); /* a file is not a directory */
    store_options opt = {.pool_size = 1, .create = true};
    store *s = NULL;
    xn_error err;
    assert_int_equal(store_open(&s, path, &opt, &err), XN_EIO);
    assert_non_null(strstr(err.message, "cannot open database"));
    assert_null(s);
    assert_int_equal(store_open(&s, "postgresql://x/y", &opt, &err), XN_EINVAL);
    free(file);
}

static void integrity_check_passes_on_a_sound_file(void **state)
{
    (void)state;
    char *path = temp_db("check.db");
    store *s = open_db(path, 1000, 1000);
    xn_buf report;
    xn_buf_init(&report, 4096);
    xn_error err;
    assert_int_equal(store_check(s, &report, &err), XN_OK);
    assert_int_equal(report.len, 0);
    xn_buf_release(&report);
    char id[33], id2[33];
    bool created = false;
    assert_int_equal(store_instance_ensure(s, id, &created, &err), XN_OK);
    assert_true(created);
    assert_int_equal(strlen(id), 32);
    assert_int_equal(store_instance_ensure(s, id2, &created, &err), XN_OK);
    assert_false(created);
    assert_string_equal(id, id2);
    store_close(s);
    free(path);
}

/* A full statement cache evicts only statements nobody is reading. */
static void a_full_cache_keeps_the_statement_being_read(void **state)
{
    (void)state;
    char *path = temp_db("cache.db");
    store *s = open_db(path, 1000, 1000);
    xn_error err;
    store_conn *c;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    store_stmt *outer;
    assert_int_equal(store_prepare(c,
                                   "SELECT value FROM (SELECT 1 AS value UNION ALL SELECT 2)"
                                   " ORDER BY value",
                                   &outer, &err),
                     XN_OK);
    assert_int_equal(store_step(outer, &err), STORE_ROW);
    assert_int_equal(store_col_int(outer, 0), 1);
    for (int i = 0; i < 600; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT %d", i);
        store_stmt *st;
        assert_int_equal(store_prepare(c, sql, &st, &err), XN_OK);
        assert_int_equal(store_step(st, &err), STORE_ROW);
        assert_int_equal(store_col_int(st, 0), i);
        store_stmt_done(st);
    }
    assert_int_equal(store_step(outer, &err), STORE_ROW);
    assert_int_equal(store_col_int(outer, 0), 2);
    assert_int_equal(store_step(outer, &err), STORE_DONE);
    store_release(c);
    store_close(s);
    free(path);
}

typedef struct bulk_seen {
    int64_t cache; /* the connection's page cache inside the transaction */
    bool fail;     /* the transaction rolls back */
} bulk_seen;

static int bulk_cache(store_conn *c, void *p, xn_error *err)
{
    bulk_seen *seen = p;
    int rc = store_tx_bulk(c, err);
    if (rc == XN_OK)
        rc = store_query_int(c, "PRAGMA cache_size", &seen->cache, err);
    if (rc == XN_OK && seen->fail)
        rc = xn_fail(err, XN_EINVAL, "asked", "rolled back as asked");
    return rc;
}

static void a_bulk_transaction_has_a_larger_cache_until_it_ends(void **state)
{
    (void)state;
    char *path = temp_db("bulk.db");
    store *s = open_db(path, 1000, 1000);
    xn_error err;
    store_conn *c = NULL;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    assert_int_equal(store_tx_bulk(c, &err), XN_EINTERNAL); /* outside a transaction */
    int64_t cache = 0;
    for (int fail = 0; fail < 2; fail++) {
        bulk_seen seen = {.fail = fail};
        assert_int_equal(store_tx_on(c, bulk_cache, &seen, &err), fail ? XN_EINVAL : XN_OK);
        assert_int_equal(seen.cache, -(int64_t)STORE_BULK_CACHE_MIB * 1024);
        /* SQLite's own again once the transaction has committed or rolled back */
        assert_int_equal(store_query_int(c, "PRAGMA cache_size", &cache, &err), XN_OK);
        assert_int_equal(cache, -2000);
    }
    store_release(c);
    store_close(s);
    free(path);
}

static int lazy_sync(store_conn *c, void *p, xn_error *err)
{
    return store_query_int(c, "PRAGMA synchronous", p, err);
}

static void a_lazy_transaction_does_not_wait_for_the_disk_and_the_next_one_does(void **state)
{
    (void)state;
    char *path = temp_db("lazy.db");
    store *s = open_db(path, 1000, 1000);
    xn_error err;
    int64_t sync = -1;
    assert_int_equal(store_tx_lazy(s, lazy_sync, &sync, &err), XN_OK);
    assert_int_equal(sync, 1); /* NORMAL */
    assert_int_equal(store_tx(s, lazy_sync, &sync, &err), XN_OK);
    assert_int_equal(sync, 2); /* FULL, on every connection of the pool */
    assert_int_equal(store_tx(s, lazy_sync, &sync, &err), XN_OK);
    assert_int_equal(sync, 2);
    store_close(s);
    free(path);
}

static void count_log_full(void *ctx)
{
    (*(int *)ctx)++;
}

/* Writes 1,200 pages' worth of blobs in one transaction. */
static int write_pages(store_conn *tx, void *ctx, xn_error *err)
{
    (void)ctx;
    static unsigned char blob[4096];
    int rc = store_exec(tx, "CREATE TABLE IF NOT EXISTS big (b BLOB NOT NULL)", err);
    for (int i = 0; rc == XN_OK && i < 1200; i++) {
        store_stmt *st;
        if ((rc = store_prepare(tx, "INSERT INTO big (b) VALUES ($1)", &st, err)) != XN_OK)
            break;
        blob[0] = (unsigned char)i;
        store_bind_blob(st, 1, blob, sizeof blob);
        rc = store_step(st, err);
        rc = rc < 0 ? rc : XN_OK;
    }
    return rc;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void a_long_log_is_left_to_whom_it_tells_and_copied_by_store_checkpoint(void **state)
{
    (void)state;
    char *path = temp_db("log.db");
    store *s = open_db(path, 1000, 1000);
    xn_error err;
    /* nobody to tell: the commit copies the log itself, as SQLite would */
    assert_int_equal(store_tx(s, write_pages, NULL, &err), XN_OK);
    long before = file_size(path);
    assert_true(before > 1200L * 4096);
    /* someone to tell: told once the log is long, the database file unchanged until asked */
    int told = 0;
    store_on_log_full(s, count_log_full, &told);
    assert_int_equal(store_tx(s, write_pages, NULL, &err), XN_OK);
    assert_true(told >= 1);
    assert_int_equal(file_size(path), before);
    assert_int_equal(store_checkpoint(s, &err), XN_OK);
    assert_true(file_size(path) > before + 1000L * 4096);
    store_close(s);
    free(path);
}

/* Reads every row of a prepared insert returning ids: their count and the ids in order. */
static int returned_ids(store_stmt *st, int64_t *ids, const char **texts, int max)
{
    xn_error err;
    int n = 0, rc;
    while ((rc = store_step(st, &err)) == STORE_ROW) {
        assert_true(n < max);
        assert_false(store_col_is_null(st, 0));
        ids[n] = store_col_int(st, 0);
        free((void *)texts[n]);
        texts[n] = strdup(store_col_text(st, 0));
        n++;
    }
    assert_int_equal(rc, STORE_DONE);
    return n;
}

static int64_t prepared_insert(store_conn *c, const char *sql, int64_t *ids, const char **texts,
                               int max)
{
    xn_error err;
    store_stmt *st = NULL;
    assert_int_equal(store_prepare(c, sql, &st, &err), XN_OK);
    /* none of these shapes may lose its RETURNING clause */
    assert_non_null(strstr(store_stmt_backend_sql(st), " RETURNING id"));
    return returned_ids(st, ids, texts, max);
}

/* A single-row INSERT … RETURNING id is served by the SQLite backend from the row's rowid:
 * every shape it must not serve so (a text id, a table without rowid, a composite key, many
 * rows, ON CONFLICT, INSERT … SELECT) still returns exactly what RETURNING returns. */
static void an_insert_returning_its_id_gives_the_same_rows_in_every_shape(void **state)
{
    (void)state;
    char *path = temp_db("returning.db");
    store *s = open_db(path, 1000, 1000);
    store_conn *c = NULL;
    xn_error err;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    assert_int_equal(
        store_exec(c,
                   "CREATE TABLE r_plain (id INTEGER PRIMARY KEY, v TEXT);"
                   "CREATE TABLE r_text (id TEXT PRIMARY KEY, v TEXT);"
                   "CREATE TABLE r_worow (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID;"
                   "CREATE TABLE r_desc (id INTEGER PRIMARY KEY DESC, v TEXT);"
                   "CREATE TABLE r_pair (id INTEGER, k INTEGER, v TEXT,"
                   " PRIMARY KEY (id, k));"
                   "INSERT INTO r_plain (id, v) VALUES (41, 'x');",
                   &err),
        XN_OK);
    int64_t ids[4];
    const char *texts[4] = {0};
    /* the rewritten shape, twice through the cached statement, with a parenthesis in a value */
    for (int round = 0; round < 2; round++) {
        store_stmt *st = NULL;
        assert_int_equal(
            store_prepare(c, "INSERT INTO r_plain (v) VALUES ($1) RETURNING id", &st, &err), XN_OK);
        store_bind_text(st, 1, "值 (a), (b)", -1);
        /* served from the rowid: SQLite runs the insert without its RETURNING clause */
        assert_string_equal(store_stmt_backend_sql(st), "INSERT INTO r_plain (v) VALUES (?1)");
        assert_int_equal(store_step(st, &err), STORE_ROW);
        assert_int_equal(store_col_int(st, 0), 42 + round);
        assert_string_equal(store_col_text(st, 0), round ? "43" : "42");
        assert_int_equal(store_changes(c), 1);
        assert_int_equal(store_step(st, &err), STORE_DONE);
    }
    /* a constraint error is an error, not a row */
    store_stmt *st = NULL;
    assert_int_equal(
        store_prepare(c, "INSERT INTO r_plain (id, v) VALUES ($1, 'y') RETURNING id", &st, &err),
        XN_OK);
    store_bind_int(st, 1, 41);
    assert_int_equal(store_step(st, &err), XN_ECONFLICT);
    /* shapes served by SQLite's own RETURNING */
    assert_int_equal(prepared_insert(c,
                                     "INSERT INTO r_text (id, v) VALUES ('t-1', 'a') RETURNING id",
                                     ids, texts, 4),
                     1);
    assert_string_equal(texts[0], "t-1");
    assert_int_equal(prepared_insert(c, "INSERT INTO r_worow (id, v) VALUES (7, 'a') RETURNING id",
                                     ids, texts, 4),
                     1);
    assert_int_equal(ids[0], 7);
    /* INTEGER PRIMARY KEY DESC is not the rowid: the id given back is the column's */
    assert_int_equal(prepared_insert(c, "INSERT INTO r_desc (id, v) VALUES (-5, 'a') RETURNING id",
                                     ids, texts, 4),
                     1);
    assert_int_equal(ids[0], -5);
    assert_int_equal(
        prepared_insert(c, "INSERT INTO r_pair (id, k, v) VALUES (9, 1, 'a') RETURNING id", ids,
                        texts, 4),
        1);
    assert_int_equal(ids[0], 9);
    assert_int_equal(prepared_insert(c, "INSERT INTO r_plain (v) VALUES ('m'), ('n') RETURNING id",
                                     ids, texts, 4),
                     2);
    assert_int_equal(ids[0], 44);
    assert_int_equal(ids[1], 45);
    assert_int_equal(prepared_insert(c,
                                     "INSERT INTO r_plain (id, v) VALUES (44, 'z') ON CONFLICT"
                                     " DO NOTHING RETURNING id",
                                     ids, texts, 4),
                     0);
    assert_int_equal(prepared_insert(c,
                                     "INSERT INTO r_plain (v) SELECT v FROM r_plain WHERE id IN"
                                     " (41, 42) RETURNING id",
                                     ids, texts, 4),
                     2);
    assert_int_equal(ids[0], 46);
    assert_int_equal(ids[1], 47);
    for (int i = 0; i < 4; i++)
        free((void *)texts[i]);
    store_release(c);
    store_close(s);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(migrations_apply_once_and_record_versions),
        cmocka_unit_test(newer_schema_is_refused_with_a_clear_message),
        cmocka_unit_test(transactions_commit_or_leave_nothing),
        cmocka_unit_test(blobs_round_trip_byte_for_byte),
        cmocka_unit_test(ref_binds_store_the_bytes_given),
        cmocka_unit_test(busy_database_is_retried_until_free),
        cmocka_unit_test(busy_database_gives_up_after_the_retry_window),
        cmocka_unit_test(unwritable_path_is_a_clear_error),
        cmocka_unit_test(integrity_check_passes_on_a_sound_file),
        cmocka_unit_test(a_full_cache_keeps_the_statement_being_read),
        cmocka_unit_test(a_bulk_transaction_has_a_larger_cache_until_it_ends),
        cmocka_unit_test(a_long_log_is_left_to_whom_it_tells_and_copied_by_store_checkpoint),
        cmocka_unit_test(a_lazy_transaction_does_not_wait_for_the_disk_and_the_next_one_does),
        cmocka_unit_test(an_insert_returning_its_id_gives_the_same_rows_in_every_shape),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
