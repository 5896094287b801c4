/*
 * `xinan user appoint`: the break-glass recovery of ACC-6. When no security or audit
 * administrator is left (the API then refuses every administrator grant: the appointment
 * without approval exists once, at bootstrap), the host's root grants a role directly against
 * the database. The grant is written with a loud audit record (auth.break_glass: the host user
 * and the reason) and a warning in the log, so the audit administrator sees it.
 */
#include "cli/cli.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "name (uid N) on host" of the person running the command; sudo's caller when there is one. */
static void host_user(char *out, size_t size)
{
    const struct passwd *pw = getpwuid(geteuid());
    const char *sudo = getenv("SUDO_USER");
    char host[128] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        xn_strlcpy(host, "?", sizeof host);
    snprintf(out, size, "%s (uid %u)%s%s on %s", pw ? pw->pw_name : "?", (unsigned)geteuid(),
             sudo && *sudo ? " via sudo by " : "", sudo && *sudo ? sudo : "", host);
}

int cli_cmd_user_appoint(int argc, char **argv)
{
    const char *reason = NULL, *db_path = NULL, *config_path = NULL;
    int status = cli_take_flag(&argc, argv, "reason", &reason);
    if (!status)
        status = cli_take_flag(&argc, argv, "db", &db_path);
    if (!status)
        status = cli_take_flag(&argc, argv, "config", &config_path);
    if (status)
        return status;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) == 0)
            return cli_usage_error(argv[0], "unknown flag '%s'", argv[i]);
    if (argc != 3)
        return cli_usage_error(argv[0], "give the account and the role");
    if (reason == NULL || *reason == '\0')
        return cli_usage_error(argv[0], "--reason is required: say why the break-glass is used");
    if (geteuid() != 0) {
        fprintf(stderr, "xinan: user appoint is the host's break-glass: run it as root\n");
        return 1;
    }
    xn_config cfg;
    if ((status = cli_read_config(config_path, db_path, NULL, &cfg)) != 0)
        return status;
    store *db = NULL;
    audit_trail *trail = NULL;
    if ((status = cli_open_store(&cfg, false, true, &db)) != 0)
        return status;
    if ((status = cli_open_trail(&cfg, db, false, &trail)) != 0) {
        store_close(db);
        return status;
    }
    char who[256];
    host_user(who, sizeof who);
    xn_log log;
    xn_log_init(&log, stderr, XN_LOG_INFO, XN_LOG_KV);
    xn_error err;
    int64_t id = 0;
    int rc = auth_break_glass_appoint(db, trail, argv[1], argv[2], who, reason, &id, &err);
    if (rc != XN_OK) {
        fprintf(stderr, "xinan: user appoint: %s\n", err.message);
        status = rc == XN_EINVAL ? 2 : 1;
    } else {
        xn_log_event(&log, XN_LOG_WARN, "auth.break_glass", "account", argv[1], "role", argv[2],
                     "host_user", who, "reason", reason, XN_LOG_END);
        printf("break-glass: %s now holds %s (recorded in the audit trail as auth.break_glass)\n"
               "紧急授权：%s 已被直接授予角色 %s，已记入审计日志。\n",
               argv[1], argv[2], argv[1], argv[2]);
    }
    audit_trail_free(trail);
    store_close(db);
    return status;
}
