/* xinan: finds the subcommand in the table and runs it. */
#include "base/base.h"
#include "cli/cli.h"

#include <curl/curl.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "noun verb", or "verb" for a top-level command; out holds 48 bytes. */
static void full_name(const cli_command *c, char out[48])
{
    snprintf(out, 48, "%s%s%s", c->noun ? c->noun : "", c->noun ? " " : "", c->verb);
}

static void print_help(FILE *out)
{
    fprintf(out,
            "xinan %s — 信安 information-security management platform\n\n"
            "usage: xinan <command> [flags]\n\ncommands:\n",
            XN_VERSION);
    for (const cli_command *c = cli_commands; c->verb; c++) {
        char name[48];
        full_name(c, name);
        fprintf(out, "  %-16s %s\n", name, c->summary);
    }
    fputs("\nEvery command takes --help. Settings: xinan.conf, XINAN_<SECTION>_<KEY>, flags.\n",
          out);
}

void cli_print_usage(FILE *out, const cli_command *cmd)
{
    char name[48];
    full_name(cmd, name);
    fprintf(out, "usage: xinan %s %s\n", name, cmd->usage);
}

static const cli_command *find(const char *name)
{
    for (const cli_command *c = cli_commands; c->verb; c++) {
        char full[48];
        full_name(c, full);
        if (strcmp(full, name) == 0)
            return c;
    }
    return NULL;
}

int cli_usage_error(const char *command_name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("xinan: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    const cli_command *c = find(command_name);
    if (c)
        cli_print_usage(stderr, c);
    return 2;
}

int main(int argc, char **argv)
{
    /* Databases, witness files and exports hold personal and security data: never world-readable.
     */
    umask(027);
    store_global_init();
    /* libcurl (notification delivery) before any thread */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cli_cmd_version(1, argv);
    /* Two-word commands ("db check") first, then one-word ones. */
    char name[64];
    const cli_command *cmd = NULL;
    int consumed = 1;
    if (argc >= 3 && argv[2][0] != '-') {
        snprintf(name, sizeof name, "%s %s", argv[1], argv[2]);
        cmd = find(name);
        consumed = 2;
    }
    if (!cmd) {
        snprintf(name, sizeof name, "%s", argv[1]);
        cmd = find(name);
        consumed = 1;
    }
    if (!cmd) {
        fprintf(stderr, "xinan: unknown command '%s'\n\n", argv[1]);
        print_help(stderr);
        return 2;
    }
    for (int i = consumed + 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fprintf(stdout, "%s\n", cmd->summary);
            cli_print_usage(stdout, cmd);
            return 0;
        }
    }
    /* The handler sees argv[0] = the full command name, then its own flags. */
    char **sub_argv = xn_xcalloc((size_t)(argc - consumed + 1), sizeof *sub_argv);
    sub_argv[0] = name;
    for (int i = consumed + 1; i < argc; i++)
        sub_argv[i - consumed] = argv[i];
    int status = cmd->run(argc - consumed, sub_argv);
    free(sub_argv);
    return status;
}
