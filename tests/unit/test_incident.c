/* Unit tests of the incident room against a real SQLite file: the kinds and clocks tables are
 * well formed (INC-1..3); the clocks' tick reminds a running clock once before its due time and
 * escalates it once at it, and a met clock neither reminds nor escalates (INC-2); an automatic
 * incident is opened once per cause while open (INC-1). */
#include "xn_test.h"

#include "audit/audit.h"
#include "incident/incident.h"
#include "store/store.h"

#include <string.h>

#define MIN (60 * INT64_C(1000000))

static void tables_are_well_formed(void **state)
{
    (void)state;
    for (size_t i = 0; i < incident_kinds_count; i++) {
        const incident_kind *k = &incident_kinds[i];
        assert_ptr_equal(incident_kind_find(k->key), k); /* keys are unique */
        int steps = 0;
        while (steps < INCIDENT_MAX_STEPS && k->steps[steps])
            steps++;
        assert_true(steps >= 3);
        assert_true(steps < INCIDENT_MAX_STEPS); /* the list ends with NULL */
    }
    assert_null(incident_kind_find("alien"));
    /* INC-3: the police or the secrecy bureau for cases and leaks */
    assert_non_null(strstr(incident_kind_find("criminal_case")->authorities, "公安"));
    assert_non_null(strstr(incident_kind_find("leak")->authorities, "保密"));
    assert_null(incident_kind_find("virus")->authorities);
    static const int minutes[] = {10, 30, 60, 24 * 60}; /* INC-2, INC-3 */
    assert_int_equal(incident_clocks_count, 4);
    for (size_t i = 0; i < incident_clocks_count; i++)
        assert_int_equal(incident_clocks[i].minutes, minutes[i]);
}

typedef struct fixture {
    store *db;
    audit_trail *trail;
    incident_ctx *ic;
} fixture;

static void open_fixture(fixture *f, const char *name)
{
    char path[512], witness[600];
    xn_config cfg;
    xn_test_fresh_db(name, path, sizeof path, witness, sizeof witness, &cfg);
    store_options sopt = {.pool_size = 4, .busy_timeout_ms = 5000, .create = true};
    xn_error err;
    assert_int_equal(store_open(&f->db, path, &sopt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(f->db, &applied, &err), XN_OK);
    assert_int_equal(audit_trail_open(&f->trail, f->db, &cfg, &err), XN_OK);
    uint8_t seed[AUDIT_SEED_BYTES];
    bool created;
    assert_int_equal(audit_trail_init(f->trail, seed, &created, &err), XN_OK);
    incident_options opt = {.db = f->db, .trail = f->trail};
    assert_int_equal(incident_open_ctx(&f->ic, &opt, &err), XN_OK);
}

static void close_fixture(fixture *f)
{
    incident_free(f->ic);
    audit_trail_free(f->trail);
    store_close(f->db);
}

static int64_t count_entries(fixture *f, const char *type)
{
    store_conn *c;
    xn_error err;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM incident_entry WHERE type = '%s'", type);
    int64_t n = -1;
    assert_int_equal(store_query_int(c, sql, &n, &err), XN_OK);
    store_release(c);
    return n;
}

static void tick_reminds_then_escalates_once(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "incident.db");
    xn_error err;
    int64_t now = xn_now_us(), id = 0, other = 0;
    incident_in in = {.kind = "site_down", .title = "门户网站无法访问", .site_affected = -1};
    assert_int_equal(incident_open(f.ic, &audit_system_actor, &in, &id, NULL, &err), XN_OK);
    in.title = "另一网站无法访问";
    assert_int_equal(incident_open(f.ic, &audit_system_actor, &in, &other, NULL, &err), XN_OK);
    assert_int_equal(
        incident_clock_meet(f.ic, &audit_system_actor, other, "inform_leaders", "已报告", &err),
        XN_OK);
    json_t *summary = json_object();
    /* 8.5 minutes on: the leaders' clock of the first incident is reminded, nothing else */
    assert_int_equal(incident_clocks_tick(f.ic, now + 17 * MIN / 2, summary, &err), XN_OK);
    assert_int_equal(json_integer_value(json_object_get(summary, "reminded")), 1);
    assert_null(json_object_get(summary, "escalated"));
    assert_int_equal(incident_clocks_tick(f.ic, now + 9 * MIN, summary, &err), XN_OK);
    assert_int_equal(count_entries(&f, "reminder"), 1);
    /* 10 minutes and a second: escalated once, and not again later */
    json_object_clear(summary);
    assert_int_equal(incident_clocks_tick(f.ic, now + 10 * MIN + 1000000, summary, &err), XN_OK);
    assert_int_equal(json_integer_value(json_object_get(summary, "escalated")), 1);
    json_object_clear(summary);
    assert_int_equal(incident_clocks_tick(f.ic, now + 11 * MIN, summary, &err), XN_OK);
    assert_null(json_object_get(summary, "escalated"));
    assert_int_equal(count_entries(&f, "escalated"), 1);
    /* met twice: refused */
    assert_int_equal(
        incident_clock_meet(f.ic, &audit_system_actor, other, "inform_leaders", NULL, &err),
        XN_ECONFLICT);
    json_t *one = NULL;
    assert_int_equal(incident_json(f.ic, id, &one, &err), XN_OK);
    json_t *c0 = json_array_get(json_object_get(one, "clocks"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "key")), "inform_leaders");
    /* shown as overdue once the wall clock passes its due time; escalated already */
    assert_true(json_is_integer(json_object_get(c0, "escalated_at")));
    json_decref(one);
    json_decref(summary);
    close_fixture(&f);
}

static void one_open_incident_per_cause(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "incident_cause.db");
    xn_error err;
    int64_t a = 0, b = 0;
    bool existing = true;
    assert_int_equal(incident_audit_failed(f.ic, "manual", &err), XN_OK);
    incident_in in = {.kind = "defacement",
                      .title = "首页被篡改",
                      .site_affected = -1,
                      .cause = "monitor.site.1.tamper",
                      .source = "monitor"};
    assert_int_equal(incident_open(f.ic, &audit_system_actor, &in, &a, &existing, &err), XN_OK);
    assert_false(existing);
    assert_int_equal(incident_open(f.ic, &audit_system_actor, &in, &b, &existing, &err), XN_OK);
    assert_true(existing);
    assert_int_equal(a, b);
    assert_int_equal(incident_audit_failed(f.ic, "scheduled", &err), XN_OK);
    assert_int_equal(count_entries(&f, "alarm"), 2);
    assert_int_equal(count_entries(&f, "opened"), 2);
    close_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tables_are_well_formed),
        cmocka_unit_test(tick_reminds_then_escalates_once),
        cmocka_unit_test(one_open_incident_per_cause),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
