/*
 * publish: 先审后发 (PUB-1..13, ZJ 31-33, HS 附件2). Nothing reaches the website without the review
 * its class demands, each item on its own, with the form filled in and kept.
 *
 * Shape
 *   Columns (栏目) are kept by the system administrator: a name, a path on the site, how often
 *   they must be updated. Reprint sources are kept by the security administrator (PUB-4).
 *   An item has a class (A 一般, B 重要, C 特级, C with the major-incident flag) and the review
 *   levels of its class come from a table (publish_classes, levels.c). Every edit is a
 *   version with its digest; the body is sanitised on the server (sanitize.h) and its visible
 *   text is what the checks read.
 *   Review: the item goes through its levels in order; each level approves, returns with a
 *   comment, or amends (a new version by the reviewer; a higher level overturns lower
 *   results). The author never reviews their own item and one person decides at most one
 *   level of a submission. Each decision is audited with the version's digest and its record
 *   number kept for the form.
 *   Checks (PUB-5, 8, 9, 13) run at submission and at each approval: sensitive words and
 *   wording errors must be fixed or kept with a reviewer's written reason; personal data a
 *   citizen may not see published (ID card, bank card, passport numbers) must go; other
 *   personal data (a phone, a mail address) needs a level-2 reviewer's reason, and a class A
 *   item with such data goes to level 2 for it.
 *   Once approved the review form (《内容三级审核表》) is made as a PDF and kept with the item,
 *   byte for byte. Publication renders the item's page and its column's index into the site
 *   directory (written to a temporary file and renamed), records every file of the site with
 *   its digest, and the manifest the guard enforces is written again, signed (Ed25519).
 *   Withdrawal removes the page and its index entry. A weekly job and every lexicon change
 *   check published items again (PUB-6) and tell the level-1 reviewers of any hit.
 */
#ifndef XINAN_PUBLISH_H
#define XINAN_PUBLISH_H

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "calendar/calendar.h"
#include "files/files.h"
#include "jobs/jobs.h"
#include "lexicon/lexicon.h"
#include "notify/notify.h"
#include "store/store.h"

#define PUBLISH_MAX_TITLE   600        /* bytes (200 Chinese characters) */
#define PUBLISH_MAX_BODY    (2u << 20) /* bytes of body HTML accepted */
#define PUBLISH_MAX_COMMENT 8192       /* bytes of a review comment or reason */
#define PUBLISH_MAX_LEVELS  4          /* levels 1..3 and the principal leader */
#define PUBLISH_INDEX_ITEMS 200        /* newest items listed on a column's index page */
#define PUBLISH_JOB_RELEASE "publish.release"
#define PUBLISH_JOB_RECHECK "publish.recheck"
#define PUBLISH_JOB_SITE    "publish.manifest"
#define PUBLISH_JOB_CMS     "publish.cms"

/* A class and the levels it needs (HS 附件2 §3, §5). */
typedef struct publish_class {
    const char *key;   /* "A", "B", "C", "C+major" */
    const char *title; /* "一般信息" */
    int levels;        /* 1..4: levels 1..levels in order */
} publish_class;

extern const publish_class publish_classes[];
extern const size_t publish_classes_count;

/* A review level: its Chinese title and the permission a reviewer at it holds. */
typedef struct publish_level {
    int level;
    const char *title;      /* "一级审核（责任编辑）" */
    const char *permission; /* "content.review1" */
} publish_level;

extern const publish_level publish_levels[PUBLISH_MAX_LEVELS];

typedef struct publish_ctx publish_ctx;

typedef struct publish_options {
    store *db;
    audit_trail *trail;
    notify_ctx *notify;
    files_store *files;
    lexicon_live *lexicons;
    const auth_settings *auth; /* auth_now: the rules' clock */
    calendar_live *calendar;   /* promised answers in working days (NULL: Monday to Friday) */
    const char *site_root;     /* the static site target's directory */
    const char *state_dir;     /* the signing key and the signed manifest */
    const char *cms_url;       /* the external CMS's webhook ("" or NULL: none) */
    const char *cms_secret;    /* its signing secret */
} publish_options;

int publish_open(publish_ctx **out, const publish_options *opt, xn_error *err);
void publish_free(publish_ctx *p);
void publish_set_jobs(publish_ctx *p, jobs_runner *jobs);

/* ---- columns and reprint sources --------------------------------------------------------- */

/* A column {name, path (lowercase letters, digits, - and _; segments by /), stale_days}.
 * XN_ECONFLICT when the name or path is taken. */
int publish_column_create(publish_ctx *p, const audit_actor *actor, const char *name,
                          const char *path, int stale_days, int64_t *id, xn_error *err);
/* {"items":[{id, name, path, stale_days, published, last_published_at, stale}]} */
int publish_columns_json(publish_ctx *p, json_t **out, xn_error *err);
int publish_source_create(publish_ctx *p, const audit_actor *actor, const char *name,
                          const char *url, int64_t *id, xn_error *err);
int publish_source_delete(publish_ctx *p, const audit_actor *actor, int64_t id, xn_error *err);
int publish_sources_json(publish_ctx *p, json_t **out, xn_error *err);

/* Renders every published page, the columns' indexes and the home page again from the
 * database (after a change of templates, or to a new site directory); audited. */
int publish_site_rebuild(publish_ctx *p, const audit_actor *actor, int64_t *pages, xn_error *err);

/* What a guard agent on the web host pulls (MON-4): the signed manifest of the site as
 * {manifest, signature (hex), public_key (hex), digest (SHA-256 hex of the manifest)}; with
 * `have` equal to the current digest, *out is NULL (nothing new). XN_ENOTFOUND before the first
 * manifest is signed. */
int publish_guard_manifest(publish_ctx *p, const char *have, json_t **out, xn_error *err);
/* An approved file of the site by its SHA-256 (hex): an open descriptor at its start and its
 * size, after its content was checked against the digest. XN_EINVAL for a malformed digest,
 * XN_ENOTFOUND when the site has no such file. */
int publish_guard_file(publish_ctx *p, const char *digest, int *fd, uint64_t *size, xn_error *err);

/* ---- items ------------------------------------------------------------------------------ */

typedef struct publish_item_in {
    const char *title;
    int64_t column_id;
    const char *cls;         /* "A", "B", "C" */
    int major;               /* -1: unchanged (edits) */
    const char *body_html;   /* sanitised here */
    const char *source_kind; /* "original" (default) or "reprint" */
    const char *source_name, *source_url;
    int classified;         /* the author's secrecy declaration: 1 classified (refused), 0 not */
    int64_t request_row_id; /* PUB-10: the service_requests row it answers, checked by the
                             * caller; 0: none */
    const int64_t *files;   /* attachments (files room), nfiles of them */
    size_t nfiles;
    bool files_given;
} publish_item_in;

/* A draft by its author (content.draft). XN_EINVAL naming the field for a bad one; a
 * classified declaration is refused (PUB-1, field classified); a reprint from a source not on
 * the list is refused (PUB-4, field source). */
int publish_item_create(publish_ctx *p, const audit_actor *actor, const publish_item_in *in,
                        int64_t *id, xn_error *err);
/* An edit by the author of a draft or a returned item: a new version. */
int publish_item_update(publish_ctx *p, const audit_actor *actor, int64_t id,
                        const publish_item_in *in, xn_error *err);
int publish_item_submit(publish_ctx *p, const audit_actor *actor, int64_t id, xn_error *err);

typedef struct publish_reason_in {
    const char *hit;    /* a hit's key from the item's checks */
    const char *reason; /* the reviewer's written reason to keep it */
} publish_reason_in;

typedef struct publish_review_in {
    const char *decision; /* "approve", "return", "amend" */
    const char *comment;
    const publish_reason_in *reasons;
    size_t nreasons;
    const char *body_html; /* amend: the amended body; NULL keeps it */
    const char *title;     /* amend: the amended title; NULL keeps it */
} publish_review_in;

/* A decision at the item's current level by a reviewer holding that level's permission.
 * XN_EDENIED for the author, for one who decided another level of this submission, or
 * without the level's permission; XN_ECONFLICT when the item is not under review or a hit is
 * left unresolved (the error names it). */
int publish_item_review(publish_ctx *p, const auth_principal *who, int64_t id,
                        const publish_review_in *in, xn_error *err);
/* Publishes an approved item now (at 0 or in the past) or at a later time (state scheduled). */
int publish_item_publish(publish_ctx *p, const audit_actor *actor, int64_t id, int64_t at,
                         xn_error *err);
int publish_item_withdraw(publish_ctx *p, const audit_actor *actor, int64_t id, const char *reason,
                          xn_error *err);

/* The item with its current version, checks, steps, versions and the caller's queue state:
 * {id, title, column_id, column, class, major, state, level, version, body_html, body_text,
 *  digest, source…, author, checks:{hits:[{key, kind, start, end, text, lexicon, category,
 *  severity, suggest, rule, reason?}], blocking:[…]}, steps:[{level, level_title, reviewer,
 *  decision, comment, at, at_text, version, digest, audit_seq}], versions:[{version, by, at,
 *  kind}], levels_needed, published_path, published_at, withdrawn…, form: bool}. */
int publish_item_json(publish_ctx *p, int64_t id, int64_t viewer, json_t **out, xn_error *err);
/* One version's title and body (the diff). */
int publish_version_json(publish_ctx *p, int64_t id, int version, json_t **out, xn_error *err);

typedef struct publish_list_in {
    const char *state; /* NULL: all */
    int64_t mine;      /* author's id, or 0 */
    int queue_level;   /* items waiting at this level (1..4), or 0 */
    int64_t viewer;    /* queue: items this person did not write or decide already */
    int limit;
} publish_list_in;

int publish_list_json(publish_ctx *p, const publish_list_in *in, json_t **out, xn_error *err);

/* The review form as a PDF: the archived bytes once the item is approved (XN_ECONFLICT
 * "form_not_ready" before). *pdf is malloc'd. */
int publish_form(publish_ctx *p, int64_t id, char **pdf, size_t *len, xn_error *err);

/* ---- public messages (网友留言, PUB-11) -------------------------------------------------- */

typedef struct publish_message_in {
    const char *subject, *body, *author, *contact;
    const char *channel; /* web, phone, letter, mail, visit (NULL: web) */
} publish_message_in;

int publish_message_create(publish_ctx *p, const audit_actor *actor, const publish_message_in *in,
                           int64_t *id, xn_error *err);
/* To the department (an org node) that answers it, with a promise of promise_days working
 * days (1..60) from today. */
int publish_message_assign(publish_ctx *p, const audit_actor *actor, int64_t id, int64_t department,
                           int promise_days, xn_error *err);
int publish_message_answer(publish_ctx *p, const audit_actor *actor, int64_t id, const char *answer,
                           xn_error *err);
/* The head of the assigned department approves the answer or sends it back (a comment). */
int publish_message_review(publish_ctx *p, const audit_actor *actor, int64_t id, bool approve,
                           const char *comment, xn_error *err);
/* An approved answer onto the site (the message and its answer as a page). */
int publish_message_publish(publish_ctx *p, const audit_actor *actor, int64_t id, xn_error *err);
/* {"items":[{id, subject, body, author, state, department, due_date, overdue, answer, …}]}, or
 * with id one message. */
int publish_messages_json(publish_ctx *p, const char *state, int64_t id, json_t **out,
                          xn_error *err);
/* {"items":[…]} as publish_messages_json: the answered messages of the departments whose head
 * is the user `head`, waiting for that head's review. */
int publish_messages_to_review_json(publish_ctx *p, int64_t head, json_t **out, xn_error *err);
int publish_messages_job(publish_ctx *p, json_t *summary, xn_error *err);

/* The jobs: due scheduled publications, the weekly re-check, the signed manifest. */
int publish_release_job(publish_ctx *p, int64_t now_us, json_t *summary, xn_error *err);
int publish_recheck_job(publish_ctx *p, json_t *summary, xn_error *err);
int publish_manifest_job(publish_ctx *p, json_t *summary, xn_error *err);
/* The external CMS's deliveries: the job, and the log {configured, items:[{id, item_id, event,
 * status pending|sent|failed, attempts, last_error, created_at, delivered_at}]}. */
int publish_cms_job(publish_ctx *p, json_t *summary, xn_error *err);
int publish_deliveries_json(publish_ctx *p, json_t **out, xn_error *err);

#endif
