/*
 * The register export bench, on the library the server is built from: ROWS devices written
 * straight into a fresh SQLite database (the export reads only the rows' stored values), then
 * register_export_xlsx timed. Prints, one "key value" a line:
 *   rows, xlsx_bytes, seconds (best of RUNS), seconds_median, rss_before_kib, rss_peak_kib,
 *   growth_mib (the largest peak RSS over the RSS before an export, among a first export from
 *   cold and the timed runs; the peak is reset before each through /proc/self/clear_refs)
 * and leaves <dir>/rows.csv (register_export_csv: the same cells) for the openpyxl side.
 *
 *   bench_sheet <dir> <rows> <runs>
 */
#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "register/register.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, const xn_error *err)
{
    fprintf(stderr, "bench_sheet: %s: %s (%s)\n", what, err->message, err->code);
    exit(1);
}

/* A line of /proc/self/status in KiB ("VmRSS", "VmHWM"). */
static long status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':')
            v = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

typedef struct fill {
    long rows;
} fill;

static int fill_tx(store_conn *tx, void *ctx, xn_error *err)
{
    fill *f = ctx;
    static const char *const types[] = {"pc",       "laptop",  "server", "network",
                                        "security", "printer", "other"};
    for (long i = 0; i < f->rows; i++) {
        bool lent = i % 10 == 3;
        char data[1024];
        snprintf(data, sizeof data,
                 "{\"asset_no\":\"ZC-%06ld\",\"type\":\"%s\",\"model\":\"联想 启天 M437-%ld\","
                 "\"serial\":\"SN%08ld\",\"ip\":\"10.%ld.%ld.%ld\",\"mac\":\"02:00:00:%02lx:%02lx:"
                 "%02lx\",\"switch\":\"SW-%02ld\",\"switch_port\":\"Gi1/0/%ld\",\"location\":"
                 "\"综合楼 %ld 室\",\"user\":\"%ld\",\"secret\":\"%s\"%s%s%s}",
                 i, types[i % 7], i % 50, i * 7919 % 100000000, i >> 16 & 255, i >> 8 & 255,
                 i & 255, i >> 16 & 255, i >> 8 & 255, i & 255, i % 40, i % 48 + 1, 300 + i % 200,
                 i % 300 + 1, i % 17 ? "no" : "yes",
                 lent ? ",\"borrower\":\"2\",\"return_date\":\"2026-12-" : "",
                 lent ? (i % 2 ? "20" : "31") : "", lent ? "\"" : "");
        store_stmt *st;
        int rc = store_prepare(tx,
                               "INSERT INTO register_row (reg, state, data, search, created_at,"
                               " created_by, updated_at) VALUES ('devices', $1, $2, '', $3,"
                               " 'bench', $3)",
                               &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, lent ? "lent" : "in_use", -1);
        store_bind_text(st, 2, data, -1);
        store_bind_int(st, 3, xn_now_us());
        if ((rc = store_step(st, err)) < 0)
            return rc;
    }
    return XN_OK;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_sheet <dir> <rows> <runs>\n");
        return 2;
    }
    const char *dir = argv[1];
    long rows = strtol(argv[2], NULL, 10);
    int runs = (int)strtol(argv[3], NULL, 10);
    if (rows < 1 || runs < 1 || runs > 20)
        return 2;
    char path[512], xlsx[512], csv[512];
    snprintf(path, sizeof path, "%s/bench.db", dir);
    snprintf(xlsx, sizeof xlsx, "%s/export.xlsx", dir);
    snprintf(csv, sizeof csv, "%s/rows.csv", dir);
    xn_error err = {0};
    xn_config cfg;
    xn_config_defaults(&cfg);
    if (xn_config_set(&cfg, "server", "db", path, &err))
        die("config", &err);
    store *db;
    audit_trail *trail;
    store_options opt = {.pool_size = 4, .busy_timeout_ms = 5000, .create = true};
    int applied;
    bool created;
    uint8_t seed[AUDIT_SEED_BYTES];
    if (store_open(&db, path, &opt, &err) || store_migrate(db, &applied, &err) ||
        audit_trail_open(&trail, db, &cfg, &err) || audit_trail_init(trail, seed, &created, &err))
        die("open", &err);
    auth_settings auth;
    auth_settings_default(&auth, &cfg);
    register_ctx *reg;
    register_options ropt = {.db = db, .trail = trail, .auth = &auth};
    if (register_open(&reg, &ropt, &err))
        die("register_open", &err);
    fill f = {.rows = rows};
    if (store_tx(db, fill_tx, &f, &err))
        die("fill", &err);
    const register_def *d = register_find("devices");
    FILE *out = fopen(csv, "w");
    if (!out || register_export_csv(reg, d, out, &err) || fclose(out))
        die("csv", &err);

    /* a first export from cold (its RSS growth counts too), then the timed runs */
    reset_peak();
    long before = status_kib("VmRSS");
    if (register_export_xlsx(reg, d, xlsx, &err))
        die("export", &err);
    long peak = status_kib("VmHWM"), growth = peak - before;
    double secs[20];
    for (int r = 0; r < runs; r++) {
        reset_peak();
        long rss = status_kib("VmRSS");
        int64_t t0 = xn_monotonic_us();
        if (register_export_xlsx(reg, d, xlsx, &err))
            die("export", &err);
        secs[r] = (double)(xn_monotonic_us() - t0) / 1e6;
        long hwm = status_kib("VmHWM");
        if (hwm - rss > growth) {
            growth = hwm - rss;
            before = rss;
            peak = hwm;
        }
    }
    FILE *x = fopen(xlsx, "rb");
    long bytes = 0;
    if (x && fseek(x, 0, SEEK_END) == 0)
        bytes = ftell(x);
    if (x)
        fclose(x);
    qsort(secs, (size_t)runs, sizeof secs[0], by_value);
    printf("rows %ld\nxlsx_bytes %ld\nseconds %.3f\nseconds_median %.3f\n", rows, bytes, secs[0],
           secs[runs / 2]);
    printf("rss_before_kib %ld\nrss_peak_kib %ld\ngrowth_mib %.1f\n", before, peak,
           (double)growth / 1024.0);
    register_free(reg);
    audit_trail_free(trail);
    store_close(db);
    return 0;
}
