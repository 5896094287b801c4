/*
 * libFuzzer harness: the two parsers of the stored password policy's outside input.
 *
 * Input: one byte, then the rest. Byte & 1 == 0: the rest is a policy JSON object (the body of
 * PUT /api/policy/:profile and a stored row) for profile (byte >> 1) % 4, parsed bounded and
 * applied with auth_policy_tighten. Byte & 1 == 1: the rest is a weak-password list (the body
 * of PUT /api/policy/weak-list). Properties: a policy that is accepted is never weaker than
 * its profile's minimum, and survives a round trip through its JSON; a refusal has a code and
 * a field; a parsed list's entries are sorted, distinct, lower-cased, bounded and free of
 * line breaks, never more than the lines given, with a digest of the right shape.
 */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_policy(auth_profile profile, const char *text, size_t len)
{
    xn_error err = {0};
    json_t *obj = xn_json_parse(text, len, AUTH_POLICY_MAX_JSON, &err);
    if (obj == NULL)
        return;
    auth_policy_overrides ov;
    auth_policy p, min;
    auth_policy_default(profile, &p);
    min = p;
    if (auth_policy_overrides_from_json(profile, obj, &ov, &err) != XN_OK ||
        auth_policy_tighten(&p, &ov, &err) != XN_OK) {
        if (err.code[0] == '\0')
            abort();
        json_decref(obj);
        return;
    }
    json_decref(obj);
    if (p.min_length < min.min_length || (p.classes & min.classes) != min.classes ||
        p.history < min.history || p.dictionary < min.dictionary ||
        (min.max_repeat != AUTH_OFF &&
         (p.max_repeat == AUTH_OFF || p.max_repeat > min.max_repeat)) ||
        (min.max_same_position != AUTH_OFF &&
         (p.max_same_position == AUTH_OFF || p.max_same_position > min.max_same_position)) ||
        (min.max_age_days > 0 && (p.max_age_days == 0 || p.max_age_days > min.max_age_days)))
        abort(); /* weaker than the minimum */
    /* the JSON of the result reads back as the same policy */
    json_t *again = auth_policy_json(&p);
    auth_policy q = min;
    if (auth_policy_overrides_from_json(profile, again, &ov, &err) != XN_OK ||
        auth_policy_tighten(&q, &ov, &err) != XN_OK || q.min_length != p.min_length ||
        q.classes != p.classes || q.history != p.history || q.max_repeat != p.max_repeat ||
        q.max_same_position != p.max_same_position || q.dictionary != p.dictionary ||
        q.max_age_days != p.max_age_days)
        abort();
    json_decref(again);
}

static void check_list(const char *text, size_t len)
{
    auth_weak_parsed list;
    xn_error err = {0};
    if (auth_weak_list_parse(text, len, CRYPTO_B2, &list, &err) != XN_OK) {
        if (err.code[0] == '\0')
            abort();
        auth_weak_parsed_release(&list);
        return;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (list.info.entries + list.info.ignored > lines || strncmp(list.info.digest, "b2:", 3) != 0 ||
        strlen(list.info.digest) != 3 + 2 * CRYPTO_HASH_BYTES)
        abort();
    for (size_t i = 0; i < list.info.entries; i++) {
        const auth_weak_entry *e = &list.entries[i];
        if (e->n == 0 || e->n > AUTH_PW_MAX_BYTES || memchr(e->s, '\n', e->n))
            abort();
        for (size_t k = 0; k < e->n; k++)
            if (e->s[k] >= 'A' && e->s[k] <= 'Z')
                abort();
        if (i > 0) {
            const auth_weak_entry *p = &list.entries[i - 1];
            size_t n = p->n < e->n ? p->n : e->n;
            int c = memcmp(p->s, e->s, n);
            if (c > 0 || (c == 0 && p->n >= e->n))
                abort(); /* not sorted and distinct */
        }
    }
    auth_weak_parsed_release(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *rest = (const char *)data + 1;
    if (data[0] & 1)
        check_list(rest, size - 1);
    else
        check_policy((auth_profile)((data[0] >> 1) % AUTH_PROFILES), rest, size - 1);
    return 0;
}
