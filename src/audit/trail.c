/*
 * Writing the trail: records inside the caller's transaction, epochs whose key evolves when
 * they close, sealed checkpoints, and the witness file outside the database.
 *
 * SQLite lets one write transaction run at a time, so the head of the chain (last sequence
 * and hash) and the epoch are read once per transaction and kept here until it ends; the
 * commit hook then publishes the new head and any checkpoint to the witness file.
 */
#include "audit/audit_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ACTION 64
#define MAX_NAME   256
#define MAX_DETAIL (64 * 1024)

/* The chain's head and the open epoch, as the current transaction sees them. */
typedef struct trail_state {
    int64_t head_seq;
    uint8_t head_hash[CRYPTO_HASH_BYTES];
    int64_t epoch;
    crypto_alg epoch_alg;
    uint8_t key[CRYPTO_KEY_BYTES];
    int64_t started_at;
    int64_t first_seq;
    crypto_mac_key sealer; /* key, made ready at the transaction's first record */
    bool sealer_ready;
} trail_state;

/* Forgets the state, its key and the key made ready from it. */
static void state_wipe(trail_state *s)
{
    if (s->sealer_ready)
        crypto_mac_key_wipe(&s->sealer);
    crypto_wipe(s, sizeof *s);
}

struct audit_trail {
    store *db;
    crypto_alg alg; /* for epochs opened from now on */
    int64_t epoch_records;
    int64_t epoch_us;
    int64_t retention_us;
    char witness_path[512];
    int witness_fd;
    pthread_mutex_t lock;
    uint64_t tx_serial; /* the transaction `cur` belongs to (0: none) */
    trail_state cur;
    xn_buf pending; /* witness lines waiting for the commit */
    bool head_moved;
    int witness_errno; /* the last failed witness write, reported by audit_tick */
    int64_t (*now_us)(void);
    audit_remote *remote;     /* audit.witness_syslog's collector, NULL when off */
    int64_t verify_us;        /* audit.verify_hours in µs, 0: no scheduled verification */
    _Atomic bool verifying;   /* a verification is running (one at a time) */
    audit_failures *failures; /* unauthenticated failures counted per source and minute */
};

const audit_actor audit_system_actor = {.kind = "system", .name = "system"};

audit_failures *audit_trail_failures(audit_trail *t)
{
    return t->failures;
}

store *audit_trail_store(const audit_trail *t)
{
    return t->db;
}

int64_t audit_trail_now(const audit_trail *t)
{
    return t->now_us();
}

int64_t audit_trail_verify_interval(const audit_trail *t)
{
    return t->verify_us;
}

bool audit_trail_verify_begin(audit_trail *t)
{
    bool expected = false;
    return atomic_compare_exchange_strong(&t->verifying, &expected, true);
}

void audit_trail_verify_end(audit_trail *t)
{
    atomic_store(&t->verifying, false);
}

void audit_trail_set_clock(audit_trail *t, int64_t (*now_us)(void))
{
    t->now_us = now_us ? now_us : xn_now_us;
}

int audit_trail_open(audit_trail **out, store *db, const xn_config *cfg, xn_error *err)
{
    audit_trail *t = xn_xcalloc(1, sizeof *t);
    t->db = db;
    t->now_us = xn_now_us;
    t->alg = crypto_alg_for_mode(cfg->crypto);
    t->epoch_records = cfg->audit_epoch_records;
    t->epoch_us = cfg->audit_epoch_minutes * 60 * 1000000;
    t->retention_us = cfg->audit_retention_days * 86400 * (int64_t)1000000;
    audit_witness_file(cfg, t->witness_path, sizeof t->witness_path);
    t->witness_fd = open(t->witness_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (t->witness_fd < 0) {
        int saved = errno;
        free(t);
        return xn_fail(err, XN_EIO, "witness", "cannot open the audit witness file %s: %s",
                       cfg->audit_witness[0] ? cfg->audit_witness : "beside the database",
                       strerror(saved));
    }
    if (cfg->audit_witness_syslog[0]) {
        int rc = audit_remote_open(&t->remote, cfg->audit_witness_syslog, err);
        if (rc != XN_OK) {
            close(t->witness_fd);
            free(t);
            return rc;
        }
    }
    t->verify_us = cfg->audit_verify_hours * 3600 * (int64_t)1000000;
    pthread_mutex_init(&t->lock, NULL);
    xn_buf_init(&t->pending, 1 << 20);
    t->failures = audit_failures_new();
    *out = t;
    return XN_OK;
}

void audit_trail_free(audit_trail *t)
{
    if (!t)
        return;
    close(t->witness_fd);
    audit_remote_free(t->remote);
    audit_failures_free(t->failures);
    state_wipe(&t->cur);
    xn_buf_release(&t->pending);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

const char *audit_trail_witness(const audit_trail *t)
{
    return t->witness_path;
}

/* ---- the witness file -------------------------------------------------------------------- */

static void witness_write(audit_trail *t, const char *data, size_t len, bool sync)
{
    /* One write per batch of lines: O_APPEND keeps lines whole even with another writer
     * (a CLI command next to the server). The commit is already durable, so a failure cannot
     * undo it: it is kept and reported by the next audit_tick, and the database stays the
     * primary copy. */
    while (len > 0) {
        ssize_t n = write(t->witness_fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            t->witness_errno = n < 0 ? errno : EIO;
            return;
        }
        data += n;
        len -= (size_t)n;
    }
    if (sync && fdatasync(t->witness_fd) != 0)
        t->witness_errno = errno;
}

/* The commit hook: publishes checkpoints and the new head once the transaction is durable. */
static void on_tx_end(void *ctx, bool committed)
{
    audit_trail *t = ctx;
    pthread_mutex_lock(&t->lock);
    if (committed) {
        bool sync = t->pending.len > 0; /* checkpoints are rare and worth an fsync */
        if (t->head_moved) {
            char hex[2 * CRYPTO_HASH_BYTES + 1];
            xn_hex(t->cur.head_hash, CRYPTO_HASH_BYTES, hex);
            xn_buf_printf(&t->pending, "{\"head\":{\"seq\":%lld,\"hash\":\"%s\"}}\n",
                          (long long)t->cur.head_seq, hex);
        }
        if (t->pending.len)
            witness_write(t, t->pending.data, t->pending.len, sync);
    }
    xn_buf_reset(&t->pending);
    t->head_moved = false;
    t->tx_serial = 0;
    state_wipe(&t->cur);
    pthread_mutex_unlock(&t->lock);
}

/* ---- state ------------------------------------------------------------------------------- */

static int load_state(audit_trail *t, store_conn *tx, xn_error *err)
{
    store_stmt *st;
    trail_state *s = &t->cur;
    state_wipe(s); /* nothing of an earlier transaction's state, its ready key included */
    int rc = store_prepare(tx,
                           "SELECT epoch, alg, key, started_at, first_seq FROM audit_epoch_state"
                           " WHERE id = 1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_EINTERNAL, "audit_uninitialised",
                       "the audit trail has not been initialised (run xinan init)");
    if (rc != STORE_ROW)
        return rc;
    s->epoch = store_col_int(st, 0);
    bool bad = crypto_alg_parse(store_col_text(st, 1), &s->epoch_alg) != XN_OK ||
               store_col_bytes(st, 2) != CRYPTO_KEY_BYTES;
    if (!bad)
        memcpy(s->key, store_col_blob(st, 2), CRYPTO_KEY_BYTES);
    s->started_at = store_col_int(st, 3);
    s->first_seq = store_col_int(st, 4);
    store_stmt_done(st);
    if (bad)
        return xn_fail(err, XN_EINTERNAL, "audit_damaged", "the audit epoch state is damaged");

    rc = store_prepare(tx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", &st, err);
    if (rc != XN_OK)
        return rc;
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        s->head_seq = store_col_int(st, 0);
        bad = store_col_bytes(st, 1) != CRYPTO_HASH_BYTES;
        if (!bad)
            memcpy(s->head_hash, store_col_blob(st, 1), CRYPTO_HASH_BYTES);
        store_stmt_done(st);
        if (bad)
            return xn_fail(err, XN_EINTERNAL, "audit_damaged", "the last audit record is damaged");
        return XN_OK;
    }
    if (rc != STORE_DONE)
        return rc;
    /* No records (a new trail): the head is where the newest checkpoint left it. */
    rc = store_prepare(tx, "SELECT last_seq, hash FROM audit_checkpoint ORDER BY id DESC LIMIT 1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? xn_fail(err, XN_EINTERNAL, "audit_damaged",
                                          "the audit trail has no checkpoint")
                                : rc;
    s->head_seq = store_col_int(st, 0);
    if (store_col_bytes(st, 1) == CRYPTO_HASH_BYTES)
        memcpy(s->head_hash, store_col_blob(st, 1), CRYPTO_HASH_BYTES);
    store_stmt_done(st);
    return XN_OK;
}

/* Makes t->cur the state of transaction tx; called with t->lock held. */
static int enter_tx(audit_trail *t, store_conn *tx, xn_error *err)
{
    uint64_t serial = store_tx_serial(tx);
    if (serial == 0)
        return xn_fail(err, XN_EINTERNAL, "internal", "audit records are written in a transaction");
    if (t->tx_serial == serial)
        return XN_OK;
    /* A transaction still registered here ended without reaching our hook: forget it. */
    xn_buf_reset(&t->pending);
    t->head_moved = false;
    int rc = load_state(t, tx, err);
    if (rc != XN_OK) {
        state_wipe(&t->cur);
        return rc;
    }
    rc = store_on_commit(tx, on_tx_end, t);
    if (rc != XN_OK) {
        state_wipe(&t->cur);
        return xn_fail(err, rc, "internal", "too many commit hooks");
    }
    t->tx_serial = serial;
    return XN_OK;
}

static int insert_checkpoint(store_conn *tx, const audit_checkpoint *cp, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO audit_checkpoint (kind, epoch, alg, first_seq, last_seq,"
                           " hash, started_at, ended_at, seal)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, cp->kind, -1);
    store_bind_int(st, 2, cp->epoch);
    store_bind_text(st, 3, crypto_alg_id(cp->alg), -1);
    store_bind_int(st, 4, cp->first_seq);
    store_bind_int(st, 5, cp->last_seq);
    store_bind_blob(st, 6, cp->hash, CRYPTO_HASH_BYTES);
    store_bind_int(st, 7, cp->started_at);
    store_bind_int(st, 8, cp->ended_at);
    store_bind_blob(st, 9, cp->seal, CRYPTO_HASH_BYTES);
    rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : rc;
}

/*
 * Closes the open epoch: seals a checkpoint with its key, derives the next key and
 * overwrites the old one. Empty epochs are closed too, so a gap in time cannot hide a cut.
 */
static int close_epoch(audit_trail *t, store_conn *tx, int64_t now, xn_error *err)
{
    trail_state *s = &t->cur;
    audit_checkpoint cp = {.kind = "epoch",
                           .epoch = s->epoch,
                           .alg = s->epoch_alg,
                           .first_seq = s->first_seq,
                           .last_seq = s->head_seq,
                           .started_at = s->started_at,
                           .ended_at = now > s->started_at ? now : s->started_at};
    memcpy(cp.hash, s->head_hash, CRYPTO_HASH_BYTES);
    int rc = audit_checkpoint_seal(&cp, s->key, cp.seal);
    if (rc == XN_OK)
        rc = insert_checkpoint(tx, &cp, err);
    if (rc != XN_OK)
        return rc;
    uint8_t next[CRYPTO_KEY_BYTES];
    crypto_key_evolve(s->epoch_alg, s->key, next);
    crypto_wipe(s->key, sizeof s->key);
    if (s->sealer_ready)
        crypto_mac_key_wipe(&s->sealer);
    s->sealer_ready = false;
    store_stmt *st;
    rc = store_prepare(tx,
                       "UPDATE audit_epoch_state SET epoch = $1, alg = $2, key = $3,"
                       " started_at = $4, first_seq = $5 WHERE id = 1",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, s->epoch + 1);
        store_bind_text(st, 2, crypto_alg_id(t->alg), -1);
        store_bind_blob(st, 3, next, sizeof next);
        store_bind_int(st, 4, cp.ended_at);
        store_bind_int(st, 5, s->head_seq + 1);
        rc = store_step(st, err);
        rc = rc == STORE_DONE ? XN_OK : rc;
    }
    if (rc != XN_OK) {
        crypto_wipe(next, sizeof next);
        return rc;
    }
    s->epoch++;
    /* A key evolves with its own epoch's algorithm; a mode switch applies from here on. */
    s->epoch_alg = t->alg;
    memcpy(s->key, next, sizeof next);
    crypto_wipe(next, sizeof next);
    s->started_at = cp.ended_at;
    s->first_seq = s->head_seq + 1;
    return audit_checkpoint_json(&cp, &t->pending) == XN_OK
               ? XN_OK
               : xn_fail(err, XN_ENOMEM, "internal", "too many checkpoints in one transaction");
}

static bool epoch_due(const audit_trail *t, int64_t now)
{
    const trail_state *s = &t->cur;
    return s->head_seq - s->first_seq + 1 >= t->epoch_records || now - s->started_at >= t->epoch_us;
}

/* ---- appending --------------------------------------------------------------------------- */

static bool action_ok(const char *a)
{
    /* room.verb: lower-case letters, digits and '_' on both sides of one dot */
    size_t n = a ? strlen(a) : 0;
    if (n < 3 || n > MAX_ACTION)
        return false;
    int dots = 0;
    for (const char *p = a; *p; p++) {
        if (*p == '.')
            dots++;
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    }
    return dots == 1 && a[0] != '.' && a[n - 1] != '.';
}

static int check_text(const char *s, size_t max, const char *field, xn_error *err)
{
    if (!s)
        return XN_OK;
    size_t n = strlen(s);
    if (n > max || !xn_utf8_valid(s, n))
        return xn_fail_field(err, XN_EINVAL, "bad_audit_event", field,
                             "audit field %s is too long or not UTF-8", field);
    return XN_OK;
}

static int check_event(const audit_event *ev, xn_error *err)
{
    if (!action_ok(ev->action))
        return xn_fail_field(err, XN_EINVAL, "bad_audit_event", "action",
                             "audit action must look like room.verb");
    if (!ev->actor || !ev->actor->kind || !ev->actor->name ||
        (strcmp(ev->actor->kind, "user") != 0 && strcmp(ev->actor->kind, "agent") != 0 &&
         strcmp(ev->actor->kind, "system") != 0))
        return xn_fail_field(err, XN_EINVAL, "bad_audit_event", "actor",
                             "an audit record names its actor (user, agent or system)");
    if (!ev->result ||
        (strcmp(ev->result, AUDIT_OK) != 0 && strcmp(ev->result, AUDIT_DENIED) != 0 &&
         strcmp(ev->result, AUDIT_ERROR) != 0))
        return xn_fail_field(err, XN_EINVAL, "bad_audit_event", "result",
                             "audit result must be ok, denied or error");
    if (ev->detail_json && ev->detail_json[0] != '{')
        return xn_fail_field(err, XN_EINVAL, "bad_audit_event", "detail",
                             "audit detail must be a JSON object");
    int rc = check_text(ev->actor->name, MAX_NAME, "actor", err);
    if (!rc)
        rc = check_text(ev->actor->source, MAX_NAME, "source", err);
    if (!rc)
        rc = check_text(ev->actor->session, MAX_NAME, "session", err);
    if (!rc)
        rc = check_text(ev->object_type, MAX_NAME, "object_type", err);
    if (!rc)
        rc = check_text(ev->object_id, MAX_NAME, "object_id", err);
    if (!rc)
        rc = check_text(ev->detail_json, MAX_DETAIL, "detail", err);
    return rc;
}

/* The record's strings outlive the INSERT's step, so they are bound without a copy. */
static void bind_text(store_stmt *st, int idx, audit_text t)
{
    store_bind_text_ref(st, idx, t.s, t.n);
}

static int insert_record(store_conn *tx, const audit_record *r, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO audit_log (" AUDIT_RECORD_COLUMNS ") VALUES ($1, $2, $3,"
                           " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, r->seq);
    store_bind_int(st, 2, r->epoch);
    bind_text(st, 3, audit_text_of(crypto_alg_id(r->alg)));
    store_bind_int(st, 4, r->at);
    bind_text(st, 5, r->actor_kind);
    store_bind_int(st, 6, r->actor_id);
    bind_text(st, 7, r->actor_name);
    bind_text(st, 8, r->source);
    bind_text(st, 9, r->session);
    bind_text(st, 10, r->action);
    bind_text(st, 11, r->object_type);
    bind_text(st, 12, r->object_id);
    bind_text(st, 13, r->result);
    bind_text(st, 14, r->detail);
    store_bind_blob_ref(st, 15, r->prev_hash, CRYPTO_HASH_BYTES);
    store_bind_blob_ref(st, 16, r->hash, CRYPTO_HASH_BYTES);
    store_bind_blob_ref(st, 17, r->seal, CRYPTO_HASH_BYTES);
    rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : rc;
}

/* Appends with t->lock held and t->cur loaded for this transaction. */
static int append_locked(audit_trail *t, store_conn *tx, const audit_event *ev, xn_error *err)
{
    int64_t now = t->now_us();
    if (epoch_due(t, now)) {
        int rc = close_epoch(t, tx, now, err);
        if (rc != XN_OK)
            return rc;
    }
    trail_state *s = &t->cur;
    audit_record r = {
        .seq = s->head_seq + 1,
        .epoch = s->epoch,
        .alg = s->epoch_alg,
        /* never before its epoch's start, so a clock stepped back still verifies */
        .at = now > s->started_at ? now : s->started_at,
        .actor_kind = audit_text_of(ev->actor->kind),
        .actor_id = ev->actor->id,
        .actor_name = audit_text_of(ev->actor->name),
        .source = audit_text_of(ev->actor->source),
        .session = audit_text_of(ev->actor->session),
        .action = audit_text_of(ev->action),
        .object_type = audit_text_of(ev->object_type),
        .object_id = audit_text_of(ev->object_id),
        .result = audit_text_of(ev->result),
        .detail = audit_text_of(ev->detail_json),
    };
    memcpy(r.prev_hash, s->head_hash, CRYPTO_HASH_BYTES);
    int rc = audit_record_hash(&r, r.seq, r.hash);
    if (rc == XN_OK && !s->sealer_ready) {
        rc = crypto_mac_key_init(&s->sealer, s->epoch_alg, s->key);
        s->sealer_ready = rc == XN_OK;
    }
    if (rc == XN_OK)
        rc = audit_record_seal(&r, &s->sealer, r.seal);
    if (rc != XN_OK)
        return xn_fail(err, rc, "internal", "the audit record could not be sealed");
    rc = insert_record(tx, &r, err);
    if (rc != XN_OK)
        return rc;
    s->head_seq = r.seq;
    memcpy(s->head_hash, r.hash, CRYPTO_HASH_BYTES);
    t->head_moved = true;
    if (ev->seq_out)
        *ev->seq_out = r.seq;
    return XN_OK;
}

int audit_append(audit_trail *t, store_conn *tx, const audit_event *ev, xn_error *err)
{
    int rc = check_event(ev, err);
    if (rc != XN_OK)
        return rc;
    pthread_mutex_lock(&t->lock);
    rc = enter_tx(t, tx, err);
    if (rc == XN_OK)
        rc = append_locked(t, tx, ev, err);
    pthread_mutex_unlock(&t->lock);
    return rc;
}

const char *audit_actor_name(const audit_actor *a)
{
    if (a && a->real_name && *a->real_name)
        return a->real_name;
    return a && a->name && *a->name && (!a->kind || strcmp(a->kind, "system") != 0) ? a->name
                                                                                    : "系统";
}

int audit_record_change(audit_trail *t, store_conn *tx, const audit_actor *actor,
                        const char *action, const char *object_type, int64_t object_id,
                        json_t *detail, int64_t *seq, xn_error *err)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)object_id);
    char *dj = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    audit_event ev = {.action = action,
                      .actor = actor,
                      .object_type = object_type,
                      .object_id = object_type ? oid : NULL,
                      .result = AUDIT_OK,
                      .detail_json = dj,
                      .seq_out = seq};
    int rc = audit_append(t, tx, &ev, err);
    free(dj);
    return rc;
}

/* ---- the server's periodic work ---------------------------------------------------------- */

static int tick_tx(store_conn *tx, void *ctx, xn_error *err)
{
    audit_trail *t = ctx;
    pthread_mutex_lock(&t->lock);
    int rc = enter_tx(t, tx, err);
    if (rc == XN_OK && epoch_due(t, t->now_us()))
        rc = close_epoch(t, tx, t->now_us(), err);
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int audit_tick(audit_trail *t, xn_error *err)
{
    /* the summaries of minutes that are over go into the epoch this tick may close */
    int rc = audit_failures_flush(t, false, err);
    if (rc == XN_OK)
        rc = store_tx(t->db, tick_tx, t, err);
    pthread_mutex_lock(&t->lock);
    int failed = t->witness_errno;
    t->witness_errno = 0;
    pthread_mutex_unlock(&t->lock);
    if (rc == XN_OK && failed)
        rc = xn_fail(err, XN_EIO, "witness", "cannot append to the audit witness file %s: %s",
                     t->witness_path, strerror(failed));
    /* The remote witness gets every checkpoint sealed so far, after the epoch's commit, even
     * when the local witness file failed; the first failure is the one reported. */
    if (t->remote) {
        xn_error later;
        int remote = audit_remote_flush(t->remote, t, rc == XN_OK ? err : &later);
        if (rc == XN_OK)
            rc = remote;
    }
    return rc;
}

/* ---- first start ------------------------------------------------------------------------- */

typedef struct init_ctx {
    audit_trail *t;
    uint8_t *seed;
    bool created;
} init_ctx;

static int init_tx(store_conn *tx, void *ctx, xn_error *err)
{
    init_ctx *ic = ctx;
    audit_trail *t = ic->t;
    int64_t exists = 0;
    int rc = store_query_int(tx, "SELECT count(*) FROM audit_epoch_state", &exists, err);
    if (rc != XN_OK || exists)
        return rc;
    /* Epoch 0 is sealed at once with the seed and the trail starts in epoch 1, so the
     * database never holds the seed itself. */
    xn_random_bytes(ic->seed, AUDIT_SEED_BYTES);
    int64_t now = t->now_us();
    audit_checkpoint cp = {.kind = "epoch",
                           .epoch = 0,
                           .alg = t->alg,
                           .first_seq = 1,
                           .last_seq = 0,
                           .started_at = now,
                           .ended_at = now};
    rc = audit_checkpoint_seal(&cp, ic->seed, cp.seal);
    if (rc == XN_OK)
        rc = insert_checkpoint(tx, &cp, err);
    if (rc != XN_OK)
        return rc;
    uint8_t key[CRYPTO_KEY_BYTES];
    crypto_key_evolve(t->alg, ic->seed, key);
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO audit_epoch_state (id, epoch, alg, key, started_at, first_seq)"
                       " VALUES (1, 1, $1, $2, $3, 1)",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, crypto_alg_id(t->alg), -1);
        store_bind_blob(st, 2, key, sizeof key);
        store_bind_int(st, 3, now);
        rc = store_step(st, err);
        rc = rc == STORE_DONE ? XN_OK : rc;
    }
    crypto_wipe(key, sizeof key);
    if (rc != XN_OK)
        return rc;
    pthread_mutex_lock(&t->lock);
    rc = enter_tx(t, tx, err);
    if (rc == XN_OK)
        rc = audit_checkpoint_json(&cp, &t->pending);
    if (rc == XN_OK) {
        audit_event ev = {.action = "audit.init", .actor = &audit_system_actor, .result = AUDIT_OK};
        rc = append_locked(t, tx, &ev, err);
    }
    pthread_mutex_unlock(&t->lock);
    ic->created = rc == XN_OK;
    return rc;
}

int audit_trail_init(audit_trail *t, uint8_t seed[AUDIT_SEED_BYTES], bool *created, xn_error *err)
{
    init_ctx ic = {.t = t, .seed = seed};
    int rc = store_tx(t->db, init_tx, &ic, err);
    *created = rc == XN_OK && ic.created;
    if (!*created)
        crypto_wipe(seed, AUDIT_SEED_BYTES);
    return rc;
}

/* ---- retention --------------------------------------------------------------------------- */

typedef struct purge_ctx {
    audit_trail *t;
    int64_t now;
    int64_t purged;
} purge_ctx;

static int purge_tx(store_conn *tx, void *ctx, xn_error *err)
{
    purge_ctx *pc = ctx;
    audit_trail *t = pc->t;
    int64_t cutoff = pc->now - t->retention_us;
    int64_t first = 0, last = 0, oldest = 0;
    /* Only a prefix of the chain leaves: everything before the first record young enough. */
    int rc = store_query_int(tx, "SELECT coalesce(min(seq), 0) FROM audit_log", &first, err);
    if (rc != XN_OK || first == 0)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx, "SELECT coalesce(min(seq), 0) FROM audit_log WHERE at >= $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, cutoff);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    int64_t young = store_col_int(st, 0);
    store_stmt_done(st);
    rc = XN_OK;
    if (young == 0)
        rc = store_query_int(tx, "SELECT max(seq) FROM audit_log", &last, err);
    else
        last = young - 1;
    if (rc != XN_OK || last < first)
        return rc;

    audit_checkpoint cp = {.kind = "purge", .first_seq = first, .last_seq = last};
    rc = store_prepare(tx, "SELECT at, hash FROM audit_log WHERE seq IN ($1, $2) ORDER BY seq", &st,
                       err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, first);
    store_bind_int(st, 2, last);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (oldest == 0)
            oldest = store_col_int(st, 0);
        if (store_col_bytes(st, 1) == CRYPTO_HASH_BYTES)
            memcpy(cp.hash, store_col_blob(st, 1), CRYPTO_HASH_BYTES);
    }
    if (rc != STORE_DONE)
        return rc;

    pthread_mutex_lock(&t->lock);
    rc = enter_tx(t, tx, err);
    if (rc == XN_OK) {
        cp.epoch = t->cur.epoch;
        cp.alg = t->cur.epoch_alg;
        cp.started_at = oldest;
        cp.ended_at = pc->now;
        rc = audit_checkpoint_seal(&cp, t->cur.key, cp.seal);
    }
    if (rc == XN_OK)
        rc = audit_fts_forget(tx, last, err);
    if (rc == XN_OK)
        rc = store_exec(tx, "UPDATE audit_purge_gate SET open = 1 WHERE id = 1", err);
    if (rc == XN_OK) {
        rc = store_prepare(tx, "DELETE FROM audit_log WHERE seq <= $1", &st, err);
        if (rc == XN_OK) {
            store_bind_int(st, 1, last);
            rc = store_step(st, err);
            rc = rc == STORE_DONE ? XN_OK : rc;
            pc->purged = store_changes(tx);
        }
    }
    if (rc == XN_OK)
        rc = store_exec(tx, "UPDATE audit_purge_gate SET open = 0 WHERE id = 1", err);
    if (rc == XN_OK)
        rc = insert_checkpoint(tx, &cp, err);
    if (rc == XN_OK)
        rc = audit_checkpoint_json(&cp, &t->pending);
    if (rc == XN_OK) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"first_seq\":%lld,\"last_seq\":%lld,\"records\":%lld}",
                 (long long)first, (long long)last, (long long)pc->purged);
        audit_event ev = {.action = "audit.purge",
                          .actor = &audit_system_actor,
                          .result = AUDIT_OK,
                          .detail_json = detail};
        rc = append_locked(t, tx, &ev, err);
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int audit_purge(audit_trail *t, int64_t now_us, int64_t *purged, xn_error *err)
{
    purge_ctx pc = {.t = t, .now = now_us};
    int rc = store_tx(t->db, purge_tx, &pc, err);
    *purged = rc == XN_OK ? pc.purged : 0;
    return rc;
}
