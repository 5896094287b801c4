/* libFuzzer harness: the witness file's head-line reader, which reads a file outside the
 * database that anyone with the disk may have changed. Differential: whatever it accepts, the
 * JSON parser must read as the same head ({"head":{"seq":N,"hash":H}}, nothing else), with the
 * same number and the same 32 bytes; it never reads past the line. */
#include "audit/audit_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *line = malloc(size ? size : 1); /* exactly the line: ASan sees any read past it */
    memcpy(line, data, size);
    int64_t seq = 0;
    uint8_t hash[CRYPTO_HASH_BYTES];
    if (audit_head_parse(line, size, &seq, hash)) {
        json_t *root = json_loadb(line, size, JSON_REJECT_DUPLICATES, NULL);
        json_t *h = json_object_get(root, "head");
        uint8_t want[CRYPTO_HASH_BYTES];
        if (!h || json_object_size(root) != 1 || json_object_size(h) != 2 ||
            !json_is_integer(json_object_get(h, "seq")) ||
            json_integer_value(json_object_get(h, "seq")) != seq || seq < 1 ||
            audit_unhex(json_string_value(json_object_get(h, "hash")), want, sizeof want) !=
                XN_OK ||
            memcmp(want, hash, sizeof want) != 0)
            abort();
        json_decref(root);
    }
    free(line);
    return 0;
}
