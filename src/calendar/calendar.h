/*
 * calendar: where the working-day calendar's years come from, and the live calendar the
 * server answers deadlines with (OBL). The date logic and the year-file parser are base's
 * (xn_calendar, xn_cal_year_parse); this room adds the years shipped in the binary
 * (data/calendar/YYYY.txt, embedded by scripts/gen-calendar.sh), the years a security
 * administrator imports (table calendar_year: one row of source text per year, audited as
 * calendar.import in the same transaction), and the lock that lets requests read the calendar
 * while an import replaces a year. An imported year takes the place of a shipped one of the
 * same year (a corrected notice); a year neither shipped nor imported counts Monday to Friday
 * and is marked estimated wherever it is shown.
 *
 * Several servers on one database see another's import at their next start.
 */
#ifndef XINAN_CALENDAR_H
#define XINAN_CALENDAR_H

#include "audit/audit.h"
#include "base/base.h"
#include "store/store.h"

/* A year file built into the binary. */
typedef struct calendar_builtin {
    int year;
    const char *text;
    size_t len;
} calendar_builtin;
/* The shipped years, ended by year 0. Defined by build/gen/calendar.c
 * (scripts/gen-calendar.sh), which the xinan binary and the unit tests link. */
extern const calendar_builtin calendar_builtins[];

/* Where a year's arrangement came from (calendar_year_json's "source"). */
#define CALENDAR_SHIPPED  "shipped"
#define CALENDAR_IMPORTED "imported"

/*
 * Fills c with the shipped years of builtin (NULL: none), then, when db is given, the years
 * imported into it, which replace shipped ones. A text that does not parse is an error naming
 * its year (a shipped one is a build mistake; a stored one was checked when imported).
 */
int calendar_load(xn_calendar *c, const calendar_builtin *builtin, store *db, xn_error *err);

typedef struct calendar_live calendar_live;

/* Loads the calendar (calendar_load) for a server: db and audit are kept for imports. */
int calendar_live_open(calendar_live **out, store *db, audit_trail *audit,
                       const calendar_builtin *builtin, xn_error *err);
void calendar_live_free(calendar_live *l);

/* xn_calendar_is_workday and xn_calendar_add_workdays on the live calendar. */
bool calendar_is_workday(calendar_live *l, int32_t day, bool *estimated);
int calendar_add_workdays(calendar_live *l, int32_t from, int64_t n, int32_t *out, bool *estimated,
                          xn_error *err);

typedef struct calendar_result {
    size_t holidays, workdays; /* listed days of each kind */
    bool replaced;             /* the year had data before (shipped or imported) */
} calendar_result;

/*
 * Imports the year file text for year (checked by xn_cal_year_parse; bad lines into bad, which
 * may be NULL) and records calendar.import in the same transaction; once committed, the live
 * calendar answers with it. Errors: those of the parser (nothing stored), XN_EINVAL "bad_year"
 * for a year outside 1970..9999, store errors.
 */
int calendar_import(calendar_live *l, int year, const char *text, size_t len,
                    const audit_actor *actor, calendar_result *res, xn_cal_refusal *bad,
                    xn_error *err);

/*
 * A year as JSON: {year, data, estimated, source, notice, holidays, workdays, imported_at,
 * imported_at_text, imported_by, days:[{date, kind, name, weekday}]}. A year without data has
 * data false, estimated true, source and notice null and no days.
 */
int calendar_year_json(calendar_live *l, int year, json_t **out, xn_error *err);

/*
 * What the home page shows: {today, years:[{year, source, notice}], current_year,
 * current_missing, next_year, next_missing, warning}. warning (a Chinese sentence, else null)
 * is set while the current year has no data, and from 1 November while next year has none.
 */
json_t *calendar_status_json(calendar_live *l, int64_t now_us);

/* A refusal's bad lines as {"lines":[{line, code, reason}…], "more": n} for the error body. */
json_t *calendar_refusal_json(const xn_cal_refusal *bad);

#endif
