/* libFuzzer harness: the checks of an upload (room files/). The input is a file name, a NUL,
 * then the first bytes of a content. A name that passes has no path separator, no "..", no
 * control byte and fits FILES_MAX_NAME; a type check that passes names an evidence extension;
 * the Content-Disposition of a passing name is printable ASCII with no quote inside its
 * quoted part, and its filename* decodes back to the name. */
#include "files/files.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static files_store *detector; /* libmagic loaded once for the run */

static int unhex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

static void check_disposition(const char *name)
{
    char out[1024];
    if (files_disposition(name, out, sizeof out) != XN_OK)
        return;
    for (const char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            abort();
    const char *q = strstr(out, "filename=\"") + 10;
    const char *end = strchr(q, '"');
    if (!end || strncmp(end, "\"; filename*=UTF-8''", 20) != 0)
        abort();
    const char *enc = end + 20;
    char back[FILES_MAX_NAME * 3 + 1];
    size_t n = 0;
    for (const char *p = enc; *p; p++) {
        if (*p == '%') {
            back[n++] = (char)(unhex(p[1]) * 16 + unhex(p[2]));
            p += 2;
        } else {
            back[n++] = *p;
        }
    }
    back[n] = '\0';
    if (strcmp(back, name) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!detector) {
        xn_config cfg;
        xn_config_defaults(&cfg);
        xn_error err;
        if (files_open(&detector, &cfg, NULL, NULL, &err) != XN_OK)
            abort();
    }
    if (size > 65536)
        return 0;
    const uint8_t *nul = memchr(data, '\0', size);
    size_t name_len = nul ? (size_t)(nul - data) : size;
    const uint8_t *head = nul ? nul + 1 : data + size;
    size_t head_len = nul ? size - name_len - 1 : 0;
    char *name = malloc(name_len + 1);
    memcpy(name, data, name_len);
    name[name_len] = '\0';

    xn_error err;
    if (files_check_name(name, name_len, &err) == XN_OK) {
        if (name_len > FILES_MAX_NAME || strchr(name, '/') || strchr(name, '\\') ||
            strstr(name, "..") || name[0] == '.')
            abort();
        for (size_t i = 0; i < name_len; i++)
            if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
                abort();
        check_disposition(name);
        char type[FILES_MAX_TYPE];
        files_detect(detector, head, head_len, type);
        if (files_check_type(name, type, head, head_len, &err) == XN_OK && !strrchr(name, '.'))
            abort();
    } else if (err.status != XN_EINVAL || strcmp(err.field, "filename") != 0) {
        abort();
    }
    free(name);
    return 0;
}
