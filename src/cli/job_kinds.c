/*
 * The server's job kinds: the periodic work of every room and the deferred work raised by
 * requests, as one table (like http's routes). The functions adapt each room's periodic call
 * to the runner and say what they did in the run's summary; an ok run that did nothing leaves
 * an empty summary and is not kept in the history.
 */
#include "cli/cli.h"

#define INDEX_STEP  10000 /* records per search-index transaction: short write locks */
#define INDEX_STEPS 10    /* at most this many per run; a backlog is caught up later */

static cli_serve_app *app_of(jobs_run *run)
{
    return run->app;
}

/* Closes due audit epochs (empty ones too), sends checkpoints to the remote witness, and
 * writes the failure summaries of minutes that are over. */
static int audit_tick_job(jobs_run *run, xn_error *err)
{
    return audit_tick(app_of(run)->trail, err);
}

/* Brings the audit search index up to date, a few short transactions at a time. */
static int audit_index_job(jobs_run *run, xn_error *err)
{
    int64_t indexed = INDEX_STEP, total = 0;
    for (int i = 0; i < INDEX_STEPS && indexed == INDEX_STEP; i++) {
        int rc = audit_index_pending(app_of(run)->db, INDEX_STEP, &indexed, err);
        if (rc != XN_OK)
            return rc;
        total += indexed;
    }
    if (total)
        json_object_set_new(run->summary, "indexed", json_integer(total));
    return XN_OK;
}

/* The scheduled verification of the trail (audit.verify_hours): a damaged trail raises its
 * alert inside audit_verify_due. */
static int audit_verify_job(jobs_run *run, xn_error *err)
{
    bool ran = false, intact = true;
    int rc = audit_verify_due(app_of(run)->trail, &ran, &intact, err);
    if (rc == XN_OK && ran && !intact)
        rc = incident_audit_failed(app_of(run)->incidents, "scheduled", err);
    if (rc == XN_OK && ran) {
        json_object_set_new(run->summary, "verified", json_true());
        json_object_set_new(run->summary, "intact", json_boolean(intact));
        xn_log_event(app_of(run)->log, intact ? XN_LOG_INFO : XN_LOG_ERROR, "audit.verified",
                     "intact", intact ? "true" : "false", "trigger", "scheduled", XN_LOG_END);
    }
    return rc;
}

/* AUD-3: records past audit.retention_days, leaving a sealed purge checkpoint. */
static int audit_purge_job(jobs_run *run, xn_error *err)
{
    int64_t purged = 0;
    int rc = audit_purge(app_of(run)->trail, xn_now_us(), &purged, err);
    if (rc == XN_OK)
        json_object_set_new(run->summary, "purged", json_integer(purged));
    return rc;
}

/* AUD-3: whole days of received logs past syslog.retention_days, each with its record. */
static int syslog_purge_job(jobs_run *run, xn_error *err)
{
    cli_serve_app *app = app_of(run);
    int dropped = 0;
    int rc = audit_logstore_purge(app->db, app->trail, app->cfg, xn_now_us(), &dropped, err);
    if (rc == XN_OK)
        json_object_set_new(run->summary, "days", json_integer(dropped));
    return rc;
}

/* ACC-12: reminders before password-change deadlines, disabling after them, reminders of a
 * password's maximum age (ACC-10), on the rules' clock. */
static int lifecycle_job(jobs_run *run, xn_error *err)
{
    cli_serve_app *app = app_of(run);
    auth_tick_result r;
    int rc = auth_lifecycle_tick(app->db, app->trail, run->now_us, &r, err);
    if (rc != XN_OK)
        return rc;
    if (r.reminded)
        json_object_set_new(run->summary, "reminded", json_integer(r.reminded));
    if (r.disabled)
        json_object_set_new(run->summary, "disabled", json_integer(r.disabled));
    if (r.expiring)
        json_object_set_new(run->summary, "expiry_reminded", json_integer(r.expiring));
    return XN_OK;
}

/* PUB-12: virus checks still pending (clamd was away, or the check after upload failed). */
static int files_scan_job(jobs_run *run, xn_error *err)
{
    int scanned = 0;
    int rc = files_scan_pending(app_of(run)->files, 16, &scanned, err);
    if (rc == XN_OK && scanned)
        json_object_set_new(run->summary, "scanned", json_integer(scanned));
    return rc;
}

/* Uploads a crash or a dropped connection left half-stored, after an hour. */
static int files_purge_job(jobs_run *run, xn_error *err)
{
    int64_t purged = 0;
    int rc =
        files_purge_stale(app_of(run)->files, xn_now_us(), (int64_t)3600 * 1000000, &purged, err);
    if (rc == XN_OK && purged)
        json_object_set_new(run->summary, "purged", json_integer(purged));
    return rc;
}

/* INC-2, INC-3: reminders before incident clocks run out and escalation when they do. */
static int incident_clocks_job(jobs_run *run, xn_error *err)
{
    return incident_clocks_tick(app_of(run)->incidents, run->now_us, run->summary, err);
}

/* PUB-2: scheduled publications that are due. */
static int publish_release_run(jobs_run *run, xn_error *err)
{
    return publish_release_job(app_of(run)->publish, run->now_us, run->summary, err);
}

/* PUB-6: published items checked again (weekly, and after a lexicon changes). */
static int publish_recheck_run(jobs_run *run, xn_error *err)
{
    return publish_recheck_job(app_of(run)->publish, run->summary, err);
}

/* The external CMS's outbox. */
static int publish_cms_run(jobs_run *run, xn_error *err)
{
    return publish_cms_job(app_of(run)->publish, run->summary, err);
}

/* PUB-11: public messages whose promised day is tomorrow or past. */
static int publish_messages_run(jobs_run *run, xn_error *err)
{
    return publish_messages_job(app_of(run)->publish, run->summary, err);
}

/* The signed manifest of the site target, written again after the site changed. */
static int publish_manifest_run(jobs_run *run, xn_error *err)
{
    return publish_manifest_job(app_of(run)->publish, run->summary, err);
}

/* OBL: duties come due remind their owners; overdue ones tell the leaders. */
static int oblig_remind_run(jobs_run *run, xn_error *err)
{
    return oblig_remind_job(app_of(run)->oblig, run->summary, err);
}

/* MON-2, ORG-4: a person on duty who has not checked in an hour into the shift. */
static int duty_watch_run(jobs_run *run, xn_error *err)
{
    return oblig_duty_watch(app_of(run)->oblig, run->summary, err);
}

/* LED: retired register rows past their register's retention. */
static int register_purge_run(jobs_run *run, xn_error *err)
{
    int purged = 0;
    int rc = register_purge(app_of(run)->registers, run->now_us, &purged, err);
    if (rc == XN_OK && purged)
        json_object_set_new(run->summary, "purged", json_integer(purged));
    return rc;
}

/* MON-1: the watched sites whose next check is due. */
static int monitor_run(jobs_run *run, xn_error *err)
{
    return monitor_check_due(app_of(run)->monitor, run->summary, err);
}

/* The write-ahead log copied into the database: asked for by a commit that left it long
 * (store_on_log_full), and every half hour. */
static int checkpoint_run(jobs_run *run, xn_error *err)
{
    return store_checkpoint(app_of(run)->db, err);
}

/* clang-format off */
const jobs_kind cli_job_kinds[] = {
    {.name = CLI_JOB_CHECKPOINT, .title = "数据库日志归并", .period_s = 1800, .timeout_s = 600,
     .attempts = 1, .run = checkpoint_run},
    {.name = "audit.tick", .title = "审计纪元与见证", .period_s = 5, .timeout_s = 300,
     .attempts = 1, .run = audit_tick_job},
    {.name = "audit.index", .title = "审计检索索引", .period_s = 5, .timeout_s = 300,
     .attempts = 1, .run = audit_index_job},
    {.name = "audit.verify", .title = "审计记录定期校验", .period_s = 60, .timeout_s = 3600,
     .attempts = 1, .run = audit_verify_job},
    {.name = "audit.purge", .title = "审计记录保留期清理", .period_s = 3600, .timeout_s = 3600,
     .attempts = 3, .run = audit_purge_job},
    {.name = "syslog.purge", .title = "日志保留期清理", .period_s = 3600, .timeout_s = 3600,
     .attempts = 3, .run = syslog_purge_job},
    {.name = "auth.lifecycle", .title = "账号生命周期提醒与停用", .period_s = 60,
     .timeout_s = 600, .attempts = 1, .run = lifecycle_job},
    {.name = "jobs.purge", .title = "任务记录保留期清理", .period_s = 86400, .timeout_s = 600,
     .attempts = 3, .run = jobs_purge_runs},
    /* requested by every raise to a group with robots or mail (jobs_request) */
    {.name = NOTIFY_JOB_FANOUT, .title = "通知分发", .period_s = 60, .timeout_s = 60,
     .attempts = 3, .run = notify_fanout_job},
    /* one job per channel (key: the channel id), scheduled by the fan-out */
    {.name = "notify.deliver", .title = "通知投递", .period_s = 0, .timeout_s = 15,
     .attempts = 3, .run = notify_deliver_job},
    {.name = "notify.watch", .title = "通知渠道故障提醒", .period_s = 60, .timeout_s = 60,
     .attempts = 1, .run = notify_watch_job},
    {.name = "files.scan", .title = "文件查毒", .period_s = 5, .timeout_s = 600,
     .attempts = 1, .run = files_scan_job},
    {.name = "files.purge", .title = "未完成上传清理", .period_s = 3600, .timeout_s = 600,
     .attempts = 3, .run = files_purge_job},
    /* also scheduled at the next reminder or escalation when it comes sooner */
    {.name = INCIDENT_JOB, .title = "事件时限提醒与升级", .period_s = 60, .timeout_s = 120,
     .attempts = 3, .run = incident_clocks_job},
    /* also scheduled at a chosen publication time */
    {.name = PUBLISH_JOB_RELEASE, .title = "定时发布", .period_s = 60, .timeout_s = 300,
     .attempts = 3, .run = publish_release_run},
    {.name = PUBLISH_JOB_RECHECK, .title = "已发布内容复查", .period_s = 7 * 86400,
     .timeout_s = 3600, .attempts = 3, .run = publish_recheck_run},
    /* also scheduled by each publication and withdrawal */
    {.name = PUBLISH_JOB_CMS, .title = "外部内容管理系统推送", .period_s = 60, .timeout_s = 300,
     .attempts = 1, .run = publish_cms_run},
    {.name = "publish.messages", .title = "网友留言答复时限提醒", .period_s = 3600,
     .timeout_s = 300, .attempts = 3, .run = publish_messages_run},
    {.name = PUBLISH_JOB_SITE, .title = "网站文件清单签名", .period_s = 0, .timeout_s = 300,
     .attempts = 3, .run = publish_manifest_run},
    {.name = "register.purge", .title = "台账保留期清理", .period_s = 86400, .timeout_s = 600,
     .attempts = 3, .run = register_purge_run},
    {.name = MONITOR_JOB, .title = "网站监测", .period_s = 5, .timeout_s = 600,
     .attempts = 1, .run = monitor_run},
    {.name = "oblig.remind", .title = "周期职责提醒与逾期升级", .period_s = 3600, .timeout_s = 300,
     .attempts = 3, .run = oblig_remind_run},
    {.name = "duty.watch", .title = "值班签到检查", .period_s = 60, .timeout_s = 60,
     .attempts = 1, .run = duty_watch_run},
};
/* clang-format on */
const size_t cli_job_kinds_count = sizeof cli_job_kinds / sizeof cli_job_kinds[0];
