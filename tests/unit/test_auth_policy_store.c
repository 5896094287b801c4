/* Unit tests of the stored password policy (ACC-8..10) on a real SQLite file: the effective
 * policy is the minimum tightened by the stored overrides; a stricter override is kept, a
 * weaker one refused with nothing stored; a stored row changed around the program (weaker,
 * malformed, unknown members, too long) gives policy_corrupt and never a weaker policy; the
 * weak-password list is stored normalised, looked up case-insensitively, and refused whole
 * when malformed. */
#include "xn_test.h"

#include "auth/auth.h"
#include "auth/auth_int.h"

#include <string.h>

typedef struct fixture {
    char path[512], witness[600];
    xn_config cfg;
    store *db;
    audit_trail *trail;
    auth_principal sec;
    auth_settings s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    xn_error err;
    xn_test_fresh_db("auth_policy_store.db", f->path, sizeof f->path, f->witness, sizeof f->witness,
                     &f->cfg);
    store_options opt = {.pool_size = 2, .busy_timeout_ms = 2000, .create = true};
    assert_int_equal(store_open(&f->db, f->path, &opt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(f->db, &applied, &err), XN_OK);
    assert_int_equal(audit_trail_open(&f->trail, f->db, &f->cfg, &err), XN_OK);
    uint8_t seed[AUDIT_SEED_BYTES];
    bool created = false;
    assert_int_equal(audit_trail_init(f->trail, seed, &created, &err), XN_OK);
    auth_settings_default(&f->s, &f->cfg);
    f->sec.user_id = 7;
    snprintf(f->sec.account, sizeof f->sec.account, "sec1");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    audit_trail_free(f->trail);
    store_close(f->db);
    remove(f->path);
    remove(f->witness);
    free(f);
    return 0;
}

static int update(fixture *f, auth_profile profile, const char *body, xn_error *err)
{
    json_t *j = json_loads(body, 0, NULL);
    assert_non_null(j);
    int rc = auth_policy_update(f->db, f->trail, &f->sec, profile, j, NULL, err);
    json_decref(j);
    return rc;
}

static void exec(fixture *f, const char *sql)
{
    store_conn *c;
    xn_error err;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    if (store_exec(c, sql, &err) != XN_OK)
        fail_msg("%s: %s", sql, err.message);
    store_release(c);
}

static int64_t count(fixture *f, const char *sql)
{
    store_conn *c;
    xn_error err;
    int64_t n = -1;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    assert_int_equal(store_query_int(c, sql, &n, &err), XN_OK);
    store_release(c);
    return n;
}

static void assert_same_policy(const auth_policy *a, const auth_policy *b)
{
    assert_int_equal(a->profile, b->profile);
    assert_int_equal(a->min_length, b->min_length);
    assert_int_equal(a->classes, b->classes);
    assert_int_equal(a->history, b->history);
    assert_int_equal(a->max_repeat, b->max_repeat);
    assert_int_equal(a->max_same_position, b->max_same_position);
    assert_int_equal(a->dictionary, b->dictionary);
    assert_int_equal(a->max_age_days, b->max_age_days);
}

/* Nothing stored: the effective policy is the minimum. */
static void minimum_without_row(void **state)
{
    fixture *f = *state;
    xn_error err;
    for (int p = 0; p < AUTH_PROFILES; p++) {
        auth_policy eff, min;
        assert_int_equal(auth_policy_load(f->db, (auth_profile)p, &eff, &err), XN_OK);
        auth_policy_default((auth_profile)p, &min);
        assert_same_policy(&eff, &min);
    }
}

/* A stricter override is stored (only what differs) and applied; the record says before and
 * after. */
static void stricter_kept(void **state)
{
    fixture *f = *state;
    xn_error err;
    assert_int_equal(
        update(f, AUTH_PROFILE_USER,
               "{\"min_length\":14,\"classes\":[\"letters\",\"digits\",\"mixed_case\"],"
               "\"history\":6,\"max_repeat\":3,\"max_age_days\":20}",
               &err),
        XN_OK);
    auth_policy eff;
    assert_int_equal(auth_policy_load(f->db, AUTH_PROFILE_USER, &eff, &err), XN_OK);
    assert_int_equal(eff.min_length, 14);
    assert_true(eff.classes & AUTH_CLASS_MIXED_CASE);
    assert_int_equal(eff.history, 6);
    assert_int_equal(eff.max_repeat, 3);
    assert_int_equal(eff.max_age_days, 20);
    assert_true(eff.dictionary); /* the minimum of every profile (ACC-8) */
    assert_int_equal(count(f, "SELECT count(*) FROM password_policy WHERE profile = 'user' AND"
                              " settings = '{\"classes\":[\"letters\",\"digits\",\"mixed_case\"],"
                              "\"max_age_days\":20,\"max_repeat\":3,\"min_length\":14}'"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'auth.policy_update'"
                              " AND object_id = 'user' AND detail LIKE '%\"before\":{%'"
                              " AND detail LIKE '%\"min_length\":14%'"),
                     1);
    /* other profiles are untouched */
    auth_policy admin, min;
    assert_int_equal(auth_policy_load(f->db, AUTH_PROFILE_ADMIN, &admin, &err), XN_OK);
    auth_policy_default(AUTH_PROFILE_ADMIN, &min);
    assert_same_policy(&admin, &min);
}

/* A weaker override is refused naming the field, and nothing is stored or recorded. */
static void weaker_refused(void **state)
{
    fixture *f = *state;
    xn_error err;
    assert_int_equal(update(f, AUTH_PROFILE_ADMIN, "{\"min_length\":12}", &err), XN_OK);
    int64_t records = count(f, "SELECT count(*) FROM audit_log");
    static const struct {
        const char *body, *code, *field;
    } cases[] = {
        {"{\"min_length\":9}", "policy_weaker", "min_length"},
        {"{\"classes\":[\"letters\",\"digits\"]}", "policy_weaker", "classes"},
        {"{\"history\":9}", "policy_weaker", "history"},
        {"{\"max_repeat\":null}", "policy_weaker", "max_repeat"},
        {"{\"max_repeat\":3}", "policy_weaker", "max_repeat"},
        {"{\"max_same_position\":4}", "policy_weaker", "max_same_position"},
        {"{\"dictionary\":false}", "policy_weaker", "dictionary"},
        {"{\"max_age_days\":0}", "policy_weaker", "max_age_days"},
        {"{\"max_age_days\":31}", "policy_weaker", "max_age_days"},
        {"{\"min_length\":\"12\"}", "bad_field", "min_length"},
        {"{\"min_length\":-1}", "policy_range", "min_length"},
        {"{\"max_same_position\":-1}", "policy_range", "max_same_position"},
        {"{\"colour\":1}", "bad_field", "body"},
        {"[]", "bad_body", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (update(f, AUTH_PROFILE_ADMIN, cases[i].body, &err) != XN_EINVAL)
            fail_msg("%s was accepted", cases[i].body);
        assert_string_equal(err.code, cases[i].code);
        assert_string_equal(err.field, cases[i].field);
    }
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), records);
    auth_policy eff;
    assert_int_equal(auth_policy_load(f->db, AUTH_PROFILE_ADMIN, &eff, &err), XN_OK);
    assert_int_equal(eff.min_length, 12);
    /* the message is Chinese first and names both values */
    assert_int_equal(update(f, AUTH_PROFILE_ADMIN, "{\"min_length\":9}", &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "最小长度 9 低于管理员策略的最低要求 10"));
}

/* Rows changed around the program are never used, whatever is wrong with them. */
static void corrupt_row_refused(void **state)
{
    fixture *f = *state;
    xn_error err;
    static const char *const rows[] = {
        "{\"min_length\":4}",          /* weaker */
        "{\"classes\":[\"letters\"]}", /* weaker classes */
        "{\"max_age_days\":0}",        /* never expires: weaker */
        "{\"min_length\":\"14\"}",     /* a string */
        "{\"surprise\":true}",         /* unknown member */
        "not json",
        "[14]",
        "",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "INSERT INTO password_policy VALUES ('admin', '%s', 1, 'x') ON CONFLICT (profile)"
                 " DO UPDATE SET settings = excluded.settings",
                 rows[i]);
        exec(f, sql);
        auth_policy eff = {0};
        if (auth_policy_load(f->db, AUTH_PROFILE_ADMIN, &eff, &err) != XN_EINTERNAL)
            fail_msg("row '%s' was used", rows[i]);
        assert_string_equal(err.code, "policy_corrupt");
        assert_non_null(strstr(err.message, "管理员口令策略的存储值无法使用"));
        /* a check of a password under that profile fails rather than use a weaker policy */
        store_conn *c;
        assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
        assert_int_equal(auth_password_acceptable(c, &f->s, 1, "zhangw", "张伟", NULL,
                                                  "Old#Pass9x2k", "ab1", true, &err),
                         XN_EINTERNAL);
        store_release(c);
    }
    /* too long to be a policy at all */
    char sql[AUTH_POLICY_MAX_JSON + 256];
    char pad[AUTH_POLICY_MAX_JSON + 1];
    memset(pad, ' ', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    snprintf(sql, sizeof sql,
             "UPDATE password_policy SET settings = '{%s}' WHERE profile = 'admin'", pad);
    exec(f, sql);
    auth_policy eff;
    assert_int_equal(auth_policy_load(f->db, AUTH_PROFILE_ADMIN, &eff, &err), XN_EINTERNAL);
    /* the list shows the problem instead of a policy; a good update replaces the row */
    json_t *list = NULL;
    assert_int_equal(auth_policy_list_json(f->db, &list, &err), XN_OK);
    json_t *admin = json_array_get(json_object_get(list, "items"), 1);
    assert_true(json_is_null(json_object_get(admin, "effective")));
    assert_non_null(json_string_value(json_object_get(admin, "error")));
    json_decref(list);
    assert_int_equal(update(f, AUTH_PROFILE_ADMIN, "{\"min_length\":11}", &err), XN_OK);
    assert_int_equal(auth_policy_load(f->db, AUTH_PROFILE_ADMIN, &eff, &err), XN_OK);
    assert_int_equal(eff.min_length, 11);
}

static bool listed_in(fixture *f, const char *pw)
{
    auth_policy p;
    auth_policy_result r;
    xn_error err;
    auth_policy_default(AUTH_PROFILE_USER, &p);
    p.dictionary = false; /* the stored list alone */
    auth_pw_input in = {.candidate = pw, .candidate_len = strlen(pw)};
    assert_int_equal(auth_policy_check_stored(f->db, &p, NULL, NULL, &in, &r, &err), XN_OK);
    for (size_t i = 0; i < r.count; i++)
        if (strcmp(r.violations[i].rule, "weak_list") == 0)
            return true;
    return false;
}

static void weak_list_stored(void **state)
{
    fixture *f = *state;
    xn_error err;
    auth_weak_list_info a, b;
    const char *text = "# comment\n\nHuangShan2024abc\r\nhuangshan2024ABC\n#notcomment1\n";
    assert_int_equal(
        auth_weak_list_replace(f->db, f->trail, &f->s, &f->sec, text, strlen(text), &a, &err),
        XN_OK);
    assert_int_equal(a.entries, 2);
    assert_true(listed_in(f, "HUANGSHAN2024abc"));
    assert_true(listed_in(f, "#notcomment1"));
    assert_false(listed_in(f, "HuangShan2024ab"));
    /* the digest depends on the entries, not their order, case or comments */
    const char *same = "#NOTCOMMENT1\nhuangshan2024abc\n";
    assert_int_equal(
        auth_weak_list_replace(f->db, f->trail, &f->s, &f->sec, same, strlen(same), &b, &err),
        XN_OK);
    assert_string_equal(a.digest, b.digest);
    /* a file with CR line endings gives one entry a line */
    const char *cr = "# comment\rMinjiang-2024a\rminjiang-2024b\r\rminjiang-2024c\r";
    auth_weak_parsed parsed;
    assert_int_equal(auth_weak_list_parse(cr, strlen(cr), f->s.alg, &parsed, &err), XN_OK);
    assert_int_equal(parsed.info.entries, 3);
    assert_int_equal(parsed.entries[0].n, strlen("minjiang-2024a"));
    assert_memory_equal(parsed.entries[0].s, "minjiang-2024a", parsed.entries[0].n);
    auth_weak_parsed_release(&parsed);
    /* malformed text replaces nothing */
    const char bad[] = "good1234567\nbad\xc3\x28\n";
    assert_int_equal(
        auth_weak_list_replace(f->db, f->trail, &f->s, &f->sec, bad, sizeof bad - 1, &b, &err),
        XN_EINVAL);
    assert_string_equal(err.code, "bad_text");
    assert_true(listed_in(f, "huangshan2024abc"));
    assert_false(listed_in(f, "good1234567"));
    assert_int_equal(auth_weak_list_replace(f->db, f->trail, &f->s, &f->sec, bad,
                                            AUTH_WEAK_LIST_MAX_BYTES + 1, &b, &err),
                     XN_ETOOBIG);
    assert_int_equal(count(f, "SELECT entries FROM password_weak_state"), 2);
    /* the records hold counts and the digest, never an entry */
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action ="
                              " 'auth.weak_list_update' AND detail LIKE '%huangshan%'"),
                     0);
    assert_int_equal(
        count(f, "SELECT count(*) FROM audit_log WHERE action = 'auth.weak_list_update'"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(minimum_without_row, setup, teardown),
        cmocka_unit_test_setup_teardown(stricter_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(weaker_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_row_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(weak_list_stored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
