/* The guard's outbox to a server (room-internal): events appended to a queue file in the state
 * directory and sent by a thread of their own, so restoring never waits for the network. */
#ifndef XINAN_GUARD_OUTBOX_H
#define XINAN_GUARD_OUTBOX_H

#include "base/base.h"

#include <stdint.h>

typedef struct guard_outbox guard_outbox;

/* Opens state/queue.jsonl (events not yet acknowledged survive a restart and are sent first)
 * and starts the sender: every second the events not yet sent (at most 500 a report), and a
 * heartbeat {root, entries} at least every 30 s, POSTed to server's /api/guard/report with the
 * bearer token. A report the server did not acknowledge is sent again, whole: the server keeps
 * each (agent, seq) once. */
int guard_outbox_open(guard_outbox **out, const char *state, const char *server, const char *token,
                      const char *root, size_t entries, xn_error *err);
/* Appends an event (a JSON object's members without braces: "\"event\":…") with its sequence
 * number and time, durably (fdatasync) before it returns. */
void guard_outbox_add(guard_outbox *q, const char *members);
/* A file quarantined as state/quarantine/NAME with its SHA-256 and size (rel: where it was
 * found): appended to state/uploads.pending, durably, for the sender to upload to
 * /api/guard/quarantine/<digest> once the events before it are acknowledged. Failures are tried
 * again (5 s doubling, at most 10 min; 10 answers that are not a success end it with an event
 * quarantine_kept, kind upload_failed); a 413 ends it with quarantine_kept, kind too_large. The
 * local copy is never deleted. NULL q is fine (local mode). */
void guard_outbox_quarantined(guard_outbox *q, const char *name, const char *digest, uint64_t size,
                              const char *rel);
/* Stops the sender after a last try, and closes. NULL is fine. */
void guard_outbox_close(guard_outbox *q);

#endif
