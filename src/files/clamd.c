/*
 * The virus check (PUB-12) through clamd's socket. The INSTREAM command of clamd's protocol:
 * "zINSTREAM\0", then the content as chunks, each a 4-byte length in network byte order and
 * that many bytes, ended by a chunk of length 0; clamd answers one NUL-terminated line,
 * "stream: OK", "stream: <signature> FOUND", or "<reason> ERROR" (for instance "INSTREAM size
 * limit exceeded. ERROR" when the content is over clamd's StreamMaxLength, which must be at
 * least files.max_size). A verdict moves the content to 'clean' or 'infected' with its
 * `file.scan` record; no verdict leaves it 'pending' with the error and the time of the next
 * attempt, so an outage of clamd loses nothing.
 */
#include "files/files.h"
#include "files/files_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CLAMD_TIMEOUT_S 30
/* bytes per INSTREAM chunk: with its 4-byte length it fills one chunk buffer */
#define CLAMD_PIECE    (FILES_CHUNK - 4)
#define RETRY_FIRST_US ((int64_t)5 * 1000000)
#define RETRY_MAX_US   ((int64_t)3600 * 1000000)

static void set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = CLAMD_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* bounds connect() too */
}

int files_clamd_connect(const char *where, xn_error *err)
{
    if (where[0] == '/') {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(where) >= sizeof sa.sun_path)
            return xn_fail(err, XN_EINVAL, "clamd", "clamd socket path too long");
        memcpy(sa.sun_path, where, strlen(where) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return xn_fail(err, XN_EIO, "clamd_unreachable", "socket: %s", strerror(errno));
        set_timeouts(fd);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            int e = errno;
            close(fd);
            return xn_fail(err, XN_EIO, "clamd_unreachable", "clamd at %s: %s", where, strerror(e));
        }
        return fd;
    }
    char host[256];
    const char *colon = strrchr(where, ':');
    if (!colon || (size_t)(colon - where) >= sizeof host)
        return xn_fail(err, XN_EINVAL, "clamd", "files.clamd is not host:port");
    memcpy(host, where, (size_t)(colon - where));
    host[colon - where] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai != 0)
        return xn_fail(err, XN_EIO, "clamd_unreachable", "clamd at %s: %s", where,
                       gai_strerror(gai));
    int fd = -1, e = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        set_timeouts(fd);
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return xn_fail(err, XN_EIO, "clamd_unreachable", "clamd at %s: %s", where, strerror(e));
    return fd;
}

static int send_all(int fd, const void *data, size_t len, xn_error *err)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return xn_fail(err, XN_EIO, "clamd_failed", "sending to clamd: %s",
                           n < 0 ? strerror(errno) : "closed");
        p += n;
        len -= (size_t)n;
    }
    return XN_OK;
}

int files_clamd_instream(int fd, files_reader *r, uint64_t size, bool *infected, char signature[96],
                         xn_error *err)
{
    int rc = send_all(fd, "zINSTREAM", sizeof "zINSTREAM", err); /* with its NUL */
    unsigned char *piece = files_chunk_alloc();
    if (!piece)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    for (uint64_t pos = 0; rc == XN_OK && pos < size;) {
        ssize_t n = files_reader_read(r, pos, piece + 4, CLAMD_PIECE);
        if (n <= 0) {
            rc = xn_fail(err, XN_EIO, "content_damaged", "cannot read the content at %llu",
                         (unsigned long long)pos);
            break;
        }
        uint32_t be = htonl((uint32_t)n);
        memcpy(piece, &be, 4);
        rc = send_all(fd, piece, 4 + (size_t)n, err);
        pos += (uint64_t)n;
    }
    files_chunk_free(piece);
    if (rc == XN_OK) {
        static const unsigned char end[4] = {0, 0, 0, 0};
        rc = send_all(fd, end, sizeof end, err);
    }
    /* clamd may answer (an ERROR) and close before reading everything: read what it said */
    char reply[256];
    size_t got = 0;
    while (got < sizeof reply - 1) {
        ssize_t n = recv(fd, reply + got, sizeof reply - 1 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr(reply, '\0', got))
            break;
    }
    reply[got] = '\0';
    size_t len = strlen(reply);
    while (len && (reply[len - 1] == '\n' || reply[len - 1] == '\r'))
        reply[--len] = '\0';
    if (len == 0)
        return rc != XN_OK ? rc : xn_fail(err, XN_EIO, "clamd_failed", "clamd gave no answer");
    const char *found = " FOUND";
    size_t flen = strlen(found);
    if (strcmp(reply, "stream: OK") == 0) {
        *infected = false;
        signature[0] = '\0';
        return XN_OK;
    }
    if (strncmp(reply, "stream: ", 8) == 0 && len > 8 + flen &&
        strcmp(reply + len - flen, found) == 0) {
        *infected = true;
        int n = (int)(len - 8 - flen);
        snprintf(signature, 96, "%.*s", n, reply + 8);
        /* only printable ASCII goes on the record */
        for (char *p = signature; *p; p++)
            if (*p < 0x20 || *p > 0x7e)
                *p = '?';
        return XN_OK;
    }
    for (char *p = reply; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            *p = '?';
    return xn_fail(err, XN_EIO, "clamd_failed", "clamd: %s", reply);
}

/* ---- states ------------------------------------------------------------------------------- */

typedef struct verdict_ctx {
    files_store *f;
    int64_t blob_id;
    bool ok; /* a verdict; else error holds why not */
    bool infected;
    const char *signature;
    const char *error;
} verdict_ctx;

static int verdict_tx(store_conn *c, void *vctx, xn_error *err)
{
    verdict_ctx *v = vctx;
    store_stmt *st;
    int64_t now = xn_now_us();
    int rc;
    if (!v->ok) {
        /* the next attempt: 5 s, doubling, at most an hour */
        rc = store_prepare(c, "SELECT scan_attempts FROM file_blob WHERE id = $1", &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, v->blob_id);
        if ((rc = store_step(st, err)) < 0)
            return rc;
        int64_t attempts = rc == STORE_ROW ? store_col_int(st, 0) : 0;
        if (rc == STORE_ROW)
            store_stmt_done(st);
        int64_t delay = RETRY_MAX_US;
        if (attempts < 10 && (RETRY_FIRST_US << attempts) < RETRY_MAX_US)
            delay = RETRY_FIRST_US << attempts;
        rc = store_prepare(c,
                           "UPDATE file_blob SET scan_attempts = scan_attempts + 1, "
                           "scan_error = $1, scan_next_at = $2 WHERE id = $3 AND state = 'pending'",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, v->error, -1);
        store_bind_int(st, 2, now + delay);
        store_bind_int(st, 3, v->blob_id);
        rc = store_step(st, err);
        return rc < 0 ? rc : XN_OK;
    }
    const char *state = v->infected ? "infected" : "clean";
    rc = store_prepare(c,
                       "UPDATE file_blob SET state = $1, signature = $2, scanned_at = $3, "
                       "scan_error = NULL WHERE id = $4 AND state = 'pending' RETURNING digest",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, state, -1);
    store_bind_text(st, 2, v->infected ? v->signature : NULL, -1);
    store_bind_int(st, 3, now);
    store_bind_int(st, 4, v->blob_id);
    if ((rc = store_step(st, err)) < 0)
        return rc;
    if (rc != STORE_ROW)
        return XN_OK; /* scanned meanwhile by another caller */
    char digest[FILES_DIGEST];
    snprintf(digest, sizeof digest, "%s", store_col_text(st, 0));
    store_stmt_done(st);
    json_t *detail = json_pack("{s:s, s:s}", "digest", digest, "scan", state);
    if (v->infected)
        json_object_set_new(detail, "signature", json_string(v->signature));
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)v->blob_id);
    audit_event ev = {.action = "file.scan",
                      .actor = &audit_system_actor,
                      .object_type = "file_content",
                      .object_id = oid,
                      .result = AUDIT_OK,
                      .detail_json = text};
    rc = audit_append(v->f->trail, c, &ev, err);
    free(text);
    return rc;
}

/* Scans one pending content: XN_OK with a verdict stored, XN_EIO when clamd failed (the
 * failure stored for the next attempt). */
static int scan_blob(files_store *f, int64_t blob_id, uint64_t size, char state[16], xn_error *err)
{
    files_info fi = {.blob_id = blob_id, .size = (int64_t)size};
    files_reader *r = NULL;
    bool infected = false;
    char signature[96] = "";
    int rc = files_reader_open(f, &fi, &r, err);
    if (rc != XN_OK)
        return rc;
    int fd = files_clamd_connect(f->clamd, err);
    rc = fd < 0 ? XN_EIO : files_clamd_instream(fd, r, size, &infected, signature, err);
    if (fd >= 0)
        close(fd);
    files_reader_free(r);
    verdict_ctx v = {.f = f,
                     .blob_id = blob_id,
                     .ok = rc == XN_OK,
                     .infected = infected,
                     .signature = signature,
                     .error = rc == XN_OK ? NULL : err->message};
    xn_error store_err;
    int src = store_tx(f->db, verdict_tx, &v, &store_err);
    if (rc == XN_OK && src != XN_OK) {
        *err = store_err;
        return src;
    }
    if (rc == XN_OK)
        snprintf(state, 16, "%s", infected ? "infected" : "clean");
    else
        snprintf(state, 16, "pending");
    return rc;
}

int files_scan_file(files_store *f, int64_t file_id, char state[16], xn_error *err)
{
    files_info fi;
    int rc = files_get_any(f, file_id, &fi, err);
    if (rc != XN_OK)
        return rc;
    snprintf(state, 16, "%s", fi.scan);
    if (strcmp(fi.scan, "pending") != 0 || !f->clamd[0])
        return XN_OK;
    return scan_blob(f, fi.blob_id, (uint64_t)fi.size, state, err);
}

#define SCAN_BATCH_MAX 64

int files_scan_pending(files_store *f, int max, int *scanned, xn_error *err)
{
    *scanned = 0;
    if (!f->clamd[0] || max <= 0)
        return XN_OK;
    if (max > SCAN_BATCH_MAX)
        max = SCAN_BATCH_MAX;
    int64_t ids[SCAN_BATCH_MAX], sizes[SCAN_BATCH_MAX];
    int n = 0;
    store_conn *c = NULL;
    int rc = store_acquire(f->db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT id, size FROM file_blob WHERE state = 'pending' AND "
                       "scan_next_at <= $1 ORDER BY scan_next_at, id LIMIT $2",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, xn_now_us());
        store_bind_int(st, 2, max);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            ids[n] = store_col_int(st, 0);
            sizes[n] = store_col_int(st, 1);
            n++;
        }
    }
    store_release(c);
    if (rc < 0)
        return rc;
    for (int i = 0; i < n; i++) {
        char state[16];
        rc = scan_blob(f, ids[i], (uint64_t)sizes[i], state, err);
        if (rc != XN_OK)
            return rc; /* clamd away: the rest wait for the next call */
        (*scanned)++;
    }
    return XN_OK;
}
