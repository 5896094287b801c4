/*
 * Public messages (网友留言, PUB-11): a message entered (or received) is assigned to the
 * department that answers it with a promised deadline in working days; an answer is drafted,
 * reviewed by that department's head and published on the site. Messages not answered by their
 * promised day are reminded the day before and told when overdue (job publish.messages).
 */
#include "publish/publish_int.h"

#include <stdlib.h>
#include <string.h>

#define MSG_MAX_TEXT 20000 /* bytes of a message or an answer */

typedef struct msg_ctx {
    publish_ctx *p;
    const audit_actor *actor;
    int64_t id, department, user;
    const publish_message_in *in;
    const char *text, *comment;
    int days;
    bool approve;
    char due[XN_DATE_STR];
    char path[260];
} msg_ctx;

static int load_state(store_conn *tx, int64_t id, char *state, size_t size, int64_t *department,
                      xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(
        tx, "SELECT state, coalesce(department_id, 0) FROM public_message WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "留言不存在");
    if (rc < 0)
        return rc;
    xn_strlcpy(state, store_col_text(st, 0), size);
    if (department)
        *department = store_col_int(st, 1);
    store_stmt_done(st);
    return XN_OK;
}

static int exec_update(store_conn *tx, const char *sql, msg_ctx *x, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx, sql, &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, publish_now(x->p));
    store_bind_text(st, 3, audit_actor_name(x->actor), -1);
    if (strstr(sql, "$4"))
        store_bind_text(st, 4, x->text ? x->text : "", -1);
    if (strstr(sql, "$5"))
        store_bind_int(st, 5, x->department);
    if (strstr(sql, "$6"))
        store_bind_text(st, 6, x->due, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

static int record_msg(msg_ctx *x, store_conn *tx, const char *action, json_t *detail, xn_error *err)
{
    return publish_record(x->p, tx, x->actor, action, "message", x->id, detail, NULL, err);
}

/* ---- entering --------------------------------------------------------------------------- */

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    msg_ctx *x = ctx;
    const publish_message_in *in = x->in;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO public_message (received_at, channel, author_name, contact,"
                           " subject, body, state, created_by) VALUES ($1, $2, $3, $4, $5, $6,"
                           " 'received', $7) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, publish_now(x->p));
    store_bind_text(st, 2, in->channel ? in->channel : "web", -1);
    store_bind_text(st, 3, in->author, -1);
    store_bind_text(st, 4, in->contact ? in->contact : "", -1);
    store_bind_text(st, 5, in->subject, -1);
    store_bind_text(st, 6, in->body, -1);
    store_bind_text(st, 7, audit_actor_name(x->actor), -1);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        x->id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    return record_msg(x, tx, "message.create", json_pack("{s:s}", "subject", in->subject), err);
}

int publish_message_create(publish_ctx *p, const audit_actor *actor, const publish_message_in *in,
                           int64_t *id, xn_error *err)
{
    static const char *const channels[] = {"web", "phone", "letter", "mail", "visit", NULL};
    int rc = xn_check_text(in->subject, 300, XN_TEXT_LABEL, true, "subject", "留言标题", err);
    if (rc == XN_OK)
        rc = xn_check_text(in->body, MSG_MAX_TEXT, XN_TEXT_FREE, true, "body", "留言内容", err);
    if (rc == XN_OK)
        rc = xn_check_text(in->author, 60, XN_TEXT_LABEL, true, "author", "留言人", err);
    if (rc == XN_OK)
        rc = xn_check_text(in->contact, 120, XN_TEXT_FREE, false, "contact", "联系方式", err);
    bool known = !in->channel;
    for (int i = 0; in->channel && channels[i]; i++)
        known = known || strcmp(in->channel, channels[i]) == 0;
    if (rc == XN_OK && !known)
        rc = xn_fail_field(err, XN_EINVAL, "bad_channel", "channel",
                           "来源须为 web、phone、letter、mail 或 visit");
    if (rc != XN_OK)
        return rc;
    msg_ctx x = {.p = p, .actor = actor, .in = in};
    rc = store_tx(p->opt.db, create_tx, &x, err);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}

/* ---- assigning, answering, reviewing -------------------------------------------------------- */

static int assign_tx(store_conn *tx, void *ctx, xn_error *err)
{
    msg_ctx *x = ctx;
    char state[16];
    int rc = load_state(tx, x->id, state, sizeof state, NULL, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(state, "received") != 0 && strcmp(state, "assigned") != 0)
        return xn_fail(err, XN_ECONFLICT, "bad_state", "留言已答复，不能再转办");
    bool exists = false;
    char name[128];
    if ((rc = auth_org_node(tx, x->department, name, sizeof name, &exists, err)) != XN_OK)
        return rc;
    if (!exists)
        return xn_fail_field(err, XN_EINVAL, "bad_department", "department_id", "承办部门不存在");
    rc = exec_update(tx,
                     "UPDATE public_message SET state = 'assigned', department_id = $5,"
                     " due_date = $6, assigned_at = $2, assigned_by = $3, reminded = 0"
                     " WHERE id = $1",
                     x, err);
    if (rc == XN_OK)
        rc = record_msg(x, tx, "message.assign",
                        json_pack("{s:I, s:s, s:s}", "department_id", (json_int_t)x->department,
                                  "department", name, "due_date", x->due),
                        err);
    return rc;
}

int publish_message_assign(publish_ctx *p, const audit_actor *actor, int64_t id, int64_t department,
                           int promise_days, xn_error *err)
{
    if (promise_days < 1 || promise_days > 60)
        return xn_fail_field(err, XN_EINVAL, "bad_days", "promise_days",
                             "承诺答复时限须为 1 到 60 个工作日");
    msg_ctx x = {.p = p, .actor = actor, .id = id, .department = department};
    int32_t today = xn_date_of(publish_now(p)), due = today + promise_days;
    bool estimated = false;
    if (p->opt.calendar &&
        calendar_add_workdays(p->opt.calendar, today, promise_days, &due, &estimated, err) != XN_OK)
        return err->status;
    xn_date_format(due, x.due);
    return store_tx(p->opt.db, assign_tx, &x, err);
}

static int answer_tx(store_conn *tx, void *ctx, xn_error *err)
{
    msg_ctx *x = ctx;
    char state[16];
    int rc = load_state(tx, x->id, state, sizeof state, NULL, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(state, "assigned") != 0)
        return xn_fail(err, XN_ECONFLICT, "bad_state",
                       strcmp(state, "received") == 0 ? "留言尚未转办到承办部门" : "留言已答复");
    rc = exec_update(tx,
                     "UPDATE public_message SET state = 'answered', answer = $4, answered_at = $2,"
                     " answered_by = $3, review_comment = NULL WHERE id = $1",
                     x, err);
    /* the department's head is told an answer waits for them (in-app) */
    int64_t department = 0, head = 0;
    char again[16];
    if (rc == XN_OK)
        rc = load_state(tx, x->id, again, sizeof again, &department, err);
    if (rc == XN_OK)
        rc = auth_org_head(tx, department, &head, err);
    if (rc == XN_OK && head && x->p->opt.notify) {
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)x->id);
        rc = notify_raise_to_users(x->p->opt.notify, tx, "message.review_due", &head, 1, "message",
                                   oid, NULL, err);
    }
    if (rc == XN_OK)
        rc = record_msg(x, tx, "message.answer", NULL, err);
    return rc;
}

int publish_message_answer(publish_ctx *p, const audit_actor *actor, int64_t id, const char *answer,
                           xn_error *err)
{
    int rc = xn_check_text(answer, MSG_MAX_TEXT, XN_TEXT_FREE, true, "answer", "答复内容", err);
    if (rc != XN_OK)
        return rc;
    msg_ctx x = {.p = p, .actor = actor, .id = id, .text = answer};
    return store_tx(p->opt.db, answer_tx, &x, err);
}

static int review_tx(store_conn *tx, void *ctx, xn_error *err)
{
    msg_ctx *x = ctx;
    char state[16];
    int64_t department = 0;
    int rc = load_state(tx, x->id, state, sizeof state, &department, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(state, "answered") != 0)
        return xn_fail(err, XN_ECONFLICT, "bad_state", "留言没有待审核的答复");
    bool head = false;
    if ((rc = auth_org_is_head(tx, department, x->actor->id, &head, err)) != XN_OK)
        return rc;
    if (!head)
        return xn_fail(err, XN_EDENIED, "not_head", "只有承办部门负责人可以审核答复");
    x->text = x->comment;
    rc = exec_update(tx,
                     x->approve ? "UPDATE public_message SET state = 'approved', reviewed_at = $2,"
                                  " reviewed_by = $3, review_comment = $4 WHERE id = $1"
                                : "UPDATE public_message SET state = 'assigned', reviewed_at = $2,"
                                  " reviewed_by = $3, review_comment = $4 WHERE id = $1",
                     x, err);
    if (rc == XN_OK)
        rc = record_msg(
            x, tx, "message.review",
            json_pack("{s:b, s:s}", "approve", x->approve, "comment", x->comment ? x->comment : ""),
            err);
    return rc;
}

int publish_message_review(publish_ctx *p, const audit_actor *actor, int64_t id, bool approve,
                           const char *comment, xn_error *err)
{
    int rc = xn_check_text(comment, PUBLISH_MAX_COMMENT, XN_TEXT_FREE, !approve, "comment",
                           "审核意见", err);
    if (rc != XN_OK)
        return rc;
    msg_ctx x = {.p = p, .actor = actor, .id = id, .approve = approve, .comment = comment};
    return store_tx(p->opt.db, review_tx, &x, err);
}

static int publish_msg_tx(store_conn *tx, void *ctx, xn_error *err)
{
    msg_ctx *x = ctx;
    char state[16];
    int rc = load_state(tx, x->id, state, sizeof state, NULL, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(state, "approved") != 0)
        return xn_fail(err, XN_ECONFLICT, "bad_state", "答复尚未经承办部门负责人审核通过");
    rc = exec_update(tx,
                     "UPDATE public_message SET state = 'published', published_at = $2,"
                     " published_by = $3 WHERE id = $1",
                     x, err);
    if (rc == XN_OK)
        rc = publish_site_put_message(x->p, tx, x->id, x->path, sizeof x->path, err);
    if (rc == XN_OK)
        rc = publish_site_changed(x->p, tx, err);
    if (rc == XN_OK)
        rc = record_msg(x, tx, "message.publish", json_pack("{s:s}", "path", x->path), err);
    return rc;
}

int publish_message_publish(publish_ctx *p, const audit_actor *actor, int64_t id, xn_error *err)
{
    msg_ctx x = {.p = p, .actor = actor, .id = id};
    pthread_mutex_lock(&p->site_lock);
    int rc = store_tx(p->opt.db, publish_msg_tx, &x, err);
    pthread_mutex_unlock(&p->site_lock);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------------- */

/* The messages in `state` (NULL: all), the one `id` (0: all), or those answered and waiting
 * for the review of the department head `head` (0: anyone's). */
static int messages_json(publish_ctx *p, const char *state, int64_t id, int64_t head, json_t **out,
                         xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(
        c,
        "SELECT m.id, m.received_at, m.channel, m.author_name, m.contact, m.subject, m.body,"
        " m.state, coalesce(m.department_id, 0), coalesce(o.name, ''), coalesce(m.due_date, ''),"
        " coalesce(m.answer, ''), coalesce(m.answered_by, ''), coalesce(m.reviewed_by, ''),"
        " coalesce(m.review_comment, ''), coalesce(m.published_at, 0), coalesce(m.path, '')"
        " FROM public_message m LEFT JOIN org_unit o ON o.id = m.department_id"
        " WHERE ($1 IS NULL OR m.state = $1) AND ($2 = 0 OR m.id = $2)"
        " AND ($3 = 0 OR (m.state = 'answered' AND o.head_user_id = $3))"
        " ORDER BY m.id DESC LIMIT 500",
        &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    if (state)
        store_bind_text(st, 1, state, -1);
    else
        store_bind_null(st, 1);
    store_bind_int(st, 2, id);
    store_bind_int(st, 3, head);
    json_t *items = json_array();
    char today[XN_DATE_STR];
    xn_date_format(xn_date_of(publish_now(p)), today);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *due = store_col_text(st, 10), *s = store_col_text(st, 7);
        bool open = strcmp(s, "published") != 0 && strcmp(s, "closed") != 0;
        json_array_append_new(
            items,
            json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s,"
                      " s:I, s:s, s:b}",
                      "id", (json_int_t)store_col_int(st, 0), "received_at",
                      (json_int_t)store_col_int(st, 1), "channel", store_col_text(st, 2), "author",
                      store_col_text(st, 3), "contact", store_col_text(st, 4), "subject",
                      store_col_text(st, 5), "body", store_col_text(st, 6), "state", s,
                      "department_id", (json_int_t)store_col_int(st, 8), "department",
                      store_col_text(st, 9), "due_date", due, "answer", store_col_text(st, 11),
                      "answered_by", store_col_text(st, 12), "reviewed_by", store_col_text(st, 13),
                      "review_comment", store_col_text(st, 14), "published_at",
                      (json_int_t)store_col_int(st, 15), "path", store_col_text(st, 16), "overdue",
                      open && *due && strcmp(today, due) > 0));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    if (id) {
        json_t *one = json_array_get(items, 0);
        if (!one) {
            json_decref(items);
            return xn_fail(err, XN_ENOTFOUND, "not_found", "留言不存在");
        }
        *out = json_incref(one);
        json_decref(items);
        return XN_OK;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

int publish_messages_json(publish_ctx *p, const char *state, int64_t id, json_t **out,
                          xn_error *err)
{
    return messages_json(p, state, id, 0, out, err);
}

int publish_messages_to_review_json(publish_ctx *p, int64_t head, json_t **out, xn_error *err)
{
    if (head <= 0)
        return xn_fail(err, XN_EINVAL, "bad_user", "须为已登录的用户");
    return messages_json(p, NULL, 0, head, out, err);
}

/* ---- reminders -------------------------------------------------------------------------- */

typedef struct remind_ctx {
    publish_ctx *p;
    int told;
} remind_ctx;

static int remind_tx(store_conn *tx, void *ctx, xn_error *err)
{
    remind_ctx *x = ctx;
    int32_t today = xn_date_of(publish_now(x->p));
    char t[XN_DATE_STR], tomorrow[XN_DATE_STR];
    xn_date_format(today, t);
    xn_date_format(today + 1, tomorrow);
    /* reminded: 1 the day before, 2 once overdue */
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE public_message SET reminded = CASE WHEN due_date < $1 THEN 2"
                           " ELSE 1 END WHERE state IN ('assigned', 'answered', 'approved')"
                           " AND ((due_date <= $2 AND reminded = 0) OR (due_date < $1"
                           " AND reminded < 2)) RETURNING id, subject, due_date, reminded",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, t, -1);
    store_bind_text(st, 2, tomorrow, -1);
    typedef struct due_msg {
        int64_t id;
        char subject[320], due[XN_DATE_STR];
        int reminded;
    } due_msg;
    due_msg msgs[64];
    int n = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && n < 64) {
        msgs[n].id = store_col_int(st, 0);
        xn_strlcpy(msgs[n].subject, store_col_text(st, 1), sizeof msgs[n].subject);
        xn_strlcpy(msgs[n].due, store_col_text(st, 2), sizeof msgs[n].due);
        msgs[n].reminded = (int)store_col_int(st, 3);
        n++;
    }
    if (rc == STORE_ROW)
        store_stmt_done(st);
    for (int i = 0; rc >= 0 && i < n; i++) {
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)msgs[i].id);
        json_t *vars = json_pack("{s:s, s:s, s:s}", "subject", msgs[i].subject, "due", msgs[i].due,
                                 "state", msgs[i].reminded == 2 ? "已超过承诺时限" : "明天到期");
        rc = x->p->opt.notify ? notify_raise(x->p->opt.notify, tx, "publish.message_due", "信息员",
                                             "message", oid, vars, NULL, err)
                              : XN_OK;
        json_decref(vars);
        x->told++;
    }
    return rc < 0 ? rc : XN_OK;
}

int publish_messages_job(publish_ctx *p, json_t *summary, xn_error *err)
{
    remind_ctx x = {.p = p};
    int rc = store_tx(p->opt.db, remind_tx, &x, err);
    if (rc == XN_OK && x.told)
        json_object_set_new(summary, "reminded", json_integer(x.told));
    return rc;
}
