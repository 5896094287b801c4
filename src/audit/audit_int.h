/* Inside the audit room: the canonical encodings both the writer and the verifier hash. */
#ifndef XINAN_AUDIT_INT_H
#define XINAN_AUDIT_INT_H

#include "audit/audit.h"
#include "crypto/crypto.h"

#include <string.h>

/* A string field as stored: s is NULL for SQL NULL; n is its length in bytes. */
typedef struct audit_text {
    const char *s;
    size_t n;
} audit_text;

static inline audit_text audit_text_of(const char *s)
{
    return (audit_text){s, s ? strlen(s) : 0};
}

/* One record as stored. */
typedef struct audit_record {
    int64_t seq;
    int64_t epoch;
    crypto_alg alg;
    int64_t at;
    audit_text actor_kind;
    int64_t actor_id;
    audit_text actor_name;
    audit_text source;
    audit_text session;
    audit_text action;
    audit_text object_type;
    audit_text object_id;
    audit_text result;
    audit_text detail;
    uint8_t prev_hash[CRYPTO_HASH_BYTES];
    uint8_t hash[CRYPTO_HASH_BYTES];
    uint8_t seal[CRYPTO_HASH_BYTES];
} audit_record;

/* A sealed checkpoint: the end of an epoch, or a retention purge. */
typedef struct audit_checkpoint {
    char kind[8]; /* "epoch" or "purge" */
    int64_t epoch;
    crypto_alg alg;
    int64_t first_seq; /* first record covered (purge: first removed) */
    int64_t last_seq;  /* last record covered; first_seq - 1 when the epoch was empty */
    uint8_t hash[CRYPTO_HASH_BYTES]; /* hash of record last_seq (zeros before any record) */
    int64_t started_at, ended_at;
    uint8_t seal[CRYPTO_HASH_BYTES];
} audit_checkpoint;

/* The encoding records are written with (chain.c keeps the older ones readable). */
#define AUDIT_RECORD_VERSION 2

/* hash = H(prev_hash ‖ canonical(record)), with the record's own seq and epoch. */
int audit_record_hash(const audit_record *r, int64_t seq, uint8_t out[CRYPTO_HASH_BYTES]);
/* The same under an encoding version, 1 or 2. */
int audit_record_hash_v(const audit_record *r, int64_t seq, int version,
                        uint8_t out[CRYPTO_HASH_BYTES]);
/* Whether r's stored hash is the hash of its content written at position seq, under any
 * encoding version. */
bool audit_record_hash_matches(const audit_record *r, int64_t seq);
/* seal = MAC(epoch key, hash), with the epoch key made ready (crypto_mac_key_init) for
 * r->alg; XN_EINVAL when the key is for another algorithm. */
int audit_record_seal(const audit_record *r, crypto_mac_key *key, uint8_t out[CRYPTO_HASH_BYTES]);
int audit_checkpoint_seal(const audit_checkpoint *cp, const uint8_t key[CRYPTO_KEY_BYTES],
                          uint8_t out[CRYPTO_HASH_BYTES]);
/* One witness line: {"checkpoint":{…}} with a trailing newline. */
int audit_checkpoint_json(const audit_checkpoint *cp, xn_buf *out);
/* Parses what audit_checkpoint_json wrote (seal and hash in hex). */
int audit_checkpoint_parse(json_t *obj, audit_checkpoint *cp);

/* The selected columns, in this order, that audit_record_read expects. */
#define AUDIT_RECORD_COLUMNS                                                                       \
    "seq, epoch, alg, at, actor_kind, actor_id, actor_name, source, session, action, "             \
    "object_type, object_id, result, detail, prev_hash, hash, seal"
/* Fills r from the current row (strings point into the statement until the next step).
 * XN_EINVAL when a hash column has the wrong size or the algorithm is unknown. */
int audit_record_read(store_stmt *st, audit_record *r);

#define AUDIT_CHECKPOINT_COLUMNS                                                                   \
    "kind, epoch, alg, first_seq, last_seq, hash, started_at, ended_at, seal"
int audit_checkpoint_read(store_stmt *st, audit_checkpoint *cp);

/*
 * Reading the trail for verification (verify_read.c): the records from a position on, in
 * position order and in batches, each already hashed at its own position and, given the
 * epochs' keys (keys[e] for e < nkeys, or NULL), its seal checked. A record that does not
 * match its hash where it stands is also hashed at nearby positions, to tell where it was
 * written. The reading and hashing run on `readers` threads and connections (0: one per core);
 * c is the caller's open read transaction, whose records every reader sees. A batch stays valid
 * until the next call of audit_reader_next.
 */
#define AUDIT_BATCH_RECORDS 8192
typedef struct audit_read_record {
    int64_t seq, epoch;
    uint8_t prev_hash[CRYPTO_HASH_BYTES];
    uint8_t hash[CRYPTO_HASH_BYTES];
    bool damaged;       /* columns could not be read: seq only */
    bool self_ok;       /* the record matches its hash at its own position */
    bool seal_ok;       /* its seal is the MAC of its epoch's key */
    int64_t written_at; /* !self_ok: the position it matches its hash at (0: none nearby) */
} audit_read_record;
typedef struct audit_batch {
    audit_read_record recs[AUDIT_BATCH_RECORDS];
    int n;
    /* the reader's own */
    bool chunk_end;
    int reader;
    int rc;
    xn_error err;
} audit_batch;
typedef struct audit_reader audit_reader;
int audit_reader_open(store *db, store_conn *c, int64_t from_seq, int readers,
                      const uint8_t (*keys)[CRYPTO_KEY_BYTES], int64_t nkeys, audit_reader **out,
                      xn_error *err);
/* The next batch, or *out NULL at the end. */
int audit_reader_next(audit_reader *r, const audit_batch **out, xn_error *err);
void audit_reader_close(audit_reader *r);

/* Removes records up to last_seq from the full-text index, before the purge deletes them. */
int audit_fts_forget(store_conn *tx, int64_t last_seq, xn_error *err);
/* audit_export_csv with another bound than AUDIT_EXPORT_MAX (tests). */
int audit_export_csv_bounded(store_conn *c, const audit_filter *f, FILE *out, int64_t max_rows,
                             xn_error *err);

/* The trail's parts the room's other files use. */
store *audit_trail_store(const audit_trail *t);
int64_t audit_trail_now(const audit_trail *t);
int64_t audit_trail_verify_interval(const audit_trail *t); /* µs; 0: no schedule */
/* Claims the trail's one verification slot (false: one is running); _end releases it. */
bool audit_trail_verify_begin(audit_trail *t);
void audit_trail_verify_end(audit_trail *t);

/* Raises an alert inside the caller's transaction, with its audit.alert record (actor
 * system). detail_json is a JSON object or NULL. */
int audit_alert_raise(audit_trail *t, store_conn *tx, const char *kind, const char *severity,
                      const char *title, const char *detail_json, int64_t *alert_id, xn_error *err);

/*
 * The remote witness (witness_remote.c): spec is audit.witness_syslog. audit_remote_flush
 * sends, in order, the checkpoints the collector has not had (at most a bounded batch per
 * call), moving the collector's mark in audit_witness_remote after each delivery. A failure
 * keeps the mark, so the next call sends the same checkpoints again; the first failure of an
 * outage raises an audit.witness_unreachable alert (with its audit record) and returns XN_EIO,
 * later ones return XN_OK; the first success after an outage records audit.witness_restored.
 */
typedef struct audit_remote audit_remote;
int audit_remote_open(audit_remote **out, const char *spec, xn_error *err);
void audit_remote_free(audit_remote *r);
int audit_remote_flush(audit_remote *r, audit_trail *t, xn_error *err);

/* A witness head line exactly as the trail writes it, {"head":{"seq":N,"hash":"<64 hex>"}}
 * (n bytes, no newline): true with its seq and hash. Any other shape is false, to be left to
 * the JSON parser (a checkpoint, or a line someone changed). */
bool audit_head_parse(const char *line, size_t n, int64_t *seq, uint8_t hash[CRYPTO_HASH_BYTES]);
/* Lower-case hex of exactly n bytes; XN_EINVAL otherwise. */
int audit_unhex(const char *hex, uint8_t *out, size_t n);

/* The failure counts of audit_failures_admit (failures.c), one per trail. */
typedef struct audit_failures audit_failures;
audit_failures *audit_failures_new(void);
void audit_failures_free(audit_failures *f);
audit_failures *audit_trail_failures(audit_trail *t);

#endif
