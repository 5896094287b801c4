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
    "incident.approve",    "org.manage",
    "user.apply",          "agent.manage",
    "account.review",      "text.lexicon",
    "policy.manage",       "system.status",       "user.unlock",
    "jobs.manage",         "notify.manage",
    "file.read",           "file.quarantine",
    "calendar.manage",     "incident.read",       "incident.handle",
    "register.read",       "register.assets",     "register.network",
    "register.security",   "content.read",        "column.manage",
    "publish.sources",     "content.publish",     "content.withdraw",
    "compliance.read",     "compliance.manage",   "duty.plan",           "duty.read",
    "monitor.read",        "monitor.manage",      "duty.approve",
    "guard.quarantine",
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
                         .session = p->session_id[0] ? p->session_id : NULL,
                         .real_name = p->real_name[0] ? p->real_name : NULL};
}

void auth_settings_default(auth_settings *s, const xn_config *cfg)
{
    const int64_t minute = 60 * (int64_t)1000000;
    *s = (auth_settings){.alg = crypto_alg_for_mode(cfg->crypto),
                         .aead = crypto_aead_for_mode(cfg->crypto),
                         .max_failures = 5,
                         .failure_window = 15 * minute,
                         .lock_duration = 30 * minute,
                         .max_source_failures = 50,
                         .idle_timeout = cfg->auth_idle_timeout * 1000000,
                         .absolute_timeout = 12 * 60 * minute};
}

void auth_new_token(char out[AUTH_TOKEN_CHARS + 1])
{
    uint8_t raw[32];
    crypto_random(raw, sizeof raw);
    sodium_bin2base64(out, AUTH_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_wipe(raw, sizeof raw);
}

void auth_new_id(char out[33])
{
    uint8_t raw[16];
    crypto_random(raw, sizeof raw);
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
        const char *set = classes[i < 4 ? (uint32_t)i : crypto_random_below(3)];
        char c = set[crypto_random_below((uint32_t)strlen(set))];
        if (counts[(int)c] == 2)
            continue;
        counts[(int)c]++;
        out[i++] = c;
    }
    /* shuffle so the classes are not in a fixed order */
    for (int i = AUTH_OTP_CHARS - 1; i > 0; i--) {
        int j = (int)crypto_random_below((uint32_t)i + 1);
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
    /* ACC-1: no text shown to people (comments, reasons) may reorder what follows it. */
    return xn_check_text(s, max, XN_TEXT_FREE, required, field, field, err);
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
    p->totp = has_totp;
    store_stmt_done(st);
    return auth_load_roles(c, p, has_totp, err);
}

int auth_load_roles(store_conn *c, auth_principal *p, bool has_totp, xn_error *err)
{
    store_stmt *st;
    int64_t user_id = p->user_id;
    int rc;
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

void auth_id_text(int64_t id, char out[AUTH_ID_TEXT])
{
    snprintf(out, AUTH_ID_TEXT, "%lld", (long long)id);
}

int auth_step_done(store_stmt *st, xn_error *err)
{
    int rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : rc;
}

static int append_ok(audit_trail *t, store_conn *tx, const audit_actor *a, const char *action,
                     const char *object_type, const char *object_id, const char *detail,
                     xn_error *err)
{
    audit_event ev = {.action = action,
                      .actor = a,
                      .object_type = object_type,
                      .object_id = object_id,
                      .result = AUDIT_OK,
                      .detail_json = detail};
    return audit_append(t, tx, &ev, err);
}

int auth_audit_ok(audit_trail *t, store_conn *tx, const auth_principal *actor, const char *action,
                  const char *object_type, const char *object_id, const char *detail, xn_error *err)
{
    audit_actor a = auth_actor(actor);
    return append_ok(t, tx, &a, action, object_type, object_id, detail, err);
}

int auth_audit_system(audit_trail *t, store_conn *tx, const char *action, const char *object_type,
                      const char *object_id, const char *detail, xn_error *err)
{
    return append_ok(t, tx, &audit_system_actor, action, object_type, object_id, detail, err);
}

bool auth_valid_account(const char *a)
{
    /* letters, digits, '.', '_' and '-': an account name is typed, logged and shown */
    size_t n = strlen(a);
    if (n < 2 || n > AUTH_MAX_ACCOUNT)
        return false;
    for (const char *p = a; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

int auth_check_phone(const char *phone, xn_error *err)
{
    if (!phone || !*phone)
        return XN_OK;
    int digits = 0;
    size_t n = strlen(phone);
    for (const char *p = phone; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p != '+' && *p != '(' && *p != ')' && *p != '-' && *p != ' ')
            digits = -1000;
    }
    if (n > AUTH_PHONE_MAX_BYTES || digits < 5 || digits > 20)
        return xn_fail_field(err, XN_EINVAL, "bad_phone", "phone",
                             "电话号码只能包含数字、空格和 + ( ) -（5–20 位数字）");
    return XN_OK;
}

int auth_check_person(const char *account, const char *real_name, const char *phone,
                      const char *staff_type, xn_error *err)
{
    int rc = auth_check_text(account, AUTH_MAX_ACCOUNT, true, "account", err);
    if (rc == XN_OK && !auth_valid_account(account))
        rc = xn_fail_field(err, XN_EINVAL, "bad_account", "account",
                           "账号只能包含字母、数字、点、下划线和连字符（2–64 个字符）");
    if (rc == XN_OK) /* ACC-1: a person's name, as names are written */
        rc =
            xn_check_text(real_name, AUTH_MAX_NAME, XN_TEXT_PERSON, true, "real_name", "姓名", err);
    if (rc == XN_OK)
        rc = auth_check_text(phone, AUTH_PHONE_MAX_BYTES, false, "phone", err);
    if (rc == XN_OK)
        rc = auth_check_phone(phone, err);
    if (rc == XN_OK && (!staff_type || (strcmp(staff_type, "staff") != 0 &&
                                        strcmp(staff_type, "outsourced") != 0)))
        rc = xn_fail_field(err, XN_EINVAL, "bad_staff_type", "staff_type",
                           "人员类型只能是在编（staff）或外包（outsourced）");
    return rc;
}

int auth_notify(store_conn *tx, int64_t user_id, const char *kind, const char *title,
                const char *body, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO notification (user_id, at, kind, title, body)"
                           " VALUES ($1, $2, $3, $4, $5)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    store_bind_int(st, 2, xn_now_us());
    store_bind_text(st, 3, kind, -1);
    store_bind_text(st, 4, title, -1);
    store_bind_text(st, 5, body ? body : "", -1);
    return auth_step_done(st, err);
}

int auth_notification_add(store_conn *tx, int64_t user_id, const char *kind, const char *title,
                          const char *body, xn_error *err)
{
    return auth_notify(tx, user_id, kind, title, body, err);
}

int auth_notify_holders(store_conn *tx, const char *perm, const char *kind, const char *title,
                        const char *body, int *count, xn_error *err)
{
    store_stmt *st;
    *count = 0;
    int rc = store_prepare(tx,
                           "INSERT INTO notification (user_id, at, kind, title, body)"
                           " SELECT DISTINCT u.id, $2, $3, $4, $5 FROM app_user u"
                           " JOIN user_role ur ON ur.user_id = u.id JOIN role_permission rp"
                           " ON rp.role_id = ur.role_id WHERE rp.permission = $1"
                           " AND u.status = 'active'",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, perm, -1);
    store_bind_int(st, 2, xn_now_us());
    store_bind_text(st, 3, kind, -1);
    store_bind_text(st, 4, title, -1);
    store_bind_text(st, 5, body ? body : "", -1);
    rc = auth_step_done(st, err);
    if (rc == XN_OK)
        *count = (int)store_changes(tx);
    return rc;
}

int auth_user_contact(store_conn *c, int64_t user_id, char *name, size_t name_size, char *phone,
                      size_t phone_size, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(
        c, "SELECT real_name, phone FROM app_user WHERE id = $1 AND status <> 'left'", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : xn_fail_field(err, XN_ENOTFOUND, "no_user", "user_id", "没有这个人员");
    xn_strlcpy(name, store_col_text(st, 0), name_size);
    xn_strlcpy(phone, store_col_text(st, 1), phone_size);
    store_stmt_done(st);
    return XN_OK;
}

int auth_roles_load(store *db, auth_settings *s, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    s->nroles = 0;
    rc = store_prepare(c,
                       "SELECT r.id, r.code, r.admin, rp.permission FROM role r"
                       " LEFT JOIN role_permission rp ON rp.role_id = r.id ORDER BY r.id",
                       &st, err);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        int64_t id = store_col_int(st, 0);
        rc = XN_OK;
        if (s->nroles == 0 || s->roles[s->nroles - 1].id != id) {
            if (s->nroles == AUTH_MAX_ROLE_DEFS) {
                store_stmt_done(st);
                rc = xn_fail(err, XN_ETOOBIG, "too_many_roles", "more than %d roles",
                             AUTH_MAX_ROLE_DEFS);
                break;
            }
            auth_role_def *d = &s->roles[s->nroles++];
            memset(d, 0, sizeof *d);
            d->id = id;
            xn_strlcpy(d->code, store_col_text(st, 1), sizeof d->code);
            d->admin = store_col_int(st, 2) != 0;
        }
        int i = store_col_is_null(st, 3) ? -1 : perm_index(store_col_text(st, 3));
        if (i >= 0)
            s->roles[s->nroles - 1].perms |= 1ULL << i;
    }
    if (rc == STORE_DONE)
        rc = XN_OK;
    store_release(c);
    if (rc != XN_OK)
        s->nroles = 0;
    return rc;
}

int auth_apply_role_ids(const auth_settings *s, const char *ids, auth_principal *p, bool has_totp)
{
    /* "3,1,10" from group_concat: ids in role order, as the query path gives them */
    int64_t got[AUTH_MAX_ROLES];
    int n = 0;
    for (const char *q = ids; *q && n < AUTH_MAX_ROLES;) {
        int64_t v = 0;
        while (*q >= '0' && *q <= '9')
            v = v * 10 + (*q++ - '0');
        if (*q == ',')
            q++;
        else if (*q)
            return XN_EINVAL;
        got[n++] = v;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && got[j - 1] > got[j]; j--) {
            int64_t t = got[j];
            got[j] = got[j - 1];
            got[j - 1] = t;
        }
    p->nroles = 0;
    p->perms = 0;
    p->admin = false;
    for (int i = 0; i < n; i++) {
        const auth_role_def *d = NULL;
        for (int k = 0; k < s->nroles && !d; k++)
            if (s->roles[k].id == got[i])
                d = &s->roles[k];
        if (!d)
            return XN_ENOTFOUND;
        xn_strlcpy(p->roles[p->nroles++], d->code, sizeof p->roles[0]);
        p->admin |= d->admin;
        p->perms |= d->perms;
    }
    p->must_enrol_totp = p->admin && !has_totp;
    return XN_OK;
}
