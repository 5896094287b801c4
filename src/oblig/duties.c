/*
 * Periodic duties (OBL): each a rule, an owner and the evidence that fulfils it, shipped as a
 * table and kept in the database, where the security administrator may change the owner, the
 * rule and whether it applies (audited). A duty's current period and the one before are
 * computed from the rule on Shanghai dates; the due date is the period's last working day on
 * the working-day calendar. Evidence xinan holds itself (the yearly account review, a drill,
 * a training row, a verification of the audit trail) is found on its own; the rest is
 * attached by the owner as a clean file with a note.
 */
#include "oblig/oblig_int.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
const oblig_duty oblig_duties[] = {
    {"backup_daily", "每日增量备份", "BAK-1", "daily", 1, "sysadmin", "file"},
    {"backup_weekly", "每周全量备份及备份日志", "BAK-1,BAK-2", "weekly", 1, "sysadmin", "file"},
    {"media_check", "长期保存介质年度检查", "BAK-3,LED-3", "yearly", 1, "device_admin", "file"},
    {"restore_drill", "备份恢复演练", "BAK-4", "yearly", 1, "sysadmin", "file"},
    {"password_age", "口令期限检查", "ACC-10", "monthly", 1, "secadmin", "file"},
    {"account_review", "年度账号复核", "ACC-14", "yearly", 1, "secadmin", "account_review"},
    {"risk_internal", "季度内部风险评估", "RSK-1", "quarterly", 1, "secadmin", "file"},
    {"risk_external", "年度外部风险评估", "RSK-1", "yearly", 1, "secadmin", "file"},
    {"self_inspection", "半年安全自查", "RSK-2", "half_yearly", 1, "secadmin", "file"},
    {"drill", "年度应急演练", "INC-5", "yearly", 1, "secadmin", "drill"},
    {"training", "年度安全培训", "LED-8", "yearly", 1, "secadmin", "training"},
    {"audit_verify", "审计记录校验", "AUD-2", "monthly", 1, "auditor", "verification"},
    {"ip_reconcile", "设备与 IP 地址月度核对", "MON-8", "monthly", 1, "network_admin", "file"},
    {"new_media_activity", "政务新媒体活跃度检查", "MON-5", "days", 15, "secadmin", "file"},
    {"new_media_notice", "政务新媒体月度书面通报", "MON-5", "monthly", 1, "secadmin", "file"},
};
/* clang-format on */
const size_t oblig_duties_count = sizeof oblig_duties / sizeof oblig_duties[0];

static const char *const rules[] = {"daily",       "weekly", "monthly", "quarterly",
                                    "half_yearly", "yearly", "days",    NULL};

bool oblig_rule_valid(const char *rule, int every)
{
    for (int i = 0; rules[i]; i++)
        if (strcmp(rule, rules[i]) == 0)
            return strcmp(rule, "days") == 0 ? every >= 1 && every <= 366 : every == 1;
    return false;
}

/* The period of `rule` holding day: its first day, the first day after it and its key. */
void oblig_period(const char *rule, int every, int32_t day, int32_t *start, int32_t *end,
                  char key[24])
{
    int y, m, d;
    xn_date_ymd(day, &y, &m, &d);
    if (strcmp(rule, "daily") == 0) {
        *start = day;
        *end = day + 1;
        xn_date_format(day, key);
    } else if (strcmp(rule, "weekly") == 0) {
        int wd = (xn_date_weekday(day) + 6) % 7; /* Monday 0 */
        *start = day - wd;
        *end = *start + 7;
        char first[XN_DATE_STR];
        xn_date_format(*start, first);
        snprintf(key, 24, "W%s", first);
    } else if (strcmp(rule, "days") == 0) {
        int32_t n = every > 0 ? every : 1;
        *start = day - day % n;
        *end = *start + n;
        char first[XN_DATE_STR];
        xn_date_format(*start, first);
        snprintf(key, 24, "D%d-%s", (int)n, first);
    } else {
        int months = strcmp(rule, "monthly") == 0       ? 1
                     : strcmp(rule, "quarterly") == 0   ? 3
                     : strcmp(rule, "half_yearly") == 0 ? 6
                                                        : 12;
        int first_m = (m - 1) / months * months + 1;
        xn_date_from_ymd(y, first_m, 1, start);
        int ny = first_m + months > 12 ? y + 1 : y;
        int nm = first_m + months > 12 ? first_m + months - 12 : first_m + months;
        xn_date_from_ymd(ny, nm, 1, end);
        if (months == 12)
            snprintf(key, 24, "%04d", y);
        else if (months == 6)
            snprintf(key, 24, "%04d-H%d", y, first_m == 1 ? 1 : 2);
        else if (months == 3)
            snprintf(key, 24, "%04d-Q%d", y, (first_m - 1) / 3 + 1);
        else
            snprintf(key, 24, "%04d-%02d", y, m);
    }
}

int oblig_duties_seed(oblig_ctx *o, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    int64_t now = o->opt.auth ? auth_now(o->opt.auth) : xn_now_us();
    for (size_t i = 0; rc == XN_OK && i < oblig_duties_count; i++) {
        const oblig_duty *d = &oblig_duties[i];
        store_stmt *st;
        rc = store_prepare(c,
                           "INSERT INTO obligation (key, title, reqs, rule, every, owner_role,"
                           " evidence_kind, enabled, created_at, updated_at, updated_by)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, '系统')"
                           " ON CONFLICT (key) DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            break;
        store_bind_text(st, 1, d->key, -1);
        store_bind_text(st, 2, d->title, -1);
        store_bind_text(st, 3, d->reqs, -1);
        store_bind_text(st, 4, d->rule, -1);
        store_bind_int(st, 5, d->every);
        store_bind_text(st, 6, d->owner, -1);
        store_bind_text(st, 7, d->evidence, -1);
        store_bind_int(st, 8, now);
        rc = store_step(st, err);
        store_stmt_done(st);
        rc = rc < 0 ? rc : XN_OK;
    }
    store_release(c);
    return rc;
}

static int64_t day_us(int32_t day)
{
    return ((int64_t)day * 86400 - 8 * 3600) * 1000000; /* Shanghai midnight */
}

static const char *rule_text(const char *rule, int every, char *buf, size_t size)
{
    if (strcmp(rule, "days") == 0) {
        snprintf(buf, size, "每 %d 天", every);
        return buf;
    }
    return strcmp(rule, "daily") == 0         ? "每日"
           : strcmp(rule, "weekly") == 0      ? "每周"
           : strcmp(rule, "monthly") == 0     ? "每月"
           : strcmp(rule, "quarterly") == 0   ? "每季度"
           : strcmp(rule, "half_yearly") == 0 ? "每半年"
                                              : "每年";
}

/* The period's last working day: its due date. */
static int32_t due_day(oblig_ctx *o, int32_t start, int32_t end)
{
    for (int32_t d = end - 1; d >= start; d--) {
        bool est;
        if (!o->opt.calendar || calendar_is_workday(o->opt.calendar, d, &est))
            return d;
    }
    return end - 1;
}

/* The job kind a "job:<kind>" evidence names, when its every run is kept; else NULL. */
static const jobs_kind *evidence_job(const oblig_ctx *o, const char *evidence)
{
    if (strncmp(evidence, "job:", 4) != 0)
        return NULL;
    for (size_t i = 0; i < o->opt.njob_kinds; i++) {
        const jobs_kind *k = &o->opt.job_kinds[i];
        if (strcmp(k->name, evidence + 4) == 0)
            return k->period_s >= JOBS_EVERY_RUN_KEPT_S ? k : NULL;
    }
    return NULL;
}

json_t *oblig_job_kinds_json(const oblig_ctx *o)
{
    json_t *items = json_array();
    for (size_t i = 0; i < o->opt.njob_kinds; i++) {
        const jobs_kind *k = &o->opt.job_kinds[i];
        if (k->period_s >= JOBS_EVERY_RUN_KEPT_S)
            json_array_append_new(items, json_pack("{s:s, s:s, s:I}", "name", k->name, "title",
                                                   k->title, "period_s", (json_int_t)k->period_s));
    }
    return json_pack("{s:o}", "items", items);
}

/* The person a "user:<id>" owner names; 0 for a role. */
static int64_t owner_person(const char *owner)
{
    if (strncmp(owner, "user:", 5) != 0)
        return 0;
    char *end;
    long long id = strtoll(owner + 5, &end, 10);
    return *end == '\0' && id > 0 ? id : -1;
}

/* Whether who owns a duty of that owner: holds the role, or is the person. */
static bool owns(const auth_principal *who, const char *owner)
{
    int64_t person = owner_person(owner);
    if (person)
        return who && who->user_id == person;
    for (int i = 0; who && i < who->nroles; i++)
        if (strcmp(who->roles[i], owner) == 0)
            return true;
    return false;
}

/* The owner's query, bound: person_sql with the person's id, or role_sql with the role's code. */
static int prepare_for_owner(store_conn *tx, const char *owner, const char *person_sql,
                             const char *role_sql, store_stmt **st, xn_error *err)
{
    int64_t person = owner_person(owner);
    int rc = store_prepare(tx, person ? person_sql : role_sql, st, err);
    if (rc != XN_OK)
        return rc;
    return person ? store_bind_int(*st, 1, person) : store_bind_text(*st, 1, owner, -1);
}

/* An owner that may be given a duty: an existing role, or an active account. */
static int check_owner(store_conn *tx, const char *owner, xn_error *err)
{
    int64_t person = owner_person(owner);
    store_stmt *st;
    int rc =
        prepare_for_owner(tx, owner, "SELECT 1 FROM app_user WHERE id = $1 AND status = 'active'",
                          "SELECT 1 FROM role WHERE code = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        store_stmt_done(st);
        return XN_OK;
    }
    if (rc < 0)
        return rc;
    return person ? xn_fail_field(err, XN_EINVAL, "bad_owner", "owner", "负责人须为在用的账号")
                  : xn_fail_field(err, XN_EINVAL, "bad_owner", "owner", "负责岗位不存在");
}

/* Evidence of one period: what xinan holds itself and what was attached. */
static int period_evidence(oblig_ctx *o, store_conn *c, int64_t id, const char *kind,
                           const char *period, int32_t start, int32_t end, json_t *out,
                           xn_error *err)
{
    static const struct {
        const char *kind, *sql, *text;
    } auto_kinds[] = {
        {"account_review",
         "SELECT count(*), coalesce(max(at), 0) FROM account_review"
         " WHERE at >= $1 AND at < $2",
         "年度账号复核记录"},
        {"drill",
         "SELECT count(*), coalesce(max(held_at), 0) FROM incident_drill"
         " WHERE held_at >= $1 AND held_at < $2",
         "应急演练记录"},
        {"training",
         "SELECT count(*), coalesce(max(created_at), 0) FROM register_row"
         " WHERE reg = 'trainings' AND created_at >= $1 AND created_at < $2",
         "安全培训台账记录"},
        {"verification",
         "SELECT count(*), coalesce(max(at), 0) FROM audit_verification"
         " WHERE intact = 1 AND at >= $1 AND at < $2",
         "审计记录校验（完整）"},
    };
    store_stmt *st;
    int rc;
    /* a duty of the unit's own kept in a register: a row entered or changed in the period */
    const register_def *reg = strncmp(kind, "register:", 9) == 0 ? register_find(kind + 9) : NULL;
    if (reg) {
        rc = store_prepare(c,
                           "SELECT count(*), coalesce(max(h.at), 0) FROM register_history h"
                           " JOIN register_row r ON r.id = h.row_id WHERE r.reg = $3"
                           " AND h.at >= $1 AND h.at < $2",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, day_us(start));
        store_bind_int(st, 2, day_us(end));
        store_bind_text(st, 3, reg->key, -1);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            int64_t n = store_col_int(st, 0), at = store_col_int(st, 1);
            store_stmt_done(st);
            char text[160];
            snprintf(text, sizeof text, "%s：本期 %lld 次登记或变更", reg->name, (long long)n);
            if (n > 0)
                json_array_append_new(out, json_pack("{s:s, s:s, s:I}", "kind", kind, "text", text,
                                                     "at", (json_int_t)at));
        }
        if (rc < 0)
            return rc;
    }
    /* a job kind whose every run is kept: its successful runs in the period; runs are kept at
     * wall-clock times, the period is on the rules' clock (which the test clock moves) */
    const jobs_kind *job = evidence_job(o, kind);
    if (job) {
        int64_t shift = o->opt.auth ? auth_now(o->opt.auth) - xn_now_us() : 0;
        rc =
            store_prepare(c,
                          "SELECT count(*), coalesce(max(ended_at), 0) FROM job_run"
                          " WHERE kind = $3 AND result = 'ok' AND ended_at >= $1 AND ended_at < $2",
                          &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, day_us(start) - shift);
        store_bind_int(st, 2, day_us(end) - shift);
        store_bind_text(st, 3, job->name, -1);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            int64_t n = store_col_int(st, 0), at = store_col_int(st, 1);
            store_stmt_done(st);
            char text[200];
            snprintf(text, sizeof text, "系统任务“%s”本期成功运行 %lld 次", job->title,
                     (long long)n);
            if (n > 0)
                json_array_append_new(out, json_pack("{s:s, s:s, s:I}", "kind", kind, "text", text,
                                                     "at", (json_int_t)(at + shift)));
        }
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < sizeof auto_kinds / sizeof auto_kinds[0]; i++) {
        if (strcmp(kind, auto_kinds[i].kind) != 0)
            continue;
        rc = store_prepare(c, auto_kinds[i].sql, &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, day_us(start));
        store_bind_int(st, 2, day_us(end));
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            int64_t n = store_col_int(st, 0), at = store_col_int(st, 1);
            store_stmt_done(st);
            if (n > 0) {
                char t[XN_TIME_STR];
                xn_time_format(at, t);
                t[10] = '\0';
                json_array_append_new(out, json_pack("{s:s, s:s, s:I}", "kind", kind, "text",
                                                     auto_kinds[i].text, "at", (json_int_t)at));
                (void)t;
            }
        }
        if (rc < 0)
            return rc;
    }
    rc = store_prepare(c,
                       "SELECT file_id, note, by_name, at FROM obligation_evidence"
                       " WHERE obligation_id = $1 AND period = $2 ORDER BY id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_text(st, 2, period, -1);
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(out, json_pack("{s:s, s:I, s:s, s:s, s:I}", "kind", "file", "file_id",
                                             (json_int_t)store_col_int(st, 0), "text",
                                             store_col_text(st, 1), "by", store_col_text(st, 2),
                                             "at", (json_int_t)store_col_int(st, 3)));
    return rc < 0 ? rc : XN_OK;
}

static json_t *date_json(int32_t day)
{
    char t[XN_DATE_STR];
    xn_date_format(day, t);
    return json_string(t);
}

/* The window before the due date in which a duty counts as due (not merely upcoming). */
static int32_t due_window(int32_t start, int32_t end)
{
    int32_t len = end - start;
    return len <= 1 ? 1 : len <= 7 ? 2 : len <= 31 ? 7 : 14;
}

int oblig_obligations_json(oblig_ctx *o, const auth_principal *who, const char *state, json_t **out,
                           xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT o.id, o.key, o.title, o.reqs, o.rule, o.every, CASE WHEN"
                       " o.owner_user_id IS NULL THEN o.owner_role ELSE 'user:' ||"
                       " o.owner_user_id END, coalesce(u.real_name, r.name, o.owner_role),"
                       " o.evidence_kind, o.created_at"
                       " FROM obligation o LEFT JOIN role r ON r.code = o.owner_role"
                       " LEFT JOIN app_user u ON u.id = o.owner_user_id"
                       " WHERE o.enabled = 1 ORDER BY o.id",
                       &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    typedef struct row {
        int64_t id, created;
        char key[48], title[200], reqs[64], rule[16], owner[32], owner_name[64], kind[32];
        int every;
    } row;
    row rows[64];
    size_t n = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && n < 64) {
        row *r = &rows[n++];
        r->id = store_col_int(st, 0);
        xn_strlcpy(r->key, store_col_text(st, 1), sizeof r->key);
        xn_strlcpy(r->title, store_col_text(st, 2), sizeof r->title);
        xn_strlcpy(r->reqs, store_col_text(st, 3), sizeof r->reqs);
        xn_strlcpy(r->rule, store_col_text(st, 4), sizeof r->rule);
        r->every = (int)store_col_int(st, 5);
        xn_strlcpy(r->owner, store_col_text(st, 6), sizeof r->owner);
        xn_strlcpy(r->owner_name, store_col_text(st, 7), sizeof r->owner_name);
        xn_strlcpy(r->kind, store_col_text(st, 8), sizeof r->kind);
        r->created = store_col_int(st, 9);
    }
    if (rc == STORE_ROW)
        store_stmt_done(st);
    json_t *items = json_array();
    int64_t now = o->opt.auth ? auth_now(o->opt.auth) : xn_now_us();
    int32_t today = xn_date_of(now);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        row *r = &rows[i];
        int32_t s, e, ps, pe;
        char key[24], pkey[24], rbuf[32];
        oblig_period(r->rule, r->every, today, &s, &e, key);
        oblig_period(r->rule, r->every, s - 1, &ps, &pe, pkey);
        /* the period before, when the duty already applied for all of it and went undone */
        for (int which = 0; rc >= 0 && which < 2; which++) {
            int32_t a = which ? s : ps, b = which ? e : pe;
            if (!which && day_us(a) < r->created)
                continue;
            json_t *ev = json_array();
            rc = period_evidence(o, c, r->id, r->kind, which ? key : pkey, a, b, ev, err);
            if (rc < 0) {
                json_decref(ev);
                break;
            }
            int32_t due = due_day(o, a, b);
            const char *st_name = json_array_size(ev)                   ? "done"
                                  : !which                              ? "overdue"
                                  : today > due                         ? "overdue"
                                  : today >= due - due_window(a, b) + 1 ? "due"
                                                                        : "upcoming";
            if (!which && strcmp(st_name, "done") == 0) {
                json_decref(ev);
                continue; /* the period before is only listed while it is overdue */
            }
            if (state && strcmp(state, st_name) != 0) {
                json_decref(ev);
                continue;
            }
            json_array_append_new(
                items,
                json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:o, s:o,"
                          " s:o, s:s, s:o, s:b}",
                          "id", (json_int_t)r->id, "key", r->key, "title", r->title, "reqs",
                          r->reqs, "rule", r->rule, "rule_text",
                          rule_text(r->rule, r->every, rbuf, sizeof rbuf), "every", r->every,
                          "owner", r->owner, "owner_kind",
                          owner_person(r->owner) ? "person" : "role", "owner_name", r->owner_name,
                          "evidence_kind", r->kind, "period", which ? key : pkey, "period_start",
                          date_json(a), "period_end", date_json(b - 1), "due_date", date_json(due),
                          "state", st_name, "evidence", ev, "mine", owns(who, r->owner)));
            json_t *item = json_array_get(items, json_array_size(items) - 1);
            const register_def *reg =
                strncmp(r->kind, "register:", 9) == 0 ? register_find(r->kind + 9) : NULL;
            if (reg)
                json_object_set_new(item, "evidence_register", json_string(reg->name));
            const jobs_kind *job = evidence_job(o, r->kind);
            if (job)
                json_object_set_new(item, "evidence_job", json_string(job->title));
        }
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "items", items, "today", date_json(today));
    return XN_OK;
}

typedef struct evidence_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    int64_t id, file_id;
    const char *note, *period;
} evidence_ctx;

static int evidence_tx(store_conn *tx, void *ctx, xn_error *err)
{
    evidence_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO obligation_evidence (obligation_id, period, file_id, note,"
                           " by_id, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->period, -1);
    store_bind_int(st, 3, x->file_id);
    store_bind_text(st, 4, x->note, -1);
    store_bind_int(st, 5, x->actor->id);
    store_bind_text(st, 6, audit_actor_name(x->actor), -1);
    store_bind_int(st, 7, x->o->opt.auth ? auth_now(x->o->opt.auth) : xn_now_us());
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    return audit_record_change(x->o->opt.trail, tx, x->actor, "oblig.evidence", "obligation", x->id,
                               json_pack("{s:s, s:I, s:s}", "period", x->period, "file_id",
                                         (json_int_t)x->file_id, "note", x->note),
                               NULL, err);
}

int oblig_evidence_add(oblig_ctx *o, const auth_principal *who, int64_t id, const char *period,
                       int64_t file_id, const char *note, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(o->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    char owner[32] = "", rule[16] = "";
    int every = 1;
    rc = store_prepare(c,
                       "SELECT CASE WHEN owner_user_id IS NULL THEN owner_role ELSE 'user:' ||"
                       " owner_user_id END, rule, every FROM obligation WHERE id = $1",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            xn_strlcpy(owner, store_col_text(st, 0), sizeof owner);
            xn_strlcpy(rule, store_col_text(st, 1), sizeof rule);
            every = (int)store_col_int(st, 2);
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "该职责不存在");
        }
    }
    store_release(c);
    if (rc != XN_OK)
        return rc;
    if (!owns(who, owner) && !auth_can(who, "compliance.manage"))
        return xn_fail(err, XN_EDENIED, "not_owner",
                       "只有该职责的负责人（岗位或指定人员）或安全管理员可以提交证据");
    rc = xn_check_text(note, OBLIG_MAX_REASON, XN_TEXT_FREE, true, "note", "完成情况说明", err);
    if (rc != XN_OK)
        return rc;
    /* the current period, or the one before it while that one is overdue */
    int64_t now = o->opt.auth ? auth_now(o->opt.auth) : xn_now_us();
    int32_t s, e, ps, pe;
    char key[24], pkey[24];
    oblig_period(rule, every, xn_date_of(now), &s, &e, key);
    oblig_period(rule, every, s - 1, &ps, &pe, pkey);
    if (period && strcmp(period, key) != 0 && strcmp(period, pkey) != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_period", "period",
                             "证据只能提交到本期（%s）或上一期（%s）", key, pkey);
    files_info fi;
    if (!file_id || !o->opt.files || files_get(o->opt.files, file_id, &fi, err) != XN_OK)
        return xn_fail_field(err, XN_EINVAL, "bad_file", "file_id", "须附上证据文件");
    if (strcmp(fi.scan, "clean") != 0)
        return xn_fail_field(err, XN_EINVAL, "not_clean", "file_id", "证据文件“%s”尚未通过病毒检查",
                             fi.name);
    audit_actor actor = auth_actor(who);
    evidence_ctx x = {.o = o,
                      .actor = &actor,
                      .id = id,
                      .file_id = file_id,
                      .note = note,
                      .period = period ? period : key};
    return store_tx(o->opt.db, evidence_tx, &x, err);
}

typedef struct update_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    int64_t id;
    const char *owner, *rule;
    int every, enabled;
} update_ctx;

static int update_tx(store_conn *tx, void *ctx, xn_error *err)
{
    update_ctx *x = ctx;
    store_stmt *st;
    int rc;
    if (x->owner && (rc = check_owner(tx, x->owner, err)) != XN_OK)
        return rc;
    char rule[16] = "";
    int every = 1;
    rc = store_prepare(tx, "SELECT rule, every FROM obligation WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        xn_strlcpy(rule, store_col_text(st, 0), sizeof rule);
        every = (int)store_col_int(st, 1);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "该职责不存在");
    const char *new_rule = x->rule ? x->rule : rule;
    int new_every = x->every > 0 ? x->every : (x->rule ? 1 : every);
    if (!oblig_rule_valid(new_rule, new_every))
        return xn_fail_field(err, XN_EINVAL, "bad_rule", "rule",
                             "周期须为每日、每周、每月、每季度、每半年、每年，或每 N 天（1–366）");
    rc = store_prepare(tx,
                       "UPDATE obligation SET owner_role = coalesce($2, owner_role),"
                       " owner_user_id = CASE WHEN $8 = 0 THEN owner_user_id WHEN $8 < 0 THEN NULL"
                       " ELSE $8 END, rule = $3, every = $4, enabled = CASE WHEN $5 < 0 THEN"
                       " enabled ELSE $5 END, updated_at = $6, updated_by = $7 WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    /* a role given replaces the person (-1); a person keeps the role underneath */
    int64_t person = x->owner ? owner_person(x->owner) : 0;
    if (x->owner && !person)
        store_bind_text(st, 2, x->owner, -1);
    else
        store_bind_null(st, 2);
    store_bind_int(st, 8, !x->owner ? 0 : person ? person : -1);
    store_bind_text(st, 3, new_rule, -1);
    store_bind_int(st, 4, new_every);
    store_bind_int(st, 5, x->enabled);
    store_bind_int(st, 6, x->o->opt.auth ? auth_now(x->o->opt.auth) : xn_now_us());
    store_bind_text(st, 7, audit_actor_name(x->actor), -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    return audit_record_change(x->o->opt.trail, tx, x->actor, "oblig.update", "obligation", x->id,
                               json_pack("{s:s?, s:s, s:i, s:i}", "owner", x->owner, "rule",
                                         new_rule, "every", new_every, "enabled", x->enabled),
                               NULL, err);
}

int oblig_duty_update(oblig_ctx *o, const audit_actor *actor, int64_t id, const char *owner,
                      const char *rule, int every, int enabled, xn_error *err)
{
    update_ctx x = {.o = o,
                    .actor = actor,
                    .id = id,
                    .owner = owner,
                    .rule = rule,
                    .every = every,
                    .enabled = enabled};
    return store_tx(o->opt.db, update_tx, &x, err);
}

/* ---- reminders and escalation (OBL) ----------------------------------------------------- */

typedef struct remind_ctx {
    oblig_ctx *o;
    json_t *items;
    int reminded, escalated;
} remind_ctx;

/* The owner, each told in the bell through notifications: every active holder of the owning
 * role, or the person while the account is active. */
static int tell_owner(oblig_ctx *o, store_conn *tx, const char *owner, const char *kind,
                      const char *object_id, const json_t *vars, xn_error *err)
{
    store_stmt *st;
    int rc =
        prepare_for_owner(tx, owner, "SELECT id FROM app_user WHERE id = $1 AND status = 'active'",
                          "SELECT ur.user_id FROM user_role ur JOIN role r ON r.id ="
                          " ur.role_id JOIN app_user u ON u.id = ur.user_id WHERE"
                          " r.code = $1 AND u.status = 'active'",
                          &st, err);
    if (rc != XN_OK)
        return rc;
    int64_t ids[256];
    size_t n = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && n < 256)
        ids[n++] = store_col_int(st, 0);
    if (rc == STORE_ROW)
        store_stmt_done(st);
    if (rc < 0)
        return rc;
    return o->opt.notify ? notify_raise_to_users(o->opt.notify, tx, kind, ids, n, "obligation",
                                                 object_id, vars, err)
                         : XN_OK;
}

static int remind_tx(store_conn *tx, void *ctx, xn_error *err)
{
    remind_ctx *x = ctx;
    size_t i;
    json_t *it;
    int rc = XN_OK;
    json_array_foreach(x->items, i, it)
    {
        const char *state = json_string_value(json_object_get(it, "state"));
        bool overdue = strcmp(state, "overdue") == 0;
        if (!overdue && strcmp(state, "due") != 0)
            continue;
        store_stmt *st;
        rc = store_prepare(tx,
                           "INSERT INTO obligation_notice (obligation_id, period, kind, at)"
                           " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, json_integer_value(json_object_get(it, "id")));
        store_bind_text(st, 2, json_string_value(json_object_get(it, "period")), -1);
        store_bind_text(st, 3, overdue ? "overdue" : "due", -1);
        store_bind_int(st, 4, x->o->opt.auth ? auth_now(x->o->opt.auth) : xn_now_us());
        rc = store_step(st, err);
        store_stmt_done(st);
        if (rc < 0)
            return rc;
        if (store_changes(tx) == 0)
            continue; /* told already for this period */
        const char *title = json_string_value(json_object_get(it, "title"));
        const char *due = json_string_value(json_object_get(it, "due_date"));
        const char *period = json_string_value(json_object_get(it, "period"));
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)json_integer_value(json_object_get(it, "id")));
        json_t *vars =
            json_pack("{s:s, s:s, s:s, s:s}", "title", title, "period", period, "due", due, "owner",
                      json_string_value(json_object_get(it, "owner_name")));
        /* the owners: coming due, or gone past it; overdue also goes up to the leaders */
        if (!overdue)
            json_object_del(vars, "owner");
        rc = tell_owner(x->o, tx, json_string_value(json_object_get(it, "owner")),
                        overdue ? "oblig.overdue" : "oblig.due", oid, vars, err);
        if (rc == XN_OK && overdue && x->o->opt.notify)
            rc = notify_raise(x->o->opt.notify, tx, "oblig.overdue", "领导小组", "obligation", oid,
                              vars, NULL, err);
        json_decref(vars);
        if (rc != XN_OK)
            return rc;
        overdue ? x->escalated++ : x->reminded++;
    }
    return XN_OK;
}

int oblig_remind_job(oblig_ctx *o, json_t *summary, xn_error *err)
{
    json_t *list = NULL;
    int rc = oblig_obligations_json(o, NULL, NULL, &list, err);
    if (rc != XN_OK)
        return rc;
    remind_ctx x = {.o = o, .items = json_object_get(list, "items")};
    rc = store_tx(o->opt.db, remind_tx, &x, err);
    json_decref(list);
    if (rc == XN_OK && x.reminded)
        json_object_set_new(summary, "reminded", json_integer(x.reminded));
    if (rc == XN_OK && x.escalated)
        json_object_set_new(summary, "escalated", json_integer(x.escalated));
    return rc;
}

typedef struct add_ctx {
    oblig_ctx *o;
    const audit_actor *actor;
    const char *title, *reqs, *rule, *owner, *evidence;
    int every;
    int64_t id;
} add_ctx;

static int add_tx(store_conn *tx, void *ctx, xn_error *err)
{
    add_ctx *x = ctx;
    store_stmt *st;
    int rc = check_owner(tx, x->owner, err);
    if (rc != XN_OK)
        return rc;
    int64_t now = x->o->opt.auth ? auth_now(x->o->opt.auth) : xn_now_us();
    char key[48];
    snprintf(key, sizeof key, "unit_%lld", (long long)(now / 1000));
    rc = store_prepare(tx,
                       "INSERT INTO obligation (key, title, reqs, rule, every, owner_role,"
                       " owner_user_id, evidence_kind, enabled, created_at, updated_at,"
                       " updated_by) VALUES ($1, $2, $3, $4, $5, $6, $10, $9, 1, $7, $7, $8)"
                       " RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, key, -1);
    store_bind_text(st, 2, x->title, -1);
    store_bind_text(st, 3, x->reqs, -1);
    store_bind_text(st, 4, x->rule, -1);
    store_bind_int(st, 5, x->every);
    /* a person's duty keeps an empty role underneath, until a role is given */
    int64_t person = owner_person(x->owner);
    store_bind_text(st, 6, person ? "" : x->owner, -1);
    if (person)
        store_bind_int(st, 10, person);
    else
        store_bind_null(st, 10);
    store_bind_int(st, 7, now);
    store_bind_text(st, 8, audit_actor_name(x->actor), -1);
    store_bind_text(st, 9, x->evidence, -1);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        x->id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    return audit_record_change(x->o->opt.trail, tx, x->actor, "oblig.create", "obligation", x->id,
                               json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "title", x->title,
                                         "reqs", x->reqs, "rule", x->rule, "every", x->every,
                                         "owner", x->owner, "evidence", x->evidence),
                               NULL, err);
}

/* What may evidence a duty of the unit's own: an uploaded file, what xinan records itself, a
 * register's rows entered or changed in the period ("register:<key>"), or a job kind's
 * successful runs in it ("job:<kind>"). */
bool oblig_evidence_valid(const oblig_ctx *o, const char *evidence)
{
    static const char *const kinds[] = {"file",     "account_review", "drill",
                                        "training", "verification",   NULL};
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(evidence, kinds[i]) == 0)
            return true;
    if (evidence_job(o, evidence))
        return true;
    return strncmp(evidence, "register:", 9) == 0 && register_find(evidence + 9) != NULL;
}

int oblig_duty_add(oblig_ctx *o, const audit_actor *actor, const char *title, const char *reqs,
                   const char *rule, int every, const char *owner, const char *evidence,
                   int64_t *id, xn_error *err)
{
    int rc = xn_check_text(title, 200, XN_TEXT_LABEL, true, "title", "职责名称", err);
    if (rc != XN_OK)
        return rc;
    if (!evidence || !*evidence)
        evidence = "file";
    if (strlen(evidence) > 40 || !oblig_evidence_valid(o, evidence))
        return xn_fail_field(err, XN_EINVAL, "bad_evidence", "evidence",
                             "完成证据须为上传文件、系统自动记录、某一台账本期的登记，"
                             "或某一系统任务本期的成功运行");
    if (!rule || !oblig_rule_valid(rule, every))
        return xn_fail_field(err, XN_EINVAL, "bad_rule", "rule",
                             "周期须为每日、每周、每月、每季度、每半年、每年，或每 N 天（1–366）");
    if (!owner || !*owner || strlen(owner) > 31 || owner_person(owner) < 0)
        return xn_fail_field(err, XN_EINVAL, "bad_owner", "owner", "须指定负责岗位或负责人");
    /* the requirement ids it serves: each in the catalogue */
    if (!reqs || !*reqs || strlen(reqs) > 120)
        return xn_fail_field(err, XN_EINVAL, "bad_requirement", "reqs", "须注明依据的要求编号");
    char buf[128];
    xn_strlcpy(buf, reqs, sizeof buf);
    for (char *p = buf, *next; p && *p; p = next) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        bool known = false;
        for (size_t i = 0; i < o->catalogue.count && !known; i++)
            known = strcmp(o->catalogue.items[i].id, p) == 0;
        if (!known)
            return xn_fail_field(err, XN_EINVAL, "bad_requirement", "reqs",
                                 "要求编号 %.20s 不在要求目录中", p);
    }
    add_ctx x = {.o = o,
                 .actor = actor,
                 .evidence = evidence,
                 .title = title,
                 .reqs = reqs,
                 .rule = rule,
                 .every = every,
                 .owner = owner};
    rc = store_tx(o->opt.db, add_tx, &x, err);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}
