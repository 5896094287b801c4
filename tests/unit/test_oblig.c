/* Unit tests of the oblig room's pure parts: the requirement catalogue's parser (areas, ids,
 * refusals) and the periods of the duties' rules (their keys and bounds across months, quarters,
 * halves, years and N-day cycles). */
#include "xn_test.h"

#include "oblig/oblig.h"

#include <string.h>

static int32_t D(const char *s)
{
    int32_t day = 0;
    assert_true(xn_date_parse(s, strlen(s), &day));
    return day;
}

static const char CATALOGUE[] =
    "# catalogue\n\nIntro text - not an id.\n\n"
    "## ORG — organisation and duties\n"
    "- ORG-1 Units and departments (ZJ 5-8).\n"
    "- ORG-2 Two administrators (HY 12): flag a system that has fewer.\n"
    "\n## ACC — accounts, passwords, privileges\n"
    "- ACC-10 Password age (HS 附件4 §6).\n"
    "- not-an-id line\n- ACC- missing number\n"
    "## OBL — obligations calendar\nprose only\n";

static void the_catalogue_gives_each_id_its_area_and_text(void **state)
{
    (void)state;
    oblig_catalogue c;
    xn_error err;
    assert_int_equal(oblig_catalogue_parse(CATALOGUE, strlen(CATALOGUE), &c, &err), XN_OK);
    assert_int_equal(c.count, 3);
    assert_string_equal(c.items[0].id, "ORG-1");
    assert_string_equal(c.items[0].area, "ORG");
    assert_string_equal(c.items[0].area_title, "organisation and duties");
    assert_string_equal(c.items[1].text,
                        "Two administrators (HY 12): flag a system that has fewer.");
    assert_string_equal(c.items[2].id, "ACC-10");
    assert_string_equal(c.items[2].area, "ACC");
    assert_string_equal(c.items[2].text, "Password age (HS 附件4 §6).");
    oblig_catalogue_free(&c);
}

static void a_duplicate_id_or_an_empty_catalogue_is_refused(void **state)
{
    (void)state;
    oblig_catalogue c;
    xn_error err;
    const char dup[] = "## ORG — x\n- ORG-1 a\n- ORG-1 b\n";
    assert_int_equal(oblig_catalogue_parse(dup, strlen(dup), &c, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "ORG-1"));
    const char none[] = "# nothing here\n";
    assert_int_equal(oblig_catalogue_parse(none, strlen(none), &c, &err), XN_EINVAL);
}

static void the_shipped_duties_have_valid_rules(void **state)
{
    (void)state;
    assert_true(oblig_duties_count >= 12);
    for (size_t i = 0; i < oblig_duties_count; i++)
        assert_true(oblig_rule_valid(oblig_duties[i].rule, oblig_duties[i].every));
    assert_false(oblig_rule_valid("hourly", 1));
    assert_false(oblig_rule_valid("yearly", 2));
    assert_false(oblig_rule_valid("days", 0));
    assert_false(oblig_rule_valid("days", 400));
}

static void periods_have_their_keys_and_bounds(void **state)
{
    (void)state;
    int32_t s, e;
    char key[24];
    oblig_period("daily", 1, D("2026-10-01"), &s, &e, key);
    assert_string_equal(key, "2026-10-01");
    assert_int_equal(e - s, 1);
    oblig_period("weekly", 1, D("2026-10-01"), &s, &e, key); /* a Thursday */
    assert_int_equal(s, D("2026-09-28"));
    assert_int_equal(e, D("2026-10-05"));
    assert_string_equal(key, "W2026-09-28");
    oblig_period("weekly", 1, D("2026-10-04"), &s, &e, key); /* a Sunday: the same week */
    assert_int_equal(s, D("2026-09-28"));
    oblig_period("monthly", 1, D("2026-12-31"), &s, &e, key);
    assert_int_equal(s, D("2026-12-01"));
    assert_int_equal(e, D("2027-01-01"));
    assert_string_equal(key, "2026-12");
    oblig_period("quarterly", 1, D("2026-11-15"), &s, &e, key);
    assert_int_equal(s, D("2026-10-01"));
    assert_int_equal(e, D("2027-01-01"));
    assert_string_equal(key, "2026-Q4");
    oblig_period("half_yearly", 1, D("2026-06-30"), &s, &e, key);
    assert_int_equal(s, D("2026-01-01"));
    assert_int_equal(e, D("2026-07-01"));
    assert_string_equal(key, "2026-H1");
    oblig_period("yearly", 1, D("2026-02-28"), &s, &e, key);
    assert_int_equal(s, D("2026-01-01"));
    assert_int_equal(e, D("2027-01-01"));
    assert_string_equal(key, "2026");
    /* N-day cycles do not depend on where one looks from inside them */
    int32_t s2, e2;
    oblig_period("days", 15, D("2026-10-03"), &s, &e, key);
    assert_int_equal(e - s, 15);
    assert_true(s <= D("2026-10-03") && D("2026-10-03") < e);
    oblig_period("days", 15, s + 14, &s2, &e2, key);
    assert_int_equal(s2, s);
    oblig_period("days", 15, e, &s2, &e2, key);
    assert_int_equal(s2, e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_catalogue_gives_each_id_its_area_and_text),
        cmocka_unit_test(a_duplicate_id_or_an_empty_catalogue_is_refused),
        cmocka_unit_test(the_shipped_duties_have_valid_rules),
        cmocka_unit_test(periods_have_their_keys_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
