/* Unit tests of the jobs room against a real SQLite file: a job scheduled inside a committed
 * transaction runs (the commit wakes the workers); one scheduled in a rolled-back transaction
 * never exists; a kind that keeps failing is retried and flagged after JOBS_FLAG_AFTER tries
 * in a row, with the flag hook called inside the flagging transaction. */
#include "xn_test.h"

#include "audit/audit.h"
#include "jobs/jobs.h"
#include "store/store.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

static atomic_int ran_ok, ran_fail, flagged;

static int ok_fn(jobs_run *run, xn_error *err)
{
    (void)err;
    atomic_fetch_add(&ran_ok, 1);
    json_object_set_new(run->summary, "key", json_string(run->key));
    return XN_OK;
}

static int fail_fn(jobs_run *run, xn_error *err)
{
    (void)run;
    atomic_fetch_add(&ran_fail, 1);
    return xn_fail(err, XN_EIO, "down", "receiver down");
}

static int on_flag(void *app, store_conn *tx, const jobs_kind *kind, int failures,
                   const char *error, xn_error *err)
{
    (void)app;
    (void)tx;
    (void)err;
    assert_string_equal(kind->name, "t.fail");
    assert_int_equal(failures, JOBS_FLAG_AFTER);
    assert_string_equal(error, "receiver down");
    atomic_fetch_add(&flagged, 1);
    return XN_OK;
}

static const jobs_kind kinds[] = {
    {.name = "t.ok", .title = "成功", .timeout_s = 10, .attempts = 1, .run = ok_fn},
    /* period 1 s (and backoff capped by the period): three tries within a few seconds */
    {.name = "t.fail",
     .title = "失败",
     .period_s = 1,
     .timeout_s = 10,
     .attempts = 5,
     .run = fail_fn},
};

typedef struct sched {
    jobs_runner *r;
    const char *key;
    bool roll_back;
} sched;

static int sched_tx(store_conn *tx, void *ctx, xn_error *err)
{
    sched *s = ctx;
    int rc = jobs_schedule(s->r, tx, "t.ok", s->key, xn_now_us(), err);
    if (rc == XN_OK && s->roll_back)
        return xn_fail(err, XN_EINVAL, "nope", "the change is refused");
    return rc;
}

static void wait_until(atomic_int *v, int want, int seconds)
{
    for (int i = 0; i < seconds * 20 && atomic_load(v) < want; i++)
        nanosleep(&(struct timespec){0, 50000000L}, NULL);
}

static void runs_committed_schedules_and_flags_failing_kinds(void **state)
{
    (void)state;
    char path[512], witness[600];
    xn_config cfg;
    xn_test_fresh_db("jobs.db", path, sizeof path, witness, sizeof witness, &cfg);
    store_options sopt = {.pool_size = 4, .busy_timeout_ms = 5000, .create = true};
    store *db = NULL;
    xn_error err;
    assert_int_equal(store_open(&db, path, &sopt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(db, &applied, &err), XN_OK);
    audit_trail *trail = NULL;
    assert_int_equal(audit_trail_open(&trail, db, &cfg, &err), XN_OK);
    uint8_t seed[AUDIT_SEED_BYTES];
    bool created;
    assert_int_equal(audit_trail_init(trail, seed, &created, &err), XN_OK);

    jobs_options opt = {.db = db,
                        .trail = trail,
                        .kinds = kinds,
                        .nkinds = sizeof kinds / sizeof kinds[0],
                        .workers = 2,
                        .on_flag = on_flag};
    jobs_runner *r = NULL;
    assert_int_equal(jobs_start(&r, &opt, &err), XN_OK);

    /* rolled back: no job, no run */
    sched s = {.r = r, .key = "gone", .roll_back = true};
    assert_int_equal(store_tx(db, sched_tx, &s, &err), XN_EINVAL);
    /* committed: runs at once (the workers sleep until a commit wakes them) */
    s = (sched){.r = r, .key = "k1"};
    assert_int_equal(store_tx(db, sched_tx, &s, &err), XN_OK);
    wait_until(&ran_ok, 1, 5);
    assert_int_equal(atomic_load(&ran_ok), 1);

    wait_until(&flagged, 1, 30);
    assert_int_equal(atomic_load(&flagged), 1);
    assert_true(atomic_load(&ran_fail) >= JOBS_FLAG_AFTER);

    /* the hook runs inside the flagging transaction: the flag is visible once it commits */
    json_t *out = NULL;
    for (int i = 0; i < 100; i++) {
        json_decref(out);
        assert_int_equal(jobs_flagged_json(r, &out, &err), XN_OK);
        if (json_array_size(json_object_get(out, "items")) > 0)
            break;
        nanosleep(&(struct timespec){0, 50000000L}, NULL);
    }
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    json_decref(out);
    assert_int_equal(jobs_runs_json(r, "t.ok", 10, &out, &err), XN_OK);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 1); /* "gone" never existed */
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "key")), "k1");
    json_decref(out);
    jobs_stop(r);

    store_conn *c;
    int64_t n = -1;
    assert_int_equal(store_acquire(db, &c, &err), XN_OK);
    assert_int_equal(store_query_int(c, "SELECT count(*) FROM job WHERE key = 'gone'", &n, &err),
                     XN_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_query_int(c,
                                     "SELECT count(*) FROM audit_log WHERE action ="
                                     " 'jobs.kind_flagged'",
                                     &n, &err),
                     XN_OK);
    assert_int_equal(n, 1);
    store_release(c);
    audit_trail_free(trail);
    store_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_committed_schedules_and_flags_failing_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
