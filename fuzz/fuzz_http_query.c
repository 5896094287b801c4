/* libFuzzer harness: the query-value parsers of the audit and log endpoints. Any input is
 * decoded or refused without reading out of bounds; a decoded value is valid UTF-8 without NUL
 * or controls; a time that parses lies between 1970 and 9999; a severity list that parses
 * sets only bits 0..7 and at least one. */
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *raw = malloc(size + 1);
    memcpy(raw, data, size);
    raw[size] = '\0';
    char *value = malloc(size + 1);
    size_t n = 0;
    /* the server hands every parser the value as http_query_checked decoded it */
    if (http_decode_query_value(raw, value, &n)) {
        if (n != strlen(value) || !xn_utf8_valid(value, n) || xn_has_control(value, n))
            abort();
        int64_t t = -1;
        for (int end = 0; end < 2; end++) {
            if (http_parse_time(value, end, &t) == XN_OK) {
                if (t < 0 || t > 253402300799999999LL + 86400LL * 1000000)
                    abort();
            } else if (t != 0) {
                abort();
            }
        }
        unsigned mask = 0;
        if (http_parse_severities(value, &mask) && (mask == 0 || mask > 0xFF))
            abort();
    }
    free(value);
    free(raw);
    return 0;
}
