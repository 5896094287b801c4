/* Unit tests of the base room: arena, buffers, UTF-8, JSON bounds, time, config, logging.
 * Platform foundation; the bounds tested here serve every input rule of DESIGN.md. */
#include "xn_test.h"

#include "base/base.h"

#include <stdlib.h>
#include <string.h>

typedef struct cleanup_probe {
    int *order; /* shared log of which probe ran when */
    int *count;
    int id;
} cleanup_probe;

static void record_order(void *data)
{
    cleanup_probe *p = data;
    p->order[(*p->count)++] = p->id;
}

static void arena_allocates_aligned_and_runs_cleanups(void **state)
{
    (void)state;
    xn_arena *a = xn_arena_new(0);
    int order[2] = {0}, count = 0;
    cleanup_probe first = {order, &count, 1}, second = {order, &count, 2};
    for (int i = 0; i < 1000; i++) {
        char *p = xn_arena_alloc(a, (size_t)(i % 100) + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 'x', (size_t)(i % 100) + 1);
    }
    char *big = xn_arena_alloc(a, 100000);
    assert_non_null(big);
    memset(big, 0, 100000);
    assert_string_equal(xn_arena_printf(a, "%s-%d", "审计", 7), "审计-7");
    assert_int_equal(xn_arena_on_free(a, record_order, &first), 0);
    assert_int_equal(xn_arena_on_free(a, record_order, &second), 0);
    xn_arena_free(a);
    assert_int_equal(count, 2);
    assert_int_equal(order[0], 2); /* reverse order of registration */
    assert_int_equal(order[1], 1);
}

static void arena_refuses_past_its_limit(void **state)
{
    (void)state;
    xn_arena *a = xn_arena_new(1024);
    assert_non_null(xn_arena_alloc(a, 512));
    assert_null(xn_arena_alloc(a, 1024));
    assert_null(xn_arena_alloc(a, SIZE_MAX));
    assert_null(xn_arena_calloc(a, SIZE_MAX / 2, 4)); /* overflow caught before multiplying */
    xn_arena_free(a);
}

static void buf_enforces_its_maximum(void **state)
{
    (void)state;
    xn_buf b;
    xn_buf_init(&b, 10);
    assert_int_equal(xn_buf_puts(&b, "12345"), XN_OK);
    assert_int_equal(xn_buf_puts(&b, "67890"), XN_OK);
    assert_int_equal(xn_buf_puts(&b, "x"), XN_ETOOBIG);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "1234567890");
    assert_int_equal(xn_buf_append(&b, "x", SIZE_MAX), XN_ETOOBIG);
    xn_buf_reset(&b);
    assert_int_equal(xn_buf_printf(&b, "%d", 12345678), XN_OK);
    assert_int_equal(xn_buf_printf(&b, "%d", 123), XN_ETOOBIG);
    size_t len;
    char *s = xn_buf_detach(&b, &len);
    assert_string_equal(s, "12345678");
    assert_int_equal(len, 8);
    free(s);
    xn_buf_release(&b);
}

static void utf8_validation_rejects_malformed_sequences(void **state)
{
    (void)state;
    assert_true(xn_utf8_valid("信安 ok", strlen("信安 ok")));
    assert_true(xn_utf8_valid("\xF0\x9F\x98\x80", 4));  /* U+1F600 */
    assert_false(xn_utf8_valid("\xC0\xAF", 2));         /* overlong '/' */
    assert_false(xn_utf8_valid("\xE0\x80\xAF", 3));     /* overlong */
    assert_false(xn_utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
    assert_false(xn_utf8_valid("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(xn_utf8_valid("\xE4\xBF", 2));         /* truncated */
    assert_false(xn_utf8_valid("\x80", 1));             /* lone continuation */
    assert_true(xn_has_control("a\x01", 2));
    assert_true(xn_has_control("a\xC2\x85", 3)); /* C1 NEL */
    assert_false(xn_has_control("a\tb\r\n", 5));
}

/* LF, CRLF and a lone CR each end a line; an ending at the end adds no empty line. */
static void lines_end_at_lf_crlf_and_cr(void **state)
{
    (void)state;
    static const char text[] = "a\nbb\r\nccc\rd\r\r\neee";
    const char *want[] = {"a", "bb", "ccc", "d", "", "eee"};
    size_t pos = 0, n = 0, count = 0;
    for (const char *line; (line = xn_next_line(text, sizeof text - 1, &pos, &n)) != NULL;) {
        assert_true(count < 6);
        assert_int_equal(n, strlen(want[count]));
        assert_memory_equal(line, want[count], n);
        count++;
    }
    assert_int_equal(count, 6);
    pos = 0;
    assert_non_null(xn_next_line("x\r", 2, &pos, &n));
    assert_int_equal(n, 1);
    assert_null(xn_next_line("x\r", 2, &pos, &n));
    pos = 0;
    assert_null(xn_next_line("", 0, &pos, &n));
}

/* ACC-1: one check for names and free text. */
static void names_refuse_invisible_and_reordering_characters(void **state)
{
    (void)state;
    xn_error err;
    struct {
        const char *s;
        xn_text_kind kind;
        const char *code; /* NULL: accepted */
    } cases[] = {
        {"张三", XN_TEXT_PERSON, NULL},
        {"欧阳·娜娜", XN_TEXT_PERSON, NULL},
        {"Anna Müller", XN_TEXT_PERSON, NULL},
        {"张三1", XN_TEXT_PERSON, "bad_name"},
        {"=cmd", XN_TEXT_PERSON, "bad_start"},
        {"张  三", XN_TEXT_PERSON, "bad_name"},
        {"张三 ", XN_TEXT_PERSON, "bad_name"},
        {"\xE2\x80\xAE"
         "abc",
         XN_TEXT_LABEL, "bidi_control"}, /* U+202E */
        {"a\xE2\x81\xA6"
         "b",
         XN_TEXT_LABEL, "bidi_control"}, /* U+2066 */
        {"\xD8\x9C"
         "abc",
         XN_TEXT_LABEL, "bidi_control"},                   /* U+061C */
        {"\xE2\x80\x8B", XN_TEXT_LABEL, "invisible_char"}, /* U+200B */
        {"a\xE2\x81\xA0"
         "b",
         XN_TEXT_LABEL, "invisible_char"}, /* U+2060 */
        {"\xEF\xBB\xBF"
         "a",
         XN_TEXT_LABEL, "invisible_char"},                  /* U+FEFF */
        {"a\xEE\x80\x80", XN_TEXT_LABEL, "invisible_char"}, /* U+E000 private use */
        {"   ", XN_TEXT_LABEL, "required"},
        {"+1", XN_TEXT_LABEL, "bad_start"},
        {"第1科室 (A)", XN_TEXT_LABEL, NULL},
        {"说明\xE2\x80\xAE", XN_TEXT_FREE, "bidi_control"},
        {"第一行\n第二行 =1 \xE2\x80\x8B", XN_TEXT_FREE, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = xn_check_text(cases[i].s, 128, cases[i].kind, true, "name", "名称", &err);
        if (cases[i].code == NULL) {
            assert_int_equal(rc, XN_OK);
        } else {
            assert_int_equal(rc, XN_EINVAL);
            assert_string_equal(err.code, cases[i].code);
            assert_string_equal(err.field, "name");
        }
    }
    assert_int_equal(xn_check_text("", 128, XN_TEXT_LABEL, false, "n", "名称", &err), XN_OK);
    assert_int_equal(xn_check_text(NULL, 128, XN_TEXT_LABEL, true, "n", "名称", &err), XN_EINVAL);
}

static void integers_parse_strictly(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(xn_parse_int64("42", 0, 100, &v), XN_OK);
    assert_int_equal(v, 42);
    assert_int_equal(xn_parse_int64("42x", 0, 100, &v), XN_EINVAL);
    assert_int_equal(xn_parse_int64("", 0, 100, &v), XN_EINVAL);
    assert_int_equal(xn_parse_int64("101", 0, 100, &v), XN_EINVAL);
    assert_int_equal(xn_parse_int64("99999999999999999999", 0, INT64_MAX, &v), XN_EINVAL);
}

static void json_parse_is_bounded(void **state)
{
    (void)state;
    xn_error err;
    json_t *v = xn_json_parse("{\"a\":1}", 7, 100, &err);
    assert_non_null(v);
    json_decref(v);
    assert_null(xn_json_parse("{\"a\":", 5, 100, &err));
    assert_string_equal(err.code, "bad_json");
    assert_null(xn_json_parse("{\"a\":1}", 7, 6, &err));
    assert_string_equal(err.code, "too_large");
    assert_int_equal(err.status, XN_ETOOBIG);
    assert_null(xn_json_parse("{\"a\":\"\xC0\xAF\"}", 10, 100, &err));
    assert_null(xn_json_parse("{\"a\":\"\\u0000\"}", 14, 100, &err)); /* NUL in a string */
    assert_null(xn_json_parse("{\"a\":1,\"a\":2}", 13, 100, &err));   /* duplicate key */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_null(xn_json_parse(deep, 200, 1000, &err));
    assert_string_equal(err.code, "bad_json");
    /* Brackets inside strings do not count as nesting. */
    const char *s = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";
    v = xn_json_parse(s, strlen(s), 1000, &err);
    assert_non_null(v);
    json_decref(v);
}

static void json_fields_are_validated(void **state)
{
    (void)state;
    xn_error err;
    json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "name", "张三", "ctl", "a\x01", "n", 5, "long",
                          "abcdefghijk");
    const char *s = NULL;
    assert_int_equal(xn_json_get_string(o, "name", true, 64, &s, &err), XN_OK);
    assert_string_equal(s, "张三");
    assert_int_equal(xn_json_get_string(o, "ctl", true, 64, &s, &err), XN_EINVAL);
    assert_string_equal(err.field, "ctl");
    assert_int_equal(xn_json_get_string(o, "long", true, 10, &s, &err), XN_EINVAL);
    assert_string_equal(err.code, "field_too_long");
    assert_int_equal(xn_json_get_string(o, "missing", true, 10, &s, &err), XN_EINVAL);
    assert_int_equal(xn_json_get_string(o, "missing", false, 10, &s, &err), XN_OK);
    assert_null(s);
    assert_int_equal(xn_json_get_string(o, "n", true, 10, &s, &err), XN_EINVAL);
    int64_t n = 0;
    assert_int_equal(xn_json_get_int(o, "n", true, 0, 10, &n, &err), XN_OK);
    assert_int_equal(n, 5);
    assert_int_equal(xn_json_get_int(o, "n", true, 6, 10, &n, &err), XN_EINVAL);
    json_decref(o);
}

static void json_strings_are_written_escaped(void **state)
{
    (void)state;
    xn_buf b;
    xn_buf_init(&b, 256);
    assert_int_equal(xn_json_put_string(&b, "路径 \"a\\b\"\n\t\x01\x7f/"), XN_OK);
    assert_string_equal(b.data, "\"路径 \\\"a\\\\b\\\"\\n\\t\\u0001\\u007f/\"");
    /* What it writes is JSON that reads back to the original (inside an array, since a
     * document is an object or an array). */
    xn_buf doc;
    xn_buf_init(&doc, 256);
    xn_buf_printf(&doc, "[%s]", b.data);
    xn_error err;
    json_t *v = xn_json_parse(doc.data, doc.len, 256, &err);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_array_get(v, 0)), "路径 \"a\\b\"\n\t\x01\x7f/");
    json_decref(v);
    xn_buf_release(&doc);
    xn_buf_release(&b);
    xn_buf_init(&b, 4);
    assert_int_equal(xn_json_put_string(&b, "too long"), XN_ETOOBIG);
    xn_buf_release(&b);
}

static void time_shows_shanghai_and_parses_back(void **state)
{
    (void)state;
    char out[XN_TIME_STR];
    /* 2026-01-01T00:00:00Z is 08:00 in Shanghai. */
    int64_t t = 1767225600LL * 1000000 + 123000;
    xn_time_format(t, out);
    assert_string_equal(out, "2026-01-01T08:00:00.123+08:00");
    int64_t back = 0;
    assert_int_equal(xn_time_parse(out, &back), XN_OK);
    assert_true(back == t);
    assert_int_equal(xn_time_parse("2026-01-01", &back), XN_OK);
    assert_true(back == (1767225600LL - 8 * 3600) * 1000000); /* midnight in Shanghai */
    assert_int_equal(xn_time_parse("2026-01-01T00:00:00Z", &back), XN_OK);
    assert_true(back == 1767225600LL * 1000000);
    assert_int_equal(xn_time_parse("2026-02-30", &back), XN_EINVAL);
    assert_int_equal(xn_time_parse("2026-01-01T25:00", &back), XN_EINVAL);
    assert_int_equal(xn_time_parse("2026-01-01x", &back), XN_EINVAL);
}

static char *write_temp(const char *name, const char *content)
{
    const char *dir = getenv("XN_TEST_TMP");
    char *path = malloc(512);
    snprintf(path, 512, "%s/%s", dir ? dir : "/tmp", name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

static void config_reads_file_env_and_reports_bad_values(void **state)
{
    (void)state;
    xn_config cfg;
    xn_error err;
    xn_config_defaults(&cfg);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_int_equal(cfg.max_body, 1048576);

    char *good = write_temp("good.conf", "[server]\nlisten = 0.0.0.0:9090\n[http]\n"
                                         "max_body = 2048\n[log]\nformat = json\n");
    assert_int_equal(xn_config_load_file(&cfg, good, true, &err), XN_OK);
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 9090);
    assert_int_equal(cfg.max_body, 2048);
    assert_int_equal(cfg.log_format, XN_LOG_JSON);

    char *bad = write_temp("bad.conf", "[server]\nlisten = 127.0.0.1:80\n\n[http]\n"
                                       "max_body = lots\n");
    assert_int_equal(xn_config_load_file(&cfg, bad, true, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "bad.conf:5:"));
    assert_non_null(strstr(err.message, "max_body"));

    char *unknown = write_temp("unknown.conf", "[http]\nmax_bodyy = 5\n");
    assert_int_equal(xn_config_load_file(&cfg, unknown, true, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "unknown.conf:2:"));

    assert_int_equal(xn_config_load_file(&cfg, "/nonexistent/x.conf", false, &err), XN_OK);
    assert_int_equal(xn_config_load_file(&cfg, "/nonexistent/x.conf", true, &err), XN_EINVAL);

    setenv("XINAN_HTTP_IDLE_TIMEOUT", "7", 1);
    assert_int_equal(xn_config_load_env(&cfg, &err), XN_OK);
    assert_int_equal(cfg.idle_timeout, 7);
    setenv("XINAN_HTTP_IDLE_TIMEOUT", "0", 1);
    assert_int_equal(xn_config_load_env(&cfg, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "XINAN_HTTP_IDLE_TIMEOUT"));
    unsetenv("XINAN_HTTP_IDLE_TIMEOUT");

    assert_int_equal(xn_config_set_listen(&cfg, "[::1]:8443", &err), XN_OK);
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(xn_config_set_listen(&cfg, "nohost", &err), XN_EINVAL);
    assert_int_equal(xn_config_set_listen(&cfg, "h:70000", &err), XN_EINVAL);
    free(good);
    free(bad);
    free(unknown);
}

static void log_lines_cannot_be_forged(void **state)
{
    (void)state;
    char *mem = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&mem, &size);
    xn_log log;
    xn_log_init(&log, f, XN_LOG_INFO, XN_LOG_KV);
    xn_log_event(&log, XN_LOG_DEBUG, "hidden", XN_LOG_END);
    xn_log_event(&log, XN_LOG_INFO, "http.request", "path", "/a\nts=x level=error", "ok", "plain",
                 XN_LOG_END);
    fclose(f);
    assert_null(strstr(mem, "hidden"));
    /* Exactly one line: the newline in the value was escaped. */
    assert_non_null(strchr(mem, '\n'));
    assert_int_equal(strchr(mem, '\n') - mem + 1, (long)size);
    assert_non_null(strstr(mem, "path=\"/a\\nts=x level=error\""));
    assert_non_null(strstr(mem, " ok=plain"));
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_allocates_aligned_and_runs_cleanups),
        cmocka_unit_test(arena_refuses_past_its_limit),
        cmocka_unit_test(buf_enforces_its_maximum),
        cmocka_unit_test(utf8_validation_rejects_malformed_sequences),
        cmocka_unit_test(lines_end_at_lf_crlf_and_cr),
        cmocka_unit_test(names_refuse_invisible_and_reordering_characters),
        cmocka_unit_test(integers_parse_strictly),
        cmocka_unit_test(json_parse_is_bounded),
        cmocka_unit_test(json_fields_are_validated),
        cmocka_unit_test(json_strings_are_written_escaped),
        cmocka_unit_test(time_shows_shanghai_and_parses_back),
        cmocka_unit_test(config_reads_file_env_and_reports_bad_values),
        cmocka_unit_test(log_lines_cannot_be_forged),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
