/*
 * Internal to the audit room: the syslog parser and TCP framer (pure, no I/O; fuzzed by
 * fuzz/fuzz_syslog_parse.c) and the log store's batch insert used by the receiver's writer.
 */
#ifndef XINAN_AUDIT_SYSLOG_INT_H
#define XINAN_AUDIT_SYSLOG_INT_H

#include "audit/audit.h"

/* ---- parser -------------------------------------------------------------------------------- */

typedef enum syslog_format {
    SYSLOG_UNKNOWN = 0, /* no valid PRI: stored as text with parse_error */
    SYSLOG_RFC3164 = 3164,
    SYSLOG_RFC5424 = 5424,
} syslog_format;

/* A field: bytes inside the raw message, or absent (p == NULL: missing or NILVALUE "-"). */
typedef struct syslog_span {
    const unsigned char *p;
    size_t n;
} syslog_span;

/*
 * A parsed message. Every span points into the raw bytes given to syslog_parse. Header fields
 * (hostname, app, procid, msgid) hold printable ASCII only (33..126), the timestamp the same
 * or spaces (RFC 3164's "Nov  5 10:00:00"), so they are always valid UTF-8; sd and text may
 * hold any bytes and go through syslog_utf8_repair before they are stored as text.
 */
typedef struct syslog_msg {
    syslog_format format;
    bool parse_error; /* the bytes do not follow the grammar of their format (or have none) */
    int facility;     /* 0..23, -1 without a valid PRI */
    int severity;     /* 0..7, -1 without a valid PRI */
    syslog_span timestamp;
    bool has_time;   /* timestamp understood: time_us holds it */
    int64_t time_us; /* UTC epoch µs */
    syslog_span hostname, app, procid, msgid;
    syslog_span sd;            /* RFC 5424 structured data as given, absent for "-" */
    syslog_span text;          /* MSG: without a leading BOM (5424) and trailing CR, LF and NUL */
    bool sd_clean, text_clean; /* valid UTF-8 without NUL (or absent): storable as they are */
} syslog_msg;

/*
 * Parses one message. Never fails: bytes that follow neither RFC 5424 nor RFC 3164 give
 * format SYSLOG_UNKNOWN (or the format whose grammar they broke) with parse_error set and, when
 * the header is unusable, the whole message as text. recv_us (UTC epoch µs) supplies the year an
 * RFC 3164 timestamp leaves out: the latest year that puts it no more than 31 days after the
 * receive time; such a timestamp is read as Asia/Shanghai time, since it carries no zone.
 */
void syslog_parse(const unsigned char *raw, size_t len, int64_t recv_us, syslog_msg *out);

/*
 * Appends s[0..n) to out as valid UTF-8: each byte that does not start a well-formed sequence,
 * and each NUL, becomes U+FFFD. *replaced (may be NULL) is set when anything was replaced.
 * Returns 0 or the buffer's error.
 */
int syslog_utf8_repair(const unsigned char *s, size_t n, xn_buf *out, bool *replaced);

/* ---- TCP framing (RFC 6587) ------------------------------------------------------------------ */

/*
 * Splits a TCP byte stream into messages, deciding the framing per message: a frame that starts
 * with a digit 1-9, a run of at most 9 digits and a space is octet-counted ("LEN SP MSG");
 * anything else runs to the next LF (a CR before it is dropped; empty lines are skipped). A
 * message longer than max is cut to its first max bytes and reported truncated; the rest of its
 * frame is read and discarded, so the next frame starts where it should.
 */
typedef void (*syslog_frame_fn)(void *ctx, const unsigned char *msg, size_t len, bool truncated);

typedef struct syslog_framer {
    xn_buf msg; /* the current message so far, at most max bytes */
    size_t max;
    int state;       /* FRAME_* in syslog_parse.c */
    uint64_t count;  /* the length being read, then the bytes of the frame still to come */
    bool truncated;  /* the current message passed max */
    int count_width; /* digits of the length seen so far */
} syslog_framer;

void syslog_framer_init(syslog_framer *f, size_t max);
void syslog_framer_release(syslog_framer *f);
/* Feeds bytes; fn is called once per complete message, in order. */
void syslog_framer_feed(syslog_framer *f, const unsigned char *data, size_t n, syslog_frame_fn fn,
                        void *ctx);
/* The stream ended: a line without its LF is delivered as a message, an octet-counted frame
 * that stopped short is delivered truncated. The framer is then ready for a new stream. */
void syslog_framer_finish(syslog_framer *f, syslog_frame_fn fn, void *ctx);

/* ---- log store: the writer's side ---------------------------------------------------------- */

/* One received message for the store: the raw bytes, where and when it came from, parsed. */
typedef struct logstore_rec {
    const unsigned char *raw;
    size_t len;
    int64_t recv_us;  /* UTC epoch µs */
    const char *addr; /* numeric source address (IPv4-mapped IPv6 shown as IPv4) */
    uint16_t port;
    const char *proto; /* "udp" or "tcp" */
    bool truncated;
    syslog_msg msg;
} logstore_rec;

#define LOGSTORE_NEW_SOURCES 16

/* Scratch space reused from batch to batch by the one writer thread. */
typedef struct logstore_writer {
    xn_buf text, sd; /* UTF-8 repaired copies */
    /* Sources first seen in the last committed batch (for a log line), at most
     * LOGSTORE_NEW_SOURCES of them. */
    char new_sources[LOGSTORE_NEW_SOURCES][48];
    int nnew;
    /* Per batch: distinct sources with their counts and registered flag. */
    struct logstore_src {
        const char *addr;
        int64_t count, first_us, last_us;
        bool known;
    } * srcs;
    size_t nsrcs, srcs_cap;
    uint32_t *src_of; /* for each record of the batch, its index in srcs */
    size_t src_of_cap;
} logstore_writer;

void logstore_writer_init(logstore_writer *w);
void logstore_writer_release(logstore_writer *w);
/*
 * Stores recs in one transaction: each in the table of its receive day (created when
 * missing), with its source's counters updated and its known flag from the source table.
 */
int logstore_insert(store *s, logstore_writer *w, const logstore_rec *recs, size_t n,
                    xn_error *err);

/* The Asia/Shanghai day of a UTC epoch µs as YYYYMMDD, and the UTC µs at which a day starts. */
int logstore_day_of(int64_t epoch_us);
int64_t logstore_day_start(int day);

#endif
