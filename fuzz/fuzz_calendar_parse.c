/*
 * Fuzzes the working-day calendar's year-file parser (OBL; imported by PUT /api/calendar/:year):
 * the first input byte chooses the year the file must be for (0: the one its year line names,
 * else 2025..2029), the rest is the file. Whatever comes in, an accepted file gives days in
 * strictly ascending order, all in its year, each a holiday or a weekend workday with a name,
 * and written back in the same format it parses again to the same days; a refused one gives no
 * year, and lists at most XN_CAL_MAX_ERRORS lines in order, each with a known code and a
 * reason. Working days and deadlines on the result never fail inside their bounds.
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

static const char *const codes[] = {
    "not_utf8", "control_char",        "bad_line", "bad_date",   "wrong_year",   "duplicate_date",
    "bad_kind", "workday_not_weekend", "bad_name", "bad_notice", "header_twice", "header_late",
    "no_year",  "no_notice",           "no_days",
};

static bool known(const char *code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i], code) == 0)
            return true;
    return false;
}

static void write_back(const xn_cal_year *y, xn_buf *b)
{
    xn_buf_printf(b, "year %d\nnotice %s\n", y->year, y->notice);
    for (size_t i = 0; i < y->n; i++) {
        char date[XN_DATE_STR];
        xn_date_format(y->days[i].day, date);
        xn_buf_printf(b, "%s %s %s\n", date,
                      y->days[i].kind == XN_DAY_HOLIDAY ? "holiday" : "workday", y->days[i].name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int year = data[0] % 6 ? 2024 + data[0] % 6 : 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    xn_cal_year *y = NULL, *again = NULL;
    xn_cal_refusal bad;
    xn_error err;
    int rc = xn_cal_year_parse(text, len, year, &y, &bad, &err);
    if (rc != XN_OK) {
        if (y)
            abort();
        if (rc == XN_EINVAL && strcmp(err.code, "bad_calendar") == 0) {
            if (bad.total == 0 || bad.n > XN_CAL_MAX_ERRORS || bad.n > bad.total)
                abort();
            for (size_t i = 0; i < bad.n; i++) {
                if (!known(bad.lines[i].code) || bad.lines[i].reason[0] == '\0' ||
                    !xn_utf8_valid(bad.lines[i].reason, strlen(bad.lines[i].reason)))
                    abort();
                /* lines in order; the whole-file ones (0) come last */
                if (i > 0 && bad.lines[i].line != 0 &&
                    (bad.lines[i - 1].line == 0 || bad.lines[i].line < bad.lines[i - 1].line))
                    abort();
            }
        }
        return 0;
    }
    if (year && y->year != year)
        abort();
    int32_t jan1, dec31;
    if (!xn_date_from_ymd(y->year, 1, 1, &jan1) || !xn_date_from_ymd(y->year, 12, 31, &dec31) ||
        y->n == 0 || y->n > 366)
        abort();
    for (size_t i = 0; i < y->n; i++) {
        const xn_cal_day *d = &y->days[i];
        int w = xn_date_weekday(d->day);
        if (d->day < jan1 || d->day > dec31 || (i > 0 && d->day <= y->days[i - 1].day) ||
            d->name[0] == '\0' || (d->kind != XN_DAY_HOLIDAY && d->kind != XN_DAY_WORKDAY) ||
            (d->kind == XN_DAY_WORKDAY && w != 0 && w != 6) || xn_cal_year_find(y, d->day) != d)
            abort();
    }
    xn_buf b;
    xn_buf_init(&b, 0);
    write_back(y, &b);
    if (xn_cal_year_parse(b.data, b.len, y->year, &again, NULL, &err) != XN_OK ||
        again->n != y->n || strcmp(again->notice, y->notice) != 0)
        abort();
    for (size_t i = 0; i < y->n; i++)
        if (again->days[i].day != y->days[i].day || again->days[i].kind != y->days[i].kind ||
            strcmp(again->days[i].name, y->days[i].name) != 0)
            abort();
    xn_buf_release(&b);
    xn_cal_year_free(again);

    xn_calendar *c = xn_calendar_new();
    xn_calendar_put(c, y);
    int32_t to;
    bool est;
    for (int64_t n = -40; n <= 40; n += 7)
        if (xn_calendar_add_workdays(c, jan1 + (int32_t)(len % 365), n, &to, &est, &err) != XN_OK)
            abort();
    xn_calendar_free(c);
    return 0;
}
