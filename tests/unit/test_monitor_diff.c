/* Unit tests of the website watch's page diff (MON-4, MON-10): the lines both pages share at the
 * start and at the end are left out, each side's differing middle shown with its sign, CRLF read
 * as LF, long lines cut on a character boundary, and the output bounded whatever comes in; and
 * of a site's noise patterns: checked when the site is added, every match blanked, an empty
 * match never looping. */
#include "xn_test.h"

#include "monitor/monitor_int.h"

#include <stdlib.h>
#include <string.h>

static char *diff(const char *a, const char *b)
{
    xn_buf out;
    xn_buf_init(&out, 1u << 20);
    monitor_text_diff(a, strlen(a), b, strlen(b), &out);
    char *s = strdup(out.data ? out.data : "");
    xn_buf_release(&out);
    return s;
}

static void injected_line(void **state)
{
    (void)state;
    char *d = diff("<html>\n<body>\n<p>通知</p>\n</body>\n</html>\n",
                   "<html>\n<body>\n<p>通知</p><script src=x></script>\n</body>\n</html>\n");
    assert_string_equal(d, "@@ 第 3 行起：审核通过 1 行，实际 1 行\n"
                           "- <p>通知</p>\n"
                           "+ <p>通知</p><script src=x></script>\n");
    free(d);
}

static void added_and_removed_lines_crlf(void **state)
{
    (void)state;
    char *d = diff("a\r\nb\r\nc\r\n", "a\nc\nd\n");
    assert_string_equal(d, "@@ 第 2 行起：审核通过 2 行，实际 2 行\n- b\n- c\n+ c\n+ d\n");
    free(d);
    d = diff("same\n", "same\n");
    assert_string_equal(d, "@@ 第 2 行起：审核通过 0 行，实际 0 行\n");
    free(d);
    d = diff("", "x");
    assert_string_equal(d, "@@ 第 1 行起：审核通过 0 行，实际 1 行\n+ x\n");
    free(d);
}

static void bounded(void **state)
{
    (void)state;
    /* a long Chinese line is cut on a character boundary; many lines are counted, not shown */
    size_t n = 3 * 400;
    char *long_line = malloc(n + 1);
    for (size_t i = 0; i < n; i += 3)
        memcpy(long_line + i, "字", 3);
    long_line[n] = '\0';
    char *d = diff("x\n", long_line);
    assert_true(xn_utf8_valid(d, strlen(d)));
    assert_non_null(strstr(d, "…\n"));
    free(d);
    free(long_line);
    xn_buf many;
    xn_buf_init(&many, 1u << 20);
    for (int i = 0; i < 5000; i++)
        xn_buf_printf(&many, "line %d\n", i);
    d = diff("", many.data);
    assert_non_null(strstr(d, "+ …（另有 4940 行）"));
    assert_true(strlen(d) < 16000);
    free(d);
    xn_buf_release(&many);
}

static void noise_patterns(void **state)
{
    (void)state;
    xn_error err = {0};
    assert_int_equal(monitor_noise_check(NULL, &err), XN_OK);
    assert_int_equal(monitor_noise_check("[0-9]{4}-[0-9]{2}\n\n访问量：[0-9]+", &err), XN_OK);
    assert_int_equal(monitor_noise_check("([", &err), XN_EINVAL);
    assert_string_equal(err.field, "noise");
    xn_buf many;
    xn_buf_init(&many, 4096);
    for (int i = 0; i < 21; i++)
        xn_buf_puts(&many, "a\n");
    assert_int_equal(monitor_noise_check(many.data, &err), XN_EINVAL);
    xn_buf_release(&many);
    const char *text = "更新：2026-12-01\n访问量：137\n正文";
    char *out =
        monitor_noise_strip("[0-9]{4}-[0-9]{2}-[0-9]{2}\n访问量：[0-9]+", text, strlen(text));
    assert_string_equal(out, "更新：…\n…\n正文");
    free(out);
    /* a pattern that matches the empty string blanks nothing and ends */
    out = monitor_noise_strip("x*", "abc", 3);
    assert_string_equal(out, "abc");
    free(out);
    out = monitor_noise_strip(NULL, "abc", 3);
    assert_string_equal(out, "abc");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(noise_patterns),
        cmocka_unit_test(injected_line),
        cmocka_unit_test(added_and_removed_lines_crlf),
        cmocka_unit_test(bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
