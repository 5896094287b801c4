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
    const char *source;  /* client address, NULL when local */
    const char *session; /* the session's public id, never its token; NULL when none */
} audit_actor;

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
} audit_event;

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
 * AUD-3: drops the day tables whose whole day ended at least syslog.retention_days before
 * now_us; a day holding any message younger than that is never dropped. *dropped_days (may be
 * NULL) gets the number of days dropped.
 */
int audit_logstore_purge(store *s, const xn_config *cfg, int64_t now_us, int *dropped_days,
                         xn_error *err);

#endif
