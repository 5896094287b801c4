/*
 * Reading the trail for verification. The positions to read are cut into chunks; reader i
 * reads chunks i, i+n, i+2n, … on its own connection and hashes every batch it reads (records
 * hash independently: each carries its predecessor's hash). The database's decoding and the
 * hashing both spread over the machine's cores, and the caller still takes the batches in
 * position order, to check the chain over them.
 *
 * Every reader must see the same records. Reader 0 is the caller's own thread on the caller's
 * read transaction; the others begin theirs after it. Records are only ever appended after the last
 * position the caller saw, or removed from the front by the retention purge: a reader whose first
 * position differs from the caller's saw a purge and is not used, and one reader then reads
 * everything.
 */
#include "audit/audit_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_SEQS       AUDIT_BATCH_RECORDS /* positions per chunk */
#define RESEQ_WINDOW     64 /* positions either side a moved record is looked for at */
#define MAX_READERS      4
#define SLOTS_PER_READER 4

typedef struct reader {
    audit_reader *all;
    int index;
    store *own; /* the reader's own database handle (NULL: the caller's connection) */
    store_conn *conn;
    store_stmt *st; /* the chunk being read; NULL between chunks */
    int64_t chunk;  /* the next chunk this reader reads from */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    audit_batch *free_slots[SLOTS_PER_READER];
    int nfree;
    audit_batch *filled[SLOTS_PER_READER]; /* in reading order */
    int nfilled;
    crypto_mac_key seal_key; /* the key of the epoch last sealed, made ready once */
    int64_t seal_epoch;      /* -1: none yet */
} reader;

struct audit_reader {
    int64_t lo, hi, nchunks;
    const uint8_t (*keys)[CRYPTO_KEY_BYTES];
    int64_t nkeys;
    reader readers[MAX_READERS];
    int n;
    atomic_bool stop;
    int64_t next_chunk; /* the chunk the caller takes batches from */
    audit_batch *held;  /* the batch the caller has; given back at its next call */
};

/* ---- one batch ---------------------------------------------------------------------------- */

/* The position a record was written at, when it is not where it stands now (0: none). */
static int64_t written_at(const audit_record *r)
{
    for (int64_t d = 1; d <= RESEQ_WINDOW; d++) {
        if (audit_record_hash_matches(r, r->seq + d))
            return r->seq + d;
        if (r->seq - d > 0 && audit_record_hash_matches(r, r->seq - d))
            return r->seq - d;
    }
    return 0;
}

/* The prepared key of epoch for alg: records come in epoch order, so one is kept. */
static crypto_mac_key *seal_key(reader *rd, int64_t epoch, crypto_alg alg)
{
    if (rd->seal_epoch == epoch && rd->seal_key.alg == alg)
        return &rd->seal_key;
    if (rd->seal_epoch >= 0)
        crypto_mac_key_wipe(&rd->seal_key);
    rd->seal_epoch = -1;
    if (crypto_mac_key_init(&rd->seal_key, alg, rd->all->keys[epoch]) != XN_OK)
        return NULL;
    rd->seal_epoch = epoch;
    return &rd->seal_key;
}

/* Hashes the current row while its strings are still the statement's (nothing is copied). */
static void take_row(reader *rd, store_stmt *st, audit_read_record *out)
{
    const audit_reader *ar = rd->all;
    audit_record r;
    *out = (audit_read_record){0};
    out->damaged = audit_record_read(st, &r) != XN_OK;
    out->seq = out->damaged ? store_col_int(st, 0) : r.seq;
    if (out->damaged)
        return;
    out->epoch = r.epoch;
    memcpy(out->prev_hash, r.prev_hash, CRYPTO_HASH_BYTES);
    memcpy(out->hash, r.hash, CRYPTO_HASH_BYTES);
    out->self_ok = audit_record_hash_matches(&r, r.seq);
    if (!out->self_ok)
        out->written_at = written_at(&r);
    else if (ar->keys && r.epoch >= 0 && r.epoch < ar->nkeys) {
        uint8_t seal[CRYPTO_HASH_BYTES];
        crypto_mac_key *key = seal_key(rd, r.epoch, r.alg);
        out->seal_ok = key && audit_record_seal(&r, key, seal) == XN_OK &&
                       crypto_equal(seal, r.seal, CRYPTO_HASH_BYTES);
    }
}

/* Reads and hashes up to a batch of rows; *more is false once the statement is done. */
static int read_rows(reader *rd, store_stmt *st, audit_batch *b, bool *more, xn_error *err)
{
    while (b->n < AUDIT_BATCH_RECORDS) {
        int rc = store_step(st, err);
        if (rc != STORE_ROW) {
            *more = false;
            return rc == STORE_DONE ? XN_OK : rc;
        }
        take_row(rd, st, &b->recs[b->n++]);
    }
    return XN_OK;
}

/* Fills b with the next part of this reader's chunks. */
static void fill(reader *rd, audit_batch *b)
{
    audit_reader *ar = rd->all;
    b->n = 0;
    b->chunk_end = false;
    b->rc = XN_OK;
    if (!rd->st) {
        int64_t from = ar->lo + rd->chunk * CHUNK_SEQS;
        int64_t to = from + CHUNK_SEQS - 1 < ar->hi ? from + CHUNK_SEQS - 1 : ar->hi;
        b->rc = store_prepare(rd->conn,
                              "SELECT " AUDIT_RECORD_COLUMNS " FROM audit_log"
                              " WHERE seq >= $1 AND seq <= $2 ORDER BY seq",
                              &rd->st, &b->err);
        if (b->rc != XN_OK) {
            rd->st = NULL;
            b->chunk_end = true;
            return;
        }
        store_bind_int(rd->st, 1, from);
        store_bind_int(rd->st, 2, to);
    }
    bool more = true;
    b->rc = read_rows(rd, rd->st, b, &more, &b->err);
    if (!more) {
        rd->st = NULL; /* the statement was reset by its last step */
        rd->chunk += ar->n;
        b->chunk_end = true;
    }
}

/* ---- the threads --------------------------------------------------------------------------- */

static void *read_loop(void *arg)
{
    reader *rd = arg;
    audit_reader *ar = rd->all;
    while (rd->chunk < ar->nchunks) {
        pthread_mutex_lock(&rd->mu);
        while (rd->nfree == 0 && !atomic_load(&ar->stop))
            pthread_cond_wait(&rd->cv, &rd->mu);
        if (atomic_load(&ar->stop)) {
            pthread_mutex_unlock(&rd->mu);
            break;
        }
        audit_batch *b = rd->free_slots[--rd->nfree];
        pthread_mutex_unlock(&rd->mu);
        fill(rd, b);
        pthread_mutex_lock(&rd->mu);
        rd->filled[rd->nfilled++] = b;
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
        if (b->rc != XN_OK)
            break;
    }
    return NULL;
}

static void stop_threads(audit_reader *ar)
{
    atomic_store(&ar->stop, true);
    for (int i = 0; i < ar->n; i++) {
        reader *rd = &ar->readers[i];
        if (!rd->started)
            continue;
        pthread_mutex_lock(&rd->mu);
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
        pthread_join(rd->thread, NULL);
        rd->started = false;
    }
}

/* Closes the readers from `from` on (their connections and batches). */
static void drop_readers(audit_reader *ar, int from)
{
    for (int i = from; i < ar->n; i++) {
        reader *rd = &ar->readers[i];
        if (rd->st)
            store_stmt_done(rd->st);
        rd->st = NULL;
        for (int s = 0; s < rd->nfree; s++)
            free(rd->free_slots[s]);
        for (int s = 0; s < rd->nfilled; s++)
            free(rd->filled[s]);
        rd->nfree = rd->nfilled = 0;
        if (rd->seal_epoch >= 0)
            crypto_mac_key_wipe(&rd->seal_key);
        rd->seal_epoch = -1;
        if (rd->own) {
            store_exec(rd->conn, "COMMIT", NULL);
            store_release(rd->conn);
            store_close(rd->own);
        }
        pthread_cond_destroy(&rd->cv);
        pthread_mutex_destroy(&rd->mu);
    }
    if (ar->n > from)
        ar->n = from;
}

/* A second reader: its own read-only handle, whose snapshot must hold the caller's records. */
static bool open_extra(reader *rd, store *db, int64_t first_seq)
{
    store_options opt = {.pool_size = 1, .busy_timeout_ms = 5000, .read_only = true};
    xn_error err = {0};
    int64_t seen = 0;
    if (store_open(&rd->own, store_target(db), &opt, &err) != XN_OK)
        return false;
    if (store_acquire(rd->own, &rd->conn, &err) == XN_OK) {
        if (store_exec(rd->conn, "BEGIN", &err) == XN_OK &&
            store_query_int(rd->conn, "SELECT coalesce(min(seq), 0) FROM audit_log", &seen, &err) ==
                XN_OK &&
            seen == first_seq)
            return true;
        store_exec(rd->conn, "COMMIT", NULL);
        store_release(rd->conn);
    }
    store_close(rd->own);
    rd->own = NULL;
    return false;
}

static int reader_count(int asked, int64_t nchunks)
{
    long cores = asked > 0 ? asked : sysconf(_SC_NPROCESSORS_ONLN);
    int64_t n = cores < 1 ? 1 : cores > MAX_READERS ? MAX_READERS : cores;
    return (int)(n < nchunks ? n : nchunks > 0 ? nchunks : 1);
}

/* Reader 0 is the caller's own thread: it reads its chunks when their turn comes, between
 * checking the others', so the machine runs one busy thread per core. */
static bool start_threads(audit_reader *ar)
{
    for (int i = 1; i < ar->n; i++) {
        reader *rd = &ar->readers[i];
        if (pthread_create(&rd->thread, NULL, read_loop, rd) != 0) {
            stop_threads(ar);
            return false;
        }
        rd->started = true;
    }
    return true;
}

int audit_reader_open(store *db, store_conn *c, int64_t from_seq, int readers,
                      const uint8_t (*keys)[CRYPTO_KEY_BYTES], int64_t nkeys, audit_reader **out,
                      xn_error *err)
{
    int64_t first = 0, last = 0;
    int rc = store_query_int(c, "SELECT coalesce(min(seq), 0) FROM audit_log", &first, err);
    if (rc == XN_OK)
        rc = store_query_int(c, "SELECT coalesce(max(seq), -1) FROM audit_log", &last, err);
    if (rc != XN_OK)
        return rc;
    audit_reader *ar = xn_xcalloc(1, sizeof *ar);
    ar->keys = keys;
    ar->nkeys = nkeys;
    ar->lo = from_seq > first ? from_seq : first;
    ar->hi = last;
    ar->nchunks = ar->hi >= ar->lo ? (ar->hi - ar->lo) / CHUNK_SEQS + 1 : 0;
    int want = reader_count(readers, ar->nchunks);
    for (int i = 0; i < want; i++) {
        reader *rd = &ar->readers[i];
        *rd = (reader){.all = ar, .index = i, .chunk = i, .conn = c, .seal_epoch = -1};
        if (i > 0 && !open_extra(rd, db, first))
            break;
        pthread_mutex_init(&rd->mu, NULL);
        pthread_cond_init(&rd->cv, NULL);
        ar->n = i + 1;
        /* reader 0 runs on the caller's thread and holds one batch at a time */
        int slots = i > 0 ? SLOTS_PER_READER : 1;
        for (int s = 0; s < slots; s++) {
            audit_batch *b = calloc(1, sizeof *b);
            if (b)
                rd->free_slots[rd->nfree++] = b;
        }
        if (rd->nfree == 0) {
            drop_readers(ar, i);
            break;
        }
    }
    if (ar->n == 0) {
        free(ar);
        return xn_fail(err, XN_ENOMEM, "internal", "out of memory for the verification batches");
    }
    /* Chunks are dealt out by the number of readers: with fewer than planned, or no threads,
     * reader 0 reads every chunk itself. */
    if (ar->n < want || ar->n == 1 || !start_threads(ar)) {
        drop_readers(ar, 1); /* reader 0 has read nothing yet: it starts at chunk 0 */
        ar->n = 1;
    }
    *out = ar;
    return XN_OK;
}

static void give_back(audit_reader *ar)
{
    audit_batch *b = ar->held;
    if (!b)
        return;
    reader *rd = &ar->readers[b->reader];
    pthread_mutex_lock(&rd->mu);
    rd->free_slots[rd->nfree++] = b;
    pthread_cond_broadcast(&rd->cv);
    pthread_mutex_unlock(&rd->mu);
    ar->held = NULL;
}

int audit_reader_next(audit_reader *ar, const audit_batch **out, xn_error *err)
{
    give_back(ar);
    *out = NULL;
    if (ar->next_chunk >= ar->nchunks)
        return XN_OK;
    reader *rd = &ar->readers[ar->next_chunk % ar->n];
    audit_batch *b;
    if (rd->started) {
        pthread_mutex_lock(&rd->mu);
        while (rd->nfilled == 0)
            pthread_cond_wait(&rd->cv, &rd->mu);
        b = rd->filled[0];
        memmove(rd->filled, rd->filled + 1, (size_t)--rd->nfilled * sizeof *rd->filled);
        pthread_mutex_unlock(&rd->mu);
    } else {
        b = rd->free_slots[--rd->nfree];
        fill(rd, b);
    }
    b->reader = rd->index;
    ar->held = b;
    if (b->rc != XN_OK) {
        if (err)
            *err = b->err;
        ar->next_chunk = ar->nchunks;
        return b->rc;
    }
    if (b->chunk_end)
        ar->next_chunk++;
    *out = b;
    return XN_OK;
}

void audit_reader_close(audit_reader *ar)
{
    if (!ar)
        return;
    stop_threads(ar);
    give_back(ar);
    drop_readers(ar, 0);
    free(ar);
}
