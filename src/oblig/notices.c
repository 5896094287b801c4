/*
 * Notices (RSK-3, ZJ 41): periodic notices of risks, vulnerabilities and incidents sent to a
 * recipient group, each person's reading recorded (read receipts). The notice is raised through
 * the notifications (its group's channels and in-app), and the people of the group at the time
 * of sending are its recipients.
 */
#include "oblig/oblig_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RECIPIENTS 500

typedef struct notice_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    const char *kind, *title, *body, *group;
    int64_t id, user;
    size_t recipients;
} notice_ctx;

static const char *kind_text(const char *k)
{
    return strcmp(k, "risk") == 0            ? "风险通报"
           : strcmp(k, "vulnerability") == 0 ? "漏洞通报"
           : strcmp(k, "incident") == 0      ? "事件通报"
                                             : "安全通报";
}

static int send_tx(store_conn *tx, void *ctx, xn_error *err)
{
    notice_ctx *x = ctx;
    int64_t ids[MAX_RECIPIENTS];
    size_t n = 0;
    int rc = notify_group_members(tx, x->group, ids, MAX_RECIPIENTS, &n, err);
    if (rc != XN_OK)
        return rc;
    if (n == 0)
        return xn_fail_field(err, XN_EINVAL, "empty_group", "group", "通知组“%s”不存在或没有成员",
                             x->group);
    store_stmt *st;
    int64_t now = x->o->opt.auth ? auth_now(x->o->opt.auth) : xn_now_us();
    rc = store_prepare(tx,
                       "INSERT INTO notice (kind, title, body, group_name, created_by, created_at)"
                       " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, x->kind, -1);
    store_bind_text(st, 2, x->title, -1);
    store_bind_text(st, 3, x->body, -1);
    store_bind_text(st, 4, x->group, -1);
    store_bind_text(st, 5, audit_actor_name(x->actor), -1);
    store_bind_int(st, 6, now);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        x->id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        rc = store_prepare(tx,
                           "INSERT INTO notice_receipt (notice_id, user_id) VALUES ($1, $2)"
                           " ON CONFLICT DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, x->id);
        store_bind_int(st, 2, ids[i]);
        rc = store_step(st, err);
        store_stmt_done(st);
        if (rc < 0)
            return rc;
    }
    x->recipients = n;
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)x->id);
    json_t *vars = json_pack("{s:s, s:s, s:s}", "kind", kind_text(x->kind), "title", x->title,
                             "body", x->body);
    rc = x->o->opt.notify ? notify_raise(x->o->opt.notify, tx, "oblig.notice", x->group, "notice",
                                         oid, vars, NULL, err)
                          : XN_OK;
    json_decref(vars);
    if (rc != XN_OK)
        return rc;
    return audit_record_change(x->o->opt.trail, tx, x->actor, "notice.send", "notice", x->id,
                               json_pack("{s:s, s:s, s:s, s:i}", "kind", x->kind, "title", x->title,
                                         "group", x->group, "recipients", (int)n),
                               NULL, err);
}

int oblig_notice_send(oblig_ctx *o, const audit_actor *actor, const char *kind, const char *title,
                      const char *body, const char *group, int64_t *id, xn_error *err)
{
    if (!kind || (strcmp(kind, "risk") != 0 && strcmp(kind, "vulnerability") != 0 &&
                  strcmp(kind, "incident") != 0))
        return xn_fail_field(err, XN_EINVAL, "bad_kind", "kind",
                             "通报类型须为 risk（风险）、vulnerability（漏洞）或 incident（事件）");
    int rc = xn_check_text(title, 300, XN_TEXT_LABEL, true, "title", "通报标题", err);
    if (rc == XN_OK)
        rc = xn_check_text(body, 20000, XN_TEXT_FREE, true, "body", "通报内容", err);
    if (rc == XN_OK)
        rc = xn_check_text(group, 64, XN_TEXT_LABEL, true, "group", "通知组", err);
    if (rc != XN_OK)
        return rc;
    notice_ctx x = {
        .o = o, .actor = actor, .kind = kind, .title = title, .body = body, .group = group};
    rc = store_tx(o->opt.db, send_tx, &x, err);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}

static int read_tx(store_conn *tx, void *ctx, xn_error *err)
{
    notice_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE notice_receipt SET read_at = $3 WHERE notice_id = $1"
                           " AND user_id = $2 AND read_at IS NULL",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->user);
    store_bind_int(st, 3, x->o->opt.auth ? auth_now(x->o->opt.auth) : xn_now_us());
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (store_changes(tx) == 0) {
        int64_t exists = 0;
        rc = store_prepare(tx,
                           "SELECT count(*) FROM notice_receipt WHERE notice_id = $1"
                           " AND user_id = $2",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, x->id);
        store_bind_int(st, 2, x->user);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            exists = store_col_int(st, 0);
            store_stmt_done(st);
        }
        if (rc < 0)
            return rc;
        return exists ? XN_OK /* read before: nothing more to record */
                      : xn_fail(err, XN_ENOTFOUND, "not_recipient", "该通报没有发给您");
    }
    return audit_record_change(x->o->opt.trail, tx, x->actor, "notice.read", "notice", x->id, NULL,
                               NULL, err);
}

int oblig_notice_read(oblig_ctx *o, const audit_actor *actor, int64_t id, xn_error *err)
{
    notice_ctx x = {.o = o, .actor = actor, .id = id, .user = actor->id};
    return store_tx(o->opt.db, read_tx, &x, err);
}

int oblig_notices_json(oblig_ctx *o, int64_t viewer, bool all, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(
        c,
        "SELECT n.id, n.kind, n.title, n.body, n.group_name, n.created_by, n.created_at,"
        " (SELECT count(*) FROM notice_receipt r WHERE r.notice_id = n.id),"
        " (SELECT count(*) FROM notice_receipt r WHERE r.notice_id = n.id AND r.read_at IS NOT "
        "NULL),"
        " (SELECT coalesce(r.read_at, 0) FROM notice_receipt r WHERE r.notice_id = n.id"
        "  AND r.user_id = $1),"
        " EXISTS (SELECT 1 FROM notice_receipt r WHERE r.notice_id = n.id AND r.user_id = $1)"
        " FROM notice n ORDER BY n.id DESC LIMIT 200",
        &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    store_bind_int(st, 1, viewer);
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW) {
        bool mine = store_col_int(st, 10) != 0;
        if (!all && !mine)
            continue;
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:I}", "id",
                      (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1), "kind_text",
                      kind_text(store_col_text(st, 1)), "title", store_col_text(st, 2), "body",
                      store_col_text(st, 3), "group", store_col_text(st, 4), "created_by",
                      store_col_text(st, 5), "created_at", (json_int_t)store_col_int(st, 6),
                      "recipients", (json_int_t)store_col_int(st, 7), "read",
                      (json_int_t)store_col_int(st, 8), "mine", mine, "read_at",
                      (json_int_t)store_col_int(st, 9)));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}
