/*
 * The audit trail against a real SQLite file (AUD-1, AUD-2, AUD-3): records written in the
 * caller's transaction, fail-closed, and every kind of tampering done directly on the file
 * detected by audit_verify with the right kind and first sequence number — including the two
 * sealing attacks on systemd journald (CVE-2023-31438: cutting off epochs; CVE-2023-31439:
 * re-sealing old records with the current key).
 */
#include "xn_test.h"

#include "audit/audit_int.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EPOCH_RECORDS 5
#define RECORDS       23

typedef struct fixture {
    char path[512];
    char witness[520];
    xn_config cfg;
    store *db;
    audit_trail *trail;
    uint8_t seed[AUDIT_SEED_BYTES];
} fixture;

/* A clock the tests move by hand. */
static int64_t fake_now;
static int64_t fake_clock(void)
{
    return fake_now;
}

static void open_fixture_epochs(fixture *f, const char *name, const char *mode, bool fake_time,
                                int64_t epoch_records)
{
    xn_test_fresh_db(name, f->path, sizeof f->path, f->witness, sizeof f->witness, &f->cfg);
    xn_error err;
    assert_int_equal(xn_config_set(&f->cfg, "crypto", "mode", mode, &err), XN_OK);
    f->cfg.audit_epoch_records = epoch_records;
    store_options opt = {.pool_size = 2, .busy_timeout_ms = 2000, .create = true};
    assert_int_equal(store_open(&f->db, f->path, &opt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(f->db, &applied, &err), XN_OK);
    assert_int_equal(audit_trail_open(&f->trail, f->db, &f->cfg, &err), XN_OK);
    if (fake_time)
        audit_trail_set_clock(f->trail, fake_clock);
    bool created = false;
    assert_int_equal(audit_trail_init(f->trail, f->seed, &created, &err), XN_OK);
    assert_true(created);
}

static void open_fixture_at(fixture *f, const char *name, const char *mode, bool fake_time)
{
    open_fixture_epochs(f, name, mode, fake_time, EPOCH_RECORDS);
}

static void open_fixture(fixture *f, const char *name, const char *mode)
{
    open_fixture_at(f, name, mode, false);
}

static void close_fixture(fixture *f)
{
    audit_trail_free(f->trail);
    store_close(f->db);
    f->trail = NULL;
    f->db = NULL;
}

typedef struct write_ctx {
    audit_trail *trail;
    int n;
    const char *action;
    bool fail_after;
} write_ctx;

static int write_records(store_conn *tx, void *ctx, xn_error *err)
{
    write_ctx *w = ctx;
    audit_actor actor = {.kind = "user", .id = 7, .name = "张伟", .source = "10.0.0.8"};
    for (int i = 0; i < w->n; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", i);
        audit_event ev = {.action = w->action,
                          .actor = &actor,
                          .object_type = "user",
                          .object_id = id,
                          .result = AUDIT_OK,
                          .detail_json = "{\"role\":\"信息员\"}"};
        int rc = audit_append(w->trail, tx, &ev, err);
        if (rc != XN_OK)
            return rc;
    }
    return w->fail_after ? xn_fail(err, XN_EINVAL, "later", "the change failed after") : XN_OK;
}

/* RECORDS-1 records after audit.init, one transaction each, so the witness sees each head. */
static void fill(fixture *f)
{
    xn_error err;
    for (int i = 1; i < RECORDS; i++) {
        write_ctx w = {.trail = f->trail, .n = 1, .action = "auth.role_grant"};
        assert_int_equal(store_tx(f->db, write_records, &w, &err), XN_OK);
    }
}

static int verify_readers; /* 0: one per core */

static json_t *verify(fixture *f, bool with_seed, bool with_witness)
{
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, 0);
    bool intact = false;
    audit_verify_options o = {.witness_path = with_witness ? f->witness : NULL,
                              .seed = with_seed ? f->seed : NULL,
                              .readers = verify_readers};
    store_options opt = {.pool_size = 1, .busy_timeout_ms = 2000};
    store *db = NULL;
    assert_int_equal(store_open(&db, f->path, &opt, &err), XN_OK);
    assert_int_equal(audit_verify(db, &o, &out, &intact, &err), XN_OK);
    store_close(db);
    json_t *report = json_loads(out.data, 0, NULL);
    assert_non_null(report);
    assert_int_equal(intact, json_is_true(json_object_get(report, "intact")));
    xn_buf_release(&out);
    return report;
}

static void expect_damage(fixture *f, bool seed, bool witness, const char *kind, int64_t seq)
{
    json_t *r = verify(f, seed, witness);
    char *text = json_dumps(r, 0);
    if (json_is_true(json_object_get(r, "intact")) ||
        strcmp(json_string_value(json_object_get(r, "kind")), kind) != 0 ||
        json_integer_value(json_object_get(r, "first_bad_seq")) != seq)
        fail_msg("expected %s at %lld, got %s", kind, (long long)seq, text);
    free(text);
    json_decref(r);
}

static void expect_intact(fixture *f, bool seed, bool witness)
{
    json_t *r = verify(f, seed, witness);
    char *text = json_dumps(r, 0);
    if (!json_is_true(json_object_get(r, "intact")))
        fail_msg("expected intact, got %s", text);
    free(text);
    json_decref(r);
}

/* Tampering as someone with the file would do it: triggers dropped first. */
static void tamper(fixture *f, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db,
                          "DROP TRIGGER IF EXISTS audit_log_no_update;"
                          "DROP TRIGGER IF EXISTS audit_log_no_delete;"
                          "DROP TRIGGER IF EXISTS audit_checkpoint_no_update;"
                          "DROP TRIGGER IF EXISTS audit_checkpoint_no_delete;"
                          "DROP TRIGGER IF EXISTS audit_state_no_delete;",
                          NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("tamper: %s", msg);
    sqlite3_close(db);
}

static void untouched_trail_verifies(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_intact.db", "intl");
    fill(&f);
    close_fixture(&f);
    json_t *r = verify(&f, true, true);
    assert_true(json_is_true(json_object_get(r, "intact")));
    assert_int_equal(json_integer_value(json_object_get(r, "records")), RECORDS);
    assert_true(json_is_true(json_object_get(r, "seals_checked")));
    /* 23 records in epochs of 5 (epoch 0 is the seed's own): epochs 0-4 closed, 5 open */
    assert_int_equal(json_integer_value(json_object_get(r, "open_epoch")), 5);
    json_decref(r);
    expect_intact(&f, false, true);
    expect_intact(&f, false, false);
}

static void records_commit_with_the_change_or_not_at_all(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_failclosed.db", "intl");
    xn_error err;
    write_ctx w = {.trail = f.trail, .n = 3, .action = "auth.user_create", .fail_after = true};
    assert_int_not_equal(store_tx(f.db, write_records, &w, &err), XN_OK);
    w = (write_ctx){.trail = f.trail, .n = 1, .action = "not an action"};
    assert_int_equal(store_tx(f.db, write_records, &w, &err), XN_EINVAL);
    assert_string_equal(err.field, "action");
    store_conn *c;
    int64_t n = -1;
    assert_int_equal(store_acquire(f.db, &c, &err), XN_OK);
    assert_int_equal(store_query_int(c, "SELECT count(*) FROM audit_log", &n, &err), XN_OK);
    store_release(c);
    assert_int_equal(n, 1); /* only audit.init */
    /* and the trail continues cleanly after the rollbacks */
    w = (write_ctx){.trail = f.trail, .n = 2, .action = "auth.user_create"};
    assert_int_equal(store_tx(f.db, write_records, &w, &err), XN_OK);
    close_fixture(&f);
    expect_intact(&f, true, true);
}

static void triggers_refuse_changes_and_young_deletions(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_triggers.db", "intl");
    fill(&f);
    close_fixture(&f);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f.path, &db), SQLITE_OK);
    char *msg = NULL;
    assert_int_not_equal(
        sqlite3_exec(db, "UPDATE audit_log SET actor_name = 'x' WHERE seq = 3", 0, 0, &msg),
        SQLITE_OK);
    assert_non_null(strstr(msg, "cannot be changed"));
    sqlite3_free(msg);
    /* even with the purge gate open, nothing younger than 180 days leaves */
    assert_int_not_equal(sqlite3_exec(db,
                                      "UPDATE audit_purge_gate SET open = 1;"
                                      "DELETE FROM audit_log WHERE seq = 3",
                                      0, 0, &msg),
                         SQLITE_OK);
    assert_non_null(strstr(msg, "retention purge"));
    sqlite3_free(msg);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_checkpoint", 0, 0, &msg), SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db);
    expect_intact(&f, true, true);
}

static void an_edited_field_is_found(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_edit.db", "intl");
    fill(&f);
    close_fixture(&f);
    tamper(&f, "UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 7");
    expect_damage(&f, true, true, "edited", 7);
    expect_damage(&f, false, false, "edited", 7);
}

static void a_deleted_middle_record_is_found(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_delete.db", "intl");
    fill(&f);
    close_fixture(&f);
    tamper(&f, "DELETE FROM audit_log WHERE seq = 9");
    expect_damage(&f, true, true, "deleted", 9);
    /* renumbering the rest to close the gap does not hide it */
    tamper(&f, "UPDATE audit_log SET seq = seq + 1000 WHERE seq > 9;"
               "UPDATE audit_log SET seq = seq - 1001 WHERE seq > 1000");
    expect_damage(&f, false, false, "deleted", 9);
}

static void deleted_last_records_are_truncation(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_truncate.db", "intl");
    fill(&f);
    close_fixture(&f);
    tamper(&f, "DELETE FROM audit_log WHERE seq > 21");
    expect_damage(&f, false, true, "truncated", 22);
}

static void a_forged_record_is_found(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_insert.db", "intl");
    fill(&f);
    close_fixture(&f);
    /* make room at 10 and forge a record there whose hash links properly to 9 */
    tamper(&f, "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 10;"
               "UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000;");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f.path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT hash, epoch FROM audit_log WHERE seq = 9", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    audit_record r = {.seq = 10,
                      .epoch = sqlite3_column_int64(st, 1),
                      .alg = CRYPTO_B2,
                      .at = xn_now_us(),
                      .actor_kind = audit_text_of("user"),
                      .actor_id = 1,
                      .actor_name = audit_text_of("admin"),
                      .action = audit_text_of("auth.role_grant"),
                      .result = audit_text_of("ok")};
    memcpy(r.prev_hash, sqlite3_column_blob(st, 0), CRYPTO_HASH_BYTES);
    sqlite3_finalize(st);
    assert_int_equal(audit_record_hash(&r, 10, r.hash), XN_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO audit_log VALUES (10, ?1, 'b2', ?2, 'user', "
                                        "1, 'admin', NULL, NULL, 'auth.role_grant', NULL, NULL, "
                                        "'ok', NULL, ?3, ?4, ?4)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, r.epoch);
    sqlite3_bind_int64(st, 2, r.at);
    sqlite3_bind_blob(st, 3, r.prev_hash, CRYPTO_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, r.hash, CRYPTO_HASH_BYTES, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    expect_damage(&f, true, true, "inserted", 10);
    expect_damage(&f, false, false, "inserted", 10);
}

static void swapped_records_are_found(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_swap.db", "intl");
    fill(&f);
    close_fixture(&f);
    tamper(&f, "UPDATE audit_log SET seq = -12 WHERE seq = 12;"
               "UPDATE audit_log SET seq = 12 WHERE seq = 13;"
               "UPDATE audit_log SET seq = 13 WHERE seq = -12;");
    expect_damage(&f, true, true, "reordered", 12);
    expect_damage(&f, false, false, "reordered", 12);
}

/*
 * A trail long enough to be read in several chunks by several readers at once: damage at a
 * chunk's edges, and a whole chunk missing, are named as a single walk names them.
 */
#define LONG_TRAIL (3 * AUDIT_BATCH_RECORDS + 100)

static void damage_across_readers_is_found_as_in_one_walk(void **state)
{
    (void)state;
    fixture f;
    open_fixture_epochs(&f, "audit_long.db", "intl", false, 1000);
    xn_error err;
    write_ctx w = {.trail = f.trail, .n = LONG_TRAIL - 1, .action = "auth.role_grant"};
    assert_int_equal(store_tx(f.db, write_records, &w, &err), XN_OK);
    close_fixture(&f);
    int64_t edge = AUDIT_BATCH_RECORDS; /* the last position of the first chunk */
    char sql[400];
    for (int readers = 1; readers <= 3; readers += 2) {
        verify_readers = readers;
        json_t *r = verify(&f, true, true);
        assert_true(json_is_true(json_object_get(r, "intact")));
        assert_int_equal(json_integer_value(json_object_get(r, "records")), LONG_TRAIL);
        json_decref(r);
    }
    verify_readers = 3;
    /* two records swapped across the first chunk's end */
    snprintf(sql, sizeof sql,
             "UPDATE audit_log SET seq = -1 WHERE seq = %lld;"
             "UPDATE audit_log SET seq = %lld WHERE seq = %lld;"
             "UPDATE audit_log SET seq = %lld WHERE seq = -1;",
             (long long)edge, (long long)edge, (long long)edge + 1, (long long)edge + 1);
    tamper(&f, sql);
    expect_damage(&f, true, true, "reordered", edge);
    expect_damage(&f, false, false, "reordered", edge);
    tamper(&f, sql); /* swapped back */
    expect_intact(&f, true, true);
    /* one field edited in the third chunk */
    snprintf(sql, sizeof sql, "UPDATE audit_log SET detail = '{}' WHERE seq = %lld",
             (long long)(2 * edge + 7));
    tamper(&f, sql);
    expect_damage(&f, true, true, "edited", 2 * edge + 7);
    /* the whole second chunk deleted: the reader of that chunk finds nothing */
    snprintf(sql, sizeof sql, "DELETE FROM audit_log WHERE seq > %lld AND seq <= %lld",
             (long long)edge, (long long)(2 * edge));
    tamper(&f, sql);
    expect_damage(&f, false, false, "deleted", edge + 1);
    verify_readers = 0;
}

/* Replaces every occurrence of `from` in the witness file by `to` (same length or not). */
static void edit_witness(fixture *f, const char *from, const char *to)
{
    FILE *in = fopen(f->witness, "rb");
    assert_non_null(in);
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, in);
    fclose(in);
    FILE *out = fopen(f->witness, "wb");
    assert_non_null(out);
    for (size_t i = 0; i < n;) {
        if (strncmp(text + i, from, strlen(from)) == 0) {
            fputs(to, out);
            i += strlen(from);
        } else {
            fputc(text[i++], out);
        }
    }
    fclose(out);
    free(text);
}

/* The witness's head lines, read without the JSON parser, are read as strictly as with it. */
static void witness_heads_are_read_strictly(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_heads.db", "intl");
    fill(&f);
    close_fixture(&f);
    json_t *r = verify(&f, false, true);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r, "witness"), "last_head")), RECORDS);
    json_decref(r);
    /* record 12's head given record 11's hash */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f.path, &db), SQLITE_OK);
    char hex[2][2 * CRYPTO_HASH_BYTES + 1];
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        assert_int_equal(
            sqlite3_prepare_v2(db, "SELECT hash FROM audit_log WHERE seq = ?1", -1, &st, NULL),
            SQLITE_OK);
        sqlite3_bind_int(st, 1, 11 + i);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        xn_hex(sqlite3_column_blob(st, 0), CRYPTO_HASH_BYTES, hex[i]);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    char from[200], to[200];
    snprintf(from, sizeof from, "{\"seq\":12,\"hash\":\"%s\"}", hex[1]);
    snprintf(to, sizeof to, "{\"seq\":12,\"hash\":\"%s\"}", hex[0]);
    edit_witness(&f, from, to);
    expect_damage(&f, false, true, "edited", 12);
    edit_witness(&f, to, from);
    expect_intact(&f, false, true);
    /* a number JSON does not allow, and an upper-case hash: damaged lines, not heads */
    edit_witness(&f, "{\"seq\":12,", "{\"seq\":012,");
    r = verify(&f, false, true);
    assert_false(json_is_true(json_object_get(r, "intact")));
    assert_string_equal(json_string_value(json_object_get(r, "kind")), "edited");
    json_decref(r);
    edit_witness(&f, "{\"seq\":012,", "{\"seq\":12,");
    expect_intact(&f, false, true);
    char upper[2 * CRYPTO_HASH_BYTES + 1];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char)(hex[1][i] >= 'a' && hex[1][i] <= 'f' ? hex[1][i] - 32 : hex[1][i]);
    edit_witness(&f, hex[1], upper);
    r = verify(&f, false, true);
    assert_false(json_is_true(json_object_get(r, "intact")));
    json_decref(r);
}

/* Reads the key the database holds now: what a thief of today's file has. */
static void current_key(fixture *f, uint8_t key[CRYPTO_KEY_BYTES], int64_t *epoch)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT key, epoch FROM audit_epoch_state", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    memcpy(key, sqlite3_column_blob(st, 0), CRYPTO_KEY_BYTES);
    *epoch = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void hex32(const uint8_t h[CRYPTO_HASH_BYTES], char out[65])
{
    for (int i = 0; i < CRYPTO_HASH_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/*
 * The record encodings are pinned: v1's values were made before v2 existed, so records written
 * then still verify; v2's were made apart from this code (Python's hashlib over the encoding
 * built by hand). A record verifies under either version, and under neither once changed.
 * Text is hashed by its stored length, so bytes hidden after a NUL count too.
 */
static void record_encodings_are_pinned(void **state)
{
    (void)state;
    static const char *const v1[] = {
        "e5abd1bc915f0884838e9ab3091d730d67362c5f44c1a96255f90ef5114c4a6c",
        "da8b5c5b6365c68c2bc53ee663c6712e808e04b461650d1801c31b2f6cf9ab27"};
    static const char *const v2[] = {
        "7127a026246ac69e2e92fefbf32c3ef45db750c0faf06b8246d0c3209746397d",
        "cc6d5ab834d97791bb98a403536400c371eac6a572420ddcee0ee23b09972104"};
    audit_record r = {.seq = 7,
                      .epoch = 3,
                      .at = 1763700000123456,
                      .actor_kind = audit_text_of("user"),
                      .actor_id = 42,
                      .actor_name = audit_text_of("张伟"),
                      .source = audit_text_of("10.0.0.8"),
                      .action = audit_text_of("auth.login"),
                      .object_type = audit_text_of("user"),
                      .object_id = audit_text_of("42"),
                      .result = audit_text_of("ok"),
                      .detail = audit_text_of("{\"n\":1}")};
    for (int i = 0; i < CRYPTO_HASH_BYTES; i++)
        r.prev_hash[i] = (uint8_t)i;
    for (int a = 0; a < 2; a++) {
        r.alg = a == 0 ? CRYPTO_B2 : CRYPTO_SM3;
        char hex[65];
        assert_int_equal(audit_record_hash_v(&r, 7, 1, r.hash), XN_OK);
        hex32(r.hash, hex);
        assert_string_equal(hex, v1[a]);
        assert_true(audit_record_hash_matches(&r, 7));
        assert_int_equal(audit_record_hash(&r, 7, r.hash), XN_OK);
        hex32(r.hash, hex);
        assert_string_equal(hex, v2[a]);
        assert_true(audit_record_hash_matches(&r, 7));
        assert_false(audit_record_hash_matches(&r, 8));
        audit_text kept = r.detail;
        r.detail = (audit_text){"{\"n\":1}\0{\"n\":2}", 15};
        assert_false(audit_record_hash_matches(&r, 7));
        r.detail = kept;
    }
}

/* Rewrites records from `from` on with a recomputed chain, sealed with the current key; with
 * claim_current_epoch the records also claim the open epoch (so the seal "checks"). */
static void reseal_from(fixture *f, int64_t from, bool claim_current_epoch)
{
    uint8_t key[CRYPTO_KEY_BYTES];
    int64_t epoch;
    current_key(f, key, &epoch);
    tamper(f, "SELECT 1");
    store_options opt = {.pool_size = 1, .busy_timeout_ms = 2000};
    store *db;
    xn_error err;
    assert_int_equal(store_open(&db, f->path, &opt, &err), XN_OK);
    store_conn *c;
    assert_int_equal(store_acquire(db, &c, &err), XN_OK);
    store_stmt *st;
    assert_int_equal(
        store_prepare(c, "SELECT " AUDIT_RECORD_COLUMNS " FROM audit_log ORDER BY seq", &st, &err),
        XN_OK);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
    sqlite3_exec(raw, "BEGIN", 0, 0, NULL);
    uint8_t prev[CRYPTO_HASH_BYTES] = {0};
    while (store_step(st, &err) == STORE_ROW) {
        audit_record r;
        assert_int_equal(audit_record_read(st, &r), XN_OK);
        if (r.seq >= from) {
            if (r.seq == from)
                r.actor_name = audit_text_of("mallory");
            if (claim_current_epoch)
                r.epoch = epoch;
            memcpy(r.prev_hash, prev, CRYPTO_HASH_BYTES);
            audit_record_hash(&r, r.seq, r.hash);
            crypto_mac_key ready;
            assert_int_equal(crypto_mac_key_init(&ready, r.alg, key), XN_OK);
            assert_int_equal(audit_record_seal(&r, &ready, r.seal), XN_OK);
            crypto_mac_key_wipe(&ready);
            sqlite3_stmt *up;
            sqlite3_prepare_v2(raw,
                               "UPDATE audit_log SET actor_name = ?1, epoch = ?2, prev_hash = ?3,"
                               " hash = ?4, seal = ?5 WHERE seq = ?6",
                               -1, &up, NULL);
            sqlite3_bind_text(up, 1, r.actor_name.s, (int)r.actor_name.n, SQLITE_TRANSIENT);
            sqlite3_bind_int64(up, 2, r.epoch);
            sqlite3_bind_blob(up, 3, r.prev_hash, CRYPTO_HASH_BYTES, SQLITE_TRANSIENT);
            sqlite3_bind_blob(up, 4, r.hash, CRYPTO_HASH_BYTES, SQLITE_TRANSIENT);
            sqlite3_bind_blob(up, 5, r.seal, CRYPTO_HASH_BYTES, SQLITE_TRANSIENT);
            sqlite3_bind_int64(up, 6, r.seq);
            assert_int_equal(sqlite3_step(up), SQLITE_DONE);
            sqlite3_finalize(up);
        }
        memcpy(prev, r.hash, CRYPTO_HASH_BYTES);
    }
    sqlite3_exec(raw, "COMMIT", 0, 0, NULL);
    sqlite3_close(raw);
    store_release(c);
    store_close(db);
}

static void the_whole_chain_rewritten_with_the_current_key_is_found(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_rewrite.db", "intl");
    fill(&f);
    close_fixture(&f);
    reseal_from(&f, 1, true);
    expect_damage(&f, true, false, "edited", 1); /* the seed alone tells */
    expect_damage(&f, false, true, "edited", 1); /* and so does the witness alone */
}

/* CVE-2023-31439: old records re-sealed with the current key must not pass. */
static void old_records_resealed_with_the_current_key_are_found(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_reseal.db", "intl");
    fill(&f);
    close_fixture(&f);
    reseal_from(&f, 3, false);
    expect_damage(&f, true, false, "edited", 3);
    expect_damage(&f, false, true, "edited", 3);
}

/* CVE-2023-31438: cutting whole epochs off the end, checkpoints included, with no witness. */
static void epochs_cut_off_the_end_are_found_without_the_witness(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_cut.db", "intl");
    fill(&f);
    close_fixture(&f);
    remove(f.witness);
    tamper(&f, "DELETE FROM audit_log WHERE seq > 10;"
               "DELETE FROM audit_checkpoint WHERE epoch >= 3;");
    expect_damage(&f, true, false, "truncated", 11);
    /* rolling the open epoch back cannot roll its key back */
    tamper(&f, "UPDATE audit_epoch_state SET epoch = 3, first_seq = 11");
    expect_damage(&f, true, false, "truncated", 11);
}

static void an_implausible_open_epoch_is_reported_not_allocated(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_epoch_far.db", "intl");
    fill(&f);
    close_fixture(&f);
    /* room for this many epochs would be tens of gigabytes */
    tamper(&f, "UPDATE audit_epoch_state SET epoch = 900000000");
    json_t *r = verify(&f, true, false);
    char *text = json_dumps(r, 0);
    if (json_is_true(json_object_get(r, "intact")) ||
        strcmp(json_string_value(json_object_get(r, "kind")), "edited") != 0 ||
        !strstr(text, "far beyond"))
        fail_msg("expected the open epoch reported as edited, got %s", text);
    free(text);
    json_decref(r);
}

static void empty_epochs_are_sealed_and_checked(void **state)
{
    (void)state;
    fixture f;
    fake_now = xn_now_us();
    open_fixture_at(&f, "audit_empty.db", "intl", true);
    xn_error err;
    for (int i = 0; i < 3; i++) {
        fake_now += (f.cfg.audit_epoch_minutes * 60 + 1) * (int64_t)1000000;
        assert_int_equal(audit_tick(f.trail, &err), XN_OK);
    }
    close_fixture(&f);
    json_t *r = verify(&f, true, true);
    assert_true(json_is_true(json_object_get(r, "intact")));
    assert_int_equal(json_integer_value(json_object_get(r, "open_epoch")), 4);
    json_decref(r);
    /* an empty epoch's checkpoint cannot be dropped quietly either */
    tamper(&f, "DELETE FROM audit_checkpoint WHERE epoch = 3");
    expect_damage(&f, true, false, "truncated", 2);
}

static void retention_purge_keeps_the_rest_verifiable(void **state)
{
    (void)state;
    fixture f;
    int64_t day = 86400 * (int64_t)1000000;
    fake_now = xn_now_us() - 200 * day;
    open_fixture_at(&f, "audit_purge.db", "intl", true);
    fill(&f); /* 200 days old */
    fake_now = xn_now_us();
    xn_error err;
    write_ctx w = {.trail = f.trail, .n = 3, .action = "auth.login"};
    assert_int_equal(store_tx(f.db, write_records, &w, &err), XN_OK);
    int64_t purged = 0;
    /* a purge with 180 days' retention removes the 200-day-old records only */
    if (audit_purge(f.trail, fake_now, &purged, &err) != XN_OK)
        fail_msg("purge: %s", err.message);
    assert_int_equal(purged, RECORDS);
    assert_int_equal(audit_purge(f.trail, fake_now, &purged, &err), XN_OK);
    assert_int_equal(purged, 0);
    close_fixture(&f);
    json_t *r = verify(&f, true, true);
    char *text = json_dumps(r, 0);
    if (!json_is_true(json_object_get(r, "intact")))
        fail_msg("after purge: %s", text);
    free(text);
    assert_int_equal(json_integer_value(json_object_get(r, "first_seq")), RECORDS + 1);
    assert_int_equal(json_integer_value(json_object_get(r, "purges")), 1);
    json_decref(r);
}

static void national_algorithms_chain_and_detect_too(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_gm.db", "gm");
    fill(&f);
    close_fixture(&f);
    expect_intact(&f, true, true);
    tamper(&f, "UPDATE audit_log SET result = 'denied' WHERE seq = 16");
    expect_damage(&f, true, true, "edited", 16);
}

/* A witness that cannot be written (a full disk) is reported, not silently left behind. */
static void a_failing_witness_is_reported(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "audit_full.db", "intl");
    audit_trail_free(f.trail);
    xn_error err;
    assert_int_equal(xn_config_set(&f.cfg, "audit", "witness", "/dev/full", &err), XN_OK);
    assert_int_equal(audit_trail_open(&f.trail, f.db, &f.cfg, &err), XN_OK);
    write_ctx w = {.trail = f.trail, .n = 1, .action = "auth.login"};
    assert_int_equal(store_tx(f.db, write_records, &w, &err), XN_OK); /* the record commits */
    assert_int_equal(audit_tick(f.trail, &err), XN_EIO);
    assert_non_null(strstr(err.message, "/dev/full"));
    assert_int_equal(audit_tick(f.trail, &err), XN_OK); /* reported once */
    close_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(untouched_trail_verifies),
        cmocka_unit_test(record_encodings_are_pinned),
        cmocka_unit_test(records_commit_with_the_change_or_not_at_all),
        cmocka_unit_test(triggers_refuse_changes_and_young_deletions),
        cmocka_unit_test(an_edited_field_is_found),
        cmocka_unit_test(a_deleted_middle_record_is_found),
        cmocka_unit_test(deleted_last_records_are_truncation),
        cmocka_unit_test(a_forged_record_is_found),
        cmocka_unit_test(swapped_records_are_found),
        cmocka_unit_test(damage_across_readers_is_found_as_in_one_walk),
        cmocka_unit_test(witness_heads_are_read_strictly),
        cmocka_unit_test(the_whole_chain_rewritten_with_the_current_key_is_found),
        cmocka_unit_test(old_records_resealed_with_the_current_key_are_found),
        cmocka_unit_test(epochs_cut_off_the_end_are_found_without_the_witness),
        cmocka_unit_test(an_implausible_open_epoch_is_reported_not_allocated),
        cmocka_unit_test(empty_epochs_are_sealed_and_checked),
        cmocka_unit_test(retention_purge_keeps_the_rest_verifiable),
        cmocka_unit_test(national_algorithms_chain_and_detect_too),
        cmocka_unit_test(a_failing_witness_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
