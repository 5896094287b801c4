/*
 * The audit room: the tamper-evident trail every other room records its operations in
 * (AUD-1, AUD-2), its checkpoints and verification, retention (AUD-3), reading and statistics
 * (AUD-4), and the syslog receiver with its log store (AUD-5).
 *
 * Recording is one call inside the caller's transaction:
 *
 *     audit_event ev = {.action = "auth.role_grant", .actor = actor, .object_type = "user",
 *                       .object_id = "17", .result = AUDIT_OK, .detail_json = "{\"role\":…}"};
 *     if (audit_append(trail, tx, &ev, err) != XN_OK)
 *         return XN_EINTERNAL;   // store_tx rolls the change back with it
 *
 * When the record cannot be written the whole transaction fails: there is no change without
 * its record, and no switch that turns recording off.
 */
#ifndef XINAN_AUDIT_H
#define XINAN_AUDIT_H

#include "base/base.h"
#include "store/store.h"

/* ------------------------------------------------------------------------------------------ */
/* The trail                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct audit_trail audit_trail;

/* Who did it. kind is "user", "agent" or "system"; id is the user or agent id (0 for system). */
typedef struct audit_actor {
    const char *kind;
    int64_t id;
    const char *name;
    const char *source;    /* client address, NULL when local */
    const char *session;   /* the session's public id, never its token; NULL when none */
    const char *real_name; /* the person's real name, for records people read (timelines);
                            * not part of the audit record; NULL when unknown */
} audit_actor;

/* The name a record people read shows for the actor: the real name, else the account; 系统
 * for the system or no actor. */
const char *audit_actor_name(const audit_actor *a);

/* The actor of what the server does on its own (schedules, retention, start-up). */
extern const audit_actor audit_system_actor;

#define AUDIT_OK     "ok"
#define AUDIT_DENIED "denied"
#define AUDIT_ERROR  "error"

typedef struct audit_event {
    const char *action; /* "room.verb": "auth.login", "audit.read" … */
    const audit_actor *actor;
    const char *object_type; /* NULL when the action has no object */
    const char *object_id;
    const char *result;      /* AUDIT_OK, AUDIT_DENIED or AUDIT_ERROR */
    const char *detail_json; /* a JSON object or NULL; never secrets */
    int64_t *seq_out;        /* optional: receives the record's number (review forms cite it) */
} audit_event;

/* The verification seed: epoch 0's key, shown once at initialisation and kept offline. */
#define AUDIT_SEED_BYTES 32

/*
 * Opens the trail of a database the caller keeps open. The witness file (cfg->audit_witness,
 * or "<db>.witness") is opened for appending; failing that is an error, not a silent skip.
 *
 * The remote witness: with audit.witness_syslog ("udp://host:port", "tcp://host:port" or
 * "host:port" for UDP) every checkpoint, epoch and purge alike, is also sent to that
 * collector as one RFC 5424 message (APP-NAME xinan-audit, MSGID checkpoint, facility 13 "log
 * audit", structured data checkpoint@32473 with kind, epoch, seq, first_seq, hash, seal, alg
 * and time; the message is the witness file's line). TCP frames are octet-counted
 * (RFC 6587). Delivery is tracked in the database per collector, so nothing is lost across a
 * failed send or a restart: audit_tick sends what is pending, in order. UDP reports only the
 * failures the kernel sees (no route, a refusal from the collector's host); use TCP where
 * delivery must be known.
 */
int audit_trail_open(audit_trail **out, store *db, const xn_config *cfg, xn_error *err);
void audit_trail_free(audit_trail *t);
const char *audit_trail_witness(const audit_trail *t);
/* Tests only: the clock records are stamped with (NULL: the real one). */
void audit_trail_set_clock(audit_trail *t, int64_t (*now_us)(void));

/*
 * First start: makes a fresh seed, seals epoch 0 with it and opens epoch 1 with the next key.
 * *created is false (and seed untouched) when the trail already existed. The caller shows the
 * seed once and forgets it.
 */
int audit_trail_init(audit_trail *t, uint8_t seed[AUDIT_SEED_BYTES], bool *created, xn_error *err);

/*
 * Records one event inside the caller's transaction (tx comes from store_tx). Returns an
 * error when the record cannot be written; the caller returns it so the change rolls back.
 */
int audit_append(audit_trail *t, store_conn *tx, const audit_event *ev, xn_error *err);
/* audit_append of a successful action with its detail as a JSON object (taken: released here;
 * NULL for none) and its object's id as a number; the record's number into *seq when
 * seq is not NULL. The one call the rooms use to record what they change. */
int audit_record_change(audit_trail *t, store_conn *tx, const audit_actor *actor,
                        const char *action, const char *object_type, int64_t object_id,
                        json_t *detail, int64_t *seq, xn_error *err);

/* Closes the open epoch once it is due (records or minutes), empty or not. The server calls
 * it every few seconds. Also reports (XN_EIO) a witness append that failed since the last
 * call, so a full or read-only disk is logged rather than silently leaving the witness behind.
 * With audit.witness_syslog set it then sends the checkpoints the remote collector has not
 * had yet (see audit_trail_open); the first failed delivery of an outage raises an
 * audit.witness_unreachable alert and is reported (XN_EIO), later failures of the same outage
 * are retried on every call without another report. */
int audit_tick(audit_trail *t, xn_error *err);

/*
 * Failures of callers nobody has authenticated (bad sign-ins, bad agent tokens, refusals of a
 * flooding address) are recorded one by one only for the first AUDIT_FAILURES_INDIVIDUAL of each
 * source and minute; the rest are counted, and one audit.failures_summary record per source and
 * minute (detail: minute, count, recorded_individually, by_action) is written once the minute
 * is over, by audit_tick, or by audit_failures_flush. So a flood shows in the trail and cannot
 * fill it.
 *
 * audit_failures_admit counts one failure of action from source and says whether to write its
 * own record now (true) or leave it to the summary (false). Callers that never write their own
 * record (a refusal before any work) call it and ignore the answer. Thread-safe.
 * audit_failures_flush writes the summaries of minutes that are over, or all with `all` (at
 * shutdown).
 */
#define AUDIT_FAILURES_INDIVIDUAL 5
bool audit_failures_admit(audit_trail *t, const char *source, const char *action);
int audit_failures_flush(audit_trail *t, bool all, xn_error *err);

/* Removes the records older than the retention (never younger), leaving a sealed purge
 * checkpoint and an audit.purge record. */
int audit_purge(audit_trail *t, int64_t now_us, int64_t *purged, xn_error *err);

typedef struct audit_verify_options {
    const char *witness_path;       /* NULL: no witness to compare with */
    const uint8_t *seed;            /* NULL: seals are not checked, only hashes and witness */
    int64_t from_seq;               /* 0: from the first record kept */
    int64_t expected_epoch_minutes; /* 0: unknown; else a stale open epoch is reported */
    int readers;                    /* threads reading and hashing at once (0: one per core) */
} audit_verify_options;

/* The witness file a configuration names: audit.witness, or "<db>.witness". */
void audit_witness_file(const xn_config *cfg, char *out, size_t size);
/* Parses the seed's 64 lower-case hex digits. */
int audit_unhex_seed(const char *hex, uint8_t seed[AUDIT_SEED_BYTES]);

/*
 * Checks the whole chain, every checkpoint and the witness. Writes a JSON report into
 * `report` ({"intact":…,"first_bad_seq":…,"kind":"edited|deleted|inserted|reordered|
 * truncated","witness":{"path","found","tail_checked","checkpoints","heads","last_head"},…})
 * and sets *intact. intact speaks of what could be checked: with witness.found false (no
 * witness file at witness_path) records removed from the end of the open epoch cannot be
 * detected, which the caller must say. Returns an error only when the check itself could not
 * run.
 */
int audit_verify(store *db, const audit_verify_options *opt, xn_buf *report, bool *intact,
                 xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Verification runs and alerts (AUD-2)                                                        */
/* ------------------------------------------------------------------------------------------ */

/*
 * One verification of the trail as the server runs it: audit_verify against the witness file,
 * never with the seed (the server never holds it), on a connection of its own. Afterwards, in
 * one transaction: the run is stored (audit_verification), an audit.verify record is appended
 * for actor (result ok when intact, error when not; the detail names the damage), and when the
 * trail is not intact an audit.verify_failed alert is raised, when the witness file is missing
 * an audit.witness_missing warning. trigger is "manual" or
 * "scheduled". report gets the verify report; *run_id the stored run; *checked_at when the
 * check ended (the trail's clock). One verification runs at a time per trail: a second one
 * meanwhile is XN_EBUSY with code "verify_running".
 */
int audit_verify_run(audit_trail *t, const audit_actor *actor, const char *trigger, xn_buf *report,
                     bool *intact, int64_t *run_id, int64_t *checked_at, xn_error *err);

/*
 * The schedule (audit.verify_hours; 0 turns it off): runs audit_verify_run as the system when
 * the last scheduled run, or without one the trail's creation, lies that many hours back.
 * *ran says whether it ran, *intact the verdict. The server calls it every few seconds.
 */
int audit_verify_due(audit_trail *t, bool *ran, bool *intact, xn_error *err);

#define AUDIT_VERIFICATIONS_LIST 50

/* The newest AUDIT_VERIFICATIONS_LIST runs, newest first, appended to out:
 * {"items":[{"id","at","at_text","trigger":"manual|scheduled","actor","actor_id","intact",
 *  "first_bad_seq","kind" (the damage, as in the report),"records","problem_count",
 *  "duration_ms","witness_found" (null for runs stored before it was kept)}]}. */
int audit_verifications_json(store *db, xn_buf *out, xn_error *err);

/* Alert severities. */
#define AUDIT_ALERT_CRITICAL "critical"
#define AUDIT_ALERT_WARNING  "warning"

#define AUDIT_ALERTS_MAX 500

/*
 * Alerts, newest first, appended to out: {"items":[{"id","at","at_text","kind","severity",
 * "title","detail":{…}|null,"acked":bool,"acked_by","acked_by_id","acked_at","acked_at_text",
 * "acked_comment"}…],"open":N} (open counts every unacknowledged alert). state: "open",
 * "acked" or NULL/"" for both; limit 1..AUDIT_ALERTS_MAX (0: 100). XN_EINVAL naming the field.
 */
int audit_alerts_json(store *db, const char *state, int limit, xn_buf *out, xn_error *err);

#define AUDIT_ACK_COMMENT_MAX 1000 /* bytes */

/* Acknowledges an alert once, with a comment (required), and its audit.alert_ack record.
 * XN_ENOTFOUND for no such alert, XN_ECONFLICT when already acknowledged, XN_EINVAL for a
 * missing or bad comment. */
int audit_alert_ack(audit_trail *t, const audit_actor *actor, int64_t alert_id, const char *comment,
                    xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Reading the trail (AUD-4)                                                                   */
/* ------------------------------------------------------------------------------------------ */

/*
 * Which records to read. Every member is optional: 0, NULL or "" sets no condition. The
 * strings come from outside and are checked by every function below (UTF-8, no control
 * characters, bounds); a bad one gives XN_EINVAL with err->field naming it ("from", "to",
 * "actor", "action", "object_type", "object_id", "result", "q", "limit", "before_seq").
 *
 * q is full text: up to AUDIT_Q_MAX_TERMS words separated by spaces, all of which must occur
 * in the actor's name, action, object type or id, detail or source address. A word of three
 * characters or more is looked up in the trigram index, so any Chinese substring is found
 * ("内容审" finds "网站内容审核"); a word of one or two characters is too short for trigrams
 * and is matched with LIKE over the records the other conditions leave, which is a scan.
 * ASCII letters match either case.
 */
#define AUDIT_Q_MAX_BYTES  256
#define AUDIT_Q_MAX_TERMS  8
#define AUDIT_PAGE_DEFAULT 50
#define AUDIT_PAGE_MAX     1000
#define AUDIT_TOTAL_CAP    10000   /* audit_search counts at most this many matches */
#define AUDIT_LIST_MAX     50      /* longest list in audit_stats (top N) */
#define AUDIT_DAYS_MAX     366     /* days in audit_stats' per-day list (the newest) */
#define AUDIT_EXPORT_MAX   1000000 /* records in one export (the newest) */

typedef struct audit_filter {
    int64_t from_us;         /* at >= from_us (UTC epoch µs) */
    int64_t to_us;           /* at < to_us */
    const char *actor;       /* the actor's name, exactly */
    const char *action;      /* "auth.login" exactly, or every action of a room: "auth." */
    const char *object_type; /* exactly */
    const char *object_id;   /* exactly */
    const char *result;      /* "ok", "denied" or "error" */
    const char *q;           /* full text, as above */
    int limit;               /* audit_search's page size, 1..AUDIT_PAGE_MAX (0: 50) */
    int64_t before_seq;      /* audit_search's next page: records with seq < before_seq */
} audit_filter;

/* The most records audit_index_pending takes in one call. */
#define AUDIT_INDEX_MAX_ROWS 100000

/*
 * Adds the records appended since the last call to the full-text index, at most max_rows
 * (1..AUDIT_INDEX_MAX_ROWS) in one write transaction; *indexed is how many (0: up to date).
 * The server calls it every few seconds, and the functions below call it before they look
 * anything up in the index, so records committed before a search are always found.
 */
int audit_index_pending(store *db, int64_t max_rows, int64_t *indexed, xn_error *err);

/*
 * Finds records, newest first, one page at a time, and appends to out_json:
 *
 *   {"items":[{"seq":N,"at":µs,"at_text":"2026-11-21T17:30:00.123+08:00","actor_kind":"user",
 *              "actor_id":N,"actor_name":"…","source":"…"|null,"session":"…"|null,
 *              "action":"…","object_type":"…"|null,"object_id":"…"|null,"result":"ok",
 *              "detail":{…}|null}, …],
 *    "next_before_seq":N|null, "total":N, "total_capped":bool}
 *
 * next_before_seq, passed back as before_seq, gives the next page (null: this was the last).
 * total counts the filter's matches, every page alike, up to AUDIT_TOTAL_CAP (total_capped
 * then says there are more). c is a connection the caller holds, outside a transaction or
 * inside its store_tx, of a writable store when q is set (the index is brought up to date).
 * Errors: XN_EINVAL for a bad filter, XN_ETOOBIG when out_json's maximum is reached, store
 * errors; out_json is then as it was.
 */
int audit_search(store_conn *c, const audit_filter *f, xn_buf *out_json, xn_error *err);

/*
 * Statistics over the records the filter selects (limit and before_seq are ignored), appended
 * to out_json as one object; hours and days are Asia/Shanghai:
 *
 *   total, by_actor [{actor,count}], by_action [{action,count}], by_result {ok,denied,error},
 *   by_hour [24 counts, 0:00-0:59 first], by_day [{day:"YYYY-MM-DD",count}, oldest first],
 *   failed_logins {by_account [{account,count}], by_source [{source,count}]} (auth.login
 *   denied; the account is the object id), off_hours [{actor,count}] (before 08:30, from
 *   18:00, or on Saturday or Sunday; swapped working days are not known),
 *   denied_bursts [{actor,window_start,window_start_text,count}] (five or more denied results
 *   of one actor within ten minutes; a burst is reported once, from its first record).
 *
 * Lists are the AUDIT_LIST_MAX largest, by_day the AUDIT_DAYS_MAX newest days; every
 * "*_truncated" member says whether its list was cut. Errors as audit_search.
 */
int audit_stats(store_conn *c, const audit_filter *f, xn_buf *out_json, xn_error *err);

/*
 * Export of the records the filter selects (limit and before_seq are ignored), newest first,
 * at most AUDIT_EXPORT_MAX: when there are more, a last line says the export was cut.
 * Columns, headed in Chinese: 序号, 时间, 操作者, 来源地址, 操作, 对象类型, 对象, 结果, 详情.
 * A cell that a spreadsheet would take for a formula (starting with = + - @, tab or CR) gets
 * a leading apostrophe.
 *
 * CSV: UTF-8 with a byte-order mark (so Excel reads Chinese), RFC 4180 quoting, CRLF line
 * ends, written to out (XN_EIO when writing fails). XLSX: one worksheet with a frozen header
 * row, every cell written as a string or number (never a formula), created at path; a detail
 * longer than a cell holds (32,767 characters) is cut and ends with "…[截断]"; a bad filter
 * leaves an existing file at path as it was, a failure after that removes the file. c and
 * the errors as for audit_search.
 */
int audit_export_csv(store_conn *c, const audit_filter *f, FILE *out, xn_error *err);
int audit_export_xlsx(store_conn *c, const audit_filter *f, const char *path, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Syslog receiver and log store (AUD-5)                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * The receiver listens on syslog.udp and syslog.tcp (host:port; port 0 picks a free one) for
 * RFC 5424 and RFC 3164 messages; TCP frames are octet-counted or newline-terminated
 * (RFC 6587), decided per message. Messages of up to AUDIT_SYSLOG_MAX_MSG bytes are kept whole;
 * longer TCP messages are cut there and flagged truncated. A bounded queue (syslog.queue
 * messages, and at most AUDIT_SYSLOG_QUEUE_BYTES) feeds one writer thread that stores them in
 * batches, one transaction per batch. A full queue drops UDP messages at once; a TCP sender is
 * made to wait (its socket is not read) for up to two seconds before its message is dropped.
 * Every dropped message is counted, including those the kernel dropped on the UDP socket.
 *
 * The log store is separate from the trail: one table per Asia/Shanghai day
 * (syslog_YYYYMMDD, listed in syslog_day) so retention drops whole days. Each row keeps the
 * raw bytes (BLOB), source address and port, receive time, the parsed fields and flags. Text
 * columns hold valid UTF-8 only: invalid bytes and NUL become U+FFFD there (utf8_replaced is
 * set) while raw keeps the bytes as received. A message that does not parse is stored with
 * parse_error set and its whole content as text; nothing is dropped for its content.
 */
#define AUDIT_SYSLOG_MAX_MSG     65536
#define AUDIT_SYSLOG_QUEUE_BYTES (64 * 1024 * 1024)

typedef struct audit_syslog audit_syslog;

/* Starts the listeners cfg names and the writer. When both are off, *out is NULL and nothing
 * runs. A listener that cannot bind is an error naming the protocol, address and reason. The
 * actual ports are logged as "syslog.listening" (proto, host, port). cfg, db and log must
 * outlive the receiver. */
int audit_syslog_start(audit_syslog **out, const xn_config *cfg, store *db, xn_log *log,
                       xn_error *err);
/* The bound port of the UDP or TCP listener, 0 when it is off. */
uint16_t audit_syslog_port(const audit_syslog *r, bool tcp);
/* Stops receiving, reads what senders had already sent (queued datagrams, pending TCP
 * connections, TCP data until the senders are silent for 50 ms, at most 2 s), stores
 * everything queued, then frees. NULL is fine. */
void audit_syslog_stop(audit_syslog *r);

/* Monotonic counters per protocol since start. */
typedef struct audit_syslog_counts {
    uint64_t received;     /* messages read from the network */
    uint64_t stored;       /* committed to the log store */
    uint64_t dropped;      /* queue full, kernel socket overflow (UDP) or store failure */
    uint64_t parse_errors; /* stored with parse_error */
    uint64_t truncated;    /* cut at AUDIT_SYSLOG_MAX_MSG */
} audit_syslog_counts;

typedef struct audit_syslog_stats {
    audit_syslog_counts udp, tcp;
    uint64_t queued;      /* messages waiting for the writer now */
    uint64_t connections; /* open TCP connections now */
} audit_syslog_stats;

/* Reads the counters (lock-free); r may be NULL (all zero). */
void audit_syslog_get_stats(const audit_syslog *r, audit_syslog_stats *out);

/* Marks address (IPv4 or IPv6, numeric) as a registered device named name; messages from it
 * are stored with known = 1 from then on. Registering again renames. */
int audit_logstore_register_source(store *s, const char *address, const char *name, xn_error *err);

/*
 * A search of the log store. Zero fields mean "no filter"; results come newest first. The
 * cursor of a page is the "next" member of the previous page's result.
 */
typedef struct audit_logstore_query {
    int64_t from_us;        /* receive time, inclusive (UTC epoch µs); 0: the oldest */
    int64_t to_us;          /* receive time, exclusive; 0: no end */
    const char *source;     /* exact source address */
    const char *hostname;   /* exact HOSTNAME field */
    const char *app;        /* exact APP-NAME (RFC 3164: TAG) */
    unsigned severity_mask; /* bit s set: severity s (0 emergency .. 7 debug) wanted */
    int parse_errors;       /* 1: only messages that did not parse; -1: only those that did */
    const char *text;       /* substring of the message text (SQLite: ASCII case-insensitive) */
    int limit;              /* 1..1000 (0: 100) */
    const char *after;      /* cursor: continue after this row */
} audit_logstore_query;

#define AUDIT_LOGSTORE_MAX_LIMIT 1000

/*
 * Appends {"items":[…],"next":CURSOR|null} to out. Each item has id, received (Shanghai time)
 * and received_us, source, port, proto, known, format ("5424", "3164", "unknown"), parse_error,
 * truncated, utf8_replaced, facility, severity, timestamp (as given), time_us (parsed or null),
 * hostname, app, procid, msgid, sd, msg (null when absent) and raw_len. A page holds fewer than
 * limit items when they are large (about 4 MiB); "next" then continues it. Bad filters are
 * XN_EINVAL naming the field.
 */
int audit_logstore_search(store *s, const audit_logstore_query *q, xn_buf *out, xn_error *err);

/*
 * Appends counts of the messages received in [from_us, to_us) (0: open) to out:
 * {"total":N,"by_source":[{"source","name","registered","count"}],"by_severity":[{"severity",
 * "count"}],"by_app":[{"app","count"}],"by_time":[{"start","start_us","count"}]}, sources and
 * apps the 100 most frequent, time buckets per hour (by_day false) or per Shanghai day.
 */
int audit_logstore_stats(store *s, int64_t from_us, int64_t to_us, bool by_day, xn_buf *out,
                         xn_error *err);

/*
 * The raw bytes of one stored message, by the "id" of its search item ("YYYYMMDD-N"),
 * appended to out. XN_EINVAL (field "id") for a malformed id, XN_ENOTFOUND when there is no
 * such message (or its day was dropped).
 */
int audit_logstore_raw(store *s, const char *id, xn_buf *out, xn_error *err);

/*
 * AUD-3: drops the day tables whose whole day ended at least syslog.retention_days before
 * now_us; a day holding any message younger than that is never dropped. Each day goes in its
 * own transaction with its log.purge record (actor system; object log_day YYYYMMDD; detail
 * day, messages, retention_days). *dropped_days (may be NULL) gets the number of days dropped.
 * The server calls it hourly.
 */
int audit_logstore_purge(store *s, audit_trail *trail, const xn_config *cfg, int64_t now_us,
                         int *dropped_days, xn_error *err);

/* ---- names people read ------------------------------------------------------------------- */

/* The Chinese name of a code of one kind ("action", "result", "object", "permission", "room",
 * "role", "state", "request_kind", "severity", "verify", "verify_kind"), or NULL when the table
 * has none. An action without a name of its own is named as the permission it stands for (a
 * refusal is recorded under the permission it lacked). Static strings. */
const char *audit_label(const char *kind, const char *code);
/* The whole table: {kind: {code: {"zh-CN": …, "en": …}}} (new reference). */
json_t *audit_labels_json(void);

#endif
