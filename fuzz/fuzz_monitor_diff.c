/*
 * Fuzzes the website watch's page diff (MON-4, MON-10): any two pages (the input split at its
 * first NUL, else in half) give a diff without a crash, bounded in size whatever their length.
 */
#include "monitor/monitor_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *a = (const char *)data;
    const char *nul = memchr(data, 0, size);
    size_t alen = nul ? (size_t)(nul - a) : size / 2;
    const char *b = a + alen + (nul ? 1 : 0);
    size_t blen = size - (size_t)(b - a);
    xn_buf out;
    xn_buf_init(&out, 1u << 20);
    monitor_text_diff(a, alen, b, blen, &out);
    /* 60 lines a side of at most 200 bytes, their signs and the two count lines */
    if (out.len > 2 * 60 * (200 + 8) + 512)
        abort();
    xn_buf_release(&out);
    return 0;
}
