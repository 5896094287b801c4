/* libFuzzer harness: the JSON body reader (size, depth, UTF-8 bounds) and typed field access
 * used by every handler. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xn_error err;
    json_t *v = xn_json_parse((const char *)data, size, 65536, &err);
    if (!v) {
        if (err.code[0] == '\0' || err.message[0] == '\0')
            abort(); /* every refusal explains itself */
        return 0;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *value;
        json_object_foreach(v, key, value)
        {
            const char *s = NULL;
            int64_t n = 0;
            if (xn_json_get_string(v, key, true, 256, &s, &err) == XN_OK && s &&
                (strlen(s) > 256 || xn_has_control(s, strlen(s))))
                abort();
            xn_json_get_int(v, key, false, -1000, 1000, &n, &err);
        }
    }
    xn_buf b;
    xn_buf_init(&b, 1 << 20);
    xn_json_dump(&b, v);
    xn_buf_release(&b);
    json_decref(v);
    return 0;
}
