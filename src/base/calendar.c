/*
 * Dates and the working-day calendar (OBL). Dates are day numbers since 1970-01-01 (Gregorian),
 * converted with the civil-from-days arithmetic, so no time zone database or locale is
 * involved: the date of an instant is read at UTC+8, which China has kept since 1991.
 *
 * A year file is parsed strictly, line by line, the way imported lexicons are: a file with any
 * bad line is refused whole, naming its lines. The format (data/calendar/README.md):
 *
 *     # a comment; blank lines are ignored
 *     year 2025
 *     notice 国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知
 *     2025-01-01 holiday 元旦
 *     2025-01-26 workday 春节调休上班
 *
 * Fields are separated by spaces or tabs; the name is the rest of the line. `year` and
 * `notice` come once each, before the first date; a date comes once, in the file's year; a
 * workday is a Saturday or Sunday (a weekday already works, so listing one is a mistake).
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#define MESSAGE_BUDGET 170 /* bytes of named bad lines in a refusal (xn_error holds 256) */

/* ---- dates --------------------------------------------------------------------------------- */

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

bool xn_date_from_ymd(int y, int m, int d, int32_t *day)
{
    if (y < XN_DATE_MIN_YEAR || y > XN_DATE_MAX_YEAR || m < 1 || m > 12 || d < 1 ||
        d > month_days(y, m))
        return false;
    /* days from civil: years start in March so the leap day ends them */
    int64_t yy = m <= 2 ? y - 1 : y;
    int64_t era = yy / 400; /* yy >= 1969: no negative division */
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *day = (int32_t)(era * 146097 + doe - 719468);
    return true;
}

void xn_date_ymd(int32_t day, int *y, int *m, int *d)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The shape YYYY-MM-DD, whether or not the date exists. */
static bool date_shaped(const char *s, size_t n)
{
    int v;
    return n == 10 && s[4] == '-' && s[7] == '-' && xn_digits(s, 4, &v) &&
           xn_digits(s + 5, 2, &v) && xn_digits(s + 8, 2, &v);
}

bool xn_date_parse(const char *s, size_t n, int32_t *day)
{
    int y = 0, m = 0, d = 0;
    if (!s || n != 10 || s[4] != '-' || s[7] != '-' || !xn_digits(s, 4, &y) ||
        !xn_digits(s + 5, 2, &m) || !xn_digits(s + 8, 2, &d))
        return false;
    return xn_date_from_ymd(y, m, d, day);
}

void xn_date_format(int32_t day, char out[XN_DATE_STR])
{
    int y, m, d;
    xn_date_ymd(day, &y, &m, &d);
    /* The modulos only tell the compiler each field's width; the values are in range. */
    snprintf(out, XN_DATE_STR, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

int xn_date_weekday(int32_t day)
{
    int w = (int)(((int64_t)day + 4) % 7); /* 1970-01-01 was a Thursday */
    return w < 0 ? w + 7 : w;
}

int32_t xn_date_of(int64_t epoch_us)
{
    int64_t secs = epoch_us / 1000000;
    if (epoch_us % 1000000 < 0)
        secs--;
    secs += 8 * 3600;
    int64_t day = secs / 86400;
    if (secs % 86400 < 0)
        day--;
    return (int32_t)day;
}

static bool weekend(int32_t day)
{
    int w = xn_date_weekday(day);
    return w == 0 || w == 6;
}

/* ---- parsing a year file ------------------------------------------------------------------- */

typedef struct parser {
    xn_cal_refusal *bad;
    int year;           /* the file's year: the caller's, else its year line's; 0 unknown */
    size_t year_line;   /* where the year line was, 0 none */
    size_t notice_line; /* where the notice line was, 0 none */
    size_t first_date;  /* the first date line, 0 none */
    size_t seen[366];   /* by day of the year: the line that listed it, 0 none */
    xn_cal_year *y;
} parser;

static void refuse(parser *p, size_t line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void refuse(parser *p, size_t line, const char *code, const char *fmt, ...)
{
    xn_cal_refusal *r = p->bad;
    r->total++;
    if (r->n == XN_CAL_MAX_ERRORS)
        return;
    xn_cal_bad_line *b = &r->lines[r->n++];
    b->line = line;
    xn_strlcpy(b->code, code, sizeof b->code);
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->reason, sizeof b->reason, fmt, ap);
    va_end(ap);
    if (w < 0)
        b->reason[0] = '\0';
    else if ((size_t)w >= sizeof b->reason) {
        /* cut on a UTF-8 boundary, never inside a character */
        size_t n = sizeof b->reason - 1;
        while (n > 0 && ((unsigned char)b->reason[n] & 0xC0) == 0x80)
            n--;
        b->reason[n] = '\0';
    }
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The next field of s[*at..n) (skipping blanks before it) into *f, *fn; false at the end. */
static bool field(const char *s, size_t n, size_t *at, const char **f, size_t *fn)
{
    size_t i = *at;
    while (i < n && blank(s[i]))
        i++;
    if (i == n)
        return false;
    size_t start = i;
    while (i < n && !blank(s[i]))
        i++;
    *f = s + start;
    *fn = i - start;
    *at = i;
    return true;
}

/* The rest of the line from at, blanks around it dropped. */
static void rest(const char *s, size_t n, size_t at, const char **r, size_t *rn)
{
    while (at < n && blank(s[at]))
        at++;
    while (n > at && blank(s[n - 1]))
        n--;
    *r = s + at;
    *rn = n - at;
}

static bool word_is(const char *f, size_t fn, const char *w)
{
    return fn == strlen(w) && memcmp(f, w, fn) == 0;
}

static void year_line(parser *p, size_t ln, const char *s, size_t n, size_t at)
{
    const char *f, *r;
    size_t fn, rn;
    int y = 0;
    if (p->year_line) {
        refuse(p, ln, "header_twice", "year 行只能有一行（第 %zu 行已有）", p->year_line);
        return;
    }
    p->year_line = ln; /* even when refused below: it is there, only wrong */
    if (p->first_date) {
        refuse(p, ln, "header_late", "year 行须写在所有日期行之前");
        return;
    }
    bool ok = field(s, n, &at, &f, &fn) && fn == 4 && xn_digits(f, 4, &y);
    rest(s, n, at, &r, &rn);
    if (!ok || rn > 0 || y < XN_DATE_MIN_YEAR || y > XN_DATE_MAX_YEAR) {
        refuse(p, ln, "bad_line", "year 行应为 year YYYY（四位年份，%d 至 %d）", XN_DATE_MIN_YEAR,
               XN_DATE_MAX_YEAR);
        return;
    }
    if (p->year && y != p->year) {
        refuse(p, ln, "wrong_year", "文件写的是 %d 年，导入的是 %d 年", y, p->year);
        return;
    }
    p->year = y;
}

static void notice_line(parser *p, size_t ln, const char *s, size_t n, size_t at)
{
    const char *r;
    size_t rn;
    xn_error e;
    if (p->notice_line) {
        refuse(p, ln, "header_twice", "notice 行只能有一行（第 %zu 行已有）", p->notice_line);
        return;
    }
    p->notice_line = ln; /* even when refused below: it is there, only wrong */
    if (p->first_date) {
        refuse(p, ln, "header_late", "notice 行须写在所有日期行之前");
        return;
    }
    rest(s, n, at, &r, &rn);
    if (rn == 0 || rn > XN_CAL_MAX_NOTICE) {
        refuse(p, ln, "bad_notice",
               "notice 行写所依据的国务院办公厅通知（文号和标题），1 至 %d 字节",
               XN_CAL_MAX_NOTICE);
        return;
    }
    memcpy(p->y->notice, r, rn);
    p->y->notice[rn] = '\0';
    if (xn_check_text(p->y->notice, XN_CAL_MAX_NOTICE, XN_TEXT_FREE, true, "notice", "通知", &e) !=
        XN_OK)
        refuse(p, ln, "bad_notice", "%s", e.message);
}

static void date_line(parser *p, size_t ln, const char *s, size_t n, const char *f, size_t fn,
                      size_t at)
{
    char date[XN_DATE_STR];
    const char *k, *r;
    size_t kn, rn;
    int32_t day;
    xn_error e;
    memcpy(date, f, 10);
    date[10] = '\0';
    if (!p->first_date)
        p->first_date = ln;
    if (!xn_date_parse(f, fn, &day)) {
        refuse(p, ln, "bad_date", "日期 %s 不存在", date);
        return;
    }
    if (p->year == 0) {
        refuse(p, ln, "header_late", "日期行之前须先有 year 行");
        return;
    }
    int32_t jan1;
    xn_date_from_ymd(p->year, 1, 1, &jan1);
    int y, m, d;
    xn_date_ymd(day, &y, &m, &d);
    if (y != p->year) {
        refuse(p, ln, "wrong_year", "日期 %s 不在 %d 年", date, p->year);
        return;
    }
    size_t doy = (size_t)(day - jan1);
    if (p->seen[doy]) {
        refuse(p, ln, "duplicate_date", "日期 %s 重复（第 %zu 行已列出）", date, p->seen[doy]);
        return;
    }
    p->seen[doy] = ln;
    xn_day_kind kind;
    if (!field(s, n, &at, &k, &kn)) {
        refuse(p, ln, "bad_kind", "日期后应写 holiday（放假）或 workday（调休上班）");
        return;
    }
    if (word_is(k, kn, "holiday"))
        kind = XN_DAY_HOLIDAY;
    else if (word_is(k, kn, "workday"))
        kind = XN_DAY_WORKDAY;
    else {
        refuse(p, ln, "bad_kind", "类别只能是 holiday（放假）或 workday（调休上班）");
        return;
    }
    if (kind == XN_DAY_WORKDAY && !weekend(day)) {
        refuse(p, ln, "workday_not_weekend", "调休上班日 %s 不是周六或周日", date);
        return;
    }
    rest(s, n, at, &r, &rn);
    xn_cal_day *out = &p->y->days[p->y->n];
    if (rn == 0 || rn > XN_CAL_MAX_NAME) {
        refuse(p, ln, "bad_name", "名称（如 春节、春节调休上班）须为 1 至 %d 字节",
               XN_CAL_MAX_NAME);
        return;
    }
    memcpy(out->name, r, rn);
    out->name[rn] = '\0';
    if (xn_check_text(out->name, XN_CAL_MAX_NAME, XN_TEXT_LABEL, true, "name", "名称", &e) !=
        XN_OK) {
        refuse(p, ln, "bad_name", "%s", e.message);
        return;
    }
    out->day = day;
    out->kind = kind;
    p->y->n++;
}

static void parse_line(parser *p, size_t ln, const char *s, size_t n)
{
    const char *f;
    size_t fn, at = 0;
    if (!xn_utf8_valid(s, n)) {
        refuse(p, ln, "not_utf8", "不是有效的 UTF-8 文本");
        return;
    }
    if (xn_has_control(s, n)) {
        refuse(p, ln, "control_char", "含有控制字符");
        return;
    }
    if (!field(s, n, &at, &f, &fn) || f[0] == '#')
        return; /* blank or a comment */
    if (word_is(f, fn, "year"))
        year_line(p, ln, s, n, at);
    else if (word_is(f, fn, "notice"))
        notice_line(p, ln, s, n, at);
    else if (date_shaped(f, fn))
        date_line(p, ln, s, n, f, fn, at);
    else
        refuse(p, ln, "bad_line",
               "每行应为 YYYY-MM-DD holiday|workday 名称，或 year、notice 行，或 # 注释");
}

static int cmp_day(const void *a, const void *b)
{
    const xn_cal_day *x = a, *y = b;
    return (x->day > y->day) - (x->day < y->day);
}

/* The message of a refusal: the first lines while the whole of it fits an xn_error, then the
 * count of the rest. */
static int refused(const xn_cal_refusal *r, xn_error *err)
{
    xn_buf msg;
    size_t named = 0;
    xn_buf_init(&msg, 4096);
    for (size_t i = 0; i < r->n; i++) {
        char piece[MESSAGE_BUDGET + 1];
        char where[32];
        if (r->lines[i].line)
            snprintf(where, sizeof where, "第 %zu 行", r->lines[i].line);
        else
            xn_strlcpy(where, "整个文件", sizeof where);
        int w =
            snprintf(piece, sizeof piece, "%s%s：%s", named ? "；" : "", where, r->lines[i].reason);
        if (w < 0 || msg.len + (size_t)w > MESSAGE_BUDGET || xn_buf_puts(&msg, piece) != XN_OK)
            break;
        named++;
    }
    if (r->total > named)
        xn_buf_printf(&msg, "%s另有 %zu 处有误", named ? "；" : "", r->total - named);
    xn_fail_field(err, XN_EINVAL, "bad_calendar", "body", "工作日历有 %zu 处有误，未作任何更改：%s",
                  r->total, msg.data ? msg.data : "");
    xn_buf_release(&msg);
    return XN_EINVAL;
}

int xn_cal_year_parse(const char *text, size_t len, int year, xn_cal_year **out,
                      xn_cal_refusal *bad, xn_error *err)
{
    xn_cal_refusal local;
    parser *p;
    size_t pos = 0, ln = 0, n;
    const char *s;
    *out = NULL;
    if (!bad)
        bad = &local;
    memset(bad, 0, sizeof *bad);
    if (len > XN_CAL_MAX_TEXT)
        return xn_fail_field(err, XN_ETOOBIG, "too_large", "body", "工作日历文件超过 %u 字节",
                             XN_CAL_MAX_TEXT);
    if (year && (year < XN_DATE_MIN_YEAR || year > XN_DATE_MAX_YEAR))
        return xn_fail_field(err, XN_EINVAL, "bad_year", "year", "年份须在 %d 至 %d 之间",
                             XN_DATE_MIN_YEAR, XN_DATE_MAX_YEAR);
    p = xn_xcalloc(1, sizeof *p);
    p->y = xn_xcalloc(1, sizeof *p->y);
    p->bad = bad;
    p->year = year;
    if (!text)
        text = "";
    /* a byte-order mark saved by some editors is not part of the first line */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while ((s = xn_next_line(text, len, &pos, &n)) != NULL)
        parse_line(p, ++ln, s, n);
    if (!p->year_line)
        refuse(p, 0, "no_year", "缺少 year 行（year YYYY）");
    if (!p->notice_line)
        refuse(p, 0, "no_notice", "缺少 notice 行（所依据的国务院办公厅通知）");
    if (p->y->n == 0 && bad->total == 0)
        refuse(p, 0, "no_days", "没有列出任何放假或调休上班的日期");
    if (bad->total) {
        free(p->y);
        free(p);
        return refused(bad, err);
    }
    p->y->year = p->year;
    qsort(p->y->days, p->y->n, sizeof p->y->days[0], cmp_day);
    *out = p->y;
    free(p);
    return XN_OK;
}

void xn_cal_year_free(xn_cal_year *y)
{
    free(y);
}

const xn_cal_day *xn_cal_year_find(const xn_cal_year *y, int32_t day)
{
    size_t lo = 0, hi = y ? y->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (y->days[mid].day == day)
            return &y->days[mid];
        if (y->days[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- the calendar -------------------------------------------------------------------------- */

struct xn_calendar {
    xn_cal_year **v; /* ascending by year */
    size_t n, cap;
};

xn_calendar *xn_calendar_new(void)
{
    return xn_xcalloc(1, sizeof(xn_calendar));
}

void xn_calendar_free(xn_calendar *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        xn_cal_year_free(c->v[i]);
    free(c->v);
    free(c);
}

/* The index of year in c, or where it would go (*found false). */
static size_t slot(const xn_calendar *c, int year, bool *found)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->v[mid]->year < year)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < c->n && c->v[lo]->year == year;
    return lo;
}

void xn_calendar_put(xn_calendar *c, xn_cal_year *y)
{
    bool found;
    size_t i = slot(c, y->year, &found);
    if (found) {
        xn_cal_year_free(c->v[i]);
        c->v[i] = y;
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->v = xn_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof *c->v);
    c->v[i] = y;
    c->n++;
}

const xn_cal_year *xn_calendar_year(const xn_calendar *c, int year)
{
    bool found;
    size_t i = slot(c, year, &found);
    return found ? c->v[i] : NULL;
}

size_t xn_calendar_years(const xn_calendar *c, int *years, size_t max)
{
    for (size_t i = 0; i < c->n && i < max; i++)
        years[i] = c->v[i]->year;
    return c->n;
}

bool xn_calendar_is_workday(const xn_calendar *c, int32_t day, bool *estimated,
                            const xn_cal_day **entry)
{
    int y, m, d;
    xn_date_ymd(day, &y, &m, &d);
    const xn_cal_year *cy = xn_calendar_year(c, y);
    const xn_cal_day *e = cy ? xn_cal_year_find(cy, day) : NULL;
    if (estimated)
        *estimated = cy == NULL;
    if (entry)
        *entry = e;
    if (e)
        return e->kind == XN_DAY_WORKDAY;
    return !weekend(day);
}

int xn_calendar_add_workdays(const xn_calendar *c, int32_t from, int64_t n, int32_t *out,
                             bool *estimated, xn_error *err)
{
    int32_t first, last, day = from;
    bool est = false, e;
    xn_date_from_ymd(XN_DATE_MIN_YEAR, 1, 1, &first);
    xn_date_from_ymd(XN_DATE_MAX_YEAR, 12, 31, &last);
    if (n < -XN_CAL_MAX_WORKDAYS || n > XN_CAL_MAX_WORKDAYS)
        return xn_fail_field(err, XN_EINVAL, "bad_workdays", "n", "工作日数须在 -%d 至 %d 之间",
                             XN_CAL_MAX_WORKDAYS, XN_CAL_MAX_WORKDAYS);
    if (from < first || from > last)
        return xn_fail_field(err, XN_EINVAL, "bad_date", "date", "日期须在 %d 至 %d 年之间",
                             XN_DATE_MIN_YEAR, XN_DATE_MAX_YEAR);
    int step = n < 0 ? -1 : 1;
    int64_t left = n < 0 ? -n : n;
    if (n == 0) {
        /* the day itself when it works, else the next working day */
        while (!xn_calendar_is_workday(c, day, &e, NULL)) {
            est |= e;
            if (day == last)
                goto out_of_range;
            day++;
        }
        est |= e;
    }
    while (left > 0) {
        if ((step > 0 && day == last) || (step < 0 && day == first))
            goto out_of_range;
        day += step;
        if (xn_calendar_is_workday(c, day, &e, NULL))
            left--;
        est |= e;
    }
    *out = day;
    if (estimated)
        *estimated = est;
    return XN_OK;
out_of_range:
    return xn_fail_field(err, XN_EINVAL, "bad_workdays", "n", "结果超出 %d 至 %d 年",
                         XN_DATE_MIN_YEAR, XN_DATE_MAX_YEAR);
}
