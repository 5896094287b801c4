/* Unit tests of the personal-data detectors (PUB-9): each kind with valid and invalid vectors,
 * check digits (GB 11643, Luhn, GB 32100), masked forms, boundaries and order. */
#include "xn_test.h"

#include "text/text.h"

#include <stdio.h>
#include <string.h>

typedef struct found {
    char out[2048];
    size_t len;
    int n;
} found;

static int on_pii(void *ctx, const text_pii_hit *h)
{
    found *f = ctx;
    int w = snprintf(f->out + f->len, sizeof f->out - f->len, "%s@%zu-%zu:%s;",
                     text_pii_kind_name(h->kind), h->start, h->end, h->masked);
    if (w > 0 && (size_t)w < sizeof f->out - f->len)
        f->len += (size_t)w;
    f->n++;
    return 0;
}

static const char *scan(const char *text, found *f)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(text_pii_scan(text, strlen(text), on_pii, f), 0);
    return f->out;
}

/* PUB-9: GB 11643 check digit, region and birth date. */
static void id_card_check_digit_and_date(void **state)
{
    (void)state;
    found f;
    assert_true(text_id18_valid("11010519491231002X", 18));
    assert_true(text_id18_valid("11010519491231002x", 18));
    assert_true(text_id18_valid("440804199003071237", 18));
    assert_true(text_id18_valid("310101200002294569", 18));  /* 2000-02-29 exists */
    assert_false(text_id18_valid("110105194912310021", 18)); /* wrong check digit */
    assert_false(text_id18_valid("440804199003071238", 18));
    assert_false(text_id18_valid("310101190002294563", 18)); /* 1900-02-29 does not */
    assert_false(text_id18_valid("001105194912310029", 18)); /* no such region */
    assert_false(text_id18_valid("11010519491331002X", 18)); /* month 13 */
    assert_false(text_id18_valid("11010519491231002", 17));
    assert_string_equal(scan("身份证号11010519491231002X。", &f),
                        "id_card@12-30:110105********002X;");
    assert_string_equal(scan("身份证号110105194912310021。", &f), ""); /* bad check digit */
    assert_true(text_id15_valid("110105491231002", 15));
    assert_false(text_id15_valid("110105491331002", 15));
    assert_string_equal(scan("旧证 110105491231002", &f), "id_card15@7-22:110105*****1002;");
}

static void mobile_numbers(void **state)
{
    (void)state;
    found f;
    assert_string_equal(scan("电话13812345678", &f), "mobile@6-17:138****5678;");
    assert_string_equal(scan("+8613812345678", &f), "mobile@1-14:138****5678;");
    assert_string_equal(scan("138-1234-5678", &f), "mobile@0-13:138****5678;");
    assert_string_equal(scan("138 1234 5678", &f), "mobile@0-13:138****5678;");
    assert_string_equal(scan("12812345678", &f), "");   /* no such prefix */
    assert_string_equal(scan("1381234567", &f), "");    /* too short */
    assert_string_equal(scan("138123456789", &f), "");  /* too long */
    assert_string_equal(scan("A13812345678", &f), "");  /* part of a longer token */
    assert_string_equal(scan("0.13812345678", &f), ""); /* part of a decimal */
    assert_string_equal(scan("13-812-345678", &f), ""); /* not grouped 3-4-4 */
}

static void landlines_with_area_codes(void **state)
{
    (void)state;
    found f;
    assert_string_equal(scan("010-62345678", &f), "landline@0-12:010-****5678;");
    assert_string_equal(scan("0755-2345678", &f), "landline@0-12:0755-***5678;");
    assert_string_equal(scan("02087654321", &f), "landline@0-11:020-****4321;");
    assert_string_equal(scan("(010)62345678", &f), "landline@0-13:010-****5678;");
    assert_string_equal(scan("（0755）2345678", &f), "landline@0-17:0755-***5678;");
    assert_string_equal(scan("010-0123456", &f), ""); /* local numbers do not start with 0 */
    assert_string_equal(scan("0012345678", &f), "");
}

static void bank_cards_with_luhn(void **state)
{
    (void)state;
    found f;
    assert_true(text_luhn_valid("6222021234567894", 16));
    assert_true(text_luhn_valid("6212262201023557228", 19));
    assert_true(text_luhn_valid("4111111111111111", 16));
    assert_false(text_luhn_valid("6222021234567895", 16));
    assert_false(text_luhn_valid("4111111111111112", 16));
    assert_string_equal(scan("卡号6222021234567894", &f), "bank_card@6-22:622202******7894;");
    assert_string_equal(scan("6222 0212 3456 7894", &f), "bank_card@0-19:622202******7894;");
    assert_string_equal(scan("6212262201023557228", &f), "bank_card@0-19:621226*********7228;");
    assert_string_equal(scan("6222021234567895", &f), ""); /* Luhn fails */
}

static void email_addresses(void **state)
{
    (void)state;
    found f;
    assert_string_equal(scan("联系zhang.san@example.gov.cn。", &f),
                        "email@6-30:z***@example.gov.cn;");
    assert_string_equal(scan("13812345678@qq.com", &f), "email@0-18:1***@qq.com;");
    assert_string_equal(scan("a@b", &f), "");
    assert_string_equal(scan("foo@bar.c1", &f), "");
    assert_string_equal(scan("foo@.com", &f), "");
    assert_string_equal(scan("@example.com", &f), "");
}

/* GB 32100: the unified social credit code's check character. */
static void social_credit_codes(void **state)
{
    (void)state;
    found f;
    assert_true(text_uscc_valid("91350100M000100Y43", 18));
    assert_true(text_uscc_valid("91440800MA4UJ7XB6A", 18));
    assert_true(text_uscc_valid("12100000400000624D", 18));
    assert_false(text_uscc_valid("91350100M000100Y44", 18));
    assert_false(text_uscc_valid("91350100M000100I43", 18)); /* I is not in the alphabet */
    assert_false(text_uscc_valid("913501A0M000100Y43", 18)); /* region must be digits */
    assert_string_equal(scan("统一社会信用代码91350100M000100Y43", &f),
                        "uscc@24-42:913501********0Y43;");
    assert_string_equal(scan("91350100M000100Y44", &f), "");
}

static void passports(void **state)
{
    (void)state;
    found f;
    assert_string_equal(scan("护照E12345678", &f), "passport@6-15:E*****678;");
    assert_string_equal(scan("EA1234567", &f), "passport@0-9:E*****567;");
    assert_string_equal(scan("G12345678", &f), "passport@0-9:G*****678;");
    assert_string_equal(scan("E1234567", &f), "");
    assert_string_equal(scan("EI1234567", &f), "");
    assert_string_equal(scan("X12345678", &f), "");
}

static void several_hits_in_order_and_odd_input(void **state)
{
    (void)state;
    found f;
    scan("张三，11010519491231002X，13812345678，a@b.cn", &f);
    assert_int_equal(f.n, 3);
    assert_non_null(strstr(f.out, "id_card@"));
    assert_true(strstr(f.out, "id_card@") < strstr(f.out, "mobile@"));
    assert_true(strstr(f.out, "mobile@") < strstr(f.out, "email@"));
    assert_string_equal(scan("", &f), "");
    const char junk[] = "\xFF\xFE(0\xEF\xBC"
                        "13812345678\xE6";
    memset(&f, 0, sizeof f);
    assert_int_equal(text_pii_scan(junk, sizeof junk - 1, on_pii, &f), 0);
    assert_int_equal(f.n, 1);
    assert_string_equal(text_pii_kind_name(TEXT_PII_USCC), "uscc");
    assert_int_equal(text_pii_severity(TEXT_PII_ID_CARD), TEXT_SEV_HIGH);
}

/* PUB-9: numbers typed with full-width digits and letters, an ideographic space or full-width
 * hyphens, alone or mixed with ASCII; offsets are bytes of the original text, masks are ASCII. */
static void full_width_and_mixed_forms(void **state)
{
    (void)state;
    found f;
    /* 身份证号 is 12 bytes; each full-width character 3. */
    assert_string_equal(scan("身份证号１１０１０５１９４９１２３１００２Ｘ。", &f),
                        "id_card@12-66:110105********002X;");
    assert_string_equal(scan("身份证号１１０１０５１９４９１２３１００２１", &f),
                        ""); /* bad check digit */
    assert_string_equal(scan("身份证号110105１９４９1231002X", &f),
                        "id_card@12-38:110105********002X;");
    assert_string_equal(scan("１１０１０５１９４９１２３１００２x", &f),
                        "id_card@0-52:110105********002x;");
    assert_string_equal(scan("４４０８０４１９９００３０７１２３９", &f), ""); /* bad check digit */
    assert_string_equal(scan("电话１３８－００１３－８０００", &f), "mobile@6-45:138****8000;");
    assert_string_equal(scan("１３８　００１３　８０００", &f), "mobile@0-39:138****8000;");
    assert_string_equal(scan("号码：１３８００１３８０００，请回电", &f),
                        "mobile@9-42:138****8000;");
    assert_string_equal(scan("１３８００１３８０００，１１０１０５１９４９１２３１００２Ｘ", &f),
                        "mobile@0-33:138****8000;id_card@36-90:110105********002X;");
    assert_string_equal(scan("１２８00138000", &f), ""); /* no such prefix */
    assert_string_equal(scan("卡号６２２２　０２１２　３４５６　７８９４", &f),
                        "bank_card@6-63:622202******7894;");
    assert_string_equal(scan("６２２２０２１２３４５６７８９５", &f), ""); /* Luhn fails */
    assert_string_equal(scan("（０１０）６２３４５６７８", &f), "landline@0-39:010-****5678;");
    assert_string_equal(scan("ＩＤ：Ｅ１２３４５６７８", &f), "passport@9-36:E*****678;");
    /* A full-width letter or digit next to a number joins it, as an ASCII one would. */
    assert_string_equal(scan("Ａ13800138000", &f), "");
    assert_string_equal(scan("13800138000９", &f), "");
}

/* PUB-9: resident IDs written in the groups people use (6-8-4, 6-4-4-4). */
static void grouped_id_numbers(void **state)
{
    (void)state;
    found f;
    assert_string_equal(scan("110105 19491231 002X", &f), "id_card@0-20:110105********002X;");
    assert_string_equal(scan("证件 110105-1949-1231-002X 。", &f),
                        "id_card@7-28:110105********002X;");
    assert_string_equal(scan("１１０１０５　１９４９１２３１　００２Ｘ", &f),
                        "id_card@0-60:110105********002X;");
    assert_string_equal(scan("110105 19491231 0021", &f), "");   /* bad check digit */
    assert_string_equal(scan("1101 0519 4912 3100 2X", &f), ""); /* not an ID grouping */
    assert_string_equal(scan("110105 194912 31002X", &f), "");   /* not an ID grouping */
    assert_string_equal(scan("110105 19491231 002X1", &f), "");  /* runs on */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_card_check_digit_and_date),
        cmocka_unit_test(mobile_numbers),
        cmocka_unit_test(landlines_with_area_codes),
        cmocka_unit_test(bank_cards_with_luhn),
        cmocka_unit_test(email_addresses),
        cmocka_unit_test(social_credit_codes),
        cmocka_unit_test(passports),
        cmocka_unit_test(several_hits_in_order_and_odd_input),
        cmocka_unit_test(full_width_and_mixed_forms),
        cmocka_unit_test(grouped_id_numbers),
    };
    return cmocka_run_group_tests_name("text_pii", tests, NULL, NULL);
}
