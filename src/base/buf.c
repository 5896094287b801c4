/* Growable byte buffer with a hard maximum: every append checks overflow before it happens. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

void xn_buf_init(xn_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX - 1;
}

void xn_buf_release(xn_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void xn_buf_reset(xn_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(xn_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return XN_ETOOBIG;
    size_t need = b->len + extra + 1; /* room for the terminating NUL */
    if (need <= b->cap)
        return XN_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return XN_ENOMEM;
    b->data = p;
    b->cap = cap;
    return XN_OK;
}

int xn_buf_append(xn_buf *b, const void *data, size_t n)
{
    int rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return XN_OK;
}

int xn_buf_puts(xn_buf *b, const char *s)
{
    return xn_buf_append(b, s, strlen(s));
}

int xn_buf_vprintf(xn_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return XN_EINVAL;
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return XN_OK;
}

int xn_buf_printf(xn_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = xn_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *xn_buf_detach(xn_buf *b, size_t *len)
{
    if (xn_buf_append(b, "", 0) != XN_OK) /* ensures data exists and is terminated */
        return NULL;
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
