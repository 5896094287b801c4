/*
 * cli: the `xinan` subcommands. Commands are a table (noun, verb, handler), so `xinan --help`,
 * usage errors and the docs come from one place. A handler gets argv with argv[0] set to the
 * command's full name ("text check") and returns the process exit status: 0 success,
 * 1 a negative result or runtime failure, 2 a usage or configuration error.
 */
#ifndef XINAN_CLI_H
#define XINAN_CLI_H

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "files/files.h"
#include "incident/incident.h"
#include "jobs/jobs.h"
#include "monitor/monitor.h"
#include "notify/notify.h"
#include "oblig/oblig.h"
#include "publish/publish.h"
#include "store/store.h"

#include <stdio.h>

typedef struct cli_command {
    const char *noun;    /* "db", "text", …; NULL for a top-level verb such as "serve" */
    const char *verb;    /* "check", "serve", … */
    const char *summary; /* one line, shown in `xinan --help` */
    const char *usage;   /* flags and operands, shown on a usage error and with --help */
    int (*run)(int argc, char **argv);
} cli_command;

/* The table, ended by an entry whose verb is NULL. */
extern const cli_command cli_commands[];

/* Prints "usage: xinan <noun> <verb> <usage>" to `out`. */
void cli_print_usage(FILE *out, const cli_command *cmd);
/* Prints the usage of the command named by argv[0] to stderr and returns 2. */
int cli_usage_error(const char *command_name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Reads the settings every command shares: defaults, then the file (--config FILE, or
 * ./xinan.conf when present), then XINAN_* variables, then --db and, when allow_listen,
 * --listen. Returns 0, or the exit status after printing the problem (2: usage or bad
 * configuration).
 */
int cli_load_config(int argc, char **argv, bool allow_listen, xn_config *cfg);
/* The reading part of cli_load_config for a command that parses its own flags: config_path
 * (NULL: ./xinan.conf when present), db and listen (each NULL when not given). */
int cli_read_config(const char *config_path, const char *db, const char *listen, xn_config *cfg);

/* Opens the database the configuration names, creating it (and its directory) when create is
 * set, and applies migrations when migrate is set. Prints a clear message and returns 1 on
 * failure. */
int cli_open_store(const xn_config *cfg, bool create, bool migrate, store **out);

/* Removes "--name VALUE" or "--name=VALUE" from argv (keeping the rest for cli_load_config)
 * and sets *value; leaves *value alone when the flag is absent. Returns 0 or 2 (usage). */
int cli_take_flag(int *argc, char **argv, const char *name, const char **value);
/* Removes the switch "--name" (no value) from argv and sets *on when it was there. */
void cli_take_switch(int *argc, char **argv, const char *name, bool *on);

/* Opens the audit trail of db, initialising it on first use; with show_seed, a new trail's
 * verification seed is printed once (hex and QR). Prints the problem and returns 1 on failure. */
int cli_open_trail(const xn_config *cfg, store *db, bool show_seed, audit_trail **out);
void cli_show_seed(FILE *out, const uint8_t *seed, size_t len);
/* Creates the first 系统管理员 on an empty database and prints its one-time password once. */
int cli_bootstrap_admin(const xn_config *cfg, store *db, audit_trail *trail);
/*
 * The field key (<db>.key beside the database): loads it into s, or creates it when the
 * database holds no sealed field yet; a missing key with sealed fields present stops the
 * start with a clear message. Then seals any field still stored in the clear. 0 or exit code.
 */
int cli_field_key(const xn_config *cfg, store *db, audit_trail *trail, auth_settings *s);

/* The server's context, given to every job (jobs_run.app). */
typedef struct cli_serve_app {
    notify_ctx *notify; /* first: notify's job functions read it (notify_app) */
    const xn_config *cfg;
    xn_log *log;
    store *db;
    audit_trail *trail;
    const auth_settings *auth;
    jobs_runner *jobs;
    files_store *files;
    incident_ctx *incidents;
    publish_ctx *publish;
    oblig_ctx *oblig;
    monitor_ctx *monitor;
    register_ctx *registers;
} cli_serve_app;

/* The server's job kinds (job_kinds.c). */
#define CLI_JOB_CHECKPOINT "store.checkpoint"
extern const jobs_kind cli_job_kinds[];
extern const size_t cli_job_kinds_count;
/* The server's notification event kinds (event_kinds.c). */
extern const notify_event_kind cli_event_kinds[];
extern const size_t cli_event_kinds_count;

/* Handlers, one file per noun (cmd_<noun>.c). */
int cli_cmd_version(int argc, char **argv);
int cli_cmd_serve(int argc, char **argv);
int cli_cmd_init(int argc, char **argv);
int cli_cmd_db_migrate(int argc, char **argv);
int cli_cmd_db_check(int argc, char **argv);
int cli_cmd_text_compile(int argc, char **argv);
int cli_cmd_text_check(int argc, char **argv);
int cli_cmd_audit_verify(int argc, char **argv);
int cli_cmd_passwd_check(int argc, char **argv);
int cli_cmd_user_appoint(int argc, char **argv);
int cli_cmd_calendar_add_workdays(int argc, char **argv);
int cli_cmd_calendar_is_workday(int argc, char **argv);
int cli_cmd_guard_baseline(int argc, char **argv);
int cli_cmd_guard_verify(int argc, char **argv);
int cli_cmd_guard_run(int argc, char **argv);
int cli_cmd_guard_enrol(int argc, char **argv);

#endif
