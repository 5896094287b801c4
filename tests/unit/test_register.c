/* Unit tests of the register room without a database: every definition passes the checker and
 * a broken one is refused; each field type's validator takes the forms people write, gives
 * one canonical text, and refuses the rest with a Chinese message naming the field. */
#include "xn_test.h"

#include "register/register.h"

#include <string.h>

static void definitions_pass_the_checker(void **state)
{
    (void)state;
    xn_error err;
    for (size_t i = 0; i < register_defs_count; i++)
        assert_int_equal(register_def_check(&register_defs[i], &err), XN_OK);
    /* a transition to a state that does not exist */
    static const register_state states[] = {{"a", "甲"}, {NULL}};
    static const register_field fields[] = {{.key = "x", .label = "X", .type = RT_TEXT}, {NULL}};
    static const register_transition bad_to[] = {{"go", "去", "a", "b", ""}, {NULL}};
    register_def d = {.key = "t",
                      .name = "测试",
                      .read_perm = "r",
                      .write_perm = "w",
                      .fields = fields,
                      .states = states,
                      .transitions = bad_to};
    assert_int_equal(register_def_check(&d, &err), XN_EINVAL);
    /* a transition requiring a field that does not exist */
    static const register_transition bad_field[] = {{"go", "去", "a", "a", "y"}, {NULL}};
    d.transitions = bad_field;
    assert_int_equal(register_def_check(&d, &err), XN_EINVAL);
    /* an enum without options */
    static const register_field no_options[] = {{.key = "e", .label = "E", .type = RT_ENUM},
                                                {NULL}};
    d.transitions = NULL;
    d.fields = no_options;
    assert_int_equal(register_def_check(&d, &err), XN_EINVAL);
}

/* The canonical text of value for a field of type, or NULL when refused (the error then names
 * the field and speaks Chinese). */
static const char *canon(register_type type, const char *value)
{
    static const register_option opts[] = {{"pc", "台式计算机"}, {NULL, NULL}};
    register_field f = {.key = "f", .label = "字段", .type = type, .options = opts};
    static char out[REGISTER_MAX_VALUE + 64];
    json_t *v = json_string(value);
    xn_error err;
    int rc = register_value(NULL, &f, v, out, sizeof out, &err);
    json_decref(v);
    if (rc != XN_OK) {
        assert_string_equal(err.field, "f");
        assert_non_null(strstr(err.message, "字段"));
        return NULL;
    }
    return out;
}

static void addresses(void **state)
{
    (void)state;
    assert_string_equal(canon(RT_IPV4, "10.1.2.3"), "10.1.2.3");
    assert_null(canon(RT_IPV4, "10.1.2.256"));
    assert_null(canon(RT_IPV4, "10.1.2"));
    assert_null(canon(RT_IPV4, "2001:db8::1"));
    assert_string_equal(canon(RT_IPV6, "2001:DB8:0:0::1"), "2001:db8::1");
    assert_null(canon(RT_IPV6, "10.1.2.3"));
    assert_null(canon(RT_IPV6, "2001:db8::g"));
    assert_string_equal(canon(RT_CIDR, "202.96.1.0/24"), "202.96.1.0/24");
    assert_string_equal(canon(RT_CIDR, "2001:db8::/32"), "2001:db8::/32");
    assert_null(canon(RT_CIDR, "202.96.1.5/24")); /* host bits set */
    assert_null(canon(RT_CIDR, "202.96.1.0/33"));
    assert_string_equal(canon(RT_MAC, "00-1A-2B-3C-4D-5E"), "00:1a:2b:3c:4d:5e");
    assert_string_equal(canon(RT_MAC, "001a.2b3c.4d5e"), "00:1a:2b:3c:4d:5e");
    assert_string_equal(canon(RT_MAC, "001A2B3C4D5E"), "00:1a:2b:3c:4d:5e");
    assert_null(canon(RT_MAC, "00:1a:2b:3c:4d"));
    assert_null(canon(RT_MAC, "00:1a:2b:3c:4d:5g"));
    assert_null(canon(RT_MAC, "00:00:00:00:00:00"));
    assert_null(canon(RT_MAC, "ff:ff:ff:ff:ff:ff"));
    assert_string_equal(canon(RT_DOMAIN, "WWW.Example.GOV.cn"), "www.example.gov.cn");
    assert_null(canon(RT_DOMAIN, "-bad.gov.cn"));
    assert_null(canon(RT_DOMAIN, "localhost"));
    assert_null(canon(RT_DOMAIN, "a..gov.cn"));
    assert_string_equal(canon(RT_URL, "https://www.example.gov.cn/a?b=1"),
                        "https://www.example.gov.cn/a?b=1");
    assert_null(canon(RT_URL, "javascript:alert(1)"));
    assert_null(canon(RT_URL, "ftp://example.gov.cn/"));
    assert_null(canon(RT_URL, "https://exa mple.gov.cn/"));
    assert_string_equal(canon(RT_EMAIL, "wang.li@Example.gov.cn"), "wang.li@example.gov.cn");
    assert_null(canon(RT_EMAIL, "wang..li@example.gov.cn"));
    assert_null(canon(RT_EMAIL, "@example.gov.cn"));
    assert_null(canon(RT_EMAIL, "wang"));
}

static void numbers_dates_and_words(void **state)
{
    (void)state;
    assert_string_equal(canon(RT_PHONE, "138 0013 8000"), "13800138000");
    assert_string_equal(canon(RT_PHONE, "0551-12345678"), "0551-12345678");
    assert_string_equal(canon(RT_PHONE, "010-1234567-89"), "010-1234567-89");
    assert_null(canon(RT_PHONE, "12800138000"));
    assert_null(canon(RT_PHONE, "1380013800"));
    assert_null(canon(RT_PHONE, "551-12345678"));
    assert_string_equal(canon(RT_INT, "42"), "42");
    assert_null(canon(RT_INT, "4.2"));
    assert_string_equal(canon(RT_DECIMAL, "2.5"), "2.5");
    assert_null(canon(RT_DECIMAL, "2.55555"));
    assert_null(canon(RT_DECIMAL, "1e3"));
    assert_string_equal(canon(RT_DATE, "2026-12-06"), "2026-12-06");
    assert_null(canon(RT_DATE, "2026-02-30"));
    assert_null(canon(RT_DATE, "2026/12/06"));
    assert_string_equal(canon(RT_DATETIME, "2026-12-06 09:30"), "2026-12-06 09:30:00");
    assert_string_equal(canon(RT_DATETIME, "2026-12-06T01:30:00Z"), "2026-12-06 09:30:00");
    assert_null(canon(RT_DATETIME, "2026-12-06 25:00"));
    assert_string_equal(canon(RT_ENUM, "pc"), "pc");
    assert_string_equal(canon(RT_ENUM, "台式计算机"), "pc"); /* the label people see */
    assert_null(canon(RT_ENUM, "spaceship"));
    assert_string_equal(canon(RT_SECRECY, "机密"), "机密");
    assert_null(canon(RT_SECRECY, "一般"));
    assert_string_equal(canon(RT_TEXT, "联想 启天"), "联想 启天");
    assert_null(canon(RT_TEXT, "=1+2")); /* never a formula */
    assert_string_equal(canon(RT_PERSON, "7"), "7");
    assert_null(canon(RT_PERSON, "seven"));
    assert_null(canon(RT_PERSON, "-1"));
}

static void the_other_types(void **state)
{
    (void)state;
    assert_string_equal(canon(RT_BOOL, "是"), "yes");
    assert_string_equal(canon(RT_BOOL, "no"), "no");
    assert_null(canon(RT_BOOL, "maybe"));
    assert_string_equal(canon(RT_LONGTEXT, "第一行，说明"), "第一行，说明");
    assert_null(canon(RT_LONGTEXT, "\xe2\x80\xae反向")); /* a bidi control */
    /* a department, a file, a row of another register: an id (checked against the database
     * when the room has one) */
    static const register_type ids[] = {RT_DEPT, RT_FILE, RT_REF};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        assert_string_equal(canon(ids[i], "12"), "12");
        assert_null(canon(ids[i], "0"));
        assert_null(canon(ids[i], "12a"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(definitions_pass_the_checker),
        cmocka_unit_test(addresses),
        cmocka_unit_test(numbers_dates_and_words),
        cmocka_unit_test(the_other_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
