/*
 * The audit trail bench: append rates (batched, and one durable transaction per operation from
 * 1 and 4 threads), verification rate over a large trail, the background full-text indexing
 * rate, and, for comparison, the append rate had the index been kept by a trigger. The peers
 * are SQLite itself: the same rows inserted into a plain table (no chain, no seals), and the
 * same rows read back without hashing them — the floors under append and verification.
 * With `search`, also the time of some searches and of the statistics over that trail.
 *   usage: bench_audit DIR intl|gm [VERIFY_RECORDS [search]]
 * Prints one `name key=value ...` line per figure. Figures, not tests: nothing is asserted.
 */
#include "audit/audit_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_RECORDS 200000
#define BATCH_SIZE    10000
#define SINGLE_US     (3 * 1000000)

typedef struct bench {
    char path[600];
    xn_config cfg;
    store *db;
    audit_trail *trail;
    uint8_t seed[AUDIT_SEED_BYTES];
} bench;

static void die(const char *what, const xn_error *err)
{
    fprintf(stderr, "bench_audit: %s: %s\n", what, err->message);
    exit(1);
}

/* Opens DIR/name; fresh (the file removed first) or as it is. */
static void bench_open_as(bench *b, const char *dir, const char *name, const char *mode, int pool,
                          bool fresh)
{
    xn_error err = {0};
    snprintf(b->path, sizeof b->path, "%s/%s", dir, name);
    char witness[620];
    snprintf(witness, sizeof witness, "%s.witness", b->path);
    if (fresh) {
        remove(b->path);
        remove(witness);
    }
    xn_config_defaults(&b->cfg);
    if (xn_config_set(&b->cfg, "server", "db", b->path, &err) ||
        xn_config_set(&b->cfg, "crypto", "mode", mode, &err))
        die("config", &err);
    store_options opt = {.pool_size = pool, .busy_timeout_ms = 5000, .create = true};
    int applied;
    bool created;
    if (store_open(&b->db, b->path, &opt, &err) || store_migrate(b->db, &applied, &err) ||
        audit_trail_open(&b->trail, b->db, &b->cfg, &err))
        die("open", &err);
    if (fresh && audit_trail_init(b->trail, b->seed, &created, &err))
        die("init", &err);
}

static void bench_open(bench *b, const char *dir, const char *name, const char *mode, int pool)
{
    bench_open_as(b, dir, name, mode, pool, true);
}

static void bench_close(bench *b)
{
    audit_trail_free(b->trail);
    store_close(b->db);
}

/* Records shaped like a unit's daily work: Chinese names and details of 60-120 bytes. */
static const char *const names[] = {"张伟", "王芳", "李娜", "刘洋", "陈静",   "杨帆",
                                    "赵磊", "黄敏", "周杰", "吴婷", "system", "admin"};
static const char *const actions[] = {"auth.login",      "auth.logout",    "publish.submit",
                                      "publish.approve", "publish.reject", "register.edit",
                                      "incident.create", "auth.role_grant"};

typedef struct fill_ctx {
    audit_trail *trail;
    int64_t from, n;
} fill_ctx;

/* Record i's object id, source address and detail, the same for both kinds of row. */
static void row_text(int64_t i, char id[24], char source[24], char detail[200])
{
    snprintf(id, 24, "%lld", (long long)(i % 5000));
    snprintf(source, 24, "10.0.%d.%d", (int)(i % 7), (int)(i % 250) + 1);
    snprintf(detail, 200,
             "{\"title\":\"关于网站内容审核的第%lld号通知\",\"role\":\"信息员\",\"n\":%lld}",
             (long long)(i % 997), (long long)i);
}

static int fill_tx(store_conn *tx, void *ctx, xn_error *err)
{
    fill_ctx *f = ctx;
    for (int64_t i = f->from; i < f->from + f->n; i++) {
        char id[24], source[24], detail[200];
        row_text(i, id, source, detail);
        audit_actor actor = {.kind = "user",
                             .id = (int64_t)(i % 12) + 1,
                             .name = names[i % 12],
                             .source = source,
                             .session = "s-3f9a"};
        audit_event ev = {.action = actions[i % 8],
                          .actor = &actor,
                          .object_type = "item",
                          .object_id = id,
                          .result = i % 13 == 0 ? AUDIT_DENIED : AUDIT_OK,
                          .detail_json = detail};
        int rc = audit_append(f->trail, tx, &ev, err);
        if (rc)
            return rc;
    }
    return XN_OK;
}

/* The peer of batched append: the same rows, without chain or seals, into a plain table. */
static int plain_tx(store_conn *tx, void *ctx, xn_error *err)
{
    fill_ctx *f = ctx;
    static const uint8_t blob[32] = {1};
    store_stmt *st;
    for (int64_t i = f->from; i < f->from + f->n; i++) {
        char id[24], source[24], detail[200];
        row_text(i, id, source, detail);
        int rc = store_prepare(tx,
                               "INSERT INTO plain_log (" AUDIT_RECORD_COLUMNS ") VALUES ($1, 1,"
                               " 'b2', $2, 'user', $3, $4, $5, 's-3f9a', $6, 'item', $7, $8, $9,"
                               " $10, $10, $10)",
                               &st, err);
        if (rc)
            return rc;
        store_bind_int(st, 1, i + 1);
        store_bind_int(st, 2, xn_now_us());
        store_bind_int(st, 3, (i % 12) + 1);
        store_bind_text(st, 4, names[i % 12], -1);
        store_bind_text(st, 5, source, -1);
        store_bind_text(st, 6, actions[i % 8], -1);
        store_bind_text(st, 7, id, -1);
        store_bind_text(st, 8, i % 13 == 0 ? AUDIT_DENIED : AUDIT_OK, -1);
        store_bind_text(st, 9, detail, -1);
        store_bind_blob(st, 10, blob, sizeof blob);
        if ((rc = store_step(st, err)) != STORE_DONE)
            return rc;
    }
    return XN_OK;
}

static void peer_plain_insert(bench *b)
{
    xn_error err = {0};
    store_conn *c;
    if (store_acquire(b->db, &c, &err) ||
        store_exec(c,
                   "CREATE TABLE plain_log (seq INTEGER PRIMARY KEY, epoch INTEGER NOT NULL,"
                   " alg TEXT NOT NULL, at INTEGER NOT NULL, actor_kind TEXT NOT NULL,"
                   " actor_id INTEGER NOT NULL, actor_name TEXT NOT NULL, source TEXT,"
                   " session TEXT, action TEXT NOT NULL, object_type TEXT, object_id TEXT,"
                   " result TEXT NOT NULL, detail TEXT, prev_hash BLOB NOT NULL,"
                   " hash BLOB NOT NULL, seal BLOB NOT NULL);"
                   "CREATE INDEX plain_log_at ON plain_log (at);",
                   &err))
        die("plain table", &err);
    store_release(c);
    int64_t t0 = xn_monotonic_us();
    for (int64_t done = 0; done < BATCH_RECORDS; done += BATCH_SIZE) {
        fill_ctx f = {.from = done, .n = BATCH_SIZE};
        if (store_tx(b->db, plain_tx, &f, &err))
            die("plain insert", &err);
    }
    double s = (double)(xn_monotonic_us() - t0) / 1e6;
    if (store_acquire(b->db, &c, &err) || store_exec(c, "DROP TABLE plain_log", &err))
        die("plain table", &err);
    store_release(c);
    printf("peer_plain_insert records=%d per_tx=%d seconds=%.3f records_per_s=%.0f\n",
           BATCH_RECORDS, BATCH_SIZE, s, BATCH_RECORDS / s);
}

/* The peer of verification: the same walk over the same rows, read as the verifier reads
 * them, without hashing. */
static void peer_read(bench *b)
{
    store_options opt = {.pool_size = 1, .busy_timeout_ms = 5000, .read_only = true};
    xn_error err = {0};
    store *db;
    store_conn *c;
    store_stmt *st;
    if (store_open(&db, b->path, &opt, &err) || store_acquire(db, &c, &err) ||
        store_prepare(c, "SELECT " AUDIT_RECORD_COLUMNS " FROM audit_log ORDER BY seq", &st, &err))
        die("read", &err);
    double best = 1e9;
    int64_t rows = 0, sum = 0;
    for (int i = 0; i < 3; i++) {
        int64_t t0 = xn_monotonic_us();
        rows = 0;
        int rc;
        while ((rc = store_step(st, &err)) == STORE_ROW) {
            audit_record r;
            audit_record_read(st, &r);
            sum += r.hash[0] + (int64_t)r.detail.n;
            rows++;
        }
        if (rc != STORE_DONE)
            die("read", &err);
        double s = (double)(xn_monotonic_us() - t0) / 1e6;
        best = s < best ? s : best;
    }
    store_release(c);
    store_close(db);
    printf("peer_read records=%lld seconds=%.3f records_per_s=%.0f check=%lld\n", (long long)rows,
           best, (double)rows / best, (long long)(sum & 1));
}

/* Appends n records in transactions of `size`; returns the seconds taken. */
static double append_batched(bench *b, int64_t from, int64_t n, int64_t size)
{
    xn_error err = {0};
    int64_t t0 = xn_monotonic_us();
    for (int64_t done = 0; done < n; done += size) {
        fill_ctx f = {
            .trail = b->trail, .from = from + done, .n = n - done < size ? n - done : size};
        if (store_tx(b->db, fill_tx, &f, &err))
            die("append", &err);
    }
    return (double)(xn_monotonic_us() - t0) / 1e6;
}

typedef struct single_ctx {
    bench *b;
    int64_t from;
    int64_t done;
} single_ctx;

/* One store_tx per record for SINGLE_US: what a busy server does with one change per call. */
static void *single_thread(void *arg)
{
    single_ctx *s = arg;
    xn_error err = {0};
    int64_t end = xn_monotonic_us() + SINGLE_US;
    while (xn_monotonic_us() < end) {
        fill_ctx f = {.trail = s->b->trail, .from = s->from + s->done, .n = 1};
        if (store_tx(s->b->db, fill_tx, &f, &err))
            die("append", &err);
        s->done++;
    }
    return NULL;
}

static double append_single(bench *b, int threads)
{
    pthread_t tids[8];
    single_ctx ctx[8];
    int64_t t0 = xn_monotonic_us();
    for (int i = 0; i < threads; i++) {
        ctx[i] = (single_ctx){.b = b, .from = (int64_t)i * 1000000000};
        pthread_create(&tids[i], NULL, single_thread, &ctx[i]);
    }
    int64_t total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        total += ctx[i].done;
    }
    return (double)total / ((double)(xn_monotonic_us() - t0) / 1e6);
}

static void verify(bench *b, const char *label, bool seed, bool witness)
{
    char wpath[620];
    snprintf(wpath, sizeof wpath, "%s.witness", b->path);
    audit_verify_options o = {.witness_path = witness ? wpath : NULL,
                              .seed = seed ? b->seed : NULL};
    store_options opt = {.pool_size = 1, .busy_timeout_ms = 5000, .read_only = true};
    double best = 1e9;
    int64_t records = 0;
    bool intact = false;
    for (int i = 0; i < 3; i++) {
        xn_error err = {0};
        xn_buf report;
        xn_buf_init(&report, 1 << 20);
        store *db;
        if (store_open(&db, b->path, &opt, &err))
            die("open for verify", &err);
        int64_t t0 = xn_monotonic_us();
        if (audit_verify(db, &o, &report, &intact, &err))
            die("verify", &err);
        double s = (double)(xn_monotonic_us() - t0) / 1e6;
        best = s < best ? s : best;
        json_t *r = json_loads(report.data, 0, NULL);
        records = json_integer_value(json_object_get(r, "records"));
        json_decref(r);
        xn_buf_release(&report);
        store_close(db);
    }
    printf("verify_%s records=%lld seconds=%.3f records_per_s=%.0f intact=%s\n", label,
           (long long)records, best, (double)records / best, intact ? "yes" : "NO");
}

/* The background step's rate: every record not yet indexed, in steps of BATCH_SIZE. */
static void index_pending(bench *b)
{
    xn_error err = {0};
    int64_t t0 = xn_monotonic_us(), indexed = 0, n = 0;
    do {
        if (audit_index_pending(b->db, BATCH_SIZE, &n, &err))
            die("index", &err);
        indexed += n;
    } while (n > 0);
    double s = (double)(xn_monotonic_us() - t0) / 1e6;
    printf("fts_background records=%lld per_tx=%d seconds=%.3f records_per_s=%.0f\n",
           (long long)indexed, BATCH_SIZE, s, (double)indexed / s);
}

/* Milliseconds of one search (or statistics), best of three. */
static void time_read(bench *b, const char *label, bool stats, audit_filter f)
{
    xn_error err = {0};
    store_conn *c;
    if (store_acquire(b->db, &c, &err))
        die("acquire", &err);
    double best = 1e9;
    int64_t total = 0;
    for (int i = 0; i < 3; i++) {
        xn_buf out;
        xn_buf_init(&out, 64 << 20);
        int64_t t0 = xn_monotonic_us();
        if ((stats ? audit_stats : audit_search)(c, &f, &out, &err))
            die(label, &err);
        double ms = (double)(xn_monotonic_us() - t0) / 1e3;
        best = ms < best ? ms : best;
        json_t *r = json_loads(out.data, 0, NULL);
        total = json_integer_value(json_object_get(r, "total"));
        json_decref(r);
        xn_buf_release(&out);
    }
    store_release(c);
    printf("read_%s ms=%.1f total=%lld\n", label, best, (long long)total);
}

static void time_reads(bench *b)
{
    time_read(b, "newest_page", false, (audit_filter){0});
    time_read(b, "actor_common", false, (audit_filter){.actor = "张伟"});
    time_read(b, "actor_absent", false, (audit_filter){.actor = "无此人"});
    time_read(b, "action_prefix", false, (audit_filter){.action = "publish."});
    time_read(b, "q_common", false, (audit_filter){.q = "内容审"});
    time_read(b, "q_rare", false, (audit_filter){.q = "第123号通知"});
    time_read(b, "q_two_chars", false, (audit_filter){.q = "张伟"});
    time_read(b, "stats_all", true, (audit_filter){0});
    time_read(b, "stats_actor", true, (audit_filter){.actor = "张伟"});
}

/* The road not taken: the same index kept by a trigger inside each append transaction. This
 * needs trusted_schema=ON (FTS5 is not allowed in triggers otherwise), set here only. */
static void trigger_variant(const char *dir, const char *mode)
{
    bench b;
    bench_open(&b, dir, "audit-trigger.db", mode, 1);
    xn_error err = {0};
    store_conn *c;
    if (store_acquire(b.db, &c, &err) ||
        store_exec(c,
                   "PRAGMA trusted_schema=ON;"
                   "CREATE TRIGGER audit_fts_bench AFTER INSERT ON audit_log BEGIN"
                   " INSERT INTO audit_fts (rowid, actor_name, action, object_type, object_id,"
                   " detail, source) VALUES (new.seq, new.actor_name, new.action,"
                   " new.object_type, new.object_id, new.detail, new.source); END;",
                   &err))
        die("trigger", &err);
    store_release(c);
    double s = append_batched(&b, 0, BATCH_RECORDS, BATCH_SIZE);
    printf("append_batched_fts_trigger records=%d seconds=%.3f records_per_s=%.0f\n", BATCH_RECORDS,
           s, BATCH_RECORDS / s);
    bench_close(&b);
}

/* The seed of DIR/audit.db, kept beside it so that verification can be timed again alone. */
static void seed_file(bench *b, const char *dir, bool save)
{
    char path[620];
    snprintf(path, sizeof path, "%s/audit.db.seed", dir);
    FILE *f = fopen(path, save ? "wb" : "rb");
    if (!f || (save ? fwrite(b->seed, sizeof b->seed, 1, f)
                    : fread(b->seed, sizeof b->seed, 1, f)) != 1) {
        fprintf(stderr, "bench_audit: cannot %s %s\n", save ? "write" : "read", path);
        exit(1);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_audit DIR intl|gm [VERIFY_RECORDS [search|verify-only]]\n");
        return 2;
    }
    const char *dir = argv[1], *mode = argv[2];
    if (argc > 4 && strcmp(argv[4], "verify-only") == 0) {
        /* Verification again over the trail the last full run left (same mode). */
        bench b;
        snprintf(b.path, sizeof b.path, "%s/audit.db", dir);
        seed_file(&b, dir, false);
        verify(&b, "seed_witness", true, true);
        verify(&b, "hashes_only", false, false);
        peer_read(&b);
        return 0;
    }
    int64_t verify_records = 1000000;
    if (argc > 3 && xn_parse_int64(argv[3], BATCH_RECORDS, 100000000, &verify_records)) {
        fprintf(stderr, "bench_audit: VERIFY_RECORDS must be at least %d\n", BATCH_RECORDS);
        return 2;
    }
    bench b;
    bench_open(&b, dir, "audit.db", mode, 4);
    double s = append_batched(&b, 0, BATCH_RECORDS, BATCH_SIZE);
    printf("append_batched records=%d per_tx=%d seconds=%.3f records_per_s=%.0f\n", BATCH_RECORDS,
           BATCH_SIZE, s, BATCH_RECORDS / s);
    peer_plain_insert(&b);
    printf("append_single threads=1 records_per_s=%.0f\n", append_single(&b, 1));
    printf("append_single threads=4 records_per_s=%.0f\n", append_single(&b, 4));
    store_conn *c;
    xn_error err = {0};
    int64_t have = 0;
    if (store_acquire(b.db, &c, &err) ||
        store_query_int(c, "SELECT count(*) FROM audit_log", &have, &err))
        die("count", &err);
    store_release(c);
    if (have < verify_records)
        append_batched(&b, BATCH_RECORDS, verify_records - have, BATCH_SIZE);
    bench_close(&b);
    seed_file(&b, dir, true);
    verify(&b, "seed_witness", true, true);
    verify(&b, "hashes_only", false, false);
    peer_read(&b);

    bench_open_as(&b, dir, "audit.db", mode, 1, false);
    index_pending(&b);
    if (argc > 4 && strcmp(argv[4], "search") == 0)
        time_reads(&b);
    bench_close(&b);
    trigger_variant(dir, mode);
    return 0;
}
