/*
 * Path handling: strict per-segment percent-decoding, route matching with :params, and the
 * static-asset lookup with its SPA fallback. The raw path arrives undecoded (the server installs
 * an identity unescaper), so "%2e%2e", "%00" and "%2f" are seen here and refused rather than
 * silently turned into "..", a truncated string or a new segment.
 */
#include "http/http_internal.h"

#include <string.h>

#define MAX_SEGMENTS 32

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into out (n+1 bytes). Refuses bad escapes, NUL, '/' produced by an escape,
 * controls and invalid UTF-8. plus_is_space is for query strings. */
static bool decode(const char *s, size_t n, char *out, size_t *out_len, bool plus_is_space)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return false;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return false;
            if (c == '/' && !plus_is_space)
                return false;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        out[j++] = c;
    }
    out[j] = '\0';
    if (xn_has_control(out, j) || memchr(out, '\n', j) || memchr(out, '\r', j) ||
        memchr(out, '\t', j) || !xn_utf8_valid(out, j))
        return false;
    *out_len = j;
    return true;
}

typedef struct segments {
    int n;
    const char *seg[MAX_SEGMENTS];
} segments;

/* Splits and decodes a raw path; false when the path is malformed. */
static bool split_path(xn_arena *a, const char *path, segments *out)
{
    size_t len = strlen(path);
    if (len == 0 || len > HTTP_MAX_PATH || path[0] != '/')
        return false;
    out->n = 0;
    if (len == 1)
        return true; /* "/" has no segments */
    const char *p = path + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0) {
            if (!slash)
                break;    /* a trailing slash ends the path */
            return false; /* "//" */
        }
        if (out->n == MAX_SEGMENTS)
            return false;
        char *seg = xn_arena_alloc(a, n + 1);
        size_t seg_len = 0;
        if (!seg || !decode(p, n, seg, &seg_len, false))
            return false;
        if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 || strchr(seg, '\\'))
            return false;
        out->seg[out->n++] = seg;
        if (!slash)
            break;
        p = slash + 1;
    }
    return true;
}

/* Matches pattern "/api/x/:id" against decoded segments; fills params on success. */
static bool match_pattern(const char *pattern, const segments *segs, http_req *req)
{
    const char *p = pattern + 1;
    int i = 0, nparams = 0;
    const char *names[HTTP_MAX_PARAMS];
    const char *values[HTTP_MAX_PARAMS];
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (i >= segs->n)
            return false;
        if (p[0] == ':') {
            if (nparams == HTTP_MAX_PARAMS || segs->seg[i][0] == '\0')
                return false;
            names[nparams] = xn_arena_strndup(req->arena, p + 1, n - 1);
            values[nparams] = segs->seg[i];
            if (!names[nparams])
                return false;
            nparams++;
        } else if (strlen(segs->seg[i]) != n || memcmp(segs->seg[i], p, n) != 0) {
            return false;
        }
        i++;
        p += n;
        if (*p == '/')
            p++;
    }
    if (i != segs->n)
        return false;
    req->nparams = nparams;
    for (int k = 0; k < nparams; k++) {
        req->param_names[k] = names[k];
        req->param_values[k] = values[k];
    }
    return true;
}

int http_route_match(http_req *req, const char *method, const char *path, char *allow,
                     size_t allow_size)
{
    segments segs;
    if (!split_path(req->arena, path, &segs))
        return -3;
    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    bool path_known = false;
    if (allow_size)
        allow[0] = '\0';
    for (int i = 0; http_routes[i].method; i++) {
        if (!match_pattern(http_routes[i].pattern, &segs, req))
            continue;
        if (strcmp(http_routes[i].method, method) == 0)
            return i;
        path_known = true;
        if (allow_size) {
            size_t used = strlen(allow);
            const char *m = http_routes[i].method;
            bool is_get = strcmp(m, "GET") == 0;
            snprintf(allow + used, allow_size - used, "%s%s%s", used ? ", " : "", m,
                     is_get ? ", HEAD" : "");
        }
    }
    req->nparams = 0;
    return path_known ? -2 : -1;
}

static int cmp_asset(const void *key, const void *elem)
{
    return strcmp(key, ((const http_asset *)elem)->path);
}

const http_asset *http_asset_lookup(const char *path, bool *spa)
{
    *spa = false;
    size_t len = strlen(path);
    if (len == 0 || len > HTTP_MAX_PATH || path[0] != '/')
        return NULL;
    /* Asset names are plain ASCII; anything escaped or odd is not an asset. */
    for (const char *p = path; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '/' || c == '-' || c == '_' || c == '.';
        if (!ok)
            return NULL;
    }
    if (strstr(path, "/.") || strstr(path, "//"))
        return NULL; /* ".", "..", dot-files, empty segments */
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    const http_asset *a =
        bsearch(path, http_assets, http_assets_count, sizeof http_assets[0], cmp_asset);
    if (a)
        return a;
    /* A UI route is an extensionless path outside the API: the SPA's index.html answers it. */
    const char *last = strrchr(path, '/');
    if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 || strchr(last, '.'))
        return NULL;
    *spa = true;
    return bsearch("/index.html", http_assets, http_assets_count, sizeof http_assets[0], cmp_asset);
}

const char *http_param(const http_req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    return NULL;
}

bool http_decode_query_value(const char *raw, char *out, size_t *out_len)
{
    return decode(raw, strlen(raw), out, out_len, true);
}
