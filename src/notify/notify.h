/*
 * notify: telling people. Channels (WeCom and DingTalk group robots, a signed webhook, SMTP
 * mail, and the in-app messages of the bell), recipient groups of people and channels, the
 * outbox and its delivery on the job runner (INC-2/3, MON-10).
 *
 * Raising is one call inside the raising change's transaction:
 *
 *     json_t *vars = json_pack("{s:s}", "channel", name);
 *     rc = notify_raise(n, tx, "notify.test", "值班员", "notify_channel", "3", vars, err);
 *
 * It renders the event kind's Chinese template (as the system administrator edited it, else the
 * table's default), writes the message and one delivery per
 * channel of the group (the outbox), gives the in-app channel's people their notification at
 * once, and schedules the channel's delivery job: a change rolled back sends nothing, and a
 * crash loses nothing. Each delivery has a key (message, channel) so a message delivered to a
 * channel is never sent there again.
 *
 * Delivery (job kind notify.deliver, one job per channel, key = the channel id): the channel's
 * due deliveries in order, at most rate_per_min sends a minute (the excess waits, never
 * dropped); a network error, a 5xx or a robot errcode ≠ 0 is retried after 1 min, doubling,
 * up to 24 h; a 4xx other than 429 fails the delivery. Every attempt is recorded. A channel
 * failing for an hour alerts the system administrators in-app (job kind notify.watch).
 *
 * Channel secrets are sealed with the field key and never leave this room: every answer
 * masks them.
 */
#ifndef XINAN_NOTIFY_H
#define XINAN_NOTIFY_H

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "jobs/jobs.h"
#include "store/store.h"

#define NOTIFY_MAX_NAME      64
#define NOTIFY_MAX_URL       512
#define NOTIFY_MAX_SECRET    256
#define NOTIFY_MAX_MAIL      254
#define NOTIFY_MAX_MEMBERS   200
#define NOTIFY_MAX_TEXT      4000 /* bytes of a rendered message body */
#define NOTIFY_MAX_TEMPLATE  2000 /* bytes of an edited template */
#define NOTIFY_INAPP_CHANNEL 1    /* the in-app channel's id */
#define NOTIFY_RETRY_FIRST_S 60
#define NOTIFY_RETRY_MAX_S   86400

/* An event kind: a table row, like job kinds (the server's table is in cli/). */
typedef struct notify_event_kind {
    const char *name;     /* "jobs.kind_failing" */
    const char *title;    /* the message's Chinese title */
    const char *severity; /* "info", "warning", "critical" */
    const char *vars;     /* the variables the template may use, comma-separated */
    const char *template; /* Chinese text with {var} placeholders */
} notify_event_kind;

typedef struct notify_ctx notify_ctx;

typedef struct notify_options {
    store *db;
    audit_trail *trail;
    jobs_runner *jobs; /* may be set later with notify_set_jobs (the runner needs this room) */
    const auth_settings *auth; /* the field key and AEAD for secrets */
    const notify_event_kind *kinds;
    size_t nkinds;
    int robot_rate; /* notify.robot_rate_per_minute: robots' default rate (0: unlimited) */
    xn_log *log;
} notify_options;

/* Checks every event kind's template (XN_EINVAL naming the kind and the unknown variable). */
int notify_open(notify_ctx **out, const notify_options *opt, xn_error *err);
void notify_free(notify_ctx *n);
void notify_set_jobs(notify_ctx *n, jobs_runner *jobs);
/* The server's own address, so no channel points at it (set once the port is bound). */
void notify_set_self(notify_ctx *n, const char *host, unsigned port);

/* Templates: whether every {name} in tmpl is one of vars (comma-separated); XN_EINVAL with
 * field "template" naming the unknown one. notify_render fills the variables from the object
 * vars (strings or integers; a missing one, or a member not in the list, is XN_EINVAL). */
int notify_template_check(const char *tmpl, const char *vars, xn_error *err);
int notify_render(const char *tmpl, const char *allowed, const json_t *vars, xn_buf *out,
                  xn_error *err);

/*
 * Raises an event inside the caller's transaction (see above). group: a recipient group's
 * name; NULL for the system administrators, in-app. A group that does not exist records the
 * message with no delivery. vars is borrowed. *message_id may be NULL.
 */
int notify_raise(notify_ctx *n, store_conn *tx, const char *kind, const char *group,
                 const char *object_type, const char *object_id, const json_t *vars,
                 int64_t *message_id, xn_error *err);
/* As notify_raise for named people instead of a group (a duty's owners, a rectification's
 * owner, the leader on duty): the message is kept with one in-app delivery and lands in each
 * one's bell, in the caller's transaction. */
int notify_raise_to_users(notify_ctx *n, store_conn *tx, const char *kind, const int64_t *users,
                          size_t nusers, const char *object_type, const char *object_id,
                          const json_t *vars, xn_error *err);

/* ---- administration (the system administrator, notify.manage; each change audited) ------ */

/*
 * The event kinds with their templates: {"items":[{kind, title, severity, vars:[…],
 * default_template, template (the one in effect), customized, updated_at?, updated_by?}]}.
 */
int notify_kinds_json(notify_ctx *n, json_t **out, xn_error *err);
/*
 * Replaces kind's template (stored in the database; every later raise renders it). NULL, ""
 * or the default itself restores the default. XN_ENOTFOUND for an unknown kind; XN_EINVAL with
 * field "template" for text over NOTIFY_MAX_TEMPLATE bytes, control or direction characters,
 * a blank template, a malformed {…} or a variable the kind does not have (code
 * unknown_variable, the message listing the kind's variables). Audited as
 * notify.template_update with the previous and the new template.
 */
int notify_template_set(notify_ctx *n, const audit_actor *actor, const char *kind, const char *tmpl,
                        xn_error *err);

typedef struct notify_channel_in {
    const char *kind; /* "wecom" | "dingtalk" | "webhook" | "mail"; NULL on update: keep */
    const char *name;
    const char *url;       /* http(s) for robots and webhooks; smtp:// or smtps://host:port */
    const char *secret;    /* NULL: none (create) or keep (update); "" on update: remove */
    const char *mail_from; /* mail only */
    const char *msgtype;   /* wecom only: "text" or "markdown"; NULL: text (create) or keep */
    int64_t rate_per_min;  /* -1: default (create) or keep (update) */
} notify_channel_in;

int notify_channel_create(notify_ctx *n, const audit_actor *actor, const notify_channel_in *in,
                          int64_t *id, xn_error *err);
int notify_channel_update(notify_ctx *n, const audit_actor *actor, int64_t id,
                          const notify_channel_in *in, xn_error *err);
int notify_channel_delete(notify_ctx *n, const audit_actor *actor, int64_t id, xn_error *err);
/* Sends a test message to this channel alone (raised and delivered like any other). */
int notify_channel_test(notify_ctx *n, const audit_actor *actor, int64_t id, int64_t *message_id,
                        xn_error *err);
/* {"items":[{id, kind, name, url, secret: "******"|null, has_secret, mail_from, msgtype,
 *  rate_per_min, failing_since, last_error, created_at, updated_at}]} */
int notify_channels_json(notify_ctx *n, json_t **out, xn_error *err);

typedef struct notify_member_in {
    int64_t user_id;
    const char *mobile; /* NULL: the person's phone */
    const char *mail;   /* NULL: none */
} notify_member_in;

typedef struct notify_group_in {
    const char *name;
    const notify_member_in *members;
    size_t nmembers;
    const int64_t *channels;
    size_t nchannels;
} notify_group_in;

int notify_group_create(notify_ctx *n, const audit_actor *actor, const notify_group_in *in,
                        int64_t *id, xn_error *err);
/* Sends a test message to the group: every channel of it, its people mentioned (event kind
 * notify.group_test). */
int notify_group_test(notify_ctx *n, const audit_actor *actor, int64_t id, int64_t *message_id,
                      xn_error *err);
/* {"items":[{id, name, created_at, members:[{user_id, name, mobile, mail}],
 *  channels:[{id, name, kind}]}]} */
int notify_groups_json(notify_ctx *n, json_t **out, xn_error *err);
/* The people of a recipient group by its name (at most max into ids, *n of them); none for a
 * group that does not exist. */
int notify_group_members(store_conn *c, const char *group, int64_t *ids, size_t max, size_t *n,
                         xn_error *err);
/* {"items":[{id, kind, severity, title, body, group, object_type, object_id, created_at,
 *  state: "sent"|"pending"|"failed"|"none", deliveries:[{id, channel_id, channel, channel_kind,
 *  key, state, attempts, next_at, sent_at, last_error, last_status, last_errcode}]}]}:
 * the newest `limit` (1..500) messages. */
int notify_messages_json(notify_ctx *n, int limit, json_t **out, xn_error *err);

/* A message's delivery state into the object into: "state" (as above) and "deliveries". */
int notify_message_deliveries(notify_ctx *n, int64_t message_id, json_t *into, xn_error *err);

/* ---- job functions (the table in cli/ names them) ---------------------------------------- */

/* notify.deliver: jobs_run.app must point at a struct whose first member is the notify_ctx
 * pointer (see notify_app). */
typedef struct notify_app {
    notify_ctx *notify;
} notify_app;
int notify_deliver_job(jobs_run *run, xn_error *err);
/* notify.fanout (periodic, and requested by each raise to a group with robots or mail): the
 * deliveries of the messages raised since its last run, each to its group's live channels
 * other than in-app, made once, and the channels' notify.deliver jobs scheduled. */
#define NOTIFY_JOB_FANOUT "notify.fanout"
int notify_fanout_job(jobs_run *run, xn_error *err);
/* notify.watch: channels failing for an hour alert the system administrators in-app. */
int notify_watch_job(jobs_run *run, xn_error *err);
/* The jobs runner's hook for a flagged kind: tells the system administrators in-app
 * (event kind jobs.kind_failing). app as for notify_deliver_job. */
int notify_job_flagged(void *app, store_conn *tx, const jobs_kind *kind, int failures,
                       const char *error, xn_error *err);

#endif
