/*
 * The syslog log store: one table per Asia/Shanghai day (syslog_YYYYMMDD) listed in syslog_day,
 * and the syslog_source table of senders. Day tables are made on demand by the writer; their
 * names are built only from the integer day computed here, never from input. Retention drops
 * whole day tables (AUD-3), so purging costs nothing per row. Search and statistics read the
 * day tables their time range covers, newest first.
 */
#include "audit/syslog_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHANGHAI_OFFSET_S  (8 * 3600)
#define DAY_US             (86400LL * 1000000)
#define SEARCH_SOFT_BYTES  (4 * 1024 * 1024) /* a page stops growing past this */
#define MAX_FILTER_BYTES   256
#define STATS_TOP          100
#define DAY_MIN            19700101
#define DAY_MAX            99991231
#define SOURCE_NAME_MAX    128
#define TABLE_NAME_SIZE    32
#define DEFAULT_PAGE_LIMIT 100

/* ---- days ---------------------------------------------------------------------------------- */

int logstore_day_of(int64_t epoch_us)
{
    int64_t secs = epoch_us / 1000000;
    if (epoch_us % 1000000 < 0)
        secs--;
    time_t local = (time_t)(secs + SHANGHAI_OFFSET_S);
    struct tm tm;
    if (!gmtime_r(&local, &tm) || tm.tm_year + 1900 < 1970)
        return DAY_MIN;
    if (tm.tm_year + 1900 > 9999)
        return DAY_MAX;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int64_t logstore_day_start(int day)
{
    struct tm tm = {
        .tm_year = day / 10000 - 1900, .tm_mon = day / 100 % 100 - 1, .tm_mday = day % 100};
    return ((int64_t)timegm(&tm) - SHANGHAI_OFFSET_S) * 1000000;
}

/* The day's table name; day is always an integer this file computed or read from syslog_day,
 * and is checked again here so that nothing else can reach the SQL text. */
static bool table_name(int day, char out[TABLE_NAME_SIZE])
{
    if (day < DAY_MIN || day > DAY_MAX)
        return false;
    snprintf(out, TABLE_NAME_SIZE, "syslog_%08d", day);
    return true;
}

static int ensure_day(store_conn *c, int day, xn_error *err)
{
    char t[TABLE_NAME_SIZE];
    if (!table_name(day, t))
        return xn_fail(err, XN_EINTERNAL, "internal", "day %d out of range", day);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s ("
             " id INTEGER PRIMARY KEY,"
             " recv_us INTEGER NOT NULL,"
             " src_addr TEXT NOT NULL,"
             " src_port INTEGER NOT NULL,"
             " proto TEXT NOT NULL,"
             " known INTEGER NOT NULL,"
             " format TEXT NOT NULL,"
             " parse_error INTEGER NOT NULL,"
             " truncated INTEGER NOT NULL,"
             " utf8_replaced INTEGER NOT NULL,"
             " facility INTEGER, severity INTEGER,"
             " ts_text TEXT, ts_us INTEGER,"
             " hostname TEXT, app TEXT, procid TEXT, msgid TEXT, sd TEXT, msg TEXT,"
             " raw BLOB NOT NULL);"
             "CREATE INDEX IF NOT EXISTS %s_recv ON %s (recv_us);",
             t, t, t);
    int rc = store_exec(c, sql, err);
    store_stmt *st = NULL;
    if (rc == XN_OK)
        rc = store_prepare(c,
                           "INSERT INTO syslog_day (day, created_at) VALUES ($1, $2)"
                           " ON CONFLICT (day) DO NOTHING",
                           &st, err);
    if (rc)
        return rc;
    store_bind_int(st, 1, day);
    store_bind_int(st, 2, xn_now_us());
    rc = store_step(st, err);
    return rc < 0 ? rc : XN_OK;
}

/* ---- the writer's batch insert ------------------------------------------------------------- */

void logstore_writer_init(logstore_writer *w)
{
    memset(w, 0, sizeof *w);
    xn_buf_init(&w->text, 0);
    xn_buf_init(&w->sd, 0);
}

void logstore_writer_release(logstore_writer *w)
{
    xn_buf_release(&w->text);
    xn_buf_release(&w->sd);
    free(w->srcs);
    free(w->src_of);
    memset(w, 0, sizeof *w);
}

/* Groups the batch by source address (batches come from few senders: a linear search). */
static void group_sources(logstore_writer *w, const logstore_rec *recs, size_t n)
{
    if (w->src_of_cap < n) {
        w->src_of = xn_xrealloc(w->src_of, n * sizeof *w->src_of);
        w->src_of_cap = n;
    }
    w->nsrcs = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < w->nsrcs && strcmp(w->srcs[k].addr, recs[i].addr) != 0)
            k++;
        if (k == w->nsrcs) {
            if (w->nsrcs == w->srcs_cap) {
                w->srcs_cap = w->srcs_cap ? w->srcs_cap * 2 : 16;
                w->srcs = xn_xrealloc(w->srcs, w->srcs_cap * sizeof *w->srcs);
            }
            w->srcs[k] = (struct logstore_src){
                .addr = recs[i].addr, .first_us = recs[i].recv_us, .last_us = recs[i].recv_us};
            w->nsrcs++;
        }
        struct logstore_src *src = &w->srcs[k];
        src->count++;
        if (recs[i].recv_us < src->first_us)
            src->first_us = recs[i].recv_us;
        if (recs[i].recv_us > src->last_us)
            src->last_us = recs[i].recv_us;
        w->src_of[i] = (uint32_t)k;
    }
}

typedef struct insert_ctx {
    logstore_writer *w;
    const logstore_rec *recs;
    size_t n;
} insert_ctx;

static int update_sources(store_conn *c, logstore_writer *w, xn_error *err)
{
    w->nnew = 0;
    for (size_t k = 0; k < w->nsrcs; k++) {
        struct logstore_src *src = &w->srcs[k];
        store_stmt *st = NULL;
        int rc = store_prepare(
            c,
            "INSERT INTO syslog_source (address, registered, first_seen, last_seen, count)"
            " VALUES ($1, 0, $2, $3, $4) ON CONFLICT (address) DO UPDATE SET"
            " first_seen = CASE WHEN syslog_source.first_seen IS NULL"
            "  OR syslog_source.first_seen > excluded.first_seen"
            "  THEN excluded.first_seen ELSE syslog_source.first_seen END,"
            " last_seen = CASE WHEN syslog_source.last_seen IS NULL"
            "  OR syslog_source.last_seen < excluded.last_seen"
            "  THEN excluded.last_seen ELSE syslog_source.last_seen END,"
            " count = syslog_source.count + excluded.count"
            " RETURNING registered, count",
            &st, err);
        if (rc)
            return rc;
        store_bind_text(st, 1, src->addr, -1);
        store_bind_int(st, 2, src->first_us);
        store_bind_int(st, 3, src->last_us);
        store_bind_int(st, 4, src->count);
        rc = store_step(st, err);
        if (rc != STORE_ROW)
            return rc < 0 ? rc : xn_fail(err, XN_EINTERNAL, "internal", "upsert gave no row");
        src->known = store_col_int(st, 0) != 0;
        bool first = store_col_int(st, 1) == src->count;
        store_stmt_done(st);
        if (first && !src->known && w->nnew < LOGSTORE_NEW_SOURCES)
            snprintf(w->new_sources[w->nnew++], sizeof w->new_sources[0], "%s", src->addr);
    }
    return XN_OK;
}

static const char *format_name(syslog_format f)
{
    return f == SYSLOG_RFC5424 ? "5424" : f == SYSLOG_RFC3164 ? "3164" : "unknown";
}

/* Values are bound without a copy: the records and the writer's buffers outlive each step. */
static void bind_span(store_stmt *st, int idx, syslog_span s)
{
    if (s.p)
        store_bind_text_ref(st, idx, (const char *)s.p, s.n);
    else
        store_bind_null(st, idx);
}

static void bind_str(store_stmt *st, int idx, const char *s)
{
    store_bind_text_ref(st, idx, s, strlen(s));
}

/* Binds a field that may hold any bytes as valid UTF-8: as it is when the parser found it
 * clean (the usual case), else repaired into buf and copied, since the next row of a
 * multi-row insert reuses buf before the statement runs. */
static int bind_repaired(store_stmt *st, int idx, syslog_span s, bool clean, xn_buf *buf,
                         bool *replaced)
{
    *replaced = false;
    if (!s.p)
        return store_bind_null(st, idx);
    if (clean)
        return store_bind_text_ref(st, idx, (const char *)s.p, s.n);
    xn_buf_reset(buf);
    int rc = syslog_utf8_repair(s.p, s.n, buf, replaced);
    if (rc)
        return rc;
    return store_bind_text(st, idx, buf->data ? buf->data : "", (ssize_t)buf->len);
}

/* Binds one message as the row of parameters after base (row k of a multi-row insert). */
static int bind_row(store_stmt *st, int base, logstore_writer *w, const logstore_rec *r, bool known,
                    xn_error *err)
{
    const syslog_msg *m = &r->msg;
    bool bad_text = false, bad_sd = false;
    store_bind_int(st, base + 1, r->recv_us);
    bind_str(st, base + 2, r->addr);
    store_bind_int(st, base + 3, r->port);
    bind_str(st, base + 4, r->proto);
    store_bind_int(st, base + 5, known);
    bind_str(st, base + 6, format_name(m->format));
    store_bind_int(st, base + 7, m->parse_error);
    store_bind_int(st, base + 8, r->truncated);
    if (m->facility >= 0) {
        store_bind_int(st, base + 10, m->facility);
        store_bind_int(st, base + 11, m->severity);
    } else {
        store_bind_null(st, base + 10);
        store_bind_null(st, base + 11);
    }
    bind_span(st, base + 12, m->timestamp);
    if (m->has_time)
        store_bind_int(st, base + 13, m->time_us);
    else
        store_bind_null(st, base + 13);
    bind_span(st, base + 14, m->hostname);
    bind_span(st, base + 15, m->app);
    bind_span(st, base + 16, m->procid);
    bind_span(st, base + 17, m->msgid);
    int rc = bind_repaired(st, base + 18, m->sd, m->sd_clean, &w->sd, &bad_sd);
    if (rc == XN_OK)
        rc = bind_repaired(st, base + 19, m->text, m->text_clean, &w->text, &bad_text);
    if (rc == XN_OK)
        rc = store_bind_int(st, base + 9, bad_text || bad_sd);
    if (rc == XN_OK)
        rc = store_bind_blob_ref(st, base + 20, r->raw, r->len);
    if (rc) {
        store_stmt_done(st);
        return xn_fail(err, rc, "bind", "cannot bind a syslog message (%s)", xn_err_name(rc));
    }
    return XN_OK;
}

#define ROW_PARAMS 20
#define MULTI_ROWS 16 /* rows per INSERT while a batch has that many left in one day */

/* The day table's insert statement for rows rows (the table created when missing). */
static int day_insert(store_conn *c, int day, int rows, store_stmt **st, xn_error *err)
{
    char table[TABLE_NAME_SIZE];
    if (!table_name(day, table))
        return xn_fail(err, XN_EINTERNAL, "internal", "day %d out of range", day);
    char sql[8192];
    int n = snprintf(sql, sizeof sql,
                     "INSERT INTO %s (recv_us, src_addr, src_port, proto, known, format,"
                     " parse_error, truncated, utf8_replaced, facility, severity, ts_text, ts_us,"
                     " hostname, app, procid, msgid, sd, msg, raw) VALUES ",
                     table);
    for (int r = 0; r < rows && n > 0 && (size_t)n < sizeof sql; r++) {
        for (int k = 1; k <= ROW_PARAMS && n > 0 && (size_t)n < sizeof sql; k++)
            n += snprintf(sql + n, sizeof sql - (size_t)n, "%s$%d",
                          k == 1 ? (r ? "),(" : "(") : ", ", r * ROW_PARAMS + k);
    }
    if (n > 0 && (size_t)n < sizeof sql)
        n += snprintf(sql + n, sizeof sql - (size_t)n, ")");
    if (n <= 0 || (size_t)n >= sizeof sql)
        return xn_fail(err, XN_EINTERNAL, "internal", "insert statement too long");
    return store_prepare(c, sql, st, err);
}

/* Inserts recs[0..n), all of day, MULTI_ROWS at a time and then one by one. */
static int insert_run(store_conn *c, insert_ctx *ctx, size_t from, size_t n, int day, xn_error *err)
{
    int rc = ensure_day(c, day, err);
    store_stmt *multi = NULL, *one = NULL;
    size_t i = from, end = from + n;
    while (rc == XN_OK && i < end) {
        int rows = end - i >= MULTI_ROWS ? MULTI_ROWS : 1;
        store_stmt **st = rows > 1 ? &multi : &one;
        if (!*st)
            rc = day_insert(c, day, rows, st, err);
        for (int k = 0; rc == XN_OK && k < rows; k++, i++)
            rc = bind_row(*st, k * ROW_PARAMS, ctx->w, &ctx->recs[i],
                          ctx->w->srcs[ctx->w->src_of[i]].known, err);
        if (rc == XN_OK)
            rc = store_step(*st, err);
        if (rc > 0)
            rc = XN_OK;
    }
    return rc < 0 ? rc : XN_OK;
}

static int insert_tx(store_conn *c, void *p, xn_error *err)
{
    insert_ctx *ctx = p;
    int rc = update_sources(c, ctx->w, err);
    /* Records come in receive order, so each day is one run. */
    size_t i = 0;
    while (rc == XN_OK && i < ctx->n) {
        int day = logstore_day_of(ctx->recs[i].recv_us);
        int64_t day_from = logstore_day_start(day), day_to = day_from + DAY_US;
        size_t j = i + 1;
        while (j < ctx->n && ctx->recs[j].recv_us >= day_from && ctx->recs[j].recv_us < day_to)
            j++;
        rc = insert_run(c, ctx, i, j - i, day, err);
        i = j;
    }
    return rc;
}

int logstore_insert(store *s, logstore_writer *w, const logstore_rec *recs, size_t n, xn_error *err)
{
    if (n == 0)
        return XN_OK;
    group_sources(w, recs, n);
    insert_ctx ctx = {w, recs, n};
    return store_tx(s, insert_tx, &ctx, err);
}

/* ---- sources ------------------------------------------------------------------------------- */

/* Parses a numeric address and writes it the way the receiver does (IPv4-mapped as IPv4). */
static bool normalise_address(const char *in, char out[INET6_ADDRSTRLEN])
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, in, &a4) == 1)
        return inet_ntop(AF_INET, &a4, out, INET6_ADDRSTRLEN) != NULL;
    if (inet_pton(AF_INET6, in, &a6) != 1)
        return false;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        memcpy(&a4, &a6.s6_addr[12], 4);
        return inet_ntop(AF_INET, &a4, out, INET6_ADDRSTRLEN) != NULL;
    }
    return inet_ntop(AF_INET6, &a6, out, INET6_ADDRSTRLEN) != NULL;
}

typedef struct register_ctx {
    const char *address;
    const char *name;
} register_ctx;

static int register_tx(store_conn *c, void *p, xn_error *err)
{
    register_ctx *ctx = p;
    store_stmt *st = NULL;
    int rc = store_prepare(c,
                           "INSERT INTO syslog_source (address, name, registered, registered_at,"
                           " count) VALUES ($1, $2, 1, $3, 0) ON CONFLICT (address) DO UPDATE SET"
                           " name = excluded.name, registered = 1,"
                           " registered_at = excluded.registered_at",
                           &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, ctx->address, -1);
    store_bind_text(st, 2, ctx->name, -1);
    store_bind_int(st, 3, xn_now_us());
    rc = store_step(st, err);
    return rc < 0 ? rc : XN_OK;
}

/* One line of UTF-8: no control characters at all, tab and line breaks included. */
static bool valid_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n <= max && xn_utf8_valid(s, n) && !xn_has_control(s, n) &&
           !strpbrk(s, "\t\r\n");
}

int audit_logstore_register_source(store *s, const char *address, const char *name, xn_error *err)
{
    char addr[INET6_ADDRSTRLEN];
    if (!address || !normalise_address(address, addr))
        return xn_fail_field(err, XN_EINVAL, "bad_address", "address",
                             "not a numeric IPv4 or IPv6 address");
    if (!name || !valid_text(name, SOURCE_NAME_MAX))
        return xn_fail_field(err, XN_EINVAL, "bad_name", "name",
                             "a name of 1 to %d bytes of UTF-8 without control characters",
                             SOURCE_NAME_MAX);
    register_ctx ctx = {addr, name};
    return store_tx(s, register_tx, &ctx, err);
}

/* ---- reading: the days a range covers ------------------------------------------------------ */

typedef struct day_list {
    int *days;
    size_t n;
} day_list;

/* Day tables between the days of from_us and to_us (exclusive; 0: open), newest first, none
 * after max_day. */
static int list_days(store_conn *c, int64_t from_us, int64_t to_us, int max_day, day_list *out,
                     xn_error *err)
{
    int lo = from_us > 0 ? logstore_day_of(from_us) : DAY_MIN;
    int hi = to_us > 0 ? logstore_day_of(to_us - 1) : DAY_MAX;
    if (max_day && max_day < hi)
        hi = max_day;
    out->days = NULL;
    out->n = 0;
    store_stmt *st = NULL;
    int rc = store_prepare(
        c, "SELECT day FROM syslog_day WHERE day >= $1 AND day <= $2 ORDER BY day DESC", &st, err);
    if (rc)
        return rc;
    store_bind_int(st, 1, lo);
    store_bind_int(st, 2, hi);
    size_t cap = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t d = store_col_int(st, 0);
        if (d < DAY_MIN || d > DAY_MAX)
            continue;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            out->days = xn_xrealloc(out->days, cap * sizeof *out->days);
        }
        out->days[out->n++] = (int)d;
    }
    if (rc < 0) {
        free(out->days);
        out->days = NULL;
        out->n = 0;
        return rc;
    }
    return XN_OK;
}

/* ---- search -------------------------------------------------------------------------------- */

static int check_filter(const char *v, const char *field, xn_error *err)
{
    if (v && !valid_text(v, MAX_FILTER_BYTES))
        return xn_fail_field(err, XN_EINVAL, "bad_filter", field,
                             "1 to %d bytes of UTF-8 without control characters", MAX_FILTER_BYTES);
    return XN_OK;
}

/* Cursor "YYYYMMDD-ID". */
static bool parse_cursor(const char *s, int *day, int64_t *id)
{
    const char *dash = strchr(s, '-');
    if (!dash || dash - s != 8)
        return false;
    char d[9];
    memcpy(d, s, 8);
    d[8] = '\0';
    int64_t dv = 0;
    if (xn_parse_int64(d, DAY_MIN, DAY_MAX, &dv) != XN_OK ||
        xn_parse_int64(dash + 1, 1, INT64_MAX, id) != XN_OK)
        return false;
    *day = (int)dv;
    return true;
}

/* Escapes LIKE's wildcards so the text is matched literally. */
static char *like_pattern(const char *text)
{
    size_t n = strlen(text);
    char *out = xn_xmalloc(2 * n + 3);
    size_t k = 0;
    out[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '%' || text[i] == '_' || text[i] == '\\')
            out[k++] = '\\';
        out[k++] = text[i];
    }
    out[k++] = '%';
    out[k] = '\0';
    return out;
}

static void put_text_or_null(xn_buf *b, store_stmt *st, int col)
{
    if (store_col_is_null(st, col))
        xn_buf_puts(b, "null");
    else
        xn_json_put_string(b, store_col_text(st, col));
}

static void put_int_or_null(xn_buf *b, store_stmt *st, int col)
{
    if (store_col_is_null(st, col))
        xn_buf_puts(b, "null");
    else
        xn_buf_printf(b, "%lld", (long long)store_col_int(st, col));
}

#define SEARCH_COLUMNS                                                                             \
    "id, recv_us, src_addr, src_port, proto, known, format, parse_error, truncated,"               \
    " utf8_replaced, facility, severity, ts_text, ts_us, hostname, app, procid, msgid, sd, msg,"   \
    " length(raw)"

static void put_item(xn_buf *b, int day, store_stmt *st)
{
    char when[XN_TIME_STR];
    xn_time_format(store_col_int(st, 1), when);
    xn_buf_printf(b,
                  "{\"id\":\"%08d-%lld\",\"received\":\"%s\",\"received_us\":%lld,\"source\":", day,
                  (long long)store_col_int(st, 0), when, (long long)store_col_int(st, 1));
    xn_json_put_string(b, store_col_text(st, 2));
    xn_buf_printf(b, ",\"port\":%lld,\"proto\":", (long long)store_col_int(st, 3));
    xn_json_put_string(b, store_col_text(st, 4));
    xn_buf_printf(b, ",\"known\":%s,\"format\":", store_col_int(st, 5) ? "true" : "false");
    xn_json_put_string(b, store_col_text(st, 6));
    xn_buf_printf(b, ",\"parse_error\":%s,\"truncated\":%s,\"utf8_replaced\":%s,\"facility\":",
                  store_col_int(st, 7) ? "true" : "false", store_col_int(st, 8) ? "true" : "false",
                  store_col_int(st, 9) ? "true" : "false");
    put_int_or_null(b, st, 10);
    xn_buf_puts(b, ",\"severity\":");
    put_int_or_null(b, st, 11);
    static const char *const names[] = {"timestamp", "time_us", "hostname", "app",
                                        "procid",    "msgid",   "sd",       "msg"};
    for (int i = 0; i < 8; i++) {
        xn_buf_printf(b, ",\"%s\":", names[i]);
        if (i == 1)
            put_int_or_null(b, st, 12 + i);
        else
            put_text_or_null(b, st, 12 + i);
    }
    xn_buf_printf(b, ",\"raw_len\":%lld}", (long long)store_col_int(st, 20));
}

typedef struct search_state {
    const audit_logstore_query *q;
    char *like; /* the text filter as a LIKE pattern */
    int limit;
    int written;
    bool more;
    int last_day;
    int64_t last_id;
} search_state;

/* Builds the per-day query from fixed fragments: only the table name (from a computed day) and
 * the severity numbers (from the mask's bits) are written into it; values are bound. */
static void search_sql(const search_state *ss, const char *table, char *sql, size_t size)
{
    const audit_logstore_query *q = ss->q;
    int n = snprintf(sql, size,
                     "SELECT " SEARCH_COLUMNS " FROM %s WHERE recv_us >= $1 AND recv_us < $2"
                     " AND id < $3",
                     table);
    int param = 4;
    const struct {
        const char *value;
        const char *test, *tail;
    } eq[] = {{q->source, "src_addr =", ""},
              {q->hostname, "hostname =", ""},
              {q->app, "app =", ""},
              {ss->like, "msg LIKE", " ESCAPE '\\'"}};
    for (size_t i = 0; i < sizeof eq / sizeof eq[0]; i++)
        if (eq[i].value && n > 0 && (size_t)n < size)
            n += snprintf(sql + n, size - (size_t)n, " AND %s $%d%s", eq[i].test, param++,
                          eq[i].tail);
    unsigned mask = q->severity_mask & 0xFF;
    if (mask && mask != 0xFF && n > 0 && (size_t)n < size) {
        n += snprintf(sql + n, size - (size_t)n, " AND severity IN (");
        const char *sep = "";
        for (int sv = 0; sv < 8; sv++) {
            if (!(mask & (1u << sv)) || n <= 0 || (size_t)n >= size)
                continue;
            n += snprintf(sql + n, size - (size_t)n, "%s%d", sep, sv);
            sep = ",";
        }
        if (n > 0 && (size_t)n < size)
            n += snprintf(sql + n, size - (size_t)n, ")");
    }
    if (q->parse_errors && n > 0 && (size_t)n < size)
        n += snprintf(sql + n, size - (size_t)n, " AND parse_error = %d",
                      q->parse_errors > 0 ? 1 : 0);
    if (n > 0 && (size_t)n < size)
        snprintf(sql + n, size - (size_t)n, " ORDER BY id DESC LIMIT $%d", param);
}

static int search_day(store_conn *c, search_state *ss, int day, int64_t before_id, xn_buf *out,
                      xn_error *err)
{
    const audit_logstore_query *q = ss->q;
    char table[TABLE_NAME_SIZE], sql[1024];
    if (!table_name(day, table))
        return XN_OK;
    search_sql(ss, table, sql, sizeof sql);
    store_stmt *st = NULL;
    int rc = store_prepare(c, sql, &st, err);
    if (rc)
        return rc;
    int param = 1;
    store_bind_int(st, param++, q->from_us > 0 ? q->from_us : 0);
    store_bind_int(st, param++, q->to_us > 0 ? q->to_us : INT64_MAX);
    store_bind_int(st, param++, before_id);
    const char *values[] = {q->source, q->hostname, q->app, ss->like};
    for (size_t i = 0; i < 4; i++)
        if (values[i])
            store_bind_text(st, param++, values[i], -1);
    /* One row beyond the page tells whether another page exists. */
    store_bind_int(st, param, ss->limit - ss->written + 1);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (ss->written == ss->limit || (ss->written && out->len >= SEARCH_SOFT_BYTES)) {
            ss->more = true;
            store_stmt_done(st);
            return XN_OK;
        }
        xn_buf_puts(out, ss->written ? "," : "");
        put_item(out, day, st);
        ss->written++;
        ss->last_day = day;
        ss->last_id = store_col_int(st, 0);
    }
    return rc < 0 ? rc : XN_OK;
}

int audit_logstore_search(store *s, const audit_logstore_query *q, xn_buf *out, xn_error *err)
{
    if (q->limit < 0 || q->limit > AUDIT_LOGSTORE_MAX_LIMIT)
        return xn_fail_field(err, XN_EINVAL, "bad_limit", "limit", "limit must be 1 to %d",
                             AUDIT_LOGSTORE_MAX_LIMIT);
    if (q->from_us < 0 || q->to_us < 0 || (q->to_us && q->from_us >= q->to_us))
        return xn_fail_field(err, XN_EINVAL, "bad_range", "from",
                             "the time range is empty or negative");
    int rc = check_filter(q->source, "source", err);
    if (rc == XN_OK)
        rc = check_filter(q->hostname, "hostname", err);
    if (rc == XN_OK)
        rc = check_filter(q->app, "app", err);
    if (rc == XN_OK)
        rc = check_filter(q->text, "text", err);
    if (rc)
        return rc;
    int after_day = 0;
    int64_t after_id = 0;
    if (q->after && !parse_cursor(q->after, &after_day, &after_id))
        return xn_fail_field(err, XN_EINVAL, "bad_cursor", "after", "not a cursor of this search");

    search_state ss = {.q = q, .limit = q->limit ? q->limit : DEFAULT_PAGE_LIMIT};
    ss.like = q->text ? like_pattern(q->text) : NULL;
    store_conn *c = NULL;
    day_list days = {0};
    rc = store_acquire(s, &c, err);
    if (rc == XN_OK)
        rc = list_days(c, q->from_us, q->to_us, after_day, &days, err);
    if (rc == XN_OK)
        rc = xn_buf_puts(out, "{\"items\":[");
    for (size_t i = 0; rc == XN_OK && i < days.n && !ss.more; i++) {
        int64_t before = days.days[i] == after_day ? after_id : INT64_MAX;
        rc = search_day(c, &ss, days.days[i], before, out, err);
    }
    if (rc == XN_OK && ss.more)
        rc = xn_buf_printf(out, "],\"next\":\"%08d-%lld\"}", ss.last_day, (long long)ss.last_id);
    else if (rc == XN_OK)
        rc = xn_buf_puts(out, "],\"next\":null}");
    if (rc == XN_ETOOBIG || rc == XN_ENOMEM)
        xn_fail(err, rc, "too_large", "the search result does not fit; lower the limit");
    store_release(c);
    free(days.days);
    free(ss.like);
    return rc;
}

/* ---- statistics ---------------------------------------------------------------------------- */

/* Adds n to the count under key (NULL: the "null" key) in a jansson object used as a map. */
static void count_add(json_t *map, const char *key, int64_t n)
{
    json_t *v = json_object_get(map, key);
    json_int_t prev = v ? json_integer_value(v) : 0;
    json_object_set_new(map, key, json_integer(prev + n));
}

typedef struct pair {
    const char *key;
    int64_t count;
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* The map's entries, most frequent first, at most STATS_TOP. The "\x01" key means NULL. */
static size_t top_entries(json_t *map, pair **out)
{
    size_t n = json_object_size(map), k = 0;
    pair *ps = xn_xcalloc(n ? n : 1, sizeof *ps);
    const char *key;
    json_t *v;
    json_object_foreach(map, key, v)
    {
        ps[k].key = key;
        ps[k].count = json_integer_value(v);
        k++;
    }
    qsort(ps, k, sizeof *ps, cmp_pair);
    *out = ps;
    return k < STATS_TOP ? k : STATS_TOP;
}

#define NULL_KEY "\x01"

static int group_count(store_conn *c, const char *table, const char *expr, int64_t from_us,
                       int64_t to_us, json_t *map, xn_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s, count(*) FROM %s WHERE recv_us >= $1 AND recv_us < $2 GROUP BY 1", expr,
             table);
    store_stmt *st = NULL;
    int rc = store_prepare(c, sql, &st, err);
    if (rc)
        return rc;
    store_bind_int(st, 1, from_us);
    store_bind_int(st, 2, to_us);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *key = store_col_is_null(st, 0) ? NULL_KEY : store_col_text(st, 0);
        count_add(map, key, store_col_int(st, 1));
    }
    return rc < 0 ? rc : XN_OK;
}

static void put_key(xn_buf *b, const char *key)
{
    if (strcmp(key, NULL_KEY) == 0)
        xn_buf_puts(b, "null");
    else
        xn_json_put_string(b, key);
}

static int put_sources(store_conn *c, xn_buf *b, json_t *map, xn_error *err)
{
    pair *ps = NULL;
    size_t n = top_entries(map, &ps);
    int rc = xn_buf_puts(b, ",\"by_source\":[");
    for (size_t i = 0; rc == XN_OK && i < n; i++) {
        store_stmt *st = NULL;
        rc = store_prepare(c, "SELECT name, registered FROM syslog_source WHERE address = $1", &st,
                           err);
        if (rc)
            break;
        store_bind_text(st, 1, ps[i].key, -1);
        rc = store_step(st, err);
        if (rc < 0)
            break;
        xn_buf_printf(b, "%s{\"source\":", i ? "," : "");
        xn_json_put_string(b, ps[i].key);
        xn_buf_puts(b, ",\"name\":");
        bool registered = false;
        if (rc == STORE_ROW) {
            put_text_or_null(b, st, 0);
            registered = store_col_int(st, 1) != 0;
            store_stmt_done(st);
        } else {
            xn_buf_puts(b, "null");
        }
        rc = xn_buf_printf(b, ",\"registered\":%s,\"count\":%lld}", registered ? "true" : "false",
                           (long long)ps[i].count);
    }
    free(ps);
    return rc < 0 ? rc : xn_buf_puts(b, "]");
}

static int put_counts(xn_buf *b, const char *name, const char *key_name, json_t *map)
{
    pair *ps = NULL;
    size_t n = top_entries(map, &ps);
    int rc = xn_buf_printf(b, ",\"%s\":[", name);
    for (size_t i = 0; rc == XN_OK && i < n; i++) {
        xn_buf_printf(b, "%s{\"%s\":", i ? "," : "", key_name);
        put_key(b, ps[i].key);
        rc = xn_buf_printf(b, ",\"count\":%lld}", (long long)ps[i].count);
    }
    free(ps);
    return rc ? rc : xn_buf_puts(b, "]");
}

/* Severity keys are "0".."7" (or null); shown as numbers in severity order. */
static int put_severities(xn_buf *b, json_t *map)
{
    int rc = xn_buf_puts(b, ",\"by_severity\":[");
    bool first = true;
    for (int sv = 0; sv <= 8 && rc == XN_OK; sv++) {
        char key[2] = {(char)('0' + sv), '\0'};
        json_t *v = json_object_get(map, sv < 8 ? key : NULL_KEY);
        if (!v)
            continue;
        if (sv < 8)
            rc = xn_buf_printf(b, "%s{\"severity\":%d,\"count\":%lld}", first ? "" : ",", sv,
                               (long long)json_integer_value(v));
        else
            rc = xn_buf_printf(b, "%s{\"severity\":null,\"count\":%lld}", first ? "" : ",",
                               (long long)json_integer_value(v));
        first = false;
    }
    return rc ? rc : xn_buf_puts(b, "]");
}

/* Time buckets: map keys are the bucket's start in µs as text; written oldest first. */
static int put_times(xn_buf *b, json_t *map)
{
    size_t n = json_object_size(map), k = 0;
    int64_t(*rows)[2] = xn_xcalloc(n ? n : 1, sizeof *rows);
    const char *key;
    json_t *v;
    json_object_foreach(map, key, v)
    {
        int64_t start = 0;
        if (xn_parse_int64(key, INT64_MIN, INT64_MAX, &start) != XN_OK)
            continue;
        rows[k][0] = start;
        rows[k][1] = json_integer_value(v);
        k++;
    }
    /* Few buckets (hours or days of a range): insertion sort keeps this short. */
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && rows[j - 1][0] > rows[j][0]; j--) {
            int64_t t0 = rows[j][0], t1 = rows[j][1];
            rows[j][0] = rows[j - 1][0];
            rows[j][1] = rows[j - 1][1];
            rows[j - 1][0] = t0;
            rows[j - 1][1] = t1;
        }
    int rc = xn_buf_puts(b, ",\"by_time\":[");
    for (size_t i = 0; rc == XN_OK && i < k; i++) {
        char when[XN_TIME_STR];
        xn_time_format(rows[i][0], when);
        rc = xn_buf_printf(b, "%s{\"start\":\"%s\",\"start_us\":%lld,\"count\":%lld}", i ? "," : "",
                           when, (long long)rows[i][0], (long long)rows[i][1]);
    }
    free(rows);
    return rc ? rc : xn_buf_puts(b, "]");
}

int audit_logstore_stats(store *s, int64_t from_us, int64_t to_us, bool by_day, xn_buf *out,
                         xn_error *err)
{
    if (from_us < 0 || to_us < 0 || (to_us && from_us >= to_us))
        return xn_fail_field(err, XN_EINVAL, "bad_range", "from",
                             "the time range is empty or negative");
    int64_t lo = from_us, hi = to_us ? to_us : INT64_MAX;
    json_t *sources = json_object(), *severities = json_object(), *apps = json_object(),
           *times = json_object();
    store_conn *c = NULL;
    day_list days = {0};
    int64_t total = 0;
    int rc = store_acquire(s, &c, err);
    if (rc == XN_OK)
        rc = list_days(c, from_us, to_us, 0, &days, err);
    for (size_t i = 0; rc == XN_OK && i < days.n; i++) {
        char table[TABLE_NAME_SIZE];
        if (!table_name(days.days[i], table))
            continue;
        json_t *hours = json_object();
        rc = group_count(c, table, "src_addr", lo, hi, sources, err);
        if (rc == XN_OK)
            rc = group_count(c, table, "severity", lo, hi, severities, err);
        if (rc == XN_OK)
            rc = group_count(c, table, "app", lo, hi, apps, err);
        if (rc == XN_OK)
            rc = group_count(c, table, "recv_us / 3600000000", lo, hi, hours, err);
        const char *key;
        json_t *v;
        int64_t day_total = 0;
        json_object_foreach(hours, key, v)
        {
            int64_t hour = 0;
            if (xn_parse_int64(key, 0, INT64_MAX / 3600000000LL, &hour) != XN_OK)
                continue;
            char bucket[24];
            int64_t start = by_day ? logstore_day_start(days.days[i]) : hour * 3600000000LL;
            snprintf(bucket, sizeof bucket, "%lld", (long long)start);
            count_add(times, bucket, json_integer_value(v));
            day_total += json_integer_value(v);
        }
        total += day_total;
        json_decref(hours);
    }
    if (rc == XN_OK)
        rc = xn_buf_printf(out, "{\"total\":%lld", (long long)total);
    if (rc == XN_OK)
        rc = put_sources(c, out, sources, err);
    if (rc == XN_OK)
        rc = put_severities(out, severities);
    if (rc == XN_OK)
        rc = put_counts(out, "by_app", "app", apps);
    if (rc == XN_OK)
        rc = put_times(out, times);
    if (rc == XN_OK)
        rc = xn_buf_puts(out, "}");
    if (rc == XN_ETOOBIG || rc == XN_ENOMEM)
        xn_fail(err, rc, "too_large", "the statistics do not fit in the output buffer");
    store_release(c);
    free(days.days);
    json_decref(sources);
    json_decref(severities);
    json_decref(apps);
    json_decref(times);
    return rc;
}

/* ---- one raw message ------------------------------------------------------------------------ */

int audit_logstore_raw(store *s, const char *id, xn_buf *out, xn_error *err)
{
    int day = 0;
    int64_t row = 0;
    char table[TABLE_NAME_SIZE], sql[128];
    if (!id || !parse_cursor(id, &day, &row) || !table_name(day, table))
        return xn_fail_field(err, XN_EINVAL, "bad_id", "id", "not a log message id");
    store_conn *c = NULL;
    store_stmt *st = NULL;
    int rc = store_acquire(s, &c, err);
    if (rc)
        return rc;
    /* The day must be listed: a table name is never built for a day the store does not have. */
    rc = store_prepare(c, "SELECT count(*) FROM syslog_day WHERE day = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, day);
        rc = store_step(st, err);
        int64_t listed = rc == STORE_ROW ? store_col_int(st, 0) : 0;
        if (rc == STORE_ROW)
            store_stmt_done(st);
        rc = rc < 0   ? rc
             : listed ? XN_OK
                      : xn_fail_field(err, XN_ENOTFOUND, "not_found", "id", "no such log message");
    }
    if (rc == XN_OK) {
        snprintf(sql, sizeof sql, "SELECT raw FROM %s WHERE id = $1", table);
        rc = store_prepare(c, sql, &st, err);
    }
    if (rc == XN_OK) {
        store_bind_int(st, 1, row);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            rc = xn_buf_append(out, store_col_blob(st, 0), store_col_bytes(st, 0));
            store_stmt_done(st);
            if (rc != XN_OK)
                rc = xn_fail(err, rc, "too_large", "the message does not fit");
        } else if (rc == STORE_DONE) {
            rc = xn_fail_field(err, XN_ENOTFOUND, "not_found", "id", "no such log message");
        }
    }
    store_release(c);
    return rc;
}

/* ---- retention ----------------------------------------------------------------------------- */

typedef struct drop_ctx {
    audit_trail *trail;
    int day;
    int64_t retention_days;
} drop_ctx;

/* Drops one day with its log.purge record (AUD-1: no change without its record). */
static int drop_tx(store_conn *c, void *p, xn_error *err)
{
    drop_ctx *ctx = p;
    char table[TABLE_NAME_SIZE], sql[128];
    if (!table_name(ctx->day, table))
        return xn_fail(err, XN_EINTERNAL, "internal", "day %d out of range", ctx->day);
    int64_t messages = 0;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    int rc = store_query_int(c, sql, &messages, err);
    if (rc == XN_OK) {
        snprintf(sql, sizeof sql, "DROP TABLE %s", table);
        rc = store_exec(c, sql, err);
    }
    store_stmt *st = NULL;
    if (rc == XN_OK)
        rc = store_prepare(c, "DELETE FROM syslog_day WHERE day = $1", &st, err);
    if (rc)
        return rc;
    store_bind_int(st, 1, ctx->day);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    char id[16], detail[160];
    snprintf(id, sizeof id, "%08d", ctx->day);
    snprintf(detail, sizeof detail,
             "{\"day\":\"%04d-%02d-%02d\",\"messages\":%lld,\"retention_days\":%lld}",
             ctx->day / 10000, ctx->day / 100 % 100, ctx->day % 100, (long long)messages,
             (long long)ctx->retention_days);
    audit_event ev = {.action = "log.purge",
                      .actor = &audit_system_actor,
                      .object_type = "log_day",
                      .object_id = id,
                      .result = AUDIT_OK,
                      .detail_json = detail};
    return audit_append(ctx->trail, c, &ev, err);
}

int audit_logstore_purge(store *s, audit_trail *trail, const xn_config *cfg, int64_t now_us,
                         int *dropped_days, xn_error *err)
{
    if (dropped_days)
        *dropped_days = 0;
    if (cfg->syslog_retention_days < 60)
        return xn_fail(err, XN_EINTERNAL, "internal", "syslog retention below 60 days");
    if (!trail)
        return xn_fail(err, XN_EINTERNAL, "internal", "a log purge is recorded in the trail");
    /* A day is dropped when it ended no later than the cutoff: every day before the cutoff's
     * own day. The cutoff's day still holds messages younger than the retention. */
    int64_t cutoff = now_us - cfg->syslog_retention_days * DAY_US;
    if (cutoff <= 0)
        return XN_OK;
    int cutoff_day = logstore_day_of(cutoff);
    store_conn *c = NULL;
    day_list days = {0};
    int rc = store_acquire(s, &c, err);
    if (rc)
        return rc;
    rc = list_days(c, 0, 0, 0, &days, err);
    store_release(c);
    for (size_t i = 0; rc == XN_OK && i < days.n; i++) {
        if (days.days[i] >= cutoff_day)
            continue;
        drop_ctx ctx = {
            .trail = trail, .day = days.days[i], .retention_days = cfg->syslog_retention_days};
        rc = store_tx(s, drop_tx, &ctx, err);
        if (rc == XN_OK && dropped_days)
            (*dropped_days)++;
    }
    free(days.days);
    return rc;
}
