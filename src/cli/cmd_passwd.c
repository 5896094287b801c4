/*
 * `xinan passwd check`: the password policy from the command line (ACC-8..10, ACC-18).
 *
 * The candidate comes on the first line of standard input, never as an argument (arguments
 * are visible to every user of the machine); with --current-stdin the current password follows
 * on the second line. Prints {"ok":bool,"violations":[{"rule","message"}]} and exits 0 when the
 * password is acceptable, 1 when it is not, 2 on a usage or input error.
 *
 * With --db PATH (or --config FILE, whose server.db is used) the policy is the one the security
 * administrator stored there (the profile's minimum tightened by the stored settings) and the
 * stored weak-password list applies too; without either, the regulatory minimum. --set applies
 * on top, never below the minimum.
 */
#include "auth/auth.h"
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_STDIN (1u << 20)
#define MAX_SETS  16

/* Reads all of standard input, at most MAX_STDIN bytes, straight into one buffer of that size
 * (never grown, so no copy of the passwords is left behind in freed memory; the caller wipes
 * it). */
static int read_stdin(char *data, size_t *len, xn_error *err)
{
    *len = 0;
    for (;;) {
        if (*len == MAX_STDIN) {
            char probe;
            ssize_t more = read(0, &probe, 1);
            if (more == 0)
                return XN_OK;
            return xn_fail(err, XN_ETOOBIG, "input_too_large",
                           "standard input is larger than %u bytes", MAX_STDIN);
        }
        ssize_t r = read(0, data + *len, MAX_STDIN - *len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return xn_fail(err, XN_EIO, "input_unreadable", "cannot read standard input: %s",
                           strerror(errno));
        if (r == 0)
            return XN_OK;
        *len += (size_t)r;
    }
}

/* Takes the next line of data[*pos..len): its start and length, without "\n" or "\r\n". */
static bool next_line(const char *data, size_t len, size_t *pos, const char **line, size_t *n)
{
    if (*pos >= len)
        return false;
    const char *start = data + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    size_t k = nl ? (size_t)(nl - start) : len - *pos;
    *pos += k + (nl ? 1 : 0);
    if (nl && k > 0 && start[k - 1] == '\r')
        k--;
    *line = start;
    *n = k;
    return true;
}

/* The stored, effective policy of a profile (read only; the database must exist). */
static int open_stored(const xn_config *cfg, auth_profile prof, store **db, auth_policy *policy,
                       xn_error *err)
{
    store_options opt = {
        .pool_size = 1, .busy_timeout_ms = (int)cfg->db_busy_timeout, .read_only = true};
    int rc = store_open(db, cfg->db_path, &opt, err);
    if (rc == XN_OK)
        rc = auth_policy_load(*db, prof, policy, err);
    return rc;
}

int cli_cmd_passwd_check(int argc, char **argv)
{
    static const struct option opts[] = {{"profile", required_argument, NULL, 'p'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"birthday", required_argument, NULL, 'b'},
                                         {"phone", required_argument, NULL, 't'},
                                         {"current-stdin", no_argument, NULL, 'C'},
                                         {"weak-list", required_argument, NULL, 'w'},
                                         {"set", required_argument, NULL, 's'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"db", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    const char *profile = NULL, *weak_path = NULL, *config_path = NULL, *db_path = NULL;
    xn_config cfg;
    store *db = NULL;
    const char *sets[MAX_SETS];
    size_t nsets = 0;
    bool with_current = false;
    auth_pw_input in = {0};
    auth_policy policy;
    auth_policy_overrides ov = AUTH_POLICY_OVERRIDES_INIT;
    auth_policy_result result;
    auth_profile prof;
    auth_dict *dict = NULL;
    auth_wordlist *weak = NULL;
    char *input = NULL;
    size_t input_len = 0;
    xn_buf out;
    xn_error err = {0};
    int opt, status = 2;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            profile = optarg;
            break;
        case 'u':
            in.account = optarg;
            break;
        case 'n':
            in.name = optarg;
            break;
        case 'b':
            in.birthday = optarg;
            break;
        case 't':
            in.phone = optarg;
            break;
        case 'C':
            with_current = true;
            break;
        case 'w':
            weak_path = optarg;
            break;
        case 's':
            if (nsets == MAX_SETS)
                return cli_usage_error(argv[0], "more than %d --set flags", MAX_SETS);
            sets[nsets++] = optarg;
            break;
        case 'c':
            config_path = optarg;
            break;
        case 'd':
            db_path = optarg;
            break;
        default:
            return cli_usage_error(argv[0], "unknown or incomplete flag '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(argv[0],
                               "unexpected argument '%s' (the password is read from "
                               "standard input)",
                               argv[optind]);
    if (profile == NULL)
        return cli_usage_error(argv[0], "missing --profile user|admin|server|media");
    if (auth_profile_parse(profile, &prof) != XN_OK)
        return cli_usage_error(argv[0], "--profile must be user, admin, server or media");
    /* The settings file is read and checked like every command's, so a broken file is found
     * here too. The policy itself lives in the database: cfg.db_path names it. */
    if (cli_read_config(config_path, db_path, NULL, &cfg) != 0)
        return 2;
    /* With a database (--db, or --config naming one) the stored policy is the base. */
    if (db_path || config_path) {
        if (open_stored(&cfg, prof, &db, &policy, &err) != XN_OK) {
            fprintf(stderr, "xinan: %s: %s\n", cfg.db_path, err.message);
            store_close(db);
            return 2;
        }
    } else {
        auth_policy_default(prof, &policy);
    }
    for (size_t i = 0; i < nsets; i++) {
        char key[64];
        const char *eq = strchr(sets[i], '=');
        if (eq == NULL || (size_t)(eq - sets[i]) >= sizeof key || eq == sets[i])
            return cli_usage_error(argv[0], "--set takes KEY=VALUE, not '%s'", sets[i]);
        memcpy(key, sets[i], (size_t)(eq - sets[i]));
        key[eq - sets[i]] = '\0';
        if (auth_policy_override_parse(&ov, key, eq + 1, &err) != XN_OK) {
            store_close(db);
            return cli_usage_error(argv[0], "%s", err.message);
        }
    }
    if (auth_policy_tighten(&policy, &ov, &err) != XN_OK) {
        store_close(db);
        return cli_usage_error(argv[0], "%s", err.message);
    }

    xn_buf_init(&out, 1u << 16);
    input = xn_xmalloc(MAX_STDIN);
    if (read_stdin(input, &input_len, &err) != XN_OK)
        goto fail;
    size_t pos = 0;
    if (!next_line(input, input_len, &pos, &in.candidate, &in.candidate_len)) {
        in.candidate = "";
        in.candidate_len = 0;
    }
    if (with_current && !next_line(input, input_len, &pos, &in.current, &in.current_len)) {
        xn_fail(&err, XN_EINVAL, "usage",
                "--current-stdin: the current password is missing "
                "(the second line of standard input)");
        goto fail;
    }
    if (pos < input_len) {
        xn_fail(&err, XN_EINVAL, "usage", "unexpected input after line %d of standard input",
                with_current ? 2 : 1);
        goto fail;
    }
    if (weak_path && auth_wordlist_load(weak_path, &weak, &err) != XN_OK)
        goto fail;
    if (policy.dictionary && auth_dict_new_builtin(&dict, &err) != XN_OK)
        goto fail;
    if ((db ? auth_policy_check_stored(db, &policy, dict, weak, &in, &result, &err)
            : auth_policy_check(&policy, dict, weak, &in, &result, &err)) != XN_OK)
        goto fail;
    if (auth_policy_result_json(&result, &out) != XN_OK || xn_buf_puts(&out, "\n") != XN_OK ||
        fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        xn_fail(&err, XN_EIO, "output_failed", "cannot write the output");
        goto fail;
    }
    status = result.ok ? 0 : 1;
    goto out;
fail:
    fprintf(stderr, "xinan: %s\n", err.message);
    status = 2;
out:
    /* The passwords sit in this buffer: wipe it before it goes back to the heap. */
    if (input)
        explicit_bzero(input, input_len);
    free(input);
    xn_buf_release(&out);
    auth_dict_free(dict);
    auth_wordlist_free(weak);
    store_close(db);
    return status;
}
