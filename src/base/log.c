/*
 * Structured logging: one line per event. Values are escaped so that a value taken from a
 * request (a path, a header) can never start a new line or forge another key.
 */
#include "base/base.h"

#include <string.h>

void xn_log_init(xn_log *log, FILE *out, xn_log_level min_level, xn_log_format format)
{
    log->out = out;
    log->min_level = min_level;
    log->format = format;
}

static const char *level_name(xn_log_level l)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    return names[l];
}

int xn_log_level_parse(const char *s, xn_log_level *out)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (xn_log_level)i;
            return XN_OK;
        }
    return XN_EINVAL;
}

static bool needs_quotes(const char *v)
{
    if (!*v)
        return true;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7F)
            return true;
    return false;
}

void xn_log_event(xn_log *log, xn_log_level level, const char *event, ...)
{
    if (!log || !log->out || level < log->min_level)
        return;
    char ts[XN_TIME_STR];
    xn_time_format(xn_now_us(), ts);
    xn_buf b;
    xn_buf_init(&b, 16384);
    bool json = log->format == XN_LOG_JSON;
    if (json)
        xn_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", ts, level_name(level));
    else
        xn_buf_printf(&b, "ts=%s level=%s event=", ts, level_name(level));
    if (json || needs_quotes(event))
        xn_json_put_string(&b, event);
    else
        xn_buf_puts(&b, event);

    va_list ap;
    va_start(ap, event);
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (!key)
            break;
        const char *value = va_arg(ap, const char *);
        if (!value)
            value = "";
        if (json) {
            xn_buf_append(&b, ",", 1);
            xn_json_put_string(&b, key);
            xn_buf_append(&b, ":", 1);
            xn_json_put_string(&b, value);
        } else {
            xn_buf_printf(&b, " %s=", key);
            if (needs_quotes(value))
                xn_json_put_string(&b, value);
            else
                xn_buf_puts(&b, value);
        }
    }
    va_end(ap);
    xn_buf_puts(&b, json ? "}\n" : "\n");
    /* One fwrite of the whole line keeps lines from concurrent threads whole. */
    if (b.data) {
        fwrite(b.data, 1, b.len, log->out);
        fflush(log->out);
    }
    xn_buf_release(&b);
}
