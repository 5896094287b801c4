/* Unit tests of the failure summaries: the first failures of a source and minute are recorded
 * one by one, the rest counted into one audit.failures_summary record per source and minute,
 * written once the minute is over; nothing counted is lost, however many sources. */
#include "xn_test.h"

#include "audit/audit.h"

#include <string.h>

static int64_t fake_now;
static int64_t fake_clock(void)
{
    return fake_now;
}

typedef struct fixture {
    char path[512], witness[520];
    xn_config cfg;
    store *db;
    audit_trail *trail;
} fixture;

static void open_fixture(fixture *f, const char *name)
{
    xn_test_fresh_db(name, f->path, sizeof f->path, f->witness, sizeof f->witness, &f->cfg);
    xn_error err;
    store_options opt = {.pool_size = 2, .busy_timeout_ms = 2000, .create = true};
    assert_int_equal(store_open(&f->db, f->path, &opt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(f->db, &applied, &err), XN_OK);
    assert_int_equal(audit_trail_open(&f->trail, f->db, &f->cfg, &err), XN_OK);
    fake_now = 1700000000LL * 1000000; /* on a minute boundary */
    audit_trail_set_clock(f->trail, fake_clock);
    uint8_t seed[AUDIT_SEED_BYTES];
    bool created;
    assert_int_equal(audit_trail_init(f->trail, seed, &created, &err), XN_OK);
}

static void close_fixture(fixture *f)
{
    audit_trail_free(f->trail);
    store_close(f->db);
}

/* Sum of the summaries' counts for a source, and how many summaries there are. */
static int64_t summarised(fixture *f, const char *source, int *records)
{
    xn_error err;
    store_conn *c;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    store_stmt *st;
    assert_int_equal(store_prepare(c,
                                   "SELECT detail FROM audit_log WHERE action = "
                                   "'audit.failures_summary' AND source = $1",
                                   &st, &err),
                     XN_OK);
    store_bind_text(st, 1, source, -1);
    int64_t total = 0;
    *records = 0;
    while (store_step(st, &err) == STORE_ROW) {
        json_t *d = json_loads(store_col_text(st, 0), 0, NULL);
        assert_non_null(d);
        total += json_integer_value(json_object_get(d, "count"));
        json_decref(d);
        (*records)++;
    }
    store_stmt_done(st);
    store_release(c);
    return total;
}

static void a_flood_is_counted_not_recorded_one_by_one(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "failures.db");
    for (int i = 0; i < AUDIT_FAILURES_INDIVIDUAL; i++)
        assert_true(audit_failures_admit(f.trail, "192.0.2.1", "auth.login"));
    for (int i = 0; i < 995; i++)
        assert_false(audit_failures_admit(f.trail, "192.0.2.1", i % 2 ? "auth.login" : "x.y"));
    /* another source keeps its own first records */
    assert_true(audit_failures_admit(f.trail, "192.0.2.2", "auth.login"));
    xn_error err;
    int records;
    assert_int_equal(audit_tick(f.trail, &err), XN_OK);
    assert_int_equal(summarised(&f, "192.0.2.1", &records), 0); /* the minute is not over */
    fake_now += 61 * 1000000LL;
    /* a new minute: the source's first failures are recorded again */
    assert_true(audit_failures_admit(f.trail, "192.0.2.1", "auth.login"));
    assert_int_equal(audit_tick(f.trail, &err), XN_OK);
    assert_int_equal(summarised(&f, "192.0.2.1", &records), 995);
    assert_int_equal(records, 1);
    assert_int_equal(summarised(&f, "192.0.2.2", &records), 0);
    assert_int_equal(records, 0); /* nothing only counted: no summary */
    close_fixture(&f);
}

static void sources_past_the_table_are_still_counted(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "failures_many.db");
    int64_t counted = 0;
    for (int s = 0; s < 6000; s++) {
        char source[32];
        snprintf(source, sizeof source, "10.%d.%d.1", s / 256, s % 256);
        for (int i = 0; i < AUDIT_FAILURES_INDIVIDUAL + 2; i++)
            counted += !audit_failures_admit(f.trail, source, "auth.agent_check");
    }
    xn_error err;
    assert_int_equal(audit_failures_flush(f.trail, true, &err), XN_OK);
    int64_t total = 0;
    int records;
    for (int s = 0; s < 6000; s++) {
        char source[32];
        snprintf(source, sizeof source, "10.%d.%d.1", s / 256, s % 256);
        total += summarised(&f, source, &records);
    }
    total += summarised(&f, "*", &records);
    assert_int_equal(records, 1);
    assert_int_equal(total, counted);
    close_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_flood_is_counted_not_recorded_one_by_one),
        cmocka_unit_test(sources_past_the_table_are_still_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
