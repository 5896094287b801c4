/*
 * What needs a person's attention: the people who may decide a request are told that it waits
 * for them, the requester is told who decided what; a locked account is unlocked by the
 * security administrator (ACC-16); an account that has left is only looked at (ACC-14).
 */
#include "auth/auth_int.h"

#include <string.h>

#define MAX_DECIDERS 256 /* people told of one request; more would be a misconfiguration */
#define TEXT_MAX     512

/* ---- accounts that have left --------------------------------------------------------------- */

int auth_refuse_left(store_conn *c, int64_t user_id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c, "SELECT status FROM app_user WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, user_id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在") : rc;
    bool left = strcmp(store_col_text(st, 0), "left") == 0;
    store_stmt_done(st);
    if (left)
        return xn_fail(err, XN_ECONFLICT, "account_left",
                       "该人员已离岗，其账号只能查看，不能再做任何更改");
    return XN_OK;
}

/* ---- what a request is about ----------------------------------------------------------------- */

typedef struct about {
    char kind[16];
    int64_t requester, target, department_id;
    bool ordinary_roles; /* an application asks for 普通工作人员 and 信息员 only */
    char requester_name[TEXT_MAX / 2];
    char subject[TEXT_MAX / 2]; /* "张三 (zhangsan)": the person the request is for */
    char role_name[64];
    char reason[TEXT_MAX];
} about;

static void person(char *out, size_t size, const char *real_name, const char *account)
{
    if (real_name && *real_name)
        snprintf(out, size, "%s (%s)", real_name, account);
    else
        snprintf(out, size, "%s", account);
}

static void about_application(about *a, const char *payload)
{
    json_t *p = json_loads(payload, 0, NULL);
    const char *account = json_string_value(json_object_get(p, "account"));
    person(a->subject, sizeof a->subject, json_string_value(json_object_get(p, "real_name")),
           account ? account : "");
    a->department_id = json_integer_value(json_object_get(p, "department_id"));
    a->ordinary_roles = true;
    json_t *roles = json_object_get(p, "roles");
    for (size_t i = 0; i < json_array_size(roles); i++) {
        const char *code = json_string_value(json_array_get(roles, i));
        if (!code || (strcmp(code, "staff") != 0 && strcmp(code, "editor") != 0))
            a->ordinary_roles = false;
    }
    json_decref(p);
}

static int load_about(store_conn *c, int64_t request_id, about *a, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT a.kind, a.requested_by, q.account, q.real_name,"
                           " coalesce(a.target_user_id, 0), coalesce(t.account, ''),"
                           " coalesce(t.real_name, ''), coalesce(r.name, ''),"
                           " coalesce(a.payload, ''), a.reason"
                           " FROM access_request a JOIN app_user q ON q.id = a.requested_by"
                           " LEFT JOIN app_user t ON t.id = a.target_user_id"
                           " LEFT JOIN role r ON r.id = a.role_id WHERE a.id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, request_id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "申请不存在") : rc;
    memset(a, 0, sizeof *a);
    xn_strlcpy(a->kind, store_col_text(st, 0), sizeof a->kind);
    a->requester = store_col_int(st, 1);
    person(a->requester_name, sizeof a->requester_name, store_col_text(st, 3),
           store_col_text(st, 2));
    a->target = store_col_int(st, 4);
    person(a->subject, sizeof a->subject, store_col_text(st, 6), store_col_text(st, 5));
    xn_strlcpy(a->role_name, store_col_text(st, 7), sizeof a->role_name);
    if (strcmp(a->kind, "account") == 0)
        about_application(a, store_col_text(st, 8));
    xn_strlcpy(a->reason, store_col_text(st, 9), sizeof a->reason);
    store_stmt_done(st);
    return XN_OK;
}

/* "账号申请", "角色申请" or "密码重置申请". */
static const char *kind_text(const char *kind)
{
    if (strcmp(kind, "account") == 0)
        return "账号申请";
    if (strcmp(kind, "reset") == 0)
        return "密码重置申请";
    return "角色申请";
}

/* ---- telling the deciders -------------------------------------------------------------------- */

/* The permission that decides a request of this kind (the rule of auth_request_decide). */
static const char *deciding_permission(const char *kind)
{
    if (strcmp(kind, "role_grant") == 0)
        return "role.approve";
    if (strcmp(kind, "reset") == 0)
        return "user.reset_password";
    return "request.approve";
}

int auth_notify_deciders(store_conn *tx, int64_t request_id, xn_error *err)
{
    about a;
    int rc = load_about(tx, request_id, &a, err);
    if (rc != XN_OK)
        return rc;
    /* the holders of the deciding permission, and for an application asking for ordinary roles
     * the head of its department (an in-staff person, ACC-5); never the requester or the
     * person the request is for (they may not decide it) */
    int64_t head_of = strcmp(a.kind, "account") == 0 && a.ordinary_roles ? a.department_id : 0;
    store_stmt *st;
    rc = store_prepare(tx,
                       "SELECT u.id FROM app_user u JOIN user_role ur ON ur.user_id = u.id"
                       " JOIN role_permission rp ON rp.role_id = ur.role_id"
                       " WHERE rp.permission = $1 AND u.status = 'active' AND u.id <> $2"
                       " AND u.id <> $3"
                       " UNION SELECT h.id FROM org_unit o JOIN app_user h ON h.id = o.head_user_id"
                       " WHERE o.id = $4 AND h.status = 'active' AND h.staff_type = 'staff'"
                       " AND h.id <> $2 AND h.id <> $3 ORDER BY 1 LIMIT $5",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, deciding_permission(a.kind), -1);
    store_bind_int(st, 2, a.requester);
    store_bind_int(st, 3, a.target);
    store_bind_int(st, 4, head_of);
    store_bind_int(st, 5, MAX_DECIDERS);
    int64_t ids[MAX_DECIDERS];
    int n = 0;
    while ((rc = store_step(st, err)) == STORE_ROW)
        ids[n++] = store_col_int(st, 0);
    if (rc != STORE_DONE)
        return rc;
    char title[TEXT_MAX], body[TEXT_MAX * 2];
    if (strcmp(a.kind, "role_grant") == 0)
        snprintf(title, sizeof title, "待您审批：为 %s 申请角色「%s」", a.subject, a.role_name);
    else
        snprintf(title, sizeof title, "待您审批：%s 的%s", a.subject, kind_text(a.kind));
    snprintf(body, sizeof body, "申请人：%s%s%s", a.requester_name, *a.reason ? "；理由：" : "",
             a.reason);
    rc = XN_OK;
    for (int i = 0; rc == XN_OK && i < n; i++)
        rc = auth_notify(tx, ids[i], "request_pending", title, body, err);
    return rc;
}

int auth_notify_decision(store_conn *tx, int64_t request_id, const auth_principal *actor,
                         bool approve, const char *comment, xn_error *err)
{
    about a;
    int rc = load_about(tx, request_id, &a, err);
    if (rc != XN_OK)
        return rc;
    const char *decider = *actor->real_name ? actor->real_name : actor->account;
    const char *verb = approve ? "批准" : "驳回";
    char title[TEXT_MAX], body[TEXT_MAX * 2] = "";
    if (a.requester == a.target)
        snprintf(title, sizeof title, "您的%s已被 %s %s", kind_text(a.kind), decider, verb);
    else if (strcmp(a.kind, "role_grant") == 0)
        snprintf(title, sizeof title, "您为 %s 申请的角色「%s」已被 %s %s", a.subject, a.role_name,
                 decider, verb);
    else
        snprintf(title, sizeof title, "您为 %s 提交的%s已被 %s %s", a.subject, kind_text(a.kind),
                 decider, verb);
    if (comment && *comment)
        snprintf(body, sizeof body, "理由：%s", comment);
    return auth_notify(tx, a.requester, "request_decided", title, body, err);
}

/* ---- unlocking (ACC-16) ---------------------------------------------------------------------- */

typedef struct unlock_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t user_id;
    const char *reason;
} unlock_ctx;

static int unlock_tx(store_conn *tx, void *ctx, xn_error *err)
{
    unlock_ctx *u = ctx;
    int rc = auth_refuse_left(tx, u->user_id, err);
    if (rc != XN_OK)
        return rc;
    int64_t now = xn_now_us(), locked_until = 0;
    store_stmt *st;
    rc = store_prepare(tx, "SELECT locked_until FROM app_user WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, u->user_id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在") : rc;
    locked_until = store_col_int(st, 0);
    store_stmt_done(st);
    if (locked_until <= now)
        return xn_fail(err, XN_ECONFLICT, "not_locked", "该账号未被锁定");
    /* failures before the unlock no longer count towards the next lock (session.c) */
    rc = store_prepare(tx, "UPDATE app_user SET locked_until = 0, unlocked_at = $1 WHERE id = $2",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, u->user_id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    char body[TEXT_MAX * 2];
    snprintf(body, sizeof body, "解锁人：%s；理由：%s",
             *u->actor->real_name ? u->actor->real_name : u->actor->account, u->reason);
    rc = auth_notify(tx, u->user_id, "account_unlocked", "您的账号已解锁", body, err);
    if (rc != XN_OK)
        return rc;
    json_t *d =
        json_pack("{s:s,s:I}", "reason", u->reason, "locked_until", (json_int_t)locked_until);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    char id[AUTH_ID_TEXT];
    auth_id_text(u->user_id, id);
    rc = auth_audit_ok(u->trail, tx, u->actor, "auth.unlock", "user", id, detail, err);
    free(detail);
    return rc;
}

int auth_user_unlock(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                     const char *reason, xn_error *err)
{
    int rc = auth_check_text(reason, 1000, true, "reason", err);
    if (rc != XN_OK)
        return rc;
    if (user_id == actor->user_id)
        return xn_fail(err, XN_EDENIED, "self_unlock", "不能解锁自己的账号");
    unlock_ctx u = {.trail = trail, .actor = actor, .user_id = user_id, .reason = reason};
    return store_tx(db, unlock_tx, &u, err);
}
