/* `xinan serve`, `xinan init`, `xinan version`. */
#include "cli/cli.h"
#include "http/http.h"

#include <pthread.h>
#include <signal.h>
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
    store_close(db);
    return 0;
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
    status = cli_open_store(&cfg, true, true, &db);
    if (status)
        return status;
    xn_error err;
    char instance[33];
    bool created = false;
    if (store_instance_ensure(db, instance, &created, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        store_close(db);
        return 1;
    }
    if (created)
        xn_log_event(&log, XN_LOG_INFO, "store.initialised", "db", cfg.db_path, "instance",
                     instance, XN_LOG_END);

    http_app app = {.cfg = &cfg, .log = &log, .db = db, .started_us = xn_monotonic_us()};
    http_server *srv = NULL;
    if (http_start(&srv, &app, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        store_close(db);
        return 1;
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

    int sig = 0;
    sigwait(&stop_signals, &sig);
    xn_log_event(&log, XN_LOG_INFO, "server.stopping", "signal", strsignal(sig), XN_LOG_END);
    http_stop(srv, (int)cfg.shutdown_grace);
    store_close(db);
    xn_log_event(&log, XN_LOG_INFO, "server.stopped", XN_LOG_END);
    return 0;
}
