/*
 * Sign-in and sessions (ACC-15..17). Password hashing is slow on purpose, so it runs before
 * the write transaction, never inside it; every attempt then commits its audit record.
 */
#include "auth/auth_int.h"

#include <string.h>

/* ACC-16: one answer for a wrong account, a wrong password and a locked account, so a
 * stranger learns nothing of the account, while its owner learns what to do */
#define FAIL_MESSAGE                                                                                                 \
    "账号或密码错误，或账号因连续登录失败已被临时锁定（%lld 分钟）。请稍后再试，" \
    "或联系安全管理员解锁"
/* last_seen_at is written at most this often (and at most a quarter of the idle limit): a
 * write per request would serialise readers */
#define TOUCH_EVERY_US (60 * (int64_t)1000000)

typedef struct login_user {
    int64_t id;
    bool totp_damaged; /* sealed secret that does not open: the sign-in fails closed */
    char hash[CRYPTO_PASSWORD_MAX];
    char status[16];
    int64_t locked_until;
    int64_t last_login_at;
    int64_t unlocked_at; /* ACC-16: failures before an administrator's unlock do not count */
    uint8_t totp[CRYPTO_TOTP_SECRET_BYTES];
    bool has_totp;
    int64_t totp_last_step;
} login_user;

static int find_user(store_conn *c, const auth_settings *s, const char *account, login_user *u,
                     bool *found, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT id, coalesce(password_hash, ''), status, locked_until,"
                           " coalesce(last_login_at, 0), totp_secret, totp_last_step,"
                           " coalesce(totp_alg, ''), unlocked_at"
                           " FROM app_user WHERE account = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, account, -1);
    rc = store_step(st, err);
    *found = rc == STORE_ROW;
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? XN_OK : rc;
    u->id = store_col_int(st, 0);
    xn_strlcpy(u->hash, store_col_text(st, 1), sizeof u->hash);
    xn_strlcpy(u->status, store_col_text(st, 2), sizeof u->status);
    u->locked_until = store_col_int(st, 3);
    u->last_login_at = store_col_int(st, 4);
    u->has_totp = !store_col_is_null(st, 5);
    if (u->has_totp) {
        xn_error ignored;
        u->totp_damaged = auth_totp_open(s, u->id, store_col_text(st, 7), store_col_blob(st, 5),
                                         store_col_bytes(st, 5), u->totp, &ignored) != XN_OK;
    }
    u->totp_last_step = store_col_int(st, 6);
    u->unlocked_at = store_col_int(st, 8);
    store_stmt_done(st);
    return XN_OK;
}

static int count_since(store_conn *c, const char *sql, const char *key, int64_t since, int64_t *n,
                       xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c, sql, &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, key, -1);
    store_bind_int(st, 2, since);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc;
    *n = store_col_int(st, 0);
    store_stmt_done(st);
    return XN_OK;
}

typedef enum outcome { LOGIN_OK, LOGIN_BAD, LOGIN_LOCKED, LOGIN_LIMITED, LOGIN_NEED_TOTP } outcome;

typedef struct login_tx {
    const auth_settings *s;
    const auth_login_in *in;
    login_user *u;
    bool found;
    outcome result;
    const char *why; /* for the audit detail, never shown to the client */
    int64_t totp_step;
    auth_login_out *out;
    audit_trail *trail;
    bool locked_now;
} login_tx;

int auth_failure_record(store_conn *tx, const auth_settings *s, const char *account,
                        const char *source, int64_t user_id, int64_t last_login_at,
                        bool *locked_now, xn_error *err)
{
    int64_t now = xn_now_us();
    store_stmt *st;
    *locked_now = false;
    int rc = store_prepare(
        tx, "INSERT INTO login_failure (account, source, at) VALUES ($1, $2, $3)", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, account, -1);
    store_bind_text(st, 2, source ? source : "", -1);
    store_bind_int(st, 3, now);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc;
    if (user_id == 0)
        return XN_OK;
    /* failures since the window began and since the last success lock the account */
    int64_t since = now - s->failure_window;
    if (last_login_at > since)
        since = last_login_at;
    /* ACC-16: failures before the security administrator's unlock no longer count */
    rc = store_prepare(tx, "SELECT unlocked_at FROM app_user WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc == STORE_DONE ? XN_OK : rc;
    if (store_col_int(st, 0) > since)
        since = store_col_int(st, 0);
    store_stmt_done(st);
    int64_t n = 0;
    rc = count_since(tx, "SELECT count(*) FROM login_failure WHERE account = $1 AND at > $2",
                     account, since, &n, err);
    if (rc != XN_OK || n < s->max_failures)
        return rc;
    rc = store_prepare(tx, "UPDATE app_user SET locked_until = $1 WHERE id = $2", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, now + s->lock_duration);
    store_bind_int(st, 2, user_id);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc;
    *locked_now = true;
    return XN_OK;
}

static int record_failure(store_conn *tx, login_tx *l, xn_error *err)
{
    bool counts = l->found && l->result != LOGIN_LOCKED;
    return auth_failure_record(tx, l->s, l->in->account, l->in->source, counts ? l->u->id : 0,
                               counts ? l->u->last_login_at : 0, &l->locked_now, err);
}

static int create_session(store_conn *tx, login_tx *l, xn_error *err)
{
    auth_login_out *out = l->out;
    int64_t now = xn_now_us();
    auth_new_token(out->token);
    auth_new_id(out->who.session_id);
    auth_new_token(out->who.csrf);
    uint8_t th[CRYPTO_HASH_BYTES];
    auth_token_hash(l->s->alg, out->token, th);
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO session (id, token_hash, user_id, csrf, created_at,"
                           " last_seen_at, source, user_agent, mfa_done)"
                           " VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, out->who.session_id, -1);
    store_bind_blob(st, 2, th, sizeof th);
    store_bind_int(st, 3, l->u->id);
    store_bind_text(st, 4, out->who.csrf, -1);
    store_bind_int(st, 5, now);
    store_bind_text(st, 6, l->in->source, -1);
    store_bind_text(st, 7, l->in->user_agent, -1);
    store_bind_int(st, 8, l->u->has_totp);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc;
    rc =
        store_prepare(tx,
                      "UPDATE app_user SET last_login_at = $1, totp_last_step = max(totp_last_step,"
                      " $2), locked_until = 0 WHERE id = $3",
                      &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, l->totp_step);
    store_bind_int(st, 3, l->u->id);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc;
    if ((rc = auth_load_principal(tx, l->u->id, &out->who, err)) != XN_OK)
        return rc;
    /* ACC-10: a password past its profile's maximum age must be changed before anything else
     * (the forced-change path the session check already enforces) */
    bool expired = false;
    rc = auth_password_expiry_login(tx, l->trail, l->u->id, l->in->account,
                                    auth_profile_of(&out->who), auth_now(l->s), &expired, err);
    if (rc == XN_OK && expired)
        out->who.must_change = true;
    return rc;
}

/* Writes what an attempt leaves (session or failure) and its audit record; not called for a
 * first step that only asks for the code. */
static int login_record(store_conn *tx, void *ctx, xn_error *err)
{
    login_tx *l = ctx;
    int rc = XN_OK;
    if (l->result == LOGIN_OK)
        rc = create_session(tx, l, err);
    else if (l->result != LOGIN_LIMITED)
        rc = record_failure(tx, l, err);
    if (rc != XN_OK)
        return rc;
    char detail[160];
    snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", l->why);
    audit_actor actor = {.kind = l->found ? "user" : "system",
                         .id = l->found ? l->u->id : 0,
                         .name = l->found ? l->in->account : "unknown",
                         .source = l->in->source,
                         .session = l->result == LOGIN_OK ? l->out->who.session_id : NULL};
    audit_event ev = {.action = "auth.login",
                      .actor = &actor,
                      .object_type = "account",
                      .object_id = l->in->account,
                      .result = l->result == LOGIN_OK ? AUDIT_OK : AUDIT_DENIED,
                      .detail_json = detail};
    /* a failure past the first few of its source's minute goes into that minute's summary;
     * a lockout is always recorded on its own */
    if (l->result == LOGIN_OK || audit_failures_admit(l->trail, l->in->source, ev.action))
        rc = audit_append(l->trail, tx, &ev, err);
    if (rc == XN_OK && l->locked_now) {
        audit_event lock = {.action = "auth.lockout",
                            .actor = &actor,
                            .object_type = "account",
                            .object_id = l->in->account,
                            .result = AUDIT_OK,
                            .detail_json = "{\"reason\":\"too_many_failures\"}"};
        rc = audit_append(l->trail, tx, &lock, err);
    }
    return rc;
}

int auth_login(store *db, audit_trail *trail, const auth_settings *s, const auth_login_in *in,
               auth_login_out *out, xn_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = auth_check_text(in->account, AUTH_MAX_ACCOUNT, true, "account", err);
    if (rc == XN_OK)
        rc = auth_check_text(in->password, AUTH_MAX_PASSWORD, true, "password", err);
    if (rc == XN_OK && in->totp)
        rc = auth_check_text(in->totp, 8, false, "totp", err);
    if (rc != XN_OK)
        return rc;
    login_user u = {0};
    login_tx l = {.s = s, .in = in, .u = &u, .out = out, .trail = trail, .why = "ok"};
    int64_t now = xn_now_us();

    store_conn *c;
    int64_t from_source = 0;
    rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    rc = count_since(c, "SELECT count(*) FROM login_failure WHERE source = $1 AND at > $2",
                     in->source ? in->source : "", now - s->failure_window, &from_source, err);
    if (rc == XN_OK)
        rc = find_user(c, s, in->account, &u, &l.found, err);
    store_release(c);
    if (rc != XN_OK)
        return rc;

    /* The same hashing work whether or not the account exists. */
    bool password_ok = false;
    size_t plen = strlen(in->password);
    if (l.found && u.hash[0])
        password_ok = crypto_password_verify(u.hash, in->password, plen);
    else
        crypto_password_dummy(s->alg, in->password, plen);

    if (from_source >= s->max_source_failures) {
        l.result = LOGIN_LIMITED;
        l.why = "source_rate_limited";
    } else if (!l.found) {
        l.result = LOGIN_BAD;
        l.why = "unknown_account";
    } else if (u.locked_until > now) {
        l.result = LOGIN_LOCKED;
        l.why = "locked";
    } else if (!password_ok) {
        l.result = LOGIN_BAD;
        l.why = "wrong_password";
    } else if (strcmp(u.status, "active") != 0) {
        l.result = LOGIN_BAD;
        l.why = u.status;
    } else if (u.has_totp && (!in->totp || !*in->totp)) {
        /* asked before looking at a damaged secret: the answer does not depend on it */
        l.result = LOGIN_NEED_TOTP;
        l.why = "need_totp";
    } else if (u.has_totp && u.totp_damaged) {
        l.result = LOGIN_BAD;
        l.why = "totp_unreadable";
    } else if (u.has_totp &&
               (!crypto_totp_check(u.totp, now / 1000000, in->totp, 1, &l.totp_step) ||
                l.totp_step <= u.totp_last_step)) {
        l.result = LOGIN_BAD;
        l.why = "wrong_totp";
    } else {
        l.result = LOGIN_OK;
    }
    crypto_wipe(u.totp, sizeof u.totp);
    /* a first step that only asks for the code writes nothing: the second step is audited */
    if (l.result != LOGIN_NEED_TOTP)
        rc = store_tx(db, login_record, &l, err);
    if (rc != XN_OK)
        return rc;
    switch (l.result) {
    case LOGIN_OK:
        out->who.source = in->source;
        return XN_OK;
    case LOGIN_NEED_TOTP:
        out->need_totp = true;
        return XN_OK;
    case LOGIN_LIMITED:
        return xn_fail(err, XN_EBUSY, "rate_limited", "来自该地址的失败登录过多，请稍后再试");
    default:
        return xn_fail(err, XN_EDENIED, "login_failed", FAIL_MESSAGE,
                       (long long)(s->lock_duration / (60 * (int64_t)1000000)));
    }
}

/* ---- sessions ---------------------------------------------------------------------------- */

int auth_session_check(store *db, const auth_settings *s, const char *token, bool background,
                       auth_principal *out, xn_error *err)
{
    if (!token || strlen(token) != AUTH_TOKEN_CHARS)
        return xn_fail(err, XN_EDENIED, "unauthenticated", "请先登录");
    uint8_t th[CRYPTO_HASH_BYTES];
    auth_token_hash(s->alg, token, th);
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT s.id, s.csrf, s.created_at, s.last_seen_at, s.user_id, u.status,"
                       " u.account, u.real_name, u.must_change, u.totp_secret IS NOT NULL,"
                       " coalesce((SELECT group_concat(role_id, ',') FROM user_role"
                       " WHERE user_id = s.user_id), '')"
                       " FROM session s JOIN app_user u ON u.id = s.user_id"
                       " WHERE s.token_hash = $1 AND s.ended_at IS NULL",
                       &st, err);
    int64_t now = xn_now_us(), created = 0, seen = 0;
    bool active = false, has_totp = false, mapped = false;
    if (rc == XN_OK) {
        store_bind_blob(st, 1, th, sizeof th);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            memset(out, 0, sizeof *out);
            xn_strlcpy(out->session_id, store_col_text(st, 0), sizeof out->session_id);
            xn_strlcpy(out->csrf, store_col_text(st, 1), sizeof out->csrf);
            created = store_col_int(st, 2);
            seen = store_col_int(st, 3);
            out->user_id = store_col_int(st, 4);
            active = strcmp(store_col_text(st, 5), "active") == 0;
            xn_strlcpy(out->account, store_col_text(st, 6), sizeof out->account);
            xn_strlcpy(out->real_name, store_col_text(st, 7), sizeof out->real_name);
            out->must_change = store_col_int(st, 8) != 0;
            has_totp = store_col_int(st, 9) != 0;
            out->totp = has_totp;
            mapped = s->nroles > 0 &&
                     auth_apply_role_ids(s, store_col_text(st, 10), out, has_totp) == XN_OK;
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_EDENIED, "unauthenticated", "请先登录");
        }
    }
    if (rc == XN_OK &&
        (!active || now - seen > s->idle_timeout || now - created > s->absolute_timeout))
        rc = xn_fail(err, XN_EDENIED, "session_expired", "会话已过期或已失效，请重新登录");
    /* one statement for the session, its person and role ids; the catalogue maps the ids */
    if (rc == XN_OK && !mapped)
        rc = auth_load_roles(c, out, has_totp, err);
    /* ACC-15: a background poll (the bell, a status card) is not use: it leaves the idle
     * clock running, so a screen left open still locks at the idle limit */
    int64_t touch_every =
        s->idle_timeout / 4 < TOUCH_EVERY_US ? s->idle_timeout / 4 : TOUCH_EVERY_US;
    if (rc == XN_OK && !background && now - seen > touch_every) {
        /* best effort: a touch lost to a busy database only brings the idle limit nearer */
        xn_error ignored;
        store_stmt *up;
        if (store_prepare(c, "UPDATE session SET last_seen_at = $1 WHERE id = $2", &up, &ignored) ==
            XN_OK) {
            store_bind_int(up, 1, now);
            store_bind_text(up, 2, out->session_id, -1);
            store_step(up, &ignored);
        }
    }
    store_release(c);
    return rc;
}

typedef struct end_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    const char *id;
    const char *reason;
    bool denied;
} end_ctx;

static int end_tx(store_conn *tx, void *ctx, xn_error *err)
{
    end_ctx *e = ctx;
    store_stmt *st;
    int64_t owner = 0;
    int rc = store_prepare(tx, "SELECT user_id FROM session WHERE id = $1 AND ended_at IS NULL",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, e->id, -1);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "会话不存在或已结束")
                                : rc;
    owner = store_col_int(st, 0);
    store_stmt_done(st);
    bool own = owner == e->actor->user_id;
    audit_actor actor = auth_actor(e->actor);
    if (!own && !auth_can(e->actor, "session.manage")) {
        /* the refusal commits its record; the caller then reports it */
        audit_event ev = {.action = "auth.session_end",
                          .actor = &actor,
                          .object_type = "session",
                          .object_id = e->id,
                          .result = AUDIT_DENIED};
        e->denied = true;
        return audit_append(e->trail, tx, &ev, err);
    }
    rc = store_prepare(tx, "UPDATE session SET ended_at = $1, ended_reason = $2 WHERE id = $3", &st,
                       err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, xn_now_us());
    store_bind_text(st, 2, e->reason, -1);
    store_bind_text(st, 3, e->id, -1);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"reason\":\"%s\",\"user_id\":%lld}", e->reason,
             (long long)owner);
    audit_event ev = {.action =
                          strcmp(e->reason, "logout") == 0 ? "auth.logout" : "auth.session_end",
                      .actor = &actor,
                      .object_type = "session",
                      .object_id = e->id,
                      .result = AUDIT_OK,
                      .detail_json = detail};
    return audit_append(e->trail, tx, &ev, err);
}

int auth_session_end(store *db, audit_trail *trail, const auth_principal *actor,
                     const char *session_id, const char *reason, xn_error *err)
{
    int rc = auth_check_text(session_id, 32, true, "session", err);
    if (rc != XN_OK)
        return rc;
    end_ctx e = {.trail = trail, .actor = actor, .id = session_id, .reason = reason};
    rc = store_tx(db, end_tx, &e, err);
    if (rc == XN_OK && e.denied)
        return xn_fail(err, XN_EDENIED, "forbidden", "只能结束自己的会话");
    return rc;
}

typedef struct sessions_ctx {
    int64_t user_id;
    const char *current_id;
} sessions_ctx;

static void bind_user(store_stmt *st, const void *ctx)
{
    store_bind_int(st, 1, ((const sessions_ctx *)ctx)->user_id);
}

static json_t *session_row(store_stmt *st, const void *ctx)
{
    const char *current = ((const sessions_ctx *)ctx)->current_id;
    const char *id = store_col_text(st, 0);
    return json_pack(
        "{s:s,s:I,s:I,s:s,s:s,s:b}", "id", id, "created_at", (json_int_t)store_col_int(st, 1),
        "last_seen_at", (json_int_t)store_col_int(st, 2), "source", store_col_text(st, 3),
        "user_agent", store_col_text(st, 4), "current", current && strcmp(id, current) == 0);
}

int auth_sessions_json(store *db, int64_t user_id, const char *current_id, json_t **out,
                       xn_error *err)
{
    sessions_ctx ctx = {.user_id = user_id, .current_id = current_id};
    return auth_items_json(db,
                           "SELECT id, created_at, last_seen_at, source, user_agent FROM session"
                           " WHERE user_id = $1 AND ended_at IS NULL ORDER BY created_at DESC"
                           " LIMIT 100",
                           bind_user, session_row, &ctx, out, err);
}
