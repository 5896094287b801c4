/*
 * The account lifecycle after creation: real-name data (ACC-1), demanded password changes
 * with their deadline (ACC-12), leaving and transfers with a handover record (ACC-14), the
 * yearly account review (ACC-14), and the notifications these send. The lifecycle tick is
 * called by the serve loop every few seconds and works from the time it is given, so tests
 * can run it at any moment.
 */
#include "auth/auth_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US         (86400 * (int64_t)1000000)
#define UNUSED_DAYS    90
#define MAX_DEADLINE   (90 * DAY_US)
#define REMIND_3D      1 /* change_notified bits */
#define REMIND_1D      2
#define TICK_MAX_USERS 1000

int64_t auth_now(const auth_settings *s)
{
    int64_t now = xn_now_us();
    if (!s || !s->clock_file)
        return now;
    /* test only: the file holds whole seconds to add; anything else counts as none */
    FILE *f = fopen(s->clock_file, "r");
    if (!f)
        return now;
    char line[32] = "";
    int64_t offset = 0;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (xn_parse_int64(line, -3650 * 86400LL, 3650 * 86400LL, &offset) != XN_OK)
            offset = 0;
    }
    fclose(f);
    return now + offset * 1000000;
}

/* ---- real-name data -------------------------------------------------------------------- */

typedef struct patch_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t user_id;
    const auth_user_patch *p;
} patch_ctx;

static int patch_tx(store_conn *tx, void *ctx, xn_error *err)
{
    patch_ctx *pc = ctx;
    const auth_user_patch *p = pc->p;
    char dept[AUTH_MAX_NAME + 1] = "";
    bool found = false;
    int rc = auth_refuse_left(tx, pc->user_id, err);
    if (rc == XN_OK && p->department_id >= 0) {
        rc = auth_org_node(tx, p->department_id, dept, sizeof dept, &found, err);
        if (rc == XN_OK && !found)
            rc = xn_fail_field(err, XN_EINVAL, "unknown_department", "department_id", "部门不存在");
    }
    if (rc == XN_OK && p->supervisor_id > 0) {
        /* the supervisor exists and is not below the person in the chain */
        int64_t at = p->supervisor_id;
        for (int depth = 0; at && rc == XN_OK; depth++) {
            if (at == pc->user_id || depth > 64) {
                rc = xn_fail_field(err, XN_EINVAL, "supervisor_cycle", "supervisor_id",
                                   "上级不能是本人或其下属");
                break;
            }
            store_stmt *st;
            rc = store_prepare(tx, "SELECT coalesce(supervisor_id, 0) FROM app_user WHERE id = $1",
                               &st, err);
            if (rc != XN_OK)
                break;
            store_bind_int(st, 1, at);
            rc = store_step(st, err);
            if (rc == STORE_DONE) {
                rc = xn_fail_field(err, XN_EINVAL, "unknown_user", "supervisor_id",
                                   "上级账号不存在");
                break;
            }
            if (rc != STORE_ROW)
                break;
            at = store_col_int(st, 0);
            store_stmt_done(st);
            rc = XN_OK;
        }
    }
    store_stmt *st;
    if (rc == XN_OK)
        rc = store_prepare(
            tx,
            "UPDATE app_user SET phone = coalesce($1, phone), positions = coalesce($2, positions),"
            " supervisor_id = CASE WHEN $3 < 0 THEN supervisor_id WHEN $3 = 0 THEN NULL ELSE $3"
            " END, department_id = CASE WHEN $4 < 0 THEN department_id ELSE $4 END,"
            " department = CASE WHEN $4 < 0 THEN department ELSE $5 END WHERE id = $6",
            &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, p->phone, -1);
    store_bind_text(st, 2, p->positions, -1);
    store_bind_int(st, 3, p->supervisor_id);
    store_bind_int(st, 4, p->department_id);
    store_bind_text(st, 5, dept, -1);
    store_bind_int(st, 6, pc->user_id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    if (store_changes(tx) != 1)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在");
    json_t *d = json_pack("{s:s?,s:s?,s:I,s:I}", "phone", p->phone, "positions", p->positions,
                          "supervisor_id", (json_int_t)p->supervisor_id, "department_id",
                          (json_int_t)p->department_id);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    char id[AUTH_ID_TEXT];
    auth_id_text(pc->user_id, id);
    rc = auth_audit_ok(pc->trail, tx, pc->actor, "auth.user_update", "user", id, detail, err);
    free(detail);
    return rc;
}

int auth_user_update(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                     const auth_user_patch *patch, xn_error *err)
{
    int rc = auth_check_text(patch->phone, AUTH_PHONE_MAX_BYTES, false, "phone", err);
    if (rc == XN_OK)
        rc = auth_check_phone(patch->phone, err);
    if (rc == XN_OK)
        rc = auth_check_text(patch->positions, 512, false, "positions", err);
    if (rc != XN_OK)
        return rc;
    patch_ctx pc = {.trail = trail, .actor = actor, .user_id = user_id, .p = patch};
    return store_tx(db, patch_tx, &pc, err);
}

/* ---- demanded password changes (ACC-12) ---------------------------------------------------- */

typedef struct force_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t user_id, deadline;
    const char *reason;
} force_ctx;

static void deadline_text(int64_t us, char out[XN_TIME_STR])
{
    xn_time_format(us, out);
    out[16] = '\0'; /* "YYYY-MM-DDTHH:MM" */
    out[10] = ' ';
}

static int force_tx(store_conn *tx, void *ctx, xn_error *err)
{
    force_ctx *f = ctx;
    store_stmt *st;
    int rc = auth_refuse_left(tx, f->user_id, err);
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "UPDATE app_user SET change_deadline = $1, change_reason = $2,"
                           " change_notified = 0 WHERE id = $3 AND status = 'active'",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, f->deadline);
    store_bind_text(st, 2, f->reason, -1);
    store_bind_int(st, 3, f->user_id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    if (store_changes(tx) != 1)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在或未处于启用状态");
    char when[XN_TIME_STR], body[1200];
    deadline_text(f->deadline, when);
    snprintf(body, sizeof body, "请在 %s（北京时间）前修改密码，逾期账号将被停用。原因：%s", when,
             f->reason);
    rc = auth_notify(tx, f->user_id, "password_change_demanded", "管理员要求您修改密码", body, err);
    if (rc != XN_OK)
        return rc;
    json_t *d = json_pack("{s:I,s:s}", "deadline", (json_int_t)f->deadline, "reason", f->reason);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    char id[AUTH_ID_TEXT];
    auth_id_text(f->user_id, id);
    rc = auth_audit_ok(f->trail, tx, f->actor, "auth.password_change_demand", "user", id, detail,
                       err);
    free(detail);
    return rc;
}

int auth_force_change(store *db, audit_trail *trail, const auth_settings *s,
                      const auth_principal *actor, int64_t user_id, int64_t deadline_us,
                      const char *reason, xn_error *err)
{
    int rc = auth_check_text(reason, 1000, true, "reason", err);
    if (rc != XN_OK)
        return rc;
    int64_t now = auth_now(s);
    if (deadline_us <= now || deadline_us > now + MAX_DEADLINE)
        return xn_fail_field(err, XN_EINVAL, "bad_deadline", "deadline", "期限须在今后 90 天之内");
    if (user_id == actor->user_id)
        return xn_fail(err, XN_EDENIED, "self_demand", "请直接修改自己的密码");
    force_ctx f = {.trail = trail,
                   .actor = actor,
                   .user_id = user_id,
                   .deadline = deadline_us,
                   .reason = reason};
    return store_tx(db, force_tx, &f, err);
}

typedef struct due_user {
    int64_t id, deadline, supervisor;
    int notified;
    char account[AUTH_MAX_ACCOUNT + 1];
} due_user;

typedef struct tick_ctx {
    audit_trail *trail;
    const due_user *u;
    int64_t now;
    bool acted;
    bool disabled;
} tick_ctx;

static int tick_user_tx(store_conn *tx, void *ctx, xn_error *err)
{
    tick_ctx *t = ctx;
    const due_user *u = t->u;
    t->acted = t->disabled = false;
    char id[AUTH_ID_TEXT], when[XN_TIME_STR], body[256], detail[128];
    auth_id_text(u->id, id);
    deadline_text(u->deadline, when);
    store_stmt *st;
    int rc;
    if (t->now >= u->deadline) {
        /* ACC-6: the last security or audit administrator is not disabled by the clock (the
         * reminders stay); the security administrators see the overdue change */
        xn_error held;
        rc = auth_last_holder_guard(tx, u->id, 0, &held);
        if (rc == XN_ECONFLICT)
            return XN_OK;
        if (rc != XN_OK) {
            *err = held;
            return rc;
        }
        /* the status test makes a second tick (or a second node) a no-op */
        rc = store_prepare(tx,
                           "UPDATE app_user SET status = 'disabled' WHERE id = $1 AND"
                           " status = 'active' AND change_deadline = $2",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, u->id);
        store_bind_int(st, 2, u->deadline);
        if ((rc = auth_step_done(st, err)) != XN_OK || store_changes(tx) != 1)
            return rc;
        rc = auth_end_sessions(tx, u->id, NULL, "password_change_overdue", err);
        snprintf(body, sizeof body, "账号 %s 未在期限 %s 前修改密码，已被停用。", u->account, when);
        if (rc == XN_OK)
            rc =
                auth_notify(tx, u->id, "account_disabled", "账号因逾期未修改密码被停用", body, err);
        if (rc == XN_OK && u->supervisor)
            rc = auth_notify(tx, u->supervisor, "account_disabled",
                             "下属账号因逾期未修改密码被停用", body, err);
        snprintf(detail, sizeof detail,
                 "{\"reason\":\"password_change_overdue\",\"deadline\":%lld}",
                 (long long)u->deadline);
        if (rc == XN_OK)
            rc = auth_audit_system(t->trail, tx, "auth.user_disable", "user", id, detail, err);
        t->acted = t->disabled = rc == XN_OK;
        return rc;
    }
    int bit = t->now >= u->deadline - DAY_US ? REMIND_1D : REMIND_3D;
    if (u->notified & bit)
        return XN_OK;
    rc = store_prepare(tx,
                       "UPDATE app_user SET change_notified = change_notified | $1 WHERE id = $2"
                       " AND change_deadline = $3",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    /* a one-day reminder also stands for a three-day one never sent */
    store_bind_int(st, 1, bit == REMIND_1D ? REMIND_1D | REMIND_3D : REMIND_3D);
    store_bind_int(st, 2, u->id);
    store_bind_int(st, 3, u->deadline);
    if ((rc = auth_step_done(st, err)) != XN_OK || store_changes(tx) != 1)
        return rc;
    snprintf(body, sizeof body, "请在 %s（北京时间）前修改密码，逾期账号将被停用。", when);
    rc = auth_notify(tx, u->id, "password_change_reminder",
                     bit == REMIND_1D ? "距修改密码期限不足 1 天" : "距修改密码期限不足 3 天", body,
                     err);
    snprintf(detail, sizeof detail, "{\"days\":%d,\"deadline\":%lld}", bit == REMIND_1D ? 1 : 3,
             (long long)u->deadline);
    if (rc == XN_OK)
        rc = auth_audit_system(t->trail, tx, "auth.password_change_reminder", "user", id, detail,
                               err);
    t->acted = rc == XN_OK;
    return rc;
}

/* ---- password age (ACC-10) ------------------------------------------------------------------ */

#define EXPIRY_7D 1 /* expiry_notified bits */
#define EXPIRY_1D 2

typedef struct ageing_user {
    int64_t id, changed_at, expires_at;
    int notified;
    bool admin;
} ageing_user;

typedef struct ageing_ctx {
    audit_trail *trail;
    const ageing_user *u;
    int64_t now;
    bool acted;
} ageing_ctx;

static int ageing_user_tx(store_conn *tx, void *ctx, xn_error *err)
{
    ageing_ctx *a = ctx;
    const ageing_user *u = a->u;
    a->acted = false;
    int bit = a->now >= u->expires_at - DAY_US ? EXPIRY_1D : EXPIRY_7D;
    if (u->notified & bit)
        return XN_OK;
    /* the password must still be the one this reminder is about */
    store_stmt *st;
    int rc =
        store_prepare(tx,
                      "UPDATE app_user SET expiry_notified = expiry_notified | $1 WHERE id = $2"
                      " AND password_changed_at = $3 AND must_change = 0",
                      &st, err);
    if (rc != XN_OK)
        return rc;
    /* a one-day reminder also stands for a seven-day one never sent */
    store_bind_int(st, 1, bit == EXPIRY_1D ? EXPIRY_1D | EXPIRY_7D : EXPIRY_7D);
    store_bind_int(st, 2, u->id);
    store_bind_int(st, 3, u->changed_at);
    if ((rc = auth_step_done(st, err)) != XN_OK || store_changes(tx) != 1)
        return rc;
    char when[XN_TIME_STR], body[256], detail[128], id[AUTH_ID_TEXT];
    deadline_text(u->expires_at, when);
    bool past = a->now >= u->expires_at;
    snprintf(
        body, sizeof body,
        past ? "您的密码已于 %s（北京时间）到期，下次登录时须先修改密码。"
             : "您的密码将于 %s（北京时间）到期，请在此之前修改密码；到期后登录时须先修改密码。",
        when);
    rc = auth_notify(tx, u->id, "password_expiry_reminder",
                     past               ? "密码已到期"
                     : bit == EXPIRY_1D ? "密码将在 1 天内到期"
                                        : "密码将在 7 天内到期",
                     body, err);
    snprintf(detail, sizeof detail, "{\"days\":%d,\"expires_at\":%lld}", bit == EXPIRY_1D ? 1 : 7,
             (long long)u->expires_at);
    auth_id_text(u->id, id);
    if (rc == XN_OK)
        rc = auth_audit_system(a->trail, tx, "auth.password_expiry_reminder", "user", id, detail,
                               err);
    a->acted = rc == XN_OK;
    return rc;
}

/* Reminders 7 days and 1 day before each active person's password reaches the maximum age of
 * their profile (administrator roles: admin; others: user), once each per password. */
static int ageing_tick(store *db, audit_trail *trail, int64_t now_us, int *reminded, xn_error *err)
{
    auth_policy pol[2];
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    rc = auth_policy_effective(c, AUTH_PROFILE_USER, &pol[0], err);
    if (rc == XN_OK)
        rc = auth_policy_effective(c, AUTH_PROFILE_ADMIN, &pol[1], err);
    int64_t age[2] = {0, 0};
    for (int i = 0; i < 2 && rc == XN_OK; i++)
        age[i] = pol[i].max_age_days > 0 ? pol[i].max_age_days * DAY_US : 0;
    ageing_user *due = NULL;
    size_t n = 0;
    store_stmt *st;
    /* only people whose next reminder is due: within 7 days of expiry without the 7-day one,
     * or within 1 day without the 1-day one; an age of 0 never expires */
    if (rc == XN_OK)
        rc = store_prepare(
            c,
            "SELECT id, password_changed_at, adm, notified FROM (SELECT id, password_changed_at,"
            " expiry_notified AS notified, EXISTS (SELECT 1 FROM user_role ur JOIN role r ON"
            " r.id = ur.role_id WHERE ur.user_id = app_user.id AND r.admin = 1) AS adm"
            " FROM app_user WHERE status = 'active' AND must_change = 0 AND"
            " password_changed_at IS NOT NULL AND (expiry_notified & 2) = 0) AS p"
            " WHERE (CASE WHEN adm = 1 THEN $1 ELSE $2 END) > 0 AND password_changed_at +"
            " (CASE WHEN adm = 1 THEN $1 ELSE $2 END) - $3 <= CASE WHEN (notified & 1) = 0"
            " THEN $4 ELSE $5 END LIMIT $6",
            &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, age[1]);
        store_bind_int(st, 2, age[0]);
        store_bind_int(st, 3, now_us);
        store_bind_int(st, 4, 7 * DAY_US);
        store_bind_int(st, 5, DAY_US);
        store_bind_int(st, 6, TICK_MAX_USERS);
        due = xn_xcalloc(TICK_MAX_USERS, sizeof *due);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            due[n].id = store_col_int(st, 0);
            due[n].changed_at = store_col_int(st, 1);
            due[n].admin = store_col_int(st, 2) != 0;
            due[n].notified = (int)store_col_int(st, 3);
            due[n].expires_at = due[n].changed_at + age[due[n].admin ? 1 : 0];
            n++;
        }
        rc = rc == STORE_DONE ? XN_OK : rc;
    }
    store_release(c);
    for (size_t i = 0; rc == XN_OK && i < n; i++) {
        ageing_ctx a = {.trail = trail, .u = &due[i], .now = now_us};
        rc = store_tx(db, ageing_user_tx, &a, err);
        if (rc == XN_OK && a.acted)
            (*reminded)++;
    }
    free(due);
    return rc;
}

int auth_lifecycle_tick(store *db, audit_trail *trail, int64_t now_us, auth_tick_result *out,
                        xn_error *err)
{
    memset(out, 0, sizeof *out);
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    due_user *due = NULL;
    size_t n = 0;
    store_stmt *st;
    /* only people whose next step is due: a reminder window reached, or the deadline */
    rc = store_prepare(c,
                       "SELECT id, change_deadline, coalesce(supervisor_id, 0), change_notified,"
                       " account FROM app_user WHERE status = 'active' AND change_deadline"
                       " IS NOT NULL AND change_deadline - $1 <= $2 AND ($3 >= change_deadline"
                       " OR (change_notified & 2) = 0 AND change_deadline - $1 <= $4"
                       " OR (change_notified & 1) = 0) LIMIT $5",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, now_us);
        store_bind_int(st, 2, 3 * DAY_US);
        store_bind_int(st, 3, now_us);
        store_bind_int(st, 4, DAY_US);
        store_bind_int(st, 5, TICK_MAX_USERS);
        due = xn_xcalloc(TICK_MAX_USERS, sizeof *due);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            due[n].id = store_col_int(st, 0);
            due[n].deadline = store_col_int(st, 1);
            due[n].supervisor = store_col_int(st, 2);
            due[n].notified = (int)store_col_int(st, 3);
            xn_strlcpy(due[n].account, store_col_text(st, 4), sizeof due[n].account);
            n++;
        }
        rc = rc == STORE_DONE ? XN_OK : rc;
    }
    store_release(c);
    for (size_t i = 0; rc == XN_OK && i < n; i++) {
        tick_ctx t = {.trail = trail, .u = &due[i], .now = now_us};
        rc = store_tx(db, tick_user_tx, &t, err);
        if (rc == XN_OK && t.acted) {
            if (t.disabled)
                out->disabled++;
            else
                out->reminded++;
        }
    }
    free(due);
    if (rc == XN_OK)
        rc = ageing_tick(db, trail, now_us, &out->expiring, err);
    return rc;
}

/* ---- leaving and transfers (ACC-14) -------------------------------------------------------- */

typedef struct leave_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t user_id;
    const auth_leave_in *in;
    int64_t id;
} leave_ctx;

/* Collects the text of column 0 of every row into a JSON array. */
static int collect(store_stmt *st, json_t *into, bool ints, xn_error *err)
{
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(into, ints ? json_integer(store_col_int(st, 0))
                                         : json_string(store_col_text(st, 0)));
    return rc == STORE_DONE ? XN_OK : rc;
}

static int leave_tx(store_conn *tx, void *ctx, xn_error *err)
{
    leave_ctx *l = ctx;
    const auth_leave_in *in = l->in;
    bool transfer = in->new_department_id > 0;
    int64_t now = xn_now_us();
    store_stmt *st;
    int rc = store_prepare(
        tx, "SELECT status, account, coalesce(department_id, 0) FROM app_user WHERE id = $1", &st,
        err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, l->user_id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "not_found", "用户不存在") : rc;
    bool left = strcmp(store_col_text(st, 0), "left") == 0;
    char account[AUTH_MAX_ACCOUNT + 1];
    xn_strlcpy(account, store_col_text(st, 1), sizeof account);
    int64_t old_dept = store_col_int(st, 2);
    store_stmt_done(st);
    if (left)
        return xn_fail(err, XN_ECONFLICT, "already_left", "该人员已离岗");
    /* ACC-6: the last security or audit administrator stays until a successor holds it */
    if ((rc = auth_last_holder_guard(tx, l->user_id, 0, err)) != XN_OK)
        return rc;
    rc = store_prepare(tx, "SELECT status FROM app_user WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, in->handover_to);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    bool receiver_ok = rc == STORE_ROW && strcmp(store_col_text(st, 0), "active") == 0;
    if (rc == STORE_ROW)
        store_stmt_done(st);
    if (!receiver_ok)
        return xn_fail_field(err, XN_EINVAL, "bad_receiver", "handover_to",
                             "交接接收人不存在或未处于启用状态");
    char dept[AUTH_MAX_NAME + 1] = "";
    if (transfer) {
        bool found = false;
        if ((rc = auth_org_node(tx, in->new_department_id, dept, sizeof dept, &found, err)) !=
            XN_OK)
            return rc;
        if (!found)
            return xn_fail_field(err, XN_EINVAL, "unknown_department", "new_department_id",
                                 "部门不存在");
    }
    /* what is taken away, listed before it goes */
    json_t *roles = json_array(), *requests = json_array();
    rc = store_prepare(tx,
                       "SELECT r.code FROM user_role ur JOIN role r ON r.id = ur.role_id"
                       " WHERE ur.user_id = $1 AND ($2 = 0 OR r.code <> 'staff') ORDER BY r.id",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, l->user_id);
        store_bind_int(st, 2, transfer);
        rc = collect(st, roles, false, err);
    }
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "SELECT id FROM access_request WHERE status = 'pending' AND"
                           " (requested_by = $1 OR target_user_id = $1) ORDER BY id",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, l->user_id);
        rc = collect(st, requests, true, err);
    }
    int64_t sessions = 0;
    if (rc == XN_OK)
        rc = store_prepare(
            tx, "SELECT count(*) FROM session WHERE user_id = $1 AND ended_at IS NULL", &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, l->user_id);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            sessions = store_col_int(st, 0);
            store_stmt_done(st);
            rc = XN_OK;
        }
    }
    /* and then it goes, all in this transaction */
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "DELETE FROM user_role WHERE user_id = $1 AND ($2 = 0 OR role_id <>"
                           " (SELECT id FROM role WHERE code = 'staff'))",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, l->user_id);
        store_bind_int(st, 2, transfer);
        rc = auth_step_done(st, err);
    }
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "UPDATE access_request SET status = 'cancelled', decided_at = $2,"
                           " decided_by = $3, comment = $4 WHERE status = 'pending' AND"
                           " (requested_by = $1 OR target_user_id = $1)",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, l->user_id);
        store_bind_int(st, 2, now);
        store_bind_int(st, 3, l->actor->user_id);
        store_bind_text(st, 4, transfer ? "调岗自动撤销" : "离岗自动撤销", -1);
        rc = auth_step_done(st, err);
    }
    if (rc == XN_OK)
        rc = auth_end_sessions(tx, l->user_id, NULL, transfer ? "transferred" : "left", err);
    if (rc == XN_OK)
        rc = store_prepare(tx, "UPDATE org_unit SET head_user_id = NULL WHERE head_user_id = $1",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, l->user_id);
        rc = auth_step_done(st, err);
    }
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           transfer ? "UPDATE app_user SET department_id = $2, department = $3"
                                      " WHERE id = $1"
                                    : "UPDATE app_user SET status = 'left', change_deadline ="
                                      " NULL WHERE id = $1 AND $2 = 0 AND $3 = ''",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, l->user_id);
        store_bind_int(st, 2, in->new_department_id);
        store_bind_text(st, 3, dept, -1);
        rc = auth_step_done(st, err);
    }
    char *roles_text = json_dumps(roles, JSON_COMPACT), *req_text = json_dumps(requests, 0);
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "INSERT INTO handover (user_id, kind, at, by_user_id, receiver_id,"
                           " roles_removed, requests_cancelled, sessions_ended, old_department_id,"
                           " new_department_id, reason, note) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                           " $8, $9, $10, $11, $12) RETURNING id",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, l->user_id);
        store_bind_text(st, 2, transfer ? "transfer" : "leave", -1);
        store_bind_int(st, 3, now);
        store_bind_int(st, 4, l->actor->user_id);
        store_bind_int(st, 5, in->handover_to);
        store_bind_text(st, 6, roles_text, -1);
        store_bind_text(st, 7, req_text, -1);
        store_bind_int(st, 8, sessions);
        if (old_dept)
            store_bind_int(st, 9, old_dept);
        else
            store_bind_null(st, 9);
        if (transfer)
            store_bind_int(st, 10, in->new_department_id);
        else
            store_bind_null(st, 10);
        store_bind_text(st, 11, in->reason, -1);
        store_bind_text(st, 12, in->note ? in->note : "", -1);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            l->id = store_col_int(st, 0);
            store_stmt_done(st);
            rc = XN_OK;
        }
    }
    if (rc == XN_OK) {
        char body[1400];
        snprintf(body, sizeof body, "%s（%s）的工作已交接给您。%s%s", account,
                 transfer ? "调岗" : "离岗", in->note && *in->note ? "交接说明：" : "",
                 in->note ? in->note : "");
        rc = auth_notify(tx, in->handover_to, "handover", "您收到一份工作交接", body, err);
    }
    if (rc == XN_OK) {
        json_t *d = json_pack("{s:I,s:O,s:O,s:I,s:I,s:s}", "handover_id", (json_int_t)l->id,
                              "roles_removed", roles, "requests_cancelled", requests, "receiver",
                              (json_int_t)in->handover_to, "sessions_ended", (json_int_t)sessions,
                              "reason", in->reason);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        char id[AUTH_ID_TEXT];
        auth_id_text(l->user_id, id);
        rc = auth_audit_ok(l->trail, tx, l->actor,
                           transfer ? "auth.user_transfer" : "auth.user_leave", "user", id, detail,
                           err);
        free(detail);
    }
    free(roles_text);
    free(req_text);
    json_decref(roles);
    json_decref(requests);
    return rc;
}

int auth_user_leave(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                    const auth_leave_in *in, int64_t *handover_id, xn_error *err)
{
    int rc = auth_check_text(in->reason, 1000, true, "reason", err);
    if (rc == XN_OK)
        rc = auth_check_text(in->note, 4000, false, "note", err);
    if (rc != XN_OK)
        return rc;
    if (in->handover_to <= 0)
        return xn_fail_field(err, XN_EINVAL, "required", "handover_to", "请指定交接接收人");
    if (user_id == actor->user_id)
        return xn_fail(err, XN_EDENIED, "self_leave", "不能为自己办理离岗或调岗");
    if (in->handover_to == user_id)
        return xn_fail_field(err, XN_EINVAL, "bad_receiver", "handover_to", "交接接收人不能是本人");
    leave_ctx l = {.trail = trail, .actor = actor, .user_id = user_id, .in = in};
    rc = store_tx(db, leave_tx, &l, err);
    if (rc == XN_OK)
        *handover_id = l.id;
    return rc;
}

static void bind_one(store_stmt *st, const void *ctx)
{
    store_bind_int(st, 1, *(const int64_t *)ctx);
}

static json_t *json_or_null(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    return v ? v : json_null();
}

static json_t *handover_row(store_stmt *st, const void *ctx)
{
    (void)ctx;
    json_t *o = json_pack(
        "{s:I,s:s,s:I,s:s,s:s,s:o,s:o,s:I,s:s,s:s}", "id", (json_int_t)store_col_int(st, 0), "kind",
        store_col_text(st, 1), "at", (json_int_t)store_col_int(st, 2), "by", store_col_text(st, 3),
        "receiver", store_col_text(st, 4), "roles_removed", json_or_null(store_col_text(st, 5)),
        "requests_cancelled", json_or_null(store_col_text(st, 6)), "sessions_ended",
        (json_int_t)store_col_int(st, 7), "reason", store_col_text(st, 8), "note",
        store_col_text(st, 9));
    json_object_set_new(o, "receiver_id", json_integer(store_col_int(st, 10)));
    json_object_set_new(o, "new_department_id",
                        store_col_is_null(st, 11) ? json_null()
                                                  : json_integer(store_col_int(st, 11)));
    return o;
}

int auth_handovers_json(store *db, int64_t user_id, json_t **out, xn_error *err)
{
    return auth_items_json(db,
                           "SELECT h.id, h.kind, h.at, b.account, coalesce(r.account, ''),"
                           " h.roles_removed, h.requests_cancelled, h.sessions_ended, h.reason,"
                           " h.note, coalesce(h.receiver_id, 0), h.new_department_id"
                           " FROM handover h JOIN app_user b ON b.id = h.by_user_id"
                           " LEFT JOIN app_user r ON r.id = h.receiver_id WHERE h.user_id = $1"
                           " ORDER BY h.id DESC LIMIT 100",
                           bind_one, handover_row, &user_id, out, err);
}

static json_t *subordinate_row(store_stmt *st, const void *ctx)
{
    (void)ctx;
    return json_pack("{s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)store_col_int(st, 0), "account",
                     store_col_text(st, 1), "real_name", store_col_text(st, 2), "department",
                     store_col_text(st, 3), "status", store_col_text(st, 4));
}

int auth_subordinates_json(store *db, int64_t supervisor_id, json_t **out, xn_error *err)
{
    return auth_items_json(db,
                           "SELECT id, account, real_name, coalesce(department, ''), status"
                           " FROM app_user WHERE supervisor_id = $1 AND status <> 'left'"
                           " ORDER BY account LIMIT 1000",
                           bind_one, subordinate_row, &supervisor_id, out, err);
}

/* ---- the yearly review (ACC-14) -------------------------------------------------------------- */

#define REVIEW_SQL                                                                                 \
    "SELECT u.id, u.account, u.real_name, u.department, u.staff_type, u.status,"                   \
    " coalesce(u.last_login_at, 0), u.created_at,"                                                 \
    " coalesce((SELECT group_concat(r.code, ',') FROM user_role ur JOIN role r"                    \
    " ON r.id = ur.role_id WHERE ur.user_id = u.id), '')"                                          \
    " FROM app_user u ORDER BY u.id LIMIT 100000"

typedef struct review_row {
    int64_t id, last_login, created;
    const char *account, *real_name, *department, *staff_type, *status, *roles;
    bool unused;
} review_row;

static void read_review(store_stmt *st, int64_t now, review_row *r)
{
    r->id = store_col_int(st, 0);
    r->account = store_col_text(st, 1);
    r->real_name = store_col_text(st, 2);
    r->department = store_col_text(st, 3);
    r->staff_type = store_col_text(st, 4);
    r->status = store_col_text(st, 5);
    r->last_login = store_col_int(st, 6);
    r->created = store_col_int(st, 7);
    r->roles = store_col_text(st, 8);
    int64_t since = r->last_login ? r->last_login : r->created;
    r->unused = now - since > UNUSED_DAYS * DAY_US;
}

/* A CSV cell: quoted, quotes doubled, and a leading = + - @ (a spreadsheet formula) defused. */
static int csv_cell(xn_buf *b, const char *v, bool last)
{
    int rc = xn_buf_puts(b, "\"");
    if (rc == XN_OK && (*v == '=' || *v == '+' || *v == '-' || *v == '@'))
        rc = xn_buf_puts(b, "'");
    for (const char *p = v; rc == XN_OK && *p; p++)
        rc = *p == '"' ? xn_buf_puts(b, "\"\"") : xn_buf_append(b, p, 1);
    if (rc == XN_OK)
        rc = xn_buf_puts(b, last ? "\"\r\n" : "\",");
    return rc;
}

static int review_csv_row(xn_buf *b, const review_row *r)
{
    char id[AUTH_ID_TEXT], login[XN_TIME_STR] = "", created[XN_TIME_STR];
    auth_id_text(r->id, id);
    if (r->last_login)
        xn_time_format(r->last_login, login);
    xn_time_format(r->created, created);
    const char *cells[] = {
        id,        r->account, r->real_name, r->department, r->staff_type,
        r->status, r->roles,   login,        created,       r->unused ? "是" : "否"};
    int rc = XN_OK;
    size_t n = sizeof cells / sizeof cells[0];
    for (size_t i = 0; rc == XN_OK && i < n; i++)
        rc = csv_cell(b, cells[i], i + 1 == n);
    return rc;
}

/* Walks every account once, into JSON items or CSV lines, counting the flagged ones. */
static int review_rows(store *db, int64_t now, json_t *items, xn_buf *csv, int64_t *total,
                       int64_t *flagged, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    *total = *flagged = 0;
    rc = store_prepare(c, REVIEW_SQL, &st, err);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        review_row r;
        read_review(st, now, &r);
        (*total)++;
        *flagged += r.unused;
        rc = XN_OK;
        if (items) {
            json_t *o =
                json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:b}", "id", (json_int_t)r.id,
                          "account", r.account, "real_name", r.real_name, "department",
                          r.department, "staff_type", r.staff_type, "status", r.status, "roles",
                          r.roles, "last_login_at", (json_int_t)r.last_login, "created_at",
                          (json_int_t)r.created, "unused_90d", r.unused);
            json_array_append_new(items, o);
        }
        if (csv && review_csv_row(csv, &r) != XN_OK) {
            store_stmt_done(st);
            rc = xn_fail(err, XN_ETOOBIG, "too_large", "导出内容过大");
        }
    }
    if (rc == STORE_DONE)
        rc = XN_OK;
    store_release(c);
    return rc;
}

static json_t *review_row_json(store_stmt *st, const void *ctx)
{
    (void)ctx;
    return json_pack("{s:I,s:I,s:s,s:I,s:I,s:s}", "id", (json_int_t)store_col_int(st, 0), "at",
                     (json_int_t)store_col_int(st, 1), "by", store_col_text(st, 2), "accounts",
                     (json_int_t)store_col_int(st, 3), "flagged", (json_int_t)store_col_int(st, 4),
                     "comment", store_col_text(st, 5));
}

int auth_review_json(store *db, int64_t now_us, json_t **out, xn_error *err)
{
    json_t *items = json_array(), *reviews = NULL;
    int64_t total = 0, flagged = 0;
    int rc = review_rows(db, now_us, items, NULL, &total, &flagged, err);
    if (rc == XN_OK)
        rc = auth_items_json(db,
                             "SELECT a.id, a.at, u.account, a.accounts, a.flagged, a.comment"
                             " FROM account_review a JOIN app_user u ON u.id = a.by_user_id"
                             " ORDER BY a.id DESC LIMIT 20",
                             NULL, review_row_json, NULL, &reviews, err);
    if (rc != XN_OK) {
        json_decref(items);
        return rc;
    }
    json_t *list = json_incref(json_object_get(reviews, "items"));
    json_decref(reviews);
    *out = json_pack("{s:o,s:I,s:I,s:I,s:o}", "items", items, "total", (json_int_t)total, "flagged",
                     (json_int_t)flagged, "unused_days", (json_int_t)UNUSED_DAYS, "reviews", list);
    return XN_OK;
}

int auth_review_csv(store *db, int64_t now_us, xn_buf *out, xn_error *err)
{
    int64_t total = 0, flagged = 0;
    /* the BOM lets spreadsheet programs read the Chinese as UTF-8 */
    if (xn_buf_puts(out, "\xEF\xBB\xBF") != XN_OK ||
        xn_buf_puts(out, "编号,账号,姓名,部门,人员类型,状态,角色,最近登录,创建时间,"
                         "90天未使用\r\n") != XN_OK)
        return xn_fail(err, XN_ETOOBIG, "too_large", "导出内容过大");
    return review_rows(db, now_us, NULL, out, &total, &flagged, err);
}

typedef struct confirm_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    const char *comment;
    int64_t total, flagged, id;
} confirm_ctx;

static int confirm_tx(store_conn *tx, void *ctx, xn_error *err)
{
    confirm_ctx *cc = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO account_review (at, by_user_id, accounts, flagged, comment)"
                           " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, xn_now_us());
    store_bind_int(st, 2, cc->actor->user_id);
    store_bind_int(st, 3, cc->total);
    store_bind_int(st, 4, cc->flagged);
    store_bind_text(st, 5, cc->comment ? cc->comment : "", -1);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    cc->id = store_col_int(st, 0);
    store_stmt_done(st);
    json_t *d = json_pack("{s:I,s:I,s:s}", "accounts", (json_int_t)cc->total, "flagged",
                          (json_int_t)cc->flagged, "comment", cc->comment ? cc->comment : "");
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    char id[AUTH_ID_TEXT];
    auth_id_text(cc->id, id);
    rc = auth_audit_ok(cc->trail, tx, cc->actor, "auth.account_review", "account_review", id,
                       detail, err);
    free(detail);
    return rc;
}

int auth_review_confirm(store *db, audit_trail *trail, const auth_principal *actor, int64_t now_us,
                        const char *comment, int64_t *review_id, xn_error *err)
{
    int rc = auth_check_text(comment, 4000, true, "comment", err);
    confirm_ctx cc = {.trail = trail, .actor = actor, .comment = comment};
    if (rc == XN_OK)
        rc = review_rows(db, now_us, NULL, NULL, &cc.total, &cc.flagged, err);
    if (rc == XN_OK)
        rc = store_tx(db, confirm_tx, &cc, err);
    if (rc == XN_OK)
        *review_id = cc.id;
    return rc;
}

/* ---- notifications ------------------------------------------------------------------------ */

typedef struct notification_list {
    int64_t user_id;
    int64_t *unread; /* over all of the person's notifications, not just the page */
} notification_list;

static void bind_notification_list(store_stmt *st, const void *ctx)
{
    store_bind_int(st, 1, ((const notification_list *)ctx)->user_id);
}

static json_t *notification_row(store_stmt *st, const void *ctx)
{
    *((const notification_list *)ctx)->unread = store_col_int(st, 6);
    json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s}", "id", (json_int_t)store_col_int(st, 0), "at",
                          (json_int_t)store_col_int(st, 1), "kind", store_col_text(st, 2), "title",
                          store_col_text(st, 3), "body", store_col_text(st, 4));
    json_object_set_new(
        o, "read_at", store_col_is_null(st, 5) ? json_null() : json_integer(store_col_int(st, 5)));
    return o;
}

int auth_notifications_json(store *db, int64_t user_id, json_t **out, xn_error *err)
{
    int64_t unread = 0;
    notification_list list = {.user_id = user_id, .unread = &unread};
    int rc = auth_items_json(db,
                             "SELECT id, at, kind, title, body, read_at,"
                             " (SELECT count(*) FROM notification WHERE user_id = $1"
                             " AND read_at IS NULL)"
                             " FROM notification WHERE user_id = $1 ORDER BY id DESC LIMIT 200",
                             bind_notification_list, notification_row, &list, out, err);
    if (rc != XN_OK)
        return rc;
    json_object_set_new(*out, "unread", json_integer(unread));
    return XN_OK;
}

typedef struct read_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t id;
} read_ctx;

static int read_tx(store_conn *tx, void *ctx, xn_error *err)
{
    read_ctx *r = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE notification SET read_at = coalesce(read_at, $1)"
                           " WHERE id = $2 AND user_id = $3",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, xn_now_us());
    store_bind_int(st, 2, r->id);
    store_bind_int(st, 3, r->actor->user_id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    /* another person's notification is as absent as one that never was */
    if (store_changes(tx) != 1)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "通知不存在");
    char id[AUTH_ID_TEXT];
    auth_id_text(r->id, id);
    return auth_audit_ok(r->trail, tx, r->actor, "auth.notification_read", "notification", id, NULL,
                         err);
}

int auth_notification_read(store *db, audit_trail *trail, const auth_principal *actor, int64_t id,
                           xn_error *err)
{
    read_ctx r = {.trail = trail, .actor = actor, .id = id};
    return store_tx(db, read_tx, &r, err);
}
