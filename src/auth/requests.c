/*
 * Requests a second person decides (four-eyes): role grants (ACC-4), account applications
 * (ACC-2) and password resets (ACC-12). A request is one access_request row of its kind; the
 * decision is one statement that only a pending row passes, so of two deciders exactly one
 * wins, whatever the kind. Passwords are hashed before the transaction (hashing is slow on
 * purpose), and the one-time password leaves only through the decision's result.
 */
#include "auth/auth_int.h"

#include <string.h>

#define RESETS_PER_HOUR 5
#define HOUR_US         (3600 * (int64_t)1000000)

/* ---- applications ------------------------------------------------------------------------ */

typedef struct apply_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    const auth_application_in *in;
    const char *payload;
    int64_t id;
} apply_ctx;

/* Whether a pending application already asks for this account name. */
static int pending_application(store_conn *c, const char *account, bool *found, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT payload FROM access_request WHERE kind = 'account' AND"
                           " status = 'pending' LIMIT 10000",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    *found = false;
    while (!*found && (rc = store_step(st, err)) == STORE_ROW) {
        json_t *p = json_loads(store_col_text(st, 0), 0, NULL);
        const char *a = json_string_value(json_object_get(p, "account"));
        *found = a && strcmp(a, account) == 0;
        json_decref(p);
    }
    if (*found) {
        store_stmt_done(st);
        return XN_OK;
    }
    return rc == STORE_DONE ? XN_OK : rc;
}

static int apply_tx(store_conn *tx, void *ctx, xn_error *err)
{
    apply_ctx *ac = ctx;
    const auth_application_in *in = ac->in;
    bool found = false;
    int rc = auth_org_node(tx, in->department_id, NULL, 0, &found, err);
    if (rc != XN_OK)
        return rc;
    if (!found)
        return xn_fail_field(err, XN_EINVAL, "unknown_department", "department_id", "部门不存在");
    int64_t taken = 0;
    store_stmt *st;
    rc = store_prepare(tx, "SELECT count(*) FROM app_user WHERE account = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, in->account, -1);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    taken = store_col_int(st, 0);
    store_stmt_done(st);
    if (!taken && (rc = pending_application(tx, in->account, &found, err)) != XN_OK)
        return rc;
    if (taken || found)
        return xn_fail_field(err, XN_ECONFLICT, "account_taken", "account",
                             taken ? "账号已存在" : "该账号已有待审批的申请");
    bool outsourced = strcmp(in->staff_type, "outsourced") == 0;
    for (int i = 0; i < in->nroles; i++) {
        auth_role_info r;
        if ((rc = auth_find_role(tx, in->roles[i], &r, err)) != XN_OK)
            return rc;
        if (r.admin)
            return xn_fail_field(err, XN_EINVAL, "admin_role", "roles",
                                 "管理员角色不能随账号申请，须另行申请并经第二人审批");
        if (outsourced && (r.reviewer || r.grants))
            return xn_fail_field(err, XN_EDENIED, "outsourced", "roles",
                                 "外包人员不能担任审核角色或拥有授予权限的角色");
    }
    rc = store_prepare(tx,
                       "INSERT INTO access_request (kind, requested_by, payload, reason, status,"
                       " created_at) VALUES ('account', $1, $2, $3, 'pending', $4) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, ac->actor->user_id);
    store_bind_text(st, 2, ac->payload, -1);
    store_bind_text(st, 3, in->reason ? in->reason : "", -1);
    store_bind_int(st, 4, xn_now_us());
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    ac->id = store_col_int(st, 0);
    store_stmt_done(st);
    rc = auth_notify_deciders(tx, ac->id, err);
    if (rc != XN_OK)
        return rc;
    char id[AUTH_ID_TEXT];
    auth_id_text(ac->id, id);
    return auth_audit_ok(ac->trail, tx, ac->actor, "auth.account_apply", "request", id, ac->payload,
                         err);
}

int auth_application_submit(store *db, audit_trail *trail, const auth_principal *actor,
                            const auth_application_in *in, int64_t *request_id, xn_error *err)
{
    int rc = auth_check_person(in->account, in->real_name, in->phone, in->staff_type, err);
    if (rc == XN_OK)
        rc = auth_check_text(in->reason, 1000, true, "reason", err);
    if (rc == XN_OK && in->department_id <= 0)
        rc = xn_fail_field(err, XN_EINVAL, "required", "department_id", "请选择部门");
    for (int i = 0; rc == XN_OK && i < in->nroles; i++) {
        rc = auth_check_text(in->roles[i], 16, true, "roles", err);
        for (int j = 0; rc == XN_OK && j < i; j++)
            if (strcmp(in->roles[i], in->roles[j]) == 0)
                rc = xn_fail_field(err, XN_EINVAL, "duplicate_role", "roles", "角色重复");
    }
    if (rc != XN_OK)
        return rc;
    json_t *roles = json_array();
    for (int i = 0; i < in->nroles; i++)
        json_array_append_new(roles, json_string(in->roles[i]));
    json_t *p = json_pack("{s:s,s:s,s:I,s:s,s:s,s:o}", "account", in->account, "real_name",
                          in->real_name, "department_id", (json_int_t)in->department_id, "phone",
                          in->phone ? in->phone : "", "staff_type", in->staff_type, "roles", roles);
    char *payload = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    apply_ctx ac = {.trail = trail, .actor = actor, .in = in, .payload = payload};
    rc = store_tx(db, apply_tx, &ac, err);
    free(payload);
    if (rc == XN_OK)
        *request_id = ac.id;
    return rc;
}

/* ---- resets -------------------------------------------------------------------------------- */

typedef struct reset_req_ctx {
    audit_trail *trail;
    const auth_principal *actor; /* NULL: the person, signed out */
    const char *account;
    const char *source;
    int64_t user_id;
    const char *reason;
    bool limited;
    int64_t id;
} reset_req_ctx;

static int pending_reset(store_conn *c, int64_t user_id, bool *found, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT count(*) FROM access_request WHERE kind = 'reset' AND"
                           " status = 'pending' AND target_user_id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    *found = store_col_int(st, 0) > 0;
    store_stmt_done(st);
    return XN_OK;
}

static int insert_reset(store_conn *tx, int64_t by, int64_t user_id, const char *reason,
                        int64_t *id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO access_request (kind, requested_by, target_user_id, reason,"
                           " status, created_at) VALUES ('reset', $1, $2, $3, 'pending', $4)"
                           " RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, by);
    store_bind_int(st, 2, user_id);
    store_bind_text(st, 3, reason ? reason : "", -1);
    store_bind_int(st, 4, xn_now_us());
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    *id = store_col_int(st, 0);
    store_stmt_done(st);
    return XN_OK;
}

static int reset_self_tx(store_conn *tx, void *ctx, xn_error *err)
{
    reset_req_ctx *r = ctx;
    int64_t now = xn_now_us(), recent = 0;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT count(*) FROM auth_throttle WHERE kind = 'reset' AND"
                           " source = $1 AND at > $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, r->source, -1);
    store_bind_int(st, 2, now - HOUR_US);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    recent = store_col_int(st, 0);
    store_stmt_done(st);
    if (recent >= RESETS_PER_HOUR) {
        r->limited = true;
        return XN_OK; /* nothing changes; the refusal is the caller's answer */
    }
    rc = store_prepare(tx, "INSERT INTO auth_throttle (kind, source, at) VALUES ('reset', $1, $2)",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, r->source, -1);
    store_bind_int(st, 2, now);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    rc = store_prepare(tx, "SELECT id, status FROM app_user WHERE account = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, r->account, -1);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    int64_t uid = 0;
    bool active = false;
    if (rc == STORE_ROW) {
        uid = store_col_int(st, 0);
        active = strcmp(store_col_text(st, 1), "active") == 0;
        store_stmt_done(st);
    }
    const char *why = "ok";
    bool pending = false;
    if (!uid)
        why = "unknown_account";
    else if (!active)
        why = "not_active";
    else if ((rc = pending_reset(tx, uid, &pending, err)) != XN_OK)
        return rc;
    else if (pending)
        why = "already_pending";
    else if ((rc = insert_reset(tx, uid, uid, "本人申请重置密码", &r->id, err)) != XN_OK ||
             (rc = auth_notify_deciders(tx, r->id, err)) != XN_OK)
        return rc;
    char detail[96], id[AUTH_ID_TEXT] = "";
    snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", why);
    if (r->id)
        auth_id_text(r->id, id);
    audit_actor actor = {.kind = uid ? "user" : "system",
                         .id = uid,
                         .name = uid ? r->account : "unknown",
                         .source = r->source};
    audit_event ev = {.action = "auth.reset_request",
                      .actor = &actor,
                      .object_type = "account",
                      .object_id = r->account,
                      .result = r->id ? AUDIT_OK : AUDIT_DENIED,
                      .detail_json = detail};
    return audit_append(r->trail, tx, &ev, err);
}

int auth_reset_request_self(store *db, audit_trail *trail, const char *account, const char *source,
                            xn_error *err)
{
    int rc = auth_check_text(account, AUTH_MAX_ACCOUNT, true, "account", err);
    if (rc != XN_OK)
        return rc;
    reset_req_ctx r = {
        .trail = trail, .account = account, .source = source && *source ? source : "-"};
    rc = store_tx(db, reset_self_tx, &r, err);
    if (rc == XN_OK && r.limited)
        return xn_fail(err, XN_EBUSY, "rate_limited", "来自该地址的申请过多，请一小时后再试");
    return rc;
}

static int reset_for_tx(store_conn *tx, void *ctx, xn_error *err)
{
    reset_req_ctx *r = ctx;
    store_stmt *st;
    int rc =
        store_prepare(tx, "SELECT supervisor_id, status FROM app_user WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, r->user_id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在") : rc;
    int64_t supervisor = store_col_int(st, 0);
    bool active = strcmp(store_col_text(st, 1), "active") == 0;
    store_stmt_done(st);
    if (supervisor != r->actor->user_id)
        return xn_fail(err, XN_EDENIED, "not_supervisor", "只有本人或其直接上级可以申请重置密码");
    if (!active)
        return xn_fail(err, XN_ECONFLICT, "not_active", "该账号未处于启用状态");
    bool pending = false;
    if ((rc = pending_reset(tx, r->user_id, &pending, err)) != XN_OK)
        return rc;
    if (pending)
        return xn_fail(err, XN_ECONFLICT, "already_pending", "该用户已有待审批的重置申请");
    rc = insert_reset(tx, r->actor->user_id, r->user_id, r->reason, &r->id, err);
    if (rc == XN_OK)
        rc = auth_notify_deciders(tx, r->id, err);
    if (rc != XN_OK)
        return rc;
    char id[AUTH_ID_TEXT], detail[64];
    auth_id_text(r->id, id);
    snprintf(detail, sizeof detail, "{\"user_id\":%lld}", (long long)r->user_id);
    return auth_audit_ok(r->trail, tx, r->actor, "auth.reset_request", "request", id, detail, err);
}

int auth_reset_request_for(store *db, audit_trail *trail, const auth_principal *actor,
                           int64_t user_id, const char *reason, int64_t *request_id, xn_error *err)
{
    int rc = auth_check_text(reason, 1000, false, "reason", err);
    if (rc != XN_OK)
        return rc;
    if (user_id == actor->user_id)
        return xn_fail(err, XN_EDENIED, "own_request", "忘记密码请在登录页申请重置");
    reset_req_ctx r = {.trail = trail, .actor = actor, .user_id = user_id, .reason = reason};
    rc = store_tx(db, reset_for_tx, &r, err);
    if (rc == XN_OK)
        *request_id = r.id;
    return rc;
}

/* ---- decisions ----------------------------------------------------------------------------- */

typedef struct decide_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t id;
    bool approve;
    const char *comment;
    const char *hash; /* the one-time password's hash for an account or a reset */
    int64_t user_id;  /* out: the account created or reset */
} decide_ctx;

typedef struct request_row {
    char kind[16];
    int64_t requester, target;
    bool pending;
    char role[17];
    char *payload; /* malloc'd */
} request_row;

static int load_request(store_conn *c, int64_t id, request_row *r, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT a.kind, a.requested_by, coalesce(a.target_user_id, 0),"
                           " a.status, coalesce(r.code, ''), coalesce(a.payload, '')"
                           " FROM access_request a LEFT JOIN role r ON r.id = a.role_id"
                           " WHERE a.id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "申请不存在") : rc;
    xn_strlcpy(r->kind, store_col_text(st, 0), sizeof r->kind);
    r->requester = store_col_int(st, 1);
    r->target = store_col_int(st, 2);
    r->pending = strcmp(store_col_text(st, 3), "pending") == 0;
    xn_strlcpy(r->role, store_col_text(st, 4), sizeof r->role);
    r->payload = xn_xstrdup(store_col_text(st, 5));
    store_stmt_done(st);
    return XN_OK;
}

static int grant_role(store_conn *tx, int64_t user_id, const char *code, int64_t by, xn_error *err)
{
    auth_role_info r;
    int rc = auth_find_role(tx, code, &r, err);
    if (rc == XN_OK)
        rc = auth_role_allowed(tx, user_id, &r, err); /* things may have changed since */
    store_stmt *st;
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "INSERT INTO user_role (user_id, role_id, granted_by, granted_at)"
                           " VALUES ($1, $2, $3, $4)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    store_bind_int(st, 2, r.id);
    store_bind_int(st, 3, by);
    store_bind_int(st, 4, xn_now_us());
    rc = auth_step_done(st, err);
    if (rc == XN_OK && r.admin)
        rc = auth_admin_appointed(tx, r.id, user_id, "approved", err);
    return rc;
}

/* ACC-2: the application becomes an account with a one-time password and the roles asked for. */
static int create_from_application(store_conn *tx, decide_ctx *d, json_t *p, xn_error *err)
{
    const char *account = json_string_value(json_object_get(p, "account"));
    const char *real_name = json_string_value(json_object_get(p, "real_name"));
    const char *phone = json_string_value(json_object_get(p, "phone"));
    const char *staff_type = json_string_value(json_object_get(p, "staff_type"));
    int64_t dept_id = json_integer_value(json_object_get(p, "department_id"));
    if (!account || !real_name || !phone || !staff_type)
        return xn_fail(err, XN_EINTERNAL, "internal", "application payload damaged");
    char dept[AUTH_MAX_NAME + 1] = "";
    bool found = false;
    int rc = auth_org_node(tx, dept_id, dept, sizeof dept, &found, err);
    if (rc != XN_OK)
        return rc;
    if (!found)
        return xn_fail_field(err, XN_ECONFLICT, "unknown_department", "department_id",
                             "申请的部门已不存在");
    store_stmt *st;
    rc = store_prepare(tx, "SELECT count(*) FROM app_user WHERE account = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, account, -1);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    int64_t taken = store_col_int(st, 0);
    store_stmt_done(st);
    if (taken)
        return xn_fail_field(err, XN_ECONFLICT, "account_taken", "account", "账号已存在");
    int64_t now = xn_now_us();
    rc = store_prepare(tx,
                       "INSERT INTO app_user (account, real_name, unit_id, department,"
                       " department_id, phone, staff_type, status, password_hash,"
                       " password_changed_at, must_change, created_at)"
                       " VALUES ($1, $2, 1, $3, $4, $5, $6, 'active', $7, $8, 1, $8) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, account, -1);
    store_bind_text(st, 2, real_name, -1);
    store_bind_text(st, 3, dept, -1);
    store_bind_int(st, 4, dept_id);
    store_bind_text(st, 5, phone, -1);
    store_bind_text(st, 6, staff_type, -1);
    store_bind_text(st, 7, d->hash, -1);
    store_bind_int(st, 8, now);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    d->user_id = store_col_int(st, 0);
    store_stmt_done(st);
    rc = grant_role(tx, d->user_id, "staff", d->actor->user_id, err);
    json_t *roles = json_object_get(p, "roles");
    for (size_t i = 0; rc == XN_OK && i < json_array_size(roles); i++) {
        const char *code = json_string_value(json_array_get(roles, i));
        if (code && strcmp(code, "staff") != 0)
            rc = grant_role(tx, d->user_id, code, d->actor->user_id, err);
    }
    if (rc == XN_OK)
        rc = store_prepare(tx, "UPDATE access_request SET target_user_id = $1 WHERE id = $2", &st,
                           err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, d->user_id);
    store_bind_int(st, 2, d->id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    char *detail = json_dumps(p, JSON_COMPACT);
    rc = auth_audit_ok(d->trail, tx, d->actor, "auth.user_create", "user", account, detail, err);
    free(detail);
    return rc;
}

/* Whether every role an application asks for is ordinary (a department head may approve it). */
static int application_ordinary(store_conn *tx, json_t *p, bool *ordinary, xn_error *err)
{
    json_t *roles = json_object_get(p, "roles");
    *ordinary = true;
    for (size_t i = 0; i < json_array_size(roles); i++) {
        const char *code = json_string_value(json_array_get(roles, i));
        auth_role_info r;
        int rc = code ? auth_find_role(tx, code, &r, err) : XN_OK;
        if (rc == XN_EINVAL) { /* a role gone since: not ordinary */
            *ordinary = false;
            continue;
        }
        if (rc != XN_OK)
            return rc;
        if (code && !r.ordinary)
            *ordinary = false;
    }
    return XN_OK;
}

/* Who may decide a request of this kind (beyond the four-eyes rules). */
static int may_decide(store_conn *tx, const auth_principal *a, const request_row *r, json_t *p,
                      xn_error *err)
{
    if (strcmp(r->kind, "role_grant") == 0) {
        if (!auth_can(a, "role.approve"))
            return xn_fail(err, XN_EDENIED, "forbidden", "只有安全管理员可以审批角色申请");
        return XN_OK;
    }
    int rc;
    if (strcmp(r->kind, "reset") == 0) {
        /* ACC-12: an administrator's reset needs a security administrator (a second
         * administrator: never the person, never who asked for it) */
        bool admin = false;
        if ((rc = auth_holds_admin(tx, r->target, &admin, err)) != XN_OK)
            return rc;
        if (admin && !auth_can(a, "role.approve"))
            return xn_fail(err, XN_EDENIED, "forbidden",
                           "管理员的密码重置须由另一位安全管理员审批");
        if (!admin && !auth_can(a, "user.reset_password"))
            return xn_fail(err, XN_EDENIED, "forbidden", "只有系统管理员可以审批密码重置");
        return XN_OK;
    }
    /* ACC-4: an application asking for more than the ordinary roles is a privilege increase a
     * security administrator decides, like a role grant */
    bool ordinary = true;
    if ((rc = application_ordinary(tx, p, &ordinary, err)) != XN_OK)
        return rc;
    if (!ordinary) {
        if (!auth_can(a, "role.approve"))
            return xn_fail(err, XN_EDENIED, "forbidden",
                           "申请了审核、领导、值班等角色的账号申请须由安全管理员审批");
        return XN_OK;
    }
    /* account: the head of the department applied for, or a security administrator */
    if (auth_can(a, "request.approve"))
        return XN_OK;
    bool head = false;
    rc = auth_org_is_head(tx, json_integer_value(json_object_get(p, "department_id")), a->user_id,
                          &head, err);
    if (rc == XN_OK && !head)
        return xn_fail(err, XN_EDENIED, "forbidden",
                       "只有申请部门的负责人或安全管理员可以审批账号申请");
    /* ACC-5: authorisation is managed by in-staff (在编) people only */
    store_stmt *st;
    if (rc == XN_OK)
        rc = store_prepare(tx, "SELECT staff_type FROM app_user WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, a->user_id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在") : rc;
    bool outsourced = strcmp(store_col_text(st, 0), "outsourced") == 0;
    store_stmt_done(st);
    if (outsourced)
        return xn_fail(err, XN_EDENIED, "outsourced", "外包人员不能审批账号申请");
    return XN_OK;
}

static int decide_tx(store_conn *tx, void *ctx, xn_error *err)
{
    decide_ctx *d = ctx;
    request_row r = {0};
    json_t *p = NULL;
    int rc = load_request(tx, d->id, &r, err);
    if (rc != XN_OK)
        return rc;
    if (*r.payload)
        p = json_loads(r.payload, 0, NULL);
    if (!r.pending)
        rc = xn_fail(err, XN_ECONFLICT, "already_decided", "该申请已被处理");
    else if (r.requester == d->actor->user_id)
        rc = xn_fail(err, XN_EDENIED, "own_request", "不能审批自己提交的申请（四眼原则）");
    else if (r.target == d->actor->user_id)
        rc = xn_fail(err, XN_EDENIED, "own_privilege", "不能审批与自己账号有关的申请");
    else
        rc = may_decide(tx, d->actor, &r, p, err);
    store_stmt *st;
    /* the status check and the update are one statement: of two deciders, one wins */
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "UPDATE access_request SET status = $1, decided_by = $2,"
                           " decided_at = $3, comment = $4 WHERE id = $5 AND status = 'pending'",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, d->approve ? "approved" : "rejected", -1);
        store_bind_int(st, 2, d->actor->user_id);
        store_bind_int(st, 3, xn_now_us());
        store_bind_text(st, 4, d->comment ? d->comment : "", -1);
        store_bind_int(st, 5, d->id);
        rc = auth_step_done(st, err);
    }
    if (rc == XN_OK && store_changes(tx) != 1)
        rc = xn_fail(err, XN_ECONFLICT, "already_decided", "该申请已被处理");
    const char *action = "auth.request_reject";
    if (rc == XN_OK && d->approve) {
        if (strcmp(r.kind, "role_grant") == 0) {
            action = "auth.role_grant";
            rc = grant_role(tx, r.target, r.role, d->actor->user_id, err);
            /* a privilege change gives the person new sessions (ACC-16) */
            if (rc == XN_OK)
                rc = auth_end_sessions(tx, r.target, NULL, "privilege_changed", err);
        } else if (strcmp(r.kind, "reset") == 0) {
            action = "auth.password_reset";
            d->user_id = r.target;
            rc = auth_password_store(tx, r.target, d->hash, true, err);
            if (rc == XN_OK)
                rc = auth_end_sessions(tx, r.target, NULL, "password_reset", err);
        } else {
            action = "auth.account_approve";
            rc = p ? create_from_application(tx, d, p, err)
                   : xn_fail(err, XN_EINTERNAL, "internal", "application payload damaged");
        }
    }
    if (rc == XN_OK)
        rc = auth_notify_decision(tx, d->id, d->actor, d->approve, d->comment, err);
    if (rc == XN_OK) {
        char id[AUTH_ID_TEXT];
        auth_id_text(d->id, id);
        json_t *det = json_pack("{s:s,s:s,s:I,s:s}", "kind", r.kind, "decision",
                                d->approve ? "approved" : "rejected", "user_id",
                                (json_int_t)(d->user_id ? d->user_id : r.target), "role", r.role);
        char *detail = json_dumps(det, JSON_COMPACT);
        json_decref(det);
        rc = auth_audit_ok(d->trail, tx, d->actor, action, "request", id, detail, err);
        free(detail);
    }
    json_decref(p);
    free(r.payload);
    return rc;
}

/* The kind of a request, read before the transaction to know whether a password is needed. */
static int request_kind(store *db, int64_t id, char kind[16], xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    request_row r = {0};
    rc = load_request(c, id, &r, err);
    store_release(c);
    if (rc == XN_OK)
        xn_strlcpy(kind, r.kind, 16);
    free(r.payload);
    return rc;
}

int auth_request_decide(store *db, audit_trail *trail, const auth_settings *s,
                        const auth_principal *actor, int64_t request_id, bool approve,
                        const char *comment, auth_decision *out, xn_error *err)
{
    int rc = auth_check_text(comment, 1000, false, "comment", err);
    if (rc != XN_OK)
        return rc;
    char kind[16] = "", hash[CRYPTO_PASSWORD_MAX] = "", otp[AUTH_OTP_CHARS + 1] = "";
    if ((rc = request_kind(db, request_id, kind, err)) != XN_OK)
        return rc;
    bool issues = approve && (strcmp(kind, "account") == 0 || strcmp(kind, "reset") == 0);
    if (issues) {
        auth_new_otp(otp);
        rc = crypto_password_hash(s->alg, otp, strlen(otp), hash, err);
        if (rc != XN_OK) {
            crypto_wipe(otp, sizeof otp);
            return rc;
        }
    }
    decide_ctx d = {.trail = trail,
                    .actor = actor,
                    .id = request_id,
                    .approve = approve,
                    .comment = comment,
                    .hash = hash};
    rc = store_tx(db, decide_tx, &d, err);
    if (rc == XN_OK && out) {
        memset(out, 0, sizeof *out);
        out->user_id = d.user_id;
        out->has_password = issues;
        if (issues)
            memcpy(out->one_time_password, otp, sizeof otp);
    }
    crypto_wipe(otp, sizeof otp);
    return rc;
}

/* ---- reading: the inbox ------------------------------------------------------------------ */

#define MAX_HEADED  256  /* departments one person heads, as far as the inbox looks */
#define INBOX_LIMIT 1000 /* newest requests answered */

typedef struct inbox {
    const auth_principal *who;
    bool all;        /* role.read: every request */
    bool outsourced; /* ACC-5: an outsourced head decides no application */
    int64_t heads[MAX_HEADED];
    int nheads;
    char ordinary[AUTH_MAX_ROLE_DEFS][17]; /* codes of the roles a head may approve */
    int nordinary;
} inbox;

/* The departments `who` heads and whether they are outsourced: what may_decide reads. */
static int inbox_load(store_conn *c, inbox *in, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c, "SELECT staff_type FROM app_user WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, in->who->user_id);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        in->outsourced = strcmp(store_col_text(st, 0), "outsourced") == 0;
        store_stmt_done(st);
    } else if (rc != STORE_DONE) {
        return rc;
    }
    rc = store_prepare(c, "SELECT id FROM org_unit WHERE head_user_id = $1 ORDER BY id LIMIT $2",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, in->who->user_id);
    store_bind_int(st, 2, MAX_HEADED);
    in->nheads = 0;
    while ((rc = store_step(st, err)) == STORE_ROW)
        in->heads[in->nheads++] = store_col_int(st, 0);
    if (rc != STORE_DONE)
        return rc;
    rc =
        store_prepare(c, "SELECT code FROM role WHERE ordinary = 1 ORDER BY id LIMIT $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, AUTH_MAX_ROLE_DEFS);
    in->nordinary = 0;
    while ((rc = store_step(st, err)) == STORE_ROW)
        xn_strlcpy(in->ordinary[in->nordinary++], store_col_text(st, 0), sizeof in->ordinary[0]);
    return rc == STORE_DONE ? XN_OK : rc;
}

/* Whether every role of an application is one a department head may approve. */
static bool ordinary_roles(const inbox *in, json_t *p)
{
    json_t *roles = json_object_get(p, "roles");
    for (size_t i = 0; i < json_array_size(roles); i++) {
        const char *code = json_string_value(json_array_get(roles, i));
        bool found = false;
        for (int k = 0; code && k < in->nordinary && !found; k++)
            found = strcmp(in->ordinary[k], code) == 0;
        if (!found)
            return false;
    }
    return true;
}

static bool heads(const inbox *in, int64_t department_id)
{
    for (int i = 0; i < in->nheads; i++)
        if (in->heads[i] == department_id)
            return true;
    return false;
}

/* Whether who's permissions or headships decide a request of this kind (may_decide's rule,
 * without the four-eyes checks). */
static bool decides_kind(const inbox *in, const char *kind, json_t *application, bool target_admin)
{
    if (strcmp(kind, "role_grant") == 0)
        return auth_can(in->who, "role.approve");
    if (strcmp(kind, "reset") == 0)
        return auth_can(in->who, target_admin ? "role.approve" : "user.reset_password");
    if (!ordinary_roles(in, application))
        return auth_can(in->who, "role.approve");
    int64_t dept = json_integer_value(json_object_get(application, "department_id"));
    return auth_can(in->who, "request.approve") || (!in->outsourced && heads(in, dept));
}

static json_t *inbox_row(store_stmt *st, const inbox *in)
{
    int64_t requester = store_col_int(st, 14);
    int64_t target = store_col_is_null(st, 13) ? 0 : store_col_int(st, 13);
    const char *kind = store_col_text(st, 1);
    /* an application's fields (written by us, so they parse; NULL for other kinds) */
    const char *payload = store_col_text(st, 12);
    json_t *p = *payload ? json_loads(payload, 0, NULL) : NULL;
    bool mine = requester == in->who->user_id;
    bool decides = decides_kind(in, kind, p, store_col_int(st, 15) != 0);
    if (!in->all && !mine && !decides) {
        json_decref(p);
        return NULL;
    }
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)store_col_int(st, 0),
        "kind", kind, "status", store_col_text(st, 2), "reason", store_col_text(st, 3),
        "created_at", (json_int_t)store_col_int(st, 4), "requested_by", store_col_text(st, 5),
        "target_account", store_col_text(st, 6), "target_name", store_col_text(st, 7), "role",
        store_col_text(st, 8), "role_name", store_col_text(st, 9), "decided_by",
        store_col_text(st, 10), "comment", store_col_text(st, 11));
    json_object_set_new(o, "application", p ? p : json_null());
    json_object_set_new(o, "target_user_id", target ? json_integer(target) : json_null());
    json_object_set_new(o, "mine", json_boolean(mine));
    bool pending = strcmp(store_col_text(st, 2), "pending") == 0;
    json_object_set_new(o, "may_decide",
                        json_boolean(pending && !mine && decides && target != in->who->user_id));
    return o;
}

int auth_requests_json(store *db, const auth_principal *who, const char *status, json_t **out,
                       xn_error *err)
{
    inbox *in = xn_xcalloc(1, sizeof *in);
    in->who = who;
    in->all = auth_can(who, "role.read");
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK) {
        free(in);
        return rc;
    }
    rc = inbox_load(c, in, err);
    store_stmt *st;
    json_t *items = json_array();
    /* without role.read, only the kinds one could decide and one's own requests are read;
     * applications are narrowed to the departments one heads in inbox_row */
    if (rc == XN_OK)
        rc = store_prepare(c,
                           "SELECT a.id, a.kind, a.status, a.reason, a.created_at, q.account,"
                           " t.account, t.real_name, coalesce(r.code, ''), coalesce(r.name, ''),"
                           " coalesce(d.account, ''), coalesce(a.comment, ''),"
                           " coalesce(a.payload, ''), a.target_user_id, a.requested_by,"
                           " EXISTS (SELECT 1 FROM user_role ur JOIN role x ON x.id = ur.role_id"
                           " WHERE ur.user_id = a.target_user_id AND x.admin = 1)"
                           " FROM access_request a JOIN app_user q ON q.id = a.requested_by"
                           " LEFT JOIN app_user t ON t.id = a.target_user_id"
                           " LEFT JOIN role r ON r.id = a.role_id"
                           " LEFT JOIN app_user d ON d.id = a.decided_by"
                           " WHERE ($1 = '' OR a.status = $1) AND ($2 = 1 OR a.requested_by = $3"
                           " OR (a.kind = 'account' AND ($4 = 1 OR $5 = 1))"
                           " OR (a.kind = 'role_grant' AND $5 = 1)"
                           " OR (a.kind = 'reset' AND ($6 = 1 OR $5 = 1)))"
                           " ORDER BY a.id DESC LIMIT $7",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, status ? status : "", -1);
        store_bind_int(st, 2, in->all);
        store_bind_int(st, 3, who->user_id);
        store_bind_int(st, 4, auth_can(who, "request.approve") || (in->nheads && !in->outsourced));
        store_bind_int(st, 5, auth_can(who, "role.approve"));
        store_bind_int(st, 6, auth_can(who, "user.reset_password"));
        store_bind_int(st, 7, INBOX_LIMIT);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            json_t *o = inbox_row(st, in);
            if (o)
                json_array_append_new(items, o);
        }
        rc = rc == STORE_DONE ? XN_OK : rc;
    }
    store_release(c);
    free(in);
    if (rc != XN_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}
