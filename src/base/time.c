/*
 * Time. Stored as UTC epoch microseconds everywhere; shown in Asia/Shanghai. China has kept
 * UTC+8 without daylight saving since 1991, so a fixed offset is exact for every date we
 * store and avoids depending on the machine's tzdata or TZ variable.
 */
#include "base/base.h"

#include <string.h>
#include <time.h>

#define SHANGHAI_OFFSET_S (8 * 3600)

int64_t xn_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t xn_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void xn_time_format(int64_t epoch_us, char out[XN_TIME_STR])
{
    int64_t secs = epoch_us / 1000000;
    int64_t frac = epoch_us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    time_t local = (time_t)(secs + SHANGHAI_OFFSET_S);
    struct tm tm;
    gmtime_r(&local, &tm);
    /* The modulos only tell the compiler each field's width; the values are already in range. */
    snprintf(out, XN_TIME_STR, "%04u-%02u-%02uT%02u:%02u:%02u.%03u+08:00",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
             (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u, (unsigned)(frac / 1000) % 1000u);
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

int xn_time_parse(const char *s, int64_t *epoch_us)
{
    size_t n = strlen(s);
    int y, mo, d, h = 0, mi = 0, sec = 0, usec = 0;
    if (n < 10 || s[4] != '-' || s[7] != '-' || !xn_digits(s, 4, &y) || !xn_digits(s + 5, 2, &mo) ||
        !xn_digits(s + 8, 2, &d))
        return XN_EINVAL;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return XN_EINVAL;
    const char *p = s + 10;
    int offset_s = SHANGHAI_OFFSET_S;
    if (*p == 'T' || *p == ' ') {
        if (strlen(p) < 6 || p[3] != ':' || !xn_digits(p + 1, 2, &h) || !xn_digits(p + 4, 2, &mi))
            return XN_EINVAL;
        p += 6;
        if (*p == ':') {
            if (!xn_digits(p + 1, 2, &sec))
                return XN_EINVAL;
            p += 3;
            if (*p == '.') {
                int scale = 100000;
                p++;
                if (*p < '0' || *p > '9')
                    return XN_EINVAL;
                while (*p >= '0' && *p <= '9') {
                    usec += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return XN_EINVAL;
        if (*p == 'Z') {
            offset_s = 0;
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (strlen(p) != 6 || p[3] != ':' || !xn_digits(p + 1, 2, &oh) ||
                !xn_digits(p + 4, 2, &om) || oh > 23 || om > 59)
                return XN_EINVAL;
            offset_s = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
            p += 6;
        }
    }
    if (*p != '\0')
        return XN_EINVAL;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    int64_t secs = (int64_t)timegm(&tm) - offset_s;
    *epoch_us = secs * 1000000 + usec;
    return XN_OK;
}
