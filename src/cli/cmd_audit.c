/*
 * `xinan audit verify`: checks the trail offline, with the seed and the witness file. Exit
 * status: 0 intact, 1 damaged (or the check could not run), 2 usage, 3 intact as far as it
 * could be checked but without the witness file, so records removed from the end would not
 * show (AUD-2); --no-witness accepts that on purpose (exit 0, the state still reported).
 */
#include "cli/cli.h"
#include "crypto/crypto.h"

#include <ctype.h>
#include <string.h>

/* Reads 64 hex digits from a file, ignoring spaces and line breaks (the seed as printed). */
static int read_seed(const char *path, uint8_t seed[AUDIT_SEED_BYTES])
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "xinan: cannot read the seed file %s\n", path);
        return 2;
    }
    char hex[2 * AUDIT_SEED_BYTES + 1];
    size_t n = 0;
    int ch;
    bool bad = false;
    while ((ch = fgetc(f)) != EOF) {
        if (isspace(ch))
            continue;
        if (!isxdigit(ch) || n == sizeof hex - 1) {
            bad = true;
            break;
        }
        hex[n++] = (char)tolower(ch);
    }
    hex[n] = '\0';
    if (f != stdin)
        fclose(f);
    if (bad || n != sizeof hex - 1 || audit_unhex_seed(hex, seed) != XN_OK) {
        crypto_wipe(hex, sizeof hex);
        fprintf(stderr, "xinan: the seed file must hold the 64 hex digits shown at init\n");
        return 2;
    }
    crypto_wipe(hex, sizeof hex);
    return 0;
}

int cli_cmd_audit_verify(int argc, char **argv)
{
    const char *seed_file = NULL, *checkpoints = NULL, *from = NULL;
    bool no_witness = false;
    cli_take_switch(&argc, argv, "no-witness", &no_witness);
    int status = cli_take_flag(&argc, argv, "seed-file", &seed_file);
    if (!status)
        status = cli_take_flag(&argc, argv, "checkpoints", &checkpoints);
    if (!status)
        status = cli_take_flag(&argc, argv, "from", &from);
    if (status)
        return status;
    int64_t from_seq = 0;
    if (from && xn_parse_int64(from, 1, INT64_MAX, &from_seq) != XN_OK)
        return cli_usage_error(argv[0], "--from needs a sequence number from 1");
    xn_config cfg;
    status = cli_load_config(argc, argv, false, &cfg);
    if (status)
        return status;
    uint8_t seed[AUDIT_SEED_BYTES];
    if (seed_file && (status = read_seed(seed_file, seed)) != 0)
        return status;

    xn_error err;
    store *db = NULL;
    store_options opt = {
        .pool_size = 1, .busy_timeout_ms = (int)cfg.db_busy_timeout, .read_only = true};
    if (store_open(&db, cfg.db_path, &opt, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        return 1;
    }
    char witness[512];
    if (checkpoints)
        snprintf(witness, sizeof witness, "%s", checkpoints);
    else
        audit_witness_file(&cfg, witness, sizeof witness);
    audit_verify_options vo = {
        .witness_path = witness, .seed = seed_file ? seed : NULL, .from_seq = from_seq};
    xn_buf report;
    xn_buf_init(&report, 0);
    bool intact = false;
    int rc = audit_verify(db, &vo, &report, &intact, &err);
    crypto_wipe(seed, sizeof seed);
    store_close(db);
    if (rc != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        xn_buf_release(&report);
        return 1;
    }
    printf("%s\n", report.data);
    json_t *root = json_loadb(report.data, report.len, 0, NULL);
    bool witnessed = json_is_true(json_object_get(json_object_get(root, "witness"), "found"));
    json_decref(root);
    xn_buf_release(&report);
    if (!witnessed)
        fprintf(stderr,
                "xinan: warning: the witness file %s is missing: records removed from the end "
                "of the trail cannot be detected%s\n",
                witness, no_witness ? " (accepted by --no-witness)" : "; exit status 3");
    if (!intact)
        return 1;
    return witnessed || no_witness ? 0 : 3;
}
