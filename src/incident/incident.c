/* Incidents: opening, clocks, the timeline, closing (incident.h). */
#include "incident/incident_int.h"

#include <stdlib.h>
#include <string.h>

#define US_PER_MIN (60 * INT64_C(1000000))
#define US_PER_DAY (86400 * INT64_C(1000000))
#define TICK_BATCH 256 /* clocks handled per tick transaction */

int incident_open_ctx(incident_ctx **out, const incident_options *opt, xn_error *err)
{
    incident_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    c->opt = *opt;
    c->tick_s = 60;
    *out = c;
    return XN_OK;
}

void incident_free(incident_ctx *c)
{
    free(c);
}

void incident_set_jobs(incident_ctx *c, jobs_runner *jobs, int64_t tick_s)
{
    c->jobs = jobs;
    c->tick_s = tick_s > 0 ? tick_s : 60;
}

static int64_t rules_now(const incident_ctx *c)
{
    return auth_now(c->opt.auth);
}

const incident_clock_def *incident_clock_def_find(const char *key)
{
    for (size_t i = 0; key && i < incident_clocks_count; i++)
        if (strcmp(incident_clocks[i].key, key) == 0)
            return &incident_clocks[i];
    return NULL;
}

/* The reminder comes a fifth of the clock's span before its due time (2 minutes of 10). */
static int64_t remind_at(const incident_clock_def *d, int64_t due)
{
    return due - (int64_t)d->minutes * US_PER_MIN / 5;
}

/* Free text entered by a person (notes, reasons, the closing report): at most 64 KiB. */
static int free_text(const char *s, const char *field, const char *label, bool required,
                     xn_error *err)
{
    return xn_check_text(s, INCIDENT_MAX_TEXT, XN_TEXT_FREE, required, field, label, err);
}

/* Brings the clocks job forward to rules time at (never further than one period ahead: the
 * periodic run looks again by then), inside tx. */
static int schedule_at(incident_ctx *c, store_conn *tx, int64_t at, xn_error *err)
{
    if (!c->jobs)
        return XN_OK;
    int64_t wall_now = xn_now_us();
    int64_t wall = at - (rules_now(c) - wall_now);
    if (wall > wall_now + c->tick_s * 1000000)
        return XN_OK;
    return jobs_schedule(c->jobs, tx, INCIDENT_JOB, "", wall < wall_now ? wall_now : wall, err);
}

static int add_entry(store_conn *tx, int64_t id, int64_t at, const char *type,
                     const audit_actor *actor, const char *clock, const char *text, int64_t file_id,
                     int64_t message_id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO incident_entry (incident_id, at, type, actor, clock, text,"
                           " file_id, message_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, at);
    store_bind_text(st, 3, type, -1);
    store_bind_text(st, 4, audit_actor_name(actor), -1);
    if (clock)
        store_bind_text(st, 5, clock, -1);
    else
        store_bind_null(st, 5);
    if (text)
        store_bind_text(st, 6, text, -1);
    else
        store_bind_null(st, 6);
    if (file_id)
        store_bind_int(st, 7, file_id);
    else
        store_bind_null(st, 7);
    if (message_id)
        store_bind_int(st, 8, message_id);
    else
        store_bind_null(st, 8);
    rc = store_step(st, err);
    return rc < 0 ? rc : XN_OK;
}

static int record(incident_ctx *c, store_conn *tx, const audit_actor *actor, const char *action,
                  int64_t id, json_t *detail, xn_error *err)
{
    return audit_record_change(c->opt.trail, tx, actor, action, "incident", id, detail, NULL, err);
}

/* Tells group about incident id (event kind), with the message on the timeline. */
static int tell(incident_ctx *c, store_conn *tx, int64_t id, int64_t at, const char *event,
                const char *group, const char *clock, json_t *vars, xn_error *err)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    int64_t msg = 0;
    int rc = c->opt.notify
                 ? notify_raise(c->opt.notify, tx, event, group, "incident", oid, vars, &msg, err)
                 : XN_OK;
    if (rc == XN_OK) {
        char text[160];
        snprintf(text, sizeof text, "已通知%s", group);
        rc = add_entry(tx, id, at, "notified", NULL, clock, text, 0, msg, err);
    }
    return rc;
}

/* ---- opening ------------------------------------------------------------------------------ */

typedef struct open_ctx {
    incident_ctx *c;
    const audit_actor *actor;
    const incident_in *in;
    const incident_kind *kind;
    bool site;
    int64_t now, detected;
    int64_t id;
    bool existing;
} open_ctx;

static bool clock_applies(const incident_clock_def *d, const incident_kind *k, bool site)
{
    if (strcmp(d->key, "site_restored") == 0)
        return site;
    if (strcmp(d->key, "report_authorities") == 0)
        return k->authorities != NULL;
    return true;
}

static json_t *incident_vars(int64_t id, const char *title, const incident_kind *k, int64_t at,
                             bool drill)
{
    char when[XN_TIME_STR];
    xn_time_format(at, when);
    char full[INCIDENT_MAX_TITLE + 16];
    snprintf(full, sizeof full, "%s%s", drill ? "【演练】" : "", title);
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "title", full, "kind", k->title,
                     "detected", when);
}

static int open_existing(open_ctx *o, store_conn *tx, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT id FROM incident WHERE cause = $1 AND state <> 'closed'",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, o->in->cause, -1);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc;
    o->id = store_col_int(st, 0);
    store_stmt_done(st);
    o->existing = true;
    char text[INCIDENT_MAX_TITLE + 32];
    snprintf(text, sizeof text, "再次告警：%s", o->in->title);
    rc = add_entry(tx, o->id, o->now, "alarm", o->actor, NULL, text, 0, 0, err);
    if (rc == XN_OK)
        rc = record(o->c, tx, o->actor, "incident.alarm", o->id,
                    json_pack("{s:s}", "cause", o->in->cause), err);
    return rc == XN_OK ? STORE_ROW : rc;
}

static int open_tx(store_conn *tx, void *ctx, xn_error *err)
{
    open_ctx *o = ctx;
    const incident_in *in = o->in;
    o->existing = false;
    int rc;
    if (in->cause) {
        rc = open_existing(o, tx, err);
        if (rc != STORE_DONE)
            return rc == STORE_ROW ? XN_OK : rc;
    }
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO incident (kind, title, state, drill, site_affected, source,"
                       " cause, detected_at, opened_at, opened_by) VALUES ($1, $2, 'open', $3,"
                       " $4, $5, $6, $7, $8, $9) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, o->kind->key, -1);
    store_bind_text(st, 2, in->title, -1);
    store_bind_int(st, 3, in->drill);
    store_bind_int(st, 4, o->site);
    store_bind_text(st, 5, in->source ? in->source : "person", -1);
    if (in->cause)
        store_bind_text(st, 6, in->cause, -1);
    else
        store_bind_null(st, 6);
    store_bind_int(st, 7, o->detected);
    store_bind_int(st, 8, o->now);
    store_bind_text(st, 9, audit_actor_name(o->actor), -1);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_EIO, "db_error", "no id for the new incident");
    o->id = store_col_int(st, 0);
    store_stmt_done(st);

    int64_t first = INT64_MAX;
    for (size_t i = 0; i < incident_clocks_count; i++) {
        const incident_clock_def *d = &incident_clocks[i];
        if (!clock_applies(d, o->kind, o->site))
            continue;
        int64_t due = o->detected + (int64_t)d->minutes * US_PER_MIN;
        int64_t next = remind_at(d, due) > o->now ? remind_at(d, due) : due;
        rc = store_prepare(tx,
                           "INSERT INTO incident_clock (incident_id, key, due_at, state,"
                           " reminded, next_at) VALUES ($1, $2, $3, 'running', $4, $5)",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, o->id);
        store_bind_text(st, 2, d->key, -1);
        store_bind_int(st, 3, due);
        store_bind_int(st, 4, next == due);
        store_bind_int(st, 5, next);
        if ((rc = store_step(st, err)) < 0)
            return rc;
        if (next < first)
            first = next;
    }
    char text[512];
    snprintf(text, sizeof text, "%s%s：%s", in->drill ? "【演练】" : "", o->kind->title, in->title);
    rc = add_entry(tx, o->id, o->now, "opened", o->actor, NULL, text, 0, 0, err);
    if (rc == XN_OK && in->note && *in->note)
        rc = add_entry(tx, o->id, o->now, "note", o->actor, NULL, in->note, 0, 0, err);
    /* the people of every clock and the leaders hear of it at once (each group once) */
    const char *told[8];
    size_t ntold = 0;
    for (size_t i = 0; rc == XN_OK && i <= incident_clocks_count; i++) {
        const char *g = i < incident_clocks_count ? incident_clocks[i].group : INCIDENT_LEADERS;
        if (i < incident_clocks_count && !clock_applies(&incident_clocks[i], o->kind, o->site))
            continue;
        bool seen = false;
        for (size_t j = 0; j < ntold; j++)
            seen = seen || strcmp(told[j], g) == 0;
        if (seen || ntold == 8)
            continue;
        told[ntold++] = g;
        json_t *vars = incident_vars(o->id, in->title, o->kind, o->detected, in->drill);
        rc = tell(o->c, tx, o->id, o->now, "incident.opened", g, NULL, vars, err);
        json_decref(vars);
    }
    if (rc == XN_OK)
        rc = record(o->c, tx, o->actor, "incident.open", o->id,
                    json_pack("{s:s, s:b, s:b, s:s?}", "kind", o->kind->key, "drill", in->drill,
                              "site_affected", o->site, "cause", in->cause),
                    err);
    if (rc == XN_OK && first != INT64_MAX)
        rc = schedule_at(o->c, tx, first, err);
    return rc;
}

int incident_open(incident_ctx *c, const audit_actor *actor, const incident_in *in, int64_t *id,
                  bool *existing, xn_error *err)
{
    const incident_kind *k = incident_kind_find(in->kind);
    if (!k)
        return xn_fail_field(err, XN_EINVAL, "bad_kind", "kind", "事件类别不存在：%s",
                             in->kind ? in->kind : "（空）");
    if (xn_check_text(in->title, INCIDENT_MAX_TITLE, XN_TEXT_LABEL, true, "title", "事件标题",
                      err) != XN_OK ||
        free_text(in->note, "note", "说明", false, err) != XN_OK)
        return err->status;
    if (in->cause && (!*in->cause || strlen(in->cause) > INCIDENT_MAX_CAUSE))
        return xn_fail_field(err, XN_EINVAL, "bad_cause", "cause", "告警来源标识无效");
    open_ctx o = {.c = c, .actor = actor, .in = in, .kind = k, .now = rules_now(c)};
    o.detected = in->detected_at ? in->detected_at : o.now;
    if (o.detected > o.now + 60 * INT64_C(1000000))
        return xn_fail_field(err, XN_EINVAL, "bad_detected_at", "detected_at",
                             "发现时间不能晚于现在");
    if (o.detected < o.now - INCIDENT_PAST_DAYS * US_PER_DAY)
        return xn_fail_field(err, XN_EINVAL, "bad_detected_at", "detected_at",
                             "发现时间不能早于 %d 天前", INCIDENT_PAST_DAYS);
    o.site = in->site_affected < 0 ? k->site_affected : in->site_affected != 0;
    int rc = store_tx(c->opt.db, open_tx, &o, err);
    if (rc == XN_OK) {
        *id = o.id;
        if (existing)
            *existing = o.existing;
    }
    return rc;
}

int incident_audit_failed(incident_ctx *c, const char *trigger, xn_error *err)
{
    char title[160];
    snprintf(title, sizeof title, "审计记录校验失败（%s），记录可能被篡改",
             strcmp(trigger, "manual") == 0 ? "手动校验" : "定期校验");
    incident_in in = {.kind = "destructive_attack",
                      .title = title,
                      .site_affected = 0,
                      .cause = "audit.verify",
                      .source = "audit"};
    int64_t id;
    return c ? incident_open(c, &audit_system_actor, &in, &id, NULL, err) : XN_OK;
}

/* ---- changes to an open incident ------------------------------------------------------------ */

typedef struct change_ctx {
    incident_ctx *c;
    const audit_actor *actor;
    int64_t id;
    const char *key;  /* a clock */
    const char *text; /* a note, a reason, a comment */
    int64_t file_id;
    int step;
    bool approve;
    const incident_close_in *close;
    int64_t now;
    /* read from the incident */
    char state[16];
    char kind[32];
    char title[INCIDENT_MAX_TITLE + 1];
    bool drill;
    int64_t requested_by;
} change_ctx;

/* Reads the incident's state (XN_ENOTFOUND when there is none). */
static int load(change_ctx *x, store_conn *tx, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT state, kind, title, drill, close_requested_by FROM incident"
                           " WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "事件不存在");
    if (rc != STORE_ROW)
        return rc;
    snprintf(x->state, sizeof x->state, "%s", store_col_text(st, 0));
    snprintf(x->kind, sizeof x->kind, "%s", store_col_text(st, 1));
    snprintf(x->title, sizeof x->title, "%s", store_col_text(st, 2));
    x->drill = store_col_int(st, 3) != 0;
    x->requested_by = store_col_int(st, 4);
    store_stmt_done(st);
    return XN_OK;
}

static int load_open(change_ctx *x, store_conn *tx, xn_error *err)
{
    int rc = load(x, tx, err);
    if (rc == XN_OK && strcmp(x->state, "closed") == 0)
        return xn_fail(err, XN_ECONFLICT, "closed", "事件已结案，不能再修改");
    return rc;
}

static int run_change(incident_ctx *c, store_tx_fn fn, change_ctx *x, xn_error *err)
{
    x->c = c;
    x->now = rules_now(c);
    return store_tx(c->opt.db, fn, x, err);
}

static int meet_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    int rc = load_open(x, tx, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(
        tx, "SELECT state, due_at FROM incident_clock WHERE incident_id = $1 AND key = $2", &st,
        err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->key, -1);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail_field(err, XN_ENOTFOUND, "no_clock", "key", "该事件没有此时限");
    if (rc != STORE_ROW)
        return rc;
    bool met = strcmp(store_col_text(st, 0), "met") == 0;
    int64_t due = store_col_int(st, 1);
    store_stmt_done(st);
    if (met)
        return xn_fail_field(err, XN_ECONFLICT, "already_met", "key", "该时限已确认完成");
    rc = store_prepare(tx,
                       "UPDATE incident_clock SET state = 'met', met_at = $3, met_by = $4,"
                       " note = $5, next_at = NULL WHERE incident_id = $1 AND key = $2",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->key, -1);
    store_bind_int(st, 3, x->now);
    store_bind_text(st, 4, audit_actor_name(x->actor), -1);
    if (x->text)
        store_bind_text(st, 5, x->text, -1);
    else
        store_bind_null(st, 5);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    const incident_clock_def *d = incident_clock_def_find(x->key);
    char text[INCIDENT_MAX_TEXT + 256];
    snprintf(text, sizeof text, "%s：已完成%s%s%s", d ? d->title : x->key,
             x->now > due ? "（超时）" : "", x->text && *x->text ? "。" : "",
             x->text ? x->text : "");
    rc = add_entry(tx, x->id, x->now, "clock_met", x->actor, x->key, text, 0, 0, err);
    if (rc == XN_OK)
        rc = record(x->c, tx, x->actor, "incident.clock_meet", x->id,
                    json_pack("{s:s, s:b}", "clock", x->key, "late", x->now > due), err);
    return rc;
}

int incident_clock_meet(incident_ctx *c, const audit_actor *actor, int64_t id, const char *key,
                        const char *note, xn_error *err)
{
    if (!incident_clock_def_find(key))
        return xn_fail_field(err, XN_ENOTFOUND, "no_clock", "key", "没有此时限：%s", key);
    if (free_text(note, "note", "说明", false, err) != XN_OK)
        return err->status;
    change_ctx x = {.actor = actor, .id = id, .key = key, .text = note};
    return run_change(c, meet_tx, &x, err);
}

static int suspend_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    bool suspend = x->text != NULL;
    int rc = load_open(x, tx, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "SELECT state, due_at, suspended_at FROM incident_clock WHERE"
                       " incident_id = $1 AND key = $2",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->key, -1);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail_field(err, XN_ENOTFOUND, "no_clock", "key", "该事件没有此时限");
    if (rc != STORE_ROW)
        return rc;
    char state[16];
    snprintf(state, sizeof state, "%s", store_col_text(st, 0));
    int64_t due = store_col_int(st, 1), since = store_col_int(st, 2);
    store_stmt_done(st);
    if (suspend && strcmp(state, "running") != 0)
        return xn_fail_field(err, XN_ECONFLICT, "not_running", "key", "只能暂停计时中的时限");
    if (!suspend && strcmp(state, "suspended") != 0)
        return xn_fail_field(err, XN_ECONFLICT, "not_suspended", "key", "该时限未暂停");
    if (suspend) {
        rc = store_prepare(tx,
                           "UPDATE incident_clock SET state = 'suspended', suspended_at = $3,"
                           " suspended_by = $4, suspend_reason = $5, next_at = NULL WHERE"
                           " incident_id = $1 AND key = $2",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 3, x->now);
        store_bind_text(st, 4, audit_actor_name(x->actor), -1);
        store_bind_text(st, 5, x->text, -1);
    } else {
        /* the clock resumes with the time it had left when it was suspended */
        int64_t new_due = due + (x->now - since);
        rc = store_prepare(tx,
                           "UPDATE incident_clock SET state = 'running', due_at = $3, next_at = $3,"
                           " reminded = 1, suspended_at = NULL WHERE incident_id = $1 AND key = $2",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 3, new_due);
        due = new_due;
    }
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->key, -1);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    const incident_clock_def *d = incident_clock_def_find(x->key);
    char text[INCIDENT_MAX_TEXT + 256];
    snprintf(text, sizeof text, suspend ? "%s：因不可抗力暂停计时。理由：%s" : "%s：恢复计时%s",
             d->title, suspend ? x->text : "");
    rc = add_entry(tx, x->id, x->now, suspend ? "suspended" : "resumed", x->actor, x->key, text, 0,
                   0, err);
    if (rc == XN_OK)
        rc =
            record(x->c, tx, x->actor, suspend ? "incident.clock_suspend" : "incident.clock_resume",
                   x->id, json_pack("{s:s}", "clock", x->key), err);
    if (rc == XN_OK && !suspend)
        rc = schedule_at(x->c, tx, due, err);
    return rc;
}

int incident_clock_suspend(incident_ctx *c, const audit_actor *actor, int64_t id, const char *key,
                           const char *reason, xn_error *err)
{
    if (!incident_clock_def_find(key))
        return xn_fail_field(err, XN_ENOTFOUND, "no_clock", "key", "没有此时限：%s", key);
    if (free_text(reason, "reason", "暂停计时的理由（不可抗力）", true, err) != XN_OK)
        return err->status;
    change_ctx x = {.actor = actor, .id = id, .key = key, .text = reason};
    return run_change(c, suspend_tx, &x, err);
}

int incident_clock_resume(incident_ctx *c, const audit_actor *actor, int64_t id, const char *key,
                          xn_error *err)
{
    if (!incident_clock_def_find(key))
        return xn_fail_field(err, XN_ENOTFOUND, "no_clock", "key", "没有此时限：%s", key);
    change_ctx x = {.actor = actor, .id = id, .key = key, .text = NULL};
    return run_change(c, suspend_tx, &x, err);
}

static int note_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    int rc = load_open(x, tx, err);
    if (rc == XN_OK)
        rc = add_entry(tx, x->id, x->now, "note", x->actor, NULL, x->text, 0, 0, err);
    if (rc == XN_OK)
        rc = record(x->c, tx, x->actor, "incident.note", x->id, NULL, err);
    return rc;
}

int incident_note(incident_ctx *c, const audit_actor *actor, int64_t id, const char *text,
                  xn_error *err)
{
    if (free_text(text, "text", "记录内容", true, err) != XN_OK)
        return err->status;
    change_ctx x = {.actor = actor, .id = id, .text = text};
    return run_change(c, note_tx, &x, err);
}

static int step_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    int rc = load_open(x, tx, err);
    if (rc != XN_OK)
        return rc;
    const incident_kind *k = incident_kind_find(x->kind);
    int n = 0;
    while (k && n < INCIDENT_MAX_STEPS && k->steps[n])
        n++;
    if (x->step < 0 || x->step >= n)
        return xn_fail_field(err, XN_EINVAL, "bad_step", "step", "处置步骤不存在");
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO incident_step (incident_id, step, done_at, done_by) VALUES"
                       " ($1, $2, $3, $4) ON CONFLICT (incident_id, step) DO NOTHING",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->step);
    store_bind_int(st, 3, x->now);
    store_bind_text(st, 4, audit_actor_name(x->actor), -1);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    if (store_changes(tx) == 0)
        return xn_fail_field(err, XN_ECONFLICT, "step_done", "step", "该步骤已完成");
    char text[INCIDENT_MAX_TEXT + 512];
    snprintf(text, sizeof text, "完成步骤 %d：%s%s%s", x->step + 1, k->steps[x->step],
             x->text && *x->text ? "。" : "", x->text ? x->text : "");
    rc = add_entry(tx, x->id, x->now, "step", x->actor, NULL, text, 0, 0, err);
    if (rc == XN_OK)
        rc = record(x->c, tx, x->actor, "incident.step", x->id, json_pack("{s:i}", "step", x->step),
                    err);
    return rc;
}

int incident_step_done(incident_ctx *c, const audit_actor *actor, int64_t id, int step,
                       const char *note, xn_error *err)
{
    if (free_text(note, "note", "说明", false, err) != XN_OK)
        return err->status;
    change_ctx x = {.actor = actor, .id = id, .step = step, .text = note};
    return run_change(c, step_tx, &x, err);
}

static int attach_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    int rc = load_open(x, tx, err);
    if (rc == XN_OK)
        rc =
            add_entry(tx, x->id, x->now, "attachment", x->actor, NULL, x->text, x->file_id, 0, err);
    if (rc == XN_OK)
        rc = record(x->c, tx, x->actor, "incident.attach", x->id,
                    json_pack("{s:I}", "file_id", (json_int_t)x->file_id), err);
    return rc;
}

int incident_attach(incident_ctx *c, const audit_actor *actor, int64_t id, int64_t file_id,
                    const char *note, xn_error *err)
{
    if (free_text(note, "note", "说明", false, err) != XN_OK)
        return err->status;
    files_info fi;
    if (!c->opt.files || files_get(c->opt.files, file_id, &fi, err) != XN_OK)
        return xn_fail_field(err, XN_EINVAL, "bad_file", "file_id", "附件不存在");
    if (fi.uploaded_by != actor->id)
        return xn_fail_field(err, XN_EDENIED, "not_your_file", "file_id", "只能添加本人上传的附件");
    if (strcmp(fi.scan, "clean") != 0)
        return xn_fail_field(err, XN_EINVAL, "file_not_clean", "file_id",
                             strcmp(fi.scan, "infected") == 0 ? "附件染毒，已隔离，不能使用"
                             : strcmp(fi.scan, "pending") == 0 ? "附件尚未完成查毒，请稍后再试"
                                                               : "附件未经查毒，不能使用");
    char text[INCIDENT_MAX_TEXT + FILES_MAX_NAME + 64];
    snprintf(text, sizeof text, "附件：%s%s%s", fi.name, note && *note ? "。" : "",
             note ? note : "");
    change_ctx x = {.actor = actor, .id = id, .file_id = file_id, .text = text};
    return run_change(c, attach_tx, &x, err);
}

/* ---- closing ------------------------------------------------------------------------------- */

static int close_request_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    int rc = load(x, tx, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(x->state, "open") != 0)
        return xn_fail(err, XN_ECONFLICT, "not_open",
                       strcmp(x->state, "closed") == 0 ? "事件已结案"
                                                       : "结案报告已提交，等待领导审批");
    store_stmt *st;
    rc = store_prepare(
        tx,
        "UPDATE incident SET state = 'closing', close_cause = $2, close_measures = $3,"
        " close_lessons = $4, close_prevention = $5, close_requested_by = $6,"
        " close_requested_at = $7 WHERE id = $1",
        &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->close->cause, -1);
    store_bind_text(st, 3, x->close->measures, -1);
    store_bind_text(st, 4, x->close->lessons, -1);
    store_bind_text(st, 5, x->close->prevention ? x->close->prevention : "", -1);
    store_bind_int(st, 6, x->actor->id);
    store_bind_int(st, 7, x->now);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    rc = add_entry(tx, x->id, x->now, "close_requested", x->actor, NULL,
                   "提交结案报告（原因、措施、教训），等待领导审批", 0, 0, err);
    if (rc == XN_OK) {
        const incident_kind *k = incident_kind_find(x->kind);
        json_t *vars = incident_vars(x->id, x->title, k ? k : &incident_kinds[0], x->now, x->drill);
        rc = tell(x->c, tx, x->id, x->now, "incident.close_requested", INCIDENT_LEADERS, NULL, vars,
                  err);
        json_decref(vars);
    }
    if (rc == XN_OK)
        rc = record(x->c, tx, x->actor, "incident.close_request", x->id, NULL, err);
    return rc;
}

int incident_close_request(incident_ctx *c, const audit_actor *actor, int64_t id,
                           const incident_close_in *in, xn_error *err)
{
    if (free_text(in->cause, "cause", "事件原因", true, err) ||
        free_text(in->measures, "measures", "处置措施", true, err) ||
        free_text(in->lessons, "lessons", "经验教训", true, err) ||
        free_text(in->prevention, "prevention", "预防措施", false, err))
        return err->status;
    change_ctx x = {.actor = actor, .id = id, .close = in};
    return run_change(c, close_request_tx, &x, err);
}

static int close_decide_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    int rc = load(x, tx, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(x->state, "closing") != 0)
        return xn_fail(err, XN_ECONFLICT, "not_closing",
                       strcmp(x->state, "closed") == 0 ? "事件已结案" : "尚未提交结案报告");
    if (x->requested_by == x->actor->id)
        return xn_fail(err, XN_EDENIED, "own_report", "结案报告须由提交人以外的领导审批");
    store_stmt *st;
    if (x->approve) {
        rc = store_prepare(tx,
                           "UPDATE incident SET state = 'closed', closed_by = $2, closed_at = $3,"
                           " keep_until = $4 WHERE id = $1",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 2, audit_actor_name(x->actor), -1);
        store_bind_int(st, 3, x->now);
        store_bind_int(st, 4, x->now + INCIDENT_KEEP_DAYS * US_PER_DAY);
    } else {
        rc = store_prepare(tx, "UPDATE incident SET state = 'open' WHERE id = $1", &st, err);
        if (rc != XN_OK)
            return rc;
    }
    store_bind_int(st, 1, x->id);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    if (x->approve) {
        /* the clocks of a closed incident stop: nothing escalates any more */
        rc = store_prepare(tx, "UPDATE incident_clock SET next_at = NULL WHERE incident_id = $1",
                           &st, err);
        if (rc == XN_OK) {
            store_bind_int(st, 1, x->id);
            rc = store_step(st, err);
        }
        if (rc < 0)
            return rc;
    }
    char text[INCIDENT_MAX_TEXT + 64];
    snprintf(text, sizeof text, x->approve ? "领导批准结案%s%s" : "结案报告退回：%s%s",
             x->approve && x->text && *x->text ? "。" : "", x->text ? x->text : "");
    rc = add_entry(tx, x->id, x->now, x->approve ? "closed" : "close_returned", x->actor, NULL,
                   text, 0, 0, err);
    if (rc == XN_OK)
        rc = record(x->c, tx, x->actor, x->approve ? "incident.close" : "incident.close_return",
                    x->id, NULL, err);
    return rc;
}

int incident_close_decide(incident_ctx *c, const audit_actor *actor, int64_t id, bool approve,
                          const char *comment, xn_error *err)
{
    if (free_text(comment, "comment", approve ? "审批意见" : "退回意见", !approve, err) != XN_OK)
        return err->status;
    change_ctx x = {.actor = actor, .id = id, .approve = approve, .text = comment};
    return run_change(c, close_decide_tx, &x, err);
}

/* ---- the clocks' job ------------------------------------------------------------------------ */

typedef struct due_clock {
    int64_t id, due;
    char key[32];
    bool reminded, drill;
    char kind[32];
    char title[INCIDENT_MAX_TITLE + 1];
} due_clock;

typedef struct tick_ctx {
    incident_ctx *c;
    int64_t now;
    due_clock *list;
    int reminded, escalated;
    int64_t late_max;
    bool more;
} tick_ctx;

static int tick_one(tick_ctx *t, store_conn *tx, const due_clock *d, xn_error *err)
{
    const incident_clock_def *def = incident_clock_def_find(d->key);
    const incident_kind *k = incident_kind_find(d->kind);
    if (!def || !k)
        return xn_fail(err, XN_EINTERNAL, "bad_clock", "unknown clock or kind in incident %lld",
                       (long long)d->id);
    bool escalate = t->now >= d->due || d->reminded;
    store_stmt *st;
    int rc = store_prepare(tx,
                           escalate ? "UPDATE incident_clock SET escalated_at = $3, next_at = NULL,"
                                      " reminded = 1 WHERE incident_id = $1 AND key = $2"
                                    : "UPDATE incident_clock SET reminded = 1, next_at = due_at"
                                      " WHERE incident_id = $1 AND key = $2 AND $3 > 0",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, d->id);
    store_bind_text(st, 2, d->key, -1);
    store_bind_int(st, 3, t->now);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    json_t *vars = incident_vars(d->id, d->title, k, d->due, d->drill);
    char due_text[XN_TIME_STR];
    xn_time_format(d->due, due_text);
    json_object_set_new(vars, "clock", json_string(def->title));
    json_object_set_new(vars, "due", json_string(due_text));
    rc = tell(t->c, tx, d->id, t->now, escalate ? "incident.clock_overdue" : "incident.clock_due",
              escalate ? INCIDENT_LEADERS : def->group, d->key, vars, err);
    json_decref(vars);
    if (rc != XN_OK)
        return rc;
    char text[256];
    snprintf(text, sizeof text,
             escalate ? "%s：已超时（期限 %s），升级报告%s" : "%s：临近期限（%s），已提醒%s",
             def->title, due_text, escalate ? INCIDENT_LEADERS : def->group);
    rc = add_entry(tx, d->id, t->now, escalate ? "escalated" : "reminder", NULL, d->key, text, 0, 0,
                   err);
    if (rc == XN_OK && escalate)
        rc = record(t->c, tx, &audit_system_actor, "incident.escalate", d->id,
                    json_pack("{s:s, s:I}", "clock", d->key, "late_ms",
                              (json_int_t)((t->now - d->due) / 1000)),
                    err);
    if (rc == XN_OK) {
        if (escalate) {
            t->escalated++;
            if (t->now - d->due > t->late_max)
                t->late_max = t->now - d->due;
        } else {
            t->reminded++;
        }
    }
    return rc;
}

/* Brings the job forward to the next reminder or escalation of any incident. */
static int schedule_next(tick_ctx *t, store_conn *tx, xn_error *err)
{
    int64_t next = 0;
    int rc = store_query_int(tx,
                             "SELECT coalesce(min(next_at), 0) FROM incident_clock WHERE next_at"
                             " IS NOT NULL AND state = 'running'",
                             &next, err);
    return rc == XN_OK && next ? schedule_at(t->c, tx, next, err) : rc;
}

static int tick_tx(store_conn *tx, void *ctx, xn_error *err)
{
    tick_ctx *t = ctx;
    t->reminded = t->escalated = 0;
    t->late_max = 0;
    t->more = false;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT k.incident_id, k.key, k.due_at, k.reminded, i.drill, i.kind,"
                           " i.title FROM incident_clock k JOIN incident i ON i.id ="
                           " k.incident_id WHERE k.next_at <= $1 AND k.state = 'running'"
                           " ORDER BY k.next_at LIMIT $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, t->now);
    store_bind_int(st, 2, TICK_BATCH);
    size_t n = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        due_clock *d = &t->list[n++];
        d->id = store_col_int(st, 0);
        snprintf(d->key, sizeof d->key, "%s", store_col_text(st, 1));
        d->due = store_col_int(st, 2);
        d->reminded = store_col_int(st, 3) != 0;
        d->drill = store_col_int(st, 4) != 0;
        snprintf(d->kind, sizeof d->kind, "%s", store_col_text(st, 5));
        snprintf(d->title, sizeof d->title, "%s", store_col_text(st, 6));
    }
    if (rc < 0)
        return rc;
    t->more = n == TICK_BATCH;
    for (size_t i = 0; i < n; i++)
        if ((rc = tick_one(t, tx, &t->list[i], err)) != XN_OK)
            return rc;
    return schedule_next(t, tx, err);
}

/* Only the next run's schedule, when no clock is due now. */
static int schedule_tx(store_conn *tx, void *ctx, xn_error *err)
{
    tick_ctx *t = ctx;
    return schedule_next(t, tx, err);
}

int incident_clocks_tick(incident_ctx *c, int64_t now_us, json_t *summary, xn_error *err)
{
    tick_ctx t = {.c = c, .now = now_us};
    t.list = calloc(TICK_BATCH, sizeof *t.list);
    if (!t.list)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    int reminded = 0, escalated = 0, rc;
    int64_t late_max = 0;
    /* most runs find nothing due: look first without taking the write lock */
    int64_t next = 0;
    store_conn *conn;
    rc = store_acquire(c->opt.db, &conn, err);
    if (rc == XN_OK) {
        rc = store_query_int(conn,
                             "SELECT coalesce(min(next_at), 0) FROM incident_clock WHERE next_at"
                             " IS NOT NULL AND state = 'running'",
                             &next, err);
        store_release(conn);
    }
    if (rc != XN_OK || next == 0 || next > now_us) {
        free(t.list);
        /* nothing due: the next one is brought forward when it comes within the period */
        bool soon = next && next - now_us <= c->tick_s * INT64_C(1000000);
        return rc == XN_OK && soon ? store_tx(c->opt.db, schedule_tx, &t, err) : rc;
    }
    do {
        rc = store_tx(c->opt.db, tick_tx, &t, err);
        reminded += t.reminded;
        escalated += t.escalated;
        if (t.late_max > late_max)
            late_max = t.late_max;
    } while (rc == XN_OK && t.more);
    free(t.list);
    if (reminded)
        json_object_set_new(summary, "reminded", json_integer(reminded));
    if (escalated) {
        json_object_set_new(summary, "escalated", json_integer(escalated));
        json_object_set_new(summary, "late_max_ms", json_integer(late_max / 1000));
    }
    return rc;
}
