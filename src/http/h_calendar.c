/*
 * The working-day calendar (OBL): GET /api/calendar/status (the years known and the home
 * page's warning), GET /api/calendar/workdays?from=&n= (a deadline in working days),
 * GET /api/calendar/:year and PUT /api/calendar/:year (a year file as text/plain, security
 * administrator). The calendar room checks, stores and records; these handlers only translate.
 * A file refused for its lines answers 400 "bad_calendar" listing them like a lexicon import:
 * "lines":[{"line","code","reason"}…] and "more".
 */
#include "http/http_internal.h"

#include <string.h>

/* The :year parameter: four digits, 1970..9999; else 400 naming it (answered here). */
static bool year_param(http_req *req, http_resp *resp, int *year)
{
    const char *v = http_param(req, "year");
    int64_t y = 0;
    if (!v || strlen(v) != 4 ||
        xn_parse_int64(v, XN_DATE_MIN_YEAR, XN_DATE_MAX_YEAR, &y) != XN_OK) {
        http_error(req, resp, 400, "bad_year", "年份须为四位数字（1970 至 9999）", "year");
        return false;
    }
    *year = (int)y;
    return true;
}

int http_h_calendar_status(http_req *req, http_resp *resp)
{
    return http_json(resp, 200, calendar_status_json(req->app->calendar, auth_now(req->app->auth)));
}

int http_h_calendar_workdays(http_req *req, http_resp *resp)
{
    const char *from_s = NULL, *n_s = NULL;
    int32_t from, to;
    int64_t n = 0;
    bool estimated = false;
    xn_error err;
    if (http_query_checked(req, "from", 16, &from_s) != XN_OK || !from_s ||
        !xn_date_parse(from_s, strlen(from_s), &from))
        return http_error(req, resp, 400, "bad_date", "from 须为日期 YYYY-MM-DD", "from");
    if (http_query_checked(req, "n", 16, &n_s) != XN_OK || !n_s ||
        xn_parse_int64(n_s, -XN_CAL_MAX_WORKDAYS, XN_CAL_MAX_WORKDAYS, &n) != XN_OK)
        return http_error(req, resp, 400, "bad_workdays", "n 须为 -3650 至 3650 之间的整数", "n");
    if (calendar_add_workdays(req->app->calendar, from, n, &to, &estimated, &err) != XN_OK)
        return http_fail(req, resp, &err);
    char date[XN_DATE_STR];
    xn_date_format(to, date);
    return http_json(resp, 200,
                     json_pack("{s:s, s:I, s:s, s:b}", "from", from_s, "n", (json_int_t)n, "date",
                               date, "estimated", estimated));
}

int http_h_calendar_year(http_req *req, http_resp *resp)
{
    int year;
    json_t *out = NULL;
    xn_error err;
    if (!year_param(req, resp, &year))
        return 0;
    if (calendar_year_json(req->app->calendar, year, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_calendar_import(http_req *req, http_resp *resp)
{
    int year;
    xn_error err;
    calendar_result res;
    xn_cal_refusal bad;
    if (!year_param(req, resp, &year))
        return 0;
    audit_actor actor = auth_actor(req->who);
    bad.total = bad.n = 0;
    if (calendar_import(req->app->calendar, year, req->body, req->body ? req->body_len : 0, &actor,
                        &res, &bad, &err) != XN_OK)
        return http_fail_with(req, resp, &err, bad.total ? calendar_refusal_json(&bad) : NULL);
    json_t *out = NULL;
    if (calendar_year_json(req->app->calendar, year, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    json_object_set_new(out, "replaced", json_boolean(res.replaced));
    return http_json(resp, 200, out);
}
