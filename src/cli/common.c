/* What every command shares: reading the configuration and opening the database. */
#include "cli/cli.h"
#include "crypto/crypto.h"

#include <qrencode.h>

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
    return cli_read_config(config_path, db, listen, cfg);
}

int cli_read_config(const char *config_path, const char *db, const char *listen, xn_config *cfg)
{
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

int cli_take_flag(int *argc, char **argv, const char *name, const char **value)
{
    size_t n = strlen(name);
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
            continue;
        int used;
        if (a[2 + n] == '=') {
            *value = a + 3 + n;
            used = 1;
        } else if (a[2 + n] == '\0' && i + 1 < *argc) {
            *value = argv[i + 1];
            used = 2;
        } else if (a[2 + n] == '\0') {
            return cli_usage_error(argv[0], "flag '--%s' needs a value", name);
        } else {
            continue;
        }
        memmove(&argv[i], &argv[i + used], (size_t)(*argc - i - used + 1) * sizeof *argv);
        *argc -= used;
        return 0;
    }
    return 0;
}

void cli_take_switch(int *argc, char **argv, const char *name, bool *on)
{
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return;
        if (strncmp(a, "--", 2) != 0 || strcmp(a + 2, name) != 0)
            continue;
        memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i) * sizeof *argv);
        *argc -= 1;
        *on = true;
        return;
    }
}

/* The seed as a QR code of half-height blocks, so it fits a printed page. */
static void print_qr(FILE *out, const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return;
    int w = qr->width, margin = 2;
    for (int y = -margin; y < w + margin; y += 2) {
        fputs("    ", out);
        for (int x = -margin; x < w + margin; x++) {
            bool top = y >= 0 && y < w && x >= 0 && x < w && (qr->data[y * w + x] & 1);
            bool bottom =
                y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (qr->data[(y + 1) * w + x] & 1);
            /* dark modules print as spaces on a light block, so a dark terminal reads too */
            fputs(top && bottom ? " " : top ? "▄" : bottom ? "▀" : "█", out);
        }
        fputc('\n', out);
    }
    QRcode_free(qr);
}

void cli_show_seed(FILE *out, const uint8_t *seed, size_t len)
{
    char hex[2 * 64 + 1];
    xn_hex(seed, len, hex);
    fputs("\n========================================================================\n"
          " 审计日志验证种子 / audit trail verification seed\n"
          " 仅显示这一次：请审计管理员抄录或打印后离线保存。\n"
          " Shown this once: the audit administrator keeps it offline. It verifies\n"
          " every record ever sealed (xinan audit verify --seed-file FILE).\n"
          "------------------------------------------------------------------------\n   ",
          out);
    for (size_t i = 0; hex[i]; i++) {
        fputc(hex[i], out);
        if (i % 32 == 31)
            fputs(hex[i + 1] ? "\n   " : "\n", out);
        else if (i % 8 == 7)
            fputc(' ', out);
    }
    print_qr(out, hex);
    fputs("========================================================================\n\n", out);
    crypto_wipe(hex, sizeof hex);
}

int cli_open_trail(const xn_config *cfg, store *db, bool show_seed, audit_trail **out)
{
    xn_error err;
    audit_trail *t = NULL;
    uint8_t seed[AUDIT_SEED_BYTES];
    bool created = false;
    int rc = audit_trail_open(&t, db, cfg, &err);
    if (rc == XN_OK)
        rc = audit_trail_init(t, seed, &created, &err);
    if (rc != XN_OK) {
        fprintf(stderr, "xinan: audit trail: %s\n", err.message);
        audit_trail_free(t);
        return 1;
    }
    if (created) {
        if (show_seed)
            cli_show_seed(stdout, seed, sizeof seed);
        crypto_wipe(seed, sizeof seed);
    }
    *out = t;
    return 0;
}

int cli_bootstrap_admin(const xn_config *cfg, store *db, audit_trail *trail)
{
    xn_error err;
    char password[AUTH_OTP_CHARS + 1];
    bool created = false;
    if (auth_bootstrap(db, trail, crypto_alg_for_mode(cfg->crypto), password, &created, &err) !=
        XN_OK) {
        fprintf(stderr, "xinan: first administrator: %s\n", err.message);
        return 1;
    }
    if (created) {
        printf("\n首个系统管理员 / first system administrator\n"
               "  账号 account:            admin\n"
               "  一次性密码 one-time password: %s\n"
               "  仅显示这一次；首次登录后必须修改，并绑定动态口令。\n"
               "  Shown this once; change it at first sign-in and enrol a second factor.\n\n",
               password);
        fflush(stdout);
        crypto_wipe(password, sizeof password);
    }
    return 0;
}

int cli_field_key(const xn_config *cfg, store *db, audit_trail *trail, auth_settings *s)
{
    xn_error err;
    char path[sizeof cfg->db_path + 8];
    snprintf(path, sizeof path, "%s.key", cfg->db_path);
    bool created = false, sealed_present = false;
    int rc = crypto_keyfile_load(path, false, s->field_key, &created, &err);
    if (rc == XN_ENOTFOUND) {
        rc = auth_fields_sealed_present(db, &sealed_present, &err);
        if (rc == XN_OK && sealed_present) {
            fprintf(stderr,
                    "xinan: %s: the field key file is missing, but the database holds sealed "
                    "fields (second-factor secrets); restore the key file from the backup made "
                    "with the database\n",
                    path);
            return 1;
        }
        if (rc == XN_OK)
            rc = crypto_keyfile_load(path, true, s->field_key, &created, &err);
    }
    if (rc != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        return 1;
    }
    s->has_field_key = true;
    if (created)
        printf("field key created: %s (mode 0600; back it up with the database)\n", path);
    int sealed = 0;
    if (auth_fields_seal_plaintext(db, trail, s, &sealed, &err) != XN_OK) {
        fprintf(stderr, "xinan: sealing stored secrets: %s\n", err.message);
        return 1;
    }
    if (sealed)
        printf("sealed %d stored secret(s) with %s\n", sealed, crypto_aead_id(s->aead));
    fflush(stdout);
    return 0;
}
