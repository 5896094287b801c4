/*
 * libFuzzer harness: the password policy check over arbitrary candidate, current password and
 * personal data, the weak-list parser, and tightening from arbitrary settings.
 *
 * Input: one byte choosing the profile and which fields are given, then NUL-separated fields:
 * candidate, current, name, account, phone, birthday, setting key, setting value. Properties:
 * a check either succeeds or refuses the caller's data with a code; every violation has a
 * known rule and a non-empty UTF-8 message; the JSON parses and agrees with the result; an
 * over-long or malformed candidate gets only structural rules and never reaches the history
 * verifier; a tightened policy is never weaker than its profile's minimum; the first line of a
 * weak list is found in it.
 */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 8

typedef struct fixture {
    auth_dict *dict;
    auth_wordlist *weak;
} fixture;

/* Built once per process, read-only afterwards. */
static const fixture *get_fixture(void)
{
    static fixture fx;
    if (fx.dict == NULL) {
        static const char weak[] = "Hunter2Hunter2\nQwe!2024Asd\n";
        xn_error err;
        if (auth_dict_new_builtin(&fx.dict, &err) != XN_OK ||
            auth_wordlist_new(weak, sizeof weak - 1, &fx.weak, &err) != XN_OK)
            abort();
    }
    return &fx;
}

typedef struct probe {
    size_t len;
    int calls;
} probe;

static bool matches_old(void *ctx, const char *candidate)
{
    probe *p = ctx;
    if (strlen(candidate) != p->len || p->len > AUTH_PW_MAX_BYTES)
        abort(); /* only whole, NUL-free, bounded candidates reach the verifier */
    p->calls++;
    return candidate[0] == 'R'; /* some candidates count as reused */
}

static bool known_rule(const char *rule)
{
    static const char *const rules[] = {
        "min_length",    "classes",         "repeat_char", "dictionary",   "weak_list",
        "personal_name", "account_name",    "phone",       "birthday",     "reused",
        "same_position", "similar_current", "too_long",    "invalid_utf8", "control_char"};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcmp(rule, rules[i]) == 0)
            return true;
    }
    return false;
}

/* NUL-terminated copies of the fields (field 0 and 1 keep their lengths: they may hold NULs
 * only when they are the last field, which is fine: they are passed by length). */
typedef struct fields {
    char *f[NFIELDS];
    size_t len[NFIELDS];
    int n;
} fields;

static void split(const uint8_t *data, size_t size, fields *fs)
{
    size_t start = 0;
    fs->n = 0;
    for (size_t i = 0; i <= size && fs->n < NFIELDS; i++) {
        if (i == size || data[i] == 0) {
            size_t n = i - start;
            fs->f[fs->n] = malloc(n + 1);
            memcpy(fs->f[fs->n], data + start, n);
            fs->f[fs->n][n] = '\0';
            fs->len[fs->n++] = n;
            start = i + 1;
        }
    }
}

static void check_tighten(auth_profile prof, const fields *fs)
{
    auth_policy p, min;
    auth_policy_overrides ov = AUTH_POLICY_OVERRIDES_INIT;
    xn_error err;
    if (fs->n < 8)
        return;
    auth_policy_default(prof, &p);
    min = p;
    if (auth_policy_override_parse(&ov, fs->f[6], fs->f[7], &err) != XN_OK) {
        if (err.code[0] == '\0')
            abort();
        return;
    }
    if (auth_policy_tighten(&p, &ov, &err) != XN_OK) {
        if (err.code[0] == '\0' || memcmp(&p, &min, sizeof p) != 0)
            abort(); /* refused with a reason, and left unchanged */
        return;
    }
    if (p.min_length < min.min_length || p.history < min.history ||
        (p.classes & min.classes) != min.classes || (min.dictionary && !p.dictionary) ||
        (min.max_repeat != AUTH_OFF &&
         (p.max_repeat == AUTH_OFF || p.max_repeat > min.max_repeat)) ||
        (min.max_same_position != AUTH_OFF &&
         (p.max_same_position == AUTH_OFF || p.max_same_position > min.max_same_position)) ||
        (min.max_age_days > 0 && (p.max_age_days == 0 || p.max_age_days > min.max_age_days)))
        abort(); /* weaker than the regulatory minimum */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fixture *fx = get_fixture();
    fields fs;
    auth_policy policy;
    auth_policy_result r;
    xn_error err = {0};
    probe pr = {0};
    xn_buf b;

    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    split(data + 1, size - 1, &fs);
    auth_profile prof = (auth_profile)(sel & 3);
    auth_policy_default(prof, &policy);

    auth_pw_input in = {.candidate = fs.f[0], .candidate_len = fs.len[0]};
    pr.len = fs.len[0];
    if (sel & 0x04) {
        in.matches_old = matches_old;
        in.old_ctx = &pr;
    }
    if (fs.n > 1 && (sel & 0x08)) {
        in.current = fs.f[1];
        in.current_len = fs.len[1];
    }
    if (fs.n > 2 && (sel & 0x10))
        in.name = fs.f[2];
    if (fs.n > 3 && (sel & 0x20))
        in.account = fs.f[3];
    if (fs.n > 4 && (sel & 0x40))
        in.phone = fs.f[4];
    if (fs.n > 5 && (sel & 0x80))
        in.birthday = fs.f[5];

    int rc = auth_policy_check(&policy, fx->dict, fx->weak, &in, &r, &err);
    if (rc != XN_OK) {
        if (rc != XN_EINVAL || err.code[0] == '\0' || err.message[0] == '\0')
            abort();
        goto out;
    }
    if (r.count > AUTH_MAX_VIOLATIONS || r.ok != (r.count == 0))
        abort();
    bool structural =
        in.candidate_len > AUTH_PW_MAX_BYTES || !xn_utf8_valid(in.candidate, in.candidate_len);
    for (size_t i = 0; i < r.count; i++) {
        const auth_violation *v = &r.violations[i];
        size_t n = strlen(v->message);
        if (!known_rule(v->rule) || n == 0 || !xn_utf8_valid(v->message, n))
            abort();
        if (structural && strcmp(v->rule, "too_long") != 0 &&
            strcmp(v->rule, "invalid_utf8") != 0 && strcmp(v->rule, "control_char") != 0)
            abort();
    }
    if (structural && (r.ok || pr.calls != 0))
        abort();
    xn_buf_init(&b, 1 << 16);
    if (auth_policy_result_json(&r, &b) != XN_OK)
        abort();
    json_t *v = xn_json_parse(b.data, b.len, 1 << 16, &err);
    if (v == NULL || json_is_true(json_object_get(v, "ok")) != r.ok ||
        json_array_size(json_object_get(v, "violations")) != r.count)
        abort();
    json_decref(v);
    xn_buf_release(&b);

    /* The dictionary on the raw bytes, whatever they are. */
    (void)auth_dict_match(fx->dict, in.candidate, in.candidate_len);

    /* The weak-list parser: the first line, when it is an entry, is found. */
    auth_wordlist *w = NULL;
    if (auth_wordlist_new((const char *)data + 1, size - 1, &w, &err) != XN_OK)
        abort();
    const char *line = (const char *)data + 1;
    const char *nl = memchr(line, '\n', size - 1);
    size_t ln = nl ? (size_t)(nl - line) : size - 1;
    if (ln > 0 && line[ln - 1] == '\r')
        ln--;
    bool comment = (ln == 1 && line[0] == '#') || (ln >= 2 && line[0] == '#' && line[1] == ' ');
    if (ln > 0 && ln <= AUTH_PW_MAX_BYTES && !comment && !auth_wordlist_contains(w, line, ln))
        abort();
    auth_wordlist_free(w);

    check_tighten(prof, &fs);
out:
    for (int i = 0; i < fs.n; i++)
        free(fs.f[i]);
    return 0;
}
