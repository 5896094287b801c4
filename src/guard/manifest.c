/* guard: the manifest's strict parser and the path checks (MON-4). */
#include "guard/guard.h"

#include <stdlib.h>
#include <string.h>

bool guard_path_ok(const char *path, size_t len)
{
    if (len == 0 || len > GUARD_MAX_PATH || path[0] == '/')
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len) {
            unsigned char c = (unsigned char)path[i];
            if (c < 0x20 || c == 0x7f)
                return false;
            if (c != '/')
                continue;
        }
        size_t n = i - start;
        if (n == 0 || n > GUARD_MAX_COMPONENT)
            return false;
        if ((n == 1 && path[start] == '.') ||
            (n == 2 && path[start] == '.' && path[start + 1] == '.'))
            return false;
        start = i + 1;
    }
    return true;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const guard_entry *)a)->path, ((const guard_entry *)b)->path);
}

const guard_entry *guard_manifest_find(const guard_manifest *m, const char *path)
{
    guard_entry key = {.path = (char *)path};
    return bsearch(&key, m->entries, m->count, sizeof key, cmp_entry);
}

void guard_manifest_free(guard_manifest *m)
{
    free(m->entries);
    free(m->text);
    memset(m, 0, sizeof *m);
}

static const char header[] = "xinan-guard-manifest 1\n";

static bool parse_u64(const char *s, unsigned base, uint64_t max, uint64_t *out)
{
    if (*s == '\0' || strlen(s) > 20)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else
            return false;
        if (d >= base || v > (max - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

static bool hex_ok(const char *s)
{
    if (strlen(s) != GUARD_DIGEST_HEX)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

int guard_manifest_parse(const char *text, size_t len, guard_manifest *out, xn_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > GUARD_MAX_MANIFEST)
        return xn_fail(err, XN_ETOOBIG, "manifest_too_large", "manifest larger than %u bytes",
                       GUARD_MAX_MANIFEST);
    if (len < sizeof header - 1 || memcmp(text, header, sizeof header - 1) != 0)
        return xn_fail(err, XN_EINVAL, "bad_header", "manifest does not start with \"%.*s\"",
                       (int)sizeof header - 2, header);
    if (memchr(text, '\0', len))
        return xn_fail(err, XN_EINVAL, "nul_byte", "manifest contains a NUL byte");
    if (text[len - 1] != '\n')
        return xn_fail(err, XN_EINVAL, "no_final_newline", "manifest does not end with a newline");
    size_t lines = 0;
    for (size_t i = sizeof header - 1; i < len; i++)
        lines += text[i] == '\n';
    if (lines > GUARD_MAX_ENTRIES)
        return xn_fail(err, XN_ETOOBIG, "too_many_entries", "manifest has more than %u entries",
                       GUARD_MAX_ENTRIES);
    char *copy = malloc(len + 1);
    guard_entry *entries = calloc(lines ? lines : 1, sizeof *entries);
    if (!copy || !entries) {
        free(copy);
        free(entries);
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    char *p = copy + sizeof header - 1;
    size_t n = 0;
    int rc = XN_OK;
    for (size_t line = 2; *p; line++) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        char *f[6];
        size_t nf = 0;
        for (char *q = p;; q++) {
            if (nf == 6) {
                rc = xn_fail(err, XN_EINVAL, "bad_line", "line %zu: more than 6 fields", line);
                goto done;
            }
            f[nf++] = q;
            q = strchr(q, '\t');
            if (!q)
                break;
            *q = '\0';
        }
        if (nf != 6) {
            rc = xn_fail(err, XN_EINVAL, "bad_line", "line %zu: expected 6 fields", line);
            goto done;
        }
        guard_entry *e = &entries[n];
        uint64_t mode;
        if (strlen(f[0]) != 1 || !strchr("fdl", f[0][0])) {
            rc = xn_fail(err, XN_EINVAL, "bad_type", "line %zu: type is not f, d or l", line);
            goto done;
        }
        e->type = f[0][0];
        if (!parse_u64(f[1], 8, 07777, &mode) || strlen(f[1]) > 5) {
            rc = xn_fail(err, XN_EINVAL, "bad_mode", "line %zu: bad mode", line);
            goto done;
        }
        e->mode = (uint32_t)mode;
        if (!parse_u64(f[2], 10, UINT64_MAX / 2, &e->size)) {
            rc = xn_fail(err, XN_EINVAL, "bad_size", "line %zu: bad size", line);
            goto done;
        }
        if (e->type == GUARD_FILE ? !hex_ok(f[3]) : strcmp(f[3], "-") != 0) {
            rc = xn_fail(err, XN_EINVAL, "bad_digest", "line %zu: bad digest", line);
            goto done;
        }
        memcpy(e->digest, f[3], strlen(f[3]) + 1);
        if (!guard_path_ok(f[4], strlen(f[4]))) {
            rc = xn_fail(err, XN_EINVAL, "bad_path",
                         "line %zu: path is empty, absolute, has '.' or '..', a control byte or "
                         "an overlong component",
                         line);
            goto done;
        }
        e->path = f[4];
        size_t tl = strlen(f[5]);
        if ((e->type == GUARD_LINK) != (tl > 0) || tl > GUARD_MAX_PATH ||
            (e->type != GUARD_FILE && e->size != 0)) {
            rc =
                xn_fail(err, XN_EINVAL, "bad_target", "line %zu: bad symlink target or size", line);
            goto done;
        }
        for (size_t i = 0; i < tl; i++)
            if ((unsigned char)f[5][i] < 0x20) {
                rc =
                    xn_fail(err, XN_EINVAL, "bad_target", "line %zu: control byte in target", line);
                goto done;
            }
        e->target = f[5];
        if (n > 0 && strcmp(entries[n - 1].path, e->path) >= 0) {
            rc = xn_fail(err, XN_EINVAL, "not_sorted", "line %zu: paths not sorted or duplicated",
                         line);
            goto done;
        }
        /* The parent of every entry must be an approved directory. */
        char *slash = strrchr(e->path, '/');
        if (slash) {
            *slash = '\0';
            guard_manifest tmp = {.entries = entries, .count = n};
            const guard_entry *parent = guard_manifest_find(&tmp, e->path);
            *slash = '/';
            if (!parent || parent->type != GUARD_DIR) {
                rc = xn_fail(err, XN_EINVAL, "no_parent", "line %zu: parent not a listed directory",
                             line);
                goto done;
            }
        }
        n++;
        p = nl + 1;
    }
done:
    if (rc != XN_OK) {
        free(copy);
        free(entries);
        return rc;
    }
    out->entries = entries;
    out->count = n;
    out->text = copy;
    return XN_OK;
}
