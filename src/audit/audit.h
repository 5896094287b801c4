/*
 * The audit room: the tamper-evident trail every other room records its operations in
 * (AUD-1, AUD-2), its checkpoints and verification, retention (AUD-3), reading and statistics
 * (AUD-4), and the syslog receiver with its log store (AUD-5).
 *
 * Recording is one call inside the caller's transaction:
 *
 *     audit_event ev = {.action = "auth.role_grant", .actor = actor, .object_type = "user",
 *                       .object_id = "17", .result = AUDIT_OK, .detail_json = "{\"role\":…}"};
 *     if (audit_append(trail, tx, &ev, err) != XN_OK)
 *         return XN_EINTERNAL;   // store_tx rolls the change back with it
 *
 * When the record cannot be written the whole transaction fails: there is no change without
 * its record, and no switch that turns recording off.
 */
#ifndef XINAN_AUDIT_H
#define XINAN_AUDIT_H

#include "base/base.h"
#include "store/store.h"

/* ------------------------------------------------------------------------------------------ */
/* The trail                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct audit_trail audit_trail;

/* Who did it. kind is "user", "agent" or "system"; id is the user or agent id (0 for system). */
typedef struct audit_actor {
    const char *kind;
    int64_t id;
    const char *name;
    const char *source;  /* client address, NULL when local */
    const char *session; /* the session's public id, never its token; NULL when none */
} audit_actor;

#define AUDIT_OK     "ok"
#define AUDIT_DENIED "denied"
#define AUDIT_ERROR  "error"

typedef struct audit_event {
    const char *action; /* "room.verb": "auth.login", "audit.read" … */
    const audit_actor *actor;
    const char *object_type; /* NULL when the action has no object */
    const char *object_id;
    const char *result;      /* AUDIT_OK, AUDIT_DENIED or AUDIT_ERROR */
    const char *detail_json; /* a JSON object or NULL; never secrets */
} audit_event;

/* The verification seed: epoch 0's key, shown once at initialisation and kept offline. */
#define AUDIT_SEED_BYTES 32

/*
 * Opens the trail of a database the caller keeps open. The witness file (cfg->audit_witness,
 * or "<db>.witness") is opened for appending; failing that is an error, not a silent skip.
 */
int audit_trail_open(audit_trail **out, store *db, const xn_config *cfg, xn_error *err);
void audit_trail_free(audit_trail *t);
const char *audit_trail_witness(const audit_trail *t);
/* Tests only: the clock records are stamped with (NULL: the real one). */
void audit_trail_set_clock(audit_trail *t, int64_t (*now_us)(void));

/*
 * First start: makes a fresh seed, seals epoch 0 with it and opens epoch 1 with the next key.
 * *created is false (and seed untouched) when the trail already existed. The caller shows the
 * seed once and forgets it.
 */
int audit_trail_init(audit_trail *t, uint8_t seed[AUDIT_SEED_BYTES], bool *created, xn_error *err);

/*
 * Records one event inside the caller's transaction (tx comes from store_tx). Returns an
 * error when the record cannot be written; the caller returns it so the change rolls back.
 */
int audit_append(audit_trail *t, store_conn *tx, const audit_event *ev, xn_error *err);

/* Closes the open epoch once it is due (records or minutes), empty or not. The server calls
 * it every few seconds. */
int audit_tick(audit_trail *t, xn_error *err);

/* Removes the records older than the retention (never younger), leaving a sealed purge
 * checkpoint and an audit.purge record. */
int audit_purge(audit_trail *t, int64_t now_us, int64_t *purged, xn_error *err);

typedef struct audit_verify_options {
    const char *witness_path;       /* NULL: no witness to compare with */
    const uint8_t *seed;            /* NULL: seals are not checked, only hashes and witness */
    int64_t from_seq;               /* 0: from the first record kept */
    int64_t expected_epoch_minutes; /* 0: unknown; else a stale open epoch is reported */
} audit_verify_options;

/* The witness file a configuration names: audit.witness, or "<db>.witness". */
void audit_witness_file(const xn_config *cfg, char *out, size_t size);
/* Parses the seed's 64 lower-case hex digits. */
int audit_unhex_seed(const char *hex, uint8_t seed[AUDIT_SEED_BYTES]);

/*
 * Checks the whole chain, every checkpoint and the witness. Writes a JSON report into
 * `report` ({"intact":…,"first_bad_seq":…,"kind":"edited|deleted|inserted|reordered|
 * truncated",…}) and sets *intact. Returns an error only when the check itself could not run.
 */
int audit_verify(store *db, const audit_verify_options *opt, xn_buf *report, bool *intact,
                 xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Syslog receiver and log store (AUD-5)                                                       */
/* ------------------------------------------------------------------------------------------ */

#endif
