/*
 * The automatic checks of the compliance report: which ids each answers, the control that
 * implements them, and the state it reads. A check says met only on evidence it can show; an
 * id whose evidence is not in xinan yet (no register rows, no verification run) is
 * no_evidence, never met. Registers answer the ids their definitions name (register.h reqs),
 * with their flags as what is not met.
 */
#include "oblig/oblig_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US (86400LL * 1000000)

void oblig_evidence(oblig_finding *f, const char *kind, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    json_array_append_new(f->evidence, json_pack("{s:s, s:s}", "kind", kind, "text", text));
}

static void not_met(oblig_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void not_met(oblig_finding *f, const char *fmt, ...)
{
    f->status = "not_met";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->reason, sizeof f->reason, fmt, ap);
    va_end(ap);
}

/* One integer from a query with up to two integer parameters. */
static int scalar(oblig_probe *p, const char *sql, int64_t a, int64_t b, int64_t *out,
                  xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(p->c, sql, &st, err);
    if (rc != XN_OK)
        return rc;
    if (strstr(sql, "$1"))
        store_bind_int(st, 1, a);
    if (strstr(sql, "$2"))
        store_bind_int(st, 2, b);
    rc = store_step(st, err);
    *out = rc == STORE_ROW ? store_col_int(st, 0) : 0;
    if (rc == STORE_ROW)
        store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

/* ---- accounts and passwords ------------------------------------------------------------- */

static int check_policy(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    auth_profile prof = strcmp(id, "ACC-9") == 0 ? AUTH_PROFILE_ADMIN : AUTH_PROFILE_USER;
    auth_policy now, floor;
    int rc = auth_policy_load(p->o->opt.db, prof, &now, err);
    if (rc != XN_OK)
        return rc;
    auth_policy_default(prof, &floor);
    oblig_evidence(f, "policy", "%s口令策略：至少 %d 位，保留 %d 个历史口令，有效期 %d 天%s",
                   prof == AUTH_PROFILE_ADMIN ? "管理员" : "普通用户", now.min_length, now.history,
                   now.max_age_days, now.dictionary ? "，拒绝弱口令与字典词" : "");
    if (now.min_length < floor.min_length || now.history < floor.history ||
        (floor.classes & ~now.classes) != 0 || (floor.dictionary && !now.dictionary))
        not_met(f, "口令策略低于规定的最低要求");
    else
        f->status = "met";
    return XN_OK;
}

static int check_password_age(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    static const struct {
        auth_profile prof;
        const char *name;
        int max_days;
    } want[] = {{AUTH_PROFILE_USER, "普通用户", 30},
                {AUTH_PROFILE_ADMIN, "管理员", 30},
                {AUTH_PROFILE_SERVER, "重要服务器", 7}};
    f->status = "met";
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        auth_policy pol;
        int rc = auth_policy_load(p->o->opt.db, want[i].prof, &pol, err);
        if (rc != XN_OK)
            return rc;
        oblig_evidence(f, "policy", "%s口令有效期 %d 天（规定不超过 %d 天）", want[i].name,
                       pol.max_age_days, want[i].max_days);
        if (pol.max_age_days <= 0 || pol.max_age_days > want[i].max_days)
            not_met(f, "%s口令有效期超过 %d 天", want[i].name, want[i].max_days);
    }
    return XN_OK;
}

/* ACC-6: the three administrator roles are held, each by people who hold no other of them. */
static int check_three_admins(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    int64_t held = 0, both = 0;
    int rc = scalar(p,
                    "SELECT count(DISTINCT ur.role_id) FROM user_role ur JOIN app_user u ON"
                    " u.id = ur.user_id WHERE ur.role_id IN (1, 2, 3) AND u.status = 'active'",
                    0, 0, &held, err);
    if (rc == XN_OK)
        rc = scalar(p,
                    "SELECT count(*) FROM (SELECT user_id FROM user_role WHERE role_id IN"
                    " (1, 2, 3) GROUP BY user_id HAVING count(*) > 1)",
                    0, 0, &both, err);
    if (rc != XN_OK)
        return rc;
    oblig_evidence(f, "accounts",
                   "系统管理员、安全管理员、审计管理员三个岗位中已有 %lld 个由在岗人员担任",
                   (long long)held);
    if (both)
        not_met(f, "%lld 人同时担任两个以上管理员岗位（三员分立）", (long long)both);
    else if (held < 3)
        not_met(f, "三员岗位尚未全部任命（已任命 %lld 个）", (long long)held);
    else
        f->status = "met";
    return XN_OK;
}

/* ACC-7: no account still waits on its one-time password after three days. */
static int check_first_password(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    int64_t stale = 0, total = 0;
    int rc = scalar(p,
                    "SELECT count(*) FROM app_user WHERE status = 'active' AND must_change = 1"
                    " AND coalesce(password_changed_at, 0) < $1",
                    p->now - 3 * DAY_US, 0, &stale, err);
    if (rc == XN_OK)
        rc = scalar(p, "SELECT count(*) FROM app_user WHERE status = 'active'", 0, 0, &total, err);
    if (rc != XN_OK)
        return rc;
    oblig_evidence(f, "accounts", "在用账号 %lld 个；首次登录须修改一次性口令", (long long)total);
    if (stale)
        not_met(f, "%lld 个账号的一次性口令超过 3 天仍未修改", (long long)stale);
    else
        f->status = "met";
    return XN_OK;
}

/* ACC-14: the yearly review of every account. */
static int check_account_review(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    int64_t last = 0;
    int rc = scalar(p, "SELECT coalesce(max(at), 0) FROM account_review", 0, 0, &last, err);
    if (rc != XN_OK)
        return rc;
    if (!last) {
        f->status = "no_evidence";
        snprintf(f->reason, sizeof f->reason, "尚无年度账号复核记录");
        return XN_OK;
    }
    char t[XN_TIME_STR];
    xn_time_format(last, t);
    t[10] = '\0';
    oblig_evidence(f, "review", "最近一次账号复核：%s", t);
    if (p->now - last > 365 * DAY_US)
        not_met(f, "最近一次账号复核已超过一年");
    else
        f->status = "met";
    return XN_OK;
}

/* ---- the audit trail ---------------------------------------------------------------------- */

static int check_trail(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    int64_t records = 0, last = 0, intact = 0;
    int rc = scalar(p, "SELECT coalesce(max(seq), 0) FROM audit_log", 0, 0, &records, err);
    if (rc == XN_OK)
        rc = scalar(p, "SELECT coalesce(max(at), 0) FROM audit_verification", 0, 0, &last, err);
    if (rc == XN_OK && last)
        rc = scalar(p, "SELECT intact FROM audit_verification WHERE at = $1 ORDER BY id DESC", last,
                    0, &intact, err);
    if (rc != XN_OK)
        return rc;
    oblig_evidence(f, "audit", "审计记录 %lld 条，链式存证", (long long)records);
    if (!last) {
        f->status = "no_evidence";
        snprintf(f->reason, sizeof f->reason, "审计记录尚未校验过");
        return XN_OK;
    }
    char t[XN_TIME_STR];
    xn_time_format(last, t);
    t[16] = '\0';
    t[10] = ' ';
    oblig_evidence(f, "verification", "最近一次校验：%s，%s", t, intact ? "完整" : "发现篡改");
    int64_t hours = p->o->opt.cfg ? p->o->opt.cfg->audit_verify_hours : 24;
    if (!intact)
        not_met(f, "最近一次校验发现审计记录被篡改");
    else if (strcmp(id, "AUD-2") == 0 && hours > 0 && p->now - last > 2 * hours * 3600000000LL)
        not_met(f, "最近一次校验已超过 %lld 小时", (long long)(2 * hours));
    else
        f->status = "met";
    return XN_OK;
}

static int check_retention(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    (void)err;
    const xn_config *cfg = p->o->opt.cfg;
    int64_t audit_days = cfg ? cfg->audit_retention_days : 180;
    int64_t log_days = cfg ? cfg->syslog_retention_days : 180;
    oblig_evidence(f, "settings", "审计记录保留 %lld 天，设备日志保留 %lld 天",
                   (long long)audit_days, (long long)log_days);
    if (audit_days < 180 || log_days < 60)
        not_met(f, "保留期短于规定（审计记录至少 180 天，上网行为日志至少 60 天）");
    else
        f->status = "met";
    return XN_OK;
}

static int check_syslog(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    (void)err;
    const xn_config *cfg = p->o->opt.cfg;
    if (!cfg || (!*cfg->syslog_udp && !*cfg->syslog_tcp)) {
        not_met(f, "未开启服务器与网络设备日志接收（syslog.udp / syslog.tcp）");
        return XN_OK;
    }
    oblig_evidence(f, "settings", "日志接收：%s%s%s", cfg->syslog_udp, *cfg->syslog_udp ? " " : "",
                   cfg->syslog_tcp);
    f->status = "met";
    return XN_OK;
}

/* ---- registers: every register answers the ids its definition names ---------------------- */

static int check_registers(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    bool any = false;
    int flagged = 0, empty = 0;
    for (size_t i = 0; i < register_defs_count; i++) {
        const register_def *d = &register_defs[i];
        char reqs[128];
        snprintf(reqs, sizeof reqs, ",%s,", d->reqs ? d->reqs : "");
        char want[24];
        snprintf(want, sizeof want, ",%s,", id);
        if (!strstr(reqs, want))
            continue;
        any = true;
        store_stmt *st;
        int rc = store_prepare(p->c,
                               "SELECT count(*) FROM register_row WHERE reg = $1"
                               " AND retired_at IS NULL",
                               &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, d->key, -1);
        int64_t rows = 0;
        if ((rc = store_step(st, err)) == STORE_ROW) {
            rows = store_col_int(st, 0);
            store_stmt_done(st);
        }
        if (rc < 0)
            return rc;
        oblig_evidence(f, "register", "%s：%lld 条记录", d->name, (long long)rows);
        if (rows == 0 && !empty++)
            snprintf(f->reason, sizeof f->reason, "%s尚无记录", d->name);
        size_t k;
        json_t *flag;
        json_array_foreach(json_object_get(p->register_flags, "items"), k, flag)
        {
            if (strcmp(json_string_value(json_object_get(flag, "register")), d->key) != 0)
                continue;
            if (flagged++ < 3)
                oblig_evidence(f, "flag", "%s #%lld：%s", d->name,
                               (long long)json_integer_value(json_object_get(flag, "id")),
                               json_string_value(json_object_get(flag, "flag")));
        }
    }
    /* met when every register the id needs holds rows and none of them is flagged */
    f->status = any && !empty ? "met" : "no_evidence";
    if (flagged)
        not_met(f, "台账中有 %d 项待处理的提示（见证据）", flagged);
    return XN_OK;
}

/* LED-8: every person in post took part in a training this year; ACC-2: every account holder
 * had a training at all (the trainings register's attendees, by real name). */
static int check_training(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    bool this_year = strcmp(id, "LED-8") == 0;
    int y, m, d;
    xn_date_ymd(xn_date_of(p->now), &y, &m, &d);
    char from[XN_DATE_STR];
    snprintf(from, sizeof from, "%04d-01-01", this_year ? y : 1970);
    store_stmt *st;
    int rc = store_prepare(p->c,
                           "SELECT a.value FROM register_row r JOIN register_value a"
                           " ON a.row_id = r.id AND a.field = 'attendees'"
                           " JOIN register_value d ON d.row_id = r.id AND d.field = 'date'"
                           " WHERE r.reg = 'trainings' AND r.retired_at IS NULL AND d.value >= $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, from, -1);
    xn_buf all;
    xn_buf_init(&all, 16u << 20);
    int sessions = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        xn_buf_puts(&all, "、");
        xn_buf_puts(&all, store_col_text(st, 0));
        sessions++;
    }
    if (rc < 0) {
        xn_buf_release(&all);
        return rc;
    }
    xn_buf_puts(&all, "、");
    rc = store_prepare(p->c, "SELECT real_name FROM app_user WHERE status = 'active' ORDER BY id",
                       &st, err);
    int people = 0, missing = 0;
    char names[300] = "";
    if (rc == XN_OK) {
        while ((rc = store_step(st, err)) == STORE_ROW) {
            const char *name = store_col_text(st, 0);
            people++;
            if (all.data && strstr(all.data, name))
                continue;
            if (missing++ < 5) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", l ? "、" : "", name);
            }
        }
    }
    xn_buf_release(&all);
    if (rc < 0)
        return rc;
    if (!sessions) {
        f->status = "no_evidence";
        snprintf(f->reason, sizeof f->reason, "%s安全培训台账尚无记录", this_year ? "本年度" : "");
        return XN_OK;
    }
    oblig_evidence(f, "register", "%s安全培训 %d 次，在岗人员 %d 人", this_year ? "本年度" : "",
                   sessions, people);
    if (missing)
        not_met(f, "%d 名在岗人员%s未参加安全培训，如 %s", missing, this_year ? "本年度" : "",
                names);
    else
        f->status = "met";
    return XN_OK;
}

/* ---- incidents ------------------------------------------------------------------------------ */

static int check_incident_clocks(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    int64_t overdue = 0, total = 0;
    int rc = scalar(p,
                    "SELECT count(*) FROM incident_clock c JOIN incident i ON i.id = c.incident_id"
                    " WHERE i.state <> 'closed' AND c.state = 'running' AND c.due_at < $1",
                    p->now, 0, &overdue, err);
    if (rc == XN_OK)
        rc = scalar(p, "SELECT count(*) FROM incident WHERE drill = 0", 0, 0, &total, err);
    if (rc != XN_OK)
        return rc;
    oblig_evidence(f, "incidents", "登记的安全事件 %lld 起（不含演练），各时限自动计时与升级",
                   (long long)total);
    if (overdue)
        not_met(f, "%lld 项事件处置时限已超时未完成", (long long)overdue);
    else
        f->status = "met";
    return XN_OK;
}

static int check_drills(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    int64_t plans = 0, undrilled = 0;
    int rc = scalar(p, "SELECT count(*) FROM incident_plan", 0, 0, &plans, err);
    if (rc == XN_OK)
        rc = scalar(p,
                    "SELECT count(*) FROM incident_plan pl WHERE NOT EXISTS (SELECT 1 FROM"
                    " incident_drill d WHERE d.plan_id = pl.id AND d.held_at >= $1)",
                    p->now - 365 * DAY_US, 0, &undrilled, err);
    if (rc != XN_OK)
        return rc;
    oblig_evidence(f, "plans", "应急预案 %lld 份", (long long)plans);
    if (!plans)
        not_met(f, "尚未登记应急预案");
    else if (undrilled)
        not_met(f, "%lld 份预案一年内未演练", (long long)undrilled);
    else
        f->status = "met";
    return XN_OK;
}

/* ---- publishing ----------------------------------------------------------------------------- */

static int check_published(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    int64_t published = 0, unformed = 0, rechecked = 0;
    int rc = scalar(p, "SELECT count(*) FROM content_item WHERE published_at IS NOT NULL", 0, 0,
                    &published, err);
    if (rc == XN_OK)
        rc = scalar(p,
                    "SELECT count(*) FROM content_item WHERE published_at IS NOT NULL"
                    " AND form_digest IS NULL",
                    0, 0, &unformed, err);
    if (rc == XN_OK)
        rc = scalar(p,
                    "SELECT count(*) FROM content_item WHERE state = 'published'"
                    " AND recheck_hits > 0",
                    0, 0, &rechecked, err);
    if (rc != XN_OK)
        return rc;
    if (!published) {
        f->status = "no_evidence";
        snprintf(f->reason, sizeof f->reason, "尚无经审核发布的稿件");
        return XN_OK;
    }
    oblig_evidence(f, "content", "经审核发布的稿件 %lld 篇，审核表均已归档", (long long)published);
    if (unformed)
        not_met(f, "%lld 篇已发布稿件没有归档的审核表", (long long)unformed);
    else if (strcmp(id, "PUB-6") == 0 && rechecked)
        not_met(f, "%lld 篇已发布稿件复查命中尚未处理", (long long)rechecked);
    else
        f->status = "met";
    return XN_OK;
}

/* ---- the website watch and the roster ------------------------------------------------------- */

/* MON-1, MON-7: sites under watch, none down; MON-4: guard agents online, none tampering
 * unanswered; MON-2: someone on duty today. */
static int check_watch(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    int64_t sites = 0, down = 0, agents = 0, offline = 0, today = 0;
    int rc =
        scalar(p, "SELECT count(*) FROM monitor_site WHERE removed_at IS NULL", 0, 0, &sites, err);
    if (rc == XN_OK)
        rc = scalar(p,
                    "SELECT count(*) FROM monitor_site WHERE removed_at IS NULL AND state = 'down'",
                    0, 0, &down, err);
    if (rc == XN_OK)
        rc = scalar(p, "SELECT count(*) FROM guard_agent", 0, 0, &agents, err);
    if (rc == XN_OK)
        rc = scalar(p, "SELECT count(*) FROM guard_agent WHERE state = 'offline'", 0, 0, &offline,
                    err);
    if (rc == XN_OK)
        rc = scalar(p, "SELECT count(*) FROM duty_day WHERE day = $1", xn_date_of(p->now), 0,
                    &today, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(id, "MON-2") == 0) {
        if (!today) {
            not_met(f, "今天没有安排读网值班人员");
            return XN_OK;
        }
        oblig_evidence(f, "roster", "今天已安排读网值班");
        f->status = "met";
        return XN_OK;
    }
    if (strcmp(id, "MON-4") == 0) {
        if (!agents) {
            f->status = "no_evidence";
            snprintf(f->reason, sizeof f->reason, "尚无网页防篡改代理接入");
            return XN_OK;
        }
        oblig_evidence(f, "guard", "防篡改代理 %lld 个，离线 %lld 个", (long long)agents,
                       (long long)offline);
        if (offline)
            not_met(f, "%lld 个防篡改代理离线", (long long)offline);
        else
            f->status = "met";
        return XN_OK;
    }
    if (!sites) {
        f->status = "no_evidence";
        snprintf(f->reason, sizeof f->reason, "尚未对网站开展监测");
        return XN_OK;
    }
    oblig_evidence(f, "monitor", "监测网站 %lld 个", (long long)sites);
    if (down)
        not_met(f, "%lld 个网站当前无法访问", (long long)down);
    else
        f->status = "met";
    return XN_OK;
}

/* MON-3: no column past its update period; MON-5: no new-media account silent for 15 days. */
static int check_staleness(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    if (strcmp(id, "MON-3") == 0) {
        int64_t columns = 0, stale = 0;
        int rc = scalar(p, "SELECT count(*) FROM publish_column", 0, 0, &columns, err);
        if (rc == XN_OK)
            rc = scalar(p,
                        "SELECT count(*) FROM publish_column c WHERE coalesce((SELECT"
                        " max(published_at) FROM content_item i WHERE i.column_id = c.id"
                        " AND i.state = 'published'), 0) < $1 - c.stale_days * 86400000000",
                        p->now, 0, &stale, err);
        if (rc != XN_OK)
            return rc;
        if (!columns) {
            f->status = "no_evidence";
            snprintf(f->reason, sizeof f->reason, "尚未登记网站栏目");
            return XN_OK;
        }
        oblig_evidence(f, "columns", "栏目 %lld 个，按更新周期逐一核对", (long long)columns);
        if (stale)
            not_met(f, "%lld 个栏目超过更新周期未更新（含空白栏目）", (long long)stale);
        else
            f->status = "met";
        return XN_OK;
    }
    char since[XN_DATE_STR];
    xn_date_format(xn_date_of(p->now) - 15, since);
    store_stmt *st;
    int64_t accounts = 0, silent = 0;
    int rc = scalar(p,
                    "SELECT count(*) FROM register_row WHERE reg = 'new_media'"
                    " AND retired_at IS NULL",
                    0, 0, &accounts, err);
    if (rc == XN_OK)
        rc = store_prepare(p->c,
                           "SELECT count(*) FROM register_row r WHERE r.reg = 'new_media' AND"
                           " r.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM register_value v"
                           " WHERE v.row_id = r.id AND v.field = 'last_update' AND v.value >= $1)",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, since, -1);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            silent = store_col_int(st, 0);
            store_stmt_done(st);
        }
        rc = rc < 0 ? rc : XN_OK;
    }
    if (rc != XN_OK)
        return rc;
    if (!accounts) {
        f->status = "no_evidence";
        snprintf(f->reason, sizeof f->reason, "政务新媒体台账尚无记录");
        return XN_OK;
    }
    oblig_evidence(f, "register", "政务新媒体账号 %lld 个", (long long)accounts);
    if (silent)
        not_met(f, "%lld 个政务新媒体账号超过 15 天未更新", (long long)silent);
    else
        f->status = "met";
    return XN_OK;
}

static int check_lexicons(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    (void)err;
    size_t entries = 0;
    if (p->o->opt.lexicons) {
        lexicon_set *s = lexicon_acquire(p->o->opt.lexicons);
        entries = lexicon_set_entries(s);
        lexicon_release(s);
    }
    if (!entries) {
        not_met(f, "未加载敏感词、错敏字词词库");
        return XN_OK;
    }
    oblig_evidence(f, "lexicons", "词库 %zu 条，发布前与每次审核时自动检查", entries);
    f->status = "met";
    return XN_OK;
}

static int check_virus(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    (void)id;
    (void)err;
    const xn_config *cfg = p->o->opt.cfg;
    if (!cfg || !*cfg->files_clamd) {
        not_met(f, "未配置病毒查杀（files.clamd），附件不能确认无毒");
        return XN_OK;
    }
    oblig_evidence(f, "settings", "附件与证据文件经 ClamAV 查毒后方可使用");
    f->status = "met";
    return XN_OK;
}

/* RSK-1, RSK-2: a recent inspection of the kind, and no rectification left past its deadline. */
static int check_inspections(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err)
{
    bool risk = strcmp(id, "RSK-1") == 0;
    int64_t recent = 0, late = 0;
    int rc =
        scalar(p,
               risk ? "SELECT count(*) FROM inspection WHERE kind LIKE 'risk%' AND"
                      " started_at >= $1"
                    : "SELECT count(*) FROM inspection WHERE kind = 'self' AND started_at >= $1",
               p->now - (risk ? 92 : 183) * DAY_US, 0, &recent, err);
    char today[XN_DATE_STR];
    xn_date_format(xn_date_of(p->now), today);
    store_stmt *st;
    if (rc == XN_OK)
        rc = store_prepare(p->c,
                           "SELECT count(*) FROM rectification WHERE state <> 'verified'"
                           " AND due_date < $1",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, today, -1);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            late = store_col_int(st, 0);
            store_stmt_done(st);
        }
        rc = rc < 0 ? rc : XN_OK;
    }
    if (rc != XN_OK)
        return rc;
    if (!recent) {
        f->status = "no_evidence";
        snprintf(f->reason, sizeof f->reason,
                 risk ? "近一个季度没有风险评估记录" : "近半年没有自查记录");
        return XN_OK;
    }
    oblig_evidence(f, "inspection", "%s %lld 次", risk ? "近一个季度的风险评估" : "近半年的自查",
                   (long long)recent);
    if (late)
        not_met(f, "%lld 项整改已过期限仍未验证", (long long)late);
    else
        f->status = "met";
    return XN_OK;
}

/* clang-format off */
const oblig_check oblig_checks[] = {
    {"ACC-8,ACC-9", "口令策略只能收紧，不能低于规定", check_policy},
    {"ACC-10", "口令到期强制修改", check_password_age},
    {"ACC-6", "三员分立：三个管理员岗位互斥", check_three_admins},
    {"ACC-7", "首位管理员以一次性口令创建，首次登录必须修改", check_first_password},
    {"ACC-14", "离岗即停用；年度账号复核", check_account_review},
    {"AUD-1,AUD-2", "链式防篡改审计记录，定期与按需校验", check_trail},
    {"AUD-3", "保留期只能延长，不足期限的记录不能删除", check_retention},
    {"AUD-5", "syslog 日志接收与存储", check_syslog},
    {"LED-8", "安全培训台账与在岗人员逐一核对", check_training},
    {"ACC-2", "账号经申请、审批后创建；账号持有人须经安全培训（培训台账逐人核对）", check_training},
    {"ORG-2,ORG-3,LED-1,LED-2,LED-3,LED-4,LED-5,LED-6,LED-7,LED-9,LED-10,LED-11",
     "台账登记、变更历史与到期提示", check_registers},
    {"INC-1,INC-2,INC-3,INC-4", "事件时限计时、提醒、超时升级与结案审批", check_incident_clocks},
    {"INC-5", "应急预案审批与年度演练", check_drills},
    {"PUB-1,PUB-2,PUB-3,PUB-6", "先审后发、分级审核、审核表归档与发布后复查", check_published},
    {"PUB-5,PUB-8,PUB-9,PUB-13", "敏感词、个人信息与错敏字词自动检查", check_lexicons},
    {"PUB-12", "附件查毒", check_virus},
    {"RSK-1,RSK-2", "检查评估清单、整改期限与他人验证", check_inspections},
    {"MON-1,MON-7", "网站 7×24 监测、故障告警与事件", check_watch},
    {"MON-2", "读网值班表、签到与未签到提醒", check_watch},
    {"MON-4", "网页防篡改代理：发现即恢复、离线告警", check_watch},
    {"MON-3,MON-5", "栏目更新周期与政务新媒体更新检查", check_staleness},
    /* controls xinan enforces by itself: every request goes through them */
    {"ACC-1", "账号实名，一人一号", NULL},
    {"ACC-3", "按岗位授予最小权限", NULL},
    {"ACC-4", "提升权限须第二人审批", NULL},
    {"ACC-5", "外包人员不能授权", NULL},
    {"ACC-11", "新建或重置的口令首次登录必须修改", NULL},
    {"ACC-12", "管理员要求改口令，拒不修改者停用", NULL},
    {"ACC-15", "会话空闲锁定", NULL},
    {"ACC-16", "登录失败锁定与异常登录记录", NULL},
    {"AUD-4", "审计记录统计分析", NULL},
    {"AUD-7", "系统设置与管理员岗位变更记入审计", NULL},
    {"PUB-4", "转载仅限安全管理员确认的来源", NULL},
    {"PUB-7", "审核人由在编人员担任，作者不得审核本人稿件", NULL},
};
/* clang-format on */
const size_t oblig_checks_count = sizeof oblig_checks / sizeof oblig_checks[0];

const oblig_check *oblig_check_for(const char *id)
{
    char want[24];
    snprintf(want, sizeof want, ",%s,", id);
    for (size_t i = 0; i < oblig_checks_count; i++) {
        char ids[160];
        snprintf(ids, sizeof ids, ",%s,", oblig_checks[i].ids);
        if (strstr(ids, want))
            return &oblig_checks[i];
    }
    return NULL;
}
