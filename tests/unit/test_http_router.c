/* Unit tests of the router's strict path handling: traversal, escapes, NUL and length limits
 * never reach a handler or a file; methods are checked per path (405 with Allow). */
#include "xn_test.h"

#include "http/http.h"

#include <string.h>

static int match(const char *method, const char *path, char *allow)
{
    http_req req = {0};
    req.arena = xn_arena_new(1 << 20);
    char local[64];
    int rc = http_route_match(&req, method, path, allow ? allow : local, 64);
    xn_arena_free(req.arena);
    return rc;
}

static void known_routes_match_and_head_is_get(void **state)
{
    (void)state;
    assert_true(match("GET", "/api/health", NULL) >= 0);
    assert_true(match("HEAD", "/api/health", NULL) >= 0);
    assert_true(match("GET", "/api/health/", NULL) >= 0); /* a trailing slash is tolerated */
    assert_true(match("GET", "/metrics", NULL) >= 0);
    assert_int_equal(match("GET", "/api/nothing", NULL), -1);
    assert_int_equal(match("GET", "/api", NULL), -1);
}

static void wrong_method_reports_allowed_ones(void **state)
{
    (void)state;
    char allow[64];
    assert_int_equal(match("DELETE", "/api/health", allow), -2);
    assert_string_equal(allow, "GET, HEAD");
}

static void malformed_paths_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "/api/../etc/passwd",
        "/api/%2e%2e/x",
        "/api/%2E%2e",
        "/api/./health",
        "/api/a%00b",
        "/api/a%2fb",
        "/api/%zz",
        "/api/%4",
        "/api//health",
        "/api/%C0%AF",
        "/api/a%0ab",
        "api/health",
        "",
        "/api/a\\b",
        "/api/%5c..",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = match("GET", bad[i], NULL);
        if (rc != -3)
            fail_msg("path '%s' gave %d, expected -3", bad[i], rc);
    }
    char longpath[HTTP_MAX_PATH + 10];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    assert_int_equal(match("GET", longpath, NULL), -3);
}

static void static_lookup_never_leaves_the_asset_table(void **state)
{
    (void)state;
    bool spa = true;
    const char *bad[] = {"/../etc/passwd",    "/%2e%2e/etc/passwd", "/a/../../x", "/.env",
                         "/index.html%00.js", "//etc/passwd",       "/a\\b",      "/api/x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(http_asset_lookup(bad[i], &spa));
        assert_false(spa);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_routes_match_and_head_is_get),
        cmocka_unit_test(wrong_method_reports_allowed_ones),
        cmocka_unit_test(malformed_paths_are_refused),
        cmocka_unit_test(static_lookup_never_leaves_the_asset_table),
    };
    return cmocka_run_group_tests_name("http_router", tests, NULL, NULL);
}
