/* Tokens, one-time passwords, input checks, principals and the permission catalogue. */
#include "auth/auth_int.h"

#include <sodium.h>
#include <string.h>

/* Bit order of auth_principal.perms: append only. */
/* clang-format off */
const char *const auth_permissions[] = {
    "user.read",           "user.create",
    "user.update",         "user.disable",
    "user.reset_password", "role.read",
    "role.request",        "role.approve",
    "request.approve",     "session.manage",
    "settings.update",     "policy.update",
    "audit.read",          "log.read",
    "content.draft",       "content.review1",
    "content.review2",     "content.review3",
    "content.approve",     "duty.watch",
    "incident.approve",    "text.lexicon",
    NULL,
};
/* clang-format on */

static int perm_index(const char *perm)
{
    for (int i = 0; auth_permissions[i]; i++)
        if (strcmp(auth_permissions[i], perm) == 0)
            return i;
    return -1;
}

bool auth_can(const auth_principal *p, const char *perm)
{
    int i = perm_index(perm);
    return i >= 0 && (p->perms >> i) & 1;
}

audit_actor auth_actor(const auth_principal *p)
{
    return (audit_actor){.kind = "user",
                         .id = p->user_id,
                         .name = p->account,
                         .source = p->source,
                         .session = p->session_id[0] ? p->session_id : NULL};
}

void auth_settings_default(auth_settings *s, const xn_config *cfg)
{
    const int64_t minute = 60 * (int64_t)1000000;
    *s = (auth_settings){.alg = crypto_alg_for_mode(cfg->crypto),
                         .max_failures = 5,
                         .failure_window = 15 * minute,
                         .lock_duration = 30 * minute,
                         .max_source_failures = 50,
                         .idle_timeout = 15 * minute,
                         .absolute_timeout = 12 * 60 * minute};
}

void auth_new_token(char out[AUTH_TOKEN_CHARS + 1])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, AUTH_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_wipe(raw, sizeof raw);
}

void auth_new_id(char out[33])
{
    uint8_t raw[16];
    randombytes_buf(raw, sizeof raw);
    xn_hex(raw, sizeof raw, out);
}

void auth_token_hash(crypto_alg alg, const char *token, uint8_t out[CRYPTO_HASH_BYTES])
{
    crypto_digest(alg, token, strlen(token), out);
}

void auth_new_otp(char out[AUTH_OTP_CHARS + 1])
{
    /* no 0/O, 1/l/I: read aloud or copied from paper without mistakes */
    static const char *classes[] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz",
                                    "23456789", "#%+=@?!"};
    int counts[128] = {0};
    for (int i = 0; i < AUTH_OTP_CHARS;) {
        const char *set = classes[i < 4 ? (uint32_t)i : randombytes_uniform(3)];
        char c = set[randombytes_uniform((uint32_t)strlen(set))];
        if (counts[(int)c] == 2)
            continue;
        counts[(int)c]++;
        out[i++] = c;
    }
    /* shuffle so the classes are not in a fixed order */
    for (int i = AUTH_OTP_CHARS - 1; i > 0; i--) {
        int j = (int)randombytes_uniform((uint32_t)i + 1);
        char t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
    out[AUTH_OTP_CHARS] = '\0';
}

int auth_check_text(const char *s, size_t max, bool required, const char *field, xn_error *err)
{
    if (!s || !*s) {
        if (required)
            return xn_fail_field(err, XN_EINVAL, "required", field, "%s 不能为空", field);
        return XN_OK;
    }
    size_t n = strlen(s);
    if (n > max)
        return xn_fail_field(err, XN_EINVAL, "too_long", field, "%s 超过 %zu 字节", field, max);
    if (!xn_utf8_valid(s, n) || xn_has_control(s, n))
        return xn_fail_field(err, XN_EINVAL, "bad_text", field,
                             "%s 含有无效字符（非 UTF-8 或控制字符）", field);
    return XN_OK;
}

int auth_load_principal(store_conn *c, int64_t user_id, auth_principal *p, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT account, real_name, must_change, totp_secret IS NOT NULL"
                           " FROM app_user WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在") : rc;
    p->user_id = user_id;
    xn_strlcpy(p->account, store_col_text(st, 0), sizeof p->account);
    xn_strlcpy(p->real_name, store_col_text(st, 1), sizeof p->real_name);
    p->must_change = store_col_int(st, 2) != 0;
    bool has_totp = store_col_int(st, 3) != 0;
    store_stmt_done(st);

    rc = store_prepare(c,
                       "SELECT r.code, r.admin, rp.permission FROM user_role ur"
                       " JOIN role r ON r.id = ur.role_id"
                       " LEFT JOIN role_permission rp ON rp.role_id = r.id"
                       " WHERE ur.user_id = $1 ORDER BY r.id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    p->nroles = 0;
    p->perms = 0;
    p->admin = false;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *code = store_col_text(st, 0);
        if ((p->nroles == 0 || strcmp(p->roles[p->nroles - 1], code) != 0) &&
            p->nroles < AUTH_MAX_ROLES)
            xn_strlcpy(p->roles[p->nroles++], code, sizeof p->roles[0]);
        p->admin |= store_col_int(st, 1) != 0;
        int i = store_col_is_null(st, 2) ? -1 : perm_index(store_col_text(st, 2));
        if (i >= 0)
            p->perms |= 1ULL << i;
    }
    if (rc != STORE_DONE)
        return rc;
    p->must_enrol_totp = p->admin && !has_totp;
    return XN_OK;
}

int auth_end_sessions(store_conn *tx, int64_t user_id, const char *keep, const char *reason,
                      xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE session SET ended_at = $1, ended_reason = $2"
                           " WHERE user_id = $3 AND ended_at IS NULL AND id IS NOT $4",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, xn_now_us());
    store_bind_text(st, 2, reason, -1);
    store_bind_int(st, 3, user_id);
    store_bind_text(st, 4, keep, -1);
    rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : rc;
}

typedef struct denied_ctx {
    audit_trail *trail;
    audit_event ev;
} denied_ctx;

static int denied_tx(store_conn *tx, void *ctx, xn_error *err)
{
    denied_ctx *d = ctx;
    return audit_append(d->trail, tx, &d->ev, err);
}

int auth_audit_denied(store *db, audit_trail *trail, const auth_principal *p, const char *action,
                      const char *object_type, const char *object_id, const char *reason,
                      xn_error *err)
{
    /* the action is a permission or a room.verb; either way it reads as "room.verb" */
    json_t *d = json_pack("{s:s}", "reason", reason ? reason : "");
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    audit_actor actor = auth_actor(p);
    denied_ctx dc = {.trail = trail,
                     .ev = {.action = action,
                            .actor = &actor,
                            .object_type = object_type,
                            .object_id = object_id,
                            .result = AUDIT_DENIED,
                            .detail_json = detail}};
    int rc = store_tx(db, denied_tx, &dc, err);
    free(detail);
    return rc;
}

int auth_items_json(store *db, const char *sql, auth_bind_fn bind, auth_row_fn row, const void *ctx,
                    json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    json_t *items = json_array();
    rc = store_prepare(c, sql, &st, err);
    if (rc == XN_OK) {
        if (bind)
            bind(st, ctx);
        while ((rc = store_step(st, err)) == STORE_ROW)
            json_array_append_new(items, row(st, ctx));
        rc = rc == STORE_DONE ? XN_OK : rc;
    }
    store_release(c);
    if (rc != XN_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}
