/*
 * guard: the file-integrity agent of a web document root (MON-4, SZ 网页防篡改). No database,
 * no HTTP server; it depends only on base and crypto.
 *
 * The approved content is a manifest: one line per entry, sorted by path,
 *   "xinan-guard-manifest 1\n" then "TYPE\tMODE\tSIZE\tDIGEST\tPATH\tTARGET\n"
 * TYPE f (file), d (directory), l (symlink); MODE octal permission bits; DIGEST the SHA-256 of
 * a file's content in hex ("-" otherwise); TARGET a symlink's target ("" otherwise). The
 * manifest is signed with Ed25519 (manifest.sig beside it in the state directory).
 */
#ifndef XINAN_GUARD_H
#define XINAN_GUARD_H

#include "base/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUARD_MAX_MANIFEST  (256u << 20) /* bytes */
#define GUARD_MAX_ENTRIES   2000000u
#define GUARD_MAX_PATH      4000u /* bytes of a relative path */
#define GUARD_MAX_COMPONENT 255u  /* bytes of one path component */
#define GUARD_DIGEST_HEX    64u

typedef enum guard_type { GUARD_FILE = 'f', GUARD_DIR = 'd', GUARD_LINK = 'l' } guard_type;

typedef struct guard_entry {
    char *path;   /* relative, checked by guard_path_ok */
    char *target; /* a symlink's target, else "" */
    uint64_t size;
    uint32_t mode; /* permission bits (07777) */
    char type;     /* guard_type */
    char digest[GUARD_DIGEST_HEX + 1];
} guard_entry;

typedef struct guard_manifest {
    guard_entry *entries; /* sorted by path (strcmp), no duplicates */
    size_t count;
    char *text; /* the parsed text, owned */
} guard_manifest;

/* A relative path is acceptable: not empty, not absolute, no "." or ".." component, no empty
 * component, no NUL/tab/newline/control byte, each component ≤ GUARD_MAX_COMPONENT bytes, the
 * whole ≤ GUARD_MAX_PATH. */
bool guard_path_ok(const char *path, size_t len);

/* Parses manifest text (len bytes, need not be NUL-terminated) strictly; XN_EINVAL naming the
 * line on anything malformed, XN_ETOOBIG past the bounds. guard_manifest_free on success. */
int guard_manifest_parse(const char *text, size_t len, guard_manifest *out, xn_error *err);
void guard_manifest_free(guard_manifest *m);
const guard_entry *guard_manifest_find(const guard_manifest *m, const char *path);

/* Local mode. Each returns the process exit status (0 ok, 1 differences/failure, 2 usage). */
typedef struct guard_opts {
    const char *root;
    const char *state;
    unsigned scan_minutes; /* full scan period, default 10 */
    bool block;            /* deny opens of tampered files (fanotify permission events) */
    bool force_inotify;    /* watch with inotify even where fanotify is allowed */
    const char *server;    /* run: report events and heartbeats there (NULL: local mode) */
    const char *token;     /* its agent token (scope guard) */
} guard_opts;

int guard_baseline(const guard_opts *o, xn_error *err);
/* Enrols with o->server using o->token: pins the server's site key (key_hex, when given, must
 * be it; a key that changed since an earlier enrolment is refused) and installs its current
 * manifest with every approved file in the store. After it, run enforces what the server
 * publishes. */
int guard_enrol(const guard_opts *o, const char *key_hex, xn_error *err);
/* Compares once: each difference one JSON line on stdout; 0 identical, 1 different. */
int guard_verify(const guard_opts *o, xn_error *err);
/* Enforces until SIGTERM/SIGINT: fanotify where the kernel and privileges allow, else inotify
 * (--block requires fanotify and fails without it). */
int guard_run(const guard_opts *o, xn_error *err);

#endif
