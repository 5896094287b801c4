/* `xinan db migrate` and `xinan db check`. */
#include "cli/cli.h"

int cli_cmd_db_migrate(int argc, char **argv)
{
    xn_config cfg;
    int status = cli_load_config(argc, argv, false, &cfg);
    if (status)
        return status;
    store *db = NULL;
    status = cli_open_store(&cfg, true, false, &db);
    if (status)
        return status;
    xn_error err;
    int applied = 0, version = 0;
    if (store_migrate(db, &applied, &err) != XN_OK ||
        store_schema_version(db, &version, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        store_close(db);
        return 1;
    }
    printf("applied %d migration%s; %s is at schema version %d\n", applied, applied == 1 ? "" : "s",
           cfg.db_path, version);
    store_close(db);
    return 0;
}

int cli_cmd_db_check(int argc, char **argv)
{
    xn_config cfg;
    int status = cli_load_config(argc, argv, false, &cfg);
    if (status)
        return status;
    store *db = NULL;
    xn_error err;
    store_options opt = {
        .pool_size = 1, .busy_timeout_ms = (int)cfg.db_busy_timeout, .read_only = true};
    if (store_open(&db, cfg.db_path, &opt, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        return 1;
    }
    xn_buf report;
    xn_buf_init(&report, 1 << 20);
    int rc = store_check(db, &report, &err);
    if (rc == XN_OK)
        printf("ok: %s passed the integrity check\n", cfg.db_path);
    else
        fprintf(stderr, "xinan: %s\n%s", err.message, report.data ? report.data : "");
    xn_buf_release(&report);
    store_close(db);
    return rc == XN_OK ? 0 : 1;
}
