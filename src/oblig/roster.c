/*
 * The duty roster (MON-2, ORG-4, HS 附件3 读网值班): one person on duty every day, working day or
 * holiday, and a leader on duty (带班领导) on holidays and on the key dates the security
 * administrator marks; contact numbers on the roster. The person on duty checks in with what
 * was read and any anomaly (an anomaly may open an incident at once); a day whose person has
 * not checked in an hour after the shift starts tells the leaders (job duty.watch).
 */
#include "oblig/oblig_int.h"

#include <stdlib.h>
#include <string.h>

#define SHIFT_START_MIN (8 * 60 + 30) /* 08:30 Shanghai */
#define CHECKIN_GRACE   60            /* minutes before a missing check-in is told */

static int64_t rules_now(const oblig_ctx *o)
{
    return o->opt.auth ? auth_now(o->opt.auth) : xn_now_us();
}

static bool is_holiday(oblig_ctx *o, int32_t day)
{
    bool est;
    return o->opt.calendar ? !calendar_is_workday(o->opt.calendar, day, &est)
                           : xn_date_weekday(day) == 0 || xn_date_weekday(day) == 6;
}

static int key_date(store_conn *c, int32_t day, char *name, size_t size, xn_error *err)
{
    store_stmt *st;
    *name = '\0';
    int rc = store_prepare(c, "SELECT name FROM duty_key_date WHERE day = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, day);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        xn_strlcpy(name, store_col_text(st, 0), size);
        store_stmt_done(st);
    }
    return rc < 0 ? rc : XN_OK;
}

/* The person on duty on day (0: nobody planned). */
static int on_duty(store_conn *c, int32_t day, int64_t *user, xn_error *err)
{
    store_stmt *st;
    *user = 0;
    int rc = store_prepare(c, "SELECT user_id FROM duty_day WHERE day = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, day);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        *user = store_col_int(st, 0);
        store_stmt_done(st);
    }
    return rc < 0 ? rc : XN_OK;
}

/* XN_EDENIED (with message) unless actor is the day's person on duty. */
static int actor_on_duty(store_conn *c, int32_t day, const audit_actor *actor, const char *message,
                         xn_error *err)
{
    int64_t user = 0;
    int rc = on_duty(c, day, &user, err);
    if (rc == XN_OK && user != actor->id)
        rc = xn_fail(err, XN_EDENIED, "not_on_duty", "%s", message);
    return rc;
}

static json_t *person(store_conn *c, int64_t id)
{
    char name[AUTH_MAX_NAME + 1], phone[64];
    xn_error ignored;
    if (!id || auth_user_contact(c, id, name, sizeof name, phone, sizeof phone, &ignored) != XN_OK)
        return json_null();
    return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", name, "phone", phone);
}

/* The handover of the day where `cond` holds for $1 (the newest of them): {date, at, by, note},
 * or JSON null. */
static json_t *handover_json(store_conn *c, const char *cond, int32_t day)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT day, at, by_name, note FROM duty_handover WHERE %s ORDER BY day DESC LIMIT 1",
             cond);
    store_stmt *st;
    xn_error err;
    if (store_prepare(c, sql, &st, &err) != XN_OK)
        return json_null();
    store_bind_int(st, 1, day);
    json_t *out = json_null();
    if (store_step(st, &err) == STORE_ROW) {
        char date[XN_DATE_STR];
        xn_date_format((int32_t)store_col_int(st, 0), date);
        out =
            json_pack("{s:s, s:I, s:s, s:s}", "date", date, "at", (json_int_t)store_col_int(st, 1),
                      "by", store_col_text(st, 2), "note", store_col_text(st, 3));
        store_stmt_done(st);
    }
    return out;
}

int oblig_roster_json(oblig_ctx *o, const char *month, json_t **out, xn_error *err)
{
    int y = 0, m = 0;
    int32_t first, next;
    if (!month || strlen(month) != 7 || month[4] != '-' || !xn_digits(month, 4, &y) ||
        !xn_digits(month + 5, 2, &m) || !xn_date_from_ymd(y, m, 1, &first))
        return xn_fail_field(err, XN_EINVAL, "bad_month", "month", "月份格式应为 YYYY-MM");
    xn_date_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1, &next);
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    json_t *days = json_array();
    int gaps = 0, leaderless = 0;
    for (int32_t d = first; rc == XN_OK && d < next; d++) {
        char kd[128], date[XN_DATE_STR];
        rc = key_date(c, d, kd, sizeof kd, err);
        if (rc != XN_OK)
            break;
        store_stmt *st;
        int64_t user = 0, leader = 0;
        rc = store_prepare(c, "SELECT user_id, coalesce(leader_id, 0) FROM duty_day WHERE day = $1",
                           &st, err);
        if (rc != XN_OK)
            break;
        store_bind_int(st, 1, d);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            user = store_col_int(st, 0);
            leader = store_col_int(st, 1);
            store_stmt_done(st);
        }
        if (rc < 0)
            break;
        json_t *checkins = json_array();
        rc = store_prepare(c,
                           "SELECT at, read_text, coalesce(anomaly, ''), coalesce(incident_id, 0),"
                           " coalesce(read_columns, '[]') FROM duty_checkin WHERE day = $1"
                           " ORDER BY id",
                           &st, err);
        if (rc != XN_OK) {
            json_decref(checkins);
            break;
        }
        store_bind_int(st, 1, d);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            json_t *cols = json_loads(store_col_text(st, 4), 0, NULL);
            json_array_append_new(checkins, json_pack("{s:I, s:s, s:o, s:s, s:I}", "at",
                                                      (json_int_t)store_col_int(st, 0), "read",
                                                      store_col_text(st, 1), "columns",
                                                      cols ? cols : json_array(), "anomaly",
                                                      store_col_text(st, 2), "incident_id",
                                                      (json_int_t)store_col_int(st, 3)));
        }
        if (rc < 0) {
            json_decref(checkins);
            break;
        }
        rc = XN_OK;
        bool holiday = is_holiday(o, d);
        bool needs_leader = holiday || *kd;
        gaps += user == 0;
        leaderless += needs_leader && leader == 0;
        xn_date_format(d, date);
        json_t *day = json_pack(
            "{s:s, s:i, s:b, s:b, s:o, s:o, s:o, s:o}", "date", date, "weekday", xn_date_weekday(d),
            "holiday", holiday, "needs_leader", needs_leader, "on_duty", person(c, user), "leader",
            person(c, leader), "checkins", checkins, "handover", handover_json(c, "day = $1", d));
        if (*kd)
            json_object_set_new(day, "key_date", json_string(kd));
        json_array_append_new(days, day);
    }
    json_t *last = rc == XN_OK ? handover_json(c, "day < $1", xn_date_of(rules_now(o))) : NULL;
    store_release(c);
    if (rc != XN_OK) {
        json_decref(days);
        return rc;
    }
    *out = json_pack("{s:s, s:o, s:i, s:i, s:o}", "month", month, "days", days, "gaps", gaps,
                     "without_leader", leaderless, "last_handover", last ? last : json_null());
    return XN_OK;
}

static bool holds(store_conn *c, int64_t user, const char *role)
{
    store_stmt *st;
    xn_error err;
    if (store_prepare(c,
                      "SELECT 1 FROM user_role ur JOIN role r ON r.id = ur.role_id JOIN app_user u"
                      " ON u.id = ur.user_id WHERE ur.user_id = $1 AND r.code = $2"
                      " AND u.status = 'active'",
                      &st, &err) != XN_OK)
        return false;
    store_bind_int(st, 1, user);
    store_bind_text(st, 2, role, -1);
    int rc = store_step(st, &err);
    if (rc == STORE_ROW)
        store_stmt_done(st);
    return rc == STORE_ROW;
}

typedef struct plan_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    int32_t day;
    int64_t user, leader;
    const char *key_name;
} plan_ctx;

static int record(oblig_ctx *o, store_conn *tx, const audit_actor *actor, const char *action,
                  const char *type, const char *id, json_t *detail, xn_error *err)
{
    char *dj = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    audit_event ev = {.action = action,
                      .actor = actor,
                      .object_type = type,
                      .object_id = id,
                      .result = AUDIT_OK,
                      .detail_json = dj};
    int rc = audit_append(o->opt.trail, tx, &ev, err);
    free(dj);
    return rc;
}

static int plan_tx(store_conn *tx, void *ctx, xn_error *err)
{
    plan_ctx *x = ctx;
    if (!holds(tx, x->user, "duty"))
        return xn_fail_field(err, XN_EINVAL, "not_duty", "user_id", "值班人员须为在岗的值班员");
    if (x->leader && !holds(tx, x->leader, "leader"))
        return xn_fail_field(err, XN_EINVAL, "not_leader", "leader_id", "带班领导须为在岗的领导");
    if (x->leader == x->user)
        return xn_fail_field(err, XN_EINVAL, "same_person", "leader_id",
                             "带班领导与值班人员不能是同一人");
    char kd[128];
    int rc = key_date(tx, x->day, kd, sizeof kd, err);
    if (rc != XN_OK)
        return rc;
    if (!x->leader && (is_holiday(x->o, x->day) || *kd))
        return xn_fail_field(err, XN_EINVAL, "leader_required", "leader_id",
                             "节假日和重要时间节点须安排带班领导");
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO duty_day (day, user_id, leader_id, planned_by, planned_at)"
                       " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day) DO UPDATE SET"
                       " user_id = excluded.user_id, leader_id = excluded.leader_id,"
                       " planned_by = excluded.planned_by, planned_at = excluded.planned_at",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->day);
    store_bind_int(st, 2, x->user);
    if (x->leader)
        store_bind_int(st, 3, x->leader);
    else
        store_bind_null(st, 3);
    store_bind_text(st, 4, audit_actor_name(x->actor), -1);
    store_bind_int(st, 5, rules_now(x->o));
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    char date[XN_DATE_STR];
    xn_date_format(x->day, date);
    return record(
        x->o, tx, x->actor, "duty.plan", "duty_day", date,
        json_pack("{s:I, s:I}", "user_id", (json_int_t)x->user, "leader_id", (json_int_t)x->leader),
        err);
}

int oblig_roster_set(oblig_ctx *o, const audit_actor *actor, const char *date, int64_t user,
                     int64_t leader, xn_error *err)
{
    int32_t day;
    if (!date || !xn_date_parse(date, strlen(date), &day))
        return xn_fail_field(err, XN_EINVAL, "bad_date", "date", "日期格式应为 YYYY-MM-DD");
    if (day < xn_date_of(rules_now(o)))
        return xn_fail_field(err, XN_EINVAL, "past_date", "date", "不能改排已经过去的日期");
    if (user <= 0)
        return xn_fail_field(err, XN_EINVAL, "required", "user_id", "须指定值班人员");
    plan_ctx x = {.o = o, .actor = actor, .day = day, .user = user, .leader = leader};
    return store_tx(o->opt.db, plan_tx, &x, err);
}

static int key_date_tx(store_conn *tx, void *ctx, xn_error *err)
{
    plan_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO duty_key_date (day, name) VALUES ($1, $2)"
                           " ON CONFLICT (day) DO UPDATE SET name = excluded.name",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->day);
    store_bind_text(st, 2, x->key_name, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    char date[XN_DATE_STR];
    xn_date_format(x->day, date);
    return record(x->o, tx, x->actor, "duty.key_date", "duty_day", date,
                  json_pack("{s:s}", "name", x->key_name), err);
}

int oblig_key_date_set(oblig_ctx *o, const audit_actor *actor, const char *date, const char *name,
                       xn_error *err)
{
    int32_t day;
    if (!date || !xn_date_parse(date, strlen(date), &day))
        return xn_fail_field(err, XN_EINVAL, "bad_date", "date", "日期格式应为 YYYY-MM-DD");
    int rc = xn_check_text(name, 120, XN_TEXT_LABEL, true, "name", "重要时间节点名称", err);
    if (rc != XN_OK)
        return rc;
    plan_ctx x = {.o = o, .actor = actor, .day = day, .key_name = name};
    return store_tx(o->opt.db, key_date_tx, &x, err);
}

typedef struct checkin_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    int32_t day;
    const char *read, *anomaly;
    json_t *columns; /* [{id, name}] read, or NULL */
    int64_t incident_id;
    int64_t id;
} checkin_ctx;

static int checkin_tx(store_conn *tx, void *ctx, xn_error *err)
{
    checkin_ctx *x = ctx;
    store_stmt *st;
    int64_t user = x->actor->id;
    int rc = actor_on_duty(tx, x->day, x->actor, "您不是今日的值班人员", err);
    if (rc != XN_OK)
        return rc;
    rc =
        store_prepare(tx,
                      "INSERT INTO duty_checkin (day, user_id, at, read_text, anomaly, incident_id,"
                      " read_columns) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                      &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->day);
    store_bind_int(st, 2, user);
    store_bind_int(st, 3, rules_now(x->o));
    store_bind_text(st, 4, x->read, -1);
    if (x->anomaly && *x->anomaly)
        store_bind_text(st, 5, x->anomaly, -1);
    else
        store_bind_null(st, 5);
    if (x->incident_id)
        store_bind_int(st, 6, x->incident_id);
    else
        store_bind_null(st, 6);
    char *cols = x->columns ? json_dumps(x->columns, JSON_COMPACT) : NULL;
    if (cols)
        store_bind_text(st, 7, cols, -1);
    else
        store_bind_null(st, 7);
    free(cols);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        x->id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    char date[XN_DATE_STR];
    xn_date_format(x->day, date);
    json_t *detail = json_pack("{s:s}", "read", x->read);
    if (x->columns)
        json_object_set(detail, "columns", x->columns);
    if (x->anomaly && *x->anomaly)
        json_object_set_new(detail, "anomaly", json_string(x->anomaly));
    if (x->incident_id)
        json_object_set_new(detail, "incident_id", json_integer(x->incident_id));
    return record(x->o, tx, x->actor, "duty.checkin", "duty_day", date, detail, err);
}

/* The columns read, by id: [{id, name}] with today's names; XN_EINVAL naming "columns" for
 * anything that is not a list of existing columns' ids. */
static int read_columns(store_conn *c, const json_t *ids, json_t **out, xn_error *err)
{
    *out = NULL;
    if (!ids || json_is_null(ids))
        return XN_OK;
    if (!json_is_array(ids) || json_array_size(ids) > 500)
        return xn_fail_field(err, XN_EINVAL, "bad_columns", "columns",
                             "已读栏目须为栏目编号的列表（至多 500 个）");
    json_t *list = json_array();
    size_t i;
    json_t *v;
    int rc = XN_OK;
    json_array_foreach(ids, i, v)
    {
        if (!json_is_integer(v)) {
            rc = xn_fail_field(err, XN_EINVAL, "bad_columns", "columns", "栏目编号须为整数");
            break;
        }
        store_stmt *st;
        rc = store_prepare(c, "SELECT name FROM publish_column WHERE id = $1", &st, err);
        if (rc != XN_OK)
            break;
        store_bind_int(st, 1, json_integer_value(v));
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            json_array_append_new(list, json_pack("{s:I, s:s}", "id", json_integer_value(v), "name",
                                                  store_col_text(st, 0)));
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc >= 0) {
            rc = xn_fail_field(err, XN_EINVAL, "no_column", "columns", "栏目 #%lld 不存在",
                               (long long)json_integer_value(v));
        }
        if (rc != XN_OK)
            break;
    }
    if (rc != XN_OK)
        json_decref(list);
    else
        *out = list;
    return rc;
}

int oblig_duty_columns_json(oblig_ctx *o, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    json_t *items = json_array();
    rc = store_prepare(c, "SELECT id, name FROM publish_column ORDER BY id", &st, err);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        json_array_append_new(items, json_pack("{s:I, s:s}", "id", (json_int_t)store_col_int(st, 0),
                                               "name", store_col_text(st, 1)));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

int oblig_checkin(oblig_ctx *o, const audit_actor *actor, const char *read, const json_t *columns,
                  const char *anomaly, bool open_incident, int64_t *incident_id, xn_error *err)
{
    int rc = xn_check_text(read, OBLIG_MAX_REASON, XN_TEXT_FREE, true, "read", "读网情况", err);
    if (rc == XN_OK)
        rc = xn_check_text(anomaly, OBLIG_MAX_REASON, XN_TEXT_FREE, open_incident, "anomaly",
                           "异常情况", err);
    if (rc != XN_OK)
        return rc;
    checkin_ctx x = {
        .o = o, .actor = actor, .day = xn_date_of(rules_now(o)), .read = read, .anomaly = anomaly};
    /* on duty today? (checked again in the transaction; an incident is not opened for a
     * stranger) */
    store_conn *c;
    if ((rc = store_acquire(o->opt.db, &c, err)) != XN_OK)
        return rc;
    rc = actor_on_duty(c, x.day, actor, "您不是今日的值班人员", err);
    if (rc == XN_OK)
        rc = read_columns(c, columns, &x.columns, err);
    store_release(c);
    if (rc != XN_OK)
        return rc;
    if (open_incident && o->opt.incidents) {
        char title[600];
        snprintf(title, sizeof title, "读网值班发现异常：%.160s", anomaly);
        incident_in in = {.kind = "other",
                          .title = title,
                          .site_affected = -1,
                          .note = anomaly,
                          .source = "duty"};
        rc = incident_open(o->opt.incidents, actor, &in, &x.incident_id, NULL, err);
        if (rc != XN_OK) {
            json_decref(x.columns);
            return rc;
        }
    }
    rc = store_tx(o->opt.db, checkin_tx, &x, err);
    json_decref(x.columns);
    if (rc == XN_OK && incident_id)
        *incident_id = x.incident_id;
    return rc;
}

typedef struct handover_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    const char *note;
} handover_ctx;

static int handover_tx(store_conn *tx, void *ctx, xn_error *err)
{
    handover_ctx *x = ctx;
    int32_t day = xn_date_of(rules_now(x->o));
    int64_t user = x->actor->id;
    int rc = actor_on_duty(tx, day, x->actor, "您不是今日的值班人员", err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx, "SELECT 1 FROM duty_checkin WHERE day = $1 AND user_id = $2 LIMIT 1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, day);
    store_bind_int(st, 2, user);
    rc = store_step(st, err);
    if (rc == STORE_ROW)
        store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW)
        return xn_fail(err, XN_ECONFLICT, "not_checked_in", "请先签到，再交班");
    rc = store_prepare(tx,
                       "INSERT INTO duty_handover (day, user_id, by_name, at, note) VALUES ($1, $2,"
                       " $3, $4, $5) ON CONFLICT (day) DO NOTHING",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, day);
    store_bind_int(st, 2, user);
    store_bind_text(st, 3, audit_actor_name(x->actor), -1);
    store_bind_int(st, 4, rules_now(x->o));
    store_bind_text(st, 5, x->note, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (store_changes(tx) == 0)
        return xn_fail(err, XN_ECONFLICT, "handed_over", "今日已交班");
    char date[XN_DATE_STR];
    xn_date_format(day, date);
    return record(x->o, tx, x->actor, "duty.handover", "duty_day", date,
                  json_pack("{s:s}", "note", x->note), err);
}

int oblig_handover(oblig_ctx *o, const audit_actor *actor, const char *note, xn_error *err)
{
    int rc = xn_check_text(note, OBLIG_MAX_REASON, XN_TEXT_FREE, true, "note", "交班事项", err);
    if (rc != XN_OK)
        return rc;
    handover_ctx x = {.o = o, .actor = actor, .note = note};
    return store_tx(o->opt.db, handover_tx, &x, err);
}

/* ---- the missing check-in ---------------------------------------------------------------- */

typedef struct watch_ctx {
    oblig_ctx *o;
    int32_t day;
    int told;
} watch_ctx;

static int watch_tx(store_conn *tx, void *ctx, xn_error *err)
{
    watch_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE duty_day SET planned_at = planned_at WHERE day = $1"
                           " AND missed_told = 0 AND NOT EXISTS (SELECT 1 FROM duty_checkin c"
                           " WHERE c.day = duty_day.day) RETURNING user_id,"
                           " coalesce(leader_id, 0)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->day);
    int64_t user = 0, leader = 0;
    if ((rc = store_step(st, err)) == STORE_ROW) {
        user = store_col_int(st, 0);
        leader = store_col_int(st, 1);
        store_stmt_done(st);
    }
    if (rc < 0 || !user)
        return rc < 0 ? rc : XN_OK;
    rc = store_prepare(tx, "UPDATE duty_day SET missed_told = 1 WHERE day = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->day);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    char name[AUTH_MAX_NAME + 1] = "", phone[64] = "", date[XN_DATE_STR];
    xn_error ignored;
    auth_user_contact(tx, user, name, sizeof name, phone, sizeof phone, &ignored);
    xn_date_format(x->day, date);
    json_t *vars = json_pack("{s:s, s:s, s:s}", "date", date, "name", name, "phone", phone);
    /* the leading group's channels, and the leader on duty in person */
    rc = x->o->opt.notify ? notify_raise(x->o->opt.notify, tx, "duty.checkin_missed", "领导小组",
                                         "duty_day", date, vars, NULL, err)
                          : XN_OK;
    if (rc == XN_OK && leader && x->o->opt.notify)
        rc = notify_raise_to_users(x->o->opt.notify, tx, "duty.checkin_missed", &leader, 1,
                                   "duty_day", date, vars, err);
    json_decref(vars);
    if (rc == XN_OK)
        rc = record(x->o, tx, &audit_system_actor, "duty.checkin_missed", "duty_day", date,
                    json_pack("{s:I}", "user_id", (json_int_t)user), err);
    x->told += rc == XN_OK;
    return rc;
}

int oblig_duty_watch(oblig_ctx *o, json_t *summary, xn_error *err)
{
    int64_t now = rules_now(o);
    int32_t today = xn_date_of(now);
    int64_t minute = (now / 60000000 + 8 * 60) % (24 * 60); /* Shanghai minutes of the day */
    if (minute < SHIFT_START_MIN + CHECKIN_GRACE)
        return XN_OK;
    watch_ctx x = {.o = o, .day = today};
    int rc = store_tx(o->opt.db, watch_tx, &x, err);
    if (rc == XN_OK && x.told)
        json_object_set_new(summary, "told", json_integer(x.told));
    return rc;
}

/* ---- swaps (a leader approves) ---------------------------------------------------------- */

typedef struct swap_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    int32_t day;
    int64_t id, to_user;
    const char *reason;
    bool approve;
} swap_ctx;

static int swap_ask_tx(store_conn *tx, void *ctx, xn_error *err)
{
    swap_ctx *x = ctx;
    store_stmt *st;
    int64_t user = x->actor->id;
    int rc = actor_on_duty(tx, x->day, x->actor, "只有当天的值班人员可以申请换班", err);
    if (rc != XN_OK)
        return rc;
    if (x->to_user == user || !holds(tx, x->to_user, "duty"))
        return xn_fail_field(err, XN_EINVAL, "not_duty", "to_user_id",
                             "替班人员须为另一名在岗的值班员");
    rc = store_prepare(tx,
                       "INSERT INTO duty_swap (day, from_user, to_user, reason, state, asked_at)"
                       " VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->day);
    store_bind_int(st, 2, user);
    store_bind_int(st, 3, x->to_user);
    store_bind_text(st, 4, x->reason, -1);
    store_bind_int(st, 5, rules_now(x->o));
    if ((rc = store_step(st, err)) == STORE_ROW) {
        x->id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    char date[XN_DATE_STR];
    xn_date_format(x->day, date);
    return record(
        x->o, tx, x->actor, "duty.swap_ask", "duty_day", date,
        json_pack("{s:I, s:s}", "to_user_id", (json_int_t)x->to_user, "reason", x->reason), err);
}

int oblig_swap_ask(oblig_ctx *o, const audit_actor *actor, const char *date, int64_t to_user,
                   const char *reason, int64_t *id, xn_error *err)
{
    int32_t day;
    if (!date || !xn_date_parse(date, strlen(date), &day))
        return xn_fail_field(err, XN_EINVAL, "bad_date", "date", "日期格式应为 YYYY-MM-DD");
    if (day < xn_date_of(rules_now(o)))
        return xn_fail_field(err, XN_EINVAL, "past_date", "date", "不能为已经过去的日期换班");
    int rc = xn_check_text(reason, OBLIG_MAX_REASON, XN_TEXT_FREE, true, "reason", "换班原因", err);
    if (rc != XN_OK)
        return rc;
    swap_ctx x = {.o = o, .actor = actor, .day = day, .to_user = to_user, .reason = reason};
    rc = store_tx(o->opt.db, swap_ask_tx, &x, err);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}

static int swap_decide_tx(store_conn *tx, void *ctx, xn_error *err)
{
    swap_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT day, from_user, to_user, state FROM duty_swap WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "换班申请不存在");
    if (rc < 0)
        return rc;
    int32_t day = (int32_t)store_col_int(st, 0);
    int64_t from = store_col_int(st, 1), to = store_col_int(st, 2);
    bool pending = strcmp(store_col_text(st, 3), "pending") == 0;
    store_stmt_done(st);
    if (!pending)
        return xn_fail(err, XN_ECONFLICT, "decided", "该换班申请已处理");
    if (x->actor->id == from || x->actor->id == to)
        return xn_fail(err, XN_EDENIED, "own_swap", "换班当事人不能审批自己的换班");
    rc = store_prepare(tx,
                       "UPDATE duty_swap SET state = $2, decided_by = $3, decided_at = $4"
                       " WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->approve ? "approved" : "rejected", -1);
    store_bind_text(st, 3, audit_actor_name(x->actor), -1);
    store_bind_int(st, 4, rules_now(x->o));
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc >= 0 && x->approve) {
        rc = store_prepare(tx, "UPDATE duty_day SET user_id = $2 WHERE day = $1 AND user_id = $3",
                           &st, err);
        if (rc == XN_OK) {
            store_bind_int(st, 1, day);
            store_bind_int(st, 2, to);
            store_bind_int(st, 3, from);
            rc = store_step(st, err);
            store_stmt_done(st);
        }
    }
    if (rc < 0)
        return rc;
    char date[XN_DATE_STR];
    xn_date_format(day, date);
    return record(x->o, tx, x->actor, "duty.swap_decide", "duty_day", date,
                  json_pack("{s:I, s:b}", "swap_id", (json_int_t)x->id, "approve", x->approve),
                  err);
}

int oblig_swap_decide(oblig_ctx *o, const audit_actor *actor, int64_t id, bool approve,
                      xn_error *err)
{
    swap_ctx x = {.o = o, .actor = actor, .id = id, .approve = approve};
    return store_tx(o->opt.db, swap_decide_tx, &x, err);
}

/* The active 值班员, one of whom a person on duty may ask to stand in. */
static const char STAND_INS_SQL[] =
    "SELECT u.id, u.real_name FROM app_user u JOIN user_role ur ON ur.user_id = u.id"
    " JOIN role r ON r.id = ur.role_id WHERE r.code = 'duty' AND u.status = 'active'"
    " ORDER BY u.id LIMIT 500";

int oblig_swaps_json(oblig_ctx *o, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT s.id, s.day, s.state, s.reason, coalesce(a.real_name, ''),"
                       " coalesce(b.real_name, ''), coalesce(s.decided_by, '') FROM duty_swap s"
                       " LEFT JOIN app_user a ON a.id = s.from_user"
                       " LEFT JOIN app_user b ON b.id = s.to_user ORDER BY s.id DESC LIMIT 200",
                       &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW) {
        char date[XN_DATE_STR];
        xn_date_format((int32_t)store_col_int(st, 1), date);
        json_array_append_new(items,
                              json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                                        (json_int_t)store_col_int(st, 0), "date", date, "state",
                                        store_col_text(st, 2), "reason", store_col_text(st, 3),
                                        "from", store_col_text(st, 4), "to", store_col_text(st, 5),
                                        "decided_by", store_col_text(st, 6)));
    }
    json_t *people = json_array();
    if (rc == STORE_DONE && (rc = store_prepare(c, STAND_INS_SQL, &st, err)) == XN_OK) {
        while ((rc = store_step(st, err)) == STORE_ROW)
            json_array_append_new(people,
                                  json_pack("{s:I, s:s}", "id", (json_int_t)store_col_int(st, 0),
                                            "name", store_col_text(st, 1)));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        json_decref(people);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "items", items, "people", people);
    return XN_OK;
}
