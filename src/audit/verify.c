/*
 * Verification of the trail. Three witnesses are compared: the chain itself (each record's
 * hash over its predecessor's), the sealed checkpoints (with the seed: each epoch's key), and
 * the witness file outside the database (checkpoints and heads). The walk names the first
 * damaged sequence number and the kind of damage:
 *
 *   edited     a record's content, hash, seal or epoch does not hold
 *   deleted    records are missing from the middle (a gap, or the rest renumbered down)
 *   inserted   a record that was never written (the rest renumbered up, or a forged tail)
 *   reordered  records hold each other's places
 *   truncated  records or checkpoints are missing from the end
 *
 * Lessons from systemd journald's sealing: every epoch, empty ones included, must have its
 * checkpoint and epochs must be contiguous up to the open one, whose key must be the seed's
 * descendant for that epoch (CVE-2023-31438); a record must be sealed with the key of the
 * epoch its position belongs to, not just any valid key (CVE-2023-31439).
 */
#include "audit/audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPORTED     50
#define MAX_WITNESS_LINE 4096
#define MAX_LOST_EPOCHS  100000 /* epochs a cut off the end is looked for across */

typedef struct head {
    int64_t seq;
    uint8_t hash[CRYPTO_HASH_BYTES];
} head;

typedef struct problem {
    int64_t seq;
    const char *kind;
    char message[200];
} problem;

typedef struct verifier {
    const audit_verify_options *opt;
    store *db;
    /* checkpoints, from the database and from the witness file */
    audit_checkpoint *cps; /* kind epoch, indexed by epoch number (gaps have kind "") */
    int64_t ncps;
    audit_checkpoint *purges;
    size_t npurges, purge_cap;
    audit_checkpoint *wcps;
    size_t nwcps, wcp_cap;
    head *heads;
    size_t nheads, head_cap;
    bool witness_found;
    /* the open epoch */
    int64_t state_epoch, state_first_seq;
    crypto_alg state_alg;
    uint8_t state_key[CRYPTO_KEY_BYTES];
    bool have_state;
    /* keys[e] for every epoch, derived from the seed */
    uint8_t (*keys)[CRYPTO_KEY_BYTES];
    /* findings */
    problem problems[MAX_REPORTED];
    size_t nproblems;
    int64_t problem_count;
    /* the walk */
    int64_t records, first_seq, last_seq;
} verifier;

static void report(verifier *v, int64_t seq, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(verifier *v, int64_t seq, const char *kind, const char *fmt, ...)
{
    v->problem_count++;
    if (v->nproblems == MAX_REPORTED)
        return;
    problem *p = &v->problems[v->nproblems++];
    p->seq = seq;
    p->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
}

static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? *cap * 2 : 64;
    return xn_xrealloc(arr, *cap * size);
}

/* ---- loading ----------------------------------------------------------------------------- */

static int load_state(verifier *v, store_conn *c, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(
        c, "SELECT epoch, alg, key, first_seq FROM audit_epoch_state WHERE id = 1", &st, err);
    if (rc != XN_OK)
        return rc;
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        v->have_state = store_col_bytes(st, 2) == CRYPTO_KEY_BYTES &&
                        crypto_alg_parse(store_col_text(st, 1), &v->state_alg) == XN_OK;
        v->state_epoch = store_col_int(st, 0);
        v->state_first_seq = store_col_int(st, 3);
        if (v->have_state)
            memcpy(v->state_key, store_col_blob(st, 2), CRYPTO_KEY_BYTES);
        store_stmt_done(st);
        if (!v->have_state)
            report(v, 0, "edited", "the open epoch's state is damaged");
        return XN_OK;
    }
    return rc == STORE_DONE ? xn_fail(err, XN_ENOTFOUND, "audit_uninitialised",
                                      "this database has no audit trail (run xinan init)")
                            : rc;
}

static int load_checkpoints(verifier *v, store_conn *c, xn_error *err)
{
    /* Every closed epoch left a checkpoint row; an open epoch number far beyond them is an
     * edited state, not a reason to allocate room for billions of epochs. */
    int64_t stored = 0;
    int rc = store_query_int(c, "SELECT count(*) FROM audit_checkpoint WHERE kind = 'epoch'",
                             &stored, err);
    if (rc != XN_OK)
        return rc;
    if (v->have_state && v->state_epoch > stored + MAX_LOST_EPOCHS) {
        report(v, 0, "edited", "the open epoch number %lld is far beyond the %lld epochs stored",
               (long long)v->state_epoch, (long long)stored);
        v->have_state = false;
    }
    v->ncps = v->have_state && v->state_epoch > 0 ? v->state_epoch : 0;
    v->cps = xn_xcalloc((size_t)v->ncps + 1, sizeof *v->cps);
    store_stmt *st;
    rc = store_prepare(c, "SELECT " AUDIT_CHECKPOINT_COLUMNS " FROM audit_checkpoint ORDER BY id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        audit_checkpoint cp = {0};
        if (audit_checkpoint_read(st, &cp) != XN_OK) {
            report(v, 0, "edited", "a checkpoint row is damaged");
            continue;
        }
        if (strcmp(cp.kind, "purge") == 0) {
            v->purges = grow(v->purges, &v->purge_cap, v->npurges, sizeof cp);
            v->purges[v->npurges++] = cp;
        } else if (cp.epoch < 0 || cp.epoch >= v->ncps) {
            report(v, cp.first_seq, "edited",
                   "checkpoint of epoch %lld lies outside the epochs closed so far (%lld)",
                   (long long)cp.epoch, (long long)v->ncps);
        } else if (v->cps[cp.epoch].kind[0]) {
            report(v, cp.first_seq, "inserted", "epoch %lld has two checkpoints",
                   (long long)cp.epoch);
        } else {
            v->cps[cp.epoch] = cp;
        }
    }
    return rc == STORE_DONE ? XN_OK : rc;
}

static void load_witness(verifier *v)
{
    if (!v->opt->witness_path)
        return;
    FILE *f = fopen(v->opt->witness_path, "r");
    if (!f)
        return;
    v->witness_found = true;
    char line[MAX_WITNESS_LINE];
    int64_t lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        else if (!feof(f)) {
            report(v, 0, "edited", "witness line %lld is too long", (long long)lineno);
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            continue;
        }
        if (n == 0)
            continue;
        v->heads = grow(v->heads, &v->head_cap, v->nheads, sizeof *v->heads);
        head *hd = &v->heads[v->nheads];
        if (audit_head_parse(line, n, &hd->seq, hd->hash)) {
            v->nheads++;
            continue;
        }
        json_t *root = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL);
        json_t *h = json_object_get(root, "head"), *cpj = json_object_get(root, "checkpoint");
        if (h && json_is_integer(json_object_get(h, "seq"))) {
            hd->seq = json_integer_value(json_object_get(h, "seq"));
            if (audit_unhex(json_string_value(json_object_get(h, "hash")), hd->hash,
                            CRYPTO_HASH_BYTES) == XN_OK)
                v->nheads++;
            else
                report(v, 0, "edited", "witness line %lld is damaged", (long long)lineno);
        } else if (cpj) {
            audit_checkpoint cp = {0};
            if (audit_checkpoint_parse(cpj, &cp) == XN_OK) {
                v->wcps = grow(v->wcps, &v->wcp_cap, v->nwcps, sizeof cp);
                v->wcps[v->nwcps++] = cp;
            } else {
                report(v, 0, "edited", "witness line %lld is damaged", (long long)lineno);
            }
        } else {
            report(v, 0, "edited", "witness line %lld is damaged", (long long)lineno);
        }
        json_decref(root);
    }
    fclose(f);
}

static int cmp_head(const void *a, const void *b)
{
    const head *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* ---- checkpoints ------------------------------------------------------------------------- */

static bool same_checkpoint(const audit_checkpoint *a, const audit_checkpoint *b)
{
    return strcmp(a->kind, b->kind) == 0 && a->epoch == b->epoch && a->alg == b->alg &&
           a->first_seq == b->first_seq && a->last_seq == b->last_seq &&
           a->started_at == b->started_at && a->ended_at == b->ended_at &&
           memcmp(a->hash, b->hash, CRYPTO_HASH_BYTES) == 0 &&
           memcmp(a->seal, b->seal, CRYPTO_HASH_BYTES) == 0;
}

/* Every checkpoint the witness saw must still be in the database, unchanged. A witness
 * checkpoint the database lost takes its place, so the walk still knows the epoch's end. */
static void compare_witness_checkpoints(verifier *v)
{
    for (size_t i = 0; i < v->nwcps; i++) {
        const audit_checkpoint *w = &v->wcps[i];
        const audit_checkpoint *d = NULL;
        if (strcmp(w->kind, "epoch") == 0) {
            if (w->epoch >= 0 && w->epoch < v->ncps && v->cps[w->epoch].kind[0])
                d = &v->cps[w->epoch];
        } else {
            for (size_t j = 0; j < v->npurges && !d; j++)
                if (v->purges[j].last_seq == w->last_seq)
                    d = &v->purges[j];
        }
        if (d) {
            if (!same_checkpoint(d, w))
                report(v, w->first_seq, "edited",
                       "the %s checkpoint of epoch %lld differs from the witness copy", w->kind,
                       (long long)w->epoch);
            continue;
        }
        bool beyond = w->epoch >= v->ncps;
        report(v, w->last_seq >= w->first_seq ? w->first_seq : w->last_seq + 1,
               beyond ? "truncated" : "deleted",
               "the %s checkpoint of epoch %lld (records %lld-%lld) is in the witness but not in "
               "the database",
               w->kind, (long long)w->epoch, (long long)w->first_seq, (long long)w->last_seq);
        if (strcmp(w->kind, "epoch") == 0 && !beyond)
            v->cps[w->epoch] = *w;
    }
}

/* Epochs 0 … open-1 each have a checkpoint, back to back; with the seed, each is sealed with
 * its own epoch's key and the open epoch's stored key is the seed's descendant. */
static void check_epochs(verifier *v)
{
    int64_t expect_first = 1, last_present = -1;
    for (int64_t e = 0; e < v->ncps; e++)
        if (v->cps[e].kind[0])
            last_present = e;
    for (int64_t e = 0; e < v->ncps; e++) {
        audit_checkpoint *cp = &v->cps[e];
        if (!cp->kind[0]) {
            /* missing checkpoints at the end are a cut; in the middle, a removal */
            report(v, expect_first, e > last_present ? "truncated" : "deleted",
                   "epoch %lld has no checkpoint", (long long)e);
            continue;
        }
        if (cp->first_seq != expect_first)
            report(v, expect_first, cp->first_seq > expect_first ? "deleted" : "inserted",
                   "epoch %lld starts at record %lld, expected %lld", (long long)e,
                   (long long)cp->first_seq, (long long)expect_first);
        if (cp->last_seq < cp->first_seq - 1)
            report(v, cp->first_seq, "edited", "epoch %lld ends before it starts", (long long)e);
        expect_first = cp->last_seq + 1;
        if (v->keys) {
            uint8_t seal[CRYPTO_HASH_BYTES];
            audit_checkpoint_seal(cp, v->keys[e], seal);
            if (!crypto_equal(seal, cp->seal, CRYPTO_HASH_BYTES))
                report(v, cp->first_seq, "edited",
                       "the checkpoint of epoch %lld is not sealed with that epoch's key",
                       (long long)e);
        }
    }
    if (v->have_state && v->state_first_seq != expect_first)
        report(v, expect_first, "truncated",
               "the open epoch starts at record %lld, the last checkpoint ends at %lld",
               (long long)v->state_first_seq, (long long)expect_first - 1);
    if (v->keys && v->have_state &&
        !crypto_equal(v->keys[v->ncps], v->state_key, CRYPTO_KEY_BYTES)) {
        /* A key from a later epoch means epochs were cut off the end (the keys cannot be
         * rolled back); anything else is a replaced key. */
        uint8_t k[CRYPTO_KEY_BYTES], next[CRYPTO_KEY_BYTES];
        memcpy(k, v->keys[v->ncps], sizeof k);
        int64_t ahead = 0;
        for (int64_t i = 1; i <= MAX_LOST_EPOCHS && !ahead; i++) {
            crypto_key_evolve(v->state_alg, k, next);
            memcpy(k, next, sizeof k);
            if (crypto_equal(k, v->state_key, sizeof k))
                ahead = i;
        }
        if (ahead)
            report(v, expect_first, "truncated",
                   "the open epoch's key belongs to epoch %lld, not %lld: %lld epochs were cut "
                   "off the end",
                   (long long)(v->ncps + ahead), (long long)v->ncps, (long long)ahead);
        else
            report(v, expect_first, "edited",
                   "the open epoch's key does not descend from the seed");
        crypto_wipe(k, sizeof k);
    }
    for (size_t i = 0; i < v->npurges && v->keys; i++) {
        audit_checkpoint *p = &v->purges[i];
        uint8_t seal[CRYPTO_HASH_BYTES];
        if (p->epoch < 0 || p->epoch > v->ncps) {
            report(v, p->first_seq, "edited", "a purge checkpoint names an unknown epoch");
            continue;
        }
        audit_checkpoint_seal(p, v->keys[p->epoch], seal);
        if (!crypto_equal(seal, p->seal, CRYPTO_HASH_BYTES))
            report(v, p->first_seq, "edited",
                   "the purge of records %lld-%lld is not sealed with its epoch's key",
                   (long long)p->first_seq, (long long)p->last_seq);
    }
}

static void derive_keys(verifier *v)
{
    if (!v->opt->seed)
        return;
    v->keys = xn_xcalloc((size_t)v->ncps + 1, CRYPTO_KEY_BYTES);
    memcpy(v->keys[0], v->opt->seed, CRYPTO_KEY_BYTES);
    for (int64_t e = 0; e < v->ncps; e++) {
        /* a key evolves with its epoch's algorithm; an unknown one (lost checkpoint) falls
         * back to the open epoch's */
        crypto_alg alg = v->cps[e].kind[0] ? v->cps[e].alg : v->state_alg;
        crypto_key_evolve(alg, v->keys[e], v->keys[e + 1]);
    }
}

/* ---- the walk ---------------------------------------------------------------------------- */

/* The epoch a position belongs to, by the checkpoints' ranges (moving forward only). */
static int64_t epoch_of(verifier *v, int64_t seq, int64_t *cursor)
{
    while (*cursor < v->ncps && (!v->cps[*cursor].kind[0] || v->cps[*cursor].last_seq < seq))
        (*cursor)++;
    return *cursor;
}

static const head *witness_head(verifier *v, int64_t seq, size_t *cursor)
{
    while (*cursor < v->nheads && v->heads[*cursor].seq < seq)
        (*cursor)++;
    return *cursor < v->nheads && v->heads[*cursor].seq == seq ? &v->heads[*cursor] : NULL;
}

/* Where the chain must start: a record 1 follows zeros, a purged prefix its checkpoint. */
static bool start_hash(verifier *v, int64_t first, uint8_t out[CRYPTO_HASH_BYTES])
{
    memset(out, 0, CRYPTO_HASH_BYTES);
    if (first == 1)
        return true;
    for (size_t i = 0; i < v->npurges; i++)
        if (v->purges[i].last_seq == first - 1) {
            memcpy(out, v->purges[i].hash, CRYPTO_HASH_BYTES);
            return true;
        }
    return false;
}

typedef struct walk {
    int64_t prev_seq;
    uint8_t prev_hash[CRYPTO_HASH_BYTES];
    int64_t epoch_cursor;
    size_t head_cursor;
    int64_t pending_offset; /* the previous record was written this many places later */
    int64_t run_offset;     /* a reported run of records moved by this much goes on */
    bool prev_bad;          /* the previous record was already reported */
    int64_t max_witnessed;
} walk;

static void check_record(verifier *v, walk *w, const audit_read_record *r)
{
    int64_t before = v->problem_count;
    if (w->prev_seq && r->seq > w->prev_seq + 1)
        report(v, w->prev_seq + 1, "deleted", "records %lld-%lld are missing",
               (long long)w->prev_seq + 1, (long long)r->seq - 1);

    bool self_ok = r->self_ok;
    bool linked = memcmp(r->prev_hash, w->prev_hash, CRYPTO_HASH_BYTES) == 0 ||
                  (w->prev_seq == 0 && v->opt->from_seq > 0);
    int64_t offset = 0;
    if (!self_ok) {
        offset = r->written_at ? r->written_at - r->seq : 0;
        if (r->written_at == 0)
            report(v, r->seq, "edited", "record %lld does not match its hash", (long long)r->seq);
    }
    /*
     * A record written at another position: a run moved down by d means d records were
     * removed and the rest renumbered; a run moved up, records inserted; a record moved down
     * whose successor is not moved alike, a swap. A run is reported once, at its start.
     */
    if (w->pending_offset > 0) {
        if (offset == w->pending_offset) {
            report(v, r->seq - 1, "deleted",
                   "records from %lld on were written %lld places later: records were removed",
                   (long long)r->seq - 1, (long long)offset);
            w->run_offset = offset;
        } else {
            report(v, r->seq - 1, "reordered", "record %lld was written as %lld",
                   (long long)r->seq - 1, (long long)(r->seq - 1 + w->pending_offset));
            if (offset == -w->pending_offset)
                offset = 0; /* the other half of the swap */
        }
        w->pending_offset = 0;
    } else if (offset != 0 && offset != w->run_offset) {
        if (offset > 0)
            w->pending_offset = offset;
        else {
            report(v, r->seq + offset, "inserted",
                   "record %lld was written as %lld: records were inserted before it",
                   (long long)r->seq, (long long)(r->seq + offset));
            w->run_offset = offset;
        }
    }
    if (offset == 0)
        w->run_offset = 0;
    if (self_ok && !linked && !w->prev_bad && v->problem_count == before)
        report(v, w->prev_seq ? w->prev_seq : r->seq, "edited",
               "record %lld does not follow the record stored before it", (long long)r->seq);

    int64_t want_epoch = epoch_of(v, r->seq, &w->epoch_cursor);
    if (self_ok && r->epoch != want_epoch)
        report(v, r->seq, "edited",
               "record %lld is sealed in epoch %lld but its position belongs to epoch %lld",
               (long long)r->seq, (long long)r->epoch, (long long)want_epoch);
    else if (self_ok && v->keys && r->epoch >= 0 && r->epoch <= v->ncps) {
        if (!r->seal_ok)
            report(v, r->seq, r->seq > w->max_witnessed ? "inserted" : "edited",
                   "record %lld is not sealed with its epoch's key", (long long)r->seq);
    }
    if (want_epoch < v->ncps && v->cps[want_epoch].last_seq == r->seq &&
        memcmp(v->cps[want_epoch].hash, r->hash, CRYPTO_HASH_BYTES) != 0)
        report(v, r->seq, "edited", "record %lld differs from the checkpoint of epoch %lld",
               (long long)r->seq, (long long)want_epoch);
    const head *h = witness_head(v, r->seq, &w->head_cursor);
    if (h && memcmp(h->hash, r->hash, CRYPTO_HASH_BYTES) != 0)
        report(v, r->seq, "edited", "record %lld differs from the witness", (long long)r->seq);

    w->prev_bad = v->problem_count != before || w->pending_offset || w->run_offset;
    w->prev_seq = r->seq;
    memcpy(w->prev_hash, r->hash, CRYPTO_HASH_BYTES);
}

static void check_batch(verifier *v, walk *w, const audit_batch *b)
{
    for (int i = 0; i < b->n; i++) {
        const audit_read_record *r = &b->recs[i];
        if (r->damaged) {
            report(v, r->seq, "edited", "record %lld has damaged columns", (long long)r->seq);
            continue;
        }
        if (v->records++ == 0) {
            v->first_seq = r->seq;
            if (!start_hash(v, r->seq, w->prev_hash) && v->opt->from_seq == 0)
                report(v, 1, r->seq > 1 ? "deleted" : "edited",
                       "the trail starts at record %lld without a purge checkpoint before it",
                       (long long)r->seq);
            w->prev_seq = v->opt->from_seq > 0 ? 0 : r->seq - 1;
        }
        check_record(v, w, r);
        v->last_seq = r->seq;
    }
}

static int walk_records(verifier *v, store_conn *c, xn_error *err)
{
    walk w = {0};
    for (size_t i = 0; i < v->nheads; i++)
        if (v->heads[i].seq > w.max_witnessed)
            w.max_witnessed = v->heads[i].seq;
    for (int64_t e = 0; e < v->ncps; e++)
        if (v->cps[e].last_seq > w.max_witnessed)
            w.max_witnessed = v->cps[e].last_seq;
    audit_reader *reader;
    int rc = audit_reader_open(v->db, c, v->opt->from_seq, v->opt->readers,
                               (const uint8_t(*)[CRYPTO_KEY_BYTES])v->keys,
                               v->keys ? v->ncps + 1 : 0, &reader, err);
    if (rc != XN_OK)
        return rc;
    const audit_batch *b;
    while ((rc = audit_reader_next(reader, &b, err)) == XN_OK && b)
        check_batch(v, &w, b);
    audit_reader_close(reader);
    if (rc != XN_OK)
        return rc;
    if (w.pending_offset > 0)
        report(v, w.prev_seq, "deleted", "the last record was written as %lld",
               (long long)(w.prev_seq + w.pending_offset));
    /* Cut off the end: the witness or a checkpoint knew of later records. */
    int64_t known = w.max_witnessed;
    if (v->have_state && v->state_first_seq - 1 > known)
        known = v->state_first_seq - 1;
    int64_t have = v->last_seq;
    if (v->records == 0) {
        have = v->state_first_seq - 1;
        for (size_t i = 0; i < v->npurges; i++)
            if (v->purges[i].last_seq > have)
                have = v->purges[i].last_seq;
    }
    if (known > have)
        report(v, have + 1, "truncated", "records %lld-%lld are missing from the end",
               (long long)have + 1, (long long)known);
    return XN_OK;
}

/* ---- the report -------------------------------------------------------------------------- */

static int write_report(verifier *v, xn_buf *out, bool *intact)
{
    *intact = v->problem_count == 0;
    /* The first damaged position names the damage; at one position the specific kinds
     * (deleted, inserted, reordered, truncated) explain an "edited" seen there too. */
    const problem *first = NULL;
    for (size_t i = 0; i < v->nproblems; i++) {
        const problem *p = &v->problems[i];
        if (!first || p->seq < first->seq ||
            (p->seq == first->seq && strcmp(first->kind, "edited") == 0 &&
             strcmp(p->kind, "edited") != 0))
            first = p;
    }
    int64_t last_head = v->nheads ? v->heads[v->nheads - 1].seq : 0;
    xn_buf_printf(out,
                  "{\"intact\":%s,\"records\":%lld,\"first_seq\":%lld,\"last_seq\":%lld,"
                  "\"open_epoch\":%lld,\"checkpoints\":%lld,\"purges\":%zu,"
                  "\"seals_checked\":%s,\"witness\":{\"path\":",
                  *intact ? "true" : "false", (long long)v->records, (long long)v->first_seq,
                  (long long)v->last_seq, (long long)v->state_epoch, (long long)v->ncps, v->npurges,
                  v->keys ? "true" : "false");
    if (v->opt->witness_path)
        xn_json_put_string(out, v->opt->witness_path);
    else
        xn_buf_puts(out, "null");
    /* Without the witness nothing outside the database knew the newest records, so a cut
     * from the end of the open epoch cannot be seen: tail_checked says whether it could. */
    xn_buf_printf(out,
                  ",\"found\":%s,\"tail_checked\":%s,\"checkpoints\":%zu,\"heads\":%zu,"
                  "\"last_head\":%lld}",
                  v->witness_found ? "true" : "false", v->witness_found ? "true" : "false",
                  v->nwcps, v->nheads, (long long)last_head);
    if (first)
        xn_buf_printf(out, ",\"first_bad_seq\":%lld,\"kind\":\"%s\"", (long long)first->seq,
                      first->kind);
    else
        xn_buf_puts(out, ",\"first_bad_seq\":null,\"kind\":null");
    xn_buf_printf(out, ",\"problem_count\":%lld,\"problems\":[", (long long)v->problem_count);
    for (size_t i = 0; i < v->nproblems; i++) {
        xn_buf_printf(out, "%s{\"seq\":%lld,\"kind\":\"%s\",\"message\":", i ? "," : "",
                      (long long)v->problems[i].seq, v->problems[i].kind);
        xn_json_put_string(out, v->problems[i].message);
        xn_buf_puts(out, "}");
    }
    return xn_buf_puts(out, "]}");
}

int audit_verify(store *db, const audit_verify_options *opt, xn_buf *report_out, bool *intact,
                 xn_error *err)
{
    verifier v = {.opt = opt, .db = db};
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    /* The witness first: everything in it was committed before it was written, so the
     * snapshot taken next holds all of it even while the server appends (read the other way
     * round, a record committed in between would look cut off the end). Then one read
     * transaction: the records and checkpoints seen belong to one moment. */
    load_witness(&v);
    rc = store_exec(c, "BEGIN", err);
    if (rc == XN_OK)
        rc = load_state(&v, c, err);
    if (rc == XN_OK)
        rc = load_checkpoints(&v, c, err);
    if (rc == XN_OK) {
        if (v.nheads)
            qsort(v.heads, v.nheads, sizeof *v.heads, cmp_head);
        compare_witness_checkpoints(&v);
        derive_keys(&v);
        check_epochs(&v);
        rc = walk_records(&v, c, err);
    }
    store_exec(c, "COMMIT", NULL);
    store_release(c);
    if (rc == XN_OK)
        rc = write_report(&v, report_out, intact);
    if (v.keys)
        crypto_wipe(v.keys, ((size_t)v.ncps + 1) * CRYPTO_KEY_BYTES);
    crypto_wipe(v.state_key, sizeof v.state_key);
    free(v.keys);
    free(v.cps);
    free(v.purges);
    free(v.wcps);
    free(v.heads);
    return rc;
}
