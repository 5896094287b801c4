/* libFuzzer harness: the router's path handling and the static-asset lookup. Any input must
 * be matched or refused without reading out of bounds, and a path that reaches a route has
 * decoded parameters that are valid UTF-8 without NUL or controls. */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    /* The server sees a NUL-terminated path; the first byte picks the method. */
    static const char *methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
    const char *method = methods[size ? data[0] % 6 : 0];
    char *path = malloc(size + 1);
    if (size)
        memcpy(path, data + 1, size - 1);
    path[size ? size - 1 : 0] = '\0';

    http_req req = {0};
    req.arena = xn_arena_new(1 << 20);
    char allow[64];
    int rc = http_route_match(&req, method, path, allow, sizeof allow);
    if (rc >= 0) {
        for (int i = 0; i < req.nparams; i++) {
            size_t n = strlen(req.param_values[i]);
            if (!xn_utf8_valid(req.param_values[i], n) || xn_has_control(req.param_values[i], n))
                abort();
        }
    }
    bool spa = false;
    const http_asset *a = http_asset_lookup(path, &spa);
    if (a && (strstr(path, "..") || strchr(path, '%')))
        abort(); /* an escaped or dotted path must never name a file */
    xn_arena_free(req.arena);
    free(path);
    return 0;
}
