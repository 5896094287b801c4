/*
 * People and privileges: accounts, role requests decided by a second person (four-eyes,
 * ACC-12), separation of the three administrators (ACC-6), outsourced staff kept from
 * reviewer and privilege-granting roles (ACC-5, PUB-7), revocation and disabling that reach
 * open sessions at once (sessions reload roles on every request).
 */
#include "auth/auth_int.h"

#include <string.h>

/* ---- creating accounts ------------------------------------------------------------------- */

typedef struct create_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    const auth_user_in *in;
    const char *hash;
    int64_t id;
} create_ctx;

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    create_ctx *cc = ctx;
    const auth_user_in *in = cc->in;
    store_stmt *st;
    int64_t exists = 0;
    int rc = store_prepare(tx, "SELECT count(*) FROM app_user WHERE account = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, in->account, -1);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    exists = store_col_int(st, 0);
    store_stmt_done(st);
    if (exists)
        return xn_fail_field(err, XN_ECONFLICT, "account_taken", "account", "账号已存在");
    char dept[AUTH_MAX_NAME + 1] = "";
    if (in->department_id > 0) {
        bool found = false;
        rc = auth_org_node(tx, in->department_id, dept, sizeof dept, &found, err);
        if (rc != XN_OK)
            return rc;
        if (!found)
            return xn_fail_field(err, XN_EINVAL, "unknown_department", "department_id",
                                 "部门不存在");
    } else if (in->department) {
        xn_strlcpy(dept, in->department, sizeof dept);
    }
    rc = store_prepare(tx,
                       "INSERT INTO app_user (account, real_name, unit_id, department, phone,"
                       " staff_type, status, password_hash, password_changed_at, must_change,"
                       " created_at, department_id) VALUES ($1, $2, 1, $3, $4, $5, 'active', $6,"
                       " $7, 1, $7, $8) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, in->account, -1);
    store_bind_text(st, 2, in->real_name, -1);
    store_bind_text(st, 3, dept, -1);
    if (in->department_id > 0)
        store_bind_int(st, 8, in->department_id);
    else
        store_bind_null(st, 8);
    store_bind_text(st, 4, in->phone ? in->phone : "", -1);
    store_bind_text(st, 5, in->staff_type, -1);
    store_bind_text(st, 6, cc->hash, -1);
    store_bind_int(st, 7, xn_now_us());
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    cc->id = store_col_int(st, 0);
    store_stmt_done(st);
    /* every person starts as 普通工作人员; more needs a request and an approval */
    rc = store_prepare(tx,
                       "INSERT INTO user_role (user_id, role_id, granted_by, granted_at)"
                       " SELECT $1, id, $2, $3 FROM role WHERE code = 'staff'",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, cc->id);
    store_bind_int(st, 2, cc->actor->user_id);
    store_bind_int(st, 3, xn_now_us());
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    json_t *d = json_pack("{s:s,s:s,s:s}", "real_name", in->real_name, "staff_type", in->staff_type,
                          "department", dept);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    rc = auth_audit_ok(cc->trail, tx, cc->actor, "auth.user_create", "user", in->account, detail,
                       err);
    free(detail);
    return rc;
}

int auth_user_create(store *db, audit_trail *trail, const auth_settings *s,
                     const auth_principal *actor, const auth_user_in *in, int64_t *id_out,
                     char password[AUTH_OTP_CHARS + 1], xn_error *err)
{
    int rc = auth_check_person(in->account, in->real_name, in->phone, in->staff_type, err);
    if (rc == XN_OK)
        rc = xn_check_text(in->department, AUTH_MAX_NAME, XN_TEXT_LABEL, false, "department",
                           "部门", err);
    if (rc != XN_OK)
        return rc;
    char hash[CRYPTO_PASSWORD_MAX];
    auth_new_otp(password);
    rc = crypto_password_hash(s->alg, password, strlen(password), hash, err);
    if (rc != XN_OK)
        return rc;
    create_ctx cc = {.trail = trail, .actor = actor, .in = in, .hash = hash};
    rc = store_tx(db, create_tx, &cc, err);
    if (rc != XN_OK) {
        crypto_wipe(password, AUTH_OTP_CHARS + 1);
        return rc;
    }
    *id_out = cc.id;
    return XN_OK;
}

/* ---- reading ----------------------------------------------------------------------------- */

static json_t *user_row_json(store_stmt *st, const void *ctx)
{
    (void)ctx;
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:I,s:s}", "id", (json_int_t)store_col_int(st, 0),
        "account", store_col_text(st, 1), "real_name", store_col_text(st, 2), "department",
        store_col_text(st, 3), "staff_type", store_col_text(st, 4), "status", store_col_text(st, 5),
        "must_change", store_col_int(st, 6) != 0, "totp", store_col_int(st, 7) != 0,
        "last_login_at", (json_int_t)store_col_int(st, 8), "roles", store_col_text(st, 9));
    json_object_set_new(o, "department_id",
                        store_col_is_null(st, 10) ? json_null()
                                                  : json_integer(store_col_int(st, 10)));
    json_object_set_new(o, "phone", json_string(store_col_text(st, 11)));
    json_object_set_new(o, "positions", json_string(store_col_text(st, 12)));
    json_object_set_new(o, "supervisor_id",
                        store_col_is_null(st, 13) ? json_null()
                                                  : json_integer(store_col_int(st, 13)));
    json_object_set_new(o, "change_deadline",
                        store_col_is_null(st, 14) ? json_null()
                                                  : json_integer(store_col_int(st, 14)));
    json_object_set_new(o, "created_at", json_integer(store_col_int(st, 15)));
    /* ACC-16: a lock still in force, with its end; null when the account is not locked */
    int64_t locked_until = store_col_int(st, 16);
    json_object_set_new(o, "locked_until",
                        locked_until > xn_now_us() ? json_integer(locked_until) : json_null());
    return o;
}

#define USER_COLUMNS                                                                               \
    "u.id, u.account, u.real_name, u.department, u.staff_type, u.status, u.must_change,"           \
    " u.totp_secret IS NOT NULL, coalesce(u.last_login_at, 0),"                                    \
    " coalesce((SELECT group_concat(r.code, ',') FROM user_role ur JOIN role r"                    \
    " ON r.id = ur.role_id WHERE ur.user_id = u.id), ''), u.department_id, u.phone,"               \
    " u.positions, u.supervisor_id, u.change_deadline, u.created_at, u.locked_until"

int auth_users_json(store *db, json_t **out, xn_error *err)
{
    return auth_items_json(db, "SELECT " USER_COLUMNS " FROM app_user u ORDER BY u.id LIMIT 10000",
                           NULL, user_row_json, NULL, out, err);
}

int auth_user_json(store *db, int64_t id, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c, "SELECT " USER_COLUMNS " FROM app_user u WHERE u.id = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            *out = user_row_json(st, NULL);
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在");
        }
    }
    store_release(c);
    return rc;
}

static json_t *role_row(store_stmt *st, const void *ctx)
{
    (void)ctx;
    return json_pack("{s:s,s:s,s:b,s:b,s:s}", "code", store_col_text(st, 0), "name",
                     store_col_text(st, 1), "admin", store_col_int(st, 2) != 0, "reviewer",
                     store_col_int(st, 3) != 0, "permissions", store_col_text(st, 4));
}

int auth_roles_json(store *db, json_t **out, xn_error *err)
{
    int rc = auth_items_json(db,
                             "SELECT r.code, r.name, r.admin, r.reviewer,"
                             " coalesce(group_concat(rp.permission, ','), '')"
                             " FROM role r LEFT JOIN role_permission rp ON rp.role_id = r.id"
                             " GROUP BY r.id ORDER BY r.id",
                             NULL, role_row, NULL, out, err);
    if (rc != XN_OK)
        return rc;
    json_t *perms = json_array();
    for (int i = 0; auth_permissions[i]; i++)
        json_array_append_new(perms, json_string(auth_permissions[i]));
    json_object_set_new(*out, "permissions", perms);
    return XN_OK;
}

/* ---- role requests and decisions --------------------------------------------------------- */

int auth_find_role(store_conn *c, const char *code, auth_role_info *r, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT id, admin, reviewer, EXISTS (SELECT 1 FROM role_permission"
                           " WHERE role_id = role.id AND permission IN ('role.request',"
                           " 'role.approve', 'request.approve', 'user.create')), ordinary"
                           " FROM role WHERE code = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, code, -1);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE
                   ? xn_fail_field(err, XN_EINVAL, "unknown_role", "role", "没有这个角色：%s", code)
                   : rc;
    r->id = store_col_int(st, 0);
    r->admin = store_col_int(st, 1) != 0;
    r->reviewer = store_col_int(st, 2) != 0;
    r->grants = store_col_int(st, 3) != 0;
    r->ordinary = store_col_int(st, 4) != 0;
    store_stmt_done(st);
    return XN_OK;
}

int auth_admin_appointed(store_conn *tx, int64_t role_id, int64_t user_id, const char *how,
                         xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO admin_appointment (role_id, first_user_id, first_at, how)"
                           " SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM"
                           " admin_appointment WHERE role_id = $1)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, role_id);
    store_bind_int(st, 2, user_id);
    store_bind_int(st, 3, xn_now_us());
    store_bind_text(st, 4, how, -1);
    return auth_step_done(st, err);
}

int auth_last_holder_guard(store_conn *tx, int64_t user_id, int64_t role_id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT r.name, u.account FROM user_role ur JOIN role r ON"
                           " r.id = ur.role_id JOIN app_user u ON u.id = ur.user_id"
                           " WHERE ur.user_id = $1 AND u.status = 'active' AND"
                           " r.code IN ('secadmin', 'auditor') AND ($2 = 0 OR r.id = $2)"
                           " AND NOT EXISTS (SELECT 1 FROM user_role o JOIN app_user ou ON"
                           " ou.id = o.user_id WHERE o.role_id = ur.role_id AND"
                           " o.user_id <> $1 AND ou.status = 'active') ORDER BY r.id LIMIT 1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    store_bind_int(st, 2, role_id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return XN_OK;
    if (rc != STORE_ROW)
        return rc;
    char role[AUTH_MAX_NAME + 1], account[AUTH_MAX_ACCOUNT + 1];
    xn_strlcpy(role, store_col_text(st, 0), sizeof role);
    xn_strlcpy(account, store_col_text(st, 1), sizeof account);
    store_stmt_done(st);
    return xn_fail(err, XN_ECONFLICT, "last_holder",
                   "三员分立：%s 是最后一位在岗的%s，须先任命继任者并经批准，才能撤销其角色、"
                   "停用账号或办理离岗调岗",
                   account, role);
}

int auth_holds_admin(store_conn *c, int64_t user_id, bool *admin, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT count(*) FROM user_role ur JOIN role r ON r.id = ur.role_id"
                           " WHERE ur.user_id = $1 AND r.admin = 1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    *admin = store_col_int(st, 0) > 0;
    store_stmt_done(st);
    return XN_OK;
}

int auth_role_allowed(store_conn *c, int64_t user_id, const auth_role_info *r, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT u.staff_type, u.status, (SELECT count(*) FROM user_role ur"
                           " JOIN role x ON x.id = ur.role_id WHERE ur.user_id = u.id AND"
                           " x.admin = 1 AND x.id <> $2), (SELECT count(*) FROM user_role"
                           " WHERE user_id = u.id AND role_id = $2)"
                           " FROM app_user u WHERE u.id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    store_bind_int(st, 2, r->id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在") : rc;
    bool outsourced = strcmp(store_col_text(st, 0), "outsourced") == 0;
    bool active = strcmp(store_col_text(st, 1), "active") == 0;
    int64_t other_admin = store_col_int(st, 2), has = store_col_int(st, 3);
    store_stmt_done(st);
    if (!active)
        return xn_fail(err, XN_ECONFLICT, "not_active", "该账号未处于启用状态");
    if (has)
        return xn_fail(err, XN_ECONFLICT, "already_held", "该用户已拥有此角色");
    if (r->admin && other_admin)
        return xn_fail(err, XN_EDENIED, "separation_of_duties",
                       "三员分立：系统管理员、安全管理员、审计管理员不能由同一人兼任");
    if (outsourced && (r->reviewer || r->grants || r->admin))
        return xn_fail(err, XN_EDENIED, "outsourced",
                       "外包人员不能担任审核角色或拥有授予权限的角色");
    return XN_OK;
}

typedef struct request_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t user_id;
    const char *role;
    const char *reason;
    int64_t id;
    bool granted;
} request_ctx;

static int request_tx(store_conn *tx, void *ctx, xn_error *err)
{
    request_ctx *rq = ctx;
    auth_role_info r;
    int rc = auth_find_role(tx, rq->role, &r, err);
    if (rc == XN_OK)
        rc = auth_role_allowed(tx, rq->user_id, &r, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO access_request (kind, requested_by, target_user_id, role_id,"
                       " reason, status, created_at) VALUES ('role_grant', $1, $2, $3, $4,"
                       " 'pending', $5) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, rq->actor->user_id);
    store_bind_int(st, 2, rq->user_id);
    store_bind_int(st, 3, r.id);
    store_bind_text(st, 4, rq->reason ? rq->reason : "", -1);
    store_bind_int(st, 5, xn_now_us());
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    rq->id = store_col_int(st, 0);
    store_stmt_done(st);
    char id[AUTH_ID_TEXT], detail[160];
    auth_id_text(rq->id, id);
    snprintf(detail, sizeof detail, "{\"user_id\":%lld,\"role\":\"%s\"}", (long long)rq->user_id,
             rq->role);
    rc = auth_audit_ok(rq->trail, tx, rq->actor, "auth.role_request", "request", id, detail, err);
    /* the security administrators are told (none yet at a first appointment) */
    if (rc == XN_OK)
        rc = auth_notify_deciders(tx, rq->id, err);
    if (rc != XN_OK || !r.admin || strcmp(rq->role, "sysadmin") == 0)
        return rc;
    /*
     * ACC-4, ACC-6: the appointment at bootstrap. While no 安全管理员 has ever been appointed
     * (admin_appointment, never undone) and nobody could approve, the system administrator's
     * first appointment of each of the security and audit administrator roles takes effect
     * at once, recorded as such. Once a security administrator has been appointed, or the
     * role has been held before, every administrator role waits for a security
     * administrator's approval, even when nobody holds the role any more; recovery when no
     * one is left is the host's break-glass command (`xinan user appoint`).
     */
    int64_t approvers = 0, appointed = 0;
    rc = store_prepare(tx,
                       "SELECT count(*) FROM admin_appointment a JOIN role r ON r.id = a.role_id"
                       " WHERE r.code = 'secadmin' OR r.id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, r.id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    appointed = store_col_int(st, 0);
    store_stmt_done(st);
    if (appointed > 0)
        return XN_OK;
    rc = store_query_int(tx,
                         "SELECT count(*) FROM user_role ur JOIN role_permission rp ON"
                         " rp.role_id = ur.role_id JOIN app_user u ON u.id = ur.user_id"
                         " WHERE rp.permission = 'role.approve' AND u.status = 'active'",
                         &approvers, err);
    if (rc != XN_OK || approvers > 0)
        return rc;
    rc = store_prepare(tx,
                       "UPDATE access_request SET status = 'approved', decided_at = $1,"
                       " comment = '首次任命（尚无可审批的安全管理员）' WHERE id = $2",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, xn_now_us());
    store_bind_int(st, 2, rq->id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    rc = store_prepare(tx,
                       "INSERT INTO user_role (user_id, role_id, granted_by, granted_at)"
                       " VALUES ($1, $2, $3, $4)",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, rq->user_id);
    store_bind_int(st, 2, r.id);
    store_bind_int(st, 3, rq->actor->user_id);
    store_bind_int(st, 4, xn_now_us());
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    if ((rc = auth_admin_appointed(tx, r.id, rq->user_id, "bootstrap", err)) != XN_OK)
        return rc;
    rq->granted = true;
    snprintf(detail, sizeof detail, "{\"user_id\":%lld,\"role\":\"%s\",\"first_appointment\":true}",
             (long long)rq->user_id, rq->role);
    return auth_audit_ok(rq->trail, tx, rq->actor, "auth.role_grant", "request", id, detail, err);
}

int auth_role_request(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                      const char *role, const char *reason, int64_t *request_id, bool *granted,
                      xn_error *err)
{
    int rc = auth_check_text(role, 16, true, "role", err);
    if (rc == XN_OK)
        rc = auth_check_text(reason, 1000, false, "reason", err);
    if (rc != XN_OK)
        return rc;
    if (user_id == actor->user_id)
        return xn_fail(err, XN_EDENIED, "self_grant", "不能为自己申请角色");
    request_ctx rq = {
        .trail = trail, .actor = actor, .user_id = user_id, .role = role, .reason = reason};
    rc = store_tx(db, request_tx, &rq, err);
    if (rc == XN_OK) {
        *request_id = rq.id;
        *granted = rq.granted;
    }
    return rc;
}

/* ---- taking away --------------------------------------------------------------------------- */

typedef struct revoke_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t user_id;
    const char *role;
    const char *reason;
    char password_hash[CRYPTO_PASSWORD_MAX];
} revoke_ctx;

static int revoke_tx(store_conn *tx, void *ctx, xn_error *err)
{
    revoke_ctx *rv = ctx;
    auth_role_info r;
    int rc = auth_refuse_left(tx, rv->user_id, err);
    if (rc == XN_OK)
        rc = auth_find_role(tx, rv->role, &r, err);
    if (rc == XN_OK)
        rc = auth_last_holder_guard(tx, rv->user_id, r.id, err); /* ACC-6 */
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx, "DELETE FROM user_role WHERE user_id = $1 AND role_id = $2", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, rv->user_id);
    store_bind_int(st, 2, r.id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    if (store_changes(tx) != 1)
        return xn_fail(err, XN_ENOTFOUND, "not_held", "该用户没有此角色");
    char id[AUTH_ID_TEXT], detail[96];
    auth_id_text(rv->user_id, id);
    snprintf(detail, sizeof detail, "{\"role\":\"%s\"}", rv->role);
    return auth_audit_ok(rv->trail, tx, rv->actor, "auth.role_revoke", "user", id, detail, err);
}

int auth_role_revoke(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                     const char *role, xn_error *err)
{
    int rc = auth_check_text(role, 16, true, "role", err);
    if (rc != XN_OK)
        return rc;
    revoke_ctx rv = {.trail = trail, .actor = actor, .user_id = user_id, .role = role};
    return store_tx(db, revoke_tx, &rv, err);
}

static int disable_tx(store_conn *tx, void *ctx, xn_error *err)
{
    revoke_ctx *rv = ctx;
    store_stmt *st;
    int rc = auth_refuse_left(tx, rv->user_id, err);
    if (rc == XN_OK)
        rc = auth_last_holder_guard(tx, rv->user_id, 0, err); /* ACC-6 */
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "UPDATE app_user SET status = 'disabled' WHERE id = $1 AND"
                           " status <> 'disabled'",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, rv->user_id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    if (store_changes(tx) != 1)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在或已停用");
    rc = auth_end_sessions(tx, rv->user_id, NULL, "account_disabled", err);
    if (rc != XN_OK)
        return rc;
    json_t *d = json_pack("{s:s}", "reason", rv->reason ? rv->reason : "");
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    char id[AUTH_ID_TEXT];
    auth_id_text(rv->user_id, id);
    rc = auth_audit_ok(rv->trail, tx, rv->actor, "auth.user_disable", "user", id, detail, err);
    free(detail);
    return rc;
}

int auth_user_disable(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                      const char *reason, xn_error *err)
{
    int rc = auth_check_text(reason, 1000, false, "reason", err);
    if (rc != XN_OK)
        return rc;
    if (user_id == actor->user_id)
        return xn_fail(err, XN_EDENIED, "self_disable", "不能停用自己的账号");
    revoke_ctx rv = {.trail = trail, .actor = actor, .user_id = user_id, .reason = reason};
    return store_tx(db, disable_tx, &rv, err);
}

/* ---- break-glass (ACC-6 recovery) ---------------------------------------------------------- */

typedef struct glass_ctx {
    audit_trail *trail;
    const char *account, *role, *host_user, *reason;
    int64_t user_id;
} glass_ctx;

static int glass_tx(store_conn *tx, void *ctx, xn_error *err)
{
    glass_ctx *g = ctx;
    auth_role_info r;
    int rc = auth_find_role(tx, g->role, &r, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx, "SELECT id FROM app_user WHERE account = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, g->account, -1);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc == STORE_DONE ? xn_fail_field(err, XN_ENOTFOUND, "not_found", "account",
                                                "账号不存在：%s", g->account)
                                : rc;
    g->user_id = store_col_int(st, 0);
    store_stmt_done(st);
    /* the rules on who may hold what still hold: 三员分立, outsourced staff, active account */
    if ((rc = auth_role_allowed(tx, g->user_id, &r, err)) != XN_OK)
        return rc;
    rc = store_prepare(tx,
                       "INSERT INTO user_role (user_id, role_id, granted_by, granted_at)"
                       " VALUES ($1, $2, NULL, $3)",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, g->user_id);
    store_bind_int(st, 2, r.id);
    store_bind_int(st, 3, xn_now_us());
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    if (r.admin && (rc = auth_admin_appointed(tx, r.id, g->user_id, "break_glass", err)) != XN_OK)
        return rc;
    if ((rc = auth_end_sessions(tx, g->user_id, NULL, "privilege_changed", err)) != XN_OK)
        return rc;
    json_t *d = json_pack("{s:s,s:s,s:s,s:s}", "role", g->role, "account", g->account, "host_user",
                          g->host_user, "reason", g->reason);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    audit_actor actor = {.kind = "system", .id = 0, .name = g->host_user, .source = NULL};
    char id[AUTH_ID_TEXT];
    auth_id_text(g->user_id, id);
    audit_event ev = {.action = "auth.break_glass",
                      .actor = &actor,
                      .object_type = "user",
                      .object_id = id,
                      .result = AUDIT_OK,
                      .detail_json = detail};
    rc = audit_append(g->trail, tx, &ev, err);
    free(detail);
    return rc;
}

int auth_break_glass_appoint(store *db, audit_trail *trail, const char *account, const char *role,
                             const char *host_user, const char *reason, int64_t *user_id,
                             xn_error *err)
{
    int rc = auth_check_text(account, AUTH_MAX_ACCOUNT, true, "account", err);
    if (rc == XN_OK)
        rc = auth_check_text(role, 16, true, "role", err);
    if (rc == XN_OK)
        rc = auth_check_text(host_user, AUTH_MAX_NAME, true, "host_user", err);
    if (rc == XN_OK)
        rc = auth_check_text(reason, 1000, true, "reason", err);
    if (rc != XN_OK)
        return rc;
    glass_ctx g = {
        .trail = trail, .account = account, .role = role, .host_user = host_user, .reason = reason};
    rc = store_tx(db, glass_tx, &g, err);
    if (rc == XN_OK && user_id)
        *user_id = g.user_id;
    return rc;
}
