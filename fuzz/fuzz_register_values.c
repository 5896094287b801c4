/* libFuzzer harness: the register room's value validators (register.h), fed any bytes as a
 * value of every field type. Nothing reads out of bounds; a value that passes has a canonical
 * text that is valid UTF-8, fits, and passes again unchanged (canonical forms are fixed points). */
#include "register/register.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    static const register_option opts[] = {{"pc", "台式计算机"}, {NULL, NULL}};
    static char out[REGISTER_MAX_VALUE + 64], again[REGISTER_MAX_VALUE + 64];
    json_t *v = json_string(s); /* NULL for invalid UTF-8: refused as a wrong type */
    for (int t = RT_TEXT; t <= RT_REF; t++) {
        register_field f = {.key = "f", .label = "字段", .type = (register_type)t, .options = opts};
        xn_error err;
        if (register_value(NULL, &f, v, out, sizeof out, &err) != XN_OK || !out[0])
            continue;
        size_t n = strlen(out);
        if (n >= sizeof out || !xn_utf8_valid(out, n))
            abort();
        json_t *c = json_string(out);
        if (register_value(NULL, &f, c, again, sizeof again, &err) != XN_OK ||
            strcmp(out, again) != 0)
            abort();
        json_decref(c);
    }
    json_decref(v);
    free(s);
    return 0;
}
