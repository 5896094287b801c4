/*
 * The working-day calendar's years: shipped in the binary, imported into the database, and the
 * live calendar read by requests under a read-write lock (see calendar.h).
 */
#include "calendar/calendar.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct calendar_live {
    store *db;
    audit_trail *audit;
    const calendar_builtin *builtin;
    pthread_rwlock_t lock; /* guards cal */
    pthread_mutex_t admin; /* one import at a time */
    xn_calendar *cal;
};

/* ---- loading ------------------------------------------------------------------------------ */

static int load_stored(xn_calendar *c, store *db, xn_error *err)
{
    store_conn *conn = NULL;
    store_stmt *st;
    int rc = store_acquire(db, &conn, err);
    if (rc == XN_OK)
        rc = store_prepare(conn, "SELECT year, source FROM calendar_year ORDER BY year", &st, err);
    while (rc == XN_OK) {
        rc = store_step(st, err);
        if (rc != STORE_ROW)
            break;
        size_t len;
        const char *text = store_col_text_len(st, 1, &len);
        int year = (int)store_col_int(st, 0);
        xn_cal_year *y = NULL;
        xn_error why;
        rc = xn_cal_year_parse(text, len, year, &y, NULL, &why);
        if (rc != XN_OK) {
            store_stmt_done(st);
            rc = xn_fail(err, XN_EINTERNAL, "bad_stored_calendar",
                         "the stored calendar of %d does not parse: %.180s", year, why.message);
            break;
        }
        y->imported = true;
        xn_calendar_put(c, y);
    }
    if (conn)
        store_release(conn);
    return rc < 0 ? rc : XN_OK;
}

int calendar_load(xn_calendar *c, const calendar_builtin *builtin, store *db, xn_error *err)
{
    for (const calendar_builtin *b = builtin; b && b->year; b++) {
        xn_cal_year *y = NULL;
        xn_error why;
        if (xn_cal_year_parse(b->text, b->len, b->year, &y, NULL, &why) != XN_OK)
            return xn_fail(err, XN_EINTERNAL, "bad_shipped_calendar",
                           "data/calendar/%d.txt does not parse: %.180s", b->year, why.message);
        xn_calendar_put(c, y);
    }
    return db ? load_stored(c, db, err) : XN_OK;
}

int calendar_live_open(calendar_live **out, store *db, audit_trail *audit,
                       const calendar_builtin *builtin, xn_error *err)
{
    calendar_live *l = xn_xcalloc(1, sizeof *l);
    l->db = db;
    l->audit = audit;
    l->builtin = builtin;
    l->cal = xn_calendar_new();
    pthread_rwlock_init(&l->lock, NULL);
    pthread_mutex_init(&l->admin, NULL);
    int rc = calendar_load(l->cal, builtin, db, err);
    if (rc != XN_OK) {
        calendar_live_free(l);
        return rc;
    }
    *out = l;
    return XN_OK;
}

void calendar_live_free(calendar_live *l)
{
    if (!l)
        return;
    xn_calendar_free(l->cal);
    pthread_rwlock_destroy(&l->lock);
    pthread_mutex_destroy(&l->admin);
    free(l);
}

static bool shipped(const calendar_live *l, int year)
{
    for (const calendar_builtin *b = l->builtin; b && b->year; b++)
        if (b->year == year)
            return true;
    return false;
}

/* ---- questions ------------------------------------------------------------------------------ */

bool calendar_is_workday(calendar_live *l, int32_t day, bool *estimated)
{
    pthread_rwlock_rdlock(&l->lock);
    bool w = xn_calendar_is_workday(l->cal, day, estimated, NULL);
    pthread_rwlock_unlock(&l->lock);
    return w;
}

int calendar_add_workdays(calendar_live *l, int32_t from, int64_t n, int32_t *out, bool *estimated,
                          xn_error *err)
{
    pthread_rwlock_rdlock(&l->lock);
    int rc = xn_calendar_add_workdays(l->cal, from, n, out, estimated, err);
    pthread_rwlock_unlock(&l->lock);
    return rc;
}

/* ---- import -------------------------------------------------------------------------------- */

typedef struct import_ctx {
    calendar_live *l;
    const xn_cal_year *y;
    const char *text;
    size_t len;
    const audit_actor *actor;
    calendar_result *res;
} import_ctx;

static int import_tx(store_conn *tx, void *vctx, xn_error *err)
{
    import_ctx *c = vctx;
    store_stmt *st;
    int64_t had = 0;
    char year[16];
    snprintf(year, sizeof year, "%d", c->y->year);
    int rc = store_prepare(tx, "SELECT count(*) FROM calendar_year WHERE year = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, c->y->year);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    had = rc == STORE_ROW ? store_col_int(st, 0) : 0;
    store_stmt_done(st);
    rc = store_prepare(tx,
                       "INSERT INTO calendar_year (year, source, notice, holidays, workdays,"
                       " imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                       " ON CONFLICT (year) DO UPDATE SET source = excluded.source,"
                       " notice = excluded.notice, holidays = excluded.holidays,"
                       " workdays = excluded.workdays, imported_at = excluded.imported_at,"
                       " imported_by = excluded.imported_by",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, c->y->year);
    store_bind_text_ref(st, 2, c->text, c->len);
    store_bind_text(st, 3, c->y->notice, -1);
    store_bind_int(st, 4, (int64_t)c->res->holidays);
    store_bind_int(st, 5, (int64_t)c->res->workdays);
    store_bind_int(st, 6, xn_now_us());
    store_bind_text(st, 7, c->actor->name, -1);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    c->res->replaced = had > 0 || shipped(c->l, c->y->year);
    /* AUD-1: the change and its record in one transaction */
    json_t *detail = json_pack("{s:i, s:s, s:I, s:I, s:I, s:b, s:b}", "year", c->y->year, "notice",
                               c->y->notice, "holidays", (json_int_t)c->res->holidays, "workdays",
                               (json_int_t)c->res->workdays, "bytes", (json_int_t)c->len,
                               "replaced_import", had > 0, "shipped", shipped(c->l, c->y->year));
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    audit_event ev = {.action = "calendar.import",
                      .actor = c->actor,
                      .object_type = "calendar_year",
                      .object_id = year,
                      .result = AUDIT_OK,
                      .detail_json = text};
    rc = audit_append(c->l->audit, tx, &ev, err);
    free(text);
    return rc;
}

int calendar_import(calendar_live *l, int year, const char *text, size_t len,
                    const audit_actor *actor, calendar_result *res, xn_cal_refusal *bad,
                    xn_error *err)
{
    xn_cal_year *y = NULL;
    calendar_result local = {0};
    if (!res)
        res = &local;
    *res = (calendar_result){0};
    if (year < XN_DATE_MIN_YEAR || year > XN_DATE_MAX_YEAR)
        return xn_fail_field(err, XN_EINVAL, "bad_year", "year", "年份须在 %d 至 %d 之间",
                             XN_DATE_MIN_YEAR, XN_DATE_MAX_YEAR);
    int rc = xn_cal_year_parse(text, text ? len : 0, year, &y, bad, err);
    if (rc != XN_OK)
        return rc;
    y->imported = true;
    for (size_t i = 0; i < y->n; i++) {
        if (y->days[i].kind == XN_DAY_HOLIDAY)
            res->holidays++;
        else
            res->workdays++;
    }
    import_ctx c = {.l = l, .y = y, .text = text, .len = len, .actor = actor, .res = res};
    pthread_mutex_lock(&l->admin);
    rc = store_tx(l->db, import_tx, &c, err);
    if (rc == XN_OK) {
        /* committed: deadlines from now on count with the new year */
        pthread_rwlock_wrlock(&l->lock);
        xn_calendar_put(l->cal, y);
        pthread_rwlock_unlock(&l->lock);
        y = NULL;
    }
    pthread_mutex_unlock(&l->admin);
    xn_cal_year_free(y);
    return rc;
}

/* ---- answers ------------------------------------------------------------------------------- */

static const char *kind_name(xn_day_kind k)
{
    return k == XN_DAY_HOLIDAY ? "holiday" : k == XN_DAY_WORKDAY ? "workday" : "ordinary";
}

/* imported_at and imported_by of a stored year into o (nothing when not stored). */
static int stored_meta(calendar_live *l, int year, json_t *o, xn_error *err)
{
    store_conn *conn = NULL;
    store_stmt *st;
    int rc = store_acquire(l->db, &conn, err);
    if (rc == XN_OK)
        rc = store_prepare(
            conn, "SELECT imported_at, imported_by FROM calendar_year WHERE year = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, year);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            char when[XN_TIME_STR];
            int64_t at = store_col_int(st, 0);
            xn_time_format(at, when);
            json_object_set_new(o, "imported_at", json_integer(at));
            json_object_set_new(o, "imported_at_text", json_string(when));
            json_object_set_new(o, "imported_by", json_string(store_col_text(st, 1)));
            store_stmt_done(st);
        }
    }
    if (conn)
        store_release(conn);
    return rc < 0 ? rc : XN_OK;
}

int calendar_year_json(calendar_live *l, int year, json_t **out, xn_error *err)
{
    if (year < XN_DATE_MIN_YEAR || year > XN_DATE_MAX_YEAR)
        return xn_fail_field(err, XN_EINVAL, "bad_year", "year", "年份须在 %d 至 %d 之间",
                             XN_DATE_MIN_YEAR, XN_DATE_MAX_YEAR);
    json_t *o = json_object();
    json_t *days = json_array();
    bool imported = false;
    size_t holidays = 0, workdays = 0;
    json_object_set_new(o, "year", json_integer(year));
    pthread_rwlock_rdlock(&l->lock);
    const xn_cal_year *y = xn_calendar_year(l->cal, year);
    if (y) {
        imported = y->imported;
        json_object_set_new(o, "notice", json_string(y->notice));
        for (size_t i = 0; i < y->n; i++) {
            char date[XN_DATE_STR];
            xn_date_format(y->days[i].day, date);
            json_array_append_new(days,
                                  json_pack("{s:s, s:s, s:s, s:i}", "date", date, "kind",
                                            kind_name(y->days[i].kind), "name", y->days[i].name,
                                            "weekday", xn_date_weekday(y->days[i].day)));
            if (y->days[i].kind == XN_DAY_HOLIDAY)
                holidays++;
            else
                workdays++;
        }
    } else {
        json_object_set_new(o, "notice", json_null());
    }
    pthread_rwlock_unlock(&l->lock);
    json_object_set_new(o, "data", json_boolean(y != NULL));
    json_object_set_new(o, "estimated", json_boolean(y == NULL));
    json_object_set_new(o, "source",
                        y == NULL  ? json_null()
                        : imported ? json_string(CALENDAR_IMPORTED)
                                   : json_string(CALENDAR_SHIPPED));
    json_object_set_new(o, "shipped", json_boolean(shipped(l, year)));
    json_object_set_new(o, "holidays", json_integer((json_int_t)holidays));
    json_object_set_new(o, "workdays", json_integer((json_int_t)workdays));
    json_object_set_new(o, "days", days);
    int rc = imported ? stored_meta(l, year, o, err) : XN_OK;
    if (rc != XN_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return XN_OK;
}

json_t *calendar_status_json(calendar_live *l, int64_t now_us)
{
    int32_t today = xn_date_of(now_us);
    int y, m, d;
    xn_date_ymd(today, &y, &m, &d);
    char date[XN_DATE_STR];
    xn_date_format(today, date);
    json_t *years = json_array();
    pthread_rwlock_rdlock(&l->lock);
    int list[64];
    size_t n = xn_calendar_years(l->cal, list, 64);
    for (size_t i = 0; i < n && i < 64; i++) {
        const xn_cal_year *cy = xn_calendar_year(l->cal, list[i]);
        json_array_append_new(years, json_pack("{s:i, s:s, s:s}", "year", cy->year, "source",
                                               cy->imported ? CALENDAR_IMPORTED : CALENDAR_SHIPPED,
                                               "notice", cy->notice));
    }
    bool current_missing = xn_calendar_year(l->cal, y) == NULL;
    bool next_missing = y < XN_DATE_MAX_YEAR && xn_calendar_year(l->cal, y + 1) == NULL;
    pthread_rwlock_unlock(&l->lock);
    char warning[256] = "";
    if (current_missing)
        snprintf(warning, sizeof warning,
                 "尚未导入 %d 年的节假日安排，本年的工作日期限按周一至周五估算；请安全管理员导入"
                 "国务院办公厅的放假通知。",
                 y);
    else if (next_missing && m >= 11)
        snprintf(warning, sizeof warning,
                 "尚未导入 %d 年的节假日安排，跨入该年的工作日期限按周一至周五估算；国务院办公厅"
                 "通知发布后，请安全管理员导入。",
                 y + 1);
    return json_pack("{s:s, s:o, s:i, s:b, s:i, s:b, s:o}", "today", date, "years", years,
                     "current_year", y, "current_missing", current_missing, "next_year", y + 1,
                     "next_missing", next_missing, "warning",
                     warning[0] ? json_string(warning) : json_null());
}

json_t *calendar_refusal_json(const xn_cal_refusal *bad)
{
    json_t *list = json_array();
    for (size_t i = 0; i < bad->n; i++)
        json_array_append_new(list, json_pack("{s:I, s:s, s:s}", "line",
                                              (json_int_t)bad->lines[i].line, "code",
                                              bad->lines[i].code, "reason", bad->lines[i].reason));
    return json_pack("{s:o, s:I}", "lines", list, "more", (json_int_t)(bad->total - bad->n));
}
