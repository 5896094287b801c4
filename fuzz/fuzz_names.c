/* libFuzzer harness: the one check of names and free text (ACC-1) and the line splitter of
 * uploaded lists. Any input is judged without reading out of bounds; text that passes is valid
 * UTF-8 without control or direction characters; a name that passes is not blank and does not
 * start with a formula character; the lines cover the input exactly, none holding CR or LF. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_bidi(const char *s, size_t n)
{
    /* U+202A..U+202E, U+2066..U+2069: E2 80 AA..AE, E2 81 A6..A9 */
    for (size_t i = 0; i + 2 < n; i++)
        if ((unsigned char)s[i] == 0xE2 &&
            (((unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] >= 0xAA &&
              (unsigned char)s[i + 2] <= 0xAE) ||
             ((unsigned char)s[i + 1] == 0x81 && (unsigned char)s[i + 2] >= 0xA6 &&
              (unsigned char)s[i + 2] <= 0xA9)))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = strlen(s);
    static const xn_text_kind kinds[] = {XN_TEXT_FREE, XN_TEXT_LABEL, XN_TEXT_PERSON};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        xn_error err;
        if (xn_check_text(s, 1024, kinds[k], true, "name", "名称", &err) != XN_OK)
            continue;
        if (!n || n > 1024 || !xn_utf8_valid(s, n) || has_bidi(s, n))
            abort();
        if (kinds[k] != XN_TEXT_FREE && (xn_has_control(s, n) || strchr("=+-@", s[0])))
            abort();
    }
    size_t pos = 0, len = 0, covered = 0;
    const char *line;
    while ((line = xn_next_line((const char *)data, size, &pos, &len))) {
        if (line < (const char *)data || line + len > (const char *)data + size ||
            memchr(line, '\n', len) || memchr(line, '\r', len))
            abort();
        covered = (size_t)(line - (const char *)data) + len;
    }
    if (covered > size || pos != size)
        abort();
    free(s);
    return 0;
}
