/*
 * The password policy engine (ACC-8, ACC-9, ACC-10, ACC-18): the profiles' regulatory minimums,
 * tightening by the security administrator, the check that returns every broken rule with a
 * stable id and a Chinese message, and the JSON shape the CLI prints and the API returns.
 *
 * A check first looks at the candidate's structure (bound, UTF-8, control characters); only a
 * candidate that passes is decoded and put through the rules, in a fixed order so that the UI
 * lists them the same way every time. Dictionary and personal-data rules live in dict.c and
 * personal.c.
 */
#include "auth/auth_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- profiles ------------------------------------------------------------------------------ */

static const char *const profile_names[] = {"user", "admin", "server", "media"};

const char *auth_profile_name(auth_profile profile)
{
    if ((unsigned)profile >= sizeof profile_names / sizeof profile_names[0])
        return "unknown";
    return profile_names[profile];
}

int auth_profile_parse(const char *name, auth_profile *out)
{
    for (size_t i = 0; i < sizeof profile_names / sizeof profile_names[0]; i++) {
        if (strcmp(name, profile_names[i]) == 0) {
            *out = (auth_profile)i;
            return XN_OK;
        }
    }
    return XN_EINVAL;
}

void auth_policy_default(auth_profile profile, auth_policy *out)
{
    /* ACC-8, ACC-18: ordinary users and new-media accounts. ACC-10: < 1 month. HS 附件4 §6
     * holds for every account: no meaningful word or weak password (the dictionary), never
     * personal data, no direct relation to the old password. */
    *out = (auth_policy){.profile = profile,
                         .min_length = 10,
                         .classes = AUTH_CLASS_LETTER | AUTH_CLASS_DIGIT,
                         .history = 6,
                         .max_repeat = AUTH_OFF,
                         .max_same_position = AUTH_OFF,
                         .dictionary = true,
                         .max_age_days = 30};
    if (profile == AUTH_PROFILE_ADMIN || profile == AUTH_PROFILE_SERVER) {
        /* ACC-9: administrators; ACC-10: servers 30 days, important servers 7 days. */
        out->classes = AUTH_CLASS_LETTER | AUTH_CLASS_DIGIT | AUTH_CLASS_SYMBOL;
        out->history = 10;
        out->max_repeat = 2;
        out->max_same_position = 3;
        out->max_age_days = profile == AUTH_PROFILE_SERVER ? 7 : 30;
    }
}

/* ---- tightening ---------------------------------------------------------------------------- */

#define MAX_MIN_LENGTH 128
#define MAX_HISTORY    24
#define MAX_LIMIT      64
#define MAX_AGE_DAYS   3650

static const char *const profile_labels[] = {"普通用户", "管理员", "重要服务器账号",
                                             "政务新媒体账号"};

const char *auth_profile_label(auth_profile profile)
{
    if ((unsigned)profile >= sizeof profile_labels / sizeof profile_labels[0])
        return "未知";
    return profile_labels[profile];
}

/* The Chinese name of a setting, for messages and the UI. */
const char *auth_policy_field_label(const char *key)
{
    static const struct {
        const char *key, *label;
    } labels[] = {{"min_length", "最小长度"},
                  {"classes", "字符类别"},
                  {"history", "不得重复使用的历史密码个数"},
                  {"max_repeat", "同一字符最多出现次数"},
                  {"max_same_position", "与当前密码相同位置相同字符的上限"},
                  {"dictionary", "字典与弱密码检查"},
                  {"max_age_days", "密码最长使用天数"}};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].key, key) == 0)
            return labels[i].label;
    return key;
}

static int range_error(xn_error *err, const char *key, int lo, int hi)
{
    return xn_fail_field(err, XN_EINVAL, "policy_range", key,
                         "%s必须在 %d 到 %d 之间 (%s must be between %d and %d)",
                         auth_policy_field_label(key), lo, hi, key, lo, hi);
}

static int weaker(xn_error *err, const auth_policy *min, const char *key, const char *value,
                  const char *minimum)
{
    return xn_fail_field(err, XN_EINVAL, "policy_weaker", key,
                         "%s %s 低于%s策略的最低要求 %s，策略只能加严、不能放宽 (%s %s is weaker "
                         "than the %s profile's minimum of %s)",
                         auth_policy_field_label(key), value, auth_profile_label(min->profile),
                         minimum, key, value, auth_profile_name(min->profile), minimum);
}

static void limit_str(int v, char out[16])
{
    if (v == AUTH_OFF)
        snprintf(out, 16, "off");
    else
        snprintf(out, 16, "%d", v);
}

/* A limit where lower is stricter and AUTH_OFF means none (max_repeat, max_same_position). */
static int tighten_limit(int v, int minimum, int lo, const char *key, const auth_policy *min,
                         int *out, xn_error *err)
{
    char a[16], b[16];
    if (v == AUTH_KEEP)
        return XN_OK;
    if (v != AUTH_OFF && (v < lo || v > MAX_LIMIT))
        return range_error(err, key, lo, MAX_LIMIT);
    if (minimum != AUTH_OFF && (v == AUTH_OFF || v > minimum)) {
        limit_str(v, a);
        limit_str(minimum, b);
        return weaker(err, min, key, a, b);
    }
    *out = v;
    return XN_OK;
}

int auth_policy_tighten(auth_policy *policy, const auth_policy_overrides *ov, xn_error *err)
{
    auth_policy min, next = *policy;
    char a[16], b[16];
    int rc;

    auth_policy_default(policy->profile, &min);
    if (ov->min_length != AUTH_KEEP) {
        if (ov->min_length < 1 || ov->min_length > MAX_MIN_LENGTH)
            return range_error(err, "min_length", 1, MAX_MIN_LENGTH);
        if (ov->min_length < min.min_length) {
            snprintf(a, sizeof a, "%d", ov->min_length);
            snprintf(b, sizeof b, "%d", min.min_length);
            return weaker(err, &min, "min_length", a, b);
        }
        next.min_length = ov->min_length;
    }
    if (ov->add_classes & ~(unsigned)(AUTH_CLASS_LETTER | AUTH_CLASS_DIGIT | AUTH_CLASS_SYMBOL |
                                      AUTH_CLASS_MIXED_CASE))
        return xn_fail_field(err, XN_EINVAL, "policy_range", "classes", "unknown class bits");
    next.classes |= ov->add_classes;
    if (next.classes & AUTH_CLASS_MIXED_CASE)
        next.classes |= AUTH_CLASS_LETTER;
    if (ov->history != AUTH_KEEP) {
        if (ov->history < 0 || ov->history > MAX_HISTORY)
            return range_error(err, "history", 0, MAX_HISTORY);
        if (ov->history < min.history) {
            snprintf(a, sizeof a, "%d", ov->history);
            snprintf(b, sizeof b, "%d", min.history);
            return weaker(err, &min, "history", a, b);
        }
        next.history = ov->history;
    }
    rc =
        tighten_limit(ov->max_repeat, min.max_repeat, 1, "max_repeat", &min, &next.max_repeat, err);
    if (rc != XN_OK)
        return rc;
    rc = tighten_limit(ov->max_same_position, min.max_same_position, 0, "max_same_position", &min,
                       &next.max_same_position, err);
    if (rc != XN_OK)
        return rc;
    if (ov->dictionary != AUTH_KEEP) {
        if (ov->dictionary != 0 && ov->dictionary != 1)
            return range_error(err, "dictionary", 0, 1);
        if (min.dictionary && !ov->dictionary)
            return weaker(err, &min, "dictionary", "off", "on");
        next.dictionary = ov->dictionary == 1;
    }
    if (ov->max_age_days != AUTH_KEEP) {
        if (ov->max_age_days < 0 || ov->max_age_days > MAX_AGE_DAYS)
            return range_error(err, "max_age_days", 0, MAX_AGE_DAYS);
        if (min.max_age_days > 0 &&
            (ov->max_age_days == 0 || ov->max_age_days > min.max_age_days)) {
            if (ov->max_age_days == 0)
                snprintf(a, sizeof a, "0 (never)");
            else
                snprintf(a, sizeof a, "%d", ov->max_age_days);
            snprintf(b, sizeof b, "%d", min.max_age_days);
            return weaker(err, &min, "max_age_days", a, b);
        }
        next.max_age_days = ov->max_age_days;
    }
    *policy = next;
    return XN_OK;
}

static int parse_int(const char *key, const char *value, bool allow_off, int *out, xn_error *err)
{
    int64_t v;
    if (allow_off && strcmp(value, "off") == 0) {
        *out = AUTH_OFF;
        return XN_OK;
    }
    if (xn_parse_int64(value, 0, 100000, &v) != XN_OK)
        return xn_fail_field(err, XN_EINVAL, "policy_value", key, "%s: '%s' is not %s", key, value,
                             allow_off ? "a number or off" : "a number");
    *out = (int)v;
    return XN_OK;
}

int auth_policy_override_parse(auth_policy_overrides *ov, const char *key, const char *value,
                               xn_error *err)
{
    if (strcmp(key, "min_length") == 0)
        return parse_int(key, value, false, &ov->min_length, err);
    if (strcmp(key, "history") == 0)
        return parse_int(key, value, false, &ov->history, err);
    if (strcmp(key, "max_repeat") == 0)
        return parse_int(key, value, true, &ov->max_repeat, err);
    if (strcmp(key, "max_same_position") == 0)
        return parse_int(key, value, true, &ov->max_same_position, err);
    if (strcmp(key, "max_age_days") == 0) {
        if (strcmp(value, "off") == 0 || strcmp(value, "never") == 0) {
            ov->max_age_days = 0;
            return XN_OK;
        }
        return parse_int(key, value, false, &ov->max_age_days, err);
    }
    if (strcmp(key, "dictionary") == 0) {
        if (strcmp(value, "on") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
            ov->dictionary = 1;
        else if (strcmp(value, "off") == 0 || strcmp(value, "false") == 0 ||
                 strcmp(value, "0") == 0)
            ov->dictionary = 0;
        else
            return xn_fail_field(err, XN_EINVAL, "policy_value", key,
                                 "dictionary: '%s' is not on or off", value);
        return XN_OK;
    }
    if (strcmp(key, "classes") == 0) {
        static const struct {
            const char *name;
            unsigned bit;
        } classes[] = {{"letters", AUTH_CLASS_LETTER},
                       {"digits", AUTH_CLASS_DIGIT},
                       {"symbols", AUTH_CLASS_SYMBOL},
                       {"mixed_case", AUTH_CLASS_MIXED_CASE}};
        unsigned bits = 0;
        for (const char *p = value; *p;) {
            size_t n = strcspn(p, ",");
            bool known = false;
            for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
                if (strlen(classes[i].name) == n && strncmp(p, classes[i].name, n) == 0) {
                    bits |= classes[i].bit;
                    known = true;
                }
            }
            if (!known)
                return xn_fail_field(err, XN_EINVAL, "policy_value", key,
                                     "classes: '%.*s' is not letters, digits, symbols or "
                                     "mixed_case",
                                     (int)(n < 32 ? n : 32), p);
            p += n;
            if (*p == ',')
                p++;
        }
        ov->add_classes |= bits;
        return XN_OK;
    }
    return xn_fail_field(err, XN_EINVAL, "policy_key", key,
                         "unknown password policy setting '%s' (min_length, classes, history, "
                         "max_repeat, max_same_position, dictionary, max_age_days)",
                         key);
}

/* ---- age (ACC-10) -------------------------------------------------------------------------- */

#define US_PER_DAY INT64_C(86400000000)

int64_t auth_policy_expires_at(const auth_policy *policy, int64_t changed_at_us)
{
    if (policy->max_age_days <= 0)
        return 0;
    return changed_at_us + policy->max_age_days * US_PER_DAY;
}

bool auth_policy_expired(const auth_policy *policy, int64_t changed_at_us, int64_t now_us)
{
    int64_t at = auth_policy_expires_at(policy, changed_at_us);
    return at != 0 && now_us >= at;
}

/* ---- UTF-8 --------------------------------------------------------------------------------- */

/* Decodes one code point of valid UTF-8 at s[*i], advancing *i. */
static uint32_t next_cp(const char *s, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    if (p[0] < 0x80) {
        *i += 1;
        return p[0];
    }
    if (p[0] < 0xE0) {
        *i += 2;
        return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    }
    if (p[0] < 0xF0) {
        *i += 3;
        return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    }
    *i += 4;
    return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
           (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
}

size_t auth_utf8_decode(const char *s, size_t n, uint32_t *out, size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < n && count < max;)
        out[count++] = next_cp(s, &i);
    return count;
}

/* Control characters (C0 with tab, CR and LF, DEL, C1) and invisible format characters
 * (soft hyphen, zero-width and direction marks, word joiners, BOM, interlinear annotation). */
static bool invisible(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD || cp == 0x61C || cp == 0x180E ||
           (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB);
}

static bool has_invisible(const char *s, size_t n, bool valid_utf8)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        if (valid_utf8) {
            cp = next_cp(s, &i);
        } else {
            cp = (unsigned char)s[i++];
            if (cp >= 0x80)
                continue; /* not decodable: only ASCII controls are certain */
        }
        if (invisible(cp))
            return true;
    }
    return false;
}

/* ---- the check ----------------------------------------------------------------------------- */

static void add(auth_policy_result *r, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(auth_policy_result *r, const char *rule, const char *fmt, ...)
{
    va_list ap;
    if (r->count == AUTH_MAX_VIOLATIONS)
        return; /* cannot happen: there are fewer rules than slots */
    auth_violation *v = &r->violations[r->count++];
    v->rule = rule;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof v->message, fmt, ap);
    va_end(ap);
}

static void classes_rule(const auth_policy *p, const uint32_t *cps, size_t n, auth_policy_result *r)
{
    unsigned have = 0;
    bool upper = false, lower = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cps[i];
        if (c >= 'a' && c <= 'z')
            lower = true;
        else if (c >= 'A' && c <= 'Z')
            upper = true;
        else if (c >= '0' && c <= '9')
            have |= AUTH_CLASS_DIGIT;
        else
            have |= AUTH_CLASS_SYMBOL;
    }
    if (upper || lower)
        have |= AUTH_CLASS_LETTER;
    if (upper && lower)
        have |= AUTH_CLASS_MIXED_CASE;
    if ((have & p->classes) == p->classes)
        return;
    const char *parts[4];
    int k = 0;
    if (p->classes & AUTH_CLASS_MIXED_CASE) {
        parts[k++] = "大写字母";
        parts[k++] = "小写字母";
    } else if (p->classes & AUTH_CLASS_LETTER) {
        parts[k++] = "字母";
    }
    if (p->classes & AUTH_CLASS_DIGIT)
        parts[k++] = "数字";
    if (p->classes & AUTH_CLASS_SYMBOL)
        parts[k++] = "特殊符号";
    char list[96] = "";
    size_t len = 0;
    for (int i = 0; i < k; i++) {
        const char *sep = i == 0 ? "" : i == k - 1 ? "和" : "、";
        int w = snprintf(list + len, sizeof list - len, "%s%s", sep, parts[i]);
        if (w > 0 && (size_t)w < sizeof list - len)
            len += (size_t)w;
    }
    add(r, "classes", "密码必须同时包含%s", list);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int most_repeated(const uint32_t *cps, size_t n)
{
    uint32_t sorted[AUTH_PW_MAX_BYTES];
    int best = 0;
    memcpy(sorted, cps, n * sizeof *cps);
    qsort(sorted, n, sizeof *sorted, cmp_u32);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && sorted[j] == sorted[i])
            j++;
        if ((int)(j - i) > best)
            best = (int)(j - i);
        i = j;
    }
    return best;
}

/* ASCII case-insensitive: does hay[0..hn) contain needle[0..nn)? */
static bool contains_fold(const char *hay, size_t hn, const char *needle, size_t nn)
{
    for (size_t i = 0; nn > 0 && i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn) {
            if (auth_lower(hay[i + k]) != auth_lower(needle[k]))
                break;
            k++;
        }
        if (k == nn)
            return true;
    }
    return false;
}

/* The letters of s[0..n) only, ASCII case folded, into out (at most AUTH_PW_MAX_BYTES). */
static size_t letters_only(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < AUTH_PW_MAX_BYTES; i++) {
        char c = auth_lower(s[i]);
        if ((c >= 'a' && c <= 'z') || (unsigned char)c >= 0x80)
            out[k++] = c;
    }
    return k;
}

/* The rules that compare with the current password and the history (ACC-8, ACC-9). */
static void history_rules(const auth_policy *p, const auth_pw_input *in, const char *pw, size_t len,
                          const uint32_t *cps, size_t ncp, auth_policy_result *r)
{
    bool identical = in->current && in->current_len == len && memcmp(in->current, pw, len) == 0;
    bool reused = identical;
    char copy[AUTH_PW_MAX_BYTES + 1];

    if (!reused && p->history > 0 && in->matches_old) {
        memcpy(copy, pw, len);
        copy[len] = '\0';
        reused = in->matches_old(in->old_ctx, copy);
    }
    if (reused) {
        if (p->history > 0)
            add(r, "reused", "新密码不能与最近 %d 次使用过的密码相同", p->history);
        else
            add(r, "reused", "新密码不能与当前密码相同");
    }
    if (in->current == NULL || identical)
        return;
    uint32_t cur[AUTH_PW_MAX_BYTES];
    size_t ncur = auth_utf8_decode(in->current, in->current_len, cur, AUTH_PW_MAX_BYTES);
    if (p->max_same_position != AUTH_OFF) {
        int same = 0;
        for (size_t i = 0; i < ncp && i < ncur; i++)
            same += cps[i] == cur[i];
        if (same > p->max_same_position)
            add(r, "same_position", "新密码与当前密码相同位置上相同的字符不能超过 %d 个",
                p->max_same_position);
    }
    /* ACC-8, HS 附件4 §6, every profile: no direct relation to the old password: adding to it
     * or cutting it, changing only its case, or only its digits and symbols (Spring2024! after
     * Spring2023!), which leaves the same letters in the same order. */
    char a[AUTH_PW_MAX_BYTES], b[AUTH_PW_MAX_BYTES];
    size_t na = letters_only(pw, len, a), nb = letters_only(in->current, in->current_len, b);
    bool related = ncur >= 4 && ncp >= 4 &&
                   (contains_fold(pw, len, in->current, in->current_len) ||
                    contains_fold(in->current, in->current_len, pw, len));
    related = related || (na >= 4 && na == nb && memcmp(a, b, na) == 0);
    if (related)
        add(r, "similar_current",
            "新密码不能与当前密码直接相关（包含或截取当前密码、只改大小写、只改或增减数字和符号）");
}

int auth_policy_check(const auth_policy *p, const auth_dict *dict, const auth_wordlist *weak_list,
                      const auth_pw_input *in, auth_policy_result *out, xn_error *err)
{
    const char *pw = in->candidate ? in->candidate : "";
    size_t len = in->candidate ? in->candidate_len : 0;
    uint32_t cps[AUTH_PW_MAX_BYTES];
    size_t ncp;
    int rc;

    memset(out, 0, sizeof *out);
    if (p->dictionary && dict == NULL)
        return xn_fail(err, XN_EINVAL, "dictionary_missing",
                       "the %s profile checks the dictionary, but none was given",
                       auth_profile_name(p->profile));
    rc = auth_personal_validate(in, err);
    if (rc != XN_OK)
        return rc;
    if (in->current &&
        (in->current_len > AUTH_PW_MAX_BYTES || !xn_utf8_valid(in->current, in->current_len)))
        return xn_fail_field(err, XN_EINVAL, "bad_input", "current",
                             "the current password is not valid UTF-8 of at most %d bytes",
                             AUTH_PW_MAX_BYTES);

    /* Structure first: nothing else is computed on text that fails it. */
    bool valid = xn_utf8_valid(pw, len);
    if (len > AUTH_PW_MAX_BYTES)
        add(out, "too_long", "密码长度不能超过 %d 字节", AUTH_PW_MAX_BYTES);
    if (!valid)
        add(out, "invalid_utf8", "密码含有无效的字符编码（不是有效的 UTF-8）");
    if (has_invisible(pw, len, valid))
        add(out, "control_char", "密码不能包含控制字符或不可见字符");
    if (len > AUTH_PW_MAX_BYTES || !valid)
        goto done;
    ncp = auth_utf8_decode(pw, len, cps, AUTH_PW_MAX_BYTES);

    if ((int)ncp < p->min_length) /* ACC-8, ACC-9, ACC-18 */
        add(out, "min_length", "密码长度至少 %d 位", p->min_length);
    classes_rule(p, cps, ncp, out);
    if (p->max_repeat != AUTH_OFF && most_repeated(cps, ncp) > p->max_repeat) /* ACC-9 */
        add(out, "repeat_char", "同一字符在密码中最多出现 %d 次", p->max_repeat);
    if (p->dictionary && auth_dict_match(dict, pw, len)) /* ACC-9 */
        add(out, "dictionary",
            "密码不能是或包含字典单词、常用词组或常见弱密码（包括前后或中间加数字符号、@→a、0→o "
            "之类的变形）");
    if ((weak_list && auth_wordlist_contains(weak_list, pw, len)) ||
        (in->listed && in->listed(in->listed_ctx, pw, len)))
        add(out, "weak_list", "密码在已泄露或常见弱密码清单中，请换一个");
    unsigned hits = auth_personal_check(in, pw, len); /* ACC-9, HS 附件4 §6 */
    if (hits & AUTH_HIT_NAME)
        add(out, "personal_name", "密码不能包含姓名（汉字、拼音或拼音首字母）");
    if (hits & AUTH_HIT_ACCOUNT)
        add(out, "account_name", "密码不能包含账号名");
    if (hits & AUTH_HIT_PHONE)
        add(out, "phone", "密码不能包含电话号码");
    if (hits & AUTH_HIT_BIRTHDAY)
        add(out, "birthday", "密码不能包含出生日期");
    history_rules(p, in, pw, len, cps, ncp, out);
done:
    out->ok = out->count == 0;
    return XN_OK;
}

int auth_policy_result_json(const auth_policy_result *r, xn_buf *out)
{
    int rc = xn_buf_puts(out, r->ok ? "{\"ok\":true,\"violations\":["
                                    : "{\"ok\":false,"
                                      "\"violations\":[");
    for (size_t i = 0; i < r->count && rc == XN_OK; i++) {
        rc = xn_buf_puts(out, i == 0 ? "{\"rule\":" : ",{\"rule\":");
        if (rc == XN_OK)
            rc = xn_json_put_string(out, r->violations[i].rule);
        if (rc == XN_OK)
            rc = xn_buf_puts(out, ",\"message\":");
        if (rc == XN_OK)
            rc = xn_json_put_string(out, r->violations[i].message);
        if (rc == XN_OK)
            rc = xn_buf_puts(out, "}");
    }
    if (rc == XN_OK)
        rc = xn_buf_puts(out, "]}");
    return rc;
}
