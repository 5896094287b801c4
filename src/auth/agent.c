/*
 * Bearer tokens of the agents (xinan guard, xinan netwatch). A token is "xat_<id>.<secret>":
 * the public id finds the row, the secret (256 random bits) is compared by its hash in
 * constant time, so a guessed id gains nothing and the database never holds a usable token.
 * Every refusal is recorded; a successful use only moves last_used_at, at most once a minute.
 */
#include "auth/auth_int.h"

#include <string.h>

#define PREFIX         "xat_"
#define DAY_US         (86400 * (int64_t)1000000)
#define TOUCH_US       (60 * (int64_t)1000000)
#define MAX_AGENT_DAYS 365

static bool valid_scope(const char *scope)
{
    return scope && (strcmp(scope, "guard") == 0 || strcmp(scope, "netwatch") == 0);
}

typedef struct create_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    const auth_agent *agent;
    crypto_alg alg;
    const uint8_t *hash;
} create_ctx;

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    create_ctx *c = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO agent_token (id, name, scope, hash_alg, secret_hash,"
                           " created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6,"
                           " $7, $8)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, c->agent->id, -1);
    store_bind_text(st, 2, c->agent->name, -1);
    store_bind_text(st, 3, c->agent->scope, -1);
    store_bind_text(st, 4, crypto_alg_id(c->alg), -1);
    store_bind_blob(st, 5, c->hash, CRYPTO_HASH_BYTES);
    store_bind_int(st, 6, c->actor->user_id);
    store_bind_int(st, 7, xn_now_us());
    store_bind_int(st, 8, c->agent->expires_at);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    json_t *d = json_pack("{s:s,s:s,s:I}", "name", c->agent->name, "scope", c->agent->scope,
                          "expires_at", (json_int_t)c->agent->expires_at);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    rc = auth_audit_ok(c->trail, tx, c->actor, "auth.agent_token_create", "agent_token",
                       c->agent->id, detail, err);
    free(detail);
    return rc;
}

int auth_agent_token_create(store *db, audit_trail *trail, const auth_settings *s,
                            const auth_principal *actor, const char *name, const char *scope,
                            int64_t expires_days, char token[AUTH_AGENT_TOKEN_CHARS + 1],
                            auth_agent *out, xn_error *err)
{
    int rc = xn_check_text(name, AUTH_MAX_NAME, XN_TEXT_LABEL, true, "name", "令牌名称", err);
    if (rc != XN_OK)
        return rc;
    if (!valid_scope(scope))
        return xn_fail_field(err, XN_EINVAL, "bad_scope", "scope",
                             "范围只能是 guard（防篡改）或 netwatch（网络监测）");
    if (expires_days < 1 || expires_days > MAX_AGENT_DAYS)
        return xn_fail_field(err, XN_EINVAL, "bad_expiry", "expires_days",
                             "有效期须为 1 至 365 天");
    memset(out, 0, sizeof *out);
    uint8_t raw[AUTH_AGENT_ID_CHARS / 2];
    xn_random_bytes(raw, sizeof raw);
    xn_hex(raw, sizeof raw, out->id);
    xn_strlcpy(out->name, name, sizeof out->name);
    xn_strlcpy(out->scope, scope, sizeof out->scope);
    out->expires_at = xn_now_us() + expires_days * DAY_US;
    char secret[AUTH_TOKEN_CHARS + 1];
    auth_new_token(secret);
    uint8_t hash[CRYPTO_HASH_BYTES];
    auth_token_hash(s->alg, secret, hash);
    snprintf(token, AUTH_AGENT_TOKEN_CHARS + 1, PREFIX "%s.%s", out->id, secret);
    crypto_wipe(secret, sizeof secret);
    create_ctx c = {.trail = trail, .actor = actor, .agent = out, .alg = s->alg, .hash = hash};
    rc = store_tx(db, create_tx, &c, err);
    if (rc != XN_OK)
        crypto_wipe(token, AUTH_AGENT_TOKEN_CHARS + 1);
    return rc;
}

static json_t *token_row(store_stmt *st, const void *ctx)
{
    int64_t now = *(const int64_t *)ctx;
    bool revoked = !store_col_is_null(st, 5);
    bool expired = store_col_int(st, 4) <= now;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "id", store_col_text(st, 0), "name",
                          store_col_text(st, 1), "scope", store_col_text(st, 2), "created_by",
                          store_col_text(st, 7), "created_at", (json_int_t)store_col_int(st, 3),
                          "expires_at", (json_int_t)store_col_int(st, 4), "state",
                          revoked   ? "revoked"
                          : expired ? "expired"
                                    : "active");
    json_object_set_new(o, "revoked_at",
                        revoked ? json_integer(store_col_int(st, 5)) : json_null());
    json_object_set_new(o, "last_used_at",
                        store_col_is_null(st, 6) ? json_null()
                                                 : json_integer(store_col_int(st, 6)));
    return o;
}

int auth_agent_tokens_json(store *db, json_t **out, xn_error *err)
{
    int64_t now = xn_now_us();
    return auth_items_json(db,
                           "SELECT t.id, t.name, t.scope, t.created_at, t.expires_at, t.revoked_at,"
                           " t.last_used_at, u.account FROM agent_token t"
                           " JOIN app_user u ON u.id = t.created_by ORDER BY t.created_at DESC"
                           " LIMIT 1000",
                           NULL, token_row, &now, out, err);
}

typedef struct revoke_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    const char *id;
} revoke_ctx;

static int revoke_tx(store_conn *tx, void *ctx, xn_error *err)
{
    revoke_ctx *r = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE agent_token SET revoked_at = $1 WHERE id = $2 AND"
                           " revoked_at IS NULL",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, xn_now_us());
    store_bind_text(st, 2, r->id, -1);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    if (store_changes(tx) != 1)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "令牌不存在或已吊销");
    return auth_audit_ok(r->trail, tx, r->actor, "auth.agent_token_revoke", "agent_token", r->id,
                         NULL, err);
}

static bool valid_id(const char *id, size_t n)
{
    if (n != AUTH_AGENT_ID_CHARS)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

int auth_agent_token_revoke(store *db, audit_trail *trail, const auth_principal *actor,
                            const char *id, xn_error *err)
{
    if (!id || !valid_id(id, strlen(id)))
        return xn_fail_field(err, XN_EINVAL, "bad_id", "id", "令牌编号应为 16 位十六进制数");
    revoke_ctx r = {.trail = trail, .actor = actor, .id = id};
    return store_tx(db, revoke_tx, &r, err);
}

/* ---- checking ------------------------------------------------------------------------------ */

typedef struct check_ctx {
    audit_trail *trail;
    const char *id; /* "" when the token did not even parse */
    const char *name;
    const char *source;
    const char *why;
    bool touch;
} check_ctx;

static int denied_tx(store_conn *tx, void *ctx, xn_error *err)
{
    check_ctx *c = ctx;
    if (!audit_failures_admit(c->trail, c->source, "auth.agent_check"))
        return XN_OK; /* counted in the source's summary for this minute */
    char detail[96];
    snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", c->why);
    audit_actor actor = {.kind = "agent", .name = *c->id ? c->id : "unknown", .source = c->source};
    audit_event ev = {.action = "auth.agent_check",
                      .actor = &actor,
                      .object_type = "agent_token",
                      .object_id = *c->id ? c->id : NULL,
                      .result = AUDIT_DENIED,
                      .detail_json = detail};
    return audit_append(c->trail, tx, &ev, err);
}

static int touch_tx(store_conn *tx, void *ctx, xn_error *err)
{
    check_ctx *c = ctx;
    store_stmt *st;
    int rc = store_prepare(tx, "UPDATE agent_token SET last_used_at = $1 WHERE id = $2", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, xn_now_us());
    store_bind_text(st, 2, c->id, -1);
    return auth_step_done(st, err);
}

bool auth_agent_token_parse(const char *token, char id[AUTH_AGENT_ID_CHARS + 1],
                            const char **secret)
{
    if (!token || strlen(token) != AUTH_AGENT_TOKEN_CHARS || strncmp(token, PREFIX, 4) != 0)
        return false;
    const char *p = token + 4;
    if (!valid_id(p, AUTH_AGENT_ID_CHARS) || p[AUTH_AGENT_ID_CHARS] != '.')
        return false;
    memcpy(id, p, AUTH_AGENT_ID_CHARS);
    id[AUTH_AGENT_ID_CHARS] = '\0';
    *secret = p + AUTH_AGENT_ID_CHARS + 1;
    for (const char *q = *secret; *q; q++)
        if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
              *q == '-' || *q == '_'))
            return false;
    return true;
}

int auth_agent_check(store *db, audit_trail *trail, const auth_settings *s, const char *token,
                     const char *scope, const char *source, auth_agent *out, xn_error *err)
{
    (void)s; /* the hash algorithm is the one stored with each token */
    char id[AUTH_AGENT_ID_CHARS + 1] = "";
    const char *secret = NULL;
    check_ctx c = {.trail = trail, .id = id, .source = source, .why = "malformed"};
    memset(out, 0, sizeof *out);
    int rc = XN_OK;
    if (auth_agent_token_parse(token, id, &secret)) {
        store_conn *conn;
        if ((rc = store_acquire(db, &conn, err)) != XN_OK)
            return rc;
        store_stmt *st;
        rc = store_prepare(conn,
                           "SELECT name, scope, hash_alg, secret_hash, expires_at, revoked_at,"
                           " coalesce(last_used_at, 0) FROM agent_token WHERE id = $1",
                           &st, err);
        if (rc == XN_OK) {
            store_bind_text(st, 1, id, -1);
            rc = store_step(st, err);
        }
        c.why = "unknown";
        if (rc == STORE_ROW) {
            crypto_alg alg;
            uint8_t hash[CRYPTO_HASH_BYTES];
            bool hash_ok = crypto_alg_parse(store_col_text(st, 2), &alg) == XN_OK &&
                           store_col_bytes(st, 3) == CRYPTO_HASH_BYTES;
            if (hash_ok) {
                auth_token_hash(alg, secret, hash);
                hash_ok = crypto_equal(hash, store_col_blob(st, 3), CRYPTO_HASH_BYTES);
            }
            int64_t now = xn_now_us();
            xn_strlcpy(out->id, id, sizeof out->id);
            xn_strlcpy(out->name, store_col_text(st, 0), sizeof out->name);
            xn_strlcpy(out->scope, store_col_text(st, 1), sizeof out->scope);
            out->expires_at = store_col_int(st, 4);
            if (!hash_ok)
                c.why = "wrong_secret";
            else if (!store_col_is_null(st, 5))
                c.why = "revoked";
            else if (out->expires_at <= now)
                c.why = "expired";
            else if (scope && strcmp(scope, out->scope) != 0)
                c.why = "wrong_scope";
            else
                c.why = NULL;
            c.touch = c.why == NULL && now - store_col_int(st, 6) > TOUCH_US;
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = XN_OK;
        }
        store_release(conn);
        if (rc != XN_OK)
            return rc;
    }
    if (c.why) {
        memset(out, 0, sizeof *out);
        xn_error ignored;
        store_tx(db, denied_tx, &c, &ignored);
        return xn_fail(err, XN_EDENIED, "agent_denied",
                       strcmp(c.why, "wrong_scope") == 0 ? "该令牌无权访问此接口"
                                                         : "令牌无效、已过期或已吊销");
    }
    if (c.touch) {
        /* best effort, as for sessions: a lost touch only makes last_used_at older */
        xn_error ignored;
        store_tx(db, touch_tx, &c, &ignored);
    }
    return XN_OK;
}
