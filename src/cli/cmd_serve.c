/* `xinan serve`, `xinan init`, `xinan version`. */
#include "audit/audit.h"
#include "calendar/calendar.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
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

#define TICK_SECONDS      5
#define PURGE_EVERY_TICKS (3600 / TICK_SECONDS)
#define INDEX_STEP        10000 /* records per search-index transaction: short write locks */
#define INDEX_STEPS       10    /* at most this many per tick; a backlog is caught up later */

/* Brings the audit search index up to date, a few short transactions at a time. */
static void index_audit(store *db, xn_log *log)
{
    xn_error err;
    int64_t indexed = INDEX_STEP;
    for (int i = 0; i < INDEX_STEPS && indexed == INDEX_STEP; i++) {
        if (audit_index_pending(db, INDEX_STEP, &indexed, &err) != XN_OK) {
            xn_log_event(log, XN_LOG_ERROR, "audit.index_failed", "error", err.message, XN_LOG_END);
            return;
        }
    }
}

/* The scheduled verification of the trail (audit.verify_hours): a damaged trail raises its
 * alert inside audit_verify_due; the log says so too. */
static void verify_audit(audit_trail *trail, xn_log *log)
{
    xn_error err;
    bool ran = false, intact = true;
    if (audit_verify_due(trail, &ran, &intact, &err) != XN_OK)
        xn_log_event(log, XN_LOG_ERROR, "audit.verify_failed", "error", err.message, XN_LOG_END);
    else if (ran)
        xn_log_event(log, intact ? XN_LOG_INFO : XN_LOG_ERROR, "audit.verified", "intact",
                     intact ? "true" : "false", "trigger", "scheduled", XN_LOG_END);
}

/* AUD-3: whole days of received logs past syslog.retention_days, each with its record. */
static void purge_logs(store *db, audit_trail *trail, const xn_config *cfg, xn_log *log)
{
    xn_error err;
    int dropped = 0;
    if (audit_logstore_purge(db, trail, cfg, xn_now_us(), &dropped, &err) != XN_OK) {
        xn_log_event(log, XN_LOG_ERROR, "syslog.purge_failed", "error", err.message, XN_LOG_END);
    } else if (dropped) {
        char n[16];
        snprintf(n, sizeof n, "%d", dropped);
        xn_log_event(log, XN_LOG_INFO, "syslog.purged", "days", n, "reason",
                     "older than syslog.retention_days", XN_LOG_END);
    }
}

/* The account lifecycle's deadlines (ACC-12): reminders and disabling, logged when acted on. */
static void lifecycle_tick(store *db, audit_trail *trail, const auth_settings *auth, xn_log *log)
{
    xn_error err;
    auth_tick_result r;
    if (auth_lifecycle_tick(db, trail, auth_now(auth), &r, &err) != XN_OK) {
        xn_log_event(log, XN_LOG_ERROR, "auth.tick_failed", "error", err.message, XN_LOG_END);
        return;
    }
    if (r.reminded || r.disabled || r.expiring) {
        char reminded[16], disabled[16], expiring[16];
        snprintf(reminded, sizeof reminded, "%d", r.reminded);
        snprintf(disabled, sizeof disabled, "%d", r.disabled);
        snprintf(expiring, sizeof expiring, "%d", r.expiring);
        xn_log_event(log, XN_LOG_INFO, "auth.lifecycle", "reminded", reminded, "disabled", disabled,
                     "expiry_reminded", expiring, XN_LOG_END);
    }
}

/* The main thread's periodic work while it waits for a stop signal: closing due audit
 * epochs (empty ones too) and sending checkpoints to the remote witness, the audit search
 * index, the account lifecycle, the scheduled verification, and the hourly retention purges
 * (the first one at the first tick). A long verification delays the next tick, never a
 * request. Under the test clock (XINAN_TEST_CLOCK) it ticks every second. */
static int wait_for_stop(const sigset_t *stop_signals, audit_trail *trail, store *db,
                         const xn_config *cfg, const auth_settings *auth, xn_log *log)
{
    struct timespec tick = {.tv_sec = auth->clock_file ? 1 : TICK_SECONDS};
    for (long n = 1;; n++) {
        int sig = sigtimedwait(stop_signals, NULL, &tick);
        if (sig > 0)
            return sig;
        xn_error err;
        if (audit_tick(trail, &err) != XN_OK)
            xn_log_event(log, XN_LOG_ERROR, "audit.tick_failed", "error", err.message, XN_LOG_END);
        index_audit(db, log);
        lifecycle_tick(db, trail, auth, log);
        verify_audit(trail, log);
        int64_t purged = 0;
        if (n % PURGE_EVERY_TICKS == 0 && audit_purge(trail, xn_now_us(), &purged, &err) != XN_OK)
            xn_log_event(log, XN_LOG_ERROR, "audit.purge_failed", "error", err.message, XN_LOG_END);
        if (n % PURGE_EVERY_TICKS == 1)
            purge_logs(db, trail, cfg, log);
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
    http_server *srv = NULL;
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
    http_app app = {.cfg = &cfg,
                    .log = &log,
                    .db = db,
                    .audit = trail,
                    .auth = &auth,
                    .started_us = xn_monotonic_us(),
                    .lexicons = lexicons,
                    .calendar = calendar,
                    .syslog = syslog};
    if (http_start(&srv, &app, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        goto out;
    }
    const char *host = cfg.listen_host;
    bool v6 = strchr(host, ':') != NULL;
    printf("xinan %s listening on http://%s%s%s:%u/\n", XN_VERSION, v6 ? "[" : "", host,
           v6 ? "]" : "", http_port(srv));
    fflush(stdout);
    char port[8];
    snprintf(port, sizeof port, "%u", http_port(srv));
    xn_log_event(&log, XN_LOG_INFO, "server.start", "version", XN_VERSION, "host", host, "port",
                 port, "db", cfg.db_path, XN_LOG_END);

    int sig = wait_for_stop(&stop_signals, trail, db, &cfg, &auth, &log);
    xn_log_event(&log, XN_LOG_INFO, "server.stopping", "signal", strsignal(sig), XN_LOG_END);
    http_stop(srv, (int)cfg.shutdown_grace);
    /* the failures counted in the last minute get their summary before the trail closes */
    if (audit_failures_flush(trail, true, &err) != XN_OK)
        xn_log_event(&log, XN_LOG_ERROR, "audit.flush_failed", "error", err.message, XN_LOG_END);
    status = 0;
out:
    audit_syslog_stop(syslog);
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
