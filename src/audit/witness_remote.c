/*
 * The remote witness: every checkpoint of the trail (epoch ends and retention purges) is also
 * sent to a syslog collector on another machine, so that cutting the end of the trail needs
 * the database, the witness file and that collector (AUD-2). A copy the attacker cannot reach
 * is what makes a lost witness file survivable.
 *
 * Delivery is pulled from the database, not pushed from the commit: audit_tick calls
 * audit_remote_flush, which reads the checkpoints after the collector's mark
 * (audit_witness_remote.last_checkpoint) and sends them in order. So nothing is sent from a
 * request thread, a checkpoint whose send failed is sent again on the next tick, and a restart
 * loses nothing. A collector may see a checkpoint twice (a UDP error noticed after the batch,
 * a TCP connection cut after the write); it is the same line both times.
 *
 * The message (RFC 5424): <110>1 TIME HOST xinan-audit PID checkpoint [checkpoint@32473 …]
 * followed by the witness file's line for the checkpoint, so a collector's log can serve as a
 * witness file. 32473 is the enterprise number RFC 5612 sets aside for documentation, used
 * until xinan registers its own. Over TCP each message is octet-counted (RFC 6587).
 */
#include "audit/audit_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH          64   /* checkpoints sent per flush */
#define CONNECT_MS     2000 /* TCP connect and send bound: the tick must go on */
#define UDP_SETTLE_MS  50   /* time for a refusal from the collector's host to arrive */
#define HOST_MAX       255
#define PRI_LOG_AUDIT  110 /* facility 13 (log audit) * 8 + severity 6 (informational) */
#define MAX_MESSAGE    2048
#define REMOTE_APPNAME "xinan-audit"

struct audit_remote {
    char target[96]; /* as configured: the key of its row in audit_witness_remote */
    bool tcp;
    char host[96];
    char port[8];
    char hostname[HOST_MAX + 1]; /* this machine, for the HOSTNAME field */
};

int audit_remote_open(audit_remote **out, const char *spec, xn_error *err)
{
    audit_remote *r = xn_xcalloc(1, sizeof *r);
    const char *addr = spec;
    if (strncmp(spec, "tcp://", 6) == 0) {
        r->tcp = true;
        addr += 6;
    } else if (strncmp(spec, "udp://", 6) == 0) {
        addr += 6;
    }
    const char *colon = strrchr(addr, ':');
    size_t host_len = colon ? (size_t)(colon - addr) : 0;
    const char *host = addr;
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    int64_t port = 0;
    if (xn_strlcpy(r->target, spec, sizeof r->target) != XN_OK || !colon || host_len == 0 ||
        host_len >= sizeof r->host || xn_parse_int64(colon + 1, 1, 65535, &port) != XN_OK) {
        free(r);
        return xn_fail_field(err, XN_EINVAL, "bad_config", "witness_syslog",
                             "audit.witness_syslog '%s' is not udp://host:port or tcp://host:port",
                             spec);
    }
    memcpy(r->host, host, host_len);
    r->host[host_len] = '\0';
    snprintf(r->port, sizeof r->port, "%lld", (long long)port);
    /* HOSTNAME is printable US-ASCII without spaces (RFC 5424 6.2.4); "-" otherwise. */
    if (gethostname(r->hostname, sizeof r->hostname) != 0)
        r->hostname[0] = '\0';
    r->hostname[HOST_MAX] = '\0';
    for (const char *p = r->hostname; *p; p++)
        if (*p < 33 || *p > 126)
            r->hostname[0] = '\0';
    if (!r->hostname[0])
        snprintf(r->hostname, sizeof r->hostname, "-");
    *out = r;
    return XN_OK;
}

void audit_remote_free(audit_remote *r)
{
    free(r);
}

/* ---- the messages -------------------------------------------------------------------------- */

/* One checkpoint as an RFC 5424 message (with its octet count over TCP) appended to out. */
static int put_message(const audit_remote *r, const audit_checkpoint *cp, int64_t now, xn_buf *out)
{
    char when[XN_TIME_STR], ended[XN_TIME_STR];
    char hash[2 * CRYPTO_HASH_BYTES + 1], seal[2 * CRYPTO_HASH_BYTES + 1];
    xn_time_format(now, when);
    xn_time_format(cp->ended_at, ended);
    xn_hex(cp->hash, CRYPTO_HASH_BYTES, hash);
    xn_hex(cp->seal, CRYPTO_HASH_BYTES, seal);
    xn_buf line;
    xn_buf_init(&line, MAX_MESSAGE);
    int rc = audit_checkpoint_json(cp, &line);
    if (rc == XN_OK && line.len > 0 && line.data[line.len - 1] == '\n')
        line.data[--line.len] = '\0';
    char msg[MAX_MESSAGE];
    int n = rc == XN_OK
                ? snprintf(msg, sizeof msg,
                           "<%d>1 %s %s " REMOTE_APPNAME " %ld checkpoint"
                           " [checkpoint@32473 kind=\"%s\" epoch=\"%lld\" seq=\"%lld\""
                           " first_seq=\"%lld\" hash=\"%s\" seal=\"%s\" alg=\"%s\""
                           " time=\"%s\"] %s",
                           PRI_LOG_AUDIT, when, r->hostname, (long)getpid(), cp->kind,
                           (long long)cp->epoch, (long long)cp->last_seq, (long long)cp->first_seq,
                           hash, seal, crypto_alg_id(cp->alg), ended, line.data)
                : -1;
    xn_buf_release(&line);
    if (n < 0 || (size_t)n >= sizeof msg)
        return XN_ETOOBIG;
    if (r->tcp && xn_buf_printf(out, "%d ", n) != XN_OK)
        return XN_ENOMEM;
    return xn_buf_append(out, msg, (size_t)n);
}

/* ---- the network --------------------------------------------------------------------------- */

static int open_socket(const audit_remote *r, char *why, size_t why_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = r->tcp ? SOCK_STREAM : SOCK_DGRAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(r->host, r->port, &hints, &res);
    if (gai != 0) {
        snprintf(why, why_size, "cannot resolve %s: %s", r->host, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(why, why_size, "socket: %s", strerror(errno));
        freeaddrinfo(res);
        return -1;
    }
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t len = sizeof soerr;
        rc = poll(&p, 1, CONNECT_MS);
        if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) {
            rc = 0;
        } else {
            errno = rc == 0 ? ETIMEDOUT : soerr ? soerr : errno;
            rc = -1;
        }
    }
    if (rc != 0) {
        snprintf(why, why_size, "cannot connect to %s:%s: %s", r->host, r->port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Writes all of data, waiting at most CONNECT_MS for room each time. */
static bool write_all(int fd, const char *data, size_t len, char *why, size_t why_size)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, CONNECT_MS) == 1)
                continue;
            errno = ETIMEDOUT;
        }
        snprintf(why, why_size, "send: %s", strerror(n < 0 ? errno : EIO));
        return false;
    }
    return true;
}

/* Sends the batch: one stream over TCP, one datagram per message over UDP. For UDP, offsets
 * marks where each datagram ends. */
static bool deliver(const audit_remote *r, const xn_buf *msgs, const size_t *ends, size_t n,
                    char *why, size_t why_size)
{
    int fd = open_socket(r, why, why_size);
    if (fd < 0)
        return false;
    bool ok = true;
    if (r->tcp) {
        ok = write_all(fd, msgs->data, msgs->len, why, why_size);
    } else {
        size_t start = 0;
        for (size_t i = 0; ok && i < n; i++) {
            ok = write_all(fd, msgs->data + start, ends[i] - start, why, why_size);
            start = ends[i];
        }
        /* A refusal (ICMP port unreachable) arrives after the send: wait a moment for it. */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (ok && poll(&p, 1, UDP_SETTLE_MS) >= 0 &&
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0) {
            snprintf(why, why_size, "%s:%s refused the datagrams: %s", r->host, r->port,
                     strerror(soerr));
            ok = false;
        }
    }
    if (ok && r->tcp)
        shutdown(fd, SHUT_WR);
    close(fd);
    return ok;
}

/* ---- the mark ------------------------------------------------------------------------------ */

typedef struct mark {
    int64_t last;          /* the last checkpoint delivered */
    int64_t failing_since; /* 0: no outage */
} mark;

static int read_mark(store_conn *c, const audit_remote *r, mark *m, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT last_checkpoint, coalesce(failing_since, 0)"
                           " FROM audit_witness_remote WHERE target = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, r->target, -1);
    *m = (mark){0};
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        m->last = store_col_int(st, 0);
        m->failing_since = store_col_int(st, 1);
        store_stmt_done(st);
        return XN_OK;
    }
    return rc;
}

typedef struct outcome_ctx {
    audit_trail *t;
    const audit_remote *r;
    bool delivered;
    int64_t upto; /* delivered: the new mark */
    int64_t pending;
    const char *why;
    bool reported; /* set by the transaction: an outage began or ended */
} outcome_ctx;

static int outcome_tx(store_conn *tx, void *p, xn_error *err)
{
    outcome_ctx *o = p;
    o->reported = false;
    mark m;
    int rc = read_mark(tx, o->r, &m, err);
    if (rc != XN_OK)
        return rc;
    if (!o->delivered && m.failing_since)
        return XN_OK; /* the same outage: already raised */
    int64_t now = audit_trail_now(o->t);
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO audit_witness_remote (target, last_checkpoint, failing_since)"
                       " VALUES ($1, $2, $3) ON CONFLICT (target) DO UPDATE SET"
                       " last_checkpoint = excluded.last_checkpoint,"
                       " failing_since = excluded.failing_since",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, o->r->target, -1);
    store_bind_int(st, 2, o->delivered ? o->upto : m.last);
    if (o->delivered)
        store_bind_null(st, 3);
    else
        store_bind_int(st, 3, now);
    if ((rc = store_step(st, err)) != STORE_DONE)
        return rc < 0 ? rc : XN_EINTERNAL;
    if (o->delivered && !m.failing_since)
        return XN_OK; /* routine delivery: bookkeeping only */

    xn_buf detail;
    xn_buf_init(&detail, 4096);
    xn_buf_puts(&detail, "{\"target\":");
    xn_json_put_string(&detail, o->r->target);
    if (o->delivered) {
        char since[XN_TIME_STR];
        xn_time_format(m.failing_since, since);
        xn_buf_printf(&detail, ",\"failing_since\":%lld,\"failing_since_text\":\"%s\"}",
                      (long long)m.failing_since, since);
    } else {
        xn_buf_puts(&detail, ",\"error\":");
        xn_json_put_string(&detail, o->why);
        xn_buf_printf(&detail, ",\"pending\":%lld,\"last_delivered\":%lld}", (long long)o->pending,
                      (long long)m.last);
    }
    audit_event ev = {.action =
                          o->delivered ? "audit.witness_restored" : "audit.witness_unreachable",
                      .actor = &audit_system_actor,
                      .object_type = "witness",
                      .object_id = o->r->target,
                      .result = o->delivered ? AUDIT_OK : AUDIT_ERROR,
                      .detail_json = detail.data};
    rc = audit_append(o->t, tx, &ev, err);
    if (rc == XN_OK && !o->delivered)
        rc = audit_alert_raise(o->t, tx, "audit.witness_unreachable", AUDIT_ALERT_WARNING,
                               "审计检查点无法送达远程见证服务器", detail.data, NULL, err);
    xn_buf_release(&detail);
    o->reported = rc == XN_OK;
    return rc;
}

/* ---- flushing ------------------------------------------------------------------------------ */

int audit_remote_flush(audit_remote *r, audit_trail *t, xn_error *err)
{
    store *db = audit_trail_store(t);
    store_conn *c = NULL;
    xn_buf msgs;
    xn_buf_init(&msgs, BATCH * (MAX_MESSAGE + 16));
    size_t ends[BATCH];
    size_t n = 0;
    int64_t upto = 0;
    mark m = {0};
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        goto out;
    rc = store_exec(c, "BEGIN", err);
    if (rc == XN_OK)
        rc = read_mark(c, r, &m, err);
    store_stmt *st = NULL;
    if (rc == XN_OK)
        rc = store_prepare(c,
                           "SELECT " AUDIT_CHECKPOINT_COLUMNS ", id FROM audit_checkpoint"
                           " WHERE id > $1 ORDER BY id LIMIT $2",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, m.last);
        store_bind_int(st, 2, BATCH);
        int64_t now = audit_trail_now(t);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            audit_checkpoint cp = {0};
            upto = store_col_int(st, 9);
            /* A damaged row is for the verifier to name; the collector gets the rest. */
            if (audit_checkpoint_read(st, &cp) != XN_OK || put_message(r, &cp, now, &msgs) != XN_OK)
                continue;
            ends[n++] = msgs.len;
        }
        rc = rc == STORE_DONE ? XN_OK : rc;
    }
    store_exec(c, "COMMIT", NULL);
    store_release(c);
    if (rc != XN_OK || upto == 0)
        goto out;

    char why[256] = "";
    outcome_ctx o = {.t = t, .r = r, .upto = upto, .why = why};
    o.delivered = n == 0 || deliver(r, &msgs, ends, n, why, sizeof why);
    if (!o.delivered) {
        /* how far behind the collector is, for the alert */
        int64_t behind = 0;
        xn_error ignored;
        if (store_acquire(db, &c, &ignored) == XN_OK) {
            store_stmt *q = NULL;
            if (store_prepare(c, "SELECT count(*) FROM audit_checkpoint WHERE id > $1", &q,
                              &ignored) == XN_OK) {
                store_bind_int(q, 1, m.last);
                if (store_step(q, &ignored) == STORE_ROW) {
                    behind = store_col_int(q, 0);
                    store_stmt_done(q);
                }
            }
            store_release(c);
        }
        o.pending = behind;
    }
    rc = store_tx(db, outcome_tx, &o, err);
    if (rc == XN_OK && !o.delivered && o.reported)
        rc = xn_fail(err, XN_EIO, "witness_unreachable",
                     "the remote audit witness %s cannot be reached: %s", r->target, why);
out:
    xn_buf_release(&msgs);
    return rc;
}
