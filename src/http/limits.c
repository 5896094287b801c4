/*
 * What keeps one client from taking the server from everyone else, and tells who the client
 * is (AUD-1 "from where"):
 *
 * - the client's address: the TCP peer, or, when the peer is a trusted proxy
 *   (http.trusted_proxies), the right-most address of X-Forwarded-For that is not itself a
 *   trusted proxy (addresses further left are the client's own word and can be forged);
 * - connections: at most http.max_connections_per_ip from one address at a time (trusted
 *   proxies exempt: many people reach us through them), and a request head must arrive whole
 *   within http.header_timeout seconds of the connection (or of the previous response, then
 *   within the idle timeout if longer), however slowly its bytes trickle in. The library's own
 *   timeout is an idle timeout that each byte renews, so a watchdog thread shuts down the
 *   socket of a connection past its deadline; the library then closes it as a client that went
 *   away;
 * - failures on routes nobody is signed in to (a bad sign-in, a bad agent token): from one
 *   client address (an IPv6 client's /64) at most the sign-in rule's max_source_failures
 *   within its failure_window; past that the address gets 429 before any work is done.
 */
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* ---- the client's address ----------------------------------------------------------------- */

static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}; /* ::ffff:0:0/96 */

static bool trusted(const xn_config *cfg, const xn_ip *ip)
{
    for (int i = 0; i < cfg->ntrusted_proxies; i++)
        if (xn_cidr_contains(&cfg->trusted_proxies[i], ip))
            return true;
    return false;
}

bool http_ip_of_sockaddr(const struct sockaddr *sa, xn_ip *out)
{
    memset(out, 0, sizeof *out);
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        memcpy(out->b, mapped, sizeof mapped);
        memcpy(out->b + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        out->v4 = true;
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out->b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        out->v4 = memcmp(out->b, mapped, sizeof mapped) == 0; /* an IPv4 peer on a v6 socket */
        return true;
    }
    return false;
}

void http_client_address(const xn_config *cfg, const xn_ip *peer, const char *forwarded,
                         xn_ip *client)
{
    *client = *peer;
    if (!forwarded || !trusted(cfg, peer))
        return;
    /* right to left: each hop a trusted proxy appended; the first untrusted one is the client */
    size_t end = strlen(forwarded);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && forwarded[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && (forwarded[a] == ' ' || forwarded[a] == '\t'))
            a++;
        while (b > a && (forwarded[b - 1] == ' ' || forwarded[b - 1] == '\t'))
            b--;
        char item[XN_IP_STR + 1];
        xn_ip ip;
        if (b - a == 0 || b - a >= sizeof item)
            return; /* a malformed hop: what lies beyond it cannot be trusted */
        memcpy(item, forwarded + a, b - a);
        item[b - a] = '\0';
        if (!xn_ip_parse(item, &ip))
            return;
        *client = ip;
        if (!trusted(cfg, &ip))
            return;
        end = start > 0 ? start - 1 : 0;
    }
}

/* ---- connections -------------------------------------------------------------------------- */

typedef struct conn_slot {
    xn_ip key;                /* the peer's per-address key */
    int fd;                   /* the socket, shut down past the deadline */
    bool exempt;              /* a trusted proxy: no per-address cap */
    _Atomic int64_t deadline; /* monotonic µs by which a request head must be whole; 0: none */
    struct conn_slot *prev, *next;
} conn_slot;

typedef struct failure_row {
    xn_ip key;
    int64_t window_start; /* monotonic µs; 0: free */
    int64_t count;
} failure_row;

#define FAILURE_ROWS  8192 /* client addresses remembered; the stalest gives way */
#define FAILURE_PROBE 16

struct http_limits {
    const xn_config *cfg;
    int max_failures;
    int64_t failure_window_us;
    pthread_mutex_t lock; /* the connection list and the failure rows */
    conn_slot *conns;
    int nconns;
    failure_row *failures;
    pthread_t watchdog;
    pthread_cond_t wake;
    bool stopping;
    bool started;
    _Atomic uint64_t refused_connections;
    _Atomic uint64_t head_timeouts;
    _Atomic uint64_t refused_failures;
};

static int count_from(const http_limits *l, const xn_ip *key)
{
    int n = 0;
    for (const conn_slot *c = l->conns; c; c = c->next)
        if (memcmp(c->key.b, key->b, sizeof key->b) == 0)
            n++;
    return n;
}

bool http_limits_accept(http_limits *l, const struct sockaddr *addr)
{
    xn_ip ip, key;
    if (!http_ip_of_sockaddr(addr, &ip) || trusted(l->cfg, &ip))
        return true;
    xn_ip_client_key(&ip, &key);
    pthread_mutex_lock(&l->lock);
    bool ok = count_from(l, &key) < l->cfg->max_connections_per_ip;
    pthread_mutex_unlock(&l->lock);
    if (!ok)
        atomic_fetch_add_explicit(&l->refused_connections, 1, memory_order_relaxed);
    return ok;
}

void *http_limits_conn_started(http_limits *l, const struct sockaddr *addr, int fd)
{
    conn_slot *c = xn_xcalloc(1, sizeof *c);
    xn_ip ip;
    if (http_ip_of_sockaddr(addr, &ip)) {
        c->exempt = trusted(l->cfg, &ip);
        xn_ip_client_key(&ip, &c->key);
    }
    c->fd = fd;
    atomic_store(&c->deadline, xn_monotonic_us() + l->cfg->header_timeout * 1000000);
    pthread_mutex_lock(&l->lock);
    c->next = l->conns;
    if (l->conns)
        l->conns->prev = c;
    l->conns = c;
    l->nconns++;
    pthread_mutex_unlock(&l->lock);
    return c;
}

void http_limits_conn_closed(http_limits *l, void *slot)
{
    conn_slot *c = slot;
    if (!c)
        return;
    pthread_mutex_lock(&l->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    l->nconns--;
    pthread_mutex_unlock(&l->lock);
    free(c);
}

void http_limits_head_done(void *slot)
{
    if (slot)
        atomic_store_explicit(&((conn_slot *)slot)->deadline, 0, memory_order_relaxed);
}

void http_limits_request_done(http_limits *l, void *slot)
{
    if (!slot)
        return;
    int64_t wait = l->cfg->header_timeout > l->cfg->idle_timeout ? l->cfg->header_timeout
                                                                 : l->cfg->idle_timeout;
    atomic_store_explicit(&((conn_slot *)slot)->deadline, xn_monotonic_us() + wait * 1000000,
                          memory_order_relaxed);
}

/* Shuts down the sockets past their deadline. The list lock is held, and the library closes a
 * socket only after telling us (http_limits_conn_closed takes the lock), so every fd here is
 * still the connection's own. */
static void sweep(http_limits *l)
{
    int64_t now = xn_monotonic_us();
    pthread_mutex_lock(&l->lock);
    for (conn_slot *c = l->conns; c; c = c->next) {
        int64_t d = atomic_load_explicit(&c->deadline, memory_order_relaxed);
        if (d && now > d) {
            atomic_store_explicit(&c->deadline, 0, memory_order_relaxed);
            shutdown(c->fd, SHUT_RDWR);
            atomic_fetch_add_explicit(&l->head_timeouts, 1, memory_order_relaxed);
        }
    }
    pthread_mutex_unlock(&l->lock);
}

static void *watchdog_main(void *arg)
{
    http_limits *l = arg;
    pthread_mutex_lock(&l->lock);
    while (!l->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&l->wake, &l->lock, &ts);
        if (l->stopping)
            break;
        pthread_mutex_unlock(&l->lock);
        sweep(l);
        pthread_mutex_lock(&l->lock);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

int http_limits_new(const xn_config *cfg, const auth_settings *auth, http_limits **out,
                    xn_error *err)
{
    http_limits *l = xn_xcalloc(1, sizeof *l);
    l->cfg = cfg;
    l->max_failures = auth->max_source_failures;
    l->failure_window_us = auth->failure_window;
    l->failures = xn_xcalloc(FAILURE_ROWS, sizeof *l->failures);
    pthread_mutex_init(&l->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&l->watchdog, NULL, watchdog_main, l) != 0) {
        http_limits_free(l);
        return xn_fail(err, XN_EIO, "thread", "cannot start the connection watchdog");
    }
    l->started = true;
    *out = l;
    return XN_OK;
}

void http_limits_free(http_limits *l)
{
    if (!l)
        return;
    if (l->started) {
        pthread_mutex_lock(&l->lock);
        l->stopping = true;
        pthread_cond_signal(&l->wake);
        pthread_mutex_unlock(&l->lock);
        pthread_join(l->watchdog, NULL);
    }
    while (l->conns) {
        conn_slot *c = l->conns;
        l->conns = c->next;
        free(c);
    }
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->lock);
    free(l->failures);
    free(l);
}

/* ---- failures of unauthenticated callers -------------------------------------------------- */

static uint32_t key_hash(const xn_ip *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < sizeof key->b; i++)
        h = (h ^ key->b[i]) * 16777619u;
    return h;
}

/* The row of key, or a free or expired one to take, or the stalest of the probe sequence. */
static failure_row *failure_find(http_limits *l, const xn_ip *key, int64_t now, bool create)
{
    uint32_t h = key_hash(key);
    failure_row *take = NULL;
    bool take_live = true;
    for (int i = 0; i < FAILURE_PROBE; i++) {
        failure_row *r = &l->failures[(h + (uint32_t)i) & (FAILURE_ROWS - 1)];
        bool live = r->window_start && now - r->window_start < l->failure_window_us;
        if (live && memcmp(r->key.b, key->b, sizeof key->b) == 0)
            return r;
        /* a free or expired row first, else the one whose window began longest ago */
        if (!take || (take_live && (!live || r->window_start < take->window_start))) {
            take = r;
            take_live = live;
        }
    }
    if (!create)
        return NULL;
    take->key = *key;
    take->window_start = now;
    take->count = 0;
    return take;
}

bool http_limits_refused(http_limits *l, const xn_ip *client)
{
    xn_ip key;
    xn_ip_client_key(client, &key);
    int64_t now = xn_monotonic_us();
    pthread_mutex_lock(&l->lock);
    failure_row *r = failure_find(l, &key, now, false);
    bool refused = r && r->count >= l->max_failures;
    pthread_mutex_unlock(&l->lock);
    if (refused)
        atomic_fetch_add_explicit(&l->refused_failures, 1, memory_order_relaxed);
    return refused;
}

void http_limits_failed(http_limits *l, const xn_ip *client)
{
    xn_ip key;
    xn_ip_client_key(client, &key);
    int64_t now = xn_monotonic_us();
    pthread_mutex_lock(&l->lock);
    failure_row *r = failure_find(l, &key, now, true);
    r->count++;
    pthread_mutex_unlock(&l->lock);
}

void http_limits_stats(const http_limits *l, uint64_t *refused_connections, uint64_t *head_timeouts,
                       uint64_t *refused_failures, int *open)
{
    *refused_connections = atomic_load(&l->refused_connections);
    *head_timeouts = atomic_load(&l->head_timeouts);
    *refused_failures = atomic_load(&l->refused_failures);
    pthread_mutex_lock((pthread_mutex_t *)&l->lock);
    *open = l->nconns;
    pthread_mutex_unlock((pthread_mutex_t *)&l->lock);
}
