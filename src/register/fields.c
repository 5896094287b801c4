/* One validator per field type, each with a Chinese message naming the field (register.h). */
#include "register/register_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int bad(const register_field *f, xn_error *err, const char *what)
{
    return xn_fail_field(err, XN_EINVAL, "bad_value", f->key, "%s：%s", f->label, what);
}

/* A value as text: strings as they are, integers in decimal, booleans as yes/no. */
static bool as_text(const json_t *v, char *buf, size_t size, const char **out)
{
    if (json_is_string(v)) {
        *out = json_string_value(v);
        return true;
    }
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        *out = buf;
        return true;
    }
    if (json_is_real(v)) {
        snprintf(buf, size, "%.6g", json_real_value(v));
        *out = buf;
        return true;
    }
    if (json_is_boolean(v)) {
        *out = json_is_true(v) ? "yes" : "no";
        return true;
    }
    return false;
}

static bool all_digits(const char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return to > from;
}

static bool domain_ok(const char *s, char *out, size_t size)
{
    size_t n = strlen(s);
    if (n < 3 || n > 253 || n >= size)
        return false;
    size_t label = 0, labels = 0;
    bool alpha_tld = false;
    for (size_t i = 0; i <= n; i++) {
        char c = (char)tolower((unsigned char)s[i]);
        if (i == n || c == '.') {
            if (label == 0 || label > 63 || out[i - 1] == '-')
                return false;
            labels++;
            label = 0;
            out[i] = c;
            continue;
        }
        if (!(isalnum((unsigned char)c) || c == '-') || (label == 0 && c == '-'))
            return false;
        alpha_tld = label == 0 ? isalpha((unsigned char)c) : alpha_tld && isalpha((unsigned char)c);
        out[i] = c;
        label++;
    }
    return labels >= 2 && alpha_tld;
}

/* aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or 12 hex digits; not all zeros,
 * not a group address. */
static bool mac_ok(const char *s, char out[18])
{
    char hex[13];
    size_t h = 0, n = strlen(s);
    if (n != 17 && n != 14 && n != 12)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (isxdigit((unsigned char)c)) {
            if (h == 12)
                return false;
            hex[h++] = (char)tolower((unsigned char)c);
        } else if (!((n == 17 && (c == ':' || c == '-') && i % 3 == 2) ||
                     (n == 14 && c == '.' && i % 5 == 4))) {
            return false;
        }
    }
    if (h != 12)
        return false;
    hex[12] = '\0';
    if (strcmp(hex, "000000000000") == 0 || strcmp(hex, "ffffffffffff") == 0)
        return false;
    snprintf(out, 18, "%.2s:%.2s:%.2s:%.2s:%.2s:%.2s", hex, hex + 2, hex + 4, hex + 6, hex + 8,
             hex + 10);
    return true;
}

/* A mobile (11 digits from 13-19) or a fixed line (0 + area code, 7-8 digits, extension). */
static bool phone_ok(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = s; *p && n + 1 < size; p++)
        if (*p != ' ')
            out[n++] = *p;
    out[n] = '\0';
    if (n == 11 && out[0] == '1' && out[1] >= '3' && all_digits(out, 0, 11))
        return true;
    const char *dash = strchr(out, '-');
    if (out[0] != '0' || !dash)
        return false;
    size_t area = (size_t)(dash - out);
    const char *ext = strchr(dash + 1, '-');
    size_t local = ext ? (size_t)(ext - dash - 1) : strlen(dash + 1);
    return area >= 3 && area <= 4 && all_digits(out, 0, area) && local >= 7 && local <= 8 &&
           all_digits(dash + 1, 0, local) &&
           (!ext || (strlen(ext + 1) >= 1 && strlen(ext + 1) <= 6 &&
                     all_digits(ext + 1, 0, strlen(ext + 1))));
}

static bool email_ok(const char *s, char *out, size_t size)
{
    const char *at = strrchr(s, '@');
    size_t local = at ? (size_t)(at - s) : 0;
    if (!at || local == 0 || local > 64 || strlen(s) > 254 || strlen(s) >= size)
        return false;
    for (size_t i = 0; i < local; i++)
        if (!(isalnum((unsigned char)s[i]) || strchr(".!#$%&'*+/=?^_`{|}~-", s[i])) ||
            (s[i] == '.' && (i == 0 || i + 1 == local || s[i + 1] == '.')))
            return false;
    memcpy(out, s, local + 1);
    return domain_ok(at + 1, out + local + 1, size - local - 1);
}

static bool url_ok(const char *s)
{
    size_t n = strlen(s);
    const char *rest = strncmp(s, "https://", 8) == 0  ? s + 8
                       : strncmp(s, "http://", 7) == 0 ? s + 7
                                                       : NULL;
    if (!rest || n > 2048)
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return false;
    size_t host = strcspn(rest, ":/?#");
    if (host == 0 || host > 253)
        return false;
    char h[254], canon[254];
    memcpy(h, rest, host);
    h[host] = '\0';
    xn_ip ip;
    if (h[0] == '[')
        return rest[host - 1] == ']';
    return xn_ip_parse(h, &ip) || domain_ok(h, canon, sizeof canon) || strcmp(h, "localhost") == 0;
}

static bool in_tree(const json_t *nodes, int64_t id)
{
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        if (json_integer_value(json_object_get(n, "id")) == id ||
            in_tree(json_object_get(n, "children"), id))
            return true;
    }
    return false;
}

static const char *const secrecy_levels[] = {"绝密", "机密", "秘密", "内部", "公开", NULL};

int register_value(register_ctx *c, const register_field *f, const json_t *value, char *out,
                   size_t size, xn_error *err)
{
    char num[64];
    const char *s = NULL;
    out[0] = '\0';
    if (!as_text(value, num, sizeof num, &s))
        return bad(f, err, "值的类型不对");
    size_t n = strlen(s);
    if (n >= size || n > REGISTER_MAX_VALUE)
        return xn_fail_field(err, XN_EINVAL, "too_long", f->key, "%s：内容过长", f->label);
    if (n == 0)
        return XN_OK; /* empty: the caller decides whether that is allowed */
    int64_t id = 0;
    switch (f->type) {
    case RT_TEXT:
        if (xn_check_text(s, 512, XN_TEXT_LABEL, false, f->key, f->label, err) != XN_OK)
            return err->status;
        snprintf(out, size, "%s", s);
        return XN_OK;
    case RT_LONGTEXT:
        if (xn_check_text(s, REGISTER_MAX_VALUE, XN_TEXT_FREE, false, f->key, f->label, err) !=
            XN_OK)
            return err->status;
        snprintf(out, size, "%s", s);
        return XN_OK;
    case RT_INT:
        if (xn_parse_int64(s, -INT64_C(999999999999999), INT64_C(999999999999999), &id) != XN_OK)
            return bad(f, err, "应为整数");
        snprintf(out, size, "%lld", (long long)id);
        return XN_OK;
    case RT_DECIMAL: {
        size_t dot = strcspn(s, ".");
        size_t sign = s[0] == '-';
        if (!all_digits(s, sign, dot) || dot - sign > 15 ||
            (s[dot] && (!all_digits(s, dot + 1, n) || n - dot - 1 > 4)))
            return bad(f, err, "应为数字，至多 4 位小数");
        snprintf(out, size, "%s", s);
        return XN_OK;
    }
    case RT_DATE: {
        int32_t day;
        if (n != 10 || !xn_date_parse(s, n, &day))
            return bad(f, err, "应为日期，格式 2026-12-06");
        xn_date_format(day, out);
        return XN_OK;
    }
    case RT_DATETIME: {
        int64_t at;
        char iso[XN_TIME_STR + 8];
        snprintf(iso, sizeof iso, "%s", s);
        if (n == 19 || n == 16)
            iso[10] = 'T'; /* "2026-12-06 10:30[:00]": Shanghai time */
        if (xn_time_parse(iso, &at) != XN_OK)
            return bad(f, err, "应为日期时间，格式 2026-12-06 10:30:00");
        char t[XN_TIME_STR];
        xn_time_format(at, t);
        t[10] = ' ';
        t[19] = '\0';
        snprintf(out, size, "%s", t);
        return XN_OK;
    }
    case RT_BOOL:
        if (strcmp(s, "yes") && strcmp(s, "no") && strcmp(s, "是") && strcmp(s, "否"))
            return bad(f, err, "应为是或否");
        snprintf(out, size, "%s", strcmp(s, "yes") == 0 || strcmp(s, "是") == 0 ? "yes" : "no");
        return XN_OK;
    case RT_ENUM:
        for (const register_option *o = f->options; o->value; o++)
            if (strcmp(s, o->value) == 0 || strcmp(s, o->label) == 0) {
                snprintf(out, size, "%s", o->value);
                return XN_OK;
            }
        return bad(f, err, "不是可选的值");
    case RT_SECRECY:
        for (int i = 0; secrecy_levels[i]; i++)
            if (strcmp(s, secrecy_levels[i]) == 0) {
                snprintf(out, size, "%s", s);
                return XN_OK;
            }
        return bad(f, err, "密级应为绝密、机密、秘密、内部或公开");
    case RT_IPV4:
    case RT_IPV6: {
        xn_ip ip;
        if (!xn_ip_parse(s, &ip) || ip.v4 != (f->type == RT_IPV4))
            return bad(f, err,
                       f->type == RT_IPV4 ? "应为 IPv4 地址，如 10.1.2.3"
                                          : "应为 IPv6 地址，如 2001:db8::1");
        char t[XN_IP_STR];
        xn_ip_format(&ip, t);
        snprintf(out, size, "%s", t);
        return XN_OK;
    }
    case RT_CIDR: {
        xn_cidr net;
        if (!xn_cidr_parse(s, &net))
            return bad(f, err, "应为地址段，如 202.96.1.0/24，且主机位为 0");
        char t[XN_IP_STR];
        xn_ip_format(&net.net, t);
        snprintf(out, size, "%s/%d", t, net.net.v4 ? net.prefix - 96 : net.prefix);
        return XN_OK;
    }
    case RT_MAC:
        if (size < 18 || !mac_ok(s, out))
            return bad(f, err, "应为 MAC 地址，如 00:1a:2b:3c:4d:5e");
        return XN_OK;
    case RT_PHONE:
        if (!phone_ok(s, out, size))
            return bad(f, err, "应为手机号（11 位）或固定电话（如 0551-12345678）");
        return XN_OK;
    case RT_EMAIL:
        if (!email_ok(s, out, size))
            return bad(f, err, "应为电子邮箱地址");
        return XN_OK;
    case RT_DOMAIN:
        if (!domain_ok(s, out, size))
            return bad(f, err, "应为域名，如 www.example.gov.cn");
        return XN_OK;
    case RT_URL:
        if (!url_ok(s))
            return bad(f, err, "应为以 http:// 或 https:// 开头的网址");
        snprintf(out, size, "%s", s);
        return XN_OK;
    case RT_PERSON:
    case RT_DEPT:
    case RT_FILE:
    case RT_REF:
        if (xn_parse_int64(s, 1, INT64_MAX, &id) != XN_OK)
            return bad(f, err, "应为编号");
        snprintf(out, size, "%lld", (long long)id);
        return c ? register_exists(c, f, id, err) : XN_OK;
    }
    return bad(f, err, "类型未知");
}

int register_exists(register_ctx *c, const register_field *f, int64_t id, xn_error *err)
{
    json_t *o = NULL;
    int rc;
    xn_error ignored;
    switch (f->type) {
    case RT_PERSON:
        rc = auth_user_json(c->opt.db, id, &o, &ignored);
        json_decref(o);
        return rc == XN_OK ? XN_OK : bad(f, err, "人员不存在");
    case RT_DEPT: {
        rc = auth_org_json(c->opt.db, &o, &ignored);
        bool found = rc == XN_OK && in_tree(json_object_get(o, "items"), id);
        json_decref(o);
        return found ? XN_OK : bad(f, err, "部门不存在");
    }
    case RT_FILE: {
        files_info fi;
        if (!c->opt.files || files_get(c->opt.files, id, &fi, &ignored) != XN_OK)
            return bad(f, err, "附件不存在");
        if (strcmp(fi.scan, "infected") == 0)
            return bad(f, err, "附件染毒，已隔离，不能使用");
        return XN_OK;
    }
    case RT_REF:
        return register_row_exists(c, f->ref, id) ? XN_OK : bad(f, err, "引用的记录不存在");
    default:
        return XN_OK;
    }
}
