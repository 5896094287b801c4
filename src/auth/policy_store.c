/*
 * The password policy as the security administrator sets it (ACC-8..10): each profile's
 * overrides stored in password_policy and applied over the regulatory minimum with
 * auth_policy_tighten, the weak-password list stored normalised in password_weak, the
 * checks that use both, and ageing at sign-in (ACC-10).
 *
 * A stored row is read through the same parser and the same tightening as a submitted one,
 * so a row changed around the program (a wrong type, an unknown member, a weaker value) is
 * refused the same way; readers then get "policy_corrupt", never a weaker policy.
 */
#include "auth/auth_int.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} class_names[] = {{"letters", AUTH_CLASS_LETTER},
                   {"digits", AUTH_CLASS_DIGIT},
                   {"symbols", AUTH_CLASS_SYMBOL},
                   {"mixed_case", AUTH_CLASS_MIXED_CASE}};
#define NCLASSES (sizeof class_names / sizeof class_names[0])

static const char *const fields[] = {"min_length",        "classes",    "history",     "max_repeat",
                                     "max_same_position", "dictionary", "max_age_days"};
#define NFIELDS (sizeof fields / sizeof fields[0])

auth_profile auth_profile_of(const auth_principal *p)
{
    return p->admin ? AUTH_PROFILE_ADMIN : AUTH_PROFILE_USER;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static int bad_field(xn_error *err, const char *key, const char *what)
{
    return xn_fail_field(err, XN_EINVAL, "bad_field", key, "%s（%s）%s",
                         auth_policy_field_label(key), key, what);
}

/* An integer member within [0, hi], or null when nullable (→ AUTH_OFF); absent: AUTH_KEEP. */
static int int_member(const json_t *obj, const char *key, int hi, bool nullable, int *out,
                      xn_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return XN_OK;
    if (nullable && json_is_null(v)) {
        *out = AUTH_OFF;
        return XN_OK;
    }
    if (!json_is_integer(v))
        return bad_field(err, key, nullable ? "必须是整数或 null（不限制）" : "必须是整数");
    json_int_t n = json_integer_value(v);
    if (n < 0 || n > hi)
        return xn_fail_field(err, XN_EINVAL, "policy_range", key,
                             "%s必须在 0 到 %d 之间 (%s must be between 0 and %d)",
                             auth_policy_field_label(key), hi, key, hi);
    *out = (int)n;
    return XN_OK;
}

int auth_policy_overrides_from_json(auth_profile profile, const json_t *obj,
                                    auth_policy_overrides *ov, xn_error *err)
{
    *ov = (auth_policy_overrides)AUTH_POLICY_OVERRIDES_INIT;
    if (!json_is_object(obj))
        return xn_fail(err, XN_EINVAL, "bad_body", "口令策略必须是 JSON 对象");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < NFIELDS; i++)
            known |= strcmp(key, fields[i]) == 0;
        if (!known)
            return xn_fail_field(err, XN_EINVAL, "bad_field", "body", "未知的口令策略设置项：%.40s",
                                 key);
    }
    /* Ranges are generous here; auth_policy_tighten holds the exact bounds. */
    int rc = int_member(obj, "min_length", 100000, false, &ov->min_length, err);
    if (rc == XN_OK)
        rc = int_member(obj, "history", 100000, false, &ov->history, err);
    if (rc == XN_OK)
        rc = int_member(obj, "max_repeat", 100000, true, &ov->max_repeat, err);
    if (rc == XN_OK)
        rc = int_member(obj, "max_same_position", 100000, true, &ov->max_same_position, err);
    if (rc == XN_OK)
        rc = int_member(obj, "max_age_days", 100000, false, &ov->max_age_days, err);
    if (rc != XN_OK)
        return rc;
    v = json_object_get(obj, "dictionary");
    if (v && !json_is_boolean(v))
        return bad_field(err, "dictionary", "必须是 true 或 false");
    if (v)
        ov->dictionary = json_is_true(v) ? 1 : 0;
    v = json_object_get(obj, "classes");
    if (v) {
        if (!json_is_array(v) || json_array_size(v) > NCLASSES)
            return bad_field(err, "classes",
                             "必须是字符类别的数组（letters、digits、symbols、mixed_case）");
        unsigned bits = 0;
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *name = json_string_value(json_array_get(v, i));
            bool found = false;
            for (size_t k = 0; name && k < NCLASSES; k++) {
                if (strcmp(name, class_names[k].name) == 0) {
                    bits |= class_names[k].bit;
                    found = true;
                }
            }
            if (!found)
                return bad_field(err, "classes", "只能是 letters、digits、symbols 或 mixed_case");
        }
        if (bits & AUTH_CLASS_MIXED_CASE)
            bits |= AUTH_CLASS_LETTER;
        auth_policy min;
        auth_policy_default(profile, &min);
        if ((min.classes & bits) != min.classes)
            return xn_fail_field(err, XN_EINVAL, "policy_weaker", "classes",
                                 "字符类别少于%s策略的最低要求，策略只能加严、不能放宽 (classes "
                                 "leave out one the %s profile requires)",
                                 auth_profile_label(profile), auth_profile_name(profile));
        ov->add_classes = bits & ~min.classes;
    }
    return XN_OK;
}

static json_t *limit_json(int v)
{
    return v == AUTH_OFF ? json_null() : json_integer(v);
}

static json_t *classes_json(unsigned classes)
{
    json_t *a = json_array();
    for (size_t i = 0; i < NCLASSES; i++)
        if (classes & class_names[i].bit)
            json_array_append_new(a, json_string(class_names[i].name));
    return a;
}

json_t *auth_policy_json(const auth_policy *p)
{
    return json_pack("{s:i,s:o,s:i,s:o,s:o,s:b,s:i}", "min_length", p->min_length, "classes",
                     classes_json(p->classes), "history", p->history, "max_repeat",
                     limit_json(p->max_repeat), "max_same_position",
                     limit_json(p->max_same_position), "dictionary", p->dictionary, "max_age_days",
                     p->max_age_days);
}

/* The members of eff that differ from the minimum: what is stored and shown as overrides. */
static json_t *overrides_json(const auth_policy *eff)
{
    auth_policy min;
    auth_policy_default(eff->profile, &min);
    json_t *all = auth_policy_json(eff), *o = json_object();
    if (eff->min_length != min.min_length)
        json_object_set(o, "min_length", json_object_get(all, "min_length"));
    if (eff->classes != min.classes)
        json_object_set(o, "classes", json_object_get(all, "classes"));
    if (eff->history != min.history)
        json_object_set(o, "history", json_object_get(all, "history"));
    if (eff->max_repeat != min.max_repeat)
        json_object_set(o, "max_repeat", json_object_get(all, "max_repeat"));
    if (eff->max_same_position != min.max_same_position)
        json_object_set(o, "max_same_position", json_object_get(all, "max_same_position"));
    if (eff->dictionary != min.dictionary)
        json_object_set(o, "dictionary", json_object_get(all, "dictionary"));
    if (eff->max_age_days != min.max_age_days)
        json_object_set(o, "max_age_days", json_object_get(all, "max_age_days"));
    json_decref(all);
    return o;
}

/* ---- the effective policy ------------------------------------------------------------------ */

/* Applies stored overrides text to the minimum of profile. On failure err says why (the
 * caller wraps it as policy_corrupt). */
static int apply_stored(auth_profile profile, const char *text, auth_policy *out, xn_error *err)
{
    auth_policy_default(profile, out);
    json_t *obj = xn_json_parse(text, strlen(text), AUTH_POLICY_MAX_JSON, err);
    if (obj == NULL)
        return XN_EINVAL;
    auth_policy_overrides ov;
    int rc = auth_policy_overrides_from_json(profile, obj, &ov, err);
    json_decref(obj);
    if (rc == XN_OK)
        rc = auth_policy_tighten(out, &ov, err);
    if (rc != XN_OK)
        auth_policy_default(profile, out);
    return rc;
}

typedef struct stored_row {
    bool found;
    char settings[AUTH_POLICY_MAX_JSON + 1];
    bool too_long;
    int64_t updated_at;
    char updated_by[AUTH_MAX_ACCOUNT + 1];
} stored_row;

static int read_row(store_conn *c, auth_profile profile, stored_row *row, xn_error *err)
{
    memset(row, 0, sizeof *row);
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT settings, updated_at, updated_by FROM password_policy"
                           " WHERE profile = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, auth_profile_name(profile), -1);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return XN_OK;
    if (rc != STORE_ROW)
        return rc;
    row->found = true;
    row->too_long = xn_strlcpy(row->settings, store_col_text(st, 0), sizeof row->settings) != XN_OK;
    row->updated_at = store_col_int(st, 1);
    xn_strlcpy(row->updated_by, store_col_text(st, 2), sizeof row->updated_by);
    store_stmt_done(st);
    return XN_OK;
}

/* The effective policy of a row already read; XN_EINTERNAL "policy_corrupt" when unusable. */
static int row_policy(auth_profile profile, const stored_row *row, auth_policy *out, xn_error *err)
{
    auth_policy_default(profile, out);
    if (!row->found)
        return XN_OK;
    xn_error why = {0};
    if (row->too_long)
        xn_fail(&why, XN_EINVAL, "too_large", "longer than %d bytes", AUTH_POLICY_MAX_JSON);
    else if (apply_stored(profile, row->settings, out, &why) == XN_OK)
        return XN_OK;
    return xn_fail(err, XN_EINTERNAL, "policy_corrupt",
                   "%s口令策略的存储值无法使用，请安全管理员重新保存该策略 (the stored %s password "
                   "policy is unusable: %s %s)",
                   auth_profile_label(profile), auth_profile_name(profile), why.code, why.field);
}

int auth_policy_effective(store_conn *c, auth_profile profile, auth_policy *out, xn_error *err)
{
    stored_row *row = xn_xcalloc(1, sizeof *row);
    int rc = read_row(c, profile, row, err);
    if (rc == XN_OK)
        rc = row_policy(profile, row, out, err);
    free(row);
    return rc;
}

int auth_policy_load(store *db, auth_profile profile, auth_policy *out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    rc = auth_policy_effective(c, profile, out, err);
    store_release(c);
    return rc;
}

static json_t *field_labels(void)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NFIELDS; i++)
        json_object_set_new(o, fields[i], json_string(auth_policy_field_label(fields[i])));
    return o;
}

static json_t *profile_json(auth_profile profile, const stored_row *row, bool with_overrides)
{
    auth_policy min, eff;
    xn_error err = {0};
    auth_policy_default(profile, &min);
    bool ok = row_policy(profile, row, &eff, &err) == XN_OK;
    json_t *o = json_pack("{s:s,s:s,s:o,s:o}", "profile", auth_profile_name(profile), "name",
                          auth_profile_label(profile), "minimum", auth_policy_json(&min),
                          "effective", ok ? auth_policy_json(&eff) : json_null());
    if (with_overrides) {
        json_object_set_new(o, "overrides", ok ? overrides_json(&eff) : json_object());
        json_object_set_new(o, "updated_at",
                            row->found ? json_integer(row->updated_at) : json_null());
        json_object_set_new(o, "updated_by",
                            row->found ? json_string(row->updated_by) : json_null());
        if (!ok)
            json_object_set_new(o, "error", json_string(err.message));
    }
    return o;
}

int auth_policy_list_json(store *db, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    stored_row *row = xn_xcalloc(1, sizeof *row);
    json_t *items = json_array();
    for (int p = 0; rc == XN_OK && p < AUTH_PROFILES; p++) {
        rc = read_row(c, (auth_profile)p, row, err);
        if (rc == XN_OK)
            json_array_append_new(items, profile_json((auth_profile)p, row, true));
    }
    store_release(c);
    free(row);
    if (rc != XN_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o,s:o}", "items", items, "fields", field_labels());
    return XN_OK;
}

int auth_policy_mine_json(store *db, const auth_principal *p, json_t **out, xn_error *err)
{
    auth_profile profile = auth_profile_of(p);
    auth_policy min, eff;
    int rc = auth_policy_load(db, profile, &eff, err);
    if (rc != XN_OK)
        return rc;
    auth_policy_default(profile, &min);
    *out = json_pack("{s:s,s:s,s:o,s:o}", "profile", auth_profile_name(profile), "name",
                     auth_profile_label(profile), "minimum", auth_policy_json(&min), "effective",
                     auth_policy_json(&eff));
    return XN_OK;
}

/* ---- changing a profile --------------------------------------------------------------------- */

typedef struct update_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    auth_profile profile;
    const auth_policy *next;
    const char *settings; /* the overrides to store */
} update_ctx;

static int update_tx(store_conn *tx, void *ctx, xn_error *err)
{
    update_ctx *u = ctx;
    /* before: read inside the transaction, so the record names what it replaced */
    stored_row *row = xn_xcalloc(1, sizeof *row);
    int rc = read_row(tx, u->profile, row, err);
    json_t *before = NULL;
    if (rc == XN_OK) {
        auth_policy old;
        xn_error why = {0};
        before = row_policy(u->profile, row, &old, &why) == XN_OK
                     ? auth_policy_json(&old)
                     : json_pack("{s:s}", "error", "policy_corrupt");
    }
    free(row);
    store_stmt *st;
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "INSERT INTO password_policy (profile, settings, updated_at, updated_by)"
                           " VALUES ($1, $2, $3, $4) ON CONFLICT (profile) DO UPDATE SET"
                           " settings = excluded.settings, updated_at = excluded.updated_at,"
                           " updated_by = excluded.updated_by",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, auth_profile_name(u->profile), -1);
        store_bind_text(st, 2, u->settings, -1);
        store_bind_int(st, 3, xn_now_us());
        store_bind_text(st, 4, u->actor->account, -1);
        rc = auth_step_done(st, err);
    }
    char *detail = NULL;
    if (rc == XN_OK) {
        json_t *d = json_pack("{s:O,s:o}", "before", before, "after", auth_policy_json(u->next));
        detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(d);
        rc = auth_audit_ok(u->trail, tx, u->actor, "auth.policy_update", "password_policy",
                           auth_profile_name(u->profile), detail, err);
    }
    free(detail);
    json_decref(before);
    return rc;
}

int auth_policy_update(store *db, audit_trail *trail, const auth_principal *actor,
                       auth_profile profile, const json_t *body, auth_policy *effective,
                       xn_error *err)
{
    auth_policy_overrides ov;
    auth_policy next;
    int rc = auth_policy_overrides_from_json(profile, body, &ov, err);
    if (rc != XN_OK)
        return rc;
    auth_policy_default(profile, &next);
    if ((rc = auth_policy_tighten(&next, &ov, err)) != XN_OK)
        return rc;
    json_t *o = overrides_json(&next);
    char *settings = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (settings == NULL)
        return xn_fail(err, XN_ENOMEM, "out_of_memory", "out of memory");
    update_ctx u = {
        .trail = trail, .actor = actor, .profile = profile, .next = &next, .settings = settings};
    rc = store_tx(db, update_tx, &u, err);
    free(settings);
    if (rc == XN_OK && effective)
        *effective = next;
    return rc;
}

/* ---- the weak-password list ----------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
    const auth_weak_entry *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

static bool is_comment(const char *line, size_t n)
{
    return (n == 1 && line[0] == '#') || (n >= 2 && line[0] == '#' && line[1] == ' ');
}

int auth_weak_list_parse(const char *text, size_t len, crypto_alg alg, auth_weak_parsed *out,
                         xn_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > AUTH_WEAK_LIST_MAX_BYTES)
        return xn_fail_field(err, XN_ETOOBIG, "too_large", "body",
                             "弱密码清单不能超过 %u 字节（8 MiB）", AUTH_WEAK_LIST_MAX_BYTES);
    if (text == NULL)
        text = "";
    /* Structure first: every line valid UTF-8 without NUL, and not too many lines. */
    size_t lines = 0, pos = 0, n;
    for (const char *line; (line = xn_next_line(text, len, &pos, &n)) != NULL; lines++) {
        if (lines >= AUTH_WEAK_LIST_MAX_LINES)
            return xn_fail_field(err, XN_ETOOBIG, "too_many_lines", "body",
                                 "弱密码清单不能超过 %d 行", AUTH_WEAK_LIST_MAX_LINES);
        if (!xn_utf8_valid(line, n) || memchr(line, '\0', n))
            return xn_fail_field(err, XN_EINVAL, "bad_text", "body",
                                 "第 %zu 行不是有效的 UTF-8 文本", lines + 1);
    }
    out->text = malloc(len + 1);
    out->entries = calloc(lines ? lines : 1, sizeof *out->entries);
    if (out->text == NULL || out->entries == NULL) {
        auth_weak_parsed_release(out);
        return xn_fail(err, XN_ENOMEM, "out_of_memory", "no memory for the list");
    }
    memcpy(out->text, text, len);
    n = 0;
    pos = 0;
    size_t k;
    for (const char *at; (at = xn_next_line(out->text, len, &pos, &k)) != NULL;) {
        char *line = out->text + (at - out->text);
        if (k == 0 || is_comment(line, k))
            continue;
        if (k > AUTH_PW_MAX_BYTES || xn_has_control(line, k)) {
            out->info.ignored++; /* no acceptable password can be this */
            continue;
        }
        for (size_t i = 0; i < k; i++)
            line[i] = auth_lower(line[i]);
        out->entries[n++] = (auth_weak_entry){line, k};
    }
    qsort(out->entries, n, sizeof *out->entries, cmp_entry);
    /* distinct entries, and the digest over them in order, each ended by a newline */
    crypto_hasher h;
    crypto_hasher_init(&h, alg, NULL);
    size_t d = 0;
    for (size_t i = 0; i < n; i++) {
        if (d > 0 && cmp_entry(&out->entries[d - 1], &out->entries[i]) == 0)
            continue;
        out->entries[d++] = out->entries[i];
        crypto_hasher_update(&h, out->entries[i].s, out->entries[i].n);
        crypto_hasher_update(&h, "\n", 1);
    }
    uint8_t digest[CRYPTO_HASH_BYTES];
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    crypto_hasher_final(&h, digest);
    xn_hex(digest, sizeof digest, hex);
    snprintf(out->info.digest, sizeof out->info.digest, "%s:%s", crypto_alg_id(alg), hex);
    out->info.entries = d;
    return XN_OK;
}

void auth_weak_parsed_release(auth_weak_parsed *p)
{
    free(p->entries);
    free(p->text);
    p->entries = NULL;
    p->text = NULL;
}

typedef struct weak_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    const auth_weak_parsed *list;
} weak_ctx;

static int weak_tx(store_conn *tx, void *ctx, xn_error *err)
{
    weak_ctx *w = ctx;
    const auth_weak_list_info *info = &w->list->info;
    store_stmt *st;
    int rc = store_prepare(tx, "DELETE FROM password_weak", &st, err);
    if (rc == XN_OK)
        rc = auth_step_done(st, err);
    for (size_t i = 0; rc == XN_OK && i < info->entries; i++) {
        rc = store_prepare(tx, "INSERT INTO password_weak (entry) VALUES ($1)", &st, err);
        if (rc == XN_OK) {
            store_bind_text_ref(st, 1, w->list->entries[i].s, w->list->entries[i].n);
            rc = auth_step_done(st, err);
        }
    }
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "INSERT INTO password_weak_state (id, entries, digest, updated_at,"
                           " updated_by) VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE"
                           " SET entries = excluded.entries, digest = excluded.digest,"
                           " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, (int64_t)info->entries);
        store_bind_text(st, 2, info->digest, -1);
        store_bind_int(st, 3, xn_now_us());
        store_bind_text(st, 4, w->actor->account, -1);
        rc = auth_step_done(st, err);
    }
    if (rc != XN_OK)
        return rc;
    char detail[192];
    snprintf(detail, sizeof detail, "{\"entries\":%zu,\"ignored\":%zu,\"digest\":\"%s\"}",
             info->entries, info->ignored, info->digest);
    return auth_audit_ok(w->trail, tx, w->actor, "auth.weak_list_update", "password_policy",
                         "weak_list", detail, err);
}

int auth_weak_list_replace(store *db, audit_trail *trail, const auth_settings *s,
                           const auth_principal *actor, const char *text, size_t len,
                           auth_weak_list_info *out, xn_error *err)
{
    auth_weak_parsed list;
    memset(out, 0, sizeof *out);
    int rc = auth_weak_list_parse(text, len, s->alg, &list, err);
    if (rc != XN_OK)
        return rc;
    weak_ctx w = {.trail = trail, .actor = actor, .list = &list};
    rc = store_tx(db, weak_tx, &w, err);
    if (rc == XN_OK)
        *out = list.info;
    auth_weak_parsed_release(&list);
    return rc;
}

int auth_weak_list_json(store *db, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT entries, digest, updated_at, updated_by FROM password_weak_state"
                       " WHERE id = 1",
                       &st, err);
    if (rc == XN_OK) {
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            *out = json_pack("{s:I,s:s,s:I,s:s}", "entries", (json_int_t)store_col_int(st, 0),
                             "digest", store_col_text(st, 1), "updated_at",
                             (json_int_t)store_col_int(st, 2), "updated_by", store_col_text(st, 3));
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            *out =
                json_pack("{s:i,s:n,s:n,s:n}", "entries", 0, "digest", "updated_at", "updated_by");
            rc = XN_OK;
        }
    }
    store_release(c);
    return rc;
}

typedef struct listed_ctx {
    store_conn *c;
    bool failed;
} listed_ctx;

static bool listed(void *ctx, const char *pw, size_t len)
{
    listed_ctx *l = ctx;
    char key[AUTH_PW_MAX_BYTES];
    xn_error err;
    store_stmt *st;
    if (len > sizeof key)
        return false; /* never stored: longer lines are ignored */
    for (size_t i = 0; i < len; i++)
        key[i] = auth_lower(pw[i]);
    if (store_prepare(l->c, "SELECT 1 FROM password_weak WHERE entry = $1", &st, &err) != XN_OK) {
        l->failed = true;
        return false;
    }
    store_bind_text(st, 1, key, (ssize_t)len);
    int rc = store_step(st, &err);
    if (rc == STORE_ROW) {
        store_stmt_done(st);
        return true;
    }
    l->failed |= rc != STORE_DONE;
    return false;
}

int auth_policy_check_conn(store_conn *c, const auth_policy *policy, const auth_dict *dict,
                           const auth_wordlist *weak_list, const auth_pw_input *in,
                           auth_policy_result *out, xn_error *err)
{
    listed_ctx l = {.c = c};
    auth_pw_input with = *in;
    with.listed = listed;
    with.listed_ctx = &l;
    int rc = auth_policy_check(policy, dict, weak_list, &with, out, err);
    if (rc == XN_OK && l.failed)
        rc = xn_fail(err, XN_EIO, "weak_list_unavailable", "the weak-password list is unreadable");
    return rc;
}

int auth_policy_check_stored(store *db, const auth_policy *policy, const auth_dict *dict,
                             const auth_wordlist *weak_list, const auth_pw_input *in,
                             auth_policy_result *out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    rc = auth_policy_check_conn(c, policy, dict, weak_list, in, out, err);
    store_release(c);
    return rc;
}

int auth_password_check(store *db, const auth_settings *s, const auth_principal *p,
                        const char *candidate, const char *current, auth_policy_result *out,
                        xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    auth_policy pol;
    rc = auth_policy_effective(c, auth_profile_of(p), &pol, err);
    if (rc == XN_OK) {
        auth_pw_input in = {.candidate = candidate,
                            .candidate_len = strlen(candidate),
                            .current = current,
                            .current_len = current ? strlen(current) : 0,
                            .account = p->account,
                            .name = p->real_name};
        rc = auth_policy_check_conn(c, &pol, s->dict, NULL, &in, out, err);
    }
    store_release(c);
    return rc;
}

/* ---- ageing at sign-in (ACC-10) ------------------------------------------------------------- */

int auth_password_expiry_login(store_conn *tx, audit_trail *trail, int64_t user_id,
                               const char *account, auth_profile profile, int64_t now_us,
                               bool *expired, xn_error *err)
{
    *expired = false;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT password_changed_at, must_change FROM app_user WHERE id = $1"
                           " AND password_changed_at IS NOT NULL",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return XN_OK;
    if (rc != STORE_ROW)
        return rc;
    int64_t changed_at = store_col_int(st, 0);
    bool must_change = store_col_int(st, 1) != 0;
    store_stmt_done(st);
    if (must_change)
        return XN_OK;
    auth_policy pol;
    rc = auth_policy_effective(tx, profile, &pol, err);
    if (rc == XN_EINTERNAL && strcmp(err->code, "policy_corrupt") == 0) {
        /* A damaged stored policy must not lock everyone out, the security administrator who
         * would save it again included: sign-in ages passwords by the regulatory minimum,
         * which the stored policy can only have made stricter. Changes still refuse. */
        auth_policy_default(profile, &pol);
        rc = XN_OK;
    }
    if (rc != XN_OK)
        return rc;
    if (!auth_policy_expired(&pol, changed_at, now_us))
        return XN_OK;
    rc = store_prepare(tx, "UPDATE app_user SET must_change = 1 WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    char detail[192];
    snprintf(detail, sizeof detail,
             "{\"profile\":\"%s\",\"max_age_days\":%d,\"changed_at\":%lld,\"expired_at\":%lld}",
             auth_profile_name(profile), pol.max_age_days, (long long)changed_at,
             (long long)auth_policy_expires_at(&pol, changed_at));
    rc = auth_audit_system(trail, tx, "auth.password_expired", "user", account, detail, err);
    *expired = rc == XN_OK;
    return rc;
}
