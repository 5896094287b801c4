/* The guard's tree (room-internal): comparing paths against the manifest and repairing them,
 * shared by verify and by the watchers of run (inotify, fanotify and the --block thread). */
#ifndef XINAN_GUARD_TREE_H
#define XINAN_GUARD_TREE_H

#include "guard/guard.h"
#include "guard/outbox.h"

#include <pthread.h>
#include <signal.h>
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
/* Loads and verifies the manifest, prepares w; guard_teardown after. */
int guard_setup(const guard_opts *o, guard_manifest *m, guard_walk *w, char *store, char *quar,
                xn_error *err);
void guard_teardown(guard_walk *w, guard_manifest *m);
/* Records that a manifest file is approved as it stands (st from fstat/lstat). */
void guard_seen_set(guard_walk *w, const guard_entry *e, const struct stat *st);
/* Whether st is how the entry's file looked when last found approved. */
bool guard_seen_match(guard_walk *w, const guard_entry *e, const struct stat *st);

/* The watchers (run.c). Each returns when stop is set; XN_EDENIED when the kernel or the
 * process's privileges do not allow it (fanotify), so run falls back to inotify. */
int guard_watch_inotify(guard_walk *w, const guard_opts *o, volatile sig_atomic_t *stop,
                        xn_error *err);
int guard_watch_fanotify(guard_walk *w, const guard_opts *o, volatile sig_atomic_t *stop,
                         xn_error *err);

#endif
