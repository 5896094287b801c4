/*
 * Reading the trail (AUD-4): search, statistics and export.
 *
 * Full text uses an FTS5 trigram index (audit_fts) over the record's text columns, so any
 * Chinese substring of three characters or more is found. The index is filled by a background
 * step (audit_index_pending), not by a trigger: connections run with trusted_schema=OFF, under
 * which SQLite refuses FTS5 inside triggers, and appending stays as fast as it was (the
 * figures are in docs/BENCHMARKS.md). Reading calls that step first, so a search sees every
 * record committed before it started. The index only narrows the search: what is shown always
 * comes from audit_log itself.
 *
 * Filters become one WHERE clause with numbered parameters; the statement's text depends only
 * on which filters are set, so the connection's statement cache holds a bounded number.
 */
#include "audit/audit_int.h"

#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#define MAX_TEXT        256 /* actor, object type, object id */
#define MAX_ACTION      64
#define MAX_PARAMS      24
#define CATCH_UP_STEP   10000
#define SHANGHAI_US     "28800000000" /* UTC+8 in µs, added before taking hours and days */
#define HOUR_US         "3600000000"
#define DAY_US          "86400000000"
#define BURST_WINDOW_US 600000000 /* ten minutes */
#define BURST_MIN       5
#define XLSX_CELL_MAX   32000 /* UTF-16 units kept of a long detail (Excel's cell: 32,767) */

/* ---- the full-text index ----------------------------------------------------------------- */

typedef struct index_ctx {
    int64_t max_rows;
    int64_t indexed;
} index_ctx;

static int index_tx(store_conn *tx, void *ctx, xn_error *err)
{
    index_ctx *ic = ctx;
    int64_t last = 0;
    ic->indexed = 0;
    int rc = store_query_int(tx, "SELECT last_seq FROM audit_fts_state WHERE id = 1", &last, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    /* The end of this step: the max_rows-th record after the last one indexed. */
    rc = store_prepare(tx,
                       "SELECT coalesce(max(seq), 0) FROM (SELECT seq FROM audit_log"
                       " WHERE seq > $1 ORDER BY seq LIMIT $2)",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, last);
    store_bind_int(st, 2, ic->max_rows);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_EINTERNAL, "internal", "no row from max()");
    int64_t upto = store_col_int(st, 0);
    store_stmt_done(st);
    if (upto <= last)
        return XN_OK;
    rc = store_prepare(tx,
                       "INSERT INTO audit_fts (rowid, actor_name, action, object_type, object_id,"
                       " detail, source) SELECT seq, actor_name, action, object_type, object_id,"
                       " detail, source FROM audit_log WHERE seq > $1 AND seq <= $2",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, last);
    store_bind_int(st, 2, upto);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc < 0 ? rc : XN_EINTERNAL;
    ic->indexed = store_changes(tx);
    rc = store_prepare(tx, "UPDATE audit_fts_state SET last_seq = $1 WHERE id = 1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, upto);
    rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : rc;
}

int audit_index_pending(store *db, int64_t max_rows, int64_t *indexed, xn_error *err)
{
    *indexed = 0;
    if (max_rows < 1 || max_rows > AUDIT_INDEX_MAX_ROWS)
        return xn_fail_field(err, XN_EINVAL, "bad_request", "max_rows",
                             "max_rows must be between 1 and %d", AUDIT_INDEX_MAX_ROWS);
    index_ctx ic = {.max_rows = max_rows};
    int rc = store_tx(db, index_tx, &ic, err);
    if (rc == XN_OK)
        *indexed = ic.indexed;
    return rc;
}

/* Indexes everything pending on the caller's connection, in steps that each release the
 * write lock (or inside the caller's transaction when there is one). */
static int catch_up(store_conn *c, xn_error *err)
{
    index_ctx ic = {.max_rows = CATCH_UP_STEP};
    do {
        int rc = store_tx_serial(c) ? index_tx(c, &ic, err) : store_tx_on(c, index_tx, &ic, err);
        if (rc != XN_OK)
            return rc;
    } while (ic.indexed == CATCH_UP_STEP);
    return XN_OK;
}

int audit_fts_forget(store_conn *tx, int64_t last_seq, xn_error *err)
{
    /* External content: FTS5 needs the old values to remove a row's trigrams. Only records
     * already indexed are in the index. */
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO audit_fts (audit_fts, rowid, actor_name, action,"
                           " object_type, object_id, detail, source) SELECT 'delete', seq,"
                           " actor_name, action, object_type, object_id, detail, source"
                           " FROM audit_log WHERE seq <= $1"
                           " AND seq <= (SELECT last_seq FROM audit_fts_state WHERE id = 1)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, last_seq);
    rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : rc;
}

/* ---- filters ----------------------------------------------------------------------------- */

typedef struct param {
    bool text;
    int64_t i;
    const char *s;
} param;

/* A validated filter as SQL: conditions on `l` (audit_log), and audit_fts when q needs it.
 * At most 18 parameters: 9 filters (action takes two), 8 short words, the page's start. */
typedef struct where {
    xn_buf sql; /* " AND …" conditions */
    bool overflow;
    param p[MAX_PARAMS];
    int n;         /* parameters in use */
    int nfilter;   /* of which the filter's own; the page's start comes after */
    char page[64]; /* " AND <key> < $N" when before_seq is set */
    bool fts;
    char match[2 * AUDIT_Q_MAX_BYTES + 4 * AUDIT_Q_MAX_TERMS];
    char like[AUDIT_Q_MAX_TERMS][2 * AUDIT_Q_MAX_BYTES + 3];
    char action_end[MAX_ACTION + 1];
} where;

static int next_int(where *w, int64_t v)
{
    w->p[w->n] = (param){.i = v};
    return ++w->n;
}

static int next_text(where *w, const char *s)
{
    w->p[w->n] = (param){.text = true, .s = s};
    return ++w->n;
}

static void cond(where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cond(where *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    w->overflow |= xn_buf_vprintf(&w->sql, fmt, ap) != XN_OK;
    va_end(ap);
}

static int bind_all(store_stmt *st, const where *w, int n)
{
    for (int i = 0; i < n; i++) {
        int rc = w->p[i].text ? store_bind_text(st, i + 1, w->p[i].s, -1)
                              : store_bind_int(st, i + 1, w->p[i].i);
        if (rc != XN_OK)
            return rc;
    }
    return XN_OK;
}

static bool set(const char *s)
{
    return s && s[0];
}

static int bad(xn_error *err, const char *field, const char *why)
{
    return xn_fail_field(err, XN_EINVAL, "bad_filter", field, "filter %s: %s", field, why);
}

static int check_text(const char *s, size_t max, const char *field, xn_error *err)
{
    size_t n = strlen(s);
    if (n > max)
        return bad(err, field, "too long");
    if (!xn_utf8_valid(s, n) || xn_has_control(s, n))
        return bad(err, field, "not UTF-8 text without control characters");
    return XN_OK;
}

/* "room.verb" exactly, or "room." for every action of a room; *prefix says which. */
static bool action_ok(const char *a, bool *prefix)
{
    size_t n = strlen(a);
    int dots = 0;
    if (n < 2 || n > MAX_ACTION || a[0] == '.')
        return false;
    for (const char *p = a; *p; p++) {
        if (*p == '.')
            dots++;
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    }
    *prefix = a[n - 1] == '.';
    return dots == 1;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars;
}

/* Length of the separator at s (ASCII white space or U+3000), 0 when none. */
static size_t separator(const char *s)
{
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        return 1;
    /* byte by byte, so the end of the string stops the comparison */
    return s[0] == '\xE3' && s[1] == '\x80' && s[2] == '\x80' ? 3 : 0;
}

/* The words of q: three characters or more go to FTS5 as quoted strings (quotes doubled),
 * shorter ones become LIKE patterns (with %, _ and \ escaped). */
static int add_text_query(where *w, const char *q, xn_error *err)
{
    int rc = check_text(q, AUDIT_Q_MAX_BYTES, "q", err);
    if (rc != XN_OK)
        return rc;
    size_t m = 0;
    int terms = 0, likes = 0;
    for (const char *p = q; *p;) {
        size_t sep = separator(p);
        if (sep) {
            p += sep;
            continue;
        }
        const char *start = p;
        while (*p && !separator(p))
            p++;
        size_t n = (size_t)(p - start);
        if (++terms > AUDIT_Q_MAX_TERMS)
            return bad(err, "q", "too many words");
        if (utf8_chars(start, n) >= 3) {
            w->match[m++] = '"';
            for (size_t i = 0; i < n; i++) {
                if (start[i] == '"')
                    w->match[m++] = '"';
                w->match[m++] = start[i];
            }
            w->match[m++] = '"';
            w->match[m++] = ' ';
            continue;
        }
        char *pat = w->like[likes++];
        size_t k = 0;
        pat[k++] = '%';
        for (size_t i = 0; i < n; i++) {
            if (start[i] == '%' || start[i] == '_' || start[i] == '\\')
                pat[k++] = '\\';
            pat[k++] = start[i];
        }
        pat[k++] = '%';
        pat[k] = '\0';
        int x = next_text(w, pat);
        cond(w,
             " AND (l.actor_name LIKE $%d ESCAPE '\\' OR l.action LIKE $%d ESCAPE '\\'"
             " OR l.object_type LIKE $%d ESCAPE '\\' OR l.object_id LIKE $%d ESCAPE '\\'"
             " OR l.detail LIKE $%d ESCAPE '\\' OR l.source LIKE $%d ESCAPE '\\')",
             x, x, x, x, x, x);
    }
    if (m > 0) {
        w->match[m - 1] = '\0'; /* the last space */
        w->fts = true;
        cond(w, " AND audit_fts MATCH $%d", next_text(w, w->match));
    }
    return XN_OK;
}

static const char *order_key(const where *w);

/* Checks f and turns it into w (release w->sql afterwards). paged: the page's start too. */
static int build_where(const audit_filter *f, bool paged, where *w, xn_error *err)
{
    memset(w, 0, sizeof *w);
    xn_buf_init(&w->sql, 16384);
    if (f->from_us < 0)
        return bad(err, "from", "before 1970");
    if (f->to_us < 0 || (f->to_us && f->to_us <= f->from_us))
        return bad(err, "to", "not after from");
    if (paged && (f->limit < 0 || f->limit > AUDIT_PAGE_MAX))
        return bad(err, "limit", "must be between 1 and 1000");
    if (paged && f->before_seq < 0)
        return bad(err, "before_seq", "negative");
    bool prefix = false;
    if (set(f->action) && !action_ok(f->action, &prefix))
        return bad(err, "action", "must look like room.verb, or room. for a whole room");
    if (set(f->result) && strcmp(f->result, AUDIT_OK) != 0 &&
        strcmp(f->result, AUDIT_DENIED) != 0 && strcmp(f->result, AUDIT_ERROR) != 0)
        return bad(err, "result", "must be ok, denied or error");
    /* exact text filters: value, field name, column */
    const char *texts[][3] = {{f->actor, "actor", "actor_name"},
                              {f->object_type, "object_type", "object_type"},
                              {f->object_id, "object_id", "object_id"}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (!set(texts[i][0]))
            continue;
        int rc = check_text(texts[i][0], MAX_TEXT, texts[i][1], err);
        if (rc != XN_OK)
            return rc;
        cond(w, " AND l.%s = $%d", texts[i][2], next_text(w, texts[i][0]));
    }
    if (f->from_us)
        cond(w, " AND l.at >= $%d", next_int(w, f->from_us));
    if (f->to_us)
        cond(w, " AND l.at < $%d", next_int(w, f->to_us));
    if (set(f->action) && prefix) {
        /* every action between "room." and "room/" ('/' follows '.') */
        snprintf(w->action_end, sizeof w->action_end, "%s", f->action);
        w->action_end[strlen(w->action_end) - 1] = '/';
        int lo = next_text(w, f->action);
        cond(w, " AND l.action >= $%d AND l.action < $%d", lo, next_text(w, w->action_end));
    } else if (set(f->action)) {
        cond(w, " AND l.action = $%d", next_text(w, f->action));
    }
    if (set(f->result))
        cond(w, " AND l.result = $%d", next_text(w, f->result));
    if (set(f->q)) {
        int rc = add_text_query(w, f->q, err);
        if (rc != XN_OK)
            return rc;
    }
    w->nfilter = w->n;
    if (paged && f->before_seq)
        snprintf(w->page, sizeof w->page, " AND %s < $%d", order_key(w),
                 next_int(w, f->before_seq));
    if (w->overflow)
        return xn_fail(err, XN_EINTERNAL, "internal", "the filter could not be built");
    return XN_OK;
}

/* The rows a filter selects: through the index, newest first, when q needs it. */
static const char *from_clause(const where *w)
{
    return w->fts ? "audit_fts CROSS JOIN audit_log l ON l.seq = audit_fts.rowid" : "audit_log l";
}

static const char *order_key(const where *w)
{
    return w->fts ? "audit_fts.rowid" : "l.seq";
}

/* What a statement reads: rows (all of them), one page of rows, or how many rows. */
typedef enum select_mode { ROWS, PAGE, COUNT } select_mode;

/*
 * Prepares "SELECT <what> FROM … WHERE <filter><extra> <tail>" and binds the filter: with
 * the page's start for PAGE, wrapped as "SELECT count(*) FROM (…)" for COUNT. The SQL is
 * assembled from fixed fragments only; every value is a parameter.
 */
static int prepare_select(store_conn *c, const where *w, const char *what, const char *extra,
                          const char *tail, select_mode mode, store_stmt **st, xn_error *err)
{
    xn_buf sql;
    xn_buf_init(&sql, 32768);
    int rc = xn_buf_printf(&sql, "%sSELECT %s FROM %s WHERE 1 = 1%s%s%s %s%s",
                           mode == COUNT ? "SELECT count(*) FROM (" : "", what, from_clause(w),
                           w->sql.len ? w->sql.data : "", mode == PAGE ? w->page : "", extra, tail,
                           mode == COUNT ? ")" : "");
    if (rc == XN_OK)
        rc = store_prepare(c, sql.data, st, err);
    else
        rc = xn_fail(err, rc, "internal", "query too long");
    xn_buf_release(&sql);
    if (rc == XN_OK && bind_all(*st, w, mode == PAGE ? w->n : w->nfilter) != XN_OK)
        rc = xn_fail(err, XN_EINTERNAL, "internal", "the filter could not be bound");
    return rc;
}

/* Reads one integer from a prepared single-row statement. */
static int step_int(store_stmt *st, int64_t *v, xn_error *err)
{
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        *v = store_col_int(st, 0);
        store_stmt_done(st);
        return XN_OK;
    }
    return rc < 0 ? rc : xn_fail(err, XN_EINTERNAL, "internal", "no row");
}

/* Readers see one moment: a read transaction unless the caller's transaction is open. */
static int begin_read(store_conn *c, bool *began, xn_error *err)
{
    *began = store_tx_serial(c) == 0;
    return *began ? store_exec(c, "BEGIN", err) : XN_OK;
}

static void end_read(store_conn *c, bool began)
{
    if (began)
        store_exec(c, "COMMIT", NULL);
}

/* Validates, brings the index up to date when q uses it, and opens the read. */
static int start(store_conn *c, const audit_filter *f, bool paged, where *w, bool *began,
                 xn_error *err)
{
    *began = false;
    int rc = build_where(f, paged, w, err);
    if (rc == XN_OK && w->fts)
        rc = catch_up(c, err);
    if (rc == XN_OK)
        rc = begin_read(c, began, err);
    return rc;
}

/* ---- JSON output ------------------------------------------------------------------------- */

/* Appends to a buffer until the first failure, which it keeps: no half-written JSON. */
typedef struct json_out {
    xn_buf *b;
    int rc;
} json_out;

static void o_puts(json_out *o, const char *s)
{
    if (o->rc == XN_OK)
        o->rc = xn_buf_puts(o->b, s);
}

static void o_printf(json_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void o_printf(json_out *o, const char *fmt, ...)
{
    if (o->rc != XN_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    o->rc = xn_buf_vprintf(o->b, fmt, ap);
    va_end(ap);
}

static void o_col(json_out *o, store_stmt *st, int col)
{
    if (store_col_is_null(st, col))
        o_puts(o, "null");
    else if (o->rc == XN_OK)
        o->rc = xn_json_put_string(o->b, store_col_text(st, col));
}

/* detail is stored as text; it goes out as the JSON object it holds. */
static void o_detail(json_out *o, store_stmt *st, int col)
{
    if (store_col_is_null(st, col)) {
        o_puts(o, "null");
        return;
    }
    const char *d = store_col_text(st, col);
    size_t n = store_col_bytes(st, col);
    json_t *v = xn_json_parse(d, n, n, NULL);
    if (json_is_object(v) && o->rc == XN_OK) {
        o->rc = xn_buf_append(o->b, d, n);
    } else {
        o_puts(o, "{\"unparsed\":");
        o_col(o, st, col);
        o_puts(o, "}");
    }
    json_decref(v);
}

static int o_finish(json_out *o, xn_error *err)
{
    if (o->rc == XN_ETOOBIG)
        return xn_fail(err, XN_ETOOBIG, "too_large", "the answer is larger than its buffer");
    return o->rc == XN_OK ? XN_OK : xn_fail(err, o->rc, "internal", "output failed");
}

/* ---- search ------------------------------------------------------------------------------ */

#define ITEM_COLUMNS                                                                               \
    "l.seq, l.at, l.actor_kind, l.actor_id, l.actor_name, l.source, l.session, l.action,"          \
    " l.object_type, l.object_id, l.result, l.detail"

static void o_item(json_out *o, store_stmt *st)
{
    char at_text[XN_TIME_STR];
    int64_t at = store_col_int(st, 1);
    xn_time_format(at, at_text);
    o_printf(o, "{\"seq\":%lld,\"at\":%lld,\"at_text\":\"%s\",\"actor_kind\":",
             (long long)store_col_int(st, 0), (long long)at, at_text);
    o_col(o, st, 2);
    o_printf(o, ",\"actor_id\":%lld,\"actor_name\":", (long long)store_col_int(st, 3));
    o_col(o, st, 4);
    static const char *const names[] = {"source",      "session",   "action",
                                        "object_type", "object_id", "result"};
    for (int i = 0; i < 6; i++) {
        o_printf(o, ",\"%s\":", names[i]);
        o_col(o, st, 5 + i);
    }
    o_puts(o, ",\"detail\":");
    o_detail(o, st, 11);
    o_puts(o, "}");
}

/* A failed call leaves the caller's buffer as it found it. */
static void rewind_to(xn_buf *b, size_t mark)
{
    if (b->len > mark) {
        b->len = mark;
        b->data[mark] = '\0';
    }
}

int audit_search(store_conn *c, const audit_filter *f, xn_buf *out_json, xn_error *err)
{
    where w;
    bool began, more = false;
    int limit = f->limit ? f->limit : AUDIT_PAGE_DEFAULT, n = 0;
    int64_t last_seq = 0, total = 0;
    json_out o = {.b = out_json};
    size_t mark = out_json->len;
    char tail[96];
    store_stmt *st;
    int rc = start(c, f, true, &w, &began, err);
    if (rc != XN_OK)
        goto out;

    snprintf(tail, sizeof tail, "ORDER BY %s DESC LIMIT %d", order_key(&w), limit + 1);
    rc = prepare_select(c, &w, ITEM_COLUMNS, "", tail, PAGE, &st, err);
    if (rc != XN_OK)
        goto out;
    o_puts(&o, "{\"items\":[");
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (n == limit) { /* one row past the page: there is a next one */
            more = true;
            store_stmt_done(st);
            rc = STORE_DONE;
            break;
        }
        if (n++)
            o_puts(&o, ",");
        o_item(&o, st);
        last_seq = store_col_int(st, 0);
    }
    if (rc != STORE_DONE)
        goto out;
    if (more)
        o_printf(&o, "],\"next_before_seq\":%lld", (long long)last_seq);
    else
        o_puts(&o, "],\"next_before_seq\":null");

    /* The total, counted no further than the cap so that a broad filter stays cheap. */
    snprintf(tail, sizeof tail, "LIMIT %d", AUDIT_TOTAL_CAP + 1);
    rc = prepare_select(c, &w, "1", "", tail, COUNT, &st, err);
    if (rc == XN_OK)
        rc = step_int(st, &total, err);
    if (rc != XN_OK)
        goto out;
    o_printf(&o, ",\"total\":%lld,\"total_capped\":%s}",
             (long long)(total > AUDIT_TOTAL_CAP ? AUDIT_TOTAL_CAP : total),
             total > AUDIT_TOTAL_CAP ? "true" : "false");
    rc = o_finish(&o, err);
out:
    end_read(c, began);
    xn_buf_release(&w.sql);
    if (rc != XN_OK)
        rewind_to(out_json, mark);
    return rc;
}

/* ---- statistics -------------------------------------------------------------------------- */

/* The record's time of day and day number in Asia/Shanghai (no DST since 1991). */
#define LOCAL_AT "(l.at + " SHANGHAI_US ")"
#define OFF_HOURS                                                                                  \
    " AND (" LOCAL_AT " % " DAY_US " < 30600000000 OR " LOCAL_AT " % " DAY_US                      \
    " >= 64800000000 OR (" LOCAL_AT " / " DAY_US " + 4) % 7 IN (0, 6))"
#define FAILED_LOGIN " AND l.action = 'auth.login' AND l.result = 'denied'"

/* "name":[{"<key>":…,"count":N},…],"name_truncated":bool: the largest groups of expr. */
static int o_top(json_out *o, store_conn *c, const where *w, const char *name, const char *key,
                 const char *expr, const char *extra, xn_error *err)
{
    char what[160], tail[96];
    snprintf(what, sizeof what, "%s, count(*)", expr);
    snprintf(tail, sizeof tail, "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %d", AUDIT_LIST_MAX + 1);
    store_stmt *st;
    int rc = prepare_select(c, w, what, extra, tail, ROWS, &st, err);
    if (rc != XN_OK)
        return rc;
    int n = 0;
    bool cut = false;
    o_printf(o, "\"%s\":[", name);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (n == AUDIT_LIST_MAX) {
            cut = true;
            store_stmt_done(st);
            rc = STORE_DONE;
            break;
        }
        o_printf(o, "%s{\"%s\":", n++ ? "," : "", key);
        o_col(o, st, 0);
        o_printf(o, ",\"count\":%lld}", (long long)store_col_int(st, 1));
    }
    if (rc != STORE_DONE)
        return rc;
    o_printf(o, "],\"%s_truncated\":%s", name, cut ? "true" : "false");
    return XN_OK;
}

static int o_by_result(json_out *o, store_conn *c, const where *w, xn_error *err)
{
    store_stmt *st;
    int64_t counts[3] = {0};
    static const char *const results[3] = {AUDIT_OK, AUDIT_DENIED, AUDIT_ERROR};
    int rc = prepare_select(c, w, "l.result, count(*)", "", "GROUP BY 1", ROWS, &st, err);
    if (rc != XN_OK)
        return rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        for (int i = 0; i < 3; i++)
            if (strcmp(store_col_text(st, 0), results[i]) == 0)
                counts[i] = store_col_int(st, 1);
    if (rc != STORE_DONE)
        return rc;
    o_printf(o, "\"by_result\":{\"ok\":%lld,\"denied\":%lld,\"error\":%lld}", (long long)counts[0],
             (long long)counts[1], (long long)counts[2]);
    return XN_OK;
}

static int o_by_hour(json_out *o, store_conn *c, const where *w, xn_error *err)
{
    store_stmt *st;
    int64_t hours[24] = {0};
    int rc = prepare_select(c, w, "(" LOCAL_AT " / " HOUR_US ") % 24, count(*)", "", "GROUP BY 1",
                            false, &st, err);
    if (rc != XN_OK)
        return rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t h = store_col_int(st, 0);
        if (h >= 0 && h < 24)
            hours[h] = store_col_int(st, 1);
    }
    if (rc != STORE_DONE)
        return rc;
    o_puts(o, "\"by_hour\":[");
    for (int h = 0; h < 24; h++)
        o_printf(o, "%s%lld", h ? "," : "", (long long)hours[h]);
    o_puts(o, "]");
    return XN_OK;
}

static int o_by_day(json_out *o, store_conn *c, const where *w, xn_error *err)
{
    store_stmt *st;
    char tail[64];
    snprintf(tail, sizeof tail, "GROUP BY 1 ORDER BY 1 DESC LIMIT %d", AUDIT_DAYS_MAX + 1);
    int rc = prepare_select(c, w, LOCAL_AT " / " DAY_US ", count(*)", "", tail, ROWS, &st, err);
    if (rc != XN_OK)
        return rc;
    int64_t *days = xn_xcalloc(AUDIT_DAYS_MAX, 2 * sizeof *days); /* day, count pairs */
    int n = 0;
    bool cut = false;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (n == AUDIT_DAYS_MAX) {
            cut = true;
            store_stmt_done(st);
            rc = STORE_DONE;
            break;
        }
        days[2 * n] = store_col_int(st, 0);
        days[2 * n + 1] = store_col_int(st, 1);
        n++;
    }
    if (rc == STORE_DONE) {
        o_puts(o, "\"by_day\":[");
        for (int i = n - 1; i >= 0; i--) { /* oldest first */
            time_t t = (time_t)(days[2 * i] * 86400);
            struct tm tm;
            gmtime_r(&t, &tm);
            o_printf(o, "%s{\"day\":\"%04d-%02d-%02d\",\"count\":%lld}", i < n - 1 ? "," : "",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, (long long)days[2 * i + 1]);
        }
        o_printf(o, "],\"by_day_truncated\":%s", cut ? "true" : "false");
    }
    free(days);
    return rc;
}

/* Five or more denied results of one actor within ten minutes. For each denied record the
 * window function counts the actor's denied records in the ten minutes from it; a burst is
 * reported at its first record, and its window's records are not reported again. */
static int o_bursts(json_out *o, store_conn *c, const where *w, xn_error *err)
{
    char what[200];
    snprintf(what, sizeof what,
             "l.actor_name, l.at, count(*) OVER (PARTITION BY l.actor_name ORDER BY l.at"
             " RANGE BETWEEN CURRENT ROW AND %d FOLLOWING)",
             BURST_WINDOW_US - 1);
    store_stmt *st;
    int rc =
        prepare_select(c, w, what, " AND l.result = 'denied'", "ORDER BY 1, 2", ROWS, &st, err);
    if (rc != XN_OK)
        return rc;
    char *actor = NULL;
    int64_t quiet_until = INT64_MIN;
    int n = 0;
    bool cut = false;
    o_puts(o, "\"denied_bursts\":[");
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *name = store_col_text(st, 0);
        int64_t at = store_col_int(st, 1), count = store_col_int(st, 2);
        if (!actor || strcmp(name, actor) != 0) {
            free(actor);
            actor = xn_xstrdup(name);
            quiet_until = INT64_MIN;
        }
        if (count < BURST_MIN || at < quiet_until)
            continue;
        quiet_until = at + BURST_WINDOW_US;
        if (n == AUDIT_LIST_MAX) {
            cut = true;
            store_stmt_done(st);
            rc = STORE_DONE;
            break;
        }
        char at_text[XN_TIME_STR];
        xn_time_format(at, at_text);
        o_printf(o, "%s{\"actor\":", n++ ? "," : "");
        o_col(o, st, 0);
        o_printf(o, ",\"window_start\":%lld,\"window_start_text\":\"%s\",\"count\":%lld}",
                 (long long)at, at_text, (long long)count);
    }
    free(actor);
    if (rc != STORE_DONE)
        return rc;
    o_printf(o, "],\"denied_bursts_truncated\":%s", cut ? "true" : "false");
    return XN_OK;
}

int audit_stats(store_conn *c, const audit_filter *f, xn_buf *out_json, xn_error *err)
{
    where w;
    bool began;
    int64_t total = 0;
    size_t mark = out_json->len;
    json_out o = {.b = out_json};
    store_stmt *st;
    int rc = start(c, f, false, &w, &began, err);
    if (rc == XN_OK)
        rc = prepare_select(c, &w, "count(*)", "", "", ROWS, &st, err);
    if (rc == XN_OK)
        rc = step_int(st, &total, err);
    o_printf(&o, "{\"total\":%lld,", (long long)total);
    if (rc == XN_OK)
        rc = o_top(&o, c, &w, "by_actor", "actor", "l.actor_name", "", err);
    o_puts(&o, ",");
    if (rc == XN_OK)
        rc = o_top(&o, c, &w, "by_action", "action", "l.action", "", err);
    o_puts(&o, ",");
    if (rc == XN_OK)
        rc = o_by_result(&o, c, &w, err);
    o_puts(&o, ",");
    if (rc == XN_OK)
        rc = o_by_hour(&o, c, &w, err);
    o_puts(&o, ",");
    if (rc == XN_OK)
        rc = o_by_day(&o, c, &w, err);
    o_puts(&o, ",\"failed_logins\":{");
    if (rc == XN_OK)
        rc = o_top(&o, c, &w, "by_account", "account", "l.object_id", FAILED_LOGIN, err);
    o_puts(&o, ",");
    if (rc == XN_OK)
        rc = o_top(&o, c, &w, "by_source", "source", "l.source", FAILED_LOGIN, err);
    o_puts(&o, "},");
    if (rc == XN_OK)
        rc = o_top(&o, c, &w, "off_hours", "actor", "l.actor_name", OFF_HOURS, err);
    o_puts(&o, ",");
    if (rc == XN_OK)
        rc = o_bursts(&o, c, &w, err);
    o_puts(&o, "}");
    if (rc == XN_OK)
        rc = o_finish(&o, err);
    end_read(c, began);
    xn_buf_release(&w.sql);
    if (rc != XN_OK)
        rewind_to(out_json, mark);
    return rc;
}

/* ---- export ------------------------------------------------------------------------------ */

#define EXPORT_COLS 9
static const char *const export_headers[EXPORT_COLS] = {
    "序号", "时间", "操作者", "来源地址", "操作", "对象类型", "对象", "结果", "详情"};

/* Where exported rows go: CSV or XLSX. cells[0] is the time; NULL is an empty cell. */
typedef struct sink {
    int (*header)(struct sink *s);
    int (*row)(struct sink *s, int64_t seq, const char *const cells[EXPORT_COLS - 1]);
    int (*note)(struct sink *s, const char *text);
} sink;

/* A spreadsheet reads a cell starting with these as a formula (CSV injection). */
static bool formula_like(const char *s)
{
    return s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

static int export_rows(store_conn *c, const audit_filter *f, int64_t max_rows, sink *to,
                       xn_error *err)
{
    where w;
    bool began, cut = false;
    char tail[96], at_text[XN_TIME_STR], note[160], action_text[256];
    store_stmt *st;
    int64_t n = 0;
    /* the item columns that become cells 1-7 (cell 0 is the time) */
    static const int cols[EXPORT_COLS - 2] = {4, 5, 7, 8, 9, 10, 11};
    int rc = start(c, f, false, &w, &began, err);
    if (rc != XN_OK)
        goto out;
    snprintf(tail, sizeof tail, "ORDER BY %s DESC LIMIT %lld", order_key(&w),
             (long long)max_rows + 1);
    rc = prepare_select(c, &w, ITEM_COLUMNS, "", tail, ROWS, &st, err);
    if (rc != XN_OK)
        goto out;
    if (to->header(to) != XN_OK)
        goto write_failed;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (n++ == max_rows) {
            cut = true;
            store_stmt_done(st);
            break;
        }
        xn_time_format(store_col_int(st, 1), at_text);
        const char *cells[EXPORT_COLS - 1] = {at_text};
        for (int i = 0; i < EXPORT_COLS - 2; i++)
            cells[i + 1] = store_col_is_null(st, cols[i]) ? NULL : store_col_text(st, cols[i]);
        /* the names people read (labels.c, the table the UI shows too); codes without one
         * stay as they are. The action keeps its code beside its name for searching. */
        const char *name = cells[3] ? audit_label("action", cells[3]) : NULL;
        if (name) {
            snprintf(action_text, sizeof action_text, "%s（%s）", name, cells[3]);
            cells[3] = action_text;
        }
        for (int i = 4; i <= 6; i += 2) {
            name = cells[i] ? audit_label(i == 4 ? "object" : "result", cells[i]) : NULL;
            if (name)
                cells[i] = name;
        }
        if (to->row(to, store_col_int(st, 0), cells) != XN_OK) {
            store_stmt_done(st);
            goto write_failed;
        }
    }
    if (rc < 0)
        goto out;
    rc = XN_OK;
    snprintf(note, sizeof note,
             "已截断：仅导出最新的 %lld 条记录 (cut: only the newest %lld records)",
             (long long)max_rows, (long long)max_rows);
    if (cut && to->note(to, note) != XN_OK)
        goto write_failed;
    goto out;
write_failed:
    rc = xn_fail(err, XN_EIO, "export_failed", "the export could not be written");
out:
    end_read(c, began);
    xn_buf_release(&w.sql);
    return rc;
}

/* CSV (RFC 4180): quoted when needed, quotes doubled, CRLF. */
typedef struct csv_sink {
    sink base;
    FILE *f;
} csv_sink;

static void csv_cell(FILE *f, const char *s, bool first)
{
    if (!first)
        fputc(',', f);
    if (!s)
        return;
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (formula_like(s))
        fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quote)
        fputc('"', f);
}

static int csv_end_line(FILE *f)
{
    fputs("\r\n", f);
    return ferror(f) ? XN_EIO : XN_OK;
}

static int csv_header(sink *s)
{
    FILE *f = ((csv_sink *)s)->f;
    fputs("\xEF\xBB\xBF", f); /* the byte-order mark: Excel then reads the file as UTF-8 */
    for (int i = 0; i < EXPORT_COLS; i++)
        csv_cell(f, export_headers[i], i == 0);
    return csv_end_line(f);
}

static int csv_row(sink *s, int64_t seq, const char *const cells[EXPORT_COLS - 1])
{
    FILE *f = ((csv_sink *)s)->f;
    fprintf(f, "%lld", (long long)seq);
    for (int i = 0; i < EXPORT_COLS - 1; i++)
        csv_cell(f, cells[i], false);
    return csv_end_line(f);
}

static int csv_note(sink *s, const char *text)
{
    FILE *f = ((csv_sink *)s)->f;
    csv_cell(f, text, true);
    return csv_end_line(f);
}

int audit_export_csv_bounded(store_conn *c, const audit_filter *f, FILE *out, int64_t max_rows,
                             xn_error *err)
{
    csv_sink s = {{csv_header, csv_row, csv_note}, out};
    int rc = export_rows(c, f, max_rows, &s.base, err);
    if (rc == XN_OK && fflush(out) != 0)
        rc = xn_fail(err, XN_EIO, "export_failed", "the export could not be written");
    return rc;
}

int audit_export_csv(store_conn *c, const audit_filter *f, FILE *out, xn_error *err)
{
    return audit_export_csv_bounded(c, f, out, AUDIT_EXPORT_MAX, err);
}

/* XLSX through libxlsxwriter, row by row (constant memory), strings never formulas. */
typedef struct xlsx_sink {
    sink base;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold;
    lxw_row_t row;
    lxw_error failed;
    xn_buf cell;
} xlsx_sink;

/* The cell's text: an apostrophe before a formula-like start, and a detail too long for a
 * cell cut at a character boundary with a visible mark. */
static const char *xlsx_text(xlsx_sink *x, const char *s)
{
    size_t units = 0, i = 0, n = strlen(s);
    while (i < n && units < XLSX_CELL_MAX) {
        unsigned char b = (unsigned char)s[i];
        size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        units += len == 4 ? 2 : 1; /* Excel counts UTF-16 units */
        i += len;
    }
    bool formula = formula_like(s);
    if (i >= n && !formula)
        return s;
    xn_buf_reset(&x->cell);
    if (formula)
        xn_buf_puts(&x->cell, "'");
    xn_buf_append(&x->cell, s, i < n ? i : n);
    if (i < n)
        xn_buf_puts(&x->cell, "…[截断]");
    return x->cell.data;
}

static void xlsx_put(xlsx_sink *x, lxw_col_t col, const char *s, lxw_format *fmt)
{
    if (s && x->failed == LXW_NO_ERROR)
        x->failed = worksheet_write_string(x->ws, x->row, col, xlsx_text(x, s), fmt);
}

static int xlsx_header(sink *s)
{
    xlsx_sink *x = (xlsx_sink *)s;
    static const double widths[EXPORT_COLS] = {10, 31, 14, 16, 20, 12, 14, 8, 60};
    for (int i = 0; i < EXPORT_COLS; i++) {
        worksheet_set_column(x->ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL);
        xlsx_put(x, (lxw_col_t)i, export_headers[i], x->bold);
    }
    worksheet_freeze_panes(x->ws, 1, 0);
    x->row++;
    return x->failed == LXW_NO_ERROR ? XN_OK : XN_EIO;
}

static int xlsx_row(sink *s, int64_t seq, const char *const cells[EXPORT_COLS - 1])
{
    xlsx_sink *x = (xlsx_sink *)s;
    if (x->failed == LXW_NO_ERROR)
        x->failed = worksheet_write_number(x->ws, x->row, 0, (double)seq, NULL);
    for (int i = 0; i < EXPORT_COLS - 1; i++)
        xlsx_put(x, (lxw_col_t)(i + 1), cells[i], NULL);
    x->row++;
    return x->failed == LXW_NO_ERROR ? XN_OK : XN_EIO;
}

static int xlsx_note(sink *s, const char *text)
{
    xlsx_sink *x = (xlsx_sink *)s;
    xlsx_put(x, 0, text, x->bold);
    x->row++;
    return x->failed == LXW_NO_ERROR ? XN_OK : XN_EIO;
}

int audit_export_xlsx(store_conn *c, const audit_filter *f, const char *path, xn_error *err)
{
    /* The filter is checked before the file is touched: a bad one leaves any old file be. */
    where w;
    int rc = build_where(f, false, &w, err);
    xn_buf_release(&w.sql);
    if (rc != XN_OK)
        return rc;
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE};
    xlsx_sink x = {.base = {xlsx_header, xlsx_row, xlsx_note}};
    x.wb = workbook_new_opt(path, &opt);
    if (!x.wb)
        return xn_fail(err, XN_EIO, "export_failed", "cannot create the workbook");
    x.ws = workbook_add_worksheet(x.wb, "审计日志");
    x.bold = workbook_add_format(x.wb);
    format_set_bold(x.bold);
    xn_buf_init(&x.cell, 256 * 1024);
    rc = export_rows(c, f, AUDIT_EXPORT_MAX, &x.base, err);
    lxw_error closed = workbook_close(x.wb);
    xn_buf_release(&x.cell);
    lxw_error failed = x.failed != LXW_NO_ERROR ? x.failed : closed;
    if (failed != LXW_NO_ERROR)
        rc = xn_fail(err, XN_EIO, "export_failed", "the workbook could not be written: %s",
                     lxw_strerror(failed));
    if (rc != XN_OK)
        remove(path); /* half a workbook is of no use to anyone */
    return rc;
}
