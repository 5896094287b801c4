/* The monitor room's inside. */
#ifndef XINAN_MONITOR_INT_H
#define XINAN_MONITOR_INT_H

#include "monitor/monitor.h"

#include <curl/curl.h>
#include <pthread.h>

#define MONITOR_BATCH      256  /* sites fetched together and recorded in one transaction */
#define MONITOR_HOST_CONNS 4    /* requests at once to one host */
#define MONITOR_CONNS      32   /* requests at once in all */
#define MONITOR_ROUND_S    120  /* a round stops taking new batches after this long */
#define MONITOR_REREAD_S   3600 /* an unchanged page is read again after this long all the same */
#define MONITOR_DAY_US     (86400LL * 1000000)

struct monitor_ctx {
    monitor_options opt;
    char self_host[64];
    unsigned self_port;
    pthread_mutex_t lock; /* the rounds' connections: one round at a time */
    CURLM *multi;         /* kept from round to round (keep-alive); NULL until the first */
};

int64_t monitor_now(const monitor_ctx *m);
int monitor_record(monitor_ctx *m, store_conn *tx, const audit_actor *actor, const char *action,
                   int64_t id, json_t *detail, xn_error *err);
/* A people's diff of a served page against its approved rendering (diff.c): the differing
 * middle of each side as "- " and "+ " lines after a "@@" line, bounded; appended to out. */
void monitor_text_diff(const char *approved, size_t alen, const char *served, size_t slen,
                       xn_buf *out);
/* A site's noise patterns (newline-separated POSIX extended regular expressions): each must
 * compile, at most MONITOR_MAX_NOISE_PATTERNS; XN_EINVAL naming "noise". */
#define MONITOR_MAX_NOISE          2000 /* bytes */
#define MONITOR_MAX_NOISE_PATTERNS 20
#define MONITOR_MAX_TEXT_KEPT      (256u << 10) /* bytes of a page's text kept to compare */
int monitor_noise_check(const char *noise, xn_error *err);
/* The page's visible text (at most MONITOR_MAX_TEXT_KEPT bytes) with every match of the
 * patterns made "…"; malloc'd. */
char *monitor_noise_strip(const char *noise, const char *text, size_t len);
/* The incident an event opened. */
void monitor_event_link(monitor_ctx *m, int64_t event, int64_t incident);
/* Checks a site's URL (scheme, host, not this server) and gives its host. */
int monitor_url_check(const monitor_ctx *m, const char *url, char *host, size_t host_size,
                      xn_error *err);

#endif
