/* What every command shares: reading the configuration and opening the database. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

int cli_load_config(int argc, char **argv, bool allow_listen, xn_config *cfg)
{
    const char *config_path = NULL, *db = NULL, *listen = NULL;
    static const struct option long_opts[] = {{"config", required_argument, NULL, 'c'},
                                              {"db", required_argument, NULL, 'd'},
                                              {"listen", required_argument, NULL, 'l'},
                                              {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'l':
            if (!allow_listen)
                return cli_usage_error(argv[0], "unknown flag '--listen'");
            listen = optarg;
            break;
        default:
            return cli_usage_error(argv[0], "unknown or incomplete flag '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);

    xn_error err;
    xn_config_defaults(cfg);
    int rc = config_path ? xn_config_load_file(cfg, config_path, true, &err)
                         : xn_config_load_file(cfg, "xinan.conf", false, &err);
    if (rc == XN_OK)
        rc = xn_config_load_env(cfg, &err);
    if (rc == XN_OK && db)
        rc = xn_config_set(cfg, "server", "db", db, &err);
    if (rc == XN_OK && listen)
        rc = xn_config_set_listen(cfg, listen, &err);
    if (rc != XN_OK) {
        fprintf(stderr, "xinan: invalid configuration: %s\n", err.message);
        return 2;
    }
    return 0;
}

/* mkdir -p for the directory part of path. */
static int make_parent_dirs(const char *path, xn_error *err)
{
    char dir[512];
    if (xn_strlcpy(dir, path, sizeof dir) != XN_OK)
        return xn_fail(err, XN_EINVAL, "db_path", "database path is too long");
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return XN_OK;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0750) != 0 && errno != EEXIST)
            return xn_fail(err, XN_EIO, "db_path", "cannot create directory %s: %s", dir,
                           strerror(errno));
        *p = '/';
    }
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return xn_fail(err, XN_EIO, "db_path", "cannot create directory %s: %s", dir,
                       strerror(errno));
    return XN_OK;
}

int cli_open_store(const xn_config *cfg, bool create, bool migrate, store **out)
{
    xn_error err;
    /* One connection per HTTP worker plus room for the job runner and the CLI. */
    store_options opt = {.pool_size = xn_config_threads(cfg) + 2,
                         .busy_timeout_ms = (int)cfg->db_busy_timeout,
                         .create = create};
    int rc = create ? make_parent_dirs(cfg->db_path, &err) : XN_OK;
    if (rc == XN_OK)
        rc = store_open(out, cfg->db_path, &opt, &err);
    if (rc == XN_OK && migrate) {
        int applied = 0;
        rc = store_migrate(*out, &applied, &err);
        if (rc != XN_OK) {
            store_close(*out);
            *out = NULL;
        }
    }
    if (rc != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        return 1;
    }
    return 0;
}
