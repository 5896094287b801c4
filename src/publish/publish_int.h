/* The publish room's inside: the context and what its files share. */
#ifndef XINAN_PUBLISH_INT_H
#define XINAN_PUBLISH_INT_H

#include "publish/publish.h"
#include "publish/sanitize.h"

#include <pthread.h>

struct publish_ctx {
    publish_options opt;
    jobs_runner *jobs;
    char site_root[512];
    char state_dir[512];
    pthread_mutex_t site_lock; /* one writer of the site directory at a time */
    bool rebuilding;           /* under site_lock: pages are synced once at the end */
};

int64_t publish_now(const publish_ctx *p);
const publish_class *publish_class_of(const char *cls, bool major);
const publish_level *publish_level_of(int level);

/* ---- checks (checks.c) ---- */

/* What a hit needs before the item may pass a level. */
typedef enum publish_rule {
    RULE_REASON, /* a sensitive word or wording error: fixed, or kept with a reason */
    RULE_LEVEL2, /* personal data that may be published with a level-2 reviewer's reason */
    RULE_REMOVE  /* personal data that is never published: it must go */
} publish_rule;

/* Runs the checks on title + "\n" + text: {"hits":[{key, kind, start, end, text, lexicon,
 * category, severity, suggest, rule}]}, offsets into body_text (the title's hits have
 * "in":"title"). */
int publish_checks(publish_ctx *p, const char *title, const char *text, json_t **out,
                   xn_error *err);

/* ---- the site (site.c) ---- */

/* Writes the item's page and its column's index (inside tx: site_file rows); *path_out gets
 * the page's path relative to the site root. */
int publish_site_put(publish_ctx *p, store_conn *tx, int64_t item, char *path_out, size_t size,
                     xn_error *err);
/* A published public message's page and the messages' index. */
int publish_site_put_message(publish_ctx *p, store_conn *tx, int64_t id, char *path_out,
                             size_t size, xn_error *err);
/* Removes the page and writes the index again. */
int publish_site_remove(publish_ctx *p, store_conn *tx, int64_t item, xn_error *err);
/* Asks for the signed manifest to be written again (a job, after tx commits). */
int publish_site_changed(publish_ctx *p, store_conn *tx, xn_error *err);

/* publish_item_json inside a transaction (the form is made from it). */
int publish_item_json_tx(publish_ctx *p, store_conn *tx, int64_t id, int64_t viewer, json_t **out,
                         xn_error *err);

/* Puts a publication or withdrawal (event "publish" / "withdraw") in the CMS outbox, inside tx;
 * nothing when no CMS is configured. */
int publish_cms_enqueue(publish_ctx *p, store_conn *tx, int64_t item, const char *event,
                        const char *reason, xn_error *err);

/* ---- the review form (form.c) ---- */

/* Makes the form's PDF from the item as it stands in tx. */
int publish_form_make(publish_ctx *p, store_conn *tx, int64_t item, char **pdf, size_t *len,
                      xn_error *err);

/* The record of an action on an item, its number in *seq when not NULL. */
int publish_record(publish_ctx *p, store_conn *tx, const audit_actor *actor, const char *action,
                   const char *object_type, int64_t id, json_t *detail, int64_t *seq,
                   xn_error *err);

#endif
