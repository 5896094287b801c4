/* Unit tests of a lexicon import's text handling (PUB-8): validation by line, replace and merge,
 * the counts and categories recorded on the audit trail. The database side is covered by
 * tests/api/lexicon.test.mjs. */
#include "xn_test.h"

#include "lexicon/lexicon.h"

#include <stdlib.h>
#include <string.h>

typedef struct applied {
    int rc;
    xn_buf out;
    char *cats;
    lexicon_result res;
    xn_error err;
} applied;

static void apply(applied *a, const char *current, const char *text, lexicon_mode mode)
{
    memset(a, 0, sizeof *a);
    xn_buf_init(&a->out, 0);
    a->rc = lexicon_text_apply("local", current, current ? strlen(current) : 0, text, strlen(text),
                               mode, CRYPTO_B2, &a->out, &a->cats, &a->res, &a->err);
}

static void done(applied *a)
{
    xn_buf_release(&a->out);
    free(a->cats);
}

static void replace_counts_entries_and_categories(void **state)
{
    (void)state;
    applied a;
    apply(&a, "甲词\n乙词,political\n# 注释\n", "\xEF\xBB\xBF乙词,political,high\n丙词,ad\n丙词\n",
          LEXICON_REPLACE);
    assert_int_equal(a.rc, XN_OK);
    assert_int_equal(a.res.entries, 2); /* 乙词, 丙词 (written twice) */
    assert_int_equal(a.res.added, 1);
    assert_int_equal(a.res.removed, 1);
    assert_string_equal(a.cats, "[\"political\",\"ad\",\"local\"]");
    assert_memory_equal(a.res.digest, "b2:", 3);
    assert_int_equal(strlen(a.res.digest), 3 + 64);
    done(&a);
}

static void merge_keeps_comments_and_replaces_lines_of_known_entries(void **state)
{
    (void)state;
    applied a;
    apply(&a, "# 本地\n甲词\n乙词,political,high\n",
          "# 新的注释不并入\n乙词,political,low\n丁词\n丁词,x\n", LEXICON_MERGE);
    assert_int_equal(a.rc, XN_OK);
    assert_string_equal(a.out.data, "# 本地\n甲词\n乙词,political,low\n丁词,x\n");
    assert_int_equal(a.res.entries, 3);
    assert_int_equal(a.res.added, 1);
    assert_int_equal(a.res.removed, 0);
    done(&a);
    /* merging into nothing is an import */
    apply(&a, NULL, "甲词\n", LEXICON_MERGE);
    assert_int_equal(a.rc, XN_OK);
    assert_string_equal(a.out.data, "甲词\n");
    assert_int_equal(a.res.added, 1);
    done(&a);
}

static void bad_lines_are_named_and_nothing_is_produced(void **state)
{
    (void)state;
    applied a;
    apply(&a, "甲词\n", "好词\n,political\n好词二\n坏词,x,urgent\n\x01控制\n\xE6\xB3\n",
          LEXICON_REPLACE);
    assert_int_equal(a.rc, XN_EINVAL);
    assert_string_equal(a.err.code, "bad_lexicon");
    assert_string_equal(a.err.field, "body");
    assert_non_null(strstr(a.err.message, "4 行有误"));
    /* named while they fit in the message; the count is always whole */
    assert_non_null(strstr(a.err.message, "第 2 行"));
    assert_null(strstr(a.err.message, "第 3 行"));
    assert_non_null(strstr(a.err.message, "第 4 行"));
    assert_non_null(strstr(a.err.message, "第 5 行"));
    assert_true(xn_utf8_valid(a.err.message, strlen(a.err.message)));
    assert_int_equal(a.out.len, 0);
    assert_null(a.cats);
    done(&a);
    /* more bad lines than the message can name: the rest are counted */
    xn_buf many;
    xn_buf_init(&many, 0);
    for (int i = 0; i < 25; i++)
        xn_buf_puts(&many, ",x\n");
    apply(&a, NULL, many.data, LEXICON_REPLACE);
    assert_int_equal(a.rc, XN_EINVAL);
    assert_non_null(strstr(a.err.message, "词库有 25 行有误"));
    assert_non_null(strstr(a.err.message, "第 1 行"));
    assert_non_null(strstr(a.err.message, "行有误"));
    assert_non_null(strstr(a.err.message, "；另有 "));
    assert_true(strlen(a.err.message) < sizeof a.err.message - 1); /* never cut */
    done(&a);
    xn_buf_release(&many);
}

static void names_and_sizes_are_bounded(void **state)
{
    (void)state;
    applied a;
    assert_true(lexicon_name_valid("forbidden"));
    assert_true(lexicon_name_valid("local-2_a"));
    assert_false(lexicon_name_valid(""));
    assert_false(lexicon_name_valid("Bad"));
    assert_false(lexicon_name_valid("../x"));
    assert_false(lexicon_name_valid("a.txt"));
    char longname[LEXICON_MAX_NAME + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(lexicon_name_valid(longname));
    memset(&a, 0, sizeof a);
    xn_buf_init(&a.out, 0);
    a.rc = lexicon_text_apply("a/b", NULL, 0, "x\n", 2, LEXICON_REPLACE, CRYPTO_B2, &a.out, &a.cats,
                              &a.res, &a.err);
    assert_int_equal(a.rc, XN_EINVAL);
    assert_string_equal(a.err.code, "bad_name");
    a.rc = lexicon_text_apply("local", NULL, 0, "x", (size_t)LEXICON_MAX_IMPORT + 1,
                              LEXICON_REPLACE, CRYPTO_B2, &a.out, &a.cats, &a.res, &a.err);
    assert_int_equal(a.rc, XN_ETOOBIG);
    done(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replace_counts_entries_and_categories),
        cmocka_unit_test(merge_keeps_comments_and_replaces_lines_of_known_entries),
        cmocka_unit_test(bad_lines_are_named_and_nothing_is_produced),
        cmocka_unit_test(names_and_sizes_are_bounded),
    };
    return cmocka_run_group_tests_name("lexicon", tests, NULL, NULL);
}
