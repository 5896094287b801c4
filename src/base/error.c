/* Error values and the aborting allocators for small internal allocations (STYLE 6). */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

static void fill(xn_error *err, int status, const char *code, const char *field, const char *fmt,
                 va_list ap)
{
    if (!err)
        return;
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code ? code : xn_err_name(status));
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

int xn_fail(xn_error *err, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(err, status, code, NULL, fmt, ap);
    va_end(ap);
    return status;
}

int xn_fail_field(xn_error *err, int status, const char *code, const char *field, const char *fmt,
                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(err, status, code, field, fmt, ap);
    va_end(ap);
    return status;
}

void xn_error_clear(xn_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

const char *xn_err_name(int status)
{
    switch (status) {
    case XN_OK:
        return "ok";
    case XN_ENOMEM:
        return "out_of_memory";
    case XN_EINVAL:
        return "invalid";
    case XN_ENOTFOUND:
        return "not_found";
    case XN_EBUSY:
        return "busy";
    case XN_EIO:
        return "io_error";
    case XN_ECONFLICT:
        return "conflict";
    case XN_EDENIED:
        return "forbidden";
    case XN_ETOOBIG:
        return "too_large";
    case XN_ESCHEMA:
        return "schema_newer";
    default:
        return "internal";
    }
}

static void *check(void *p)
{
    if (!p) {
        fputs("xinan: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *xn_xmalloc(size_t n)
{
    return check(malloc(n ? n : 1));
}

void *xn_xcalloc(size_t count, size_t size)
{
    return check(calloc(count ? count : 1, size ? size : 1));
}

void *xn_xrealloc(void *p, size_t n)
{
    return check(realloc(p, n ? n : 1));
}

char *xn_xstrdup(const char *s)
{
    return check(strdup(s));
}
