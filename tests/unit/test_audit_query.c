/*
 * Reading the audit trail (AUD-4) against a real SQLite file: search by every filter,
 * Chinese full text through the trigram index and the LIKE fallback for short words, paging,
 * statistics on a known set of records placed at chosen Beijing times, CSV and XLSX export
 * with formula neutralisation, and bad filters refused naming their field. The full-text
 * index must follow the retention purge and leave the trail verifiable.
 */
#include "xn_test.h"

#include "audit/audit_int.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fixture {
    char path[512];
    char witness[520];
    xn_config cfg;
    store *db;
    audit_trail *trail;
    uint8_t seed[AUDIT_SEED_BYTES];
} fixture;

/* A clock the tests move by hand: records are stamped at chosen times. */
static int64_t fake_now;
static int64_t fake_clock(void)
{
    return fake_now;
}

/* Beijing time "YYYY-MM-DDTHH:MM[:SS]" as UTC epoch µs. */
static int64_t bj(const char *s)
{
    int64_t us = 0;
    assert_int_equal(xn_time_parse(s, &us), XN_OK);
    return us;
}

static void open_fixture(fixture *f, const char *name, int64_t start)
{
    xn_test_fresh_db(name, f->path, sizeof f->path, f->witness, sizeof f->witness, &f->cfg);
    xn_error err;
    store_options opt = {.pool_size = 2, .busy_timeout_ms = 2000, .create = true};
    assert_int_equal(store_open(&f->db, f->path, &opt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(f->db, &applied, &err), XN_OK);
    assert_int_equal(audit_trail_open(&f->trail, f->db, &f->cfg, &err), XN_OK);
    fake_now = start;
    audit_trail_set_clock(f->trail, fake_clock);
    bool created = false;
    assert_int_equal(audit_trail_init(f->trail, f->seed, &created, &err), XN_OK);
    assert_true(created);
}

static void close_fixture(fixture *f)
{
    audit_trail_free(f->trail);
    store_close(f->db);
}

typedef struct rec {
    const char *at; /* Beijing time */
    const char *actor;
    const char *action;
    const char *object_type;
    const char *object_id;
    const char *result;
    const char *source;
    const char *detail;
} rec;

typedef struct add_ctx {
    audit_trail *trail;
    const rec *r;
} add_ctx;

static int add_tx(store_conn *tx, void *ctx, xn_error *err)
{
    add_ctx *a = ctx;
    audit_actor actor = {.kind = "user", .id = 1, .name = a->r->actor, .source = a->r->source};
    audit_event ev = {.action = a->r->action,
                      .actor = &actor,
                      .object_type = a->r->object_type,
                      .object_id = a->r->object_id,
                      .result = a->r->result,
                      .detail_json = a->r->detail};
    return audit_append(a->trail, tx, &ev, err);
}

static void add_at(fixture *f, const rec *r, int64_t at)
{
    xn_error err;
    fake_now = at;
    add_ctx a = {f->trail, r};
    if (store_tx(f->db, add_tx, &a, &err) != XN_OK)
        fail_msg("append: %s", err.message);
}

static void add(fixture *f, const rec *r)
{
    add_at(f, r, bj(r->at));
}

/*
 * The known set, in time order (the trail stamps records in order). With audit.init (a
 * Monday at 10:00, actor "system") there are 15 records: 2026-11-16 is a Monday, 11-17 a
 * Tuesday, 11-21 a Saturday.
 */
static const rec known[] = {
    {"2026-11-16T09:00", "张伟", "publish.submit", "item", "101", "ok", "10.0.0.8",
     "{\"title\":\"网站内容审核：首页改版\",\"role\":\"信息员\"}"},
    {"2026-11-16T09:30", "王芳", "publish.approve", "item", "101", "ok", "10.0.0.8",
     "{\"comment\":\"同意发布\",\n\"by\":\"-王芳\"}"},
    {"2026-11-16T10:00", "李娜", "register.edit", "register", "-7", "ok", "10.0.0.9",
     "{\"field\":\"电话\"}"},
    {"2026-11-16T22:00", "张伟", "auth.login", "user", "zhangwei", "ok", "10.0.0.8", NULL},
    {"2026-11-17T08:00", "王芳", "auth.logout", "user", "wangfang", "ok", "10.0.0.8", NULL},
    {"2026-11-17T14:00", "mallory", "auth.login", "user", "admin", "denied", "203.0.113.9", NULL},
    {"2026-11-17T14:01", "mallory", "auth.login", "user", "admin", "denied", "203.0.113.9", NULL},
    {"2026-11-17T14:02", "mallory", "auth.login", "user", "admin", "denied", "203.0.113.9", NULL},
    {"2026-11-17T14:03", "mallory", "auth.login", "user", "admin", "denied", "203.0.113.9", NULL},
    {"2026-11-17T14:04", "mallory", "auth.login", "user", "admin", "denied", "203.0.113.9", NULL},
    {"2026-11-17T14:04:30", "mallory", "auth.login", "user", "admin", "denied", "203.0.113.9",
     NULL},
    {"2026-11-17T15:00", "李娜", "auth.login", "user", "lina", "denied", "10.0.0.9", NULL},
    {"2026-11-21T10:00", "张伟", "publish.submit", "item", "102", "ok", "10.0.0.8",
     "{\"title\":\"=HYPERLINK(\\\"http://x\\\")\",\"note\":\"a,b\"}"},
    {"2026-11-21T10:05", "=1+2", "incident.create", "incident", "9", "ok", "@10.0.0.1",
     "{\"title\":\"页面被篡改\"}"},
};
#define KNOWN_TOTAL 15

static void open_known(fixture *f, const char *name)
{
    open_fixture(f, name, bj("2026-11-02T10:00"));
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        add(f, &known[i]);
}

/* Runs audit_search and parses the answer. */
static json_t *search(fixture *f, const audit_filter *filter)
{
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, 1 << 20);
    store_conn *c;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    int rc = audit_search(c, filter, &out, &err);
    store_release(c);
    if (rc != XN_OK)
        fail_msg("search: %s", err.message);
    json_t *r = json_loads(out.data, 0, NULL);
    if (!r)
        fail_msg("search answer is not JSON: %s", out.data);
    xn_buf_release(&out);
    return r;
}

static size_t count_items(fixture *f, const audit_filter *filter)
{
    json_t *r = search(f, filter);
    size_t n = json_array_size(json_object_get(r, "items"));
    assert_int_equal(json_integer_value(json_object_get(r, "total")), (json_int_t)n);
    json_decref(r);
    return n;
}

static const char *item_str(json_t *r, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(r, "items"), i), key));
}

static void each_filter_selects_its_records(void **state)
{
    (void)state;
    fixture f;
    open_known(&f, "query_filters.db");
    assert_int_equal(count_items(&f, &(audit_filter){0}), KNOWN_TOTAL);
    assert_int_equal(count_items(&f, &(audit_filter){.actor = "张伟"}), 3);
    assert_int_equal(count_items(&f, &(audit_filter){.action = "auth.login"}), 8);
    assert_int_equal(count_items(&f, &(audit_filter){.action = "auth."}), 9);
    assert_int_equal(count_items(&f, &(audit_filter){.action = "publish."}), 3);
    assert_int_equal(count_items(&f, &(audit_filter){.object_type = "item"}), 3);
    assert_int_equal(count_items(&f, &(audit_filter){.object_type = "item", .object_id = "101"}),
                     2);
    assert_int_equal(count_items(&f, &(audit_filter){.result = "denied"}), 7);
    assert_int_equal(count_items(&f, &(audit_filter){.result = "error"}), 0);
    assert_int_equal(count_items(&f, &(audit_filter){.from_us = bj("2026-11-17T00:00"),
                                                     .to_us = bj("2026-11-18T00:00")}),
                     8);
    /* from is inclusive, to exclusive */
    assert_int_equal(count_items(&f, &(audit_filter){.from_us = bj("2026-11-17T14:00"),
                                                     .to_us = bj("2026-11-17T14:04")}),
                     4);
    assert_int_equal(count_items(&f, &(audit_filter){.actor = "mallory",
                                                     .result = "denied",
                                                     .from_us = bj("2026-11-17T14:02")}),
                     4);
    assert_int_equal(count_items(&f, &(audit_filter){.actor = "nobody"}), 0);

    /* newest first, with Beijing time and the detail as an object */
    json_t *r = search(&f, &(audit_filter){.actor = "张伟"});
    json_t *items = json_object_get(r, "items");
    assert_string_equal(item_str(r, 0, "at_text"), "2026-11-21T10:00:00.000+08:00");
    assert_string_equal(item_str(r, 2, "action"), "publish.submit");
    json_t *detail = json_object_get(json_array_get(items, 2), "detail");
    assert_true(json_is_object(detail));
    assert_string_equal(json_string_value(json_object_get(detail, "role")), "信息员");
    assert_true(json_is_null(json_object_get(json_array_get(items, 1), "detail")));
    assert_true(json_integer_value(json_object_get(json_array_get(items, 0), "seq")) >
                json_integer_value(json_object_get(json_array_get(items, 1), "seq")));
    assert_true(json_is_null(json_object_get(r, "next_before_seq")));
    assert_true(json_is_false(json_object_get(r, "total_capped")));
    json_decref(r);
    /* a detail that is not JSON (the trail only checks its first character) still shows */
    add(&f, &(rec){"2026-11-22T09:00", "周杰", "publish.submit", "item", "103", "ok", NULL,
                   "{not json"});
    r = search(&f, &(audit_filter){.actor = "周杰"});
    detail = json_object_get(json_array_get(json_object_get(r, "items"), 0), "detail");
    assert_string_equal(json_string_value(json_object_get(detail, "unparsed")), "{not json");
    json_decref(r);
    r = search(&f, &(audit_filter){.action = "audit.init"});
    assert_true(
        json_is_null(json_object_get(json_array_get(json_object_get(r, "items"), 0), "source")));
    assert_string_equal(item_str(r, 0, "actor_kind"), "system");
    json_decref(r);
    close_fixture(&f);
}

static void chinese_substrings_and_short_words_are_found(void **state)
{
    (void)state;
    fixture f;
    open_known(&f, "query_text.db");
    /* three characters and more: the trigram index */
    json_t *r = search(&f, &(audit_filter){.q = "内容审"});
    assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
    assert_string_equal(item_str(r, 0, "actor_name"), "张伟");
    json_decref(r);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "信息员"}), 1);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "网站内容审核"}), 1);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "页面被篡改"}), 1);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "篡改了"}), 0);
    /* the source address and the action are searched too; ASCII in either case */
    assert_int_equal(count_items(&f, &(audit_filter){.q = "203.0.113"}), 6);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "MALLORY"}), 6);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "register.edit"}), 1);
    /* one or two characters: LIKE over the candidates */
    assert_int_equal(count_items(&f, &(audit_filter){.q = "同意"}), 1);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "电"}), 1);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "张伟"}), 3);
    /* LIKE's wildcards are plain characters here */
    assert_int_equal(count_items(&f, &(audit_filter){.q = "%"}), 0);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "_"}), 0);
    /* several words: all must occur (index and LIKE together), with other filters */
    assert_int_equal(count_items(&f, &(audit_filter){.q = "内容审 信息"}), 1);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "内容审\xE3\x80\x80改版"}), 1);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "内容审 同意"}), 0);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "admin", .result = "denied"}), 6);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "\"quoted\""}), 0);
    close_fixture(&f);
}

/* Walks every page of a search and checks they join up: newest first, nothing twice. */
static void walk_pages(fixture *f, audit_filter filter, size_t expect)
{
    size_t seen = 0;
    int64_t prev = INT64_MAX;
    for (int pages = 0; pages < 100; pages++) {
        json_t *r = search(f, &filter);
        json_t *items = json_object_get(r, "items");
        /* the total is the whole filter's, on every page */
        assert_int_equal(json_integer_value(json_object_get(r, "total")), (json_int_t)expect);
        for (size_t i = 0; i < json_array_size(items); i++) {
            int64_t seq = json_integer_value(json_object_get(json_array_get(items, i), "seq"));
            assert_true(seq < prev);
            prev = seq;
            seen++;
        }
        json_t *next = json_object_get(r, "next_before_seq");
        if (json_is_null(next)) {
            json_decref(r);
            assert_int_equal(seen, expect);
            return;
        }
        assert_int_equal(json_array_size(items), (size_t)filter.limit);
        assert_int_equal(json_integer_value(next), prev);
        filter.before_seq = json_integer_value(next);
        json_decref(r);
    }
    fail_msg("paging did not end");
}

static void pages_join_up(void **state)
{
    (void)state;
    fixture f;
    open_known(&f, "query_pages.db");
    walk_pages(&f, (audit_filter){.limit = 4}, KNOWN_TOTAL);
    walk_pages(&f, (audit_filter){.limit = 1}, KNOWN_TOTAL);
    walk_pages(&f, (audit_filter){.limit = 15}, KNOWN_TOTAL);
    walk_pages(&f, (audit_filter){.limit = 4, .q = "203.0.113"}, 6);
    walk_pages(&f, (audit_filter){.limit = 2, .q = "电", .action = "register."}, 1);
    walk_pages(&f, (audit_filter){.limit = 5, .result = "denied"}, 7);
    close_fixture(&f);
}

typedef struct many_ctx {
    audit_trail *trail;
    int n;
} many_ctx;

static int many_tx(store_conn *tx, void *ctx, xn_error *err)
{
    many_ctx *m = ctx;
    audit_actor actor = {.kind = "user", .id = 2, .name = "王芳"};
    for (int i = 0; i < m->n; i++) {
        audit_event ev = {.action = "register.view", .actor = &actor, .result = AUDIT_OK};
        int rc = audit_append(m->trail, tx, &ev, err);
        if (rc != XN_OK)
            return rc;
    }
    return XN_OK;
}

static void the_total_is_capped(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "query_cap.db", bj("2026-11-02T10:00"));
    xn_error err;
    many_ctx m = {f.trail, AUDIT_TOTAL_CAP + 50};
    assert_int_equal(store_tx(f.db, many_tx, &m, &err), XN_OK);
    json_t *r = search(&f, &(audit_filter){.limit = 10});
    assert_int_equal(json_integer_value(json_object_get(r, "total")), AUDIT_TOTAL_CAP);
    assert_true(json_is_true(json_object_get(r, "total_capped")));
    assert_int_equal(json_array_size(json_object_get(r, "items")), 10);
    json_decref(r);
    close_fixture(&f);
}

typedef struct inside_ctx {
    audit_trail *trail;
    xn_buf *out;
} inside_ctx;

/* A search inside the caller's transaction sees that transaction's own records. */
static int search_inside_tx(store_conn *tx, void *ctx, xn_error *err)
{
    inside_ctx *ic = ctx;
    audit_actor actor = {.kind = "user", .id = 3, .name = "赵磊"};
    audit_event ev = {.action = "oblig.report",
                      .actor = &actor,
                      .result = AUDIT_OK,
                      .detail_json = "{\"title\":\"等级保护测评报告\"}"};
    int rc = audit_append(ic->trail, tx, &ev, err);
    if (rc == XN_OK)
        rc = audit_search(tx, &(audit_filter){.q = "保护测评"}, ic->out, err);
    return rc;
}

static void the_index_is_caught_up_before_reading(void **state)
{
    (void)state;
    fixture f;
    open_known(&f, "query_index.db");
    xn_error err;
    int64_t n = -1;
    assert_int_equal(audit_index_pending(f.db, 10, &n, &err), XN_OK);
    assert_int_equal(n, 10);
    assert_int_equal(audit_index_pending(f.db, 10, &n, &err), XN_OK);
    assert_int_equal(n, KNOWN_TOTAL - 10);
    assert_int_equal(audit_index_pending(f.db, 10, &n, &err), XN_OK);
    assert_int_equal(n, 0);
    assert_int_equal(audit_index_pending(f.db, 0, &n, &err), XN_EINVAL);
    assert_string_equal(err.field, "max_rows");
    /* records added since are found at once: the search indexes them first */
    add(&f, &(rec){"2026-11-22T09:00", "周杰", "publish.submit", "item", "103", "ok", NULL,
                   "{\"title\":\"政务公开目录更新\"}"});
    assert_int_equal(count_items(&f, &(audit_filter){.q = "公开目录"}), 1);

    xn_buf out;
    xn_buf_init(&out, 1 << 16);
    inside_ctx ic = {f.trail, &out};
    fake_now = bj("2026-11-22T09:05");
    assert_int_equal(store_tx(f.db, search_inside_tx, &ic, &err), XN_OK);
    json_t *r = json_loads(out.data, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
    assert_string_equal(item_str(r, 0, "actor_name"), "赵磊");
    json_decref(r);
    xn_buf_release(&out);
    close_fixture(&f);
}

static json_t *stats(fixture *f, const audit_filter *filter)
{
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, 1 << 20);
    store_conn *c;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    int rc = audit_stats(c, filter, &out, &err);
    store_release(c);
    if (rc != XN_OK)
        fail_msg("stats: %s", err.message);
    json_t *r = json_loads(out.data, 0, NULL);
    if (!r)
        fail_msg("stats answer is not JSON: %s", out.data);
    xn_buf_release(&out);
    return r;
}

/* The count of the list entry whose `key` is `value` (-1: not listed). */
static json_int_t listed(json_t *list, const char *key, const char *value)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        const char *v = json_string_value(json_object_get(e, key));
        if (v && strcmp(v, value) == 0)
            return json_integer_value(json_object_get(e, "count"));
    }
    return -1;
}

static void statistics_of_a_known_set(void **state)
{
    (void)state;
    fixture f;
    open_known(&f, "query_stats.db");
    json_t *r = stats(&f, &(audit_filter){0});
    assert_int_equal(json_integer_value(json_object_get(r, "total")), KNOWN_TOTAL);

    json_t *actors = json_object_get(r, "by_actor");
    assert_int_equal(json_array_size(actors), 6);
    assert_string_equal(json_string_value(json_object_get(json_array_get(actors, 0), "actor")),
                        "mallory"); /* the largest first */
    assert_int_equal(listed(actors, "actor", "mallory"), 6);
    assert_int_equal(listed(actors, "actor", "张伟"), 3);
    assert_int_equal(listed(actors, "actor", "王芳"), 2);
    assert_int_equal(listed(actors, "actor", "system"), 1);
    assert_true(json_is_false(json_object_get(r, "by_actor_truncated")));
    assert_int_equal(listed(json_object_get(r, "by_action"), "action", "auth.login"), 8);
    assert_int_equal(listed(json_object_get(r, "by_action"), "action", "audit.init"), 1);

    json_t *results = json_object_get(r, "by_result");
    assert_int_equal(json_integer_value(json_object_get(results, "ok")), 8);
    assert_int_equal(json_integer_value(json_object_get(results, "denied")), 7);
    assert_int_equal(json_integer_value(json_object_get(results, "error")), 0);

    /* hours of the day in Beijing time */
    json_t *hours = json_object_get(r, "by_hour");
    assert_int_equal(json_array_size(hours), 24);
    static const int expect_hours[24] = {[8] = 1, [9] = 2, [10] = 4, [14] = 6, [15] = 1, [22] = 1};
    for (size_t h = 0; h < 24; h++)
        assert_int_equal(json_integer_value(json_array_get(hours, h)), expect_hours[h]);

    json_t *days = json_object_get(r, "by_day");
    assert_int_equal(json_array_size(days), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(days, 0), "day")),
                        "2026-11-02");
    assert_int_equal(listed(days, "day", "2026-11-16"), 4);
    assert_int_equal(listed(days, "day", "2026-11-17"), 8);
    assert_int_equal(listed(days, "day", "2026-11-21"), 2);

    json_t *failed = json_object_get(r, "failed_logins");
    assert_int_equal(json_array_size(json_object_get(failed, "by_account")), 2);
    assert_int_equal(listed(json_object_get(failed, "by_account"), "account", "admin"), 6);
    assert_int_equal(listed(json_object_get(failed, "by_account"), "account", "lina"), 1);
    assert_int_equal(listed(json_object_get(failed, "by_source"), "source", "203.0.113.9"), 6);
    assert_int_equal(listed(json_object_get(failed, "by_source"), "source", "10.0.0.9"), 1);

    /* 22:00 on a Monday, 08:00 on a Tuesday, anything on a Saturday; 10:00 Monday is not */
    json_t *off = json_object_get(r, "off_hours");
    assert_int_equal(json_array_size(off), 3);
    assert_int_equal(listed(off, "actor", "张伟"), 2);
    assert_int_equal(listed(off, "actor", "王芳"), 1);
    assert_int_equal(listed(off, "actor", "=1+2"), 1);

    /* six denied logins within five minutes: one burst, from its first record */
    json_t *bursts = json_object_get(r, "denied_bursts");
    assert_int_equal(json_array_size(bursts), 1);
    json_t *b = json_array_get(bursts, 0);
    assert_string_equal(json_string_value(json_object_get(b, "actor")), "mallory");
    assert_int_equal(json_integer_value(json_object_get(b, "count")), 6);
    assert_int_equal(json_integer_value(json_object_get(b, "window_start")),
                     bj("2026-11-17T14:00"));
    assert_string_equal(json_string_value(json_object_get(b, "window_start_text")),
                        "2026-11-17T14:00:00.000+08:00");
    json_decref(r);

    /* the filter applies to every figure */
    r = stats(&f, &(audit_filter){.from_us = bj("2026-11-17T14:02")});
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 7);
    assert_int_equal(json_array_size(json_object_get(r, "denied_bursts")), 0); /* 4 left */
    json_decref(r);
    r = stats(&f, &(audit_filter){.q = "内容审"});
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
    json_decref(r);
    close_fixture(&f);
}

/* Exports to memory through a FILE. */
static char *export_csv(fixture *f, const audit_filter *filter, int64_t max_rows)
{
    xn_error err;
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    store_conn *c;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    int rc = audit_export_csv_bounded(c, filter, mem, max_rows, &err);
    store_release(c);
    fclose(mem);
    if (rc != XN_OK)
        fail_msg("export: %s", err.message);
    return data;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (const char *p = strstr(s, "\r\n"); p; p = strstr(p + 2, "\r\n"))
        n++;
    return n;
}

static void csv_is_quoted_and_defused(void **state)
{
    (void)state;
    fixture f;
    open_known(&f, "query_csv.db");
    char *csv = export_csv(&f, &(audit_filter){0}, AUDIT_EXPORT_MAX);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    assert_memory_equal(csv + 3, "序号,时间,操作者,来源地址,操作,对象类型,对象,结果,详情\r\n",
                        strlen("序号,时间,操作者,来源地址,操作,对象类型,对象,结果,详情\r\n"));
    /* newest first; formula-like cells get an apostrophe; results by their Chinese name
     * (labels.c), codes without a name as they are */
    assert_non_null(strstr(csv, ",2026-11-21T10:05:00.000+08:00,'=1+2,'@10.0.0.1,incident.create,"
                                "安全事件,9,成功,\"{\"\"title\"\":\"\"页面被篡改\"\"}\"\r\n"));
    assert_non_null(strstr(csv, ",台账,'-7,成功,"));
    /* quotes doubled, commas and line breaks inside quotes */
    assert_non_null(
        strstr(csv, ",\"{\"\"title\"\":\"\"=HYPERLINK(\\\"\"http://x\\\"\")\"\",\"\"note\"\":"
                    "\"\"a,b\"\"}\"\r\n"));
    assert_non_null(
        strstr(csv, ",\"{\"\"comment\"\":\"\"同意发布\"\",\n\"\"by\"\":\"\"-王芳\"\"}\""));
    /* a NULL is an empty cell */
    assert_non_null(strstr(csv, ",system,,审计初始化（audit.init）,,,成功,\r\n"));
    assert_int_equal(count_lines(csv), 1 + KNOWN_TOTAL); /* the LF inside a cell is no CRLF */
    free(csv);

    /* the bound: the newest rows, and a last line saying the export was cut */
    csv = export_csv(&f, &(audit_filter){.result = "denied"}, 3);
    assert_int_equal(count_lines(csv), 1 + 3 + 1);
    assert_non_null(strstr(csv, "已截断"));
    assert_non_null(strstr(csv, "\r\n13,2026-11-17T15:00:00.000+08:00,"));
    free(csv);
    csv = export_csv(&f, &(audit_filter){.result = "denied"}, 7);
    assert_null(strstr(csv, "已截断"));
    free(csv);
    close_fixture(&f);
}

static void xlsx_workbook_is_written(void **state)
{
    (void)state;
    fixture f;
    open_known(&f, "query_xlsx.db");
    char path[600];
    snprintf(path, sizeof path, "%s.xlsx", f.path);
    remove(path);
    xn_error err;
    store_conn *c;
    assert_int_equal(store_acquire(f.db, &c, &err), XN_OK);
    if (audit_export_xlsx(c, &(audit_filter){0}, path, &err) != XN_OK)
        fail_msg("xlsx: %s", err.message);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    static char data[1 << 20];
    size_t n = fread(data, 1, sizeof data, in);
    fclose(in);
    assert_true(n > 1000);
    assert_memory_equal(data, "PK\x03\x04", 4); /* a ZIP container */
    /* ZIP keeps member names uncompressed */
    assert_non_null(memmem(data, n, "xl/worksheets/sheet1.xml", 24));
    /* a detail longer than a cell holds is cut, not refused */
    static char long_detail[40020];
    memset(long_detail, 'x', sizeof long_detail - 1);
    memcpy(long_detail, "{\"x\":\"", 6);
    memcpy(long_detail + sizeof long_detail - 3, "\"}", 3);
    add(&f, &(rec){"2026-11-22T09:00", "周杰", "publish.submit", "item", "103", "ok", NULL,
                   long_detail});
    if (audit_export_xlsx(c, &(audit_filter){.actor = "周杰"}, path, &err) != XN_OK)
        fail_msg("xlsx with a long detail: %s", err.message);
    /* a bad filter touches nothing, not even a file already there */
    in = fopen(path, "w");
    fputs("earlier", in);
    fclose(in);
    assert_int_equal(audit_export_xlsx(c, &(audit_filter){.result = "maybe"}, path, &err),
                     XN_EINVAL);
    assert_string_equal(err.field, "result");
    in = fopen(path, "rb");
    n = fread(data, 1, sizeof data, in);
    fclose(in);
    assert_int_equal(n, 7);
    remove(path);
    store_release(c);
    close_fixture(&f);
}

typedef int (*reader)(store_conn *, const audit_filter *, xn_buf *, xn_error *);

static void expect_bad(fixture *f, reader fn, audit_filter filter, const char *field)
{
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, 1 << 16);
    store_conn *c;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    int rc = fn(c, &filter, &out, &err);
    store_release(c);
    if (rc != XN_EINVAL || strcmp(err.field, field) != 0)
        fail_msg("expected XN_EINVAL on %s, got %d on '%s'", field, rc,
                 rc ? err.field : "(nothing)");
    assert_int_equal(out.len, 0);
    xn_buf_release(&out);
}

static void bad_filters_are_refused_by_name(void **state)
{
    (void)state;
    fixture f;
    open_known(&f, "query_bad.db");
    char long_text[400];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    expect_bad(&f, audit_search, (audit_filter){.actor = "\xff\xfe"}, "actor");
    expect_bad(&f, audit_search, (audit_filter){.actor = long_text}, "actor");
    expect_bad(&f, audit_search, (audit_filter){.object_type = "a\x01"}, "object_type");
    expect_bad(&f, audit_search, (audit_filter){.object_id = long_text}, "object_id");
    expect_bad(&f, audit_search, (audit_filter){.action = "Auth.Login"}, "action");
    expect_bad(&f, audit_search, (audit_filter){.action = "auth"}, "action");
    expect_bad(&f, audit_search, (audit_filter){.action = "a.b.c"}, "action");
    expect_bad(&f, audit_search, (audit_filter){.action = ".login"}, "action");
    expect_bad(&f, audit_search, (audit_filter){.action = "auth.%"}, "action");
    expect_bad(&f, audit_search, (audit_filter){.result = "maybe"}, "result");
    expect_bad(&f, audit_search, (audit_filter){.limit = AUDIT_PAGE_MAX + 1}, "limit");
    expect_bad(&f, audit_search, (audit_filter){.limit = -1}, "limit");
    expect_bad(&f, audit_search, (audit_filter){.before_seq = -5}, "before_seq");
    expect_bad(&f, audit_search, (audit_filter){.from_us = -1}, "from");
    expect_bad(&f, audit_search, (audit_filter){.from_us = 100, .to_us = 100}, "to");
    expect_bad(&f, audit_search, (audit_filter){.q = long_text}, "q");
    expect_bad(&f, audit_search, (audit_filter){.q = "a b c d e f g h i"}, "q");
    expect_bad(&f, audit_search, (audit_filter){.q = "内容\x7f"}, "q");
    expect_bad(&f, audit_search, (audit_filter){.q = "\xe5\x86"}, "q");
    expect_bad(&f, audit_stats, (audit_filter){.result = "fine"}, "result");
    expect_bad(&f, audit_stats, (audit_filter){.to_us = -3}, "to");
    /* a FILE export checks first and writes nothing */
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    store_conn *c;
    xn_error err;
    assert_int_equal(store_acquire(f.db, &c, &err), XN_OK);
    assert_int_equal(audit_export_csv(c, &(audit_filter){.action = "x"}, mem, &err), XN_EINVAL);
    assert_string_equal(err.field, "action");
    store_release(c);
    fclose(mem);
    assert_int_equal(len, 0);
    free(data);
    /* paging fields mean nothing to statistics */
    json_decref(stats(&f, &(audit_filter){.limit = 5000, .before_seq = -1}));
    close_fixture(&f);
}

static json_t *verify(fixture *f)
{
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, 0);
    bool intact = false;
    audit_verify_options o = {.witness_path = f->witness, .seed = f->seed};
    store_options opt = {.pool_size = 1, .busy_timeout_ms = 2000};
    store *db = NULL;
    assert_int_equal(store_open(&db, f->path, &opt, &err), XN_OK);
    assert_int_equal(audit_verify(db, &o, &out, &intact, &err), XN_OK);
    store_close(db);
    json_t *report = json_loads(out.data, 0, NULL);
    xn_buf_release(&out);
    return report;
}

static void the_index_follows_the_retention_purge(void **state)
{
    (void)state;
    fixture f;
    int64_t day = 86400 * (int64_t)1000000;
    int64_t old = xn_now_us() - 200 * day;
    open_fixture(&f, "query_purge.db", old);
    for (int i = 1; i <= 5; i++)
        add_at(&f,
               &(rec){"", "张伟", "publish.submit", "item", "1", "ok", NULL,
                      "{\"title\":\"旧的网站内容审核记录\"}"},
               old + i);
    fake_now = xn_now_us();
    xn_error err;
    int64_t n;
    assert_int_equal(audit_index_pending(f.db, 100, &n, &err), XN_OK);
    int64_t purged = 0;
    if (audit_purge(f.trail, xn_now_us(), &purged, &err) != XN_OK)
        fail_msg("purge: %s", err.message);
    assert_int_equal(purged, 6);
    assert_int_equal(count_items(&f, &(audit_filter){.q = "内容审"}), 0);
    assert_int_equal(count_items(&f, &(audit_filter){.action = "audit.purge"}), 1);
    close_fixture(&f);

    /* the index agrees with the trail, and the trail still verifies */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f.path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, "INSERT INTO audit_fts (audit_fts, rank) VALUES ('integrity-check', 1)",
                     NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("fts integrity: %s", msg);
    sqlite3_close(db);
    json_t *r = verify(&f);
    char *text = json_dumps(r, 0);
    if (!json_is_true(json_object_get(r, "intact")))
        fail_msg("after purge: %s", text);
    free(text);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_filter_selects_its_records),
        cmocka_unit_test(chinese_substrings_and_short_words_are_found),
        cmocka_unit_test(pages_join_up),
        cmocka_unit_test(the_total_is_capped),
        cmocka_unit_test(the_index_is_caught_up_before_reading),
        cmocka_unit_test(statistics_of_a_known_set),
        cmocka_unit_test(csv_is_quoted_and_defused),
        cmocka_unit_test(xlsx_workbook_is_written),
        cmocka_unit_test(bad_filters_are_refused_by_name),
        cmocka_unit_test(the_index_follows_the_retention_purge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
