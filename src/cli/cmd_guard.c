/*
 * `xinan guard baseline|verify|run`: the file-integrity agent in local mode (MON-4,
 * SZ 网页防篡改). Exit 0 success (verify: identical), 1 differences or failure, 2 usage.
 */
#include "cli/cli.h"
#include "guard/guard.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode { LOCAL, RUN, ENROL };

static const char *enrol_key; /* enrol --key: the server key the administrator checked */

static int parse(int argc, char **argv, guard_opts *o, enum mode mode)
{
    bool run = mode == RUN;
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"state", required_argument, NULL, 's'},
        {"block", no_argument, NULL, 'b'},
        {"scan-minutes", required_argument, NULL, 'm'},
        {"inotify", no_argument, NULL, 'i'},
        {"server", required_argument, NULL, 'S'},
        {"token", required_argument, NULL, 'T'},
        {"key", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    *o = (guard_opts){.scan_minutes = 10};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->root = optarg;
            break;
        case 's':
            o->state = optarg;
            break;
        case 'b':
            o->block = true;
            break;
        case 'i':
            o->force_inotify = true;
            break;
        case 'm': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v < 1 || v > 1440) {
                fprintf(stderr, "%s: --scan-minutes must be 1..1440\n", argv[0]);
                return 2;
            }
            o->scan_minutes = (unsigned)v;
            break;
        }
        case 'S':
            o->server = optarg;
            break;
        case 'T':
            o->token = optarg;
            break;
        case 'k':
            enrol_key = optarg;
            break;
        default:
            return 2;
        }
    }
    /* the token from the environment keeps it out of the process list */
    if (o->server && !o->token && getenv("XINAN_GUARD_TOKEN") && *getenv("XINAN_GUARD_TOKEN"))
        o->token = getenv("XINAN_GUARD_TOKEN");
    if (mode == ENROL) {
        if (!o->state || !o->server || !o->token || o->root || o->block || o->force_inotify ||
            optind != argc) {
            fprintf(stderr, "%s: usage: --state DIR --server URL --token TOKEN [--key HEX]\n",
                    argv[0]);
            return 2;
        }
        return 0;
    }
    if (!o->root || !o->state || optind != argc || enrol_key ||
        (!run && (o->block || o->force_inotify || o->server)) || (o->block && o->force_inotify) ||
        (!o->server != !o->token)) {
        fprintf(stderr, "%s: usage: --root DIR --state DIR%s\n", argv[0],
                run ? " [--block] [--scan-minutes N] [--inotify] [--server URL --token TOKEN]"
                    : "");
        return 2;
    }
    return 0;
}

static int report(const char *cmd, int rc, const xn_error *err)
{
    if (rc == 0 || rc == 1)
        return rc;
    fprintf(stderr, "%s: %s (%s)\n", cmd, err->message, err->code);
    return 1;
}

int cli_cmd_guard_baseline(int argc, char **argv)
{
    guard_opts o;
    if (parse(argc, argv, &o, LOCAL))
        return 2;
    xn_error err = {0};
    return report(argv[0], guard_baseline(&o, &err), &err);
}

int cli_cmd_guard_verify(int argc, char **argv)
{
    guard_opts o;
    if (parse(argc, argv, &o, LOCAL))
        return 2;
    xn_error err = {0};
    int rc = guard_verify(&o, &err);
    return report(argv[0], rc, &err);
}

int cli_cmd_guard_run(int argc, char **argv)
{
    guard_opts o;
    if (parse(argc, argv, &o, RUN))
        return 2;
    xn_error err = {0};
    return report(argv[0], guard_run(&o, &err), &err);
}

int cli_cmd_guard_enrol(int argc, char **argv)
{
    guard_opts o;
    if (parse(argc, argv, &o, ENROL))
        return 2;
    xn_error err = {0};
    return report(argv[0], guard_enrol(&o, enrol_key, &err), &err);
}
