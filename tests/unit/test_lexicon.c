/* Unit tests of a lexicon import's text handling (PUB-8): validation by line (each bad line
 * listed with its code and Chinese reason), replace and merge, the counts and categories
 * recorded on the audit trail. The database side is covered by tests/api/lexicon.test.mjs. */
#include "xn_test.h"

#include "lexicon/lexicon.h"

#include <stdlib.h>
#include <string.h>

typedef struct applied {
    int rc;
    xn_buf out;
    char *cats;
    lexicon_result res;
    lexicon_refusal bad;
    xn_error err;
} applied;

static void apply(applied *a, const char *current, const char *text, lexicon_mode mode)
{
    memset(a, 0, sizeof *a);
    xn_buf_init(&a->out, 0);
    a->rc = lexicon_text_apply("local", current, current ? strlen(current) : 0, text, strlen(text),
                               mode, CRYPTO_B2, &a->out, &a->cats, &a->res, &a->bad, &a->err);
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
    /* the message names the first lines while they fit, in Chinese, then counts the rest */
    assert_non_null(strstr(a.err.message, "第 2 行：词条（第 1 列）为空"));
    assert_null(strstr(a.err.message, "第 3 行"));
    assert_non_null(strstr(a.err.message, "行有误"));
    assert_true(xn_utf8_valid(a.err.message, strlen(a.err.message)));
    assert_int_equal(a.out.len, 0);
    assert_null(a.cats);
    /* the list has every one of them */
    assert_int_equal(a.bad.total, 4);
    assert_int_equal(a.bad.n, 4);
    static const struct {
        size_t line;
        const char *code, *reason;
    } want[] = {
        {2, "entry_empty", "词条（第 1 列）为空"},
        {4, "bad_severity", "严重程度（第 3 列）只能是 low、medium、high 或 1、2、3"},
        {5, "control_char", "含有控制字符"},
        {6, "not_utf8", "不是 UTF-8 编码的文本"},
    };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(a.bad.lines[i].line, want[i].line);
        assert_string_equal(a.bad.lines[i].code, want[i].code);
        assert_non_null(strstr(a.bad.lines[i].reason, want[i].reason));
    }
    done(&a);
    /* more bad lines than the list holds: the first LEXICON_MAX_ERRORS, and the count */
    xn_buf many;
    xn_buf_init(&many, 0);
    for (int i = 0; i < 25; i++)
        xn_buf_puts(&many, i % 2 ? "好词\n" : ",x\n");
    apply(&a, NULL, many.data, LEXICON_REPLACE);
    assert_int_equal(a.rc, XN_EINVAL);
    assert_int_equal(a.bad.total, 13);
    assert_int_equal(a.bad.n, LEXICON_MAX_ERRORS);
    for (size_t i = 0; i < a.bad.n; i++) {
        assert_int_equal(a.bad.lines[i].line, 2 * i + 1);
        assert_string_equal(a.bad.lines[i].code, "entry_empty");
    }
    assert_non_null(strstr(a.err.message, "词库有 13 行有误"));
    assert_non_null(strstr(a.err.message, "第 1 行"));
    assert_non_null(strstr(a.err.message, "；另有 "));
    assert_true(strlen(a.err.message) < sizeof a.err.message - 1); /* never cut */
    json_t *j = lexicon_refusal_json(&a.bad);
    assert_int_equal(json_array_size(json_object_get(j, "lines")), LEXICON_MAX_ERRORS);
    assert_int_equal(json_integer_value(json_object_get(j, "more")), 3);
    json_t *first = json_array_get(json_object_get(j, "lines"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "line")), 1);
    assert_string_equal(json_string_value(json_object_get(first, "code")), "entry_empty");
    assert_string_equal(json_string_value(json_object_get(first, "reason")),
                        lexicon_reason("entry_empty"));
    json_decref(j);
    done(&a);
    xn_buf_release(&many);
    /* an accepted text, and a refusal that is not about lines, list nothing */
    apply(&a, NULL, "好词\n", LEXICON_REPLACE);
    assert_int_equal(a.rc, XN_OK);
    assert_int_equal(a.bad.total, 0);
    done(&a);
}

/* Every reason a line can be refused for, as an editor reads it: the column and what it may
 * hold, keyed by the builder's code, never its English. */
static void each_reason_names_its_column_in_chinese(void **state)
{
    (void)state;
    char entry_big[1100], cat_big[1100], sug_big[1100], long_entry[80];
    /* 1,030 bytes but two characters once folded: longer than an entry may be written */
    snprintf(entry_big, sizeof entry_big, "甲%*s乙", 1024, "");
    snprintf(cat_big, sizeof cat_big, "词,%01025d", 0);
    snprintf(sug_big, sizeof sug_big, "词,cat,high,%01025d", 0);
    memset(long_entry, 'a', 65);
    long_entry[65] = '\0';
    static const char *const codes[] = {
        "not_utf8",          "control_char",     "entry_empty",      "entry_too_big",
        "entry_not_utf8",    "entry_too_long",   "entry_only_noise", "category_too_long",
        "category_not_utf8", "bad_severity",     "suggest_too_long", "suggest_not_utf8",
        "bad_lexicon_name",  "too_many_entries", "lexicon_too_large"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *r = lexicon_reason(codes[i]);
        assert_non_null(r);
        assert_true(xn_utf8_valid(r, strlen(r)));
        assert_true((unsigned char)r[0] >= 0xE0); /* starts with a Chinese word */
    }
    assert_null(lexicon_reason("no_such_code"));

    const struct {
        const char *line, *code, *column;
    } cases[] = {
        {",political,high", "entry_empty", "词条（第 1 列）"},
        {entry_big, "entry_too_big", "不超过 1024 字节"},
        {long_entry, "entry_too_long", "至多 64 个字"},
        {"！？…", "entry_only_noise", "只有空格、标点或符号"},
        {cat_big, "category_too_long", "类别（第 2 列）"},
        {"词,cat,severe", "bad_severity", "严重程度（第 3 列）"},
        {"词,cat,4", "bad_severity", "low、medium、high"},
        {sug_big, "suggest_too_long", "建议（第 4 列）"},
        {"\xFF词", "not_utf8", "UTF-8"},
        {"词\x7F", "control_char", "控制字符"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        applied a;
        char text[1200];
        snprintf(text, sizeof text, "# 注释\n好词\n%s\n", cases[i].line);
        apply(&a, NULL, text, LEXICON_MERGE);
        assert_int_equal(a.rc, XN_EINVAL);
        assert_int_equal(a.bad.total, 1);
        assert_int_equal(a.bad.lines[0].line, 3);
        assert_string_equal(a.bad.lines[0].code, cases[i].code);
        assert_string_equal(a.bad.lines[0].reason, lexicon_reason(cases[i].code));
        assert_non_null(strstr(a.bad.lines[0].reason, cases[i].column));
        assert_null(strstr(a.err.message, "bad severity")); /* no English reaches the message */
        done(&a);
    }
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
    /* Chinese names: ideographs only, never punctuation, spaces or other scripts */
    assert_true(lexicon_name_valid("涉政敏感词"));
    assert_true(lexicon_name_valid("本地-词库2"));
    assert_false(lexicon_name_valid("涉政 敏感词"));
    assert_false(lexicon_name_valid("涉政。"));
    assert_false(lexicon_name_valid("\xe6\xb6"));
    char longname[LEXICON_MAX_NAME + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(lexicon_name_valid(longname));
    memset(&a, 0, sizeof a);
    xn_buf_init(&a.out, 0);
    a.rc = lexicon_text_apply("a/b", NULL, 0, "x\n", 2, LEXICON_REPLACE, CRYPTO_B2, &a.out, &a.cats,
                              &a.res, &a.bad, &a.err);
    assert_int_equal(a.rc, XN_EINVAL);
    assert_string_equal(a.err.code, "bad_name");
    assert_int_equal(a.bad.total, 0);
    a.rc = lexicon_text_apply("local", NULL, 0, "x", (size_t)LEXICON_MAX_IMPORT + 1,
                              LEXICON_REPLACE, CRYPTO_B2, &a.out, &a.cats, &a.res, NULL, &a.err);
    assert_int_equal(a.rc, XN_ETOOBIG);
    done(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replace_counts_entries_and_categories),
        cmocka_unit_test(merge_keeps_comments_and_replaces_lines_of_known_entries),
        cmocka_unit_test(bad_lines_are_named_and_nothing_is_produced),
        cmocka_unit_test(each_reason_names_its_column_in_chinese),
        cmocka_unit_test(names_and_sizes_are_bounded),
    };
    return cmocka_run_group_tests_name("lexicon", tests, NULL, NULL);
}
