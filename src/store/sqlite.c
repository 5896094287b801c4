/*
 * The SQLite backend: WAL journal, synchronous=FULL (a committed transaction survives power
 * loss), foreign keys on, a busy timeout. Each connection is used by one thread at a time, so
 * SQLite's own per-connection mutex is off (NOMUTEX).
 */
#include "store/store_internal.h"

#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

static int map_rc(sqlite3 *db, int rc, xn_error *err, const char *what)
{
    int primary = rc & 0xFF;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return xn_fail(err, XN_EBUSY, "db_busy", "the database is busy (%s)", what);
    case SQLITE_CONSTRAINT:
        return xn_fail(err, XN_ECONFLICT, "conflict", "%s: %s", what, msg);
    case SQLITE_NOMEM:
        return xn_fail(err, XN_ENOMEM, "out_of_memory", "%s: out of memory", what);
    case SQLITE_TOOBIG:
        return xn_fail(err, XN_ETOOBIG, "too_large", "%s: %s", what, msg);
    default:
        return xn_fail(err, XN_EIO, "db_error", "%s: %s", what, msg);
    }
}

/* Statement journals kept in memory up to this size (SQLite's default: 64 KiB). */
#define STMT_JOURNAL_SPILL (4 << 20)

/* SQLite's memory statistics take a global mutex around every allocation; nothing here reads
 * them. A statement that may stop halfway (an INSERT … RETURNING, a multi-row INSERT) keeps a
 * statement journal of the pages it changes; past the spill size it moves to a temporary
 * file for the rest of the transaction, and every later statement writes its pages there with
 * a system call each (an import's batched inserts passed 64 KiB at once). These settings only
 * take effect before SQLite initialises. */
void store_sqlite_global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, STMT_JOURNAL_SPILL);
}

/* After each commit in WAL mode, with the log's length in pages: SQLite's own autocheckpoint
 * (which this hook replaces) unless someone is to be told, up to the backstop. */
static int log_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    if (pages < STORE_LOG_PAGES)
        return SQLITE_OK;
    if (pages < STORE_LOG_BACKSTOP_PAGES && store_log_tell(ctx))
        return SQLITE_OK;
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static int sl_checkpoint(void *handle, xn_error *err)
{
    int rc = sqlite3_wal_checkpoint_v2(handle, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return rc == SQLITE_OK ? XN_OK : map_rc(handle, rc, err, "checkpoint");
}

static int sl_connect(const char *target, const store_options *opt, store_log_hook *hook,
                      void **handle, xn_error *err)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (opt->read_only)
        flags |= SQLITE_OPEN_READONLY;
    else
        flags |= SQLITE_OPEN_READWRITE | (opt->create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(target, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        struct stat st;
        const char *why = sqlite3_errstr(rc);
        if (!opt->create && stat(target, &st) != 0)
            why = "no such database file (run `xinan init` or `xinan serve` to create it)";
        xn_fail(err, XN_EIO, "db_open", "cannot open database %s: %s", target, why);
        goto fail;
    }
    if (!opt->read_only && sqlite3_db_readonly(db, "main") == 1) {
        xn_fail(err, XN_EIO, "db_open", "database %s is not writable", target);
        goto fail;
    }
    sqlite3_busy_timeout(db, opt->busy_timeout_ms);
    sqlite3_extended_result_codes(db, 1);
    const char *pragmas = opt->read_only ? "PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
                                         : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                           "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;";
    char *msg = NULL;
    rc = sqlite3_exec(db, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        xn_fail(err, XN_EIO, "db_open", "cannot use database %s: %s (is its directory writable?)",
                target, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        goto fail;
    }
    if (!opt->read_only && hook)
        sqlite3_wal_hook(db, log_hook, hook);
    *handle = db;
    return XN_OK;
fail:
    sqlite3_close_v2(db);
    return err ? err->status : XN_EIO;
}

static void sl_disconnect(void *handle)
{
    sqlite3_close_v2(handle);
}

static int sl_exec(void *handle, const char *sql, xn_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(handle, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? XN_OK : map_rc(handle, rc, err, "exec");
}

/* A connection's page cache in KiB: SQLite's default, and during a bulk transaction (the
 * cache only takes pages as it needs them, and gives them back when it shrinks again). */
#define CACHE_KIB      2000
#define BULK_CACHE_KIB (STORE_BULK_CACHE_MIB * 1024)

static int sl_bulk(void *handle, bool on, xn_error *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", on ? BULK_CACHE_KIB : CACHE_KIB);
    return sl_exec(handle, sql, err);
}

static int sl_lazy(void *handle, bool on, xn_error *err)
{
    return sl_exec(handle, on ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", err);
}

#define SKIP_LOCKED     " FOR UPDATE SKIP LOCKED"
#define SKIP_LOCKED_LEN (sizeof SKIP_LOCKED - 1)

/* Rewrites $N placeholders (outside quotes) to ?N, which SQLite binds by that exact number,
 * and blanks PostgreSQL's row-lock clause " FOR UPDATE SKIP LOCKED" (SQLite has none: the write
 * transaction store_tx opens already keeps every other writer out until it commits). */
static char *rewrite_placeholders(const char *sql)
{
    size_t n = strlen(sql);
    char *out = xn_xmalloc(n + 1);
    char quote = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '$' && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
            c = '?';
        } else if (c == ' ' && strncmp(sql + i, SKIP_LOCKED, SKIP_LOCKED_LEN) == 0) {
            memset(out + i, ' ', SKIP_LOCKED_LEN);
            i += SKIP_LOCKED_LEN - 1;
            continue;
        }
        out[i] = c;
    }
    return out;
}

/*
 * A prepared statement. SQLite runs an INSERT … RETURNING by collecting its rows in a temporary
 * table with a statement journal beside it, which cost a single-row insert about twice its own
 * time. A statement that inserts one row and returns its rowid-alias id (`INSERT INTO t (…)
 * VALUES (…) RETURNING id`, one tuple, no ON CONFLICT) is therefore prepared without the
 * RETURNING clause, and the backend hands back the id SQLite reports as its one row.
 */
typedef struct sl_stmt {
    sqlite3_stmt *st;
    bool returns_rowid; /* prepared without " RETURNING id"; the id is served below */
    bool has_row;       /* the inserted row's id is the current row */
    int64_t id;
    char id_text[24];
} sl_stmt;

#define RETURNING_ID     " RETURNING id"
#define RETURNING_ID_LEN (sizeof RETURNING_ID - 1)

/* Whether table's `id` is its rowid: the single-column INTEGER PRIMARY KEY of a rowid table
 * (not declared DESC, which SQLite does not take for the rowid). */
static bool id_is_rowid(sqlite3 *db, const char *table, size_t len)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1"
                           " AND (SELECT type = 'INTEGER' FROM pragma_table_info(?1) WHERE pk = 1"
                           " AND name = 'id') AND (SELECT wr = 0 FROM pragma_table_list(?1)"
                           " WHERE schema = 'main') AND (SELECT upper(sql) NOT LIKE '%KEY DESC%'"
                           " FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, (int)len, SQLITE_STATIC);
    bool yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return yes;
}

/* The length of sql without its RETURNING clause when it is a single-row insert returning a
 * rowid-alias id (see sl_stmt); 0 otherwise. */
static size_t single_insert_returning_id(sqlite3 *db, const char *sql)
{
    static const char head[] = "INSERT INTO ";
    size_t n = strlen(sql);
    if (strncmp(sql, head, sizeof head - 1) != 0 || n < RETURNING_ID_LEN ||
        strcmp(sql + n - RETURNING_ID_LEN, RETURNING_ID) != 0 || strstr(sql, " ON CONFLICT") ||
        strstr(sql, "SELECT"))
        return 0;
    const char *values = strstr(sql, " VALUES");
    if (!values)
        return 0;
    /* one parenthesised tuple at the top level after VALUES, quotes skipped */
    int depth = 0, tuples = 0;
    char quote = 0;
    for (const char *c = values; c < sql + n - RETURNING_ID_LEN; c++) {
        if (quote) {
            quote = *c == quote ? 0 : quote;
        } else if (*c == '\'' || *c == '"') {
            quote = *c;
        } else if (*c == '(') {
            tuples += depth++ == 0;
        } else if (*c == ')') {
            depth--;
        }
    }
    if (tuples != 1 || depth != 0 || quote)
        return 0;
    const char *table = sql + sizeof head - 1;
    size_t len = strcspn(table, " (");
    return id_is_rowid(db, table, len) ? n - RETURNING_ID_LEN : 0;
}

static int sl_prepare(void *handle, const char *sql, void **stmt, xn_error *err)
{
    char *rewritten = rewrite_placeholders(sql);
    size_t plain = single_insert_returning_id(handle, rewritten);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(handle, rewritten, plain ? (int)plain : -1,
                                SQLITE_PREPARE_PERSISTENT, &st, NULL);
    free(rewritten);
    if (rc != SQLITE_OK)
        return map_rc(handle, rc, err, "prepare");
    sl_stmt *s = xn_xcalloc(1, sizeof *s);
    s->st = st;
    s->returns_rowid = plain > 0;
    *stmt = s;
    return XN_OK;
}

static void sl_finalize(void *stmt)
{
    sl_stmt *s = stmt;
    sqlite3_finalize(s->st);
    free(s);
}

static void sl_reset(void *stmt)
{
    sl_stmt *s = stmt;
    s->has_row = false;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
}

static int bind_rc(int rc)
{
    if (rc == SQLITE_OK)
        return XN_OK;
    return rc == SQLITE_RANGE ? XN_EINVAL : rc == SQLITE_TOOBIG ? XN_ETOOBIG : XN_EIO;
}

static int sl_bind_int(void *stmt, int idx, int64_t v)
{
    return bind_rc(sqlite3_bind_int64(((sl_stmt *)stmt)->st, idx, v));
}

static int sl_bind_text(void *stmt, int idx, const char *v, size_t len, bool copy)
{
    if (len > INT32_MAX)
        return XN_ETOOBIG;
    return bind_rc(sqlite3_bind_text(((sl_stmt *)stmt)->st, idx, v, (int)len,
                                     copy ? SQLITE_TRANSIENT : SQLITE_STATIC));
}

static int sl_bind_blob(void *stmt, int idx, const void *v, size_t len, bool copy)
{
    if (len > INT32_MAX)
        return XN_ETOOBIG;
    return bind_rc(sqlite3_bind_blob(((sl_stmt *)stmt)->st, idx, v ? v : "", (int)len,
                                     copy ? SQLITE_TRANSIENT : SQLITE_STATIC));
}

static int sl_bind_null(void *stmt, int idx)
{
    return bind_rc(sqlite3_bind_null(((sl_stmt *)stmt)->st, idx));
}

static int sl_step(void *stmt, xn_error *err)
{
    sl_stmt *s = stmt;
    if (s->has_row) { /* the one row of an insert returning its id has been read */
        s->has_row = false;
        return STORE_DONE;
    }
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW)
        return STORE_ROW;
    sqlite3 *db = sqlite3_db_handle(s->st);
    if (rc == SQLITE_DONE) {
        if (!s->returns_rowid || sqlite3_changes64(db) != 1)
            return STORE_DONE;
        s->id = sqlite3_last_insert_rowid(db);
        snprintf(s->id_text, sizeof s->id_text, "%lld", (long long)s->id);
        s->has_row = true;
        return STORE_ROW;
    }
    int status = map_rc(db, rc, err, "statement");
    sqlite3_reset(s->st);
    return status;
}

static int64_t sl_col_int(void *stmt, int col)
{
    sl_stmt *s = stmt;
    if (s->has_row)
        return col == 0 ? s->id : 0;
    return sqlite3_column_int64(s->st, col);
}

static const char *sl_col_text(void *stmt, int col)
{
    sl_stmt *s = stmt;
    if (s->has_row)
        return col == 0 ? s->id_text : "";
    const unsigned char *t = sqlite3_column_text(s->st, col);
    return t ? (const char *)t : "";
}

static const void *sl_col_blob(void *stmt, int col)
{
    sl_stmt *s = stmt;
    if (s->has_row)
        return col == 0 ? s->id_text : NULL;
    return sqlite3_column_blob(s->st, col);
}

static size_t sl_col_bytes(void *stmt, int col)
{
    sl_stmt *s = stmt;
    if (s->has_row)
        return col == 0 ? strlen(s->id_text) : 0;
    return (size_t)sqlite3_column_bytes(s->st, col);
}

static bool sl_col_is_null(void *stmt, int col)
{
    sl_stmt *s = stmt;
    if (s->has_row)
        return col != 0;
    return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static const char *sl_col_text_len(void *stmt, int col, size_t *len)
{
    sl_stmt *s = stmt;
    if (s->has_row) {
        *len = col == 0 ? strlen(s->id_text) : 0;
        return col == 0 ? s->id_text : NULL;
    }
    const unsigned char *t = sqlite3_column_text(s->st, col); /* NULL for NULL */
    *len = t ? (size_t)sqlite3_column_bytes(s->st, col) : 0;
    return (const char *)t;
}

static const char *sl_sql(void *stmt)
{
    return sqlite3_sql(((sl_stmt *)stmt)->st);
}

static int64_t sl_changes(void *handle)
{
    return sqlite3_changes64(handle);
}

static int sl_table_exists(void *handle, const char *table, bool *exists, xn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        handle, "SELECT 1 FROM sqlite_schema WHERE type='table' AND name=?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return map_rc(handle, rc, err, "schema lookup");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *exists = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return map_rc(handle, rc, err, "schema lookup");
    return XN_OK;
}

static int sl_check(void *handle, xn_buf *report, xn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return map_rc(handle, rc, err, "integrity check");
    bool ok = true;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line && strcmp(line, "ok") != 0) {
            ok = false;
            xn_buf_printf(report, "%s\n", line);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return map_rc(handle, rc, err, "integrity check");
    if (ok) {
        rc = sqlite3_prepare_v2(handle, "PRAGMA foreign_key_check", -1, &st, NULL);
        if (rc != SQLITE_OK)
            return map_rc(handle, rc, err, "foreign key check");
        while (sqlite3_step(st) == SQLITE_ROW) {
            ok = false;
            xn_buf_printf(report, "foreign key violation in table %s row %lld\n",
                          (const char *)sqlite3_column_text(st, 0),
                          (long long)sqlite3_column_int64(st, 1));
        }
        sqlite3_finalize(st);
    }
    return ok ? XN_OK : xn_fail(err, XN_EIO, "db_corrupt", "the database failed its check");
}

const store_backend_ops store_sqlite_ops = {
    .name = "sqlite",
    .connect = sl_connect,
    .disconnect = sl_disconnect,
    .exec = sl_exec,
    .prepare = sl_prepare,
    .finalize = sl_finalize,
    .reset = sl_reset,
    .bind_int = sl_bind_int,
    .bind_text = sl_bind_text,
    .bind_blob = sl_bind_blob,
    .bind_null = sl_bind_null,
    .step = sl_step,
    .col_int = sl_col_int,
    .col_text = sl_col_text,
    .col_blob = sl_col_blob,
    .col_bytes = sl_col_bytes,
    .col_is_null = sl_col_is_null,
    .col_text_len = sl_col_text_len,
    .sql = sl_sql,
    .changes = sl_changes,
    .begin_write_sql = "BEGIN IMMEDIATE",
    .bulk = sl_bulk,
    .lazy = sl_lazy,
    .checkpoint = sl_checkpoint,
    .table_exists = sl_table_exists,
    .check = sl_check,
};
