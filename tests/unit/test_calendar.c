/* Unit tests of the working-day calendar (OBL): date arithmetic, the shipped 2025 and 2026
 * years checked day by day against the State Council's notices (国办发明电〔2024〕12号,
 * 国办发明电〔2025〕7号), deadlines in working days with the estimated flag, the strict year-file
 * parser, and the calendar room's import (stored, audited, nothing stored when refused). */
#include "xn_test.h"

#include "calendar/calendar.h"

#include <string.h>

static int32_t D(const char *s)
{
    int32_t day = 0;
    assert_true(xn_date_parse(s, strlen(s), &day));
    return day;
}

static xn_calendar *shipped_calendar(void)
{
    xn_calendar *c = xn_calendar_new();
    xn_error err;
    assert_int_equal(calendar_load(c, calendar_builtins, NULL, &err), XN_OK);
    return c;
}

static void dates_round_trip_and_impossible_ones_are_refused(void **state)
{
    (void)state;
    char out[XN_DATE_STR];
    int32_t day;
    assert_int_equal(D("1970-01-01"), 0);
    assert_int_equal(xn_date_weekday(0), 4); /* a Thursday */
    for (int32_t d = 0; d <= D("9999-12-31"); d += 997) {
        int y, m, dd;
        int32_t back;
        xn_date_ymd(d, &y, &m, &dd);
        assert_true(xn_date_from_ymd(y, m, dd, &back));
        assert_int_equal(back, d);
    }
    xn_date_format(D("2024-02-29"), out);
    assert_string_equal(out, "2024-02-29");
    xn_date_format(D("9999-12-31"), out);
    assert_string_equal(out, "9999-12-31");
    const char *bad[] = {"2025-02-29",  "2025-02-30", "2025-13-01", "2025-00-10",
                         "2025-04-31",  "1900-02-29", "1969-12-31", "2025-1-05",
                         "2025-01-05x", "2025/01/05", "",           "２０２５-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(xn_date_parse(bad[i], strlen(bad[i]), &day));
    assert_true(xn_date_parse("2000-02-29", 10, &day));
    /* the Shanghai date of an instant: 2025-01-25T16:00Z is already the 26th in Beijing */
    int64_t us;
    assert_int_equal(xn_time_parse("2025-01-25T16:00:00Z", &us), XN_OK);
    assert_int_equal(xn_date_of(us), D("2025-01-26"));
    assert_int_equal(xn_date_of(us - 1), D("2025-01-25"));
}

/* The weekdays the notices print beside their dates (周日 = 0 … 周六 = 6). */
static void the_notices_weekdays_match(void **state)
{
    (void)state;
    static const struct {
        const char *date;
        int weekday;
    } t[] = {
        /* 2025 */
        {"2025-01-01", 3},
        {"2025-01-28", 2},
        {"2025-02-04", 2},
        {"2025-01-26", 0},
        {"2025-02-08", 6},
        {"2025-04-04", 5},
        {"2025-04-06", 0},
        {"2025-05-01", 4},
        {"2025-05-05", 1},
        {"2025-04-27", 0},
        {"2025-05-31", 6},
        {"2025-06-02", 1},
        {"2025-10-01", 3},
        {"2025-10-08", 3},
        {"2025-09-28", 0},
        {"2025-10-11", 6},
        /* 2026 */
        {"2026-01-01", 4},
        {"2026-01-03", 6},
        {"2026-01-04", 0},
        {"2026-02-15", 0},
        {"2026-02-23", 1},
        {"2026-02-14", 6},
        {"2026-02-28", 6},
        {"2026-04-04", 6},
        {"2026-04-06", 1},
        {"2026-05-01", 5},
        {"2026-05-05", 2},
        {"2026-05-09", 6},
        {"2026-06-19", 5},
        {"2026-06-21", 0},
        {"2026-09-25", 5},
        {"2026-09-27", 0},
        {"2026-10-01", 4},
        {"2026-10-07", 3},
        {"2026-09-20", 0},
        {"2026-10-10", 6},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(xn_date_weekday(D(t[i].date)), t[i].weekday);
}

static void the_shipped_years_cite_their_notices_and_count_right(void **state)
{
    (void)state;
    xn_calendar *c = shipped_calendar();
    int years[8];
    assert_int_equal(xn_calendar_years(c, years, 8), 2);
    assert_int_equal(years[0], 2025);
    assert_int_equal(years[1], 2026);
    const xn_cal_year *y25 = xn_calendar_year(c, 2025), *y26 = xn_calendar_year(c, 2026);
    assert_non_null(strstr(y25->notice, "国办发明电〔2024〕12号"));
    assert_non_null(strstr(y26->notice, "国办发明电〔2025〕7号"));
    size_t h = 0, w = 0;
    for (size_t i = 0; i < y25->n; i++)
        y25->days[i].kind == XN_DAY_HOLIDAY ? h++ : w++;
    /* 元旦 1 + 春节 8 + 清明 3 + 劳动节 5 + 端午 3 + 国庆中秋 8; 5 adjusted working days */
    assert_int_equal(h, 28);
    assert_int_equal(w, 5);
    h = w = 0;
    for (size_t i = 0; i < y26->n; i++)
        y26->days[i].kind == XN_DAY_HOLIDAY ? h++ : w++;
    /* 元旦 3 + 春节 9 + 清明 3 + 劳动节 5 + 端午 3 + 中秋 3 + 国庆 7; 6 adjusted working days */
    assert_int_equal(h, 33);
    assert_int_equal(w, 6);
    assert_null(xn_calendar_year(c, 2027));
    xn_calendar_free(c);
}

/* Every date range of the notices, day by day: off inside, the adjusted days worked. */
static void known_2025_and_2026_days(void **state)
{
    (void)state;
    static const struct {
        const char *first, *last, *name;
    } off[] = {
        {"2025-01-01", "2025-01-01", "元旦"},   {"2025-01-28", "2025-02-04", "春节"},
        {"2025-04-04", "2025-04-06", "清明节"}, {"2025-05-01", "2025-05-05", "劳动节"},
        {"2025-05-31", "2025-06-02", "端午节"}, {"2025-10-01", "2025-10-08", "国庆节、中秋节"},
        {"2026-01-01", "2026-01-03", "元旦"},   {"2026-02-15", "2026-02-23", "春节"},
        {"2026-04-04", "2026-04-06", "清明节"}, {"2026-05-01", "2026-05-05", "劳动节"},
        {"2026-06-19", "2026-06-21", "端午节"}, {"2026-09-25", "2026-09-27", "中秋节"},
        {"2026-10-01", "2026-10-07", "国庆节"},
    };
    static const char *const worked[] = {
        "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11", "2026-01-04",
        "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    };
    xn_calendar *c = shipped_calendar();
    bool est = true;
    const xn_cal_day *e;
    size_t listed = 0;
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
        for (int32_t d = D(off[i].first); d <= D(off[i].last); d++) {
            assert_false(xn_calendar_is_workday(c, d, &est, &e));
            assert_false(est);
            assert_non_null(e);
            assert_string_equal(e->name, off[i].name);
            listed++;
        }
    assert_int_equal(listed, 28 + 33);
    for (size_t i = 0; i < sizeof worked / sizeof worked[0]; i++) {
        assert_true(xn_calendar_is_workday(c, D(worked[i]), &est, &e));
        assert_false(est);
        assert_int_equal(e->kind, XN_DAY_WORKDAY);
        assert_int_equal(xn_date_weekday(D(worked[i])) % 6, 0); /* a Saturday or Sunday */
    }
    /* ordinary days: a weekday works, a weekend rests */
    assert_true(xn_calendar_is_workday(c, D("2025-10-09"), &est, &e));
    assert_null(e);
    assert_false(xn_calendar_is_workday(c, D("2025-10-12"), &est, &e)); /* Sunday */
    assert_false(xn_calendar_is_workday(c, D("2025-01-25"), &est, &e)); /* Saturday */
    assert_true(xn_calendar_is_workday(c, D("2026-12-31"), &est, NULL));
    assert_false(est);
    /* a year with no data: Monday to Friday, estimated */
    assert_true(xn_calendar_is_workday(c, D("2027-01-01"), &est, &e));
    assert_true(est);
    assert_false(xn_calendar_is_workday(c, D("2027-01-02"), &est, NULL));
    assert_true(est);
    xn_calendar_free(c);
}

static void add(const xn_calendar *c, const char *from, int64_t n, const char *want, bool want_est)
{
    int32_t to;
    bool est = !want_est;
    char out[XN_DATE_STR];
    xn_error err;
    assert_int_equal(xn_calendar_add_workdays(c, D(from), n, &to, &est, &err), XN_OK);
    xn_date_format(to, out);
    assert_string_equal(out, want);
    assert_int_equal(est, want_est);
}

static void deadlines_count_working_days(void **state)
{
    (void)state;
    xn_calendar *c = shipped_calendar();
    /* Friday 26 September 2025: 28 Sep (Sunday, worked), 29, 30, then 9 and 10 October */
    add(c, "2025-09-26", 5, "2025-10-10", false);
    add(c, "2025-10-10", -5, "2025-09-26", false);
    add(c, "2025-09-27", 1, "2025-09-28", false); /* the adjusted Sunday counts */
    add(c, "2025-01-24", 1, "2025-01-26", false); /* Friday to the adjusted Sunday */
    add(c, "2025-01-27", 1, "2025-02-05", false); /* over the Spring Festival */
    add(c, "2026-02-13", 1, "2026-02-14", false);
    add(c, "2026-02-14", 1, "2026-02-24", false);
    /* 0: the day itself when it works, else the next working day */
    add(c, "2025-10-09", 0, "2025-10-09", false);
    add(c, "2025-10-01", 0, "2025-10-09", false);
    add(c, "2025-10-11", 0, "2025-10-11", false);
    /* reaching into 2027, which has no data: Monday to Friday, estimated */
    add(c, "2026-12-30", 3, "2027-01-04", true);
    add(c, "2026-12-30", 1, "2026-12-31", false);
    add(c, "2027-01-04", -1, "2027-01-01", true);
    add(c, "2027-03-01", 10, "2027-03-15", true);
    /* bounds */
    int32_t to;
    xn_error err;
    assert_int_equal(
        xn_calendar_add_workdays(c, D("2025-01-01"), XN_CAL_MAX_WORKDAYS + 1, &to, NULL, &err),
        XN_EINVAL);
    assert_string_equal(err.code, "bad_workdays");
    assert_int_equal(xn_calendar_add_workdays(c, D("1970-01-02"), -5, &to, NULL, &err), XN_EINVAL);
    assert_int_equal(xn_calendar_add_workdays(c, D("9999-12-30"), 5, &to, NULL, &err), XN_EINVAL);
    assert_int_equal(
        xn_calendar_add_workdays(c, D("2025-01-01"), XN_CAL_MAX_WORKDAYS, &to, NULL, &err), XN_OK);
    xn_calendar_free(c);
}

typedef struct parsed {
    int rc;
    xn_cal_year *y;
    xn_cal_refusal bad;
    xn_error err;
} parsed;

static void parse(parsed *p, const char *text, int year)
{
    memset(p, 0, sizeof *p);
    p->rc = xn_cal_year_parse(text, strlen(text), year, &p->y, &p->bad, &p->err);
}

#define HEAD "year 2027\nnotice 国办发明电〔2026〕1号 测试\n"

/* The first refused line has this number and code, and nothing else was refused. */
static void refused_once(const char *text, size_t line, const char *code)
{
    parsed p;
    parse(&p, text, 2027);
    if (p.bad.total != 1)
        print_error("%s: %zu refusals, the first %s\n", text, p.bad.total, p.bad.lines[0].code);
    assert_int_equal(p.rc, XN_EINVAL);
    assert_null(p.y);
    assert_string_equal(p.err.code, "bad_calendar");
    assert_string_equal(p.err.field, "body");
    assert_int_equal(p.bad.total, 1);
    assert_int_equal(p.bad.lines[0].line, line);
    assert_string_equal(p.bad.lines[0].code, code);
    char where[32];
    snprintf(where, sizeof where, line ? "第 %zu 行" : "整个文件", line);
    assert_non_null(strstr(p.err.message, where));
}

static void a_good_file_parses_with_comments_blanks_and_any_line_endings(void **state)
{
    (void)state;
    parsed p;
    parse(&p,
          "\xEF\xBB\xBF# 注释\r\n\r\nyear 2027\r\nnotice 国办发明电〔2026〕1号\r\n"
          "2027-01-01\tholiday   元旦  \r2027-02-06 workday 春节调休上班\n  # 缩进的注释\n",
          2027);
    assert_int_equal(p.rc, XN_OK);
    assert_int_equal(p.y->year, 2027);
    assert_string_equal(p.y->notice, "国办发明电〔2026〕1号");
    assert_int_equal(p.y->n, 2);
    assert_string_equal(p.y->days[0].name, "元旦");
    assert_int_equal(p.y->days[1].kind, XN_DAY_WORKDAY);
    xn_cal_year_free(p.y);
    /* year 0: the file's own year line decides */
    parse(&p, HEAD "2027-01-01 holiday 元旦\n", 0);
    assert_int_equal(p.rc, XN_OK);
    assert_int_equal(p.y->year, 2027);
    xn_cal_year_free(p.y);
}

static void bad_files_are_refused_naming_the_line(void **state)
{
    (void)state;
    refused_once(HEAD "2027-02-30 holiday 春节\n", 3, "bad_date");
    refused_once(HEAD "2027-13-01 holiday 春节\n", 3, "bad_date");
    refused_once(HEAD "2026-12-31 holiday 元旦\n", 3, "wrong_year");
    refused_once(HEAD "2027-01-01 holiday 元旦\n2027-01-01 holiday 元旦\n", 4, "duplicate_date");
    refused_once(HEAD "2027-01-01 vacation 元旦\n", 3, "bad_kind");
    refused_once(HEAD "2027-01-01\n", 3, "bad_kind");
    refused_once(HEAD "2027-01-04 workday 调休\n", 3, "workday_not_weekend"); /* a Monday */
    refused_once(HEAD "2027-01-01 holiday\n", 3, "bad_name");
    refused_once(HEAD "2027-01-01 holiday =SUM(A1)\n", 3, "bad_name");
    refused_once(HEAD "2027-01-01 holiday 元旦\xE2\x80\xAE\n", 3, "bad_name"); /* bidi control */
    refused_once(HEAD "2027-01-01 holiday \xE5\x85\n", 3, "not_utf8");
    refused_once(HEAD "2027-01-01 holiday 元\x01旦\n", 3, "control_char");
    refused_once(HEAD "2027/01/01 holiday 元旦\n", 3, "bad_line");
    refused_once(HEAD "holiday 2027-01-01 元旦\n", 3, "bad_line");
    refused_once("year 2026\nnotice x\n2027-01-01 holiday 元旦\n", 1, "wrong_year");
    refused_once("year 27\nnotice x\n2027-01-01 holiday 元旦\n", 1, "bad_line");
    refused_once(HEAD "year 2027\n2027-01-01 holiday 元旦\n", 3, "header_twice");
    refused_once("year 2027\n2027-01-01 holiday 元旦\nnotice x\n", 3, "header_late");
    refused_once("year 2027\nnotice\n2027-01-01 holiday 元旦\n", 2, "bad_notice");
    refused_once("notice x\n2027-01-01 holiday 元旦\n", 0, "no_year");
    refused_once("year 2027\n2027-01-01 holiday 元旦\n", 0, "no_notice");
    refused_once(HEAD "# 没有日期\n", 0, "no_days");
    /* a name longer than 64 bytes */
    char text[512];
    snprintf(text, sizeof text, HEAD "2027-01-01 holiday %s\n",
             "一二三四五六七八九十一二三四五六七八九十一二三");
    refused_once(text, 3, "bad_name");
}

static void every_bad_line_is_counted_and_the_first_are_listed(void **state)
{
    (void)state;
    xn_buf b;
    xn_buf_init(&b, 0);
    xn_buf_puts(&b, HEAD);
    for (int i = 0; i < 25; i++)
        xn_buf_printf(&b, "2027-02-%02d holiday 坏\n", 30 + i % 2); /* no such dates */
    parsed p;
    memset(&p, 0, sizeof p);
    p.rc = xn_cal_year_parse(b.data, b.len, 2027, &p.y, &p.bad, &p.err);
    assert_int_equal(p.rc, XN_EINVAL);
    assert_int_equal(p.bad.total, 25);
    assert_int_equal(p.bad.n, XN_CAL_MAX_ERRORS);
    assert_int_equal(p.bad.lines[0].line, 3);
    assert_int_equal(p.bad.lines[9].line, 12);
    assert_non_null(strstr(p.err.message, "25 处有误"));
    assert_non_null(strstr(p.err.message, "另有"));
    xn_buf_release(&b);
    /* too large as a whole: refused before any line is read */
    char *big = xn_xcalloc(1, XN_CAL_MAX_TEXT + 2);
    memset(big, '#', XN_CAL_MAX_TEXT + 1);
    xn_cal_year *y = NULL;
    xn_error err;
    assert_int_equal(xn_cal_year_parse(big, XN_CAL_MAX_TEXT + 1, 2027, &y, NULL, &err), XN_ETOOBIG);
    assert_string_equal(err.code, "too_large");
    free(big);
    /* the wrong year asked for */
    assert_int_equal(xn_cal_year_parse("", 0, 1969, &y, NULL, &err), XN_EINVAL);
    assert_string_equal(err.code, "bad_year");
}

/* ---- the calendar room: import into the database ------------------------------------------ */

typedef struct fixture {
    char path[256], witness[300];
    xn_config cfg;
    store *db;
    audit_trail *trail;
    uint8_t seed[AUDIT_SEED_BYTES];
} fixture;

static void open_fixture(fixture *f, const char *name)
{
    xn_test_fresh_db(name, f->path, sizeof f->path, f->witness, sizeof f->witness, &f->cfg);
    xn_error err;
    store_options opt = {.pool_size = 2, .busy_timeout_ms = 2000, .create = true};
    assert_int_equal(store_open(&f->db, f->path, &opt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(f->db, &applied, &err), XN_OK);
    assert_int_equal(audit_trail_open(&f->trail, f->db, &f->cfg, &err), XN_OK);
    bool created = false;
    assert_int_equal(audit_trail_init(f->trail, f->seed, &created, &err), XN_OK);
}

static void close_fixture(fixture *f)
{
    audit_trail_free(f->trail);
    store_close(f->db);
}

static int64_t count(store *db, const char *sql)
{
    store_conn *c;
    int64_t n = -1;
    xn_error err;
    assert_int_equal(store_acquire(db, &c, &err), XN_OK);
    assert_int_equal(store_query_int(c, sql, &n, &err), XN_OK);
    store_release(c);
    return n;
}

static void an_import_is_stored_audited_and_replaces_the_shipped_year(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "calendar_import.db");
    calendar_live *l = NULL;
    xn_error err;
    audit_actor actor = {.kind = "user", .id = 2, .name = "安全员"};
    assert_int_equal(calendar_live_open(&l, f.db, f.trail, calendar_builtins, &err), XN_OK);
    bool est = false;
    assert_true(calendar_is_workday(l, D("2027-01-01"), &est));
    assert_true(est);

    /* refused: nothing stored, nothing recorded, the calendar unchanged */
    xn_cal_refusal bad;
    const char *broken = HEAD "2027-01-01 holiday 元旦\n2027-02-29 holiday 春节\n";
    assert_int_equal(calendar_import(l, 2027, broken, strlen(broken), &actor, NULL, &bad, &err),
                     XN_EINVAL);
    assert_int_equal(bad.total, 1);
    assert_int_equal(bad.lines[0].line, 4);
    assert_int_equal(count(f.db, "SELECT count(*) FROM calendar_year"), 0);
    assert_int_equal(count(f.db, "SELECT count(*) FROM audit_log WHERE action = 'calendar.import'"),
                     0);

    const char *good = HEAD "2027-01-01 holiday 元旦\n2027-01-02 holiday 元旦\n";
    calendar_result res;
    assert_int_equal(calendar_import(l, 2027, good, strlen(good), &actor, &res, &bad, &err), XN_OK);
    assert_int_equal(res.holidays, 2);
    assert_false(res.replaced);
    assert_false(calendar_is_workday(l, D("2027-01-01"), &est));
    assert_false(est);
    assert_int_equal(count(f.db, "SELECT count(*) FROM calendar_year WHERE year = 2027"), 1);
    assert_int_equal(count(f.db, "SELECT count(*) FROM audit_log WHERE action = 'calendar.import'"
                                 " AND object_id = '2027'"),
                     1);

    /* a corrected 2025 replaces the shipped one */
    const char *fix = "year 2025\nnotice 更正\n2025-01-02 holiday 测试\n";
    assert_int_equal(calendar_import(l, 2025, fix, strlen(fix), &actor, &res, &bad, &err), XN_OK);
    assert_true(res.replaced);
    assert_false(calendar_is_workday(l, D("2025-01-02"), &est));
    assert_true(calendar_is_workday(l, D("2025-01-01"), &est)); /* no longer listed */
    json_t *j = NULL;
    assert_int_equal(calendar_year_json(l, 2025, &j, &err), XN_OK);
    assert_string_equal(json_string_value(json_object_get(j, "source")), "imported");
    assert_true(json_is_true(json_object_get(j, "shipped")));
    assert_string_equal(json_string_value(json_object_get(j, "imported_by")), "安全员");
    json_decref(j);
    /* the year in the URL and in the file must agree */
    assert_int_equal(calendar_import(l, 2028, good, strlen(good), &actor, NULL, &bad, &err),
                     XN_EINVAL);
    assert_string_equal(bad.lines[0].code, "wrong_year");
    calendar_live_free(l);

    /* a new start reads the imported years back */
    xn_calendar *c = xn_calendar_new();
    assert_int_equal(calendar_load(c, calendar_builtins, f.db, &err), XN_OK);
    assert_false(xn_calendar_is_workday(c, D("2027-01-02"), &est, NULL));
    assert_false(est);
    assert_true(xn_calendar_year(c, 2025)->imported);
    assert_false(xn_calendar_year(c, 2026)->imported);
    xn_calendar_free(c);
    close_fixture(&f);
}

static void the_status_warns_from_november_while_next_year_is_missing(void **state)
{
    (void)state;
    calendar_live *l = NULL;
    xn_error err;
    fixture f;
    open_fixture(&f, "calendar_status.db");
    assert_int_equal(calendar_live_open(&l, f.db, f.trail, calendar_builtins, &err), XN_OK);
    int64_t us;
    assert_int_equal(xn_time_parse("2026-10-31T23:59:59", &us), XN_OK);
    json_t *s = calendar_status_json(l, us);
    assert_true(json_is_null(json_object_get(s, "warning")));
    assert_true(json_is_true(json_object_get(s, "next_missing")));
    json_decref(s);
    assert_int_equal(xn_time_parse("2026-11-01T00:00:00", &us), XN_OK);
    s = calendar_status_json(l, us);
    assert_non_null(strstr(json_string_value(json_object_get(s, "warning")), "2027"));
    assert_string_equal(json_string_value(json_object_get(s, "today")), "2026-11-01");
    json_decref(s);
    /* in a year without data the warning stands all year */
    assert_int_equal(xn_time_parse("2027-03-01T08:00:00", &us), XN_OK);
    s = calendar_status_json(l, us);
    assert_true(json_is_true(json_object_get(s, "current_missing")));
    assert_non_null(json_string_value(json_object_get(s, "warning")));
    json_decref(s);
    calendar_live_free(l);
    close_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dates_round_trip_and_impossible_ones_are_refused),
        cmocka_unit_test(the_notices_weekdays_match),
        cmocka_unit_test(the_shipped_years_cite_their_notices_and_count_right),
        cmocka_unit_test(known_2025_and_2026_days),
        cmocka_unit_test(deadlines_count_working_days),
        cmocka_unit_test(a_good_file_parses_with_comments_blanks_and_any_line_endings),
        cmocka_unit_test(bad_files_are_refused_naming_the_line),
        cmocka_unit_test(every_bad_line_is_counted_and_the_first_are_listed),
        cmocka_unit_test(an_import_is_stored_audited_and_replaces_the_shipped_year),
        cmocka_unit_test(the_status_warns_from_november_while_next_year_is_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
