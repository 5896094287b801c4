/* `xinan serve`, `xinan init`, `xinan version`. */
#include "audit/audit.h"
#include "calendar/calendar.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "files/files.h"
#include "http/http.h"
#include "lexicon/lexicon.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int cli_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("xinan %s\n", XN_VERSION);
    return 0;
}

int cli_cmd_init(int argc, char **argv)
{
    xn_config cfg;
    int status = cli_load_config(argc, argv, false, &cfg);
    if (status)
        return status;
    store *db = NULL;
    status = cli_open_store(&cfg, true, true, &db);
    if (status)
        return status;
    char id[33];
    bool created = false;
    xn_error err;
    if (store_instance_ensure(db, id, &created, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        store_close(db);
        return 1;
    }
    int version = 0;
    store_schema_version(db, &version, &err);
    printf("%s database %s (schema version %d, instance %s)\n",
           created ? "initialised" : "already initialised:", cfg.db_path, version, id);
    audit_trail *trail = NULL;
    status = cli_open_trail(&cfg, db, true, &trail);
    if (status == 0)
        status = cli_bootstrap_admin(&cfg, db, trail);
    auth_settings auth;
    auth_settings_default(&auth, &cfg);
    if (status == 0)
        status = cli_field_key(&cfg, db, trail, &auth);
    crypto_wipe(auth.field_key, sizeof auth.field_key);
    audit_trail_free(trail);
    store_close(db);
    return status;
}

/* Opens the administered lexicons (lexicon/): the database's, seeded from text.lexicons at the
 * first start, with the compiled image cached beside the database. The default seed path,
 * when missing (a server started outside the source tree), is replaced by the lexicons built
 * into the binary; any other missing seed path is a warning (personal-data checks still run,
 * and the system status shows it); a seed file that does not parse stops the start, naming
 * file and line. */
static int open_lexicons(const xn_config *cfg, xn_log *log, store *db, audit_trail *trail,
                         lexicon_live **out)
{
    xn_error err;
    char dir[sizeof cfg->db_path];
    xn_strlcpy(dir, cfg->db_path, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        xn_strlcpy(dir, ".", sizeof dir);
    lexicon_options opt = {
        .db = db,
        .audit = trail,
        .log = log,
        .alg = crypto_alg_for_mode(cfg->crypto),
        .seed_path = cfg->lexicons,
        .image_dir = dir,
        /* the default path is relative: the shipped set stands in for it */
        .builtin = strcmp(cfg->lexicons, XN_DEFAULT_LEXICONS) == 0 ? lexicon_builtins : NULL};
    if (lexicon_live_open(out, &opt, &err) != XN_OK) {
        fprintf(stderr, "xinan: lexicons: %s\n", err.message);
        return 1;
    }
    return 0;
}

/* The test clock of the lifecycle rules, for the job runner. */
static int64_t rules_clock(const void *ctx)
{
    return auth_now(ctx);
}

/* The runner is handed to the rooms whose job functions schedule jobs before any runs. */
static void request_checkpoint(void *runner)
{
    jobs_request_now(runner, CLI_JOB_CHECKPOINT);
}

static void jobs_ready(jobs_runner *r, void *app)
{
    cli_serve_app *serve = app;
    serve->jobs = r;
    /* a long log is copied into the database by the job store.checkpoint, not by the commit of
     * whichever request made it long */
    store_on_log_full(serve->db, request_checkpoint, r);
    notify_set_jobs(serve->notify, r);
    publish_set_jobs(serve->publish, r);
    /* under the test clock the clocks' job looks again every second, like every period */
    incident_set_jobs(serve->incidents, r, serve->auth->clock_file ? 1 : 60);
}

/* The main thread only waits for a stop signal; periodic work runs on the job runner. */
static int wait_for_stop(const sigset_t *stop_signals)
{
    for (;;) {
        int sig = 0;
        if (sigwait(stop_signals, &sig) == 0)
            return sig;
    }
}

int cli_cmd_serve(int argc, char **argv)
{
    xn_config cfg;
    int status = cli_load_config(argc, argv, true, &cfg);
    if (status)
        return status;
    xn_log log;
    xn_log_init(&log, stderr, cfg.log_level, cfg.log_format);

    /* Signals are taken synchronously by this thread alone: block them before any worker
     * thread exists so every thread inherits the mask, then wait for them with sigwait. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    store *db = NULL;
    audit_trail *trail = NULL;
    auth_dict *dict = NULL;
    auth_settings auth = {0};
    lexicon_live *lexicons = NULL;
    calendar_live *calendar = NULL;
    audit_syslog *syslog = NULL;
    files_store *files = NULL;
    http_server *srv = NULL;
    jobs_runner *jobs = NULL;
    notify_ctx *notify = NULL;
    incident_ctx *incidents = NULL;
    register_ctx *registers = NULL;
    publish_ctx *publish = NULL;
    oblig_ctx *oblig = NULL;
    monitor_ctx *monitor = NULL;
    xn_error err;
    status = cli_open_store(&cfg, true, true, &db);
    if (status)
        return status;
    status = 1;
    char instance[33];
    bool created = false;
    if (store_instance_ensure(db, instance, &created, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        goto out;
    }
    if (created)
        xn_log_event(&log, XN_LOG_INFO, "store.initialised", "db", cfg.db_path, "instance",
                     instance, XN_LOG_END);

    if (cli_open_trail(&cfg, db, true, &trail) != 0)
        goto out;
    auth_settings_default(&auth, &cfg);
    /* test only: moves the lifecycle clock by the seconds written in this file (README) */
    auth.clock_file = getenv("XINAN_TEST_CLOCK");
    if (auth.clock_file && !*auth.clock_file)
        auth.clock_file = NULL;
    if (auth.clock_file)
        xn_log_event(&log, XN_LOG_WARN, "auth.test_clock", "file", auth.clock_file, XN_LOG_END);
    if (cli_bootstrap_admin(&cfg, db, trail) != 0 || cli_field_key(&cfg, db, trail, &auth) != 0)
        goto out;
    if (auth_roles_load(db, &auth, &err) != XN_OK) {
        fprintf(stderr, "xinan: roles: %s\n", err.message);
        goto out;
    }
    if (auth_dict_new_builtin(&dict, &err) != XN_OK) {
        fprintf(stderr, "xinan: password dictionary: %s\n", err.message);
        goto out;
    }
    auth.dict = dict;
    if (open_lexicons(&cfg, &log, db, trail, &lexicons) != 0)
        goto out;
    /* OBL: the shipped years, replaced by any imported into the database */
    if (calendar_live_open(&calendar, db, trail, calendar_builtins, &err) != XN_OK) {
        fprintf(stderr, "xinan: calendar: %s\n", err.message);
        goto out;
    }
    /* AUD-5: the syslog receiver runs on the migrated store and stops before it closes. */
    if (audit_syslog_start(&syslog, &cfg, db, &log, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        goto out;
    }
    if (files_open(&files, &cfg, db, trail, &err) != XN_OK) {
        fprintf(stderr, "xinan: files: %s\n", err.message);
        goto out;
    }
    /* The periodic work of every room (job_kinds.c). Under the test clock periods are capped
     * at a second and idle workers look again every second, so a moved clock is seen. */
    notify_options nopt = {.db = db,
                           .trail = trail,
                           .auth = &auth,
                           .kinds = cli_event_kinds,
                           .nkinds = cli_event_kinds_count,
                           .robot_rate = (int)cfg.notify_robot_rate,
                           .log = &log};
    if (notify_open(&notify, &nopt, &err) != XN_OK) {
        fprintf(stderr, "xinan: notify: %s\n", err.message);
        goto out;
    }
    incident_options iopt = {
        .db = db, .trail = trail, .notify = notify, .files = files, .auth = &auth};
    if (incident_open_ctx(&incidents, &iopt, &err) != XN_OK) {
        fprintf(stderr, "xinan: incidents: %s\n", err.message);
        goto out;
    }
    register_options ropt = {
        .db = db, .trail = trail, .files = files, .auth = &auth, .calendar = calendar};
    if (register_open(&registers, &ropt, &err) != XN_OK) {
        fprintf(stderr, "xinan: registers: %s\n", err.message);
        goto out;
    }
    /* PUB: the site directory (publish.site_root, beside the database by default) and the
     * signing key of its manifest */
    char db_dir[sizeof cfg.db_path], site_root[1100], publish_state[1100];
    xn_strlcpy(db_dir, cfg.db_path, sizeof db_dir);
    char *slash = strrchr(db_dir, '/');
    if (slash)
        *slash = '\0';
    else
        xn_strlcpy(db_dir, ".", sizeof db_dir);
    snprintf(site_root, sizeof site_root, "%s", cfg.publish_site_root);
    if (!*site_root)
        snprintf(site_root, sizeof site_root, "%s/site", db_dir);
    snprintf(publish_state, sizeof publish_state, "%s/publish", db_dir);
    publish_options popt = {.db = db,
                            .trail = trail,
                            .notify = notify,
                            .files = files,
                            .lexicons = lexicons,
                            .calendar = calendar,
                            .auth = &auth,
                            .site_root = site_root,
                            .cms_url = cfg.publish_cms_url,
                            .cms_secret = cfg.publish_cms_secret,
                            .state_dir = publish_state};
    if (publish_open(&publish, &popt, &err) != XN_OK) {
        fprintf(stderr, "xinan: publishing: %s\n", err.message);
        goto out;
    }
    oblig_options oopt = {.db = db,
                          .trail = trail,
                          .files = files,
                          .lexicons = lexicons,
                          .registers = registers,
                          .calendar = calendar,
                          .notify = notify,
                          .incidents = incidents,
                          .auth = &auth,
                          .cfg = &cfg,
                          .catalogue = oblig_catalogue_text,
                          .catalogue_len = oblig_catalogue_len,
                          .job_kinds = cli_job_kinds,
                          .njob_kinds = cli_job_kinds_count};
    if (oblig_open(&oblig, &oopt, &err) != XN_OK) {
        fprintf(stderr, "xinan: compliance: %s\n", err.message);
        goto out;
    }
    monitor_options mopt = {.db = db,
                            .trail = trail,
                            .notify = notify,
                            .incidents = incidents,
                            .lexicons = lexicons,
                            .auth = &auth,
                            .site_root = site_root};
    if (monitor_open(&monitor, &mopt, &err) != XN_OK) {
        fprintf(stderr, "xinan: monitor: %s\n", err.message);
        goto out;
    }
    cli_serve_app serve = {.notify = notify,
                           .incidents = incidents,
                           .publish = publish,
                           .oblig = oblig,
                           .monitor = monitor,
                           .registers = registers,
                           .cfg = &cfg,
                           .log = &log,
                           .db = db,
                           .trail = trail,
                           .auth = &auth,
                           .files = files};
    jobs_options jopt = {.db = db,
                         .trail = trail,
                         .kinds = cli_job_kinds,
                         .nkinds = cli_job_kinds_count,
                         .app = &serve,
                         .workers = (int)cfg.jobs_workers,
                         .now = rules_clock,
                         .now_ctx = &auth,
                         .period_cap_s = auth.clock_file ? 1 : 0,
                         .max_sleep_ms = auth.clock_file ? 1000 : 0,
                         .on_flag = notify_job_flagged,
                         .before_workers = jobs_ready,
                         .log = &log};
    if (jobs_start(&jobs, &jopt, &err) != XN_OK) {
        fprintf(stderr, "xinan: jobs: %s\n", err.message);
        goto out;
    }
    http_app app = {.cfg = &cfg,
                    .log = &log,
                    .db = db,
                    .audit = trail,
                    .auth = &auth,
                    .started_us = xn_monotonic_us(),
                    .lexicons = lexicons,
                    .calendar = calendar,
                    .syslog = syslog,
                    .jobs = jobs,
                    .notify = notify,
                    .files = files,
                    .incidents = incidents,
                    .registers = registers,
                    .publish = publish,
                    .oblig = oblig,
                    .monitor = monitor};
    if (http_start(&srv, &app, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        goto out;
    }
    notify_set_self(notify, cfg.listen_host, http_port(srv));
    monitor_set_self(monitor, cfg.listen_host, http_port(srv));
    const char *host = cfg.listen_host;
    bool v6 = strchr(host, ':') != NULL;
    printf("xinan %s listening on http://%s%s%s:%u/\n", XN_VERSION, v6 ? "[" : "", host,
           v6 ? "]" : "", http_port(srv));
    fflush(stdout);
    char port[8];
    snprintf(port, sizeof port, "%u", http_port(srv));
    xn_log_event(&log, XN_LOG_INFO, "server.start", "version", XN_VERSION, "host", host, "port",
                 port, "db", cfg.db_path, XN_LOG_END);

    int sig = wait_for_stop(&stop_signals);
    xn_log_event(&log, XN_LOG_INFO, "server.stopping", "signal", strsignal(sig), XN_LOG_END);
    http_stop(srv, (int)cfg.shutdown_grace);
    srv = NULL;
    store_on_log_full(db, NULL, NULL); /* the runner goes: commits copy the log themselves */
    jobs_stop(jobs);
    jobs = NULL;
    /* the failures counted in the last minute get their summary before the trail closes */
    if (audit_failures_flush(trail, true, &err) != XN_OK)
        xn_log_event(&log, XN_LOG_ERROR, "audit.flush_failed", "error", err.message, XN_LOG_END);
    status = 0;
out:
    http_stop(srv, 0);
    if (db)
        store_on_log_full(db, NULL, NULL);
    jobs_stop(jobs);
    incident_free(incidents);
    register_free(registers);
    publish_free(publish);
    oblig_free(oblig);
    monitor_free(monitor);
    notify_free(notify);
    audit_syslog_stop(syslog);
    files_free(files);
    calendar_live_free(calendar);
    lexicon_live_free(lexicons);
    auth_dict_free(dict);
    crypto_wipe(auth.field_key, sizeof auth.field_key);
    audit_trail_free(trail);
    store_close(db);
    if (status == 0)
        xn_log_event(&log, XN_LOG_INFO, "server.stopped", XN_LOG_END);
    return status;
}
