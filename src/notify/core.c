/*
 * The notify room's core: event templates, raising into the outbox, and the messages with
 * their delivery state.
 */
#include "notify/notify_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_VAR 32

int notify_step_done(store_stmt *st, xn_error *err)
{
    int rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : (rc < 0 ? rc : XN_OK);
}

const notify_event_kind *notify_find_kind(const notify_ctx *n, const char *name)
{
    for (size_t i = 0; i < n->opt.nkinds; i++)
        if (strcmp(n->opt.kinds[i].name, name) == 0)
            return &n->opt.kinds[i];
    return NULL;
}

/* Whether name[0..len) is one of the comma-separated vars. */
static bool var_allowed(const char *vars, const char *name, size_t len)
{
    const char *p = vars;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, len) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* Walks the template: calls emit for each literal run and each variable. */
typedef int (*tmpl_fn)(void *ctx, bool var, const char *s, size_t len, xn_error *err);

static int walk(const char *tmpl, tmpl_fn fn, void *ctx, xn_error *err)
{
    const char *p = tmpl;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open)
            return fn(ctx, false, p, strlen(p), err);
        int rc = fn(ctx, false, p, (size_t)(open - p), err);
        if (rc != XN_OK)
            return rc;
        const char *close = strchr(open + 1, '}');
        size_t len = close ? (size_t)(close - open - 1) : 0;
        if (!close || len == 0 || len > MAX_VAR)
            return xn_fail_field(err, XN_EINVAL, "bad_template", "template",
                                 "模板中的变量须写作 {名称}");
        for (size_t i = 0; i < len; i++) {
            char c = open[1 + i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                return xn_fail_field(err, XN_EINVAL, "bad_template", "template",
                                     "模板变量名只能含小写字母、数字和下划线");
        }
        rc = fn(ctx, true, open + 1, len, err);
        if (rc != XN_OK)
            return rc;
        p = close + 1;
    }
    return XN_OK;
}

static int check_var(void *ctx, bool var, const char *s, size_t len, xn_error *err)
{
    if (var && !var_allowed(ctx, s, len))
        return xn_fail_field(err, XN_EINVAL, "unknown_variable", "template",
                             "模板中有未知变量 {%.*s}", (int)len, s);
    return XN_OK;
}

int notify_template_check(const char *tmpl, const char *vars, xn_error *err)
{
    return walk(tmpl, check_var, (void *)vars, err);
}

typedef struct render_ctx {
    const char *allowed;
    const json_t *vars;
    xn_buf *out;
} render_ctx;

static int render_part(void *ctx, bool var, const char *s, size_t len, xn_error *err)
{
    render_ctx *r = ctx;
    if (!var)
        return xn_buf_append(r->out, s, len) == XN_OK
                   ? XN_OK
                   : xn_fail(err, XN_ETOOBIG, "too_long", "消息过长");
    if (!var_allowed(r->allowed, s, len))
        return xn_fail_field(err, XN_EINVAL, "unknown_variable", "template",
                             "模板中有未知变量 {%.*s}", (int)len, s);
    char name[MAX_VAR + 1];
    memcpy(name, s, len);
    name[len] = '\0';
    const json_t *v = json_object_get(r->vars, name);
    int rc;
    if (json_is_string(v))
        rc = xn_buf_append(r->out, json_string_value(v), json_string_length(v));
    else if (json_is_integer(v))
        rc = xn_buf_printf(r->out, "%lld", (long long)json_integer_value(v));
    else
        return xn_fail_field(err, XN_EINVAL, "missing_variable", name, "缺少模板变量 %s", name);
    return rc == XN_OK ? XN_OK : xn_fail(err, XN_ETOOBIG, "too_long", "消息过长");
}

int notify_render(const char *tmpl, const char *allowed, const json_t *vars, xn_buf *out,
                  xn_error *err)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)vars, key, value)
    {
        (void)value;
        if (!var_allowed(allowed, key, strlen(key)))
            return xn_fail_field(err, XN_EINVAL, "unknown_variable", key, "事件没有变量 %s", key);
    }
    render_ctx r = {.allowed = allowed, .vars = vars, .out = out};
    return walk(tmpl, render_part, &r, err);
}

int notify_open(notify_ctx **out, const notify_options *opt, xn_error *err)
{
    *out = NULL;
    for (size_t i = 0; i < opt->nkinds; i++) {
        const notify_event_kind *k = &opt->kinds[i];
        if (notify_template_check(k->template, k->vars, err) != XN_OK)
            return xn_fail(err, XN_EINVAL, "bad_template", "event kind %s: %s", k->name,
                           err->message);
    }
    notify_ctx *n = xn_xcalloc(1, sizeof *n);
    n->opt = *opt;
    *out = n;
    return XN_OK;
}

void notify_free(notify_ctx *n)
{
    free(n);
}

void notify_set_jobs(notify_ctx *n, jobs_runner *jobs)
{
    n->opt.jobs = jobs;
}

void notify_set_self(notify_ctx *n, const char *host, unsigned port)
{
    xn_strlcpy(n->self_host, host, sizeof n->self_host);
    n->self_port = port;
}

int notify_audit(notify_ctx *n, store_conn *tx, const audit_actor *actor, const char *action,
                 const char *object_type, int64_t object_id, const json_t *detail, xn_error *err)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)object_id);
    xn_buf d;
    xn_buf_init(&d, 16384);
    if (detail)
        xn_json_dump(&d, detail);
    audit_event ev = {.action = action,
                      .actor = actor,
                      .object_type = object_type,
                      .object_id = id,
                      .result = AUDIT_OK,
                      .detail_json = detail ? d.data : NULL};
    int rc = audit_append(n->opt.trail, tx, &ev, err);
    xn_buf_release(&d);
    return rc;
}

/* ---- the outbox -------------------------------------------------------------------------- */

/* The delivery row of a message on a channel: pending for a robot or mail, sent for in-app. */
static int insert_delivery(store_conn *tx, int64_t message_id, int64_t channel, int64_t now,
                           xn_error *err)
{
    bool inapp = channel == NOTIFY_INAPP_CHANNEL;
    char dkey[48];
    snprintf(dkey, sizeof dkey, "m%lld-c%lld", (long long)message_id, (long long)channel);
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO notify_delivery (message_id, channel_id, dkey, state,"
                           " next_at, sent_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $5)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, message_id);
    store_bind_int(st, 2, channel);
    store_bind_text(st, 3, dkey, -1);
    store_bind_text(st, 4, inapp ? "sent" : "pending", -1);
    store_bind_int(st, 5, now);
    if (inapp)
        store_bind_int(st, 6, now);
    else
        store_bind_null(st, 6);
    return notify_step_done(st, err);
}

static int add_delivery(notify_ctx *n, store_conn *tx, int64_t message_id, int64_t channel,
                        int64_t group_id, const notify_event_kind *k, const char *body,
                        xn_error *err)
{
    int64_t now = xn_now_us();
    bool inapp = channel == NOTIFY_INAPP_CHANNEL;
    int rc = insert_delivery(tx, message_id, channel, now, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    if (!inapp) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)channel);
        if (!n->opt.jobs)
            return xn_fail(err, XN_EINTERNAL, "internal", "no job runner");
        return jobs_schedule(n->opt.jobs, tx, "notify.deliver", key, now, err);
    }
    /* the in-app channel: the bell of every person of the group, or of the system
     * administrators for a message without a group */
    if (!group_id) {
        int count = 0;
        return auth_notify_holders(tx, "notify.manage", k->name, k->title, body, &count, err);
    }
    rc = store_prepare(tx, "SELECT user_id FROM notify_group_member WHERE group_id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, group_id);
    int64_t users[NOTIFY_MAX_MEMBERS];
    size_t nusers = 0;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if (nusers < NOTIFY_MAX_MEMBERS)
            users[nusers++] = store_col_int(st, 0);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nusers; i++) {
        rc = auth_notification_add(tx, users[i], k->name, k->title, body, err);
        if (rc != XN_OK)
            return rc;
    }
    return XN_OK;
}

/* The message row; fanout: its group's robots and mail get their deliveries after the commit
 * (notify_fanout_job), so the raising transaction writes this one row for them. */
static int insert_message(store_conn *tx, const notify_event_kind *k, int64_t group_id,
                          const char *object_type, const char *object_id, const char *body,
                          bool fanout, int64_t *id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO notify_message (kind, severity, group_id, object_type,"
                           " object_id, title, body, created_at, fanout) VALUES ($1, $2, $3, $4,"
                           " $5, $6, $7, $8, $9) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, k->name, -1);
    store_bind_text(st, 2, k->severity, -1);
    if (group_id)
        store_bind_int(st, 3, group_id);
    else
        store_bind_null(st, 3);
    store_bind_text(st, 4, object_type, -1);
    store_bind_text(st, 5, object_id, -1);
    store_bind_text(st, 6, k->title, -1);
    store_bind_text(st, 7, body, -1);
    store_bind_int(st, 8, xn_now_us());
    store_bind_int(st, 9, fanout);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : XN_EINTERNAL;
    *id = store_col_int(st, 0);
    return notify_step_done(st, err);
}

int notify_write(notify_ctx *n, store_conn *tx, const notify_event_kind *k, int64_t group_id,
                 const char *object_type, const char *object_id, const char *body,
                 const int64_t *channels, size_t nchannels, int64_t *message_id, xn_error *err)
{
    int64_t id = 0;
    int rc = insert_message(tx, k, group_id, object_type, object_id, body, false, &id, err);
    for (size_t i = 0; rc == XN_OK && i < nchannels; i++)
        rc = add_delivery(n, tx, id, channels[i], group_id, k, body, err);
    if (rc == XN_OK && message_id)
        *message_id = id;
    return rc;
}

/* ---- the fan-out ------------------------------------------------------------------------- */

#define FANOUT_BATCH   500 /* messages per transaction; a longer queue runs again at once */
#define FANOUT_OVERLAP 64  /* ids looked at again, for raises committed out of id order */

typedef struct fanout_ctx {
    notify_ctx *n;
    int deliveries;
    bool more;
} fanout_ctx;

/* A message's deliveries to its group's live robots and mail, each made once (dkey), and
 * their channels' delivery jobs scheduled. */
static int fan_message(fanout_ctx *x, store_conn *tx, int64_t message, int64_t group, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT gc.channel_id FROM notify_group_channel gc JOIN notify_channel"
                           " c ON c.id = gc.channel_id AND c.deleted_at IS NULL WHERE"
                           " gc.group_id = $1 AND gc.channel_id <> $2 ORDER BY gc.channel_id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, group);
    store_bind_int(st, 2, NOTIFY_INAPP_CHANNEL);
    int64_t channels[64];
    size_t nch = 0;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if (nch < sizeof channels / sizeof channels[0])
            channels[nch++] = store_col_int(st, 0);
    if (rc < 0)
        return rc;
    int64_t now = xn_now_us();
    for (size_t i = 0; i < nch; i++) {
        char dkey[48];
        snprintf(dkey, sizeof dkey, "m%lld-c%lld", (long long)message, (long long)channels[i]);
        rc = store_prepare(tx,
                           "INSERT INTO notify_delivery (message_id, channel_id, dkey, state,"
                           " next_at, created_at) VALUES ($1, $2, $3, 'pending', $4, $4)"
                           " ON CONFLICT (dkey) DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, message);
        store_bind_int(st, 2, channels[i]);
        store_bind_text(st, 3, dkey, -1);
        store_bind_int(st, 4, now);
        if ((rc = notify_step_done(st, err)) != XN_OK)
            return rc;
        if (store_changes(tx) == 0)
            continue; /* made by an earlier run */
        x->deliveries++;
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)channels[i]);
        if ((rc = jobs_schedule(x->n->opt.jobs, tx, "notify.deliver", key, now, err)) != XN_OK)
            return rc;
    }
    return XN_OK;
}

static int fanout_tx(store_conn *tx, void *ctx, xn_error *err)
{
    fanout_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT done_upto FROM notify_fanout WHERE id = 1", &st, err);
    if (rc != XN_OK)
        return rc;
    int64_t upto = 0;
    if ((rc = store_step(st, err)) == STORE_ROW) {
        upto = store_col_int(st, 0);
        store_stmt_done(st);
    } else if (rc < 0) {
        return rc;
    }
    rc = store_prepare(tx,
                       "SELECT id, group_id FROM notify_message WHERE id > $1 AND fanout = 1"
                       " ORDER BY id LIMIT $2",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, upto > FANOUT_OVERLAP ? upto - FANOUT_OVERLAP : 0);
    store_bind_int(st, 2, FANOUT_BATCH);
    int64_t(*rows)[2] = xn_xcalloc(FANOUT_BATCH, sizeof *rows);
    size_t nrows = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && nrows < FANOUT_BATCH) {
        rows[nrows][0] = store_col_int(st, 0);
        rows[nrows][1] = store_col_is_null(st, 1) ? 0 : store_col_int(st, 1);
        nrows++;
    }
    if (rc == STORE_ROW)
        store_stmt_done(st);
    rc = rc < 0 ? rc : XN_OK;
    int64_t last = upto;
    for (size_t i = 0; rc == XN_OK && i < nrows; i++) {
        if (rows[i][1])
            rc = fan_message(x, tx, rows[i][0], rows[i][1], err);
        if (rows[i][0] > last)
            last = rows[i][0];
    }
    x->more = nrows == FANOUT_BATCH;
    free(rows);
    if (rc != XN_OK || last == upto)
        return rc;
    rc = store_prepare(tx,
                       "INSERT INTO notify_fanout (id, done_upto) VALUES (1, $1)"
                       " ON CONFLICT (id) DO UPDATE SET done_upto = excluded.done_upto",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, last);
    return notify_step_done(st, err);
}

int notify_fanout_job(jobs_run *run, xn_error *err)
{
    fanout_ctx x = {.n = ((notify_app *)run->app)->notify};
    if (!x.n->opt.jobs)
        return xn_fail(err, XN_EINTERNAL, "internal", "no job runner");
    int rc = XN_OK;
    do {
        x.more = false;
        rc = store_tx(x.n->opt.db, fanout_tx, &x, err);
    } while (rc == XN_OK && x.more);
    if (rc == XN_OK && x.deliveries)
        json_object_set_new(run->summary, "deliveries", json_integer(x.deliveries));
    return rc;
}

/* The kind and its rendered text for an event being raised; body to be released. */
static int render_event(notify_ctx *n, store_conn *tx, const char *kind, const json_t *vars,
                        const notify_event_kind **k, xn_buf *body, xn_error *err)
{
    xn_buf_init(body, NOTIFY_MAX_TEXT);
    *k = notify_find_kind(n, kind);
    if (!*k)
        return xn_fail(err, XN_EINVAL, "bad_event", "unknown event kind '%s'", kind);
    json_t *empty = vars ? NULL : json_object();
    int rc = notify_render_kind(n, tx, *k, vars ? vars : empty, body, err);
    json_decref(empty);
    return rc;
}

int notify_raise(notify_ctx *n, store_conn *tx, const char *kind, const char *group,
                 const char *object_type, const char *object_id, const json_t *vars,
                 int64_t *message_id, xn_error *err)
{
    const notify_event_kind *k;
    xn_buf body;
    int rc = render_event(n, tx, kind, vars, &k, &body, err);
    int64_t group_id = 0;
    bool inapp = !group, others = false;
    if (rc == XN_OK && group) {
        store_stmt *st;
        rc = store_prepare(tx,
                           "SELECT g.id, c.id FROM notify_group g LEFT JOIN"
                           " notify_group_channel gc ON gc.group_id = g.id LEFT JOIN"
                           " notify_channel c ON c.id = gc.channel_id AND c.deleted_at IS NULL"
                           " WHERE g.name = $1 ORDER BY c.id",
                           &st, err);
        if (rc == XN_OK)
            store_bind_text(st, 1, group, -1);
        while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
            rc = XN_OK;
            group_id = store_col_int(st, 0);
            if (store_col_is_null(st, 1))
                continue;
            if (store_col_int(st, 1) == NOTIFY_INAPP_CHANNEL)
                inapp = true;
            else
                others = true;
        }
        if (rc == STORE_DONE)
            rc = XN_OK;
    }
    /* the bell is written with the change; robots and mail are fanned out after its commit */
    const char *text = body.data ? body.data : "";
    int64_t id = 0;
    if (rc == XN_OK)
        rc = insert_message(tx, k, group_id, object_type, object_id, text, others, &id, err);
    if (rc == XN_OK && inapp)
        rc = add_delivery(n, tx, id, NOTIFY_INAPP_CHANNEL, group_id, k, text, err);
    if (rc == XN_OK && others) {
        if (!n->opt.jobs)
            rc = xn_fail(err, XN_EINTERNAL, "internal", "no job runner");
        else
            rc = jobs_request(n->opt.jobs, tx, NOTIFY_JOB_FANOUT, err);
    }
    if (rc == XN_OK && message_id)
        *message_id = id;
    xn_buf_release(&body);
    return rc;
}

int notify_raise_to_users(notify_ctx *n, store_conn *tx, const char *kind, const int64_t *users,
                          size_t nusers, const char *object_type, const char *object_id,
                          const json_t *vars, xn_error *err)
{
    const notify_event_kind *k;
    xn_buf body;
    int rc = render_event(n, tx, kind, vars, &k, &body, err);
    const char *text = body.data ? body.data : "";
    int64_t id = 0;
    if (rc == XN_OK)
        rc = notify_write(n, tx, k, 0, object_type, object_id, text, NULL, 0, &id, err);
    if (rc == XN_OK)
        rc = insert_delivery(tx, id, NOTIFY_INAPP_CHANNEL, xn_now_us(), err);
    for (size_t i = 0; rc == XN_OK && i < nusers; i++)
        rc = auth_notification_add(tx, users[i], k->name, k->title, text, err);
    xn_buf_release(&body);
    return rc;
}

/* ---- messages ---------------------------------------------------------------------------- */

static json_t *int_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

static json_t *text_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

static int add_deliveries(store_conn *c, json_t *msg, int64_t id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(
        c,
        "SELECT d.id, d.channel_id, c.name, c.kind, d.dkey, d.state, d.attempts, d.next_at,"
        " d.sent_at, d.last_error, (SELECT a.status FROM notify_attempt a WHERE a.delivery_id ="
        " d.id ORDER BY a.id DESC LIMIT 1), (SELECT a.errcode FROM notify_attempt a WHERE"
        " a.delivery_id = d.id ORDER BY a.id DESC LIMIT 1) FROM notify_delivery d JOIN"
        " notify_channel c ON c.id = d.channel_id WHERE d.message_id = $1 ORDER BY d.id",
        &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    json_t *items = json_array();
    int sent = 0, failed = 0, total = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *state = store_col_text(st, 5);
        total++;
        sent += strcmp(state, "sent") == 0;
        failed += strcmp(state, "failed") == 0;
        json_array_append_new(
            items, json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:o,s:o,s:o}", "id",
                             (json_int_t)store_col_int(st, 0), "channel_id",
                             (json_int_t)store_col_int(st, 1), "channel", store_col_text(st, 2),
                             "channel_kind", store_col_text(st, 3), "key", store_col_text(st, 4),
                             "state", state, "attempts", (json_int_t)store_col_int(st, 6),
                             "next_at", int_or_null(st, 7), "sent_at", int_or_null(st, 8),
                             "last_error", text_or_null(st, 9), "last_status", int_or_null(st, 10),
                             "last_errcode", int_or_null(st, 11)));
    }
    json_object_set_new(msg, "deliveries", items);
    json_object_set_new(msg, "state",
                        json_string(total == 0      ? "none"
                                    : failed        ? "failed"
                                    : sent == total ? "sent"
                                                    : "pending"));
    return rc < 0 ? rc : XN_OK;
}

int notify_message_deliveries(notify_ctx *n, int64_t message_id, json_t *into, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(n->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    rc = add_deliveries(c, into, message_id, err);
    store_release(c);
    return rc;
}

int notify_messages_json(notify_ctx *n, int limit, json_t **out, xn_error *err)
{
    if (limit < 1 || limit > 500)
        limit = 100;
    store_conn *c;
    int rc = store_acquire(n->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT m.id, m.kind, m.severity, m.title, m.body, g.name, m.object_type,"
                       " m.object_id, m.created_at FROM notify_message m LEFT JOIN notify_group g"
                       " ON g.id = m.group_id ORDER BY m.id DESC LIMIT $1",
                       &st, err);
    json_t *items = json_array();
    if (rc == XN_OK)
        store_bind_int(st, 1, limit);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        json_array_append_new(
            items, json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:I}", "id",
                             (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1),
                             "severity", store_col_text(st, 2), "title", store_col_text(st, 3),
                             "body", store_col_text(st, 4), "group", text_or_null(st, 5),
                             "object_type", text_or_null(st, 6), "object_id", text_or_null(st, 7),
                             "created_at", (json_int_t)store_col_int(st, 8)));
    }
    /* the deliveries after the list is read: one statement at a time on the connection */
    for (size_t i = 0; rc >= 0 && i < json_array_size(items); i++) {
        json_t *m = json_array_get(items, i);
        rc = add_deliveries(c, m, json_integer_value(json_object_get(m, "id")), err);
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}
