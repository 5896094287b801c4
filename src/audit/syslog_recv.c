/*
 * The syslog receiver (AUD-5): a UDP thread, a TCP thread (epoll over the listening socket and
 * up to syslog.max_connections senders) and one writer thread, joined by a bounded queue.
 *
 * Receiving threads copy and parse: each message becomes one heap item (raw bytes and the
 * parsed fields pointing into them) pushed on the queue with its source and receive time. The
 * writer, the one thread that cannot be spread, only stores: it takes everything queued (up to
 * BATCH_MAX) and writes it in one transaction, so a busier receiver makes larger batches and
 * fewer commits. When the queue is full, a datagram is dropped at once (UDP has no
 * way to slow a sender), while the TCP thread stops reading for up to TCP_WAIT_MS so the
 * senders' own buffers absorb the burst; only then is the message dropped. Every drop is
 * counted, including the kernel's own on the UDP socket (SO_RXQ_OVFL).
 *
 * Stopping: listeners are told through an eventfd. The UDP thread reads the datagrams already
 * queued on its socket; the TCP thread takes pending connections and reads until its senders
 * have been silent for STOP_QUIET_MS (at most STOP_DRAIN_US, so a sender that never pauses
 * cannot hold the stop). The writer exits once the queue is empty. It also runs retention
 * (AUD-3) at start and every hour.
 */
#include "audit/syslog_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX       4096
#define TCP_WAIT_MS     2000
#define STORE_ATTEMPTS  10 /* a batch the database keeps refusing is dropped after these */
#define UDP_RCVBUF      (8 * 1024 * 1024)
#define EPOLL_EVENTS    64
#define TAG_LISTEN      UINT64_MAX
#define TAG_STOP        (UINT64_MAX - 1)
#define ADDR_SIZE       INET6_ADDRSTRLEN
#define SWEEP_EVERY_US  1000000
#define WRITER_WAKE_MS  1000
#define LISTEN_BACKLOG  1024
#define ADDR_TEXT_SIZE  96
#define PORT_TEXT_SIZE  8
#define COUNT_TEXT_SIZE 24
#define DRAIN_PER_WAKE  1024 /* datagrams read before looking at the stop signal again */
#define DRAIN_AT_STOP   4096 /* datagrams read at stop */
#define STOP_QUIET_MS   50   /* at stop: TCP senders are done when silent this long */
#define STOP_DRAIN_US   (2 * 1000000LL)

enum { PROTO_UDP, PROTO_TCP };
static const char *const proto_names[] = {"udp", "tcp"};

/* One received message waiting for the writer. */
typedef struct item {
    int64_t recv_us;
    uint16_t port;
    uint8_t proto;
    bool truncated;
    size_t len;
    char addr[ADDR_SIZE];
    syslog_msg msg;      /* parsed on receipt, spans into raw */
    unsigned char raw[]; /* len bytes */
} item;

/* One TCP sender; fd < 0 marks a free slot. */
typedef struct conn {
    int fd;
    char addr[ADDR_SIZE];
    uint16_t port;
    int64_t last_us; /* monotonic time of the last byte */
    syslog_framer framer;
    audit_syslog *r;
} conn;

struct audit_syslog {
    const xn_config *cfg;
    store *db;
    xn_log *log;
    int udp_fd, tcp_fd, stop_fd;
    uint16_t udp_port, tcp_port;
    pthread_t udp_thread, tcp_thread, writer_thread;
    bool udp_running, tcp_running, writer_running;

    /* The queue: a ring of items, bounded in count (cap) and bytes. */
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full; /* on CLOCK_MONOTONIC */
    item **ring;
    size_t cap, head, count, bytes;
    bool writer_stop;

    /* Owned by the TCP thread. */
    conn *conns;
    size_t max_conns;
    uint64_t refused; /* connections refused for lack of a slot, not yet logged */

    /* Owned by the UDP thread: the kernel's drop counter as last seen. */
    uint32_t udp_overflow;

    /* Counters, per protocol; read by metrics without the lock. */
    _Atomic uint64_t received[2], stored[2], dropped[2], parse_errors[2], truncated[2];
    _Atomic uint64_t queued, connections;
};

static void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* ---- the queue ----------------------------------------------------------------------------- */

static bool queue_full(const audit_syslog *r, size_t size)
{
    /* One message always fits an empty queue, whatever its size. */
    return r->count == r->cap || (r->count > 0 && r->bytes + size > AUDIT_SYSLOG_QUEUE_BYTES);
}

static void deadline_after(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Takes ownership of it. wait: block up to TCP_WAIT_MS for room before dropping. */
static void enqueue(audit_syslog *r, item *it, bool wait)
{
    size_t size = sizeof *it + it->len;
    pthread_mutex_lock(&r->lock);
    if (wait && queue_full(r, size)) {
        struct timespec deadline;
        deadline_after(&deadline, TCP_WAIT_MS);
        while (queue_full(r, size))
            if (pthread_cond_timedwait(&r->not_full, &r->lock, &deadline) == ETIMEDOUT)
                break;
    }
    if (queue_full(r, size)) {
        pthread_mutex_unlock(&r->lock);
        count(&r->dropped[it->proto], 1);
        free(it);
        return;
    }
    r->ring[(r->head + r->count) % r->cap] = it;
    r->count++;
    r->bytes += size;
    atomic_store_explicit(&r->queued, r->count, memory_order_relaxed);
    if (r->count == 1)
        pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->lock);
}

/* The sender's numeric address and port; IPv4-mapped IPv6 is written as IPv4 so a sender has
 * one name whichever socket family received it. */
static void peer_name(const struct sockaddr_storage *ss, char addr[ADDR_SIZE], uint16_t *port)
{
    addr[0] = '\0';
    *port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, addr, ADDR_SIZE);
        *port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
            inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], addr, ADDR_SIZE);
        else
            inet_ntop(AF_INET6, &a->sin6_addr, addr, ADDR_SIZE);
        *port = ntohs(a->sin6_port);
    }
    if (!addr[0])
        snprintf(addr, ADDR_SIZE, "unknown");
}

static item *new_item(const unsigned char *data, size_t len, const char *addr, uint16_t port,
                      int proto, bool truncated)
{
    item *it = xn_xmalloc(sizeof *it + len);
    it->recv_us = xn_now_us();
    it->proto = (uint8_t)proto;
    it->truncated = truncated;
    it->len = len;
    if (len)
        memcpy(it->raw, data, len);
    memcpy(it->addr, addr, ADDR_SIZE);
    it->port = port;
    /* Parsed here, by the receiving thread, so the writer only stores. */
    syslog_parse(it->raw, len, it->recv_us, &it->msg);
    return it;
}

/* ---- the writer ---------------------------------------------------------------------------- */

static void log_count(audit_syslog *r, xn_log_level level, const char *event, const char *key,
                      uint64_t n, const char *key2, const char *value2)
{
    char text[COUNT_TEXT_SIZE];
    snprintf(text, sizeof text, "%llu", (unsigned long long)n);
    xn_log_event(r->log, level, event, key, text, key2, value2, XN_LOG_END);
}

/* Stores one batch; retries while the database refuses, then drops it (counted). */
static void store_batch(audit_syslog *r, logstore_writer *w, item **batch, logstore_rec *recs,
                        size_t n, bool stopping)
{
    for (size_t i = 0; i < n; i++) {
        item *it = batch[i];
        recs[i] = (logstore_rec){.raw = it->raw,
                                 .len = it->len,
                                 .recv_us = it->recv_us,
                                 .addr = it->addr,
                                 .port = it->port,
                                 .proto = proto_names[it->proto],
                                 .truncated = it->truncated,
                                 .msg = it->msg};
    }
    xn_error err;
    int rc = XN_EIO;
    /* At shutdown a failing database gets two tries, so the stop does not hang on it. */
    int attempts = stopping ? 2 : STORE_ATTEMPTS;
    for (int attempt = 1; attempt <= attempts; attempt++) {
        rc = logstore_insert(r->db, w, recs, n, &err);
        if (rc == XN_OK)
            break;
        xn_log_event(r->log, XN_LOG_ERROR, "syslog.store_failed", "code", err.code, "message",
                     err.message, XN_LOG_END);
        if (attempt < attempts) {
            struct timespec pause = {1, 0};
            nanosleep(&pause, NULL);
        }
    }
    for (size_t i = 0; i < n; i++) {
        int p = batch[i]->proto;
        if (rc != XN_OK) {
            count(&r->dropped[p], 1);
            continue;
        }
        count(&r->stored[p], 1);
        if (recs[i].msg.parse_error)
            count(&r->parse_errors[p], 1);
    }
    if (rc != XN_OK)
        log_count(r, XN_LOG_ERROR, "syslog.batch_dropped", "messages", n, "reason",
                  "the database refused the batch");
    for (int i = 0; rc == XN_OK && i < w->nnew; i++)
        xn_log_event(r->log, XN_LOG_WARN, "syslog.unknown_source", "address", w->new_sources[i],
                     XN_LOG_END);
}

static void *writer_main(void *p)
{
    audit_syslog *r = p;
    item **batch = xn_xmalloc(BATCH_MAX * sizeof *batch);
    logstore_rec *recs = xn_xmalloc(BATCH_MAX * sizeof *recs);
    logstore_writer w;
    logstore_writer_init(&w);
    for (;;) {
        pthread_mutex_lock(&r->lock);
        if (r->count == 0 && !r->writer_stop) {
            struct timespec deadline;
            deadline_after(&deadline, WRITER_WAKE_MS);
            pthread_cond_timedwait(&r->not_empty, &r->lock, &deadline);
        }
        size_t n = 0;
        while (n < BATCH_MAX && r->count > 0) {
            item *it = r->ring[r->head];
            r->ring[r->head] = NULL;
            r->head = (r->head + 1) % r->cap;
            r->count--;
            r->bytes -= sizeof *it + it->len;
            batch[n++] = it;
        }
        bool stopping = r->writer_stop;
        bool done = stopping && r->count == 0;
        atomic_store_explicit(&r->queued, r->count, memory_order_relaxed);
        if (n)
            pthread_cond_broadcast(&r->not_full);
        pthread_mutex_unlock(&r->lock);

        if (n)
            store_batch(r, &w, batch, recs, n, stopping);
        for (size_t i = 0; i < n; i++)
            free(batch[i]);
        if (done)
            break;
    }
    logstore_writer_release(&w);
    free(recs);
    free(batch);
    return NULL;
}

/* ---- UDP ----------------------------------------------------------------------------------- */

/* Reads the datagrams waiting on the socket, at most limit of them, so that a flood that never
 * lets the socket run dry cannot keep the thread from seeing the stop. */
static void udp_drain(audit_syslog *r, unsigned char *buf, int limit)
{
    for (int i = 0; i < limit; i++) {
        struct sockaddr_storage ss = {0};
        union {
            char buf[CMSG_SPACE(sizeof(uint32_t))];
            struct cmsghdr align;
        } control;
        struct iovec iov = {buf, AUDIT_SYSLOG_MAX_MSG};
        struct msghdr mh = {.msg_name = &ss,
                            .msg_namelen = sizeof ss,
                            .msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = control.buf,
                            .msg_controllen = sizeof control.buf};
        ssize_t n = recvmsg(r->udp_fd, &mh, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; /* EAGAIN: nothing left; anything else is the next poll's concern */
        }
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
                uint32_t total;
                memcpy(&total, CMSG_DATA(cm), sizeof total);
                count(&r->dropped[PROTO_UDP], (uint32_t)(total - r->udp_overflow));
                r->udp_overflow = total;
            }
        }
        bool truncated = (mh.msg_flags & MSG_TRUNC) != 0;
        count(&r->received[PROTO_UDP], 1);
        if (truncated)
            count(&r->truncated[PROTO_UDP], 1);
        char addr[ADDR_SIZE];
        uint16_t port = 0;
        peer_name(&ss, addr, &port);
        enqueue(r, new_item(buf, (size_t)n, addr, port, PROTO_UDP, truncated), false);
    }
}

static void *udp_main(void *p)
{
    audit_syslog *r = p;
    unsigned char *buf = xn_xmalloc(AUDIT_SYSLOG_MAX_MSG);
    struct pollfd fds[2] = {{.fd = r->udp_fd, .events = POLLIN},
                            {.fd = r->stop_fd, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        bool stopping = fds[1].revents != 0;
        udp_drain(r, buf, stopping ? DRAIN_AT_STOP : DRAIN_PER_WAKE);
        if (stopping)
            break;
    }
    free(buf);
    return NULL;
}

/* ---- TCP ----------------------------------------------------------------------------------- */

static void on_frame(void *ctx, const unsigned char *msg, size_t len, bool truncated)
{
    conn *c = ctx;
    audit_syslog *r = c->r;
    count(&r->received[PROTO_TCP], 1);
    if (truncated)
        count(&r->truncated[PROTO_TCP], 1);
    enqueue(r, new_item(msg, len, c->addr, c->port, PROTO_TCP, truncated), true);
}

/* Delivers what the framer holds (a last line without LF) and closes. */
static void conn_close(audit_syslog *r, conn *c)
{
    syslog_framer_finish(&c->framer, on_frame, c);
    syslog_framer_release(&c->framer);
    /* Counted down before the close, so a sender that sees the close sees the count too. */
    atomic_fetch_sub_explicit(&r->connections, 1, memory_order_relaxed);
    close(c->fd);
    c->fd = -1;
}

/* One read (level-triggered epoll brings us back for more, so senders take turns). Returns
 * false when the connection was closed. */
static bool conn_read(audit_syslog *r, conn *c, unsigned char *buf)
{
    ssize_t n = read(c->fd, buf, AUDIT_SYSLOG_MAX_MSG);
    if (n > 0) {
        c->last_us = xn_monotonic_us();
        syslog_framer_feed(&c->framer, buf, (size_t)n, on_frame, c);
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return true;
    conn_close(r, c);
    return false;
}

static void accept_all(audit_syslog *r, int epfd)
{
    for (;;) {
        struct sockaddr_storage ss = {0};
        socklen_t sl = sizeof ss;
        int fd = accept4(r->tcp_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* EAGAIN, or out of descriptors: retried on the next event */
        }
        size_t slot = 0;
        while (slot < r->max_conns && r->conns[slot].fd >= 0)
            slot++;
        if (slot == r->max_conns) {
            close(fd);
            r->refused++;
            continue;
        }
        conn *c = &r->conns[slot];
        peer_name(&ss, c->addr, &c->port);
        c->fd = fd;
        c->r = r;
        c->last_us = xn_monotonic_us();
        syslog_framer_init(&c->framer, AUDIT_SYSLOG_MAX_MSG);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = slot};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            syslog_framer_release(&c->framer);
            close(fd);
            c->fd = -1;
            continue;
        }
        atomic_fetch_add_explicit(&r->connections, 1, memory_order_relaxed);
    }
}

/* Closes senders silent for longer than syslog.idle_timeout; logs refused connections. */
static void sweep(audit_syslog *r)
{
    int64_t limit = xn_monotonic_us() - r->cfg->syslog_idle_timeout * 1000000;
    for (size_t i = 0; i < r->max_conns; i++) {
        conn *c = &r->conns[i];
        if (c->fd >= 0 && c->last_us < limit) {
            xn_log_event(r->log, XN_LOG_DEBUG, "syslog.tcp_idle", "address", c->addr, XN_LOG_END);
            conn_close(r, c);
        }
    }
    if (r->refused) {
        log_count(r, XN_LOG_WARN, "syslog.tcp_refused", "connections", r->refused, "reason",
                  "syslog.max_connections reached");
        r->refused = 0;
    }
}

static void *tcp_main(void *p)
{
    audit_syslog *r = p;
    unsigned char *buf = xn_xmalloc(AUDIT_SYSLOG_MAX_MSG);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.u64 = TAG_LISTEN};
    struct epoll_event sev = {.events = EPOLLIN, .data.u64 = TAG_STOP};
    if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, r->tcp_fd, &lev) != 0 ||
        epoll_ctl(epfd, EPOLL_CTL_ADD, r->stop_fd, &sev) != 0) {
        xn_log_event(r->log, XN_LOG_ERROR, "syslog.tcp_failed", "message", strerror(errno),
                     XN_LOG_END);
        if (epfd >= 0)
            close(epfd);
        free(buf);
        return NULL;
    }
    int64_t next_sweep = xn_monotonic_us() + SWEEP_EVERY_US;
    bool stopping = false;
    while (!stopping) {
        struct epoll_event ev[EPOLL_EVENTS];
        int n = epoll_wait(epfd, ev, EPOLL_EVENTS, WRITER_WAKE_MS);
        for (int i = 0; i < n; i++) {
            if (ev[i].data.u64 == TAG_LISTEN)
                accept_all(r, epfd);
            else if (ev[i].data.u64 == TAG_STOP)
                stopping = true;
            else if (r->conns[ev[i].data.u64].fd >= 0)
                conn_read(r, &r->conns[ev[i].data.u64], buf);
        }
        if (xn_monotonic_us() >= next_sweep) {
            sweep(r);
            next_sweep = xn_monotonic_us() + SWEEP_EVERY_US;
        }
    }
    /* What senders finished sending before the stop is stored: take pending connections, then
     * read every connection until none has had data for STOP_QUIET_MS (bytes still in a
     * sender's own queue arrive as we read), or STOP_DRAIN_US passed (a sender that never
     * pauses must not hold the stop). Lines without their LF are delivered at the close. */
    accept_all(r, epfd);
    epoll_ctl(epfd, EPOLL_CTL_DEL, r->stop_fd, NULL);
    epoll_ctl(epfd, EPOLL_CTL_DEL, r->tcp_fd, NULL);
    int64_t deadline = xn_monotonic_us() + STOP_DRAIN_US;
    while (xn_monotonic_us() < deadline) {
        struct epoll_event ev[EPOLL_EVENTS];
        int n = epoll_wait(epfd, ev, EPOLL_EVENTS, STOP_QUIET_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++)
            if (r->conns[ev[i].data.u64].fd >= 0)
                conn_read(r, &r->conns[ev[i].data.u64], buf);
    }
    for (size_t i = 0; i < r->max_conns; i++)
        if (r->conns[i].fd >= 0)
            conn_close(r, &r->conns[i]);
    close(epfd);
    free(buf);
    return NULL;
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

/* Binds "host:port" ("[v6]:port" too) for type SOCK_DGRAM or SOCK_STREAM. */
static int bind_socket(audit_syslog *r, const char *addr, int proto, int *fd_out,
                       uint16_t *port_out, xn_error *err)
{
    const char *name = proto_names[proto];
    char host[ADDR_TEXT_SIZE];
    snprintf(host, sizeof host, "%s", addr);
    char *colon = strrchr(host, ':');
    if (!colon)
        return xn_fail(err, XN_EINVAL, "syslog_listen", "syslog %s: '%s' is not host:port", name,
                       addr);
    *colon = '\0';
    const char *port = colon + 1;
    char *h = host;
    size_t hl = strlen(h);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    int type = proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = type, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(h, port, &hints, &res);
    if (gai != 0)
        return xn_fail(err, XN_EINVAL, "syslog_listen", "cannot listen for syslog on %s %s: %s",
                       name, addr, gai_strerror(gai));
    int fd = socket(res->ai_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1, rcvbuf = UDP_RCVBUF;
    bool ok = fd >= 0;
    if (ok && proto == PROTO_TCP)
        ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0;
    if (ok && proto == PROTO_UDP) {
        /* Best effort: the kernel caps the size at net.core.rmem_max. */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    }
    ok = ok && bind(fd, res->ai_addr, res->ai_addrlen) == 0;
    if (ok && proto == PROTO_TCP)
        ok = listen(fd, LISTEN_BACKLOG) == 0;
    freeaddrinfo(res);
    if (!ok) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return xn_fail(err, XN_EIO, "syslog_listen", "cannot listen for syslog on %s %s: %s%s",
                       name, addr, strerror(e),
                       e == EADDRINUSE ? " (is another syslog daemon using this port?)" : "");
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    *fd_out = fd;
    char port_text[PORT_TEXT_SIZE];
    snprintf(port_text, sizeof port_text, "%u", *port_out);
    xn_log_event(r->log, XN_LOG_INFO, "syslog.listening", "proto", name, "host", h, "port",
                 port_text, XN_LOG_END);
    return XN_OK;
}

static bool start_thread(pthread_t *t, void *(*fn)(void *), audit_syslog *r, xn_error *err)
{
    int e = pthread_create(t, NULL, fn, r);
    if (e != 0)
        xn_fail(err, XN_EIO, "syslog_thread", "cannot start a syslog thread: %s", strerror(e));
    return e == 0;
}

int audit_syslog_start(audit_syslog **out, const xn_config *cfg, store *db, xn_log *log,
                       xn_error *err)
{
    *out = NULL;
    if (!cfg->syslog_udp[0] && !cfg->syslog_tcp[0])
        return XN_OK;
    audit_syslog *r = xn_xcalloc(1, sizeof *r);
    r->cfg = cfg;
    r->db = db;
    r->log = log;
    r->udp_fd = r->tcp_fd = r->stop_fd = -1;
    r->cap = (size_t)cfg->syslog_queue;
    r->ring = xn_xcalloc(r->cap, sizeof *r->ring);
    r->max_conns = (size_t)cfg->syslog_max_conns;
    r->conns = xn_xcalloc(r->max_conns, sizeof *r->conns);
    for (size_t i = 0; i < r->max_conns; i++)
        r->conns[i].fd = -1;
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->not_empty, &ca);
    pthread_cond_init(&r->not_full, &ca);
    pthread_condattr_destroy(&ca);

    int rc = XN_OK;
    if (cfg->syslog_udp[0])
        rc = bind_socket(r, cfg->syslog_udp, PROTO_UDP, &r->udp_fd, &r->udp_port, err);
    if (rc == XN_OK && cfg->syslog_tcp[0])
        rc = bind_socket(r, cfg->syslog_tcp, PROTO_TCP, &r->tcp_fd, &r->tcp_port, err);
    if (rc == XN_OK) {
        r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (r->stop_fd < 0)
            rc = xn_fail(err, XN_EIO, "syslog_thread", "eventfd: %s", strerror(errno));
    }
    if (rc == XN_OK && !(r->writer_running = start_thread(&r->writer_thread, writer_main, r, err)))
        rc = XN_EIO;
    if (rc == XN_OK && r->udp_fd >= 0 &&
        !(r->udp_running = start_thread(&r->udp_thread, udp_main, r, err)))
        rc = XN_EIO;
    if (rc == XN_OK && r->tcp_fd >= 0 &&
        !(r->tcp_running = start_thread(&r->tcp_thread, tcp_main, r, err)))
        rc = XN_EIO;
    if (rc) {
        audit_syslog_stop(r);
        return rc;
    }
    *out = r;
    return XN_OK;
}

uint16_t audit_syslog_port(const audit_syslog *r, bool tcp)
{
    if (!r)
        return 0;
    return tcp ? r->tcp_port : r->udp_port;
}

void audit_syslog_stop(audit_syslog *r)
{
    if (!r)
        return;
    if (r->stop_fd >= 0) {
        uint64_t one = 1;
        if (write(r->stop_fd, &one, sizeof one) != sizeof one)
            xn_log_event(r->log, XN_LOG_ERROR, "syslog.stop_failed", "message", strerror(errno),
                         XN_LOG_END);
    }
    if (r->udp_running)
        pthread_join(r->udp_thread, NULL);
    if (r->tcp_running)
        pthread_join(r->tcp_thread, NULL);
    pthread_mutex_lock(&r->lock);
    r->writer_stop = true;
    pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->lock);
    if (r->writer_running)
        pthread_join(r->writer_thread, NULL);
    for (size_t i = 0; i < r->count; i++) /* only when the writer never ran */
        free(r->ring[(r->head + i) % r->cap]);
    if (r->writer_running) {
        audit_syslog_stats st;
        audit_syslog_get_stats(r, &st);
        char stored[COUNT_TEXT_SIZE], dropped[COUNT_TEXT_SIZE];
        snprintf(stored, sizeof stored, "%llu",
                 (unsigned long long)(st.udp.stored + st.tcp.stored));
        snprintf(dropped, sizeof dropped, "%llu",
                 (unsigned long long)(st.udp.dropped + st.tcp.dropped));
        xn_log_event(r->log, XN_LOG_INFO, "syslog.stopped", "stored", stored, "dropped", dropped,
                     XN_LOG_END);
    }
    if (r->udp_fd >= 0)
        close(r->udp_fd);
    if (r->tcp_fd >= 0)
        close(r->tcp_fd);
    if (r->stop_fd >= 0)
        close(r->stop_fd);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->not_empty);
    pthread_cond_destroy(&r->not_full);
    free(r->conns);
    free(r->ring);
    free(r);
}

static void load_counts(const audit_syslog *r, int p, audit_syslog_counts *c)
{
    c->received = atomic_load_explicit(&r->received[p], memory_order_relaxed);
    c->stored = atomic_load_explicit(&r->stored[p], memory_order_relaxed);
    c->dropped = atomic_load_explicit(&r->dropped[p], memory_order_relaxed);
    c->parse_errors = atomic_load_explicit(&r->parse_errors[p], memory_order_relaxed);
    c->truncated = atomic_load_explicit(&r->truncated[p], memory_order_relaxed);
}

void audit_syslog_get_stats(const audit_syslog *r, audit_syslog_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!r)
        return;
    load_counts(r, PROTO_UDP, &out->udp);
    load_counts(r, PROTO_TCP, &out->tcp);
    out->queued = atomic_load_explicit(&r->queued, memory_order_relaxed);
    out->connections = atomic_load_explicit(&r->connections, memory_order_relaxed);
}
