/*
 * Sealed fields: TOTP secrets (app_user.totp_secret, with the AEAD's name in totp_alg) and
 * pending enrolments (settings "totp_pending.<id>" = "<aead name>:<hex>") are stored sealed
 * with the field key of <db>.key, bound to their row by the associated data, so a copied
 * database without the key file yields no second factors. Values stored before sealing are
 * read as they are and sealed at the next start (auth_fields_seal_plaintext).
 */
#include "auth/auth_int.h"

#include <string.h>

#define SEALED_TOTP (CRYPTO_TOTP_SECRET_BYTES + CRYPTO_SEAL_OVERHEAD)

static size_t totp_ad(char out[48], const char *what, int64_t user_id)
{
    int n = snprintf(out, 48, "%s:%lld", what, (long long)user_id);
    return n > 0 ? (size_t)n : 0;
}

static int need_key(const auth_settings *s, xn_error *err)
{
    if (!s->has_field_key)
        return xn_fail(err, XN_EINTERNAL, "no_field_key", "the field key is not loaded");
    return XN_OK;
}

int auth_totp_seal(const auth_settings *s, int64_t user_id,
                   const uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], uint8_t out[SEALED_TOTP],
                   size_t *out_len, xn_error *err)
{
    int rc = need_key(s, err);
    if (rc != XN_OK)
        return rc;
    char ad[48];
    size_t ad_len = totp_ad(ad, "totp", user_id);
    return crypto_seal(s->aead, s->field_key, ad, ad_len, secret, CRYPTO_TOTP_SECRET_BYTES, out,
                       out_len, err);
}

int auth_totp_open(const auth_settings *s, int64_t user_id, const char *alg, const uint8_t *stored,
                   size_t len, uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], xn_error *err)
{
    if (!alg || !*alg) {
        if (len != CRYPTO_TOTP_SECRET_BYTES)
            return xn_fail(err, XN_EINTERNAL, "totp_damaged", "stored TOTP secret damaged");
        memcpy(secret, stored, len);
        return XN_OK;
    }
    int rc = need_key(s, err);
    if (rc != XN_OK)
        return rc;
    if (len > SEALED_TOTP)
        return xn_fail(err, XN_EINTERNAL, "totp_damaged", "stored TOTP secret damaged");
    char ad[48];
    size_t ad_len = totp_ad(ad, "totp", user_id), n = 0;
    uint8_t plain[SEALED_TOTP];
    rc = crypto_open(s->field_key, ad, ad_len, stored, len, plain, &n, err);
    if (rc == XN_OK && n != CRYPTO_TOTP_SECRET_BYTES)
        rc = xn_fail(err, XN_EINTERNAL, "totp_damaged", "stored TOTP secret damaged");
    if (rc == XN_OK)
        memcpy(secret, plain, CRYPTO_TOTP_SECRET_BYTES);
    crypto_wipe(plain, sizeof plain);
    return rc;
}

int auth_pending_seal(const auth_settings *s, int64_t user_id, const char *b32, char *out,
                      size_t out_size, xn_error *err)
{
    int rc = need_key(s, err);
    if (rc != XN_OK)
        return rc;
    char ad[48];
    size_t ad_len = totp_ad(ad, "totp_pending", user_id), n = 0;
    uint8_t sealed[CRYPTO_TOTP_B32_LEN + CRYPTO_SEAL_OVERHEAD];
    rc = crypto_seal(s->aead, s->field_key, ad, ad_len, b32, strlen(b32), sealed, &n, err);
    if (rc != XN_OK)
        return rc;
    const char *name = crypto_aead_id(s->aead);
    if (strlen(name) + 1 + 2 * n + 1 > out_size)
        return xn_fail(err, XN_EINTERNAL, "internal", "pending value buffer too small");
    int m = snprintf(out, out_size, "%s:", name);
    xn_hex(sealed, n, out + m);
    return XN_OK;
}

static int unhex(const char *s, uint8_t *out, size_t max, size_t *n)
{
    size_t len = strlen(s);
    if (len % 2 || len / 2 > max)
        return XN_EINVAL;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0)
                return XN_EINVAL;
            v = v * 16 + (unsigned)d;
        }
        out[i] = (uint8_t)v;
    }
    *n = len / 2;
    return XN_OK;
}

int auth_pending_open(const auth_settings *s, int64_t user_id, const char *value,
                      uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], xn_error *err)
{
    const char *colon = strchr(value, ':');
    if (!colon) /* stored before sealing */
        return crypto_base32_decode(value, secret, CRYPTO_TOTP_SECRET_BYTES) == XN_OK
                   ? XN_OK
                   : xn_fail(err, XN_EINTERNAL, "internal", "pending secret damaged");
    int rc = need_key(s, err);
    if (rc != XN_OK)
        return rc;
    uint8_t sealed[CRYPTO_TOTP_B32_LEN + CRYPTO_SEAL_OVERHEAD];
    char b32[CRYPTO_TOTP_B32_LEN + CRYPTO_SEAL_OVERHEAD + 1];
    size_t n = 0, m = 0;
    char ad[48];
    size_t ad_len = totp_ad(ad, "totp_pending", user_id);
    if (unhex(colon + 1, sealed, sizeof sealed, &n) != XN_OK)
        return xn_fail(err, XN_EINTERNAL, "internal", "pending secret damaged");
    rc = crypto_open(s->field_key, ad, ad_len, sealed, n, (uint8_t *)b32, &m, err);
    if (rc == XN_OK) {
        b32[m] = '\0';
        rc = crypto_base32_decode(b32, secret, CRYPTO_TOTP_SECRET_BYTES) == XN_OK
                 ? XN_OK
                 : xn_fail(err, XN_EINTERNAL, "internal", "pending secret damaged");
    }
    crypto_wipe(b32, sizeof b32);
    return rc;
}

int auth_fields_sealed_present(store *db, bool *present, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    int64_t n = 0;
    rc = store_query_int(c,
                         "SELECT (SELECT count(*) FROM app_user WHERE totp_alg IS NOT NULL) +"
                         " (SELECT count(*) FROM settings WHERE key LIKE 'totp\\_pending.%'"
                         " ESCAPE '\\' AND value LIKE '%:%')",
                         &n, err);
    store_release(c);
    if (rc == XN_OK)
        *present = n > 0;
    return rc;
}

typedef struct seal_ctx {
    audit_trail *trail;
    const auth_settings *s;
    int sealed;
} seal_ctx;

static int seal_users(store_conn *tx, seal_ctx *sc, xn_error *err)
{
    const char *sql = "SELECT id, totp_secret FROM app_user WHERE totp_secret IS NOT NULL"
                      " AND totp_alg IS NULL LIMIT 1";
    store_stmt *st;
    int rc = store_prepare(tx, sql, &st, err);
    /* one at a time: the update below needs the connection's statements */
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        int64_t id = store_col_int(st, 0);
        uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], sealed[SEALED_TOTP];
        size_t n = 0;
        if (store_col_bytes(st, 1) != CRYPTO_TOTP_SECRET_BYTES) {
            store_stmt_done(st);
            return xn_fail(err, XN_EINTERNAL, "totp_damaged", "TOTP secret of user %lld damaged",
                           (long long)id);
        }
        memcpy(secret, store_col_blob(st, 1), sizeof secret);
        store_stmt_done(st);
        rc = auth_totp_seal(sc->s, id, secret, sealed, &n, err);
        crypto_wipe(secret, sizeof secret);
        store_stmt *up;
        if (rc == XN_OK)
            rc = store_prepare(
                tx, "UPDATE app_user SET totp_secret = $1, totp_alg = $2 WHERE id = $3", &up, err);
        if (rc == XN_OK) {
            store_bind_blob(up, 1, sealed, n);
            store_bind_text(up, 2, crypto_aead_id(sc->s->aead), -1);
            store_bind_int(up, 3, id);
            rc = auth_step_done(up, err);
        }
        sc->sealed++;
        if (rc == XN_OK)
            rc = store_prepare(tx, sql, &st, err);
    }
    return rc == STORE_DONE ? XN_OK : rc;
}

static int seal_pending(store_conn *tx, seal_ctx *sc, xn_error *err)
{
    const char *sql = "SELECT key, value FROM settings WHERE key LIKE 'totp\\_pending.%'"
                      " ESCAPE '\\' AND value NOT LIKE '%:%' LIMIT 1";
    store_stmt *st;
    int rc = store_prepare(tx, sql, &st, err);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        char key[64], b32[CRYPTO_TOTP_B32_LEN + 1], value[256];
        int64_t id = 0;
        bool ok = xn_strlcpy(key, store_col_text(st, 0), sizeof key) == XN_OK &&
                  xn_strlcpy(b32, store_col_text(st, 1), sizeof b32) == XN_OK &&
                  xn_parse_int64(key + strlen("totp_pending."), 1, INT64_MAX, &id) == XN_OK;
        store_stmt_done(st);
        if (!ok)
            return xn_fail(err, XN_EINTERNAL, "internal", "pending enrolment damaged");
        rc = auth_pending_seal(sc->s, id, b32, value, sizeof value, err);
        crypto_wipe(b32, sizeof b32);
        store_stmt *up;
        if (rc == XN_OK)
            rc = store_prepare(tx, "UPDATE settings SET value = $1 WHERE key = $2", &up, err);
        if (rc == XN_OK) {
            store_bind_text(up, 1, value, -1);
            store_bind_text(up, 2, key, -1);
            rc = auth_step_done(up, err);
        }
        sc->sealed++;
        if (rc == XN_OK)
            rc = store_prepare(tx, sql, &st, err);
    }
    return rc == STORE_DONE ? XN_OK : rc;
}

static int seal_tx(store_conn *tx, void *ctx, xn_error *err)
{
    seal_ctx *sc = ctx;
    sc->sealed = 0;
    int rc = seal_users(tx, sc, err);
    if (rc == XN_OK)
        rc = seal_pending(tx, sc, err);
    if (rc != XN_OK || sc->sealed == 0)
        return rc;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"sealed\":%d,\"aead\":\"%s\"}", sc->sealed,
             crypto_aead_id(sc->s->aead));
    return auth_audit_system(sc->trail, tx, "auth.fields_sealed", "settings", "totp", detail, err);
}

int auth_fields_seal_plaintext(store *db, audit_trail *trail, const auth_settings *s, int *sealed,
                               xn_error *err)
{
    int rc = need_key(s, err);
    if (rc != XN_OK)
        return rc;
    seal_ctx sc = {.trail = trail, .s = s};
    rc = store_tx(db, seal_tx, &sc, err);
    if (rc == XN_OK)
        *sealed = sc.sealed;
    return rc;
}
