/*
 * Fuzzes the website watch's page reader (MON-3, MON-6): any bytes a web server may send are
 * parsed without a crash; every link has an href and a host that is lowercase and holds no
 * path, port or credentials; the visible text is a NUL-terminated string of the length given.
 */
#include "monitor/monitor.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    monitor_page p;
    xn_error err = {0};
    if (monitor_page_parse((const char *)data, size, &p, &err) != XN_OK)
        return 0;
    for (size_t i = 0; i < p.nlinks; i++) {
        const monitor_link *l = &p.links[i];
        if (!l->href || !l->host || strpbrk(l->host, "/?#@"))
            abort();
        for (const char *c = l->host; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                abort();
    }
    if (!p.text || strlen(p.text) != p.text_len)
        abort();
    monitor_page_free(&p);
    return 0;
}
