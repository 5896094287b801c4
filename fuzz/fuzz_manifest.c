/*
 * Fuzzes the guard's manifest parser (MON-4): whatever comes in, an accepted manifest has
 * entries sorted strictly by path, every path passes guard_path_ok, every entry is found by
 * guard_manifest_find, and files carry a 64-hex digest.
 */
#include "guard/guard.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guard_manifest m;
    xn_error err = {0};
    if (guard_manifest_parse((const char *)data, size, &m, &err) != XN_OK)
        return 0;
    for (size_t i = 0; i < m.count; i++) {
        const guard_entry *e = &m.entries[i];
        if (!guard_path_ok(e->path, strlen(e->path)) || guard_manifest_find(&m, e->path) != e)
            abort();
        if (i > 0 && strcmp(m.entries[i - 1].path, e->path) >= 0)
            abort();
        if (e->type == GUARD_FILE && strlen(e->digest) != GUARD_DIGEST_HEX)
            abort();
    }
    guard_manifest_free(&m);
    return 0;
}
