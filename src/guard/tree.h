/* The guard's tree (room-internal): comparing paths against the manifest and repairing them,
 * shared by verify and by the watchers of run (inotify, fanotify and the --block thread). */
#ifndef XINAN_GUARD_TREE_H
#define XINAN_GUARD_TREE_H

#include "guard/guard.h"
#include "guard/outbox.h"

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sys/stat.h>

/* What a file looked like when its content was last found approved: an open whose file still
 * looks like this is allowed without hashing (--block). */
typedef struct guard_seen {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    int valid;
} guard_seen;

typedef struct guard_walk {
    FILE *out; /* manifest being written (baseline), or NULL */
    const char *store;
    const guard_manifest *m; /* compare against (verify/scan), or NULL */
    bool repair;
    const char *root;
    const char *quarantine;
    int differences;
    int errors;
    guard_outbox *outbox; /* run with a server: events also go there */
    int pid;              /* the process behind the event being handled (fanotify), else 0 */
    guard_seen *seen;     /* by manifest entry (run), or NULL */
    pthread_mutex_t seen_lock;
} guard_walk;

double guard_now_ms(void);
/* Hashes an open file; re-reads when it changed while being read (3 tries), else XN_EBUSY. */
int guard_hash_fd(int fd, char hex[GUARD_DIGEST_HEX + 1], uint64_t *size);
/* One event: a JSON line on standard output and, with a server, into the outbox (any thread). */
void guard_emit(guard_walk *w, const char *event, const char *path, const char *kind, double ms,
                const char *approved, const char *found, int pid);
/* Checks one path against the manifest; reports (verify) or repairs (run). Returns whether it
 * differed. */
int guard_repair_path(guard_walk *w, const char *rel, double t0);
/* A full comparison: entries on disk, then manifest entries missing from it. */
void guard_full_scan(guard_walk *w);
/* The installed manifest if its signature verifies (the pinned server key, else the agent's
 * own), else the last good one (reported on stderr). */
int guard_load_manifest(const char *state, guard_manifest *m, xn_error *err);
/* Loads and verifies the manifest, prepares w; guard_teardown after. */
int guard_setup(const guard_opts *o, guard_manifest *m, guard_walk *w, char *store, char *quar,
                xn_error *err);
void guard_teardown(guard_walk *w, guard_manifest *m);
/* Records that a manifest file is approved as it stands (st from fstat/lstat). */
void guard_seen_set(guard_walk *w, const guard_entry *e, const struct stat *st);
/* Whether st is how the entry's file looked when last found approved. */
bool guard_seen_match(guard_walk *w, const guard_entry *e, const struct stat *st);

/* Whole small files of the state directory: read bounded, written to a temporary file that is
 * synced and renamed into place. */
int guard_read_all(const char *path, size_t max, char **out, size_t *len);
int guard_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* The server's key pinned at enrolment (state/server.pub): XN_ENOTFOUND in local mode. */
int guard_pinned_key(const char *state, unsigned char pk[crypto_sign_PUBLICKEYBYTES]);
/* Pulls the server's manifest every 5 s when enrolled (else *out stays NULL): a new one signed
 * by the pinned key has its files fetched into the store, is installed, and *reload is set;
 * one refused is reported (event manifest_refused) and the last good one stays. */
typedef struct guard_sync guard_sync;
int guard_sync_start(guard_sync **out, const guard_opts *o, guard_walk *report, atomic_bool *reload,
                     xn_error *err);
void guard_sync_stop(guard_sync *s);

/* The watchers (run.c). Each returns when stop is set or a new manifest waits (reload);
 * XN_EDENIED when the kernel or the process's privileges do not allow it (fanotify), so run
 * falls back to inotify. */
int guard_watch_inotify(guard_walk *w, const guard_opts *o, xn_error *err);
int guard_watch_fanotify(guard_walk *w, const guard_opts *o, xn_error *err);

#endif
