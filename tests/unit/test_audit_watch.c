/*
 * The server's watch over its own trail (AUD-2, AUD-3, ACC-6), against a real SQLite file and
 * real loopback sockets: the scheduled verification (audit.verify_hours) runs when due and
 * not before, records its run and its audit.verify record, and raises one alert when the file
 * was tampered with; alerts change only by one acknowledgement with a comment; the remote
 * witness gets every checkpoint, survives a collector that is away (one alert per outage, the
 * checkpoints delivered once it is back); the log store's day purge leaves a log.purge record.
 */
#include "xn_test.h"

#include "audit/audit_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HOUR_US (3600LL * 1000000)

typedef struct fixture {
    char path[512];
    char witness[520];
    xn_config cfg;
    store *db;
    audit_trail *trail;
} fixture;

/* A clock the tests move by hand. */
static int64_t fake_now;
static int64_t fake_clock(void)
{
    return fake_now;
}

/* A fresh trail; setup (may be NULL) adjusts the configuration before the trail opens. */
static void open_fixture(fixture *f, const char *name, void (*setup)(xn_config *, void *),
                         void *arg)
{
    xn_test_fresh_db(name, f->path, sizeof f->path, f->witness, sizeof f->witness, &f->cfg);
    xn_error err;
    f->cfg.audit_epoch_records = 4;
    if (setup)
        setup(&f->cfg, arg);
    store_options opt = {.pool_size = 3, .busy_timeout_ms = 2000, .create = true};
    assert_int_equal(store_open(&f->db, f->path, &opt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(f->db, &applied, &err), XN_OK);
    if (audit_trail_open(&f->trail, f->db, &f->cfg, &err) != XN_OK)
        fail_msg("open: %s", err.message);
    audit_trail_set_clock(f->trail, fake_clock);
    uint8_t seed[AUDIT_SEED_BYTES];
    bool created = false;
    assert_int_equal(audit_trail_init(f->trail, seed, &created, &err), XN_OK);
    assert_true(created);
}

static void close_fixture(fixture *f)
{
    audit_trail_free(f->trail);
    store_close(f->db);
}

static int write_tx(store_conn *tx, void *ctx, xn_error *err)
{
    audit_trail *t = ctx;
    audit_actor actor = {.kind = "user", .id = 3, .name = "zhaomin"};
    audit_event ev = {.action = "auth.login", .actor = &actor, .result = AUDIT_OK};
    return audit_append(t, tx, &ev, err);
}

static void write_records(fixture *f, int n)
{
    xn_error err;
    for (int i = 0; i < n; i++)
        assert_int_equal(store_tx(f->db, write_tx, f->trail, &err), XN_OK);
}

static int64_t query_int(fixture *f, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Runs SQL directly on the file; false (and *msg) when SQLite refuses it. */
static bool exec_sql(fixture *f, const char *sql, char *msg, size_t size)
{
    sqlite3 *db;
    char *e = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    int rc = sqlite3_exec(db, sql, NULL, NULL, &e);
    if (msg)
        snprintf(msg, size, "%s", e ? e : "");
    sqlite3_free(e);
    sqlite3_close(db);
    return rc == SQLITE_OK;
}

/* ---- the scheduled verification ------------------------------------------------------------ */

static void verify_every_hour(xn_config *cfg, void *arg)
{
    cfg->audit_verify_hours = *(int64_t *)arg;
}

static void scheduled_verification_runs_when_due_and_alerts_on_damage(void **state)
{
    (void)state;
    fixture f;
    int64_t hours = 1;
    fake_now = xn_now_us();
    int64_t created = fake_now;
    open_fixture(&f, "watch_schedule.db", verify_every_hour, &hours);
    write_records(&f, 9);
    xn_error err;
    bool ran = true, intact = false;

    /* not yet: the hour runs from the trail's creation */
    fake_now = created + HOUR_US - 1;
    assert_int_equal(audit_verify_due(f.trail, &ran, &intact, &err), XN_OK);
    assert_false(ran);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_verification"), 0);

    fake_now = created + HOUR_US;
    if (audit_verify_due(f.trail, &ran, &intact, &err) != XN_OK)
        fail_msg("verify_due: %s", err.message);
    assert_true(ran);
    assert_true(intact);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_verification WHERE"
                                   " trigger_kind = 'scheduled' AND intact = 1 AND actor_name ="
                                   " 'system' AND records = 10"),
                     1);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_log WHERE action = 'audit.verify'"
                                   " AND actor_kind = 'system' AND result = 'ok'"),
                     1);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_alert"), 0);

    /* the next one an hour after that one, not before */
    fake_now += HOUR_US - 1;
    assert_int_equal(audit_verify_due(f.trail, &ran, &intact, &err), XN_OK);
    assert_false(ran);

    /* someone edits a record on the file: the next run finds it and raises one alert */
    assert_true(exec_sql(&f,
                         "DROP TRIGGER audit_log_no_update;"
                         " UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 4",
                         NULL, 0));
    fake_now += 1;
    assert_int_equal(audit_verify_due(f.trail, &ran, &intact, &err), XN_OK);
    assert_true(ran);
    assert_false(intact);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_verification WHERE intact = 0"
                                   " AND first_bad_seq = 4 AND damage = 'edited'"),
                     1);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_alert WHERE kind ="
                                   " 'audit.verify_failed' AND severity = 'critical'"
                                   " AND acked_at IS NULL"),
                     1);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_log WHERE action = 'audit.verify'"
                                   " AND result = 'error' AND detail LIKE '%\"first_bad_seq\":4%'"),
                     1);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_log WHERE action = 'audit.alert'"),
                     1);

    /* the list shows both runs, newest first */
    xn_buf out;
    xn_buf_init(&out, 0);
    assert_int_equal(audit_verifications_json(f.db, &out, &err), XN_OK);
    json_t *v = json_loads(out.data, 0, NULL);
    json_t *items = json_object_get(v, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *newest = json_array_get(items, 0);
    assert_false(json_is_true(json_object_get(newest, "intact")));
    assert_string_equal(json_string_value(json_object_get(newest, "kind")), "edited");
    assert_string_equal(json_string_value(json_object_get(newest, "trigger")), "scheduled");
    assert_string_equal(json_string_value(json_object_get(newest, "actor")), "system");
    json_decref(v);
    xn_buf_release(&out);
    close_fixture(&f);
}

static void no_schedule_when_off(void **state)
{
    (void)state;
    fixture f;
    int64_t hours = 0;
    fake_now = xn_now_us();
    open_fixture(&f, "watch_off.db", verify_every_hour, &hours);
    fake_now += 1000 * HOUR_US;
    xn_error err;
    bool ran = true, intact = false;
    assert_int_equal(audit_verify_due(f.trail, &ran, &intact, &err), XN_OK);
    assert_false(ran);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_verification"), 0);
    close_fixture(&f);
}

/* ---- alerts -------------------------------------------------------------------------------- */

static void alerts_change_only_by_one_acknowledgement(void **state)
{
    (void)state;
    fixture f;
    fake_now = xn_now_us();
    open_fixture(&f, "watch_alerts.db", NULL, NULL);
    assert_true(exec_sql(&f,
                         "DROP TRIGGER audit_log_no_update;"
                         " UPDATE audit_log SET action = 'auth.logout' WHERE seq = 1",
                         NULL, 0));
    xn_error err;
    xn_buf report;
    xn_buf_init(&report, 0);
    bool intact = true;
    int64_t run = 0, at = 0;
    audit_actor auditor = {.kind = "user", .id = 5, .name = "zhaomin"};
    assert_int_equal(
        audit_verify_run(f.trail, &auditor, "manual", &report, &intact, &run, &at, &err), XN_OK);
    assert_false(intact);
    assert_true(run > 0);
    assert_int_equal(at, fake_now);
    xn_buf_release(&report);
    int64_t id = query_int(&f, "SELECT id FROM audit_alert");

    assert_int_equal(audit_alert_ack(f.trail, &auditor, id, "  ", &err), XN_EINVAL);
    assert_string_equal(err.field, "comment");
    assert_int_equal(audit_alert_ack(f.trail, &auditor, id, NULL, &err), XN_EINVAL);
    assert_int_equal(audit_alert_ack(f.trail, &auditor, id + 1, "查看", &err), XN_ENOTFOUND);
    assert_int_equal(audit_alert_ack(f.trail, &auditor, id, "已核实，系误操作，已恢复", &err),
                     XN_OK);
    assert_int_equal(audit_alert_ack(f.trail, &auditor, id, "again", &err), XN_ECONFLICT);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_log WHERE action ="
                                   " 'audit.alert_ack' AND actor_name = 'zhaomin'"
                                   " AND detail LIKE '%已核实%'"),
                     1);

    xn_buf out;
    xn_buf_init(&out, 0);
    assert_int_equal(audit_alerts_json(f.db, "acked", 0, &out, &err), XN_OK);
    json_t *v = json_loads(out.data, 0, NULL);
    json_t *a = json_array_get(json_object_get(v, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "acked_by")), "zhaomin");
    assert_string_equal(json_string_value(json_object_get(a, "acked_comment")),
                        "已核实，系误操作，已恢复");
    assert_int_equal(json_integer_value(json_object_get(v, "open")), 0);
    json_decref(v);
    xn_buf_reset(&out);
    assert_int_equal(audit_alerts_json(f.db, "open", 0, &out, &err), XN_OK);
    assert_non_null(strstr(out.data, "\"items\":[]"));
    assert_int_equal(audit_alerts_json(f.db, "closed", 0, &out, &err), XN_EINVAL);
    assert_string_equal(err.field, "state");
    xn_buf_release(&out);

    /* around the program: no deletion, no second acknowledgement, no other change */
    char msg[256];
    assert_false(exec_sql(&f, "DELETE FROM audit_alert", msg, sizeof msg));
    assert_non_null(strstr(msg, "cannot be removed"));
    assert_false(exec_sql(&f, "UPDATE audit_alert SET ack_comment = 'x'", msg, sizeof msg));
    assert_false(exec_sql(&f, "DELETE FROM audit_verification", msg, sizeof msg));
    assert_false(exec_sql(&f, "UPDATE audit_verification SET intact = 1", msg, sizeof msg));
    close_fixture(&f);
}

/* ---- the remote witness -------------------------------------------------------------------- */

static int udp_socket(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(*port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
        fail_msg("bind: %s", strerror(errno));
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static void witness_to(xn_config *cfg, void *arg)
{
    xn_error err;
    assert_int_equal(xn_config_set(cfg, "audit", "witness_syslog", arg, &err), XN_OK);
}

/* Reads the datagrams waiting (for up to a second for the first). */
static int receive(int fd, char msgs[][2048], int max)
{
    int n = 0;
    for (; n < max; n++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, n ? 200 : 1000) != 1)
            break;
        ssize_t len = recv(fd, msgs[n], 2047, 0);
        assert_true(len > 0);
        msgs[n][len] = '\0';
    }
    return n;
}

static void remote_witness_survives_an_absent_collector(void **state)
{
    (void)state;
    /* a port nobody listens on: the loopback refuses the datagrams */
    uint16_t port = 0;
    close(udp_socket(&port));
    char target[64];
    snprintf(target, sizeof target, "udp://127.0.0.1:%u", port);
    fixture f;
    fake_now = xn_now_us();
    open_fixture(&f, "watch_witness.db", witness_to, target);
    write_records(&f, 9); /* epochs of 4 records: two more checkpoints */
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_checkpoint"), 3);

    xn_error err;
    assert_int_equal(audit_tick(f.trail, &err), XN_EIO);
    assert_non_null(strstr(err.message, target));
    assert_int_equal(audit_tick(f.trail, &err), XN_OK); /* the same outage: reported once */
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_alert WHERE kind ="
                                   " 'audit.witness_unreachable'"),
                     1);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_log WHERE action ="
                                   " 'audit.witness_unreachable' AND result = 'error'"),
                     1);

    /* the collector comes: every checkpoint arrives, in order, and the outage ends */
    int fd = udp_socket(&port);
    if (audit_tick(f.trail, &err) != XN_OK)
        fail_msg("tick: %s", err.message);
    char msgs[8][2048];
    int n = receive(fd, msgs, 8);
    /* the tick also closed the epoch the outage's records filled: four checkpoints by now */
    assert_int_equal(n, query_int(&f, "SELECT count(*) FROM audit_checkpoint"));
    assert_true(n >= 3);
    for (int i = 0; i < n; i++) {
        char head[64];
        snprintf(head, sizeof head, "[checkpoint@32473 kind=\"epoch\" epoch=\"%d\"", i);
        if (strncmp(msgs[i], "<110>1 ", 7) != 0 || !strstr(msgs[i], " xinan-audit ") ||
            !strstr(msgs[i], " checkpoint [") || !strstr(msgs[i], head))
            fail_msg("message %d: %s", i, msgs[i]);
        /* the message is the witness file's line */
        const char *json = strstr(msgs[i], "] {\"checkpoint\":");
        assert_non_null(json);
        FILE *w = fopen(f.witness, "r");
        char line[2048];
        bool found = false;
        while (!found && fgets(line, sizeof line, w)) {
            line[strcspn(line, "\n")] = '\0';
            found = strcmp(line, json + 2) == 0;
        }
        fclose(w);
        if (!found)
            fail_msg("not in the witness file: %s", json + 2);
    }
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_log WHERE action ="
                                   " 'audit.witness_restored'"),
                     1);
    assert_int_equal(query_int(&f, "SELECT failing_since IS NULL FROM audit_witness_remote"), 1);
    /* nothing new: nothing sent */
    assert_int_equal(audit_tick(f.trail, &err), XN_OK);
    assert_int_equal(receive(fd, msgs, 8), 0);
    close(fd);
    close_fixture(&f);
}

static void witness_syslog_setting_is_checked(void **state)
{
    (void)state;
    xn_config cfg;
    xn_config_defaults(&cfg);
    xn_error err;
    const char *good[] = {"udp://10.0.0.5:514", "tcp://[::1]:6514", "collector.example:514", ""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (xn_config_set(&cfg, "audit", "witness_syslog", good[i], &err) != XN_OK)
            fail_msg("%s: %s", good[i], err.message);
    const char *bad[] = {"http://x:80", "udp://", "tcp://host", "udp://host:0", "host:99999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (xn_config_set(&cfg, "audit", "witness_syslog", bad[i], &err) == XN_OK)
            fail_msg("accepted %s", bad[i]);
    assert_int_equal(xn_config_set(&cfg, "audit", "verify_hours", "8761", &err), XN_EINVAL);
    assert_int_equal(xn_config_set(&cfg, "audit", "verify_hours", "0", &err), XN_OK);
    assert_int_equal(cfg.audit_verify_hours, 0);
}

/* ---- the log store's purge ----------------------------------------------------------------- */

static void log_purge_is_recorded_per_day(void **state)
{
    (void)state;
    fixture f;
    fake_now = xn_now_us();
    open_fixture(&f, "watch_logpurge.db", NULL, NULL);
    /* two old days with two and one messages, and today */
    assert_true(exec_sql(&f,
                         "INSERT INTO syslog_day VALUES (20250101, 0), (20250102, 0);"
                         "CREATE TABLE syslog_20250101 (id INTEGER PRIMARY KEY, raw BLOB);"
                         "CREATE TABLE syslog_20250102 (id INTEGER PRIMARY KEY, raw BLOB);"
                         "INSERT INTO syslog_20250101 (raw) VALUES (x'41'), (x'42');"
                         "INSERT INTO syslog_20250102 (raw) VALUES (x'43');",
                         NULL, 0));
    xn_error err;
    int dropped = 0;
    assert_int_equal(audit_logstore_purge(f.db, NULL, &f.cfg, fake_now, &dropped, &err),
                     XN_EINTERNAL);
    if (audit_logstore_purge(f.db, f.trail, &f.cfg, fake_now, &dropped, &err) != XN_OK)
        fail_msg("purge: %s", err.message);
    assert_int_equal(dropped, 2);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_log WHERE action = 'log.purge'"
                                   " AND object_id = '20250101' AND actor_kind = 'system'"
                                   " AND detail = '{\"day\":\"2025-01-01\",\"messages\":2,"
                                   "\"retention_days\":180}'"),
                     1);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM audit_log WHERE action = 'log.purge'"
                                   " AND object_id = '20250102' AND detail LIKE"
                                   " '%\"messages\":1,%'"),
                     1);
    assert_int_equal(query_int(&f, "SELECT count(*) FROM syslog_day"), 0);
    close_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scheduled_verification_runs_when_due_and_alerts_on_damage),
        cmocka_unit_test(no_schedule_when_off),
        cmocka_unit_test(alerts_change_only_by_one_acknowledgement),
        cmocka_unit_test(remote_witness_survives_an_absent_collector),
        cmocka_unit_test(witness_syslog_setting_is_checked),
        cmocka_unit_test(log_purge_is_recorded_per_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
