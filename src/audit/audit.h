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

/* ------------------------------------------------------------------------------------------ */
/* Syslog receiver and log store (AUD-5)                                                       */
/* ------------------------------------------------------------------------------------------ */

#endif
