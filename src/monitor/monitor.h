/*
 * monitor: 7×24 watch over the unit's websites (MON-1, MON-3, MON-6, MON-10, HS 附件5 §3(二)).
 *
 * A site is a base URL with what to check: availability (status, latency, the TLS
 * certificate's expiry), words that must or must not appear, sensitive words and severe
 * wording errors in the live text (the text engine), links to hosts not on the allow-list
 * (暗链, links hidden by CSS included), and, for the site xinan publishes to, every published
 * page as served compared byte for byte with the approved rendering (a compromised web server
 * or an injecting proxy is caught even when the file on disk is intact).
 * Checks run on the job runner (monitor.check: the sites that are due, each at its interval);
 * a site is down only after `failures` consecutive failed checks, to damp flapping. Each state
 * change is an event: down and back up, tampering, a dark link, a forbidden or missing word, a
 * certificate expiring within 14 days. Events tell the site's recipient group (notify/), and
 * down and tampering open an incident (incident/) with the detection time as its start, one
 * open incident per site and cause.
 */
#ifndef XINAN_MONITOR_H
#define XINAN_MONITOR_H

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "incident/incident.h"
#include "lexicon/lexicon.h"
#include "notify/notify.h"
#include "store/store.h"

#define MONITOR_MAX_URL   1024
#define MONITOR_MAX_WORDS 2000       /* bytes of a word list */
#define MONITOR_MAX_BODY  (8u << 20) /* bytes of a page read */
#define MONITOR_MAX_PAGES 500        /* published pages compared in one check */
#define MONITOR_CERT_DAYS 14         /* a certificate expiring sooner is an alarm */
#define MONITOR_JOB       "monitor.check"

typedef struct monitor_ctx monitor_ctx;

typedef struct monitor_options {
    store *db;
    audit_trail *trail;
    notify_ctx *notify;
    incident_ctx *incidents;
    lexicon_live *lexicons;
    const auth_settings *auth;
    const char *site_root; /* the published site's approved files (tampering shown as a diff) */
} monitor_options;

int monitor_open(monitor_ctx **out, const monitor_options *opt, xn_error *err);
void monitor_free(monitor_ctx *m);
/* The server's own address: no site may point at it. */
void monitor_set_self(monitor_ctx *m, const char *host, unsigned port);

typedef struct monitor_site_in {
    const char *name;
    const char *url;        /* http(s)://host[:port]/path */
    int interval_s;         /* 10 .. 86400 */
    int failures;           /* consecutive failures before down: 1 .. 10 */
    const char *group;      /* recipient group told of its alarms; NULL: none */
    const char *must_words; /* comma- or newline-separated */
    const char *forbidden_words;
    const char *allow_hosts; /* hosts links may point to besides the site's own */
    bool publish_target;     /* xinan publishes this site: compare the published pages */
    bool ipv6;               /* the site must answer over IPv6 too (MON-7) */
    /* for a site xinan does not publish: newline-separated regular expressions of what changes
     * without mattering (dates, counters), blanked before the text is compared; NULL none */
    const char *noise;
} monitor_site_in;

int monitor_site_create(monitor_ctx *m, const audit_actor *actor, const monitor_site_in *in,
                        int64_t *id, xn_error *err);
int monitor_site_delete(monitor_ctx *m, const audit_actor *actor, int64_t id, xn_error *err);
/* {"items":[{id, name, url, state up|down|unknown, state_since, last_check_at, latency_ms,
 *  status, cert_expires_at, failures_in_row, open_alarms, uptime_24h}]} */
int monitor_sites_json(monitor_ctx *m, json_t **out, xn_error *err);
/* A site with its recent checks (the chart) and events. */
int monitor_site_json(monitor_ctx *m, int64_t id, json_t **out, xn_error *err);

/* Checks one site now and records the result (its events and alarms included). */
int monitor_check_site(monitor_ctx *m, int64_t id, xn_error *err);
/* The job: every site whose next check is due. */
int monitor_check_due(monitor_ctx *m, json_t *summary, xn_error *err);

/* ---- the guard agents (guards.c) ------------------------------------------------------ */

/* A report of an agent (its token id and name, checked by the caller): {heartbeat?: {root,
 * entries}, events: [{seq, at, event, path, kind, ms?, approved?, found?}]}, at most 500
 * events; each (agent, seq) stored once (*stored: the new ones). Tampering opens an incident. */
int monitor_guard_report(monitor_ctx *m, const char *agent_id, const char *agent_name,
                         const json_t *body, int *stored, xn_error *err);
/* Agents not heard from for two minutes: offline, the administrators told once. */
int monitor_guards_check(monitor_ctx *m, json_t *summary, xn_error *err);
/* {"items":[{id, name, root, entries, last_seen_at, state online|offline, since, events:[…]}]};
 * a quarantined event with a digest (found) has quarantine_file: whether the server holds it. */
int monitor_guards_json(monitor_ctx *m, json_t **out, xn_error *err);

/* Quarantined files (MON-4): an agent uploads what it quarantined, once per SHA-256 (any agent's
 * copy of the same content is the same file). */
#define MONITOR_GUARD_PATH 4097 /* bytes of an event's path with its terminator */
/* Whether agent_id reported a quarantine of content with this SHA-256 (lowercase hex): its path
 * into path (XN_ENOTFOUND when it reported none), and the files room's id of the file already
 * held for the digest into *file_id (0: none yet). */
int monitor_guard_quarantine_find(monitor_ctx *m, const char *agent_id, const char *sha256,
                                  char path[MONITOR_GUARD_PATH], int64_t *file_id, xn_error *err);
/* Inside the files room's commit of the upload (tx): links file_id to the digest, the agent and
 * the path, with its audit record guard.quarantine_file. XN_ECONFLICT (code already_stored) when
 * the digest has a file already: the caller rolls back and answers with that one. */
int monitor_guard_quarantine_link(monitor_ctx *m, store_conn *tx, const char *agent_id,
                                  const char *sha256, const char *path, int64_t file_id,
                                  int64_t size, xn_error *err);
/* The file held for a digest; XN_ENOTFOUND when none. */
int monitor_guard_quarantine_file(monitor_ctx *m, const char *sha256, int64_t *file_id,
                                  xn_error *err);

/* ---- links (links.c) --------------------------------------------------------------------- */

typedef struct monitor_link {
    char *href;  /* as written */
    char *host;  /* lowercased host of an absolute http(s) link, "" for a relative one */
    bool hidden; /* inside an element hidden by its inline style or attributes */
} monitor_link;

typedef struct monitor_page {
    monitor_link *links;
    size_t nlinks;
    char *text; /* visible text, for the word checks */
    size_t text_len;
} monitor_page;

/* Parses an HTML page (gumbo): its links and its visible text. Bounded: at most 10,000 links.
 * XN_EINVAL for a body over MONITOR_MAX_BODY. */
int monitor_page_parse(const char *html, size_t len, monitor_page *out, xn_error *err);
void monitor_page_free(monitor_page *p);

#endif
