/* The monitor room's inside. */
#ifndef XINAN_MONITOR_INT_H
#define XINAN_MONITOR_INT_H

#include "monitor/monitor.h"

struct monitor_ctx {
    monitor_options opt;
    char self_host[64];
    unsigned self_port;
};

int64_t monitor_now(const monitor_ctx *m);
int monitor_record(monitor_ctx *m, store_conn *tx, const audit_actor *actor, const char *action,
                   int64_t id, json_t *detail, xn_error *err);
/* The incident an event opened. */
void monitor_event_link(monitor_ctx *m, int64_t event, int64_t incident);
/* Checks a site's URL (scheme, host, not this server) and gives its host. */
int monitor_url_check(const monitor_ctx *m, const char *url, char *host, size_t host_size,
                      xn_error *err);

#endif
