/* Setting passwords (ACC-8..11), the second factor, and the first administrator. */
#include "auth/auth_int.h"

#include <string.h>

typedef struct history_ctx {
    store_conn *c;
    int64_t user_id;
    int n;
    bool failed;
} history_ctx;

/* Whether the candidate is one of the user's newest passwords (only hashes are kept). */
static bool matches_old(void *ctx, const char *candidate)
{
    history_ctx *h = ctx;
    store_stmt *st;
    xn_error err;
    if (store_prepare(h->c,
                      "SELECT hash FROM password_history WHERE user_id = $1"
                      " ORDER BY set_at DESC LIMIT $2",
                      &st, &err) != XN_OK) {
        h->failed = true;
        return false;
    }
    store_bind_int(st, 1, h->user_id);
    store_bind_int(st, 2, h->n);
    bool found = false;
    int rc;
    while ((rc = store_step(st, &err)) == STORE_ROW)
        if (!found && crypto_password_verify(store_col_text(st, 0), candidate, strlen(candidate)))
            found = true;
    h->failed |= rc != STORE_DONE;
    return found;
}

int auth_password_acceptable(store_conn *c, const auth_settings *s, int64_t user_id,
                             const char *account, const char *real_name, const char *phone,
                             const char *current, const char *next, bool admin_profile,
                             xn_error *err)
{
    int rc = auth_check_text(next, AUTH_MAX_PASSWORD, true, "password", err);
    if (rc != XN_OK)
        return rc;
    auth_policy pol;
    rc =
        auth_policy_effective(c, admin_profile ? AUTH_PROFILE_ADMIN : AUTH_PROFILE_USER, &pol, err);
    if (rc != XN_OK)
        return rc;
    history_ctx h = {.c = c, .user_id = user_id, .n = pol.history};
    auth_pw_input in = {.candidate = next,
                        .candidate_len = strlen(next),
                        .current = current,
                        .current_len = current ? strlen(current) : 0,
                        .account = account,
                        .name = real_name,
                        .phone = phone && *phone ? phone : NULL,
                        .matches_old = matches_old,
                        .old_ctx = &h};
    auth_policy_result res;
    rc = auth_policy_check_conn(c, &pol, s->dict, NULL, &in, &res, err);
    if (rc == XN_OK && h.failed)
        rc = xn_fail(err, XN_EINTERNAL, "internal", "password history unavailable");
    if (rc == XN_OK && !res.ok)
        rc = xn_fail_field(err, XN_EINVAL, res.violations[0].rule, "password", "%s",
                           res.violations[0].message);
    return rc;
}

int auth_password_store(store_conn *tx, int64_t user_id, const char *hash, bool must_change,
                        xn_error *err)
{
    return auth_password_store_at(tx, user_id, hash, must_change, xn_now_us(), err);
}

int auth_password_store_at(store_conn *tx, int64_t user_id, const char *hash, bool must_change,
                           int64_t now, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE app_user SET password_hash = $1, password_changed_at = $2,"
                           " must_change = $3, change_deadline = NULL, expiry_notified = 0"
                           " WHERE id = $4",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, hash, -1);
    store_bind_int(st, 2, now);
    store_bind_int(st, 3, must_change);
    store_bind_int(st, 4, user_id);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc;
    if (must_change)
        return XN_OK; /* one-time passwords are not part of the history */
    rc = store_prepare(
        tx, "INSERT INTO password_history (user_id, hash, set_at) VALUES ($1, $2, $3)", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    store_bind_text(st, 2, hash, -1);
    store_bind_int(st, 3, now);
    rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : rc;
}

/* ---- changing one's own password --------------------------------------------------------- */

typedef struct change_ctx {
    const auth_principal *p;
    audit_trail *trail;
    const char *hash;
    const char *current_hash;
    char *new_token;
    const auth_settings *s;
} change_ctx;

static int change_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *cc = ctx;
    /* the hash read before hashing must still be current: two changes at once, one wins */
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE app_user SET password_hash = password_hash WHERE id = $1 AND"
                           " password_hash = $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, cc->p->user_id);
    store_bind_text(st, 2, cc->current_hash, -1);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc;
    if (store_changes(tx) != 1)
        return xn_fail(err, XN_ECONFLICT, "conflict", "密码刚被修改过，请重新登录");
    /* set at the lifecycle clock, which ageing (ACC-10) compares it with */
    rc = auth_password_store_at(tx, cc->p->user_id, cc->hash, false, auth_now(cc->s), err);
    if (rc == XN_OK)
        rc = auth_end_sessions(tx, cc->p->user_id, cc->p->session_id, "password_changed", err);
    /* a new token for this session: privileges changed (ACC-16) */
    if (rc == XN_OK) {
        auth_new_token(cc->new_token);
        uint8_t th[CRYPTO_HASH_BYTES];
        auth_token_hash(cc->s->alg, cc->new_token, th);
        rc = store_prepare(tx, "UPDATE session SET token_hash = $1 WHERE id = $2", &st, err);
        if (rc == XN_OK) {
            store_bind_blob(st, 1, th, sizeof th);
            store_bind_text(st, 2, cc->p->session_id, -1);
            rc = store_step(st, err) == STORE_DONE ? XN_OK : XN_EINTERNAL;
        }
    }
    if (rc != XN_OK)
        return rc;
    audit_actor actor = auth_actor(cc->p);
    audit_event ev = {.action = "auth.password_change",
                      .actor = &actor,
                      .object_type = "user",
                      .object_id = cc->p->account,
                      .result = AUDIT_OK};
    return audit_append(cc->trail, tx, &ev, err);
}

#define REAUTH_FAILED "当前密码不正确；连续失败 5 次将锁定 30 分钟"

typedef struct reauth_ctx {
    audit_trail *trail;
    const auth_settings *s;
    const auth_principal *p;
    const char *step;
    int64_t last_login_at;
    bool locked; /* already locked: recorded, not counted again */
} reauth_ctx;

/* A failed re-entry of the current password: counted like a failed sign-in and audited. */
static int reauth_failed_tx(store_conn *tx, void *ctx, xn_error *err)
{
    reauth_ctx *r = ctx;
    bool locked_now = false;
    int rc = auth_failure_record(tx, r->s, r->p->account, r->p->source,
                                 r->locked ? 0 : r->p->user_id, r->last_login_at, &locked_now, err);
    if (rc != XN_OK)
        return rc;
    char detail[128];
    snprintf(detail, sizeof detail, "{\"reason\":\"%s\",\"step\":\"%s\"}",
             r->locked ? "locked" : "wrong_password", r->step);
    audit_actor actor = auth_actor(r->p);
    audit_event ev = {.action = "auth.reauth",
                      .actor = &actor,
                      .object_type = "account",
                      .object_id = r->p->account,
                      .result = AUDIT_DENIED,
                      .detail_json = detail};
    rc = audit_append(r->trail, tx, &ev, err);
    if (rc == XN_OK && locked_now) {
        audit_event lock = {.action = "auth.lockout",
                            .actor = &actor,
                            .object_type = "account",
                            .object_id = r->p->account,
                            .result = AUDIT_OK,
                            .detail_json = "{\"reason\":\"too_many_failures\"}"};
        rc = audit_append(r->trail, tx, &lock, err);
    }
    return rc;
}

/*
 * ACC-17: the person types their current password again before changing a credential. ACC-16:
 * a wrong one counts towards the account's lockout like a failed sign-in (same counter and
 * window), and while the account is locked even the right one is refused with the same answer.
 * hash and phone (may be NULL) get the stored password hash and phone. step names the action
 * in the audit record.
 */
static int check_current_password(store *db, audit_trail *trail, const auth_settings *s,
                                  const auth_principal *p, const char *current, const char *step,
                                  char hash[CRYPTO_PASSWORD_MAX], char phone[32], xn_error *err)
{
    int rc = auth_check_text(current, AUTH_MAX_PASSWORD, true, "current", err);
    if (rc != XN_OK)
        return rc;
    store_conn *c;
    if ((rc = store_acquire(db, &c, err)) != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT coalesce(password_hash, ''), phone, locked_until,"
                       " coalesce(last_login_at, 0) FROM app_user WHERE id = $1",
                       &st, err);
    reauth_ctx r = {.trail = trail, .s = s, .p = p, .step = step};
    if (rc == XN_OK) {
        store_bind_int(st, 1, p->user_id);
        rc = store_step(st, err);
        if (rc == STORE_DONE)
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在");
    }
    if (rc == STORE_ROW) {
        xn_strlcpy(hash, store_col_text(st, 0), CRYPTO_PASSWORD_MAX);
        if (phone)
            xn_strlcpy(phone, store_col_text(st, 1), 32);
        r.locked = store_col_int(st, 2) > xn_now_us();
        r.last_login_at = store_col_int(st, 3);
        store_stmt_done(st);
        rc = XN_OK;
    }
    store_release(c);
    if (rc != XN_OK)
        return rc;
    /* the hashing work is the same whether or not the account is locked */
    bool ok = crypto_password_verify(hash, current, strlen(current));
    if (ok && !r.locked)
        return XN_OK;
    rc = store_tx(db, reauth_failed_tx, &r, err);
    if (rc != XN_OK)
        return rc;
    return xn_fail_field(err, XN_EDENIED, "wrong_password", "current", REAUTH_FAILED);
}

int auth_password_change(store *db, audit_trail *trail, const auth_settings *s,
                         const auth_principal *p, const char *current, const char *next,
                         char new_token[AUTH_TOKEN_CHARS + 1], xn_error *err)
{
    char hash[CRYPTO_PASSWORD_MAX] = "", phone[32] = "";
    int rc = check_current_password(db, trail, s, p, current, "password_change", hash, phone, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(current, next) == 0)
        return xn_fail_field(err, XN_EINVAL, "reused", "password", "新密码不能与当前密码相同");
    store_conn *c;
    if ((rc = store_acquire(db, &c, err)) != XN_OK)
        return rc;
    rc = auth_password_acceptable(c, s, p->user_id, p->account, p->real_name, phone, current, next,
                                  p->admin, err);
    store_release(c);
    if (rc != XN_OK)
        return rc;
    char new_hash[CRYPTO_PASSWORD_MAX];
    rc = crypto_password_hash(s->alg, next, strlen(next), new_hash, err);
    if (rc != XN_OK)
        return rc;
    change_ctx cc = {.p = p,
                     .trail = trail,
                     .hash = new_hash,
                     .current_hash = hash,
                     .new_token = new_token,
                     .s = s};
    return store_tx(db, change_tx, &cc, err);
}

/* ---- TOTP -------------------------------------------------------------------------------- */

/* A secret being enrolled waits in the settings table, keyed by user, until the user proves
 * the app has it; only then does it become the account's second factor. */
int auth_totp_begin(store *db, const auth_settings *s, const auth_principal *p,
                    char secret_b32[CRYPTO_TOTP_B32_LEN + 1], xn_error *err)
{
    uint8_t secret[CRYPTO_TOTP_SECRET_BYTES];
    xn_random_bytes(secret, sizeof secret);
    crypto_base32(secret, sizeof secret, secret_b32);
    crypto_wipe(secret, sizeof secret);
    char sealed[256];
    int rc = auth_pending_seal(s, p->user_id, secret_b32, sealed, sizeof sealed, err);
    if (rc != XN_OK)
        return rc;
    store_conn *c;
    rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                       " updated_at = excluded.updated_at",
                       &st, err);
    if (rc == XN_OK) {
        char key[64];
        snprintf(key, sizeof key, "totp_pending.%lld", (long long)p->user_id);
        store_bind_text(st, 1, key, -1);
        store_bind_text(st, 2, sealed, -1);
        store_bind_int(st, 3, xn_now_us());
        rc = store_step(st, err) == STORE_DONE ? XN_OK : XN_EINTERNAL;
    }
    store_release(c);
    return rc;
}

typedef struct totp_ctx {
    const auth_settings *s;
    const auth_principal *p;
    audit_trail *trail;
    const char *code;
    bool wrong;
} totp_ctx;

static int totp_confirm_tx(store_conn *tx, void *ctx, xn_error *err)
{
    totp_ctx *tc = ctx;
    char key[64];
    snprintf(key, sizeof key, "totp_pending.%lld", (long long)tc->p->user_id);
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT value FROM settings WHERE key = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, key, -1);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "请先开始绑定动态口令")
                                : rc;
    uint8_t secret[CRYPTO_TOTP_SECRET_BYTES];
    rc = auth_pending_open(tc->s, tc->p->user_id, store_col_text(st, 0), secret, err);
    store_stmt_done(st);
    if (rc != XN_OK)
        return rc;
    int64_t step = 0;
    audit_actor actor = auth_actor(tc->p);
    audit_event ev = {.action = "auth.totp_enrol",
                      .actor = &actor,
                      .object_type = "user",
                      .object_id = tc->p->account,
                      .result = AUDIT_OK};
    if (!crypto_totp_check(secret, xn_now_us() / 1000000, tc->code, 1, &step)) {
        crypto_wipe(secret, sizeof secret);
        tc->wrong = true;
        ev.result = AUDIT_DENIED;
        return audit_append(tc->trail, tx, &ev, err);
    }
    uint8_t sealed[CRYPTO_TOTP_SECRET_BYTES + CRYPTO_SEAL_OVERHEAD];
    size_t sealed_len = 0;
    rc = auth_totp_seal(tc->s, tc->p->user_id, secret, sealed, &sealed_len, err);
    crypto_wipe(secret, sizeof secret);
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "UPDATE app_user SET totp_secret = $1, totp_alg = $2,"
                           " totp_last_step = $3 WHERE id = $4",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_blob(st, 1, sealed, sealed_len);
        store_bind_text(st, 2, crypto_aead_id(tc->s->aead), -1);
        store_bind_int(st, 3, step);
        store_bind_int(st, 4, tc->p->user_id);
        rc = store_step(st, err) == STORE_DONE ? XN_OK : XN_EINTERNAL;
    }
    if (rc == XN_OK)
        rc = store_prepare(tx, "DELETE FROM settings WHERE key = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, key, -1);
        rc = store_step(st, err) == STORE_DONE ? XN_OK : XN_EINTERNAL;
    }
    if (rc == XN_OK)
        rc = store_prepare(tx, "UPDATE session SET mfa_done = 1 WHERE id = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, tc->p->session_id, -1);
        rc = store_step(st, err) == STORE_DONE ? XN_OK : XN_EINTERNAL;
    }
    return rc == XN_OK ? audit_append(tc->trail, tx, &ev, err) : rc;
}

int auth_totp_confirm(store *db, audit_trail *trail, const auth_settings *s,
                      const auth_principal *p, const char *code, const char *current, xn_error *err)
{
    int rc = auth_check_text(code, 8, true, "code", err);
    if (rc != XN_OK)
        return rc;
    if (p->totp) {
        /* replacing an enrolled second factor asks for the password again (ACC-17) */
        char hash[CRYPTO_PASSWORD_MAX];
        rc = check_current_password(db, trail, s, p, current, "totp_enrol", hash, NULL, err);
        crypto_wipe(hash, sizeof hash);
        if (rc != XN_OK)
            return rc;
    }
    totp_ctx tc = {.s = s, .p = p, .trail = trail, .code = code};
    rc = store_tx(db, totp_confirm_tx, &tc, err);
    if (rc == XN_OK && tc.wrong)
        return xn_fail_field(err, XN_EINVAL, "wrong_code", "code",
                             "动态口令不正确，请核对手机时间");
    return rc;
}

/* ---- the first administrator ------------------------------------------------------------- */

typedef struct boot_ctx {
    audit_trail *trail;
    const char *hash;
    bool created;
} boot_ctx;

static int bootstrap_tx(store_conn *tx, void *ctx, xn_error *err)
{
    boot_ctx *b = ctx;
    int64_t users = 0;
    int rc = store_query_int(tx, "SELECT count(*) FROM app_user", &users, err);
    if (rc != XN_OK || users > 0)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO app_user (account, real_name, unit_id, staff_type, status,"
                       " password_hash, password_changed_at, must_change, created_at)"
                       " VALUES ('admin', '系统管理员', 1, 'staff', 'active', $1, $2, 1, $2)"
                       " RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, b->hash, -1);
    store_bind_int(st, 2, xn_now_us());
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    int64_t id = store_col_int(st, 0);
    store_stmt_done(st);
    rc = store_prepare(tx,
                       "INSERT INTO user_role (user_id, role_id, granted_by, granted_at)"
                       " VALUES ($1, 1, NULL, $2)",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, xn_now_us());
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc;
    if ((rc = auth_admin_appointed(tx, 1, id, "bootstrap", err)) != XN_OK)
        return rc;
    audit_event ev = {.action = "auth.bootstrap",
                      .actor = &audit_system_actor,
                      .object_type = "user",
                      .object_id = "admin",
                      .result = AUDIT_OK,
                      .detail_json = "{\"role\":\"sysadmin\"}"};
    rc = audit_append(b->trail, tx, &ev, err);
    b->created = rc == XN_OK;
    return rc;
}

int auth_bootstrap(store *db, audit_trail *trail, crypto_alg alg, char password[AUTH_OTP_CHARS + 1],
                   bool *created, xn_error *err)
{
    *created = false;
    store_conn *c;
    int64_t users = 0;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    rc = store_query_int(c, "SELECT count(*) FROM app_user", &users, err);
    store_release(c);
    if (rc != XN_OK || users > 0)
        return rc;
    char hash[CRYPTO_PASSWORD_MAX];
    auth_new_otp(password);
    rc = crypto_password_hash(alg, password, strlen(password), hash, err);
    if (rc != XN_OK)
        return rc;
    boot_ctx b = {.trail = trail, .hash = hash};
    rc = store_tx(db, bootstrap_tx, &b, err);
    *created = rc == XN_OK && b.created;
    if (!*created)
        crypto_wipe(password, AUTH_OTP_CHARS + 1);
    return rc;
}
