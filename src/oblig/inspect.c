/*
 * Inspections, assessments and rectification (RSK-1, RSK-2): a self-inspection or risk
 * assessment is a checklist built from the requirement catalogue (chosen ids, or all); each
 * item gets a finding; an issue becomes a rectification item with an owner and a deadline in
 * working days, tracked to closure with evidence, and verified by someone other than its owner.
 * Every step is audited; the security administrator runs inspections and verifies.
 */
#include "oblig/oblig_int.h"

#include <stdlib.h>
#include <string.h>

static int64_t rules_now(const oblig_ctx *o)
{
    return o->opt.auth ? auth_now(o->opt.auth) : xn_now_us();
}

static int audit_rec(oblig_ctx *o, store_conn *tx, const audit_actor *actor, const char *action,
                     const char *type, int64_t id, json_t *detail, xn_error *err)
{
    return audit_record_change(o->opt.trail, tx, actor, action, type, id, detail, NULL, err);
}

static const oblig_requirement *requirement(const oblig_ctx *o, const char *id)
{
    for (size_t i = 0; id && i < o->catalogue.count; i++)
        if (strcmp(o->catalogue.items[i].id, id) == 0)
            return &o->catalogue.items[i];
    return NULL;
}

typedef struct insp_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    const char *kind, *title, *finding, *note, *req, *description;
    const char *const *ids;
    size_t nids;
    int64_t id, owner, file_id, rect;
    int days;
    bool approve;
    char due[XN_DATE_STR];
} insp_ctx;

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    insp_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO inspection (kind, title, started_at, started_by)"
                           " VALUES ($1, $2, $3, $4) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, x->kind, -1);
    store_bind_text(st, 2, x->title, -1);
    store_bind_int(st, 3, rules_now(x->o));
    store_bind_text(st, 4, audit_actor_name(x->actor), -1);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        x->id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    size_t n = x->nids ? x->nids : x->o->catalogue.count;
    for (size_t i = 0; i < n; i++) {
        const char *req = x->nids ? x->ids[i] : x->o->catalogue.items[i].id;
        rc = store_prepare(tx,
                           "INSERT INTO inspection_item (inspection_id, req_id) VALUES ($1, $2)"
                           " ON CONFLICT DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, x->id);
        store_bind_text(st, 2, req, -1);
        rc = store_step(st, err);
        store_stmt_done(st);
        if (rc < 0)
            return rc;
    }
    return audit_rec(
        x->o, tx, x->actor, "inspection.start", "inspection", x->id,
        json_pack("{s:s, s:s, s:i}", "kind", x->kind, "title", x->title, "items", (int)n), err);
}

int oblig_inspection_start(oblig_ctx *o, const audit_actor *actor, const char *kind,
                           const char *title, const char *const *ids, size_t nids, int64_t *id,
                           xn_error *err)
{
    static const char *const kinds[] = {"self", "risk_internal", "risk_external", NULL};
    bool known = false;
    for (int i = 0; kind && kinds[i]; i++)
        known = known || strcmp(kind, kinds[i]) == 0;
    if (!known)
        return xn_fail_field(err, XN_EINVAL, "bad_kind", "kind",
                             "检查类型须为 self（自查）、risk_internal（内部风险评估）或"
                             " risk_external（外部风险评估）");
    int rc = xn_check_text(title, 200, XN_TEXT_LABEL, true, "title", "检查名称", err);
    if (rc != XN_OK)
        return rc;
    for (size_t i = 0; i < nids; i++)
        if (!requirement(o, ids[i]))
            return xn_fail_field(err, XN_EINVAL, "bad_requirement", "req_ids",
                                 "要求编号 %.20s 不在要求目录中", ids[i]);
    insp_ctx x = {.o = o, .actor = actor, .kind = kind, .title = title, .ids = ids, .nids = nids};
    rc = store_tx(o->opt.db, create_tx, &x, err);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}

static int finding_tx(store_conn *tx, void *ctx, xn_error *err)
{
    insp_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE inspection_item SET finding = $3, note = $4, by_name = $5,"
                           " at = $6 WHERE inspection_id = $1 AND req_id = $2 AND EXISTS (SELECT 1"
                           " FROM inspection i WHERE i.id = $1 AND i.closed_at IS NULL)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->req, -1);
    store_bind_text(st, 3, x->finding, -1);
    store_bind_text(st, 4, x->note ? x->note : "", -1);
    store_bind_text(st, 5, audit_actor_name(x->actor), -1);
    store_bind_int(st, 6, rules_now(x->o));
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (store_changes(tx) == 0)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "检查中没有这一项，或检查已结束");
    return audit_rec(x->o, tx, x->actor, "inspection.finding", "inspection", x->id,
                     json_pack("{s:s, s:s}", "req_id", x->req, "finding", x->finding), err);
}

int oblig_inspection_finding(oblig_ctx *o, const audit_actor *actor, int64_t id, const char *req,
                             const char *finding, const char *note, xn_error *err)
{
    if (!finding ||
        (strcmp(finding, "ok") != 0 && strcmp(finding, "issue") != 0 && strcmp(finding, "na") != 0))
        return xn_fail_field(err, XN_EINVAL, "bad_finding", "finding",
                             "检查结论须为 ok（符合）、issue（存在问题）或 na（不适用）");
    int rc = xn_check_text(note, OBLIG_MAX_REASON, XN_TEXT_FREE, strcmp(finding, "ok") != 0, "note",
                           "检查记录", err);
    if (rc != XN_OK)
        return rc;
    insp_ctx x = {.o = o, .actor = actor, .id = id, .req = req, .finding = finding, .note = note};
    return store_tx(o->opt.db, finding_tx, &x, err);
}

static int rectify_tx(store_conn *tx, void *ctx, xn_error *err)
{
    insp_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT finding FROM inspection_item WHERE inspection_id = $1"
                           " AND req_id = $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->req, -1);
    rc = store_step(st, err);
    bool issue = rc == STORE_ROW && strcmp(store_col_text(st, 0), "issue") == 0;
    if (rc == STORE_ROW)
        store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "检查中没有这一项");
    if (!issue)
        return xn_fail(err, XN_ECONFLICT, "not_issue", "只有检查结论为“存在问题”的项才需要整改");
    char name[AUTH_MAX_NAME + 1], phone[64];
    if (auth_user_contact(tx, x->owner, name, sizeof name, phone, sizeof phone, err) != XN_OK)
        return xn_fail_field(err, XN_EINVAL, "bad_owner", "owner_id", "整改责任人不存在或已离职");
    rc = store_prepare(tx,
                       "INSERT INTO rectification (inspection_id, req_id, description, owner_id,"
                       " owner_name, due_date, state, created_at, created_by)"
                       " VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->req, -1);
    store_bind_text(st, 3, x->description, -1);
    store_bind_int(st, 4, x->owner);
    store_bind_text(st, 5, name, -1);
    store_bind_text(st, 6, x->due, -1);
    store_bind_int(st, 7, rules_now(x->o));
    store_bind_text(st, 8, audit_actor_name(x->actor), -1);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        x->rect = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)x->rect);
    json_t *vars =
        json_pack("{s:s, s:s, s:s}", "req", x->req, "description", x->description, "due", x->due);
    rc = x->o->opt.notify ? notify_raise_to_users(x->o->opt.notify, tx, "rectification.assigned",
                                                  &x->owner, 1, "rectification", oid, vars, err)
                          : XN_OK;
    json_decref(vars);
    if (rc == XN_OK)
        rc = audit_rec(x->o, tx, x->actor, "rectification.create", "rectification", x->rect,
                       json_pack("{s:s, s:I, s:s}", "req_id", x->req, "owner_id",
                                 (json_int_t)x->owner, "due_date", x->due),
                       err);
    return rc;
}

int oblig_rectification_create(oblig_ctx *o, const audit_actor *actor, int64_t inspection,
                               const char *req, const char *description, int64_t owner, int days,
                               int64_t *id, xn_error *err)
{
    int rc = xn_check_text(description, OBLIG_MAX_REASON, XN_TEXT_FREE, true, "description",
                           "整改内容", err);
    if (rc != XN_OK)
        return rc;
    if (days < 1 || days > 250)
        return xn_fail_field(err, XN_EINVAL, "bad_days", "days", "整改期限须为 1 到 250 个工作日");
    if (owner <= 0)
        return xn_fail_field(err, XN_EINVAL, "bad_owner", "owner_id", "须指定整改责任人");
    insp_ctx x = {.o = o,
                  .actor = actor,
                  .id = inspection,
                  .req = req,
                  .description = description,
                  .owner = owner,
                  .days = days};
    int32_t today = xn_date_of(rules_now(o)), due = today + days;
    bool estimated = false;
    if (o->opt.calendar &&
        calendar_add_workdays(o->opt.calendar, today, days, &due, &estimated, err) != XN_OK)
        return err->status;
    xn_date_format(due, x.due);
    rc = store_tx(o->opt.db, rectify_tx, &x, err);
    if (rc == XN_OK)
        *id = x.rect;
    return rc;
}

static int rect_state(store_conn *tx, int64_t id, char *state, size_t size, int64_t *owner,
                      xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT state, owner_id FROM rectification WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "整改事项不存在");
    if (rc < 0)
        return rc;
    xn_strlcpy(state, store_col_text(st, 0), size);
    *owner = store_col_int(st, 1);
    store_stmt_done(st);
    return XN_OK;
}

static int done_tx(store_conn *tx, void *ctx, xn_error *err)
{
    insp_ctx *x = ctx;
    char state[16];
    int64_t owner = 0;
    int rc = rect_state(tx, x->rect, state, sizeof state, &owner, err);
    if (rc != XN_OK)
        return rc;
    if (owner != x->actor->id)
        return xn_fail(err, XN_EDENIED, "not_owner", "只有整改责任人可以提交整改结果");
    if (strcmp(state, "open") != 0)
        return xn_fail(err, XN_ECONFLICT, "bad_state", "该整改事项已提交或已验证");
    store_stmt *st;
    rc = store_prepare(tx,
                       "UPDATE rectification SET state = 'done', done_note = $2, file_id = $3,"
                       " done_at = $4 WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->rect);
    store_bind_text(st, 2, x->note, -1);
    if (x->file_id)
        store_bind_int(st, 3, x->file_id);
    else
        store_bind_null(st, 3);
    store_bind_int(st, 4, rules_now(x->o));
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    return audit_rec(x->o, tx, x->actor, "rectification.done", "rectification", x->rect,
                     json_pack("{s:I}", "file_id", (json_int_t)x->file_id), err);
}

int oblig_rectification_done(oblig_ctx *o, const audit_actor *actor, int64_t id, const char *note,
                             int64_t file_id, xn_error *err)
{
    int rc = xn_check_text(note, OBLIG_MAX_REASON, XN_TEXT_FREE, true, "note", "整改情况", err);
    if (rc != XN_OK)
        return rc;
    if (file_id) {
        files_info fi;
        if (!o->opt.files || files_get(o->opt.files, file_id, &fi, err) != XN_OK)
            return xn_fail_field(err, XN_EINVAL, "bad_file", "file_id", "整改证据文件不存在");
        if (strcmp(fi.scan, "clean") != 0)
            return xn_fail_field(err, XN_EINVAL, "not_clean", "file_id",
                                 "整改证据文件“%s”尚未通过病毒检查", fi.name);
    }
    insp_ctx x = {.o = o, .actor = actor, .rect = id, .note = note, .file_id = file_id};
    return store_tx(o->opt.db, done_tx, &x, err);
}

static int verify_tx(store_conn *tx, void *ctx, xn_error *err)
{
    insp_ctx *x = ctx;
    char state[16];
    int64_t owner = 0;
    int rc = rect_state(tx, x->rect, state, sizeof state, &owner, err);
    if (rc != XN_OK)
        return rc;
    if (owner == x->actor->id)
        return xn_fail(err, XN_EDENIED, "own_item", "整改责任人不能验证自己的整改");
    if (strcmp(state, "done") != 0)
        return xn_fail(err, XN_ECONFLICT, "bad_state", "整改尚未提交，不能验证");
    store_stmt *st;
    rc = store_prepare(tx,
                       "UPDATE rectification SET state = $2, verifier_name = $3, verified_at = $4,"
                       " verify_note = $5 WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->rect);
    store_bind_text(st, 2, x->approve ? "verified" : "open", -1);
    store_bind_text(st, 3, audit_actor_name(x->actor), -1);
    store_bind_int(st, 4, rules_now(x->o));
    store_bind_text(st, 5, x->note ? x->note : "", -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    return audit_rec(x->o, tx, x->actor, "rectification.verify", "rectification", x->rect,
                     json_pack("{s:b}", "approve", x->approve), err);
}

int oblig_rectification_verify(oblig_ctx *o, const audit_actor *actor, int64_t id, bool approve,
                               const char *note, xn_error *err)
{
    int rc = xn_check_text(note, OBLIG_MAX_REASON, XN_TEXT_FREE, !approve, "note", "验证意见", err);
    if (rc != XN_OK)
        return rc;
    insp_ctx x = {.o = o, .actor = actor, .rect = id, .approve = approve, .note = note};
    return store_tx(o->opt.db, verify_tx, &x, err);
}

/* ---- reading ---------------------------------------------------------------------------- */

static json_t *rect_row(store_stmt *st, int32_t today)
{
    char t[XN_DATE_STR];
    xn_date_format(today, t);
    const char *state = store_col_text(st, 6), *due = store_col_text(st, 5);
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id",
                     (json_int_t)store_col_int(st, 0), "inspection_id",
                     (json_int_t)store_col_int(st, 1), "req_id", store_col_text(st, 2),
                     "description", store_col_text(st, 3), "owner", store_col_text(st, 4),
                     "due_date", due, "state", state, "done_note", store_col_text(st, 7),
                     "verifier", store_col_text(st, 8), "verify_note", store_col_text(st, 9),
                     "overdue", strcmp(state, "verified") != 0 && strcmp(t, due) > 0);
}

#define RECT_COLUMNS                                                                               \
    "id, inspection_id, req_id, description, owner_name, due_date, state,"                         \
    " coalesce(done_note, ''), coalesce(verifier_name, ''), coalesce(verify_note, ''),"            \
    " coalesce(file_id, 0), owner_id"

int oblig_rectifications_json(oblig_ctx *o, const char *state, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT " RECT_COLUMNS " FROM rectification WHERE ($1 IS NULL OR state = $1)"
                       " ORDER BY state = 'verified', due_date, id LIMIT 500",
                       &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    if (state)
        store_bind_text(st, 1, state, -1);
    else
        store_bind_null(st, 1);
    json_t *items = json_array();
    int32_t today = xn_date_of(rules_now(o));
    while ((rc = store_step(st, err)) == STORE_ROW) {
        json_t *r = rect_row(st, today);
        json_object_set_new(r, "file_id", json_integer(store_col_int(st, 10)));
        json_object_set_new(r, "owner_id", json_integer(store_col_int(st, 11)));
        json_array_append_new(items, r);
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

int oblig_inspections_json(oblig_ctx *o, int64_t id, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc =
        store_prepare(c,
                      "SELECT i.id, i.kind, i.title, i.started_at, i.started_by,"
                      " (SELECT count(*) FROM inspection_item t WHERE t.inspection_id = i.id),"
                      " (SELECT count(*) FROM inspection_item t WHERE t.inspection_id = i.id"
                      "  AND t.finding IS NOT NULL),"
                      " (SELECT count(*) FROM inspection_item t WHERE t.inspection_id = i.id"
                      "  AND t.finding = 'issue'),"
                      " (SELECT count(*) FROM rectification r WHERE r.inspection_id = i.id"
                      "  AND r.state <> 'verified')"
                      " FROM inspection i WHERE ($1 = 0 OR i.id = $1) ORDER BY i.id DESC LIMIT 200",
                      &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    store_bind_int(st, 1, id);
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I}", "id",
                      (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1), "title",
                      store_col_text(st, 2), "started_at", (json_int_t)store_col_int(st, 3),
                      "started_by", store_col_text(st, 4), "items",
                      (json_int_t)store_col_int(st, 5), "checked", (json_int_t)store_col_int(st, 6),
                      "issues", (json_int_t)store_col_int(st, 7), "open_rectifications",
                      (json_int_t)store_col_int(st, 8)));
    if (rc < 0 || !id) {
        store_release(c);
        if (rc < 0) {
            json_decref(items);
            return rc;
        }
        *out = json_pack("{s:o}", "items", items);
        return XN_OK;
    }
    json_t *one = json_incref(json_array_get(items, 0));
    json_decref(items);
    if (!one) {
        store_release(c);
        return xn_fail(err, XN_ENOTFOUND, "not_found", "检查不存在");
    }
    json_t *list = json_array(), *rects = json_array();
    rc = store_prepare(c,
                       "SELECT req_id, coalesce(finding, ''), coalesce(note, ''),"
                       " coalesce(by_name, '') FROM inspection_item WHERE inspection_id = $1"
                       " ORDER BY id",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            const oblig_requirement *r = requirement(o, store_col_text(st, 0));
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "req_id", store_col_text(st, 0),
                                "text", r ? r->text : "", "finding", store_col_text(st, 1), "note",
                                store_col_text(st, 2), "by", store_col_text(st, 3)));
        }
    }
    if (rc >= 0)
        rc = store_prepare(c,
                           "SELECT " RECT_COLUMNS " FROM rectification WHERE inspection_id = $1"
                           " ORDER BY id",
                           &st, err);
    if (rc >= 0) {
        store_bind_int(st, 1, id);
        int32_t today = xn_date_of(rules_now(o));
        while ((rc = store_step(st, err)) == STORE_ROW)
            json_array_append_new(rects, rect_row(st, today));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(one);
        json_decref(list);
        json_decref(rects);
        return rc;
    }
    json_object_set_new(one, "checklist", list);
    json_object_set_new(one, "rectifications", rects);
    *out = one;
    return XN_OK;
}
