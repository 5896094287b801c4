/*
 * JSON from outside: bounded size, bounded nesting (checked by a cheap scan before jansson
 * parses, since jansson's own limit is compiled in at 2048), valid UTF-8, typed field access
 * that names the offending field.
 */
#include "base/base.h"

#include <string.h>

/* Returns the maximum nesting depth of brackets outside strings, stopping past `limit`. */
static int nesting_depth(const char *s, size_t n, int limit)
{
    int depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                max = depth;
            if (max > limit)
                return max;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return max;
}

json_t *xn_json_parse(const char *data, size_t len, size_t max_size, xn_error *err)
{
    if (len > max_size) {
        xn_fail(err, XN_ETOOBIG, "too_large", "request body is %zu bytes; the limit is %zu", len,
                max_size);
        return NULL;
    }
    if (len == 0) {
        xn_fail(err, XN_EINVAL, "bad_json", "request body is empty; a JSON document is required");
        return NULL;
    }
    if (memchr(data, '\0', len) || !xn_utf8_valid(data, len)) {
        xn_fail(err, XN_EINVAL, "bad_json", "request body is not valid UTF-8 text");
        return NULL;
    }
    if (nesting_depth(data, len, XN_JSON_MAX_DEPTH) > XN_JSON_MAX_DEPTH) {
        xn_fail(err, XN_EINVAL, "bad_json", "JSON nesting is deeper than %d levels",
                XN_JSON_MAX_DEPTH);
        return NULL;
    }
    json_error_t jerr;
    json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        xn_fail(err, XN_EINVAL, "bad_json", "malformed JSON at line %d column %d: %s", jerr.line,
                jerr.column, jerr.text);
        return NULL;
    }
    return v;
}

int xn_json_put_string(xn_buf *b, const char *s)
{
    int rc = xn_buf_append(b, "\"", 1);
    const char *run = s;
    for (const char *p = s; *p && rc == XN_OK; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F)
            continue;
        rc = xn_buf_append(b, run, (size_t)(p - run));
        run = p + 1;
        if (rc)
            break;
        switch (c) {
        case '"':
            rc = xn_buf_puts(b, "\\\"");
            break;
        case '\\':
            rc = xn_buf_puts(b, "\\\\");
            break;
        case '\n':
            rc = xn_buf_puts(b, "\\n");
            break;
        case '\r':
            rc = xn_buf_puts(b, "\\r");
            break;
        case '\t':
            rc = xn_buf_puts(b, "\\t");
            break;
        default:
            rc = xn_buf_printf(b, "\\u%04x", c);
            break;
        }
    }
    if (rc == XN_OK)
        rc = xn_buf_append(b, run, strlen(run));
    if (rc == XN_OK)
        rc = xn_buf_append(b, "\"", 1);
    return rc;
}

static int dump_cb(const char *chunk, size_t size, void *data)
{
    return xn_buf_append(data, chunk, size) == XN_OK ? 0 : -1;
}

int xn_json_dump(xn_buf *b, const json_t *value)
{
    if (json_dump_callback(value, dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
        return XN_ETOOBIG;
    return XN_OK;
}

/* Finds a member: *v is NULL when it is absent or null, which is an error only if required. */
static int member(const json_t *obj, const char *key, bool required, json_t **v, xn_error *err)
{
    *v = json_object_get(obj, key);
    if (*v && json_is_null(*v))
        *v = NULL;
    if (!*v && required)
        return xn_fail_field(err, XN_EINVAL, "missing_field", key, "field '%s' is required", key);
    return XN_OK;
}

int xn_json_get_string(const json_t *obj, const char *key, bool required, size_t max_bytes,
                       const char **out, xn_error *err)
{
    json_t *v = NULL;
    *out = NULL;
    int rc = member(obj, key, required, &v, err);
    if (rc || !v)
        return rc;
    if (!json_is_string(v))
        return xn_fail_field(err, XN_EINVAL, "bad_field", key, "field '%s' must be a string", key);
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len > max_bytes)
        return xn_fail_field(err, XN_EINVAL, "field_too_long", key,
                             "field '%s' is longer than %zu bytes", key, max_bytes);
    if (memchr(s, '\0', len) || xn_has_control(s, len))
        return xn_fail_field(err, XN_EINVAL, "bad_field", key,
                             "field '%s' contains control characters", key);
    *out = s;
    return XN_OK;
}

int xn_json_get_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
                    int64_t *out, xn_error *err)
{
    json_t *v = NULL;
    int rc = member(obj, key, required, &v, err);
    if (rc || !v)
        return rc;
    if (!json_is_integer(v))
        return xn_fail_field(err, XN_EINVAL, "bad_field", key, "field '%s' must be an integer",
                             key);
    json_int_t n = json_integer_value(v);
    if (n < min || n > max)
        return xn_fail_field(err, XN_EINVAL, "out_of_range", key,
                             "field '%s' must be between %lld and %lld", key, (long long)min,
                             (long long)max);
    *out = n;
    return XN_OK;
}
