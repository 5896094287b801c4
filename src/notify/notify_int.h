/* Internal to the notify room. */
#ifndef XINAN_NOTIFY_INT_H
#define XINAN_NOTIFY_INT_H

#include "notify/notify.h"

struct notify_ctx {
    notify_options opt;
    char self_host[64];
    unsigned self_port;
};

const notify_event_kind *notify_find_kind(const notify_ctx *n, const char *name);
int notify_step_done(store_stmt *st, xn_error *err);
/* Records a change of this room in the trail, inside tx. detail may be NULL. */
int notify_audit(notify_ctx *n, store_conn *tx, const audit_actor *actor, const char *action,
                 const char *object_type, int64_t object_id, const json_t *detail, xn_error *err);
/* Writes a message with deliveries to the given channels (0 for none), gives in-app
 * recipients their notification, schedules the channels' delivery jobs. */
int notify_write(notify_ctx *n, store_conn *tx, const notify_event_kind *k, int64_t group_id,
                 const char *object_type, const char *object_id, const char *body,
                 const int64_t *channels, size_t nchannels, int64_t *message_id, xn_error *err);

/* Renders kind k's template as stored (templates.c), or its default, with vars into out. */
int notify_render_kind(notify_ctx *n, store_conn *tx, const notify_event_kind *k,
                       const json_t *vars, xn_buf *out, xn_error *err);

/* Opens a channel's sealed secret into out ("" when none). */
int notify_open_secret(const notify_ctx *n, int64_t id, const void *sealed, size_t len, char *out,
                       size_t out_size, xn_error *err);

#endif
