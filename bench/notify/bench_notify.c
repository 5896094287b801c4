/*
 * Notification figures, on the library the server is built from (its job runner and the
 * notify room's own delivery job):
 *
 *   bench_notify deliver DIR URL N BATCH
 *       A fresh database in DIR, one webhook channel at URL with no rate limit (rate_per_min
 *       0) in one recipient group, and the job runner with the real notify.deliver kind.
 *       Raises N messages (BATCH per transaction) while the workers deliver, then waits until
 *       no delivery is pending. Prints the wall-clock times (epoch ms) of the first raise, the
 *       last raise and the moment nothing was pending, and the sent/failed counts.
 *
 *   bench_notify tx DIR N ROUNDS
 *       N transactions of a change with its audit record, without and with notify_raise
 *       (same group, same webhook channel, pointing at a closed loopback port; the fan-out
 *       job makes the deliveries beside, the delivery kind's function does nothing, so only
 *       the raising and its fan-out are measured), and with notify_raise to a group that
 *       does not exist (the message row alone), the three taking turns transaction by
 *       transaction; ROUNDS rounds; prints each variant's median and mean transaction and
 *       the slowdowns (the median over rounds of the median transaction's is the figure: a
 *       single stall of the disk, 100 ms against transactions of 0.3 ms, moves a mean of 2,000
 *       by a fifth).
 */
#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "jobs/jobs.h"
#include "notify/notify.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const notify_event_kind kinds[] = {
    {.name = "bench.message",
     .title = "基准消息",
     .severity = "info",
     .vars = "seq",
     .template = "第 {seq} 条基准消息：某单位门户网站首页内容已更新，请值班员审核。"},
};

typedef struct bench {
    char path[600];
    xn_config cfg;
    store *db;
    audit_trail *trail;
    auth_settings auth;
    notify_ctx *notify;
    notify_app app;
    jobs_runner *jobs;
    int64_t channel;
} bench;

static void die(const char *what, const xn_error *err)
{
    fprintf(stderr, "bench_notify: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static _Atomic long noop_runs;

static int noop_deliver(jobs_run *run, xn_error *err)
{
    (void)run;
    (void)err;
    noop_runs++;
    return XN_OK;
}

static void bench_open(bench *b, const char *dir, const char *name, const char *url, bool real)
{
    xn_error err = {0};
    snprintf(b->path, sizeof b->path, "%s/%s", dir, name);
    xn_config_defaults(&b->cfg);
    if (xn_config_set(&b->cfg, "server", "db", b->path, &err))
        die("config", &err);
    store_options opt = {.pool_size = 8, .busy_timeout_ms = 5000, .create = true};
    int applied;
    bool created;
    uint8_t seed[AUDIT_SEED_BYTES];
    if (store_open(&b->db, b->path, &opt, &err) || store_migrate(b->db, &applied, &err) ||
        audit_trail_open(&b->trail, b->db, &b->cfg, &err) ||
        audit_trail_init(b->trail, seed, &created, &err))
        die("open", &err);
    auth_settings_default(&b->auth, &b->cfg);
    notify_options nopt = {.db = b->db,
                           .trail = b->trail,
                           .auth = &b->auth,
                           .kinds = kinds,
                           .nkinds = sizeof kinds / sizeof kinds[0],
                           .robot_rate = 0};
    if (notify_open(&b->notify, &nopt, &err))
        die("notify_open", &err);
    b->app.notify = b->notify;
    /* the fan-out is the real one in both: it makes the deliveries a raise asks for */
    static jobs_kind real_kinds[] = {{.name = NOTIFY_JOB_FANOUT,
                                      .title = "通知分发",
                                      .period_s = 60,
                                      .timeout_s = 60,
                                      .attempts = 3,
                                      .run = notify_fanout_job},
                                     {.name = "notify.deliver",
                                      .title = "通知投递",
                                      .timeout_s = 15,
                                      .attempts = 3,
                                      .run = notify_deliver_job}};
    static jobs_kind noop_kinds[] = {{.name = NOTIFY_JOB_FANOUT,
                                      .title = "通知分发",
                                      .period_s = 60,
                                      .timeout_s = 60,
                                      .attempts = 3,
                                      .run = notify_fanout_job},
                                     {.name = "notify.deliver",
                                      .title = "通知投递",
                                      .timeout_s = 15,
                                      .attempts = 3,
                                      .run = noop_deliver}};
    jobs_options jopt = {.db = b->db,
                         .trail = b->trail,
                         .kinds = real ? real_kinds : noop_kinds,
                         .nkinds = 2,
                         .app = &b->app,
                         .workers = 4};
    if (jobs_start(&b->jobs, &jopt, &err))
        die("jobs_start", &err);
    notify_set_jobs(b->notify, b->jobs);
    notify_channel_in in = {.kind = "webhook", .name = "基准回调", .url = url, .rate_per_min = 0};
    if (notify_channel_create(b->notify, &audit_system_actor, &in, &b->channel, &err))
        die("channel", &err);
    notify_group_in g = {.name = "值班员", .channels = &b->channel, .nchannels = 1};
    int64_t gid;
    if (notify_group_create(b->notify, &audit_system_actor, &g, &gid, &err))
        die("group", &err);
}

static void bench_close(bench *b)
{
    jobs_stop(b->jobs);
    notify_free(b->notify);
    audit_trail_free(b->trail);
    store_close(b->db);
}

typedef struct raise_ctx {
    bench *b;
    int64_t from, n;
    bool notify; /* tx mode: raise or not */
    const char *group;
    bool change; /* tx mode: the change and its audit record */
} raise_ctx;

/* One change and its audit record (a table of the bench's own), and its notification. */
static int change_tx(store_conn *tx, void *ctx, xn_error *err)
{
    raise_ctx *r = ctx;
    for (int64_t i = r->from; i < r->from + r->n; i++) {
        char id[24], detail[160];
        snprintf(id, sizeof id, "%lld", (long long)i);
        int rc;
        if (r->change) {
            store_stmt *st;
            rc = store_prepare(tx,
                               "INSERT INTO bench_item (id, title, state, updated_at) VALUES ($1,"
                               " $2, 'submitted', $3)",
                               &st, err);
            if (rc != XN_OK)
                return rc;
            store_bind_int(st, 1, i);
            store_bind_text(st, 2, "关于开展网络安全自查工作的通知", -1);
            store_bind_int(st, 3, xn_now_us());
            if ((rc = store_step(st, err)) != STORE_DONE)
                return rc < 0 ? rc : XN_EINTERNAL;
            snprintf(detail, sizeof detail, "{\"title\":\"关于开展网络安全自查工作的通知\"}");
            audit_event ev = {.action = "bench.submit",
                              .actor = &audit_system_actor,
                              .object_type = "bench_item",
                              .object_id = id,
                              .result = AUDIT_OK,
                              .detail_json = detail};
            if ((rc = audit_append(r->b->trail, tx, &ev, err)) != XN_OK)
                return rc;
        }
        if (r->notify) {
            json_t *vars = json_pack("{s:I}", "seq", (json_int_t)i);
            rc = notify_raise(r->b->notify, tx, "bench.message", r->group ? r->group : "值班员",
                              "bench_item", id, vars, NULL, err);
            json_decref(vars);
            if (rc != XN_OK)
                return rc;
        }
    }
    return XN_OK;
}

static int64_t count_pending(bench *b, const char *state)
{
    xn_error err = {0};
    store_conn *c;
    store_stmt *st;
    if (store_acquire(b->db, &c, &err) ||
        store_prepare(c,
                      "SELECT count(*) FROM notify_delivery WHERE channel_id = $1 AND state = $2",
                      &st, &err))
        die("count", &err);
    store_bind_int(st, 1, b->channel);
    store_bind_text(st, 2, state, -1);
    if (store_step(st, &err) != STORE_ROW)
        die("count", &err);
    int64_t n = store_col_int(st, 0);
    store_stmt_done(st);
    store_release(c);
    return n;
}

static int deliver(const char *dir, const char *url, int64_t n, int64_t batch)
{
    bench b = {0};
    bench_open(&b, dir, "deliver.db", url, true);
    xn_error err = {0};
    int64_t t0 = xn_now_us();
    for (int64_t i = 0; i < n; i += batch) {
        raise_ctx r = {.b = &b, .from = i + 1, .n = i + batch > n ? n - i : batch, .notify = true};
        if (store_tx(b.db, change_tx, &r, &err))
            die("raise", &err);
    }
    int64_t t1 = xn_now_us();
    int64_t deadline = t1 + 300 * 1000000LL;
    /* every message has its delivery (made by the fan-out after each commit) and none of them
     * is pending any more */
    while ((count_pending(&b, "sent") + count_pending(&b, "failed") < n ||
            count_pending(&b, "pending") > 0) &&
           xn_now_us() < deadline) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int64_t t2 = xn_now_us();
    printf("first_raise_ms %lld\nlast_raise_ms %lld\nnone_pending_ms %lld\n",
           (long long)(t0 / 1000), (long long)(t1 / 1000), (long long)(t2 / 1000));
    printf("sent %lld\nfailed %lld\npending %lld\n", (long long)count_pending(&b, "sent"),
           (long long)count_pending(&b, "failed"), (long long)count_pending(&b, "pending"));
    bench_close(&b);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int tx_bench(const char *dir, int64_t n, int rounds)
{
    bench b = {0};
    /* a closed loopback port: nothing is delivered (the delivery kind does nothing) */
    bench_open(&b, dir, "tx.db", "http://127.0.0.1:9/hook", false);
    xn_error err = {0};
    store_conn *c;
    if (store_acquire(b.db, &c, &err) ||
        store_exec(c,
                   "CREATE TABLE bench_item (id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
                   " state TEXT NOT NULL, updated_at INTEGER NOT NULL)",
                   &err))
        die("table", &err);
    store_release(c);
    /* per round: each variant's median transaction (µs) and mean; the slowdowns of both */
    double p50[3][64] = {{0}}, mean[3][64] = {{0}}, slow[64] = {0}, bare_slow[64] = {0};
    double slow_mean[64] = {0};
    if (rounds < 1 || rounds > 64)
        rounds = rounds < 1 ? 1 : 64;
    int64_t *lat[3];
    for (int v = 0; v < 3; v++)
        lat[v] = xn_xmalloc((size_t)n * sizeof lat[v][0]);
    int64_t next = 1;
    for (int k = 0; k < rounds; k++) {
        /* The three variants take turns transaction by transaction (the order rotating), so a
         * slow spell of the disk or of a neighbour falls on all three alike instead of on
         * whichever block of transactions it met. */
        int64_t spent[3] = {0};
        for (int64_t i = 0; i < n; i++) {
            for (int t = 0; t < 3; t++) {
                int v = (int)((i + t) % 3);
                /* v 2: a group that does not exist, so the message alone (no delivery) */
                raise_ctx r = {.b = &b,
                               .from = next++,
                               .n = 1,
                               .notify = v > 0,
                               .change = true,
                               .group = v == 2 ? "无此组" : NULL};
                int64_t s = xn_monotonic_us();
                if (store_tx(b.db, change_tx, &r, &err))
                    die("tx", &err);
                lat[v][i] = xn_monotonic_us() - s;
                spent[v] += lat[v][i];
            }
        }
        for (int v = 0; v < 3; v++) {
            qsort(lat[v], (size_t)n, sizeof lat[v][0], cmp_i64);
            p50[v][k] = (double)lat[v][n / 2];
            mean[v][k] = (double)spent[v] / (double)n;
        }
        slow[k] = p50[1][k] / p50[0][k] - 1.0;
        bare_slow[k] = p50[2][k] / p50[0][k] - 1.0;
        slow_mean[k] = mean[1][k] / mean[0][k] - 1.0;
        printf("round %d: median transaction: change+audit %.0f us, with notify_raise %.0f us "
               "(slower by %.1f %%), the message row alone %.0f us (%.1f %%); means %.0f / %.0f / "
               "%.0f us (slower by %.1f %%); slowest change+audit %lld us, with notify_raise "
               "%lld us\n",
               k + 1, p50[0][k], p50[1][k], slow[k] * 100, p50[2][k], bare_slow[k] * 100,
               mean[0][k], mean[1][k], mean[2][k], slow_mean[k] * 100, (long long)lat[0][n - 1],
               (long long)lat[1][n - 1]);
        fflush(stdout);
    }
    for (int v = 0; v < 3; v++)
        free(lat[v]);
    qsort(slow, (size_t)rounds, sizeof slow[0], cmp_double);
    qsort(bare_slow, (size_t)rounds, sizeof bare_slow[0], cmp_double);
    qsort(slow_mean, (size_t)rounds, sizeof slow_mean[0], cmp_double);
    printf("median of rounds: the message row alone (a group that does not exist: no delivery, "
           "no job) slower by %.1f %%\n",
           bare_slow[rounds / 2] * 100);
    printf("median of rounds: with notify_raise slower by %.1f %% (median transaction), %.1f %% "
           "(mean transaction)\n",
           slow[rounds / 2] * 100, slow_mean[rounds / 2] * 100);
    printf("slowdown_pct %.1f\n", slow[rounds / 2] * 100);
    /* each run is the runner's own write transactions (claim, release) after a raising commit */
    printf("delivery job runs during the raising transactions: %ld (of %lld raising "
           "transactions)\n",
           (long)noop_runs, (long long)n * rounds);
    bench_close(&b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "deliver") == 0)
        return deliver(argv[2], argv[3], strtoll(argv[4], NULL, 10), strtoll(argv[5], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "tx") == 0)
        return tx_bench(argv[2], strtoll(argv[3], NULL, 10), (int)strtol(argv[4], NULL, 10));
    fprintf(stderr, "usage: bench_notify deliver DIR URL N BATCH | tx DIR N ROUNDS\n");
    return 2;
}
